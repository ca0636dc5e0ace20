// The text summary of a `ustack sim` run (goodput, completion, retransmissions, RTOs, cwnd,
// SRTT, byte-identical, final states), bit rates for people, and Jain's fairness index.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/run_config.h"
#include "sim/runner.h"

namespace ustack::sim {

// "9.53 Mbit/s", "1.00 Gbit/s", "812 kbit/s".
std::string format_rate(double bps);
// "10 Mbit/s" for a configured link rate (exact where possible), "infinite" for 0.
std::string format_link_rate(std::uint64_t bps);
// "20 ms", "250 us", "1.5 s".
std::string format_duration(Duration d);

// Jain's fairness index (sum x)^2 / (n sum x^2): 1 when all equal, 1/n when one takes all.
// 1 for an empty or all-zero set.
double jain_index(const std::vector<double>& x);

// Jain's index of the flows' goodput over the second half of a run with a duration (nullopt
// without a duration or with one flow).
std::optional<double> second_half_fairness(const RunResult& result);

// The whole summary, several lines, each ending in '\n'.
std::string format_summary(const RunConfig& config, const RunResult& result);

}  // namespace ustack::sim
