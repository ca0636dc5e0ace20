#include "cli/demo_command.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "capture/print_options.h"
#include "cli/quantities.h"
#include "sim/echo_scenario.h"
#include "sim/fan_out_sink.h"
#include "sim/pcap_sink.h"
#include "sim/print_sink.h"
#include "sim/timeline.h"
#include "tcp/state.h"

namespace ustack::cli {
namespace {

constexpr Duration kMaxDelay = Duration::seconds(10);

std::string delay_text(Duration d) {
    if (d.as_micros() % 1000 == 0) return fmt::format("{} ms", d.as_millis());
    return fmt::format("{} us", d.as_micros());
}

// The one-line description of what the chosen variant shows.
std::string_view variant_story(sim::Variant v) {
    switch (v) {
        case sim::Variant::ThreePacketClose:
            return "handshake, \"hello\", the echo, and the three-packet close delayed ACK makes";
        case sim::Variant::FourWayClose:
            return "the server closes a second after the client: FIN, ACK, FIN, ACK";
        case sim::Variant::Refused:
            return "nobody listens on the port: the SYN draws RST+ACK, connect() is refused";
        case sim::Variant::Abort:
            return "the client closes with SO_LINGER {on, 0}: RST instead of FIN";
        case sim::Variant::HalfClose:
            return "the client shuts down its write side; the server keeps sending, then closes";
        case sim::Variant::SimultaneousOpen:
            return "both sides connect() to each other at the same instant: the SYNs cross";
        case sim::Variant::SimultaneousClose:
            return "both sides close at the same instant: the FINs cross, CLOSING on both";
    }
    return "";
}

std::string packets(std::uint64_t n) {
    return fmt::format("{} packet{}", n, n == 1 ? "" : "s");
}

std::string side_summary(std::string_view name, const sim::SideResult& s) {
    std::string line = fmt::format("  {:<7} wrote {} bytes, read {}; final state {}", name, s.sent,
                                   s.received.size(), tcp::to_string(s.final_state));
    if (s.reached_time_wait && s.final_state == tcp::State::Closed) line += " (after TIME-WAIT)";
    if (s.error) line += fmt::format("; error: {}", to_string(*s.error));
    return line + "\n";
}

}  // namespace

CLI::App* add_demo_command(CLI::App& app, DemoArgs& args) {
    auto* cmd = app.add_subcommand(
        "demo",
        "Run the seed articles' TCP exchange between two ustack stacks on a simulated link (no "
        "root, no set-up): a server on port 3001 echoes \"server: <data>\" to a client that "
        "connects, writes \"hello\", reads the echo and closes. Prints every packet as `tcpdump "
        "-nn` would, interleaved with each side's state changes and socket calls, and writes the "
        "capture to a pcap file.");
    cmd->add_option("--close", args.close,
                    "three-packet (default): the server closes at once, its FIN "
                    "carries the delayed ACK; four-way: the server closes a "
                    "second after the client (FIN, ACK, FIN, ACK)")
        ->type_name("KIND")
        ->check(CLI::IsMember({"three-packet", "four-way"}));
    cmd->add_flag("--refused", args.refused,
                  "No listener: SYN, RST/ACK, and the client reports "
                  "connection refused");
    cmd->add_flag("--abort", args.abort,
                  "The client closes with SO_LINGER {on, 0}: RST instead of FIN");
    cmd->add_flag("--half-close", args.half_close,
                  "The client shuts down its write side; the server keeps sending "
                  "and then closes");
    cmd->add_flag("--simultaneous-open", args.simultaneous_open,
                  "Both sides connect() to each other's fixed port at the same "
                  "instant: SYN-SENT -> SYN-RECEIVED on both");
    cmd->add_flag("--simultaneous-close", args.simultaneous_close,
                  "Both sides close at the same instant: CLOSING on both, then "
                  "TIME-WAIT");
    cmd->add_option("--loss", args.loss,
                    "Drop probability per packet on the link, each way (e.g. 0.2; seeded)")
        ->type_name("P")
        ->check(CLI::Validator(
            [](const std::string& text) -> std::string {
                char* end = nullptr;
                const double p = std::strtod(text.c_str(), &end);
                if (text.empty() || *end != '\0' || !(p >= 0.0 && p <= 1.0))
                    return text + " is not a probability between 0 and 1";
                return {};
            },
            "", "probability"));
    cmd->add_option("--seed", args.seed,
                    "Seed of every random choice (ISNs, ports, losses): same seed, same run")
        ->type_name("N")
        ->check(CLI::Validator(
            [](const std::string& text) -> std::string {
                if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos ||
                    text.size() > 20)
                    return text + " is not a whole number from 0 to 18446744073709551615";
                return {};
            },
            "", "seed"));
    cmd->add_option("--delay", args.delay,
                    "One-way link delay, e.g. 1ms (default), 250us, 0; at most 10s")
        ->type_name("TIME");
    cmd->add_option("--pcap", args.pcap, "Write the capture to FILE (default demo.pcap)")
        ->type_name("FILE");
    cmd->add_flag("--no-pcap", args.no_pcap, "Write no capture file");
    cmd->add_flag("--ipv6", args.ipv6, "Use 2001:db8::1 and 2001:db8::2 instead of IPv4");
    cmd->add_option("--message", args.message, "What the client writes (default \"hello\")")
        ->type_name("TEXT");
    return cmd;
}

int run_demo(const DemoArgs& args) {
    std::vector<std::string> chosen;
    if (!args.close.empty()) chosen.push_back("--close " + args.close);
    if (args.refused) chosen.push_back("--refused");
    if (args.abort) chosen.push_back("--abort");
    if (args.half_close) chosen.push_back("--half-close");
    if (args.simultaneous_open) chosen.push_back("--simultaneous-open");
    if (args.simultaneous_close) chosen.push_back("--simultaneous-close");
    if (chosen.size() > 1) {
        fmt::print(stderr, "ustack demo: {} and {} are different variants: choose one\n", chosen[0],
                   chosen[1]);
        return 1;
    }
    const std::optional<Duration> delay = parse_time(args.delay, kMaxDelay);
    if (!delay) {
        fmt::print(stderr,
                   "ustack demo: --delay {}: not a time between 0 and 10s (examples: 1ms, 250us, "
                   "0)\n",
                   args.delay);
        return 1;
    }
    if (args.message.empty()) {
        fmt::print(stderr, "ustack demo: --message must not be empty\n");
        return 1;
    }
    if (args.message.size() > 1000) {
        fmt::print(stderr, "ustack demo: --message is limited to 1000 bytes\n");
        return 1;
    }

    sim::ScenarioOptions o;
    o.seed = args.seed;
    o.delay = *delay;
    o.loss = args.loss;
    o.ipv6 = args.ipv6;
    o.message = args.message;
    if (args.close == "four-way") o.variant = sim::Variant::FourWayClose;
    if (args.refused) o.variant = sim::Variant::Refused;
    if (args.abort) o.variant = sim::Variant::Abort;
    if (args.half_close) o.variant = sim::Variant::HalfClose;
    if (args.simultaneous_open) o.variant = sim::Variant::SimultaneousOpen;
    if (args.simultaneous_close) o.variant = sim::Variant::SimultaneousClose;

    std::optional<sim::PcapSink> pcap;
    if (!args.no_pcap) {
        auto created = sim::PcapSink::create(args.pcap);
        if (!created) {
            fmt::print(stderr, "ustack demo: {}\n", created.error());
            return 1;
        }
        pcap.emplace(std::move(*created));
    }
    sim::Timeline timeline;
    capture::PrintOptions print;
    print.numeric = 2;                       // -nn
    print.time = capture::TimeFormat::None;  // the Timeline stamps packets with virtual time
    sim::PrintSink printer(print, [&](dev::Direction d, Instant at, std::string_view text) {
        timeline.packet(d, at, text);
    });
    sim::FanOutSink tap;
    tap.add(printer);
    if (pcap) tap.add(*pcap);

    const sim::ScenarioResult r = sim::run_echo_scenario(o, &tap, &timeline);

    const char* client = args.ipv6 ? "2001:db8::1" : "10.0.0.1";
    const char* server = args.ipv6 ? "2001:db8::2" : "10.0.0.2";
    std::string out;
    out +=
        fmt::format("ustack demo ({}): {}.\n", sim::to_string(o.variant), variant_story(o.variant));
    out += fmt::format(
        "client {}, server {} port {}; link delay {} each way, {}; seed {}.\n", client, server,
        o.port, delay_text(o.delay),
        o.loss > 0 ? fmt::format("{:g}% loss each way", o.loss * 100) : std::string("no loss"),
        o.seed);
    out +=
        "Packets as `tcpdump -nn` prints them on the client (relative sequence numbers, virtual "
        "time);\nindented between them: each side's state changes and socket calls.\n";
    if (o.loss > 0) {
        out +=
            "The capture is taken where the client meets the link: a lost packet shows as sent, "
            "or as\nreceived just before the client's side of the link drops it.\n";
    }
    out += "\n";
    out += timeline.render();
    out += "\nSummary\n";
    out += side_summary("client", r.client);
    out += side_summary("server", r.server);
    const std::uint64_t lost_to_client = r.client.faults.dropped;
    const std::uint64_t lost_to_server = r.server.faults.dropped;
    if (o.loss > 0) {
        out += fmt::format("  link    lost {} on the way to the client and {} to the server\n",
                           packets(lost_to_client), packets(lost_to_server));
    }
    out += fmt::format("  {} captured on the client", packets(timeline.packet_count()));
    if (pcap) out += fmt::format(", written to {}", args.pcap);
    out += fmt::format("; virtual time at the end {}\n", sim::format_virtual_time(r.end));
    if (!r.finished) {
        out += "  the connections had not all ended when the run stopped (time limit reached)\n";
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);

    if (pcap) {
        if (auto flushed = pcap->flush(); !flushed) {
            fmt::print(stderr, "ustack demo: {}\n", flushed.error());
            return 1;
        }
    }
    return 0;
}

}  // namespace ustack::cli
