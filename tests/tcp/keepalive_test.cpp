// Keep-alive (Keepalive.*, RFC 1122 §4.2.3.6 with Linux's probe form) and receive buffer
// auto-tuning (Autotune.*, as Linux's tcp_rcv_space_adjust) on the peer harness.
#include <limits>

#include "harness.h"

namespace ustack::tcp::test {
namespace {

constexpr std::uint32_t kIss = Harness::kIss;
constexpr std::uint32_t kPeer = Harness::kPeerIss;
constexpr std::uint32_t kA = kIss + 1;   // our first data byte
constexpr std::uint32_t kB = kPeer + 1;  // the peer's first data byte

Config keepalive_config() {
    Config c = Harness::default_config();
    c.keepalive.on = true;
    c.keepalive.idle = Duration::seconds(10);
    c.keepalive.interval = Duration::seconds(2);
    c.keepalive.count = 3;
    return c;
}

// ---- Keepalive

TEST(Keepalive, OffByDefault) {
    Harness h;
    h.establish_client();
    EXPECT_EQ(h.conn().poll_at(), Instant::never());
}

TEST(Keepalive, DefaultsAreLinuxs) {
    const Keepalive k;
    EXPECT_FALSE(k.on);
    EXPECT_EQ(k.idle, Duration::seconds(7200));
    EXPECT_EQ(k.interval, Duration::seconds(75));
    EXPECT_EQ(k.count, 9u);
}

TEST(Keepalive, FirstProbeAfterIdleIsSndUnaMinusOneWithoutData) {
    Harness h(keepalive_config());
    h.establish_client();
    const Instant start = h.now();
    EXPECT_EQ(h.conn().poll_at(), start + Duration::seconds(10));
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_SENT(h, seg().seq(kA - 1).ack(kB));
    EXPECT_EQ(h.conn().keepalive_probes(), 1u);
}

TEST(Keepalive, UnansweredProbesEveryIntervalThenTimedOutWithReset) {
    Harness h(keepalive_config());
    h.establish_client();
    const Instant start = h.now();
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(h.advance_to_poll_at());
        EXPECT_EQ(h.now(), start + Duration::seconds(10 + 2 * i));
        EXPECT_SENT(h, seg().seq(kA - 1).ack(kB));
    }
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_EQ(h.now(), start + Duration::seconds(16));
    EXPECT_SENT(h, seg().rst().seq(kA));  // as Linux
    EXPECT_EQ(h.state(), State::Closed);
    EXPECT_EQ(h.closed_error(), Errc::TimedOut);
}

TEST(Keepalive, AnySegmentFromThePeerResetsTheCount) {
    Harness h(keepalive_config());
    h.establish_client();
    for (int i = 0; i < 2; ++i) {
        ASSERT_TRUE(h.advance_to_poll_at());
        h.flush();
    }
    EXPECT_EQ(h.conn().keepalive_probes(), 2u);
    h.advance(Duration::millis(100));
    h.deliver(seg().seq(kB).ack(kA));  // the answer to the probe
    EXPECT_EQ(h.conn().keepalive_probes(), 0u);
    EXPECT_EQ(h.conn().poll_at(), h.now() + Duration::seconds(10));
    EXPECT_EQ(h.state(), State::Established);
}

TEST(Keepalive, NoProbeWhileDataIsInFlight) {
    Config c = keepalive_config();
    c.keepalive.idle = Duration::seconds(1);
    Harness h(c);
    h.establish_client();
    h.send("unacked");
    h.flush();
    // RTOs at 0.2, 0.6 s resend the data; at 1 s the keep-alive finds data in flight and waits.
    h.advance(Duration::millis(1000));
    h.flush();
    EXPECT_EQ(h.conn().keepalive_probes(), 0u);
}

TEST(Keepalive, ProbesInCloseWait) {
    Harness h(keepalive_config());
    h.establish_client();
    h.deliver(seg().fin().seq(kB).ack(kA));
    h.advance(Duration::millis(40));
    h.flush();
    ASSERT_EQ(h.state(), State::CloseWait);
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_SENT(h, seg().seq(kA - 1).ack(kB + 1));
}

TEST(Keepalive, ProbesInFinWait2) {
    Harness h(keepalive_config());
    h.establish_client();
    ASSERT_TRUE(h.conn().shutdown_write());
    h.flush();
    h.deliver(seg().seq(kB).ack(kA + 1));
    ASSERT_EQ(h.state(), State::FinWait2);
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_SENT(h, seg().seq(kA).ack(kB));  // SND.UNA - 1: our FIN's sequence number
}

TEST(Keepalive, NoTimerInTimeWait) {
    Harness h(keepalive_config());
    h.establish_client();
    ASSERT_TRUE(h.conn().shutdown_write());
    h.flush();
    h.deliver(seg().fin().seq(kB).ack(kA + 1));
    ASSERT_EQ(h.state(), State::TimeWait);
    h.flush();
    EXPECT_EQ(h.conn().poll_at(), h.now() + h.conn().config().time_wait);
}

TEST(Keepalive, PeersProbeIsAnsweredAtOnce) {
    Harness h;
    h.establish_client();
    h.deliver(seg().seq(kB - 1).ack(kA));
    EXPECT_SENT(h, seg().seq(kA).ack(kB));
}

// ---- Autotune

// Client with window scaling and timestamps; the peer echoes a TSval `rtt` old, so the
// receiver's RTT estimate is `rtt`.
struct Pipe {
    explicit Pipe(Config c) : h(c) {
        h.establish_client_with(seg().win(65535).mss(1460).wscale(7).ts(100, 0));
    }
    // The peer fills what we advertise (up to `limit` bytes) in 1448-byte segments.
    std::size_t fill(std::size_t limit, Duration rtt) {
        const std::uint32_t echo = h.conn().ts_now(h.now() - rtt);
        std::size_t sent = 0;
        const std::size_t wnd = std::min<std::size_t>(h.conn().rcv_wnd(), limit);
        while (sent + 1448 <= wnd) {
            h.deliver(seg()
                          .seq(static_cast<std::uint32_t>(kB + total + sent))
                          .ack(kA)
                          .payload(std::string(1448, 'z'))
                          .ts(ts++, echo));
            sent += 1448;
        }
        total += sent;
        h.flush();
        return sent;
    }
    Harness h;
    std::size_t total = 0;
    std::uint32_t ts = 101;
};

Config autotune_config(std::size_t max) {
    Config c = Harness::default_config();
    c.recv_buffer = 64 * 1024;
    c.recv_buffer_max = max;
    return c;
}

TEST(Autotune, GrowsWhenTheApplicationDrainsTheWindowEveryRtt) {
    Pipe p(autotune_config(4u << 20));
    std::size_t biggest_window = 0;
    for (int round = 0; round < 8; ++round) {
        p.fill(std::numeric_limits<std::size_t>::max(), Duration::millis(10));
        EXPECT_FALSE(p.h.read().empty());
        p.h.flush();
        biggest_window = std::max<std::size_t>(biggest_window, p.h.conn().rcv_wnd());
        p.h.advance(Duration::millis(10));
    }
    EXPECT_GT(p.h.conn().recv_buffer(), 64u * 1024);
    EXPECT_LE(p.h.conn().recv_buffer(), 4u << 20);
    EXPECT_GT(biggest_window, 65535u);  // and the peer is told
}

TEST(Autotune, NeverBeyondTheConfiguredMaximum) {
    Pipe p(autotune_config(200 * 1024));
    for (int round = 0; round < 10; ++round) {
        p.fill(std::numeric_limits<std::size_t>::max(), Duration::millis(10));
        p.h.read();
        p.h.flush();
        p.h.advance(Duration::millis(10));
    }
    EXPECT_EQ(p.h.conn().recv_buffer(), 200u * 1024);
}

TEST(Autotune, FixedWhenNoMaximumIsConfigured) {
    Pipe p(autotune_config(0));
    for (int round = 0; round < 5; ++round) {
        p.fill(std::numeric_limits<std::size_t>::max(), Duration::millis(10));
        p.h.read();
        p.h.advance(Duration::millis(10));
    }
    EXPECT_EQ(p.h.conn().recv_buffer(), 64u * 1024);
}

TEST(Autotune, NoGrowthWhenTheApplicationReadsLittlePerRtt) {
    Pipe p(autotune_config(4u << 20));
    std::array<std::uint8_t, 1000> buf{};
    for (int round = 0; round < 10; ++round) {
        p.fill(std::numeric_limits<std::size_t>::max(), Duration::millis(10));
        (void)p.h.conn().recv(MutBytes(buf));  // 1000 bytes per RTT: far below a window
        p.h.flush();
        p.h.advance(Duration::millis(10));
    }
    EXPECT_EQ(p.h.conn().recv_buffer(), 64u * 1024);
}

TEST(Autotune, DataIsIntactAcrossGrowth) {
    Pipe p(autotune_config(1u << 20));
    std::size_t read = 0;
    for (int round = 0; round < 8; ++round) {
        p.fill(std::numeric_limits<std::size_t>::max(), Duration::millis(10));
        const std::string got = p.h.read();
        EXPECT_EQ(got, std::string(got.size(), 'z'));
        read += got.size();
        p.h.advance(Duration::millis(10));
    }
    EXPECT_EQ(read, p.total);
    EXPECT_EQ(p.h.conn().rcv_nxt().raw(), kB + p.total);
}

}  // namespace
}  // namespace ustack::tcp::test
