// NetSession: what the network commands (serve, get, connect, ping) share — the TUN device
// (attached, or created and configured with --create), an optional capture (--pcap, --print),
// our Stack with its addresses and routes, a RealLoop, the Reactor, and SIGINT/SIGTERM as loop
// events.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <tl/expected.hpp>

#include "app/ping_client.h"
#include "dev/tap.h"
#include "dev/tun.h"
#include "rt/real_loop.h"
#include "sim/fan_out_sink.h"
#include "sim/pcap_sink.h"
#include "sim/print_sink.h"
#include "sock/reactor.h"
#include "stack/stack.h"

namespace ustack::cli {

struct NetArgs {
    std::string dev = "tun0";
    std::vector<std::string> addrs;       // ours, ADDR/PREFIX
    std::vector<std::string> peer_addrs;  // the kernel's (with --create), ADDR/PREFIX
    std::vector<std::string> routes;      // default gateways (kernel addresses on the link)
    bool create = false;
    std::size_t mtu = 0;
    std::string pcap;
    std::string pcap_limit = "1Gi";  // the capture's bound (a size parse_bytes reads)
    bool print = false;
    std::optional<std::uint64_t> seed;
    bool no_offload = false;  // plain TUN: no virtio-net header, one packet per read or write
};

// Adds --dev, --addr, --peer-addr, --route, --create, --mtu, --pcap, --pcap-limit, --print,
// --seed, --no-offload.
void add_net_options(CLI::App& cmd, NetArgs& args);

class NetSession {
  public:
    // Opens the device and builds the stack. With `ping_identifier`, a PingClient sits between
    // the Stack and the device. The error is one line for the user.
    static tl::expected<std::unique_ptr<NetSession>, std::string> open(
        const NetArgs& args, std::optional<std::uint16_t> ping_identifier = std::nullopt);
    ~NetSession();
    NetSession(const NetSession&) = delete;
    NetSession& operator=(const NetSession&) = delete;

    rt::RealLoop& loop() { return loop_; }
    stack::Stack& stack() { return *stack_; }
    sock::Reactor& reactor() { return *reactor_; }
    dev::Tun& tun() { return *tun_; }
    app::PingClient* ping() { return ping_ ? &*ping_ : nullptr; }
    const std::vector<stack::InterfaceAddress>& addresses() const { return addresses_; }
    // Our address of dst's family, or nullopt when we have none.
    std::optional<wire::IpAddress> source_for(const wire::IpAddress& dst) const;
    // Whether SIGINT or SIGTERM arrived (they are blocked and read through a signalfd, so they
    // end the loop's wait instead of the process).
    bool stop_requested() const { return signals_.stop; }
    int stop_signal() const { return signals_.signo; }

  private:
    NetSession() = default;
    // A Pollable over a signalfd: poll() reads the pending signals.
    struct Signals : Pollable {
        int fd = -1;
        bool stop = false;
        int signo = 0;
        Instant poll_at() const override { return Instant::never(); }
        void poll(Instant now) override;
    };
    // Shifts the loop's steady-clock Instants to wall-clock time for pcap files and --print.
    struct WallClock : dev::FrameSink {
        dev::FrameSink* inner = nullptr;
        Duration offset;
        void on_frame(dev::Direction d, Instant at, Bytes frame) override {
            inner->on_frame(d, at + offset, frame);
        }
    };

    rt::RealLoop loop_;
    std::optional<dev::Tun> tun_;
    std::optional<sim::PcapSink> pcap_;
    std::optional<sim::PrintSink> print_;
    WallClock pcap_clock_;
    WallClock print_clock_;
    sim::FanOutSink fan_;
    std::optional<dev::Tap> tap_;
    std::optional<app::PingClient> ping_;
    std::optional<stack::Stack> stack_;
    std::optional<sock::Reactor> reactor_;
    std::vector<stack::InterfaceAddress> addresses_;
    Signals signals_;
    bool watching_ = false;
};

// "10.7.0.2/24" -> address and prefix; the error names the text.
tl::expected<stack::InterfaceAddress, std::string> parse_cidr(const std::string& text);

}  // namespace ustack::cli
