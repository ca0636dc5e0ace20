// `ustack serve`: echo (RFC 862), discard (RFC 863), chargen (RFC 864) and HTTP/1.1 servers on
// our stack over a TUN device, a control socket for `ustack stat`, until SIGINT or SIGTERM.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/net_session.h"

namespace ustack::cli {

struct ServeArgs {
    NetArgs net;
    std::optional<std::uint16_t> echo;
    std::optional<std::uint16_t> discard;
    std::optional<std::uint16_t> chargen;
    std::optional<std::uint16_t> http;
    std::string control;  // empty: default_control_path(net.dev)
    bool no_control = false;
    double duration = 0;  // seconds; 0: until a signal
};

// The control socket's default path for a device: /tmp/ustack-DEV.sock.
std::string default_control_path(const std::string& dev);

CLI::App* add_serve_command(CLI::App& app, ServeArgs& args);

// 0 after a clean stop (signal or --duration), 1 with one message on stderr otherwise.
int run_serve(const ServeArgs& args);

}  // namespace ustack::cli
