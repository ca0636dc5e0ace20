// The goodput table: bulk transfers with SACK and CUBIC over rate x RTT x loss, each row with
// goodput after slow start, its share of the link, the Mathis bound MSS/RTT x 1.22/sqrt(p), the
// bar the row must meet, byte-identical, and the longest RTO back-off chain.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"
#include "sim/run_config.h"
#include "sim/runner.h"

namespace ustack::sim {

struct TableRow {
    std::uint64_t rate_bps = 0;
    Duration rtt;
    double loss = 0.0;  // per frame, each way
};

// The 48 rows: 10 Mbit/s, 100 Mbit/s, 1 Gbit/s x RTT 1, 20, 100, 300 ms x loss 0, 0.1%, 1%, 5%.
std::vector<TableRow> goodput_table_rows();

// The run a row is: one CUBIC flow with SACK for max(20 s, 100 RTTs) of virtual time, queue one
// bandwidth-delay product (at least 16 frames), buffers 2 x (BDP + queue), seed 1.
RunConfig table_run_config(const TableRow& row);

// Mathis et al. (1997): MSS / RTT x 1.22 / sqrt(p), in bit/s (infinite for p = 0).
double mathis_bps(std::uint32_t mss_bytes, Duration rtt, double p);

struct TableResult {
    TableRow row;
    double goodput_bps = 0.0;  // after slow start (FlowResult::goodput_after_slow_start_bps)
    double mathis_bps = 0.0;
    double bar_bps = 0.0;
    bool byte_identical = false;
    std::uint32_t longest_rto_chain = 0;
    std::uint32_t fast_retransmits = 0;
    std::uint32_t rto_events = 0;
    std::uint32_t mss = 0;
    bool meets_bar() const { return goodput_bps >= bar_bps; }
};

// The bar: without loss 95% of the link rate; with loss the Mathis bound, or, where the Mathis
// bound is above what the link can carry, 95% of the link rate less the lost share, 0.95 x
// (1 - p) x rate (no sender delivers more than the link carries, nor the frames it loses).
double table_bar_bps(const TableRow& row, double mathis);

TableResult run_table_row(const TableRow& row);

// The header lines of the golden file (each starting with '#', then the column names).
std::string table_header();
// One row as a line of the golden file (no newline).
std::string format_table_line(const TableResult& r);

// A golden line read back: the numbers the test checks.
struct ParsedTableLine {
    TableRow row;
    double goodput_mbps = 0;
    double percent_of_link = 0;
    double mathis_mbps = 0;  // "inf" without loss
    double bar_mbps = 0;
    bool byte_identical = false;
    std::uint32_t longest_rto_chain = 0;
};
std::optional<ParsedTableLine> parse_table_line(std::string_view line);

}  // namespace ustack::sim
