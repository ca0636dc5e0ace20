// `ustack stat`: the connection table of a running `ustack serve` (like `ss -tan`, plus cwnd,
// srtt and retransmissions) and its counters, read from serve's control socket.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace ustack::cli {

struct StatArgs {
    std::string dev = "tun0";
    std::string control;  // empty: default_control_path(dev)
};

CLI::App* add_stat_command(CLI::App& app, StatArgs& args);
// 0 when the table was printed, 1 with one message when no serve answers.
int run_stat(const StatArgs& args);

}  // namespace ustack::cli
