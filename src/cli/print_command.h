// `ustack print`: prints a capture file line for line as `tcpdump -r` does.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace ustack::cli {

struct PrintArgs {
    std::string read_file;           // -r FILE (tcpdump's spelling); else the first word
    std::vector<std::string> words;  // FILE then the filter expression
    int numeric = 0;
    int verbose = 0;
    int time = 0;
    bool absolute_seq = false;
    bool link_header = false;
    bool quiet = false;
    bool nano = false;
    std::optional<std::uint64_t> count;
};

// Adds the `print` subcommand to app; its flags fill args.
CLI::App* add_print_command(CLI::App& app, PrintArgs& args);

// Runs it: 0 when the whole file printed, 1 with one message on stderr otherwise.
int run_print(const PrintArgs& args);

}  // namespace ustack::cli
