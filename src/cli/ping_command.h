// `ustack ping HOST`: ICMP / ICMPv6 echo requests from our stack over a TUN device, printed as
// iputils ping prints them, with its summary.
#pragma once

#include <cstddef>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/net_session.h"

namespace ustack::cli {

struct PingArgs {
    NetArgs net;
    std::string host;
    int count = 4;          // -c; 0: until SIGINT
    double interval = 1.0;  // -i seconds
    std::size_t size = 56;  // -s data bytes
    double wait = 2.0;      // -W seconds for the last reply
};

CLI::App* add_ping_command(CLI::App& app, PingArgs& args);
// 0 when a reply came (as iputils ping), 1 when none did or on bad input.
int run_ping(const PingArgs& args);

}  // namespace ustack::cli
