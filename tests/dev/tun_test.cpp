// dev::Tun against the Linux kernel, each test in a fresh network namespace (root only).
#include "dev/tun.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "../interop/netns.h"
#include "base/checksum.h"
#include "wire/icmpv4.h"
#include "wire/icmpv6.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

namespace ustack::dev {
namespace {

using ustack::testing::NetnsScope;

#define SKIP_UNLESS_NETNS()                                          \
    do {                                                             \
        if (const auto why = ustack::testing::netns_unavailable()) { \
            GTEST_SKIP() << *why;                                    \
        }                                                            \
    } while (0)

const wire::Ipv4Address kKernel4{10, 7, 0, 1};
const wire::Ipv4Address kOurs4{10, 7, 0, 2};

// Waits (bounded, in poll(2)) until the device's fd is readable, then returns the next frame.
std::optional<std::vector<std::uint8_t>> next_frame(Tun& tun, int timeout_ms) {
    for (int waited = 0; waited < timeout_ms; waited += 10) {
        if (auto f = tun.receive(Instant::from_micros(0)))
            return std::vector<std::uint8_t>(f->begin(), f->end());
        pollfd p{tun.fd(), POLLIN, 0};
        ::poll(&p, 1, 10);
    }
    return std::nullopt;
}

std::vector<std::uint8_t> echo_request_v4(const wire::Ipv4Address& src,
                                          const wire::Ipv4Address& dst, std::uint16_t ident,
                                          std::uint16_t seq, Bytes data) {
    const auto icmp = wire::Icmpv4Repr::echo_request(ident, seq, data);
    wire::Ipv4Repr ip;
    ip.src = src;
    ip.dst = dst;
    ip.protocol = wire::IpProtocol::Icmp;
    ip.payload_len = icmp.buffer_len();
    std::vector<std::uint8_t> frame(ip.total_len());
    auto iv = wire::Ipv4View<MutBytes>::unchecked(frame);
    ip.emit(iv);
    auto cv = wire::Icmpv4View<MutBytes>::unchecked(MutBytes(frame).subspan(20));
    icmp.emit(cv);
    return frame;
}

class TunTest : public ::testing::Test {
  protected:
    void SetUp() override {
        SKIP_UNLESS_NETNS();
        ns_.emplace();
        ASSERT_TRUE(ns_->ok()) << ns_->error();
    }
    std::optional<NetnsScope> ns_;
};

TEST_F(TunTest, OpensByNameAndReportsKernelMtu) {
    auto tun = Tun::open(TunConfig{.name = "ust0"});
    ASSERT_TRUE(tun) << tun.error().message();
    EXPECT_EQ(tun->name(), "ust0");
    EXPECT_GE(tun->fd(), 0);
    EXPECT_EQ(tun->caps().medium, Medium::Ip);
    EXPECT_EQ(tun->caps().mtu, 1500u);  // the kernel's default for a new TUN device
    ASSERT_TRUE(tun->set_mtu(1400)) << "SIOCSIFMTU";
    EXPECT_EQ(tun->caps().mtu, 1400u);
    auto mtu = Tun::link_mtu("ust0");
    ASSERT_TRUE(mtu);
    EXPECT_EQ(*mtu, 1400u);
    // Changed behind the device's back: refresh_mtu() reads it again.
    ASSERT_TRUE(Tun::set_link_mtu("ust0", 1300));
    EXPECT_EQ(tun->caps().mtu, 1400u);
    ASSERT_TRUE(tun->refresh_mtu());
    EXPECT_EQ(tun->caps().mtu, 1300u);
}

TEST_F(TunTest, KernelChoosesANameWhenNoneIsGiven) {
    auto tun = Tun::open(TunConfig{});
    ASSERT_TRUE(tun) << tun.error().message();
    EXPECT_EQ(tun->name().rfind("tun", 0), 0u) << tun->name();
}

TEST_F(TunTest, ReceiveIsNonBlockingWhenNothingArrived) {
    auto tun = Tun::open(TunConfig{.name = "ust0"});
    ASSERT_TRUE(tun);
    EXPECT_FALSE(tun->receive(Instant::from_micros(5)));
    EXPECT_EQ(tun->poll_at(), Instant::never());
    EXPECT_EQ(tun->counters().empty_reads, 1u);
}

TEST_F(TunTest, SecondOpenOfAnAttachedNameIsBusy) {
    auto first = Tun::open(TunConfig{.name = "ust0"});
    ASSERT_TRUE(first);
    auto second = Tun::open(TunConfig{.name = "ust0"});
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().kind, TunError::Kind::Busy) << second.error().message();
    EXPECT_NE(second.error().message().find("busy"), std::string::npos);
}

TEST_F(TunTest, NameLongerThanIfnamsizIsRejected) {
    auto tun = Tun::open(TunConfig{.name = "a-name-far-too-long-for-linux"});
    ASSERT_FALSE(tun);
    EXPECT_EQ(tun.error().kind, TunError::Kind::InvalidName);
}

TEST_F(TunTest, WithoutCapNetAdminOpenSaysPermissionDenied) {
    // A child drops to nobody (no capabilities) and reports the error kind as its exit code.
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(100);
        auto tun = Tun::open(TunConfig{.name = "ust9"});
        if (tun) ::_exit(101);
        const bool clear = tun.error().message().find("CAP_NET_ADMIN") != std::string::npos;
        ::_exit(static_cast<int>(tun.error().kind) + (clear ? 0 : 50));
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), static_cast<int>(TunError::Kind::PermissionDenied));
}

TEST_F(TunTest, KernelAnswersAnEchoRequestWrittenToTheDevice) {
    auto tun = Tun::open(TunConfig{.name = "ust0"});
    ASSERT_TRUE(tun) << tun.error().message();
    ASSERT_TRUE(tun->add_address_v4("10.7.0.1", 24)) << "kernel address";
    auto up = tun->set_up();
    ASSERT_TRUE(up) << up.error().message();

    const std::vector<std::uint8_t> data{'u', 's', 't', 'a', 'c', 'k', 0, 1, 2, 3};
    const auto request = echo_request_v4(kOurs4, kKernel4, 0x4242, 7, data);
    ASSERT_TRUE(tun->transmit(request, Instant::from_micros(0)));
    EXPECT_EQ(tun->counters().frames_out, 1u);

    // The kernel may also send its own traffic (IPv6 router solicitations, MLD): skip it.
    std::optional<wire::Icmpv4Repr> reply;
    std::vector<std::uint8_t> frame;
    for (int i = 0; i < 20 && !reply; ++i) {
        auto f = next_frame(*tun, 2000);
        ASSERT_TRUE(f) << "no echo reply from the kernel within 2 s";
        frame = *f;
        if ((frame[0] >> 4) != 4) continue;
        const auto iv = wire::Ipv4View<Bytes>::checked(frame);
        ASSERT_TRUE(iv);
        const auto ip = wire::Ipv4Repr::parse(*iv);
        ASSERT_TRUE(ip) << "malformed IPv4 from the kernel";
        if (ip->protocol != wire::IpProtocol::Icmp) continue;
        EXPECT_EQ(ip->src, kKernel4);
        EXPECT_EQ(ip->dst, kOurs4);
        const auto cv = wire::Icmpv4View<Bytes>::checked(iv->payload());
        ASSERT_TRUE(cv);
        reply = wire::Icmpv4Repr::parse(*cv);
        ASSERT_TRUE(reply) << "bad ICMP checksum from the kernel";
    }
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->type, wire::Icmpv4Type::EchoReply);
    EXPECT_EQ(reply->identifier, 0x4242);
    EXPECT_EQ(reply->sequence_number, 7);
    EXPECT_EQ(std::vector<std::uint8_t>(reply->data.begin(), reply->data.end()), data);
    EXPECT_GE(tun->counters().frames_in, 1u);
}

// The first IPv4 frame of `protocol` the kernel sends (it also sends IPv6 router solicitations
// and MLD reports of its own), with whether the device trusted its checksums.
std::optional<std::pair<std::vector<std::uint8_t>, bool>> next_ipv4(Tun& tun,
                                                                    wire::IpProtocol protocol) {
    for (int i = 0; i < 20; ++i) {
        auto f = next_frame(tun, 2000);
        if (!f) return std::nullopt;
        if (((*f)[0] >> 4) != 4 || f->size() < 20 || (*f)[9] != static_cast<std::uint8_t>(protocol))
            continue;
        return std::pair{*f, tun.last_frame_checksum_trusted()};
    }
    return std::nullopt;
}

// Whether the TCP checksum of an IPv4 frame is complete (it verifies).
bool tcp_checksum_complete(const std::vector<std::uint8_t>& frame) {
    const Bytes f(frame);
    const std::size_t ihl = static_cast<std::size_t>(f[0] & 0x0f) * 4;
    const std::size_t len = load_be16(f.data() + 2) - ihl;
    return pseudo_header_v4(f.subspan(12, 4), f.subspan(16, 4), 6, static_cast<std::uint32_t>(len))
               .add(f.subspan(ihl, len))
               .folded() == 0xffff;
}

// A kernel TCP connect() to our side of the device: its SYN comes out on the TUN.
int kernel_connects(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(kOurs4.to_u32());
    (void)::connect(fd, reinterpret_cast<const sockaddr*>(&sin), sizeof sin);
    return fd;
}

// Opens ust0 with the offloads on or off, gives the kernel 10.7.0.1/24 on it, brings it up and
// has the kernel connect to port 80 of ours: the SYN it sends (and whether the device trusts its
// checksum) in `syn`.
void open_and_catch_kernel_syn(bool offload, std::optional<Tun>& tun,
                               std::optional<std::pair<std::vector<std::uint8_t>, bool>>& syn) {
    auto opened = Tun::open(TunConfig{.name = "ust0", .offload = offload});
    ASSERT_TRUE(opened) << opened.error().message();
    tun.emplace(std::move(*opened));
    ASSERT_EQ(tun->offload(), offload) << "TUNSETOFFLOAD refused";
    ASSERT_TRUE(tun->add_address_v4("10.7.0.1", 24));
    ASSERT_TRUE(tun->set_up());
    const int fd = kernel_connects(80);
    ASSERT_GE(fd, 0);
    syn = next_ipv4(*tun, wire::IpProtocol::Tcp);
    ::close(fd);
    ASSERT_TRUE(syn) << "no SYN from the kernel";
}

TEST_F(TunTest, WithOffloadsTheKernelsTcpChecksumIsLeftPartialAndTrusted) {
    std::optional<Tun> tun;
    std::optional<std::pair<std::vector<std::uint8_t>, bool>> syn;
    ASSERT_NO_FATAL_FAILURE(open_and_catch_kernel_syn(true, tun, syn));
    // NEEDS_CSUM: the field holds the pseudo-header sum only; the device says not to verify it.
    EXPECT_TRUE(syn->second);
    EXPECT_FALSE(tcp_checksum_complete(syn->first));

    // The kernel's echo reply has its checksum made in full (no NEEDS_CSUM): not trusted, so
    // the Stack verifies it.
    const std::vector<std::uint8_t> data{1, 2, 3, 4};
    ASSERT_TRUE(tun->transmit(echo_request_v4(kOurs4, kKernel4, 9, 1, data), Instant{}));
    const auto reply = next_ipv4(*tun, wire::IpProtocol::Icmp);
    ASSERT_TRUE(reply) << "no echo reply from the kernel";
    EXPECT_FALSE(reply->second);
}

TEST_F(TunTest, WithoutOffloadsEveryChecksumIsComplete) {
    std::optional<Tun> tun;
    std::optional<std::pair<std::vector<std::uint8_t>, bool>> syn;
    ASSERT_NO_FATAL_FAILURE(open_and_catch_kernel_syn(false, tun, syn));
    EXPECT_FALSE(syn->second);
    EXPECT_TRUE(tcp_checksum_complete(syn->first));
}

TEST_F(TunTest, ReadAheadHandsOutABatchFrameByFrame) {
    auto tun = Tun::open(TunConfig{.name = "ust0", .batch_frames = 4});
    ASSERT_TRUE(tun);
    ASSERT_TRUE(tun->add_address_v4("10.7.0.1", 24));
    ASSERT_TRUE(tun->set_up());
    // Six requests: six replies, read four at a time.
    for (std::uint16_t seq = 0; seq < 6; ++seq) {
        const std::vector<std::uint8_t> data(32, static_cast<std::uint8_t>(seq));
        ASSERT_TRUE(tun->transmit(echo_request_v4(kOurs4, kKernel4, 1, seq, data),
                                  Instant::from_micros(0)));
    }
    std::vector<std::uint16_t> seqs;
    std::uint64_t largest_batch = 0;
    std::uint64_t from_buffer = 0;
    for (int tries = 0; tries < 200 && seqs.size() < 6; ++tries) {
        pollfd p{tun->fd(), POLLIN, 0};
        ::poll(&p, 1, 10);
        for (;;) {
            const bool buffered = tun->poll_at() <= Instant::from_micros(9);
            const std::uint64_t before = tun->counters().frames_in;
            const auto f = tun->receive(Instant::from_micros(9));
            const std::uint64_t read = tun->counters().frames_in - before;
            largest_batch = std::max(largest_batch, read);
            if (buffered) {
                // poll_at() said a frame was waiting: it comes without a read.
                EXPECT_TRUE(f);
                EXPECT_EQ(read, 0u);
                ++from_buffer;
            }
            if (!f) break;
            if (((*f)[0] >> 4) != 4) continue;
            const auto iv = wire::Ipv4View<Bytes>::checked(*f);
            ASSERT_TRUE(iv);
            const auto cv = wire::Icmpv4View<Bytes>::checked(iv->payload());
            ASSERT_TRUE(cv);
            seqs.push_back(cv->sequence_number());
        }
    }
    EXPECT_LE(largest_batch, 4u);
    EXPECT_GE(from_buffer, 1u);
    EXPECT_EQ(seqs, (std::vector<std::uint16_t>{0, 1, 2, 3, 4, 5}));
}

TEST_F(TunTest, KernelAddressV6ReadyOnlyForAnAddressTheKernelHoldsAndUses) {
    auto tun = Tun::open(TunConfig{.name = "ust9"});
    ASSERT_TRUE(tun) << tun.error().message();
    EXPECT_FALSE(Tun::kernel_address_v6_ready("ust9", "fd09::1")) << "not added yet";
    ASSERT_TRUE(tun->add_address_v6("fd09::1", 64));
    ASSERT_TRUE(tun->set_up());
    bool ready = false;
    for (int i = 0; i < 500 && !ready; ++i) {
        ready = Tun::kernel_address_v6_ready("ust9", "fd09::1");
        if (!ready) ::poll(nullptr, 0, 10);
    }
    EXPECT_TRUE(ready);
    EXPECT_TRUE(Tun::kernel_address_v6_ready("lo", "::1"));
    EXPECT_FALSE(Tun::kernel_address_v6_ready("lo", "fd09::1")) << "another interface's";
    EXPECT_FALSE(Tun::kernel_address_v6_ready("ust9", "fd09::2"));
    EXPECT_FALSE(Tun::kernel_address_v6_ready("ust9", "not an address"));
}

TEST(TunError, MessagesSayWhatToDo) {
    TunError e;
    e.operation = "open /dev/net/tun";
    e.kind = TunError::Kind::NoTunDevice;
    EXPECT_NE(e.message().find("modprobe tun"), std::string::npos);
    e.kind = TunError::Kind::PermissionDenied;
    EXPECT_NE(e.message().find("CAP_NET_ADMIN"), std::string::npos);
    EXPECT_EQ(e.message().rfind("open /dev/net/tun: ", 0), 0u);
}

}  // namespace
}  // namespace ustack::dev
