// `ustack sim`: two ustack stacks over a simulated link with faults, on virtual time — bulk, echo
// or request/response workloads; prints a summary, writes a pcap and a CSV time series; also the
// goodput table (--table) and the soak (--soak N).
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace ustack::cli {

struct SimArgs {
    std::string workload = "bulk";
    std::string bytes = "10M";
    std::string request = "100";
    std::string response = "1000";
    std::uint64_t count = 100;
    std::string rate = "100M";
    std::string delay;  // one-way
    std::string rtt;    // round trip
    std::string queue;  // frames; empty: one BDP
    std::string jitter = "0";
    std::string loss = "0";
    std::string reorder = "0";
    std::string dup = "0";
    std::string corrupt = "0";
    std::string cc = "cubic";
    bool no_sack = false;
    bool hystart = false;     // --hystart
    bool no_hystart = false;  // --no-hystart
    bool no_tlp = false;      // --no-tlp
    std::uint64_t seed = 1;
    std::uint32_t flows = 1;
    std::string duration;
    std::string stagger;
    std::string buffer;
    std::string limit = "3600s";
    std::string pcap;
    std::string pcap_limit = "1Gi";  // the capture file's bound
    std::string csv;
    std::string interval = "100ms";
    bool table = false;
    std::uint64_t soak = 0;
    std::uint64_t soak_from = 1;
};

CLI::App* add_sim_command(CLI::App& app, SimArgs& args);

// 0 when the run finished with every byte intact and every connection CLOSED or TIME-WAIT
// (--table: every row meets its bar; --soak: every seed passed); 2 when it ran but did not;
// 1 with one message on stderr for bad input or a file that cannot be written.
int run_sim(const SimArgs& args);

}  // namespace ustack::cli
