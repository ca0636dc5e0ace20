#include "sim/goodput_table.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

#include <fmt/format.h>

namespace ustack::sim {

std::vector<TableRow> goodput_table_rows() {
    std::vector<TableRow> rows;
    for (std::uint64_t rate : {10'000'000ull, 100'000'000ull, 1'000'000'000ull})
        for (int rtt_ms : {1, 20, 100, 300})
            for (double loss : {0.0, 0.001, 0.01, 0.05})
                rows.push_back(TableRow{rate, Duration::millis(rtt_ms), loss});
    return rows;
}

RunConfig table_run_config(const TableRow& row) {
    RunConfig c;
    c.seed = 1;
    c.workload = Workload::Bulk;
    c.link.rate_bps = row.rate_bps;
    c.link.one_way_delay = row.rtt / 2;
    c.link.loss = row.loss;
    c.cc = tcp::CongestionControl::Cubic;
    c.sack = true;
    c.duration = std::max(Duration::seconds(20), row.rtt * 100);
    c.limit = c.duration + Duration::seconds(600);
    return c;
}

double mathis_bps(std::uint32_t mss_bytes, Duration rtt, double p) {
    if (p <= 0) return std::numeric_limits<double>::infinity();
    return static_cast<double>(mss_bytes) * 8.0 / rtt.as_seconds() * 1.22 / std::sqrt(p);
}

double table_bar_bps(const TableRow& row, double mathis) {
    const double rate = static_cast<double>(row.rate_bps);
    if (row.loss <= 0) return 0.95 * rate;
    return std::min(mathis, 0.95 * (1.0 - row.loss) * rate);
}

TableResult run_table_row(const TableRow& row) {
    const RunConfig c = table_run_config(row);
    const RunResult r = run(c);
    TableResult t;
    t.row = row;
    const FlowResult& f = r.flows.at(0);
    t.goodput_bps = f.goodput_after_slow_start_bps().value_or(0.0);
    // SMSS as the sender used it (timestamps on: 1500 - 40 - 12 = 1448).
    t.mss = f.last.smss;
    t.mathis_bps = mathis_bps(t.mss, row.rtt, row.loss);
    t.bar_bps = table_bar_bps(row, t.mathis_bps);
    t.byte_identical = r.all_byte_identical() && r.all_closed_cleanly();
    t.longest_rto_chain = f.longest_rto_chain;
    t.fast_retransmits = f.last.fast_retransmits;
    t.rto_events = f.last.rto_events;
    return t;
}

std::string table_header() {
    return std::string(
               "# ustack sim goodput table: one bulk flow, CUBIC + SACK (timestamps, "
               "window scaling), ") +
           (RunConfig{}.hystart ? "HyStart++" : "no HyStart++") +
           ", seed 1.\n"
           "# Link: rate both ways, RTT = 2 x one-way delay, tail-drop queue of one BDP (>= 16 "
           "frames),\n"
           "# loss per frame in both directions (data and ACKs). Each run sends for max(20 s, 100 "
           "RTT) of virtual time.\n"
           "# The sender keeps at most max(256 KiB, 4 x cwnd) queued, so the stream ends soon "
           "after the sending time.\n"
           "# goodput: application bytes read by the receiver from the end of slow start to the "
           "last byte, in Mbit/s.\n"
           "#   Slow start ends once everything sent before the first congestion event is "
           "acknowledged (recovery over),\n"
           "#   or, with no congestion event, when cwnd first reaches the BDP. pct: of the link "
           "rate (frames, IP headers included).\n"
           "# mathis: MSS/RTT x 1.22/sqrt(p) with MSS = SMSS the sender used and RTT the base RTT "
           "(no queueing).\n"
           "# bar: no loss 95% of link rate; with loss min(mathis, 0.95 x (1-p) x rate). ok: "
           "goodput >= bar.\n"
           "# ident: every byte arrived intact and both sides ended CLOSED or TIME-WAIT. chain: "
           "longest RTO back-off chain.\n"
           "# Regenerate: ustack sim --table > tests/sim/golden/goodput.txt (Release, about two "
           "minutes).\n"
           "#  rate_mbps rtt_ms  loss_pct  goodput_mbps    pct  mathis_mbps   bar_mbps  ok  ident  "
           "chain  fastrtx  rto\n";
}

std::string format_table_line(const TableResult& r) {
    const std::string mathis =
        std::isinf(r.mathis_bps) ? std::string("inf") : fmt::format("{:.3f}", r.mathis_bps / 1e6);
    return fmt::format(
        "{:>11} {:>6} {:>9} {:>13.3f} {:>6.2f} {:>12} {:>10.3f} {:>3} {:>6} {:>6} "
        "{:>8} {:>4}",
        r.row.rate_bps / 1'000'000, r.row.rtt.as_millis(), fmt::format("{:g}", r.row.loss * 100),
        r.goodput_bps / 1e6, 100.0 * r.goodput_bps / static_cast<double>(r.row.rate_bps), mathis,
        r.bar_bps / 1e6, r.meets_bar() ? "yes" : "NO", r.byte_identical ? "yes" : "NO",
        r.longest_rto_chain, r.fast_retransmits, r.rto_events);
}

std::optional<ParsedTableLine> parse_table_line(std::string_view line) {
    if (line.empty() || line.front() == '#') return std::nullopt;
    std::istringstream in{std::string(line)};
    std::uint64_t rate_mbps = 0;
    std::int64_t rtt_ms = 0;
    double loss_pct = 0;
    std::string mathis, ok, ident;
    ParsedTableLine p;
    if (!(in >> rate_mbps >> rtt_ms >> loss_pct >> p.goodput_mbps >> p.percent_of_link >> mathis >>
          p.bar_mbps >> ok >> ident >> p.longest_rto_chain))
        return std::nullopt;
    p.row = TableRow{rate_mbps * 1'000'000, Duration::millis(rtt_ms), loss_pct / 100};
    p.mathis_mbps = mathis == "inf" ? std::numeric_limits<double>::infinity()
                                    : std::strtod(mathis.c_str(), nullptr);
    p.byte_identical = ident == "yes";
    return p;
}

}  // namespace ustack::sim
