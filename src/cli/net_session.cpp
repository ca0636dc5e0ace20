// NetSession: device, capture, stack, loop and signals, set up in that order.
#include "cli/net_session.h"

#include <net/if.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <random>

#include <fmt/format.h>

#include "cli/quantities.h"

namespace ustack::cli {
namespace {

constexpr std::size_t kSendBuffer = 1 << 20;
constexpr std::size_t kRecvBufferMax = 4 << 20;

// The first host address of `a`'s prefix that is not `a` itself (10.7.0.2/24 -> 10.7.0.1).
std::optional<wire::IpAddress> default_peer(const stack::InterfaceAddress& a) {
    if (const auto* v4 = a.address.v4()) {
        if (a.prefix_len >= 31) return std::nullopt;
        const std::uint32_t mask = a.prefix_len == 0 ? 0 : ~std::uint32_t{0} << (32 - a.prefix_len);
        const std::uint32_t net = v4->to_u32() & mask;
        const std::uint32_t first = net + 1;
        return wire::IpAddress(
            wire::Ipv4Address::from_u32(first == v4->to_u32() ? first + 1 : first));
    }
    const auto* v6 = a.address.v6();
    if (a.prefix_len >= 127) return std::nullopt;
    wire::Ipv6Address p = *v6;
    for (std::size_t bit = a.prefix_len; bit < 128; ++bit)
        p.octets[bit / 8] &= static_cast<std::uint8_t>(~(0x80 >> (bit % 8)));
    p.octets[15] |= 1;
    if (p == *v6) p.octets[15] = 2;
    return wire::IpAddress(p);
}

}  // namespace

tl::expected<stack::InterfaceAddress, std::string> parse_cidr(const std::string& text) {
    const std::size_t slash = text.find('/');
    const auto address = wire::IpAddress::parse(std::string_view(text).substr(0, slash));
    if (!address) return tl::unexpected("'" + text + "' is not an IP address");
    stack::InterfaceAddress a{*address, static_cast<std::uint8_t>(address->is_v4() ? 24 : 64)};
    if (slash != std::string::npos) {
        unsigned len = 0;
        const char* b = text.data() + slash + 1;
        const char* e = text.data() + text.size();
        const auto r = std::from_chars(b, e, len);
        if (r.ec != std::errc() || r.ptr != e || b == e || len > (address->is_v4() ? 32u : 128u))
            return tl::unexpected("'" + text + "': invalid prefix length");
        a.prefix_len = static_cast<std::uint8_t>(len);
    }
    return a;
}

void add_net_options(CLI::App& cmd, NetArgs& args) {
    cmd.add_option("--dev", args.dev, "TUN device to use (default tun0)");
    cmd.add_option("--addr", args.addrs,
                   "our stack's address ADDR/PREFIX on the device (IPv4 and/or IPv6; repeatable)")
        ->required();
    cmd.add_option("--peer-addr", args.peer_addrs,
                   "with --create: the kernel's address on the device (default: the first host "
                   "of each --addr prefix, e.g. 10.7.0.1/24, fd07::1/64)");
    cmd.add_option("--route", args.routes,
                   "default route of its family via this address (a kernel address on the link)");
    cmd.add_flag("--create", args.create,
                 "create the TUN device if needed and configure the kernel's side (addresses, "
                 "MTU, link up); needs CAP_NET_ADMIN. Without it the device must exist (ip "
                 "tuntap add ...) and be configured");
    cmd.add_option("--mtu", args.mtu, "with --create: set the device MTU");
    cmd.add_option("--pcap", args.pcap, "write every packet our stack sends and receives to FILE");
    cmd.add_option("--pcap-limit", args.pcap_limit,
                   "the largest the --pcap file may grow (default 1Gi, at least 1Ki): capture "
                   "stops there with one warning, the connections go on")
        ->type_name("SIZE");
    cmd.add_flag("--print", args.print, "print our packets live as tcpdump -nn prints them");
    cmd.add_option("--seed", args.seed,
                   "seed of the stack's randomness (ISNs, ports); default: a random one");
    cmd.add_flag("--no-offload", args.no_offload,
                 "do not use the TUN device's offloads (virtio-net header with TSO and checksum "
                 "offload: up to 64 KB per read or write); one packet per system call instead");
}

void NetSession::Signals::poll(Instant) {
    signalfd_siginfo info{};
    while (::read(fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        stop = true;
        signo = static_cast<int>(info.ssi_signo);
    }
}

tl::expected<std::unique_ptr<NetSession>, std::string> NetSession::open(
    const NetArgs& args, std::optional<std::uint16_t> ping_identifier) {
    std::unique_ptr<NetSession> s(new NetSession());
    for (const std::string& text : args.addrs) {
        auto a = parse_cidr(text);
        if (!a) return tl::unexpected("--addr " + a.error());
        s->addresses_.push_back(*a);
    }
    if (s->addresses_.empty()) return tl::unexpected(std::string("--addr is required"));
    const auto limit = parse_bytes(args.pcap_limit, 1e15);
    if (!limit || *limit < 1024)
        return tl::unexpected(fmt::format(
            "--pcap-limit {}: not a size of at least 1Ki (e.g. 100M, 4Gi)", args.pcap_limit));

    if (!args.create && ::if_nametoindex(args.dev.c_str()) == 0)
        return tl::unexpected(fmt::format(
            "no network interface named {}: create it first (ip tuntap add dev {} mode tun; ip "
            "addr add 10.7.0.1/24 dev {}; ip link set {} up) or pass --create",
            args.dev, args.dev, args.dev, args.dev));
    auto tun = dev::Tun::open(dev::TunConfig{.name = args.dev, .offload = !args.no_offload});
    if (!tun) return tl::unexpected(tun.error().message());
    s->tun_.emplace(std::move(*tun));
    if (args.create) {
        // The kernel's side: MTU, addresses, link up. An address already there is fine.
        if (args.mtu != 0)
            if (auto r = s->tun_->set_mtu(args.mtu); !r) return tl::unexpected(r.error().message());
        std::vector<stack::InterfaceAddress> peers;
        for (const std::string& text : args.peer_addrs) {
            auto a = parse_cidr(text);
            if (!a) return tl::unexpected("--peer-addr " + a.error());
            peers.push_back(*a);
        }
        if (args.peer_addrs.empty())
            for (const auto& ours : s->addresses_)
                if (const auto p = default_peer(ours)) peers.push_back({*p, ours.prefix_len});
        for (const auto& p : peers) {
            const std::string text = p.address.to_string();
            auto r = p.address.is_v4() ? s->tun_->add_address_v4(text, p.prefix_len)
                                       : s->tun_->add_address_v6(text, p.prefix_len);
            if (!r && r.error().sys_errno != EEXIST) return tl::unexpected(r.error().message());
        }
        if (auto r = s->tun_->set_up(); !r) return tl::unexpected(r.error().message());
        // The kernel's IPv6 addresses take a moment to become usable after the link comes up;
        // wait for them (at most 2 s) so the first packets are not dropped.
        for (const auto& p : peers) {
            const auto* v6 = p.address.v6();
            if (v6 == nullptr) continue;
            const std::string text = v6->to_string();
            for (int i = 0; i < 200 && !dev::Tun::kernel_address_v6_ready(s->tun_->name(), text);
                 ++i)
                ::usleep(10 * 1000);
        }
    } else if (args.mtu != 0) {
        return tl::unexpected(std::string("--mtu needs --create (or: ip link set DEV mtu N)"));
    }

    // The capture sits right on the device: it sees what the kernel and our stack exchange.
    const auto wall = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
    const Duration offset = Duration::micros(wall - rt::RealLoop::clock_now().as_micros());
    if (!args.pcap.empty()) {
        auto p = sim::PcapSink::create(
            args.pcap, *limit, [limit = args.pcap_limit](const sim::PcapSink& sink) {
                fmt::print(stderr,
                           "ustack: warning: {} reached --pcap-limit {} after {} frames; "
                           "capture stops, the connections go on\n",
                           sink.path(), limit, sink.frames());
            });
        if (!p) return tl::unexpected(p.error());
        s->pcap_.emplace(std::move(*p));
        s->pcap_clock_.inner = &*s->pcap_;
        s->pcap_clock_.offset = offset;
        s->fan_.add(s->pcap_clock_);
    }
    if (args.print) {
        capture::PrintOptions po;
        po.numeric = 2;
        s->print_.emplace(po, [](dev::Direction, Instant, std::string_view text) {
            std::fwrite(text.data(), 1, text.size(), stdout);
            std::fputc('\n', stdout);
            std::fflush(stdout);
        });
        s->print_clock_.inner = &*s->print_;
        s->print_clock_.offset = offset;
        s->fan_.add(s->print_clock_);
    }
    dev::Device* device = &*s->tun_;
    if (s->pcap_ || s->print_) {
        s->tap_.emplace(*device, s->fan_);
        device = &*s->tap_;
    }
    if (ping_identifier) {
        s->ping_.emplace(*device, *ping_identifier);
        device = &*s->ping_;
    }

    stack::StackConfig config;
    config.seed = args.seed ? *args.seed : std::random_device{}();
    // Buffers for a real link (Linux's tcp_wmem and tcp_rmem allow 4 and 6 MB): with the 64 KB
    // default a flow over the TUN moves at most 64 KB per round trip of our loop, about half of
    // what the offloads make possible (bench/tun_throughput.md). The receive ring starts small
    // and grows by auto-tuning only for a bulk receiver.
    config.tcp.send_buffer = kSendBuffer;
    config.tcp.recv_buffer_max = kRecvBufferMax;
    s->stack_.emplace(config);
    stack::InterfaceConfig ic;
    ic.addresses = s->addresses_;
    for (const std::string& r : args.routes) {
        const auto gw = wire::IpAddress::parse(r);
        if (!gw) return tl::unexpected("--route '" + r + "' is not an IP address");
        if (const auto* v4 = gw->v4()) ic.gateway_v4 = *v4;
        if (const auto* v6 = gw->v6()) ic.gateway_v6 = *v6;
    }
    if (auto r = s->stack_->add_interface(*device, ic); !r)
        return tl::unexpected(fmt::format("adding {}: {}", args.dev, to_string(r.error())));
    s->loop_.add(*s->stack_);
    if (!s->loop_.watch_fd(s->tun_->fd(), *s->stack_))
        return tl::unexpected(std::string("epoll: cannot watch the TUN device"));
    s->watching_ = true;
    s->reactor_.emplace(s->loop_, *s->stack_);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (::sigprocmask(SIG_BLOCK, &set, nullptr) == 0) {
        s->signals_.fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
        if (s->signals_.fd >= 0) {
            s->loop_.add(s->signals_);
            s->loop_.watch_fd(s->signals_.fd, s->signals_);
        }
    }
    return s;
}

NetSession::~NetSession() {
    reactor_.reset();
    if (signals_.fd >= 0) {
        loop_.unwatch_fd(signals_.fd);
        loop_.remove(signals_);
        ::close(signals_.fd);
    }
    if (watching_) loop_.unwatch_fd(tun_->fd());
    if (stack_) loop_.remove(*stack_);
    if (pcap_) (void)pcap_->flush();
}

std::optional<wire::IpAddress> NetSession::source_for(const wire::IpAddress& dst) const {
    for (const auto& a : addresses_)
        if (a.address.is_v4() == dst.is_v4()) return a.address;
    return std::nullopt;
}

}  // namespace ustack::cli
