// User verbs used wrongly return an Errc and never crash (RFC 9293 §3.10 "error:" responses).
#include "harness.h"

namespace ustack::tcp::test {
namespace {

constexpr std::uint32_t kA = Harness::kIss + 1;
constexpr std::uint32_t kB = Harness::kPeerIss + 1;

void closed_by_reset(Harness& h) {
    h.establish_client();
    h.deliver(seg().rst().seq(kB));
    ASSERT_EQ(h.state(), State::Closed);
}

void closed_orderly(Harness& h) {
    h.establish_client();
    h.deliver(seg().fin().seq(kB).ack(kA));
    ASSERT_TRUE(h.conn().close());
    h.flush();
    h.deliver(seg().seq(kB + 1).ack(kA + 1));
    ASSERT_EQ(h.state(), State::Closed);
}

TEST(Misuse, SendAfterShutdownIsBrokenPipe) {
    Harness h;
    h.establish_client();
    ASSERT_TRUE(h.conn().shutdown_write());
    EXPECT_EQ(h.send("x").error(), Errc::BrokenPipe);
}

TEST(Misuse, SendAfterCloseIsBrokenPipe) {
    Harness h;
    h.establish_client();
    ASSERT_TRUE(h.conn().close());
    EXPECT_EQ(h.send("x").error(), Errc::BrokenPipe);
}

TEST(Misuse, RecvAfterCloseIsNotConnected) {
    Harness h;
    h.establish_client();
    ASSERT_TRUE(h.conn().close());
    std::array<std::uint8_t, 4> buf{};
    EXPECT_EQ(h.conn().recv(MutBytes(buf)).error(), Errc::NotConnected);
}

TEST(Misuse, CloseTwiceIsHarmless) {
    Harness h;
    h.establish_client();
    ASSERT_TRUE(h.conn().close());
    EXPECT_TRUE(h.conn().close());
    EXPECT_SENT(h, seg().fin().seq(kA));
    EXPECT_SILENT(h);
}

TEST(Misuse, ShutdownTwiceSendsOneFin) {
    Harness h;
    h.establish_client();
    ASSERT_TRUE(h.conn().shutdown_write());
    ASSERT_TRUE(h.conn().shutdown_write());
    EXPECT_SENT(h, seg().fin());
    EXPECT_SILENT(h);
}

TEST(Misuse, CloseAfterResetIsNotConnected) {
    Harness h;
    closed_by_reset(h);
    EXPECT_EQ(h.conn().close().error(), Errc::NotConnected);
}

TEST(Misuse, AbortAfterCloseIsNotConnected) {
    Harness h;
    closed_orderly(h);
    EXPECT_EQ(h.conn().abort().error(), Errc::NotConnected);
}

TEST(Misuse, ShutdownWhenClosedIsNotConnected) {
    Harness h;
    closed_orderly(h);
    EXPECT_EQ(h.conn().shutdown_write().error(), Errc::NotConnected);
}

TEST(Misuse, SendAfterResetReportsReset) {
    Harness h;
    closed_by_reset(h);
    EXPECT_EQ(h.send("x").error(), Errc::ConnectionReset);
}

TEST(Misuse, SendAfterOrderlyCloseIsBrokenPipe) {
    Harness h;
    closed_orderly(h);
    EXPECT_EQ(h.send("x").error(), Errc::BrokenPipe);
}

TEST(Misuse, RecvAfterPeerFinKeepsReturningZero) {
    Harness h;
    h.establish_client();
    h.deliver(seg().fin().seq(kB).ack(kA));
    std::array<std::uint8_t, 4> buf{};
    EXPECT_EQ(*h.conn().recv(MutBytes(buf)), 0u);
    EXPECT_EQ(*h.conn().recv(MutBytes(buf)), 0u);
}

TEST(Misuse, EmptySendIsZero) {
    Harness h;
    h.establish_client();
    EXPECT_EQ(*h.send(""), 0u);
    EXPECT_SILENT(h);
}

TEST(Misuse, EmptyRecvBufferIsHarmless) {
    Harness h;
    h.establish_client();
    h.deliver(seg().seq(kB).ack(kA).payload("abc"));
    EXPECT_EQ(*h.conn().recv(MutBytes()), 0u);
    EXPECT_EQ(h.conn().recv_queue(), 3u);
}

TEST(Misuse, ZeroPayloadSpaceSendsNoData) {
    Harness h;
    h.establish_client();
    h.send("abc");
    auto s = h.conn().poll_transmit(h.now(), MutBytes());
    EXPECT_FALSE(s.has_value());
}

TEST(Misuse, RecvWithNothingWouldBlock) {
    Harness h;
    h.establish_client();
    std::array<std::uint8_t, 4> buf{};
    EXPECT_EQ(h.conn().recv(MutBytes(buf)).error(), Errc::WouldBlock);
}

TEST(Misuse, PollTransmitWhenClosedIsNothing) {
    Harness h;
    closed_orderly(h);
    h.advance(Duration::seconds(1000));
    EXPECT_SILENT(h);
    EXPECT_EQ(h.conn().poll_at(), Instant::never());
}

TEST(Misuse, GarbageSegmentsNeverCrash) {
    Harness h;
    h.establish_client();
    for (std::uint32_t s = 0; s < 40; ++s) {
        h.deliver(seg().seq(s * 0x07654321u).ack(s * 0x12345677u).payload("garbage"));
        h.deliver(seg().fin().seq(s * 0x0fedcba9u).ack(s * 0x1111u));
        h.flush();
    }
    EXPECT_TRUE(h.state() == State::Established || h.state() == State::CloseWait ||
                h.state() == State::Closed);
}

TEST(Misuse, ErrcNamesAreReadable) {
    EXPECT_EQ(to_string(Errc::ConnectionRefused), "connection refused");
    EXPECT_EQ(to_string(Errc::WouldBlock), "operation would block");
    EXPECT_EQ(to_string(Errc::BrokenPipe), "broken pipe");
}

}  // namespace
}  // namespace ustack::tcp::test
