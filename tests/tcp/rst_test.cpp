// Resets received and sent in every state (RFC 9293 §3.10.7, §3.10.5; RFC 5961 §3, §4, §7).
#include "harness.h"

namespace ustack::tcp::test {
namespace {

constexpr std::uint32_t kIss = Harness::kIss;
constexpr std::uint32_t kPeer = Harness::kPeerIss;
constexpr std::uint32_t kA = kIss + 1;
constexpr std::uint32_t kB = kPeer + 1;

// ---- received in SYN-SENT

TEST(Rst, SynSentRstWithAcceptableAckReportsRefused) {
    Harness h;
    h.connect();
    h.flush();
    h.deliver(seg().rst().seq(0).ack(kIss + 1));
    EXPECT_EQ(h.state(), State::Closed);
    EXPECT_EQ(h.closed_error(), Errc::ConnectionRefused);
    EXPECT_SILENT(h);
    std::array<std::uint8_t, 4> buf{};
    EXPECT_EQ(h.conn().recv(MutBytes(buf)).error(), Errc::ConnectionRefused);
}

TEST(Rst, SynSentRstWithoutAckIsIgnored) {
    Harness h;
    h.connect();
    h.flush();
    h.deliver(seg().rst().seq(kPeer).no_ack());
    EXPECT_EQ(h.state(), State::SynSent);
}

TEST(Rst, SynSentRstWithWrongAckIsIgnored) {
    Harness h;
    h.connect();
    h.flush();
    h.deliver(seg().rst().seq(0).ack(kIss + 2));
    EXPECT_EQ(h.state(), State::SynSent);
    EXPECT_SILENT(h);
}

// ---- received in SYN-RECEIVED

TEST(Rst, SynReceivedPassiveRstReturnsToListenSilently) {
    Harness h;
    h.accept(seg().syn().seq(kPeer));
    h.flush();
    h.deliver(seg().rst().seq(kB));
    EXPECT_EQ(h.state(), State::Closed);
    EXPECT_EQ(h.closed_error(), std::nullopt);
    EXPECT_SILENT(h);
}

TEST(Rst, SynReceivedActiveRstReportsRefused) {
    Harness h;
    h.connect();
    h.flush();
    h.deliver(seg().syn().seq(kPeer));
    h.flush();
    ASSERT_EQ(h.state(), State::SynReceived);
    h.deliver(seg().rst().seq(kB));
    EXPECT_EQ(h.closed_error(), Errc::ConnectionRefused);
}

TEST(Rst, SynReceivedInWindowRstDrawsChallengeAck) {
    Harness h;
    h.accept(seg().syn().seq(kPeer));
    h.flush();
    h.deliver(seg().rst().seq(kB + 100));
    EXPECT_EQ(h.state(), State::SynReceived);
    EXPECT_SENT(h, seg().seq(kA).ack(kB));
}

// ---- received in synchronized states: exact match resets

TEST(Rst, EstablishedExactRstReportsReset) {
    Harness h;
    h.establish_client();
    h.deliver(seg().rst().seq(kB));
    EXPECT_EQ(h.state(), State::Closed);
    EXPECT_EQ(h.closed_error(), Errc::ConnectionReset);
    EXPECT_SILENT(h);
    EXPECT_EQ(h.send("x").error(), Errc::ConnectionReset);
}

TEST(Rst, EstablishedRstFlushesQueues) {
    Harness h;
    h.establish_client();
    h.deliver(seg().seq(kB).ack(kA).payload("unread"));
    h.send("unsent");
    h.deliver(seg().rst().seq(kB + 6));
    EXPECT_EQ(h.conn().recv_queue(), 0u);
    EXPECT_EQ(h.conn().send_queue(), 0u);
    std::array<std::uint8_t, 4> buf{};
    EXPECT_EQ(h.conn().recv(MutBytes(buf)).error(), Errc::ConnectionReset);
}

TEST(Rst, EstablishedRstWithAckFlagAlsoResets) {
    Harness h;
    h.establish_client();
    h.deliver(seg().rst().seq(kB).ack(kA));
    EXPECT_EQ(h.closed_error(), Errc::ConnectionReset);
}

TEST(Rst, EstablishedInWindowRstDrawsChallengeAck) {
    Harness h;
    h.establish_client();
    h.deliver(seg().rst().seq(kB + 1));
    EXPECT_EQ(h.state(), State::Established);
    EXPECT_SENT(h, seg().seq(kA).ack(kB));
}

TEST(Rst, EstablishedOutOfWindowRstIsDroppedSilently) {
    Harness h;
    h.establish_client();
    h.deliver(seg().rst().seq(kB + 100000));
    EXPECT_EQ(h.state(), State::Established);
    EXPECT_SILENT(h);
    h.deliver(seg().rst().seq(kB - 1));
    EXPECT_SILENT(h);
}

TEST(Rst, FinWait1ExactRstReportsReset) {
    Harness h;
    h.establish_client();
    ASSERT_TRUE(h.conn().shutdown_write());
    h.flush();
    h.deliver(seg().rst().seq(kB));
    EXPECT_EQ(h.closed_error(), Errc::ConnectionReset);
}

TEST(Rst, FinWait2ExactRstReportsReset) {
    Harness h;
    h.establish_client();
    ASSERT_TRUE(h.conn().shutdown_write());
    h.flush();
    h.deliver(seg().seq(kB).ack(kA + 1));
    ASSERT_EQ(h.state(), State::FinWait2);
    h.deliver(seg().rst().seq(kB));
    EXPECT_EQ(h.closed_error(), Errc::ConnectionReset);
}

TEST(Rst, CloseWaitExactRstReportsReset) {
    Harness h;
    h.establish_client();
    h.deliver(seg().fin().seq(kB).ack(kA));
    h.deliver(seg().rst().seq(kB + 1));
    EXPECT_EQ(h.closed_error(), Errc::ConnectionReset);
}

TEST(Rst, ClosingRstClosesWithoutError) {
    Harness h;
    h.establish_client();
    ASSERT_TRUE(h.conn().shutdown_write());
    h.flush();
    h.deliver(seg().fin().seq(kB).ack(kA));
    ASSERT_EQ(h.state(), State::Closing);
    h.deliver(seg().rst().seq(kB + 1));
    EXPECT_EQ(h.state(), State::Closed);
    EXPECT_EQ(h.closed_error(), std::nullopt);
}

TEST(Rst, LastAckRstClosesWithoutError) {
    Harness h;
    h.establish_client();
    h.deliver(seg().fin().seq(kB).ack(kA));
    ASSERT_TRUE(h.conn().close());
    h.flush();
    ASSERT_EQ(h.state(), State::LastAck);
    h.deliver(seg().rst().seq(kB + 1));
    EXPECT_EQ(h.state(), State::Closed);
    EXPECT_EQ(h.closed_error(), std::nullopt);
}

void to_time_wait(Harness& h) {
    h.establish_client();
    ASSERT_TRUE(h.conn().shutdown_write());
    h.flush();
    h.deliver(seg().fin().seq(kB).ack(kA + 1));
    h.flush();
    ASSERT_EQ(h.state(), State::TimeWait);
}

TEST(Rst, TimeWaitRstClosesAsRfc9293AndLinux) {
    Harness h;
    to_time_wait(h);
    h.deliver(seg().rst().seq(kB + 1));
    EXPECT_EQ(h.state(), State::Closed);
}

TEST(Rst, TimeWaitRstIgnoredWithRfc1337) {
    Config c = Harness::default_config();
    c.rfc1337 = true;
    Harness h(c);
    to_time_wait(h);
    h.deliver(seg().rst().seq(kB + 1));
    EXPECT_EQ(h.state(), State::TimeWait);
}

// ---- SYN in synchronized states (RFC 5961 §4)

TEST(Rst, SynInEstablishedDrawsChallengeAck) {
    Harness h;
    h.establish_client();
    h.deliver(seg().syn().seq(kB + 10));
    EXPECT_EQ(h.state(), State::Established);
    EXPECT_SENT(h, seg().seq(kA).ack(kB));
}

TEST(Rst, SynOutsideWindowAlsoDrawsAck) {
    Harness h;
    h.establish_client();
    h.deliver(seg().syn().seq(kB + 1000000));
    EXPECT_EQ(h.state(), State::Established);
    EXPECT_SENT(h, seg().seq(kA).ack(kB));
}

TEST(Rst, SynAckInEstablishedDrawsChallengeAck) {
    Harness h;
    h.establish_client();
    h.deliver(seg().syn().seq(kB).ack(kA));
    EXPECT_SENT(h, seg().seq(kA).ack(kB));
    EXPECT_EQ(h.state(), State::Established);
}

TEST(Rst, SynInTimeWaitDrawsAck) {
    Harness h;
    to_time_wait(h);
    h.deliver(seg().syn().seq(kB + 100));
    EXPECT_SENT(h, seg().ack(kB + 1));
    EXPECT_EQ(h.state(), State::TimeWait);
}

// ---- challenge ACK throttling (RFC 5961 §7)

TEST(Rst, ChallengeAcksAreThrottledPerSecond) {
    Config c = Harness::default_config();
    c.challenge_ack_limit = 3;
    Harness h(c);
    h.establish_client();
    std::size_t sent = 0;
    for (int i = 0; i < 10; ++i) {
        h.deliver(seg().rst().seq(kB + 5 + i));
        sent += h.flush();
    }
    EXPECT_EQ(sent, 3u);
    h.advance(Duration::seconds(1));
    h.deliver(seg().rst().seq(kB + 5));
    EXPECT_SENT(h, seg().ack(kB));
}

// ---- sent

TEST(Rst, AbortInEstablishedSendsRstAtSndNxt) {
    Harness h;
    h.establish_client();
    h.send("abc");
    h.flush();
    ASSERT_TRUE(h.conn().abort());
    EXPECT_SENT(h, seg().rst().seq(kA + 3).ack(kB));
    EXPECT_EQ(h.state(), State::Closed);
    EXPECT_EQ(h.closed_error(), Errc::ConnectionAborted);
}

TEST(Rst, AbortInSynSentSendsNothing) {
    Harness h;
    h.connect();
    h.flush();
    ASSERT_TRUE(h.conn().abort());
    EXPECT_SILENT(h);
    EXPECT_EQ(h.state(), State::Closed);
}

TEST(Rst, AbortInSynReceivedSendsRst) {
    Harness h;
    h.accept(seg().syn().seq(kPeer));
    h.flush();
    ASSERT_TRUE(h.conn().abort());
    EXPECT_SENT(h, seg().rst().seq(kA));
}

TEST(Rst, AbortInCloseWaitSendsRst) {
    Harness h;
    h.establish_client();
    h.deliver(seg().fin().seq(kB).ack(kA));
    ASSERT_TRUE(h.conn().abort());
    EXPECT_SENT(h, seg().rst().seq(kA).ack(kB + 1));
}

TEST(Rst, AbortInTimeWaitSendsNothing) {
    Harness h;
    to_time_wait(h);
    ASSERT_TRUE(h.conn().abort());
    EXPECT_SILENT(h);
    EXPECT_EQ(h.state(), State::Closed);
}

TEST(Rst, AbortInLastAckSendsNothing) {
    Harness h;
    h.establish_client();
    h.deliver(seg().fin().seq(kB).ack(kA));
    ASSERT_TRUE(h.conn().close());
    h.flush();
    ASSERT_TRUE(h.conn().abort());
    EXPECT_SILENT(h);
}

TEST(Rst, AbortDropsQueuedData) {
    Harness h;
    h.establish_client(0);
    h.send("never sent");
    ASSERT_TRUE(h.conn().abort());
    EXPECT_SENT(h, seg().rst().seq(kA));
    EXPECT_SILENT(h);
}

}  // namespace
}  // namespace ustack::tcp::test
