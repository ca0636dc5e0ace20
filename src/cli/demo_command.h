// `ustack demo`: the seed articles' TCP exchange between two user-space stacks on a simulated
// link, printed as tcpdump prints it with each side's state changes in between; writes a pcap.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace ustack::cli {

struct DemoArgs {
    std::string close;  // --close: three-packet (also when empty) | four-way
    bool refused = false;
    bool abort = false;
    bool half_close = false;
    bool simultaneous_open = false;
    bool simultaneous_close = false;
    double loss = 0.0;
    std::uint64_t seed = 1;
    std::string delay = "1ms";
    std::string pcap = "demo.pcap";
    bool no_pcap = false;
    bool ipv6 = false;
    std::string message = "hello";
};

// Adds the `demo` subcommand to app; its options fill args.
CLI::App* add_demo_command(CLI::App& app, DemoArgs& args);

// Runs it: 0 when the simulation ran (whatever TCP made of it), 1 with one message on stderr
// for bad input or a pcap file that cannot be written.
int run_demo(const DemoArgs& args);

}  // namespace ustack::cli
