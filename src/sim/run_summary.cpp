#include "sim/run_summary.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "tcp/config.h"

namespace ustack::sim {

std::string format_rate(double bps) {
    if (bps >= 1e9) return fmt::format("{:.3f} Gbit/s", bps / 1e9);
    if (bps >= 1e6) return fmt::format("{:.3f} Mbit/s", bps / 1e6);
    if (bps >= 1e3) return fmt::format("{:.3f} kbit/s", bps / 1e3);
    return fmt::format("{:.0f} bit/s", bps);
}

std::string format_link_rate(std::uint64_t bps) {
    if (bps == 0) return "infinite";
    if (bps % 1'000'000'000 == 0) return fmt::format("{} Gbit/s", bps / 1'000'000'000);
    if (bps % 1'000'000 == 0) return fmt::format("{} Mbit/s", bps / 1'000'000);
    if (bps % 1'000 == 0) return fmt::format("{} kbit/s", bps / 1'000);
    return fmt::format("{} bit/s", bps);
}

std::string format_duration(Duration d) {
    const std::int64_t us = d.as_micros();
    if (us % 1'000'000 == 0 && us != 0) return fmt::format("{} s", us / 1'000'000);
    if (us % 1000 == 0) return fmt::format("{} ms", us / 1000);
    if (us >= 1'000'000) return fmt::format("{:.3f} s", static_cast<double>(us) / 1e6);
    if (us >= 1000) return fmt::format("{:.3f} ms", static_cast<double>(us) / 1e3);
    return fmt::format("{} us", us);
}

double jain_index(const std::vector<double>& x) {
    double sum = 0;
    double squares = 0;
    for (double v : x) {
        sum += v;
        squares += v * v;
    }
    if (x.empty() || squares == 0) return 1.0;
    return sum * sum / (static_cast<double>(x.size()) * squares);
}

std::optional<double> second_half_fairness(const RunResult& result) {
    if (result.flows.size() < 2 || result.second_half == Duration::zero()) return std::nullopt;
    std::vector<double> x;
    for (const FlowResult& f : result.flows)
        x.push_back(static_cast<double>(f.delivered_second_half));
    return jain_index(x);
}

namespace {

std::string state_text(const std::optional<tcp::State>& s) {
    return s ? std::string(tcp::to_string(*s)) : std::string("never opened");
}

std::string identical_text(const FlowResult& f) {
    if (f.byte_identical) return "yes";
    if (f.mismatch) return "NO (bytes differ from what was sent)";
    return "NO (incomplete)";
}

std::string window_text(std::uint32_t bytes) {
    if (bytes == std::numeric_limits<std::uint32_t>::max()) return "infinite";
    return fmt::format("{} B", bytes);
}

std::string fault_text(const RunConfig& c) {
    std::vector<std::string> parts;
    if (c.link.loss > 0) parts.push_back(fmt::format("loss {:g}%", c.link.loss * 100));
    if (c.link.reorder > 0) parts.push_back(fmt::format("reorder {:g}%", c.link.reorder * 100));
    if (c.link.duplicate > 0) parts.push_back(fmt::format("dup {:g}%", c.link.duplicate * 100));
    if (c.link.corrupt > 0) parts.push_back(fmt::format("corrupt {:g}%", c.link.corrupt * 100));
    if (c.link.jitter > Duration::zero())
        parts.push_back(fmt::format("jitter up to {} us", c.link.jitter.as_micros()));
    if (parts.empty()) return "no faults";
    std::string s;
    for (const auto& p : parts)
        s += (s.empty() ? "" : ", ") + p;
    return s + " (each way)";
}

}  // namespace

std::string format_summary(const RunConfig& c, const RunResult& r) {
    std::string out;
    out += fmt::format("ustack sim: {} over {}, RTT {} (one-way delay {}), queue {} frames, {}\n",
                       to_string(c.workload), format_link_rate(c.link.rate_bps),
                       format_duration(c.link.rtt()), format_duration(c.link.one_way_delay),
                       c.link.queue(), fault_text(c));
    const tcp::Config tcp = c.tcp_config();
    out += fmt::format("  {}, SACK {}, tail loss probes {}, HyStart++ {}, buffers {} B, seed {}\n",
                       c.cc == tcp::CongestionControl::Cubic ? "CUBIC" : "NewReno",
                       c.sack ? "on" : "off", c.sack && c.tail_loss_probe ? "on" : "off",
                       c.hystart ? "on" : "off", tcp.send_buffer, c.seed);
    if (!r.started) out += "  a listen() or connect() failed: the run could not start\n";
    const char* ending = r.finished ? "every flow finished, every connection CLOSED or TIME-WAIT"
                         : r.stalled
                             ? "the run stalled before everything finished: nothing was left to "
                               "happen (no frame in flight, no timer armed on either side)"
                             : "the time limit stopped the run before everything finished";
    out += fmt::format("  virtual time {}; {}\n", format_duration(r.end - Instant::from_micros(0)),
                       ending);
    for (std::size_t i = 0; i < r.flows.size(); ++i) {
        const FlowResult& f = r.flows[i];
        const std::string who = r.flows.size() > 1 ? fmt::format("flow {}", i) : "flow";
        out += fmt::format("{}:\n", who);
        if (c.workload == Workload::Bulk) {
            out += fmt::format("  data           {} of {} bytes read, byte-identical: {}\n",
                               f.received, f.expected, identical_text(f));
        } else {
            out += fmt::format(
                "  data           {} of {} bytes read (both ways), byte-identical: {}\n",
                f.received, f.expected, identical_text(f));
        }
        if (f.completed) {
            out += fmt::format("  completion     {} after connect\n",
                               format_duration(*f.completed - f.started));
            out += fmt::format("  goodput        {} (connect to last byte)\n",
                               format_rate(f.goodput_bps()));
            if (const auto g = f.goodput_after_slow_start_bps()) {
                out += fmt::format("  after slow st. {} (from {} on, when slow start ended)\n",
                                   format_rate(*g),
                                   format_duration(*f.slow_start_end - Instant::from_micros(0)));
            }
        } else {
            out += "  completion     not completed\n";
        }
        if (r.second_half > Duration::zero()) {
            out += fmt::format("  second half    {} ({} bytes read)\n",
                               format_rate(static_cast<double>(f.delivered_second_half) * 8.0 /
                                           r.second_half.as_seconds()),
                               f.delivered_second_half);
        }
        out += fmt::format(
            "  retransmits    {} segments resent, {} resends lost again; {} fast retransmits; "
            "{} tail loss probes; {} RTO events (longest chain {})\n",
            f.last.retransmits, f.last.lost_retransmits, f.last.fast_retransmits,
            f.last.tail_loss_probes, f.last.rto_events, f.longest_rto_chain);
        out += fmt::format("  final cwnd     {} (ssthresh {}), smoothed RTT {}\n",
                           window_text(f.last.cwnd), window_text(f.last.ssthresh),
                           format_duration(f.last.srtt));
        out += fmt::format("  final states   client {}, server {}\n", state_text(f.client_state),
                           state_text(f.server_state));
        if (f.client_state && !f.client_connected) {
            // What stopped it: the connect failed (timed out, refused), the run ended while
            // the client still tried, or --duration closed it.
            const char* until = "before the client closed it";
            if (f.client_error) {
                until = "before the connect failed";
            } else if (*f.client_state == tcp::State::SynSent) {
                until = "before the run ended, with the client still resending its SYN";
            } else if (c.duration > Duration::zero()) {
                until = "before --duration ended the flow";
            }
            out += fmt::format(
                "  handshake      never completed: the client's connection did not reach "
                "ESTABLISHED (its SYN resent {} time{}, {} RTO event{}) {}\n",
                f.last.retransmits, f.last.retransmits == 1 ? "" : "s", f.last.rto_events,
                f.last.rto_events == 1 ? "" : "s", until);
        }
        if (f.client_error) out += fmt::format("  client error   {}\n", to_string(*f.client_error));
        if (f.server_error) out += fmt::format("  server error   {}\n", to_string(*f.server_error));
    }
    if (c.workload == Workload::RequestResponse && !r.latencies.empty()) {
        std::vector<Duration> l = r.latencies;
        std::sort(l.begin(), l.end());
        const std::int64_t total =
            std::accumulate(l.begin(), l.end(), std::int64_t{0},
                            [](std::int64_t a, Duration d) { return a + d.as_micros(); });
        out += fmt::format(
            "transactions: {} of {}; latency mean {}, median {}, max {}\n", r.transactions, c.count,
            format_duration(Duration::micros(total / static_cast<std::int64_t>(l.size()))),
            format_duration(l[l.size() / 2]), format_duration(l.back()));
    }
    if (const auto j = second_half_fairness(r))
        out += fmt::format("fairness: Jain index {:.4f} over the second half ({})\n", *j,
                           format_duration(r.second_half));
    out += fmt::format(
        "link: {} frames to the server ({} tail-dropped by the queue), {} to the client ({} "
        "tail-dropped); faults dropped {}, corrupted {}, duplicated {}, reordered {}\n",
        r.client_to_server.frames_sent, r.client_to_server.frames_dropped_queue,
        r.server_to_client.frames_sent, r.server_to_client.frames_dropped_queue,
        r.faults_at_client.dropped + r.faults_at_server.dropped,
        r.faults_at_client.corrupted + r.faults_at_server.corrupted,
        r.faults_at_client.duplicated + r.faults_at_server.duplicated,
        r.faults_at_client.reordered + r.faults_at_server.reordered);
    return out;
}

}  // namespace ustack::sim
