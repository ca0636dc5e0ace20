// ustack: the command-line entry point. Each subcommand lives in its own file.
#include <CLI/CLI.hpp>

#include "cli/print_command.h"

int main(int argc, char** argv) {
    CLI::App app{
        "ustack: a user-space TCP/IP stack you can see into, and the tools that make "
        "TCP visible."};
    app.require_subcommand(1);
    app.set_version_flag("--version", "ustack 0.1");

    ustack::cli::PrintArgs print_args;
    auto* print = ustack::cli::add_print_command(app, print_args);

    CLI11_PARSE(app, argc, argv);
    if (print->parsed()) return ustack::cli::run_print(print_args);
    return 1;
}
