// `ustack get`: our stack as an HTTP/1.1 client over a TUN device: downloads one URL to a file.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "cli/net_session.h"

namespace ustack::cli {

struct GetArgs {
    NetArgs net;
    std::string url;
    std::string output = "-";  // -o FILE; "-" is stdout
    double timeout = 30;       // seconds for the connect and for each read
};

CLI::App* add_get_command(CLI::App& app, GetArgs& args);
// 0 for a complete 2xx response, 1 with one message otherwise (the file keeps what came).
int run_get(const GetArgs& args);

}  // namespace ustack::cli
