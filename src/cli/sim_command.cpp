#include "cli/sim_command.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "cli/quantities.h"
#include "sim/goodput_table.h"
#include "sim/pcap_sink.h"
#include "sim/run_config.h"
#include "sim/run_summary.h"
#include "sim/runner.h"
#include "sim/soak.h"
#include "sim/time_series.h"

namespace ustack::cli {
namespace {

constexpr Duration kMaxDelay = Duration::seconds(10);

// Reports progress on stderr once a run has taken more than a second of real time (the CLI's
// own wall clock; the simulation never reads it).
class Progress {
  public:
    Progress() : start_(std::chrono::steady_clock::now()), tty_(isatty(2) == 1) {}
    double elapsed() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }
    void update(const std::string& what) {
        const double t = elapsed();
        if (t < 1.0 || t - last_ < (tty_ ? 0.25 : 5.0)) return;
        last_ = t;
        shown_ = true;
        if (tty_)
            fmt::print(stderr, "\r{}  ({:.0f} s real)\x1b[K", what, t);
        else
            fmt::print(stderr, "{}  ({:.0f} s real)\n", what, t);
        std::fflush(stderr);
    }
    void done() {
        if (shown_ && tty_) fmt::print(stderr, "\n");
        shown_ = false;
        last_ = 0;
    }

  private:
    std::chrono::steady_clock::time_point start_;
    bool tty_;
    bool shown_ = false;
    double last_ = 0;
};

int fail(const std::string& message) {
    fmt::print(stderr, "ustack sim: {}\n", message);
    return 1;
}

int run_table() {
    Progress progress;
    const auto rows = sim::goodput_table_rows();
    std::string out = sim::table_header();
    std::fwrite(out.data(), 1, out.size(), stdout);
    int failed = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const sim::TableRow& row = rows[i];
        fmt::print(stderr, "row {}/{}: {}, RTT {}, loss {:g}% ...\n", i + 1, rows.size(),
                   sim::format_link_rate(row.rate_bps), sim::format_duration(row.rtt),
                   row.loss * 100);
        const sim::TableResult r = sim::run_table_row(row);
        if (!r.meets_bar() || !r.byte_identical || (row.loss <= 0.05 && r.longest_rto_chain > 3))
            ++failed;
        fmt::print("{}\n", sim::format_table_line(r));
        std::fflush(stdout);
    }
    fmt::print(stderr, "table: {} rows in {:.1f} s real; {} fail a bar\n", rows.size(),
               progress.elapsed(), failed);
    return failed == 0 ? 0 : 2;
}

int run_soak(std::uint64_t n, std::uint64_t first) {
    Progress progress;
    std::uint64_t failed = 0;
    double virtual_s = 0;
    for (std::uint64_t k = 0; k < n; ++k) {
        const std::uint64_t seed = first + k;
        const sim::SoakOutcome o = sim::soak_one(seed);
        virtual_s += (o.result.end - Instant::from_micros(0)).as_seconds();
        if (!o.passed) {
            ++failed;
            progress.done();
            fmt::print("seed {} FAILED: {}\n  replay: {}\n", seed, o.why,
                       sim::soak_config(seed).command_line());
            std::fflush(stdout);
        }
        progress.update(fmt::format("soak: {}/{} seeds, {} failed", k + 1, n, failed));
    }
    progress.done();
    fmt::print("soak: {} seeds from {}: {} passed, {} failed; {:.1f} s real, {:.0f} s virtual\n", n,
               first, n - failed, failed, progress.elapsed(), virtual_s);
    return failed == 0 ? 0 : 2;
}

}  // namespace

CLI::App* add_sim_command(CLI::App& app, SimArgs& args) {
    auto* cmd = app.add_subcommand(
        "sim",
        "Run two ustack stacks over a simulated link (rate, delay, tail-drop queue) with faults, "
        "on virtual time (a minute of it takes far less than a minute), and print a summary: "
        "goodput, completion time, retransmissions, fast retransmits, RTO events, final cwnd, "
        "smoothed RTT, whether every byte arrived intact (checked byte by byte), final states. "
        "Exit code 0 when everything arrived intact and every connection ended CLOSED or "
        "TIME-WAIT, 2 when not, 1 for bad input.");
    cmd->add_option("--workload", args.workload,
                    "bulk (default): client -> server, --bytes or --duration per flow; echo: "
                    "the client streams --bytes and the server sends them back; rr: --count "
                    "transactions of a --request then a --response")
        ->type_name("KIND")
        ->check(CLI::IsMember({"bulk", "echo", "rr"}));
    cmd->add_option("--bytes", args.bytes,
                    "Bytes per bulk flow, or for echo (default 10M; k/M/G = 10^3/10^6/10^9, "
                    "Ki/Mi/Gi = 2^10/2^20/2^30)")
        ->type_name("SIZE");
    cmd->add_option("--request", args.request, "rr: request size in bytes (default 100)")
        ->type_name("SIZE");
    cmd->add_option("--response", args.response, "rr: response size in bytes (default 1000)")
        ->type_name("SIZE");
    cmd->add_option("--count", args.count, "rr: transactions (default 100)")->type_name("N");
    cmd->add_option("--rate", args.rate,
                    "Link rate in bits/s, both directions: 10M, 1G, 1.5G, 64k (default 100M); 0 "
                    "or inf: no serialisation delay")
        ->type_name("RATE");
    auto* delay = cmd->add_option("--delay", args.delay,
                                  "ONE-WAY propagation delay, e.g. 10ms (the default: RTT 20 ms), "
                                  "250us, 0; at most 10s")
                      ->type_name("TIME");
    auto* rtt = cmd->add_option("--rtt", args.rtt,
                                "Round-trip propagation delay instead of --delay (one-way = half "
                                "of it), e.g. 100ms")
                    ->type_name("TIME");
    delay->excludes(rtt);
    rtt->excludes(delay);
    cmd->add_option("--queue", args.queue,
                    "Bottleneck queue in frames, each direction (default: one bandwidth-delay "
                    "product, at least 16)")
        ->type_name("FRAMES");
    cmd->add_option("--jitter", args.jitter,
                    "Extra one-way delay per frame, uniform from 0 to TIME, each way (seeded; "
                    "frames keep their order), e.g. 500us: breaks a drop-tail link's lock-step "
                    "(default 0)")
        ->type_name("TIME");
    cmd->add_option("--loss", args.loss,
                    "Drop probability per frame, each way: 0.01 or 1% (seeded)")
        ->type_name("P");
    cmd->add_option("--reorder", args.reorder,
                    "Probability a frame is held back behind the next one, each way")
        ->type_name("P");
    cmd->add_option("--dup", args.dup, "Probability a frame is delivered twice, each way")
        ->type_name("P");
    cmd->add_option("--corrupt", args.corrupt,
                    "Probability a frame has one bit flipped, each way (checksums catch it)")
        ->type_name("P");
    cmd->add_option("--cc", args.cc, "Congestion control: cubic (default) or newreno")
        ->type_name("ALGO")
        ->check(CLI::IsMember({"cubic", "newreno"}));
    cmd->add_flag("--no-sack", args.no_sack, "Do not offer SACK (loss recovery is NewReno's)");
    auto* hystart = cmd->add_flag(
        "--hystart", args.hystart,
        "End the initial slow start by RFC 9406 HyStart++ (RTT rise, conservative slow start; "
        "the default)");
    cmd->add_flag("--no-hystart", args.no_hystart,
                  "End the initial slow start at the first loss (standard RFC 5681 slow start)")
        ->excludes(hystart);
    cmd->add_flag("--no-tlp", args.no_tlp,
                  "No RFC 8985 tail loss probes: when the ACKs stop, wait for the RTO (probes "
                  "need SACK and are on by default)");
    cmd->add_option("--seed", args.seed,
                    "Seed of every random choice (ISNs, ports, faults): same seed, same run "
                    "(default 1)")
        ->type_name("N");
    cmd->add_option("--flows", args.flows,
                    "bulk: N parallel flows through the same bottleneck (ports 5001...; default 1)")
        ->type_name("N")
        ->check(CLI::Range(1, 64));
    cmd->add_option("--duration", args.duration,
                    "bulk: the flows send for this long (virtual time, counted from the first "
                    "start: with --stagger a later flow sends for less) instead of --bytes, then "
                    "close; with several flows the summary gives the second half's goodput and "
                    "Jain's fairness index")
        ->type_name("TIME");
    cmd->add_option("--stagger", args.stagger,
                    "bulk: flow i starts i x TIME after the first (default 0)")
        ->type_name("TIME");
    cmd->add_option("--buffer", args.buffer,
                    "Send buffer and receive buffer maximum of every connection (default: "
                    "2 x (BDP + queue), at least 256 KiB)")
        ->type_name("SIZE");
    cmd->add_option(
           "--limit", args.limit,
           "Virtual time allowed before the run is stopped (default 3600s); a run with nothing "
           "left to happen (no frame in flight, no timer armed) ends at once, as stalled")
        ->type_name("TIME");
    cmd->add_option("--pcap", args.pcap, "Write the capture (where the client meets the link)")
        ->type_name("FILE");
    cmd->add_option("--pcap-limit", args.pcap_limit,
                    "The largest the capture may grow (default 1Gi, at least 1Ki): capture "
                    "stops there with one warning, the run goes on, and the summary says where "
                    "it was truncated")
        ->type_name("SIZE");
    cmd->add_option("--csv", args.csv,
                    "Write a time series of every flow's sender: time_s, flow, cwnd, ssthresh "
                    "(empty until the first congestion event), in flight, srtt_ms, rwnd, "
                    "bytes_acked, every --interval")
        ->type_name("FILE");
    cmd->add_option("--interval", args.interval,
                    "The CSV's sampling interval in virtual time (default 100ms)")
        ->type_name("TIME");
    cmd->add_flag("--table", args.table,
                  "Print the goodput table (10M/100M/1G x RTT 1/20/100/300 ms x loss "
                  "0/0.1/1/5%, CUBIC + SACK) as tests/sim/golden/goodput.txt holds it; other "
                  "options are ignored");
    cmd->add_option("--soak", args.soak,
                    "Run N seeded sims with random links, faults (loss up to 20%), workloads; "
                    "each must end intact with both sides CLOSED or TIME-WAIT; failures print "
                    "their seed and a command line that replays them")
        ->type_name("N");
    cmd->add_option("--soak-from", args.soak_from, "The soak's first seed (default 1)")
        ->type_name("SEED");
    return cmd;
}

int run_sim(const SimArgs& args) {
    if (args.table) return run_table();
    if (args.soak > 0) return run_soak(args.soak, args.soak_from);

    sim::RunConfig c;
    c.seed = args.seed;
    c.workload = args.workload == "echo" ? sim::Workload::Echo
                 : args.workload == "rr" ? sim::Workload::RequestResponse
                                         : sim::Workload::Bulk;
    const auto rate = parse_rate(args.rate);
    if (!rate)
        return fail(
            fmt::format("--rate {}: not a rate between 1k and 100G bits/s (examples: "
                        "10M, 1G, 64k; 0 or inf for no limit)",
                        args.rate));
    c.link.rate_bps = *rate;
    if (!args.rtt.empty()) {
        const auto r = parse_time(args.rtt, kMaxDelay * 2);
        if (!r)
            return fail(
                fmt::format("--rtt {}: not a time between 0 and 20s (e.g. 100ms)", args.rtt));
        c.link.one_way_delay = *r / 2;
    } else if (!args.delay.empty()) {
        const auto d = parse_time(args.delay, kMaxDelay);
        if (!d)
            return fail(fmt::format("--delay {}: not a time between 0 and 10s (e.g. 10ms, 250us)",
                                    args.delay));
        c.link.one_way_delay = *d;
    }
    const auto jitter = parse_time(args.jitter, kMaxDelay);
    if (!jitter)
        return fail(fmt::format("--jitter {}: not a time between 0 and 10s (e.g. 500us, 1ms)",
                                args.jitter));
    c.link.jitter = *jitter;
    if (!args.queue.empty()) {
        const auto q = parse_bytes(args.queue, 1e7);
        if (!q || *q == 0)
            return fail(
                fmt::format("--queue {}: not a number of frames from 1 to 10000000", args.queue));
        c.link.queue_frames = static_cast<std::size_t>(*q);
    }
    for (const auto& [name, text, into] :
         {std::tuple<const char*, const std::string&, double*>{"--loss", args.loss, &c.link.loss},
          {"--reorder", args.reorder, &c.link.reorder},
          {"--dup", args.dup, &c.link.duplicate},
          {"--corrupt", args.corrupt, &c.link.corrupt}}) {
        const auto p = parse_fraction(text);
        if (!p)
            return fail(
                fmt::format("{} {}: not a probability: a fraction from 0 to below 1 "
                            "(0.01) or a percentage below 100% (1%)",
                            name, text));
        *into = *p;
    }
    c.cc = args.cc == "newreno" ? tcp::CongestionControl::NewReno : tcp::CongestionControl::Cubic;
    c.sack = !args.no_sack;
    if (args.hystart) c.hystart = true;
    if (args.no_hystart) c.hystart = false;
    if (args.no_tlp) c.tail_loss_probe = false;
    const auto bytes = parse_bytes(args.bytes, 1e13);
    if (!bytes)
        return fail(fmt::format("--bytes {}: not a size (examples: 1500, 10M, 64Ki)", args.bytes));
    c.bytes = *bytes;
    const auto request = parse_bytes(args.request, 1e9);
    const auto response = parse_bytes(args.response, 1e9);
    if (!request || *request == 0)
        return fail(fmt::format("--request {}: not a size from 1 byte to 1G", args.request));
    if (!response || *response == 0)
        return fail(fmt::format("--response {}: not a size from 1 byte to 1G", args.response));
    c.request_bytes = static_cast<std::size_t>(*request);
    c.response_bytes = static_cast<std::size_t>(*response);
    if (args.count == 0) return fail("--count must be at least 1");
    c.count = args.count;
    c.flows = args.flows;
    const auto limit = parse_time(args.limit, Duration::seconds(100 * 86400));
    if (!limit || *limit == Duration::zero())
        return fail(fmt::format("--limit {}: not a time between 0 and 100 days", args.limit));
    c.limit = *limit;
    if (!args.duration.empty()) {
        const auto d = parse_time(args.duration, Duration::seconds(86400));
        if (!d || *d == Duration::zero())
            return fail(
                fmt::format("--duration {}: not a time above 0 and at most a day", args.duration));
        c.duration = *d;
        if (c.limit <= c.duration) c.limit = c.duration + Duration::seconds(3600);
    }
    if (!args.stagger.empty()) {
        const auto s = parse_time(args.stagger, Duration::seconds(86400));
        if (!s) return fail(fmt::format("--stagger {}: not a time of at most a day", args.stagger));
        c.stagger = *s;
    }
    if (!args.buffer.empty()) {
        const auto b = parse_bytes(args.buffer, static_cast<double>(1u << 30));
        if (!b || *b < 4096)
            return fail(fmt::format("--buffer {}: not a size from 4096 bytes to 1Gi", args.buffer));
        c.buffer_bytes = static_cast<std::size_t>(*b);
    }
    const auto pcap_limit = parse_bytes(args.pcap_limit, 1e15);
    if (!pcap_limit || *pcap_limit < 1024)
        return fail(fmt::format("--pcap-limit {}: not a size of at least 1Ki (e.g. 100M, 4Gi)",
                                args.pcap_limit));
    const auto interval = parse_time(args.interval, Duration::seconds(3600));
    if (!interval || *interval == Duration::zero())
        return fail(fmt::format("--interval {}: not a time above 0 (e.g. 10ms)", args.interval));

    if (c.workload != sim::Workload::Bulk) {
        if (args.flows != 1) return fail("--flows is for --workload bulk");
        if (!args.duration.empty()) return fail("--duration is for --workload bulk");
        if (!args.stagger.empty()) return fail("--stagger is for --workload bulk");
    }
    if (c.workload == sim::Workload::Echo && c.bytes == 0)
        return fail("--bytes must be at least 1 for echo");
    if (c.duration > Duration::zero() &&
        c.stagger * static_cast<std::int64_t>(c.flows - 1) >= c.duration)
        return fail("every flow must start before --duration ends: lower --stagger or --flows");
    if (c.link.loss >= 0.5)
        fmt::print(stderr, "ustack sim: note: --loss {:g}% each way; expect long back-offs\n",
                   c.link.loss * 100);

    Progress progress;
    std::optional<sim::PcapSink> pcap;
    if (!args.pcap.empty()) {
        auto created =
            sim::PcapSink::create(args.pcap, *pcap_limit, [&](const sim::PcapSink& sink) {
                progress.done();
                fmt::print(stderr,
                           "ustack sim: warning: {} reached --pcap-limit {} after {} frames; "
                           "capture stops, the run goes on\n",
                           sink.path(), args.pcap_limit, sink.frames());
            });
        if (!created) return fail(created.error());
        pcap.emplace(std::move(*created));
    }
    std::optional<sim::TimeSeries> csv;
    if (!args.csv.empty()) {
        auto created = sim::TimeSeries::create(args.csv);
        if (!created) return fail(created.error());
        csv.emplace(std::move(*created));
    }

    const Instant planned_end =
        Instant::from_micros(0) + (c.duration > Duration::zero() ? c.duration : c.limit);
    const sim::RunResult r = sim::run(
        c, pcap ? &*pcap : nullptr, csv ? &*csv : nullptr, *interval,
        [&](Instant now, const sim::RunConfig&) {
            progress.update(fmt::format(
                "sim: {:.1f} s of virtual time{}", (now - Instant::from_micros(0)).as_seconds(),
                c.duration > Duration::zero()
                    ? fmt::format(" of {:.1f} s sending",
                                  (planned_end - Instant::from_micros(0)).as_seconds())
                    : std::string()));
        });
    progress.done();

    std::string out = sim::format_summary(c, r);
    if (pcap) {
        out += fmt::format("capture: {} frames written to {}", pcap->frames(), args.pcap);
        if (pcap->truncated())
            out += fmt::format("; truncated there at --pcap-limit {} ({} frames not written)",
                               args.pcap_limit, pcap->frames_dropped());
        out += "\n";
    }
    if (csv) out += fmt::format("time series: {} rows written to {}\n", csv->rows(), args.csv);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    if (pcap) {
        if (auto flushed = pcap->flush(); !flushed) return fail(flushed.error());
    }
    if (csv) {
        if (auto finished = csv->finish(); !finished) return fail(finished.error());
    }
    if (!r.all_byte_identical() || !r.all_closed_cleanly() || !r.finished) {
        fmt::print(stderr,
                   "ustack sim: the run did not end with every byte intact and every "
                   "connection CLOSED or TIME-WAIT (exit code 2)\n");
        return 2;
    }
    return 0;
}

}  // namespace ustack::cli
