// `ustack ping`: a NetSession with a PingClient; requests on loop timers, replies after each
// step.
#include "cli/ping_command.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include <fmt/format.h>

namespace ustack::cli {

CLI::App* add_ping_command(CLI::App& app, PingArgs& args) {
    auto* cmd = app.add_subcommand(
        "ping",
        "Send ICMP (IPv4) or ICMPv6 echo requests from our stack over a TUN device and print "
        "the replies as ping does.");
    cmd->add_option("host", args.host, "IP address to ping")->required();
    cmd->add_option("-c,--count", args.count, "requests to send (default 4; 0: until Ctrl-C)");
    cmd->add_option("-i,--interval", args.interval, "seconds between requests (default 1)");
    cmd->add_option("-s,--size", args.size,
                    "data bytes per request (default 56; at most the MTU less the headers)");
    cmd->add_option("-W,--wait", args.wait, "seconds to wait for the last reply (default 2)");
    add_net_options(*cmd, args.net);
    return cmd;
}

int run_ping(const PingArgs& args) {
    const auto host = wire::IpAddress::parse(args.host);
    if (!host) {
        fmt::print(stderr, "ustack ping: '{}' is not an IP address\n", args.host);
        return 1;
    }
    if (args.count < 0 || args.interval <= 0 || args.wait < 0) {
        std::fputs("ustack ping: --count, --interval and --wait must not be negative\n", stderr);
        return 1;
    }
    auto session = NetSession::open(args.net, static_cast<std::uint16_t>(::getpid() & 0xffff));
    if (!session) {
        fmt::print(stderr, "ustack ping: {}\n", session.error());
        return 1;
    }
    NetSession& net = **session;
    app::PingClient& ping = *net.ping();
    const auto src = net.source_for(*host);
    if (!src) {
        fmt::print(stderr, "ustack ping: no address of {}'s family (give --addr)\n", args.host);
        return 1;
    }
    const std::size_t ip_header = host->is_v4() ? 20 : 40;
    if (ip_header + 8 + args.size > net.tun().caps().mtu) {
        fmt::print(stderr, "ustack ping: -s {} does not fit the MTU {} (at most {})\n", args.size,
                   net.tun().caps().mtu, net.tun().caps().mtu - ip_header - 8);
        return 1;
    }
    fmt::print("PING {} ({}) {}({}) bytes of data.\n", args.host, host->to_string(), args.size,
               args.size + 8 + ip_header);
    std::fflush(stdout);

    const Duration interval = Duration::micros(static_cast<std::int64_t>(args.interval * 1e6));
    std::map<std::uint16_t, Instant> sent_at;
    int transmitted = 0;
    int received = 0;
    Duration rtt_min = Duration::micros(INT64_MAX);
    Duration rtt_max = Duration::zero();
    Duration rtt_sum = Duration::zero();
    Instant last_sent;
    // One request now, then one per interval via loop timers.
    std::function<void(Instant)> send_one = [&](Instant now) {
        const auto seq = static_cast<std::uint16_t>(transmitted + 1);
        ++transmitted;
        last_sent = now;
        if (ping.send_request(*src, *host, seq, args.size, now))
            sent_at[seq] = now;
        else
            fmt::print("ustack ping: sending icmp_seq={} failed (device queue full)\n", seq);
        if (args.count == 0 || transmitted < args.count)
            net.loop().call_at(now + interval, send_one);
    };
    net.loop().call_at(net.loop().now(), send_one);
    const Instant started = rt::RealLoop::clock_now();
    const Duration wait = Duration::micros(static_cast<std::int64_t>(args.wait * 1e6));
    auto done = [&] {
        if (net.stop_requested()) return true;
        for (const app::EchoReply& r : ping.take_replies()) {
            const auto it = sent_at.find(r.sequence);
            if (it == sent_at.end()) {
                fmt::print("{} bytes from {}: icmp_seq={} (DUP or late)\n", r.data_len + 8,
                           r.from.to_string(), r.sequence);
                continue;
            }
            const Duration rtt = r.at - it->second;
            sent_at.erase(it);
            ++received;
            rtt_min = std::min(rtt_min, rtt);
            rtt_max = std::max(rtt_max, rtt);
            rtt_sum = rtt_sum + rtt;
            fmt::print("{} bytes from {}: icmp_seq={} ttl={} time={:.3f} ms{}\n", r.data_len + 8,
                       r.from.to_string(), r.sequence, r.ttl,
                       static_cast<double>(rtt.as_micros()) / 1000.0,
                       r.data_intact ? "" : " (wrong data)");
            std::fflush(stdout);
        }
        if (args.count == 0 || transmitted < args.count) return false;
        return sent_at.empty() || net.loop().now() >= last_sent + wait;
    };
    while (!done()) {
        net.loop().run_until(done, Instant::never());
        if (net.loop().stop_reason() != rt::StopReason::Done) break;
    }
    const double elapsed_ms = (rt::RealLoop::clock_now() - started).as_seconds() * 1000.0;
    fmt::print("\n--- {} ping statistics ---\n", args.host);
    fmt::print("{} packets transmitted, {} received, {}% packet loss, time {:.0f}ms\n", transmitted,
               received, transmitted == 0 ? 0 : (transmitted - received) * 100 / transmitted,
               elapsed_ms);
    if (received > 0)
        fmt::print("rtt min/avg/max = {:.3f}/{:.3f}/{:.3f} ms\n",
                   static_cast<double>(rtt_min.as_micros()) / 1000.0,
                   static_cast<double>(rtt_sum.as_micros()) / 1000.0 / received,
                   static_cast<double>(rtt_max.as_micros()) / 1000.0);
    return received > 0 ? 0 : 1;
}

}  // namespace ustack::cli
