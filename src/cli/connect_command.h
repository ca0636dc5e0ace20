// `ustack connect HOST PORT`: like nc — stdin to a TCP connection of our stack, the connection
// to stdout; "Connection refused" at once when a RST answers, a timeout when nothing does.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/net_session.h"

namespace ustack::cli {

struct ConnectArgs {
    NetArgs net;
    std::string host;
    std::uint16_t port = 0;
    double timeout = 10;  // seconds for the handshake
};

CLI::App* add_connect_command(CLI::App& app, ConnectArgs& args);
// 0 when the connection ended in order, 1 with one message otherwise (refused, timed out,
// reset), 130/143 on SIGINT/SIGTERM.
int run_connect(const ConnectArgs& args);

}  // namespace ustack::cli
