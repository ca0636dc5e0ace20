// Opening a connection: LISTEN (passive_open), SYN-SENT and SYN-RECEIVED (RFC 9293 §3.5, §3.10.7).
#include "harness.h"

namespace ustack::tcp::test {
namespace {

constexpr std::uint32_t kIss = Harness::kIss;
constexpr std::uint32_t kPeer = Harness::kPeerIss;

// ---- LISTEN (the listener is the Stack's; passive_open is "LISTEN received a SYN")

TEST(Listen, SynMovesToSynReceivedAndAnswersSynAck) {
    Harness h;
    h.accept(seg().syn().seq(kPeer).mss(1400));
    EXPECT_EQ(h.state(), State::SynReceived);
    EXPECT_SENT(h, seg().syn().seq(kIss).ack(kPeer + 1).win(65535).mss(1460));
    EXPECT_EQ(h.transitions(), std::vector<std::string>{"LISTEN -> SYN-RECEIVED"});
}

TEST(Listen, PeerMssFromSynLimitsOurSegments) {
    Harness h;
    h.accept(seg().syn().seq(kPeer).mss(100));
    EXPECT_EQ(h.conn().peer_mss(), 100);
    EXPECT_EQ(h.conn().send_mss(), 100);
}

TEST(Listen, SynWithoutMssUsesDefault536) {
    Harness h;
    h.accept(seg().syn().seq(kPeer));
    EXPECT_EQ(h.conn().peer_mss(), 536);
}

TEST(Listen, TinyPeerMssIsClampedTo48) {
    Harness h;
    h.accept(seg().syn().seq(kPeer).mss(1));
    EXPECT_EQ(h.conn().peer_mss(), 48);
}

TEST(Listen, PortsAreTheSynsReversed) {
    Harness h;
    h.accept(seg().syn().seq(kPeer));
    EXPECT_EQ(h.conn().local_port(), Harness::kLocalPort);
    EXPECT_EQ(h.conn().remote_port(), Harness::kRemotePort);
}

TEST(Listen, DataOnSynIsNotDelivered) {
    Harness h;
    h.accept(seg().syn().seq(kPeer).payload("early"));
    EXPECT_SENT(h, seg().syn().seq(kIss).ack(kPeer + 1));
    EXPECT_EQ(h.conn().recv_queue(), 0u);
}

// ---- SYN-SENT

TEST(SynSent, ActiveOpenSendsSynWithMss) {
    Harness h;
    h.connect();
    EXPECT_EQ(h.state(), State::SynSent);
    EXPECT_SENT(h, seg().syn().seq(kIss).no_ack().win(65535).mss(1460));
    EXPECT_SILENT(h);
    EXPECT_EQ(h.transitions(), std::vector<std::string>{"CLOSED -> SYN-SENT"});
}

TEST(SynSent, SynAckCompletesHandshakeWithAck) {
    Harness h;
    h.establish_client();
    EXPECT_EQ(h.transitions(),
              (std::vector<std::string>{"CLOSED -> SYN-SENT", "SYN-SENT -> ESTABLISHED"}));
    EXPECT_TRUE(h.saw(EventKind::Connected));
    EXPECT_EQ(h.conn().snd_una().raw(), kIss + 1);
    EXPECT_EQ(h.conn().rcv_nxt().raw(), kPeer + 1);
}

TEST(SynSent, SynAckTakesRttSample) {
    Harness h;
    h.connect();
    EXPECT_SENT(h, seg().syn());
    h.advance(Duration::millis(30));
    h.deliver(seg().syn().seq(kPeer).ack(kIss + 1));
    EXPECT_EQ(h.conn().srtt(), Duration::millis(30));
}

TEST(SynSent, SynAckWithoutMssUsesDefault) {
    Harness h;
    h.connect();
    EXPECT_SENT(h, seg().syn());
    h.deliver(seg().syn().seq(kPeer).ack(kIss + 1));
    EXPECT_EQ(h.conn().peer_mss(), 536);
}

TEST(SynSent, QueuedDataRidesOnThirdSegment) {
    Harness h;
    h.connect();
    ASSERT_TRUE(h.conn().send(Bytes(reinterpret_cast<const std::uint8_t*>("hello"), 5)));
    EXPECT_SENT(h, seg().syn().seq(kIss));
    h.deliver(seg().syn().seq(kPeer).ack(kIss + 1).mss(1460));
    EXPECT_SENT(h, seg().seq(kIss + 1).ack(kPeer + 1).psh().payload("hello"));
    EXPECT_SILENT(h);
}

TEST(SynSent, SynAckWithDataDeliversIt) {
    Harness h;
    h.connect();
    EXPECT_SENT(h, seg().syn());
    h.deliver(seg().syn().seq(kPeer).ack(kIss + 1).payload("hi"));
    EXPECT_EQ(h.conn().recv_queue(), 2u);
    EXPECT_SENT(h, seg().seq(kIss + 1).ack(kPeer + 3));
}

TEST(SynSent, AckBelowIssDrawsResetAndStays) {
    Harness h;
    h.connect();
    EXPECT_SENT(h, seg().syn());
    h.deliver(seg().seq(kPeer).ack(kIss));
    EXPECT_SENT(h, seg().rst().seq(kIss).no_ack());
    EXPECT_EQ(h.state(), State::SynSent);
}

TEST(SynSent, AckBeyondSndNxtDrawsReset) {
    Harness h;
    h.connect();
    EXPECT_SENT(h, seg().syn());
    h.deliver(seg().syn().seq(kPeer).ack(kIss + 7));
    EXPECT_SENT(h, seg().rst().seq(kIss + 7).no_ack());
    EXPECT_EQ(h.state(), State::SynSent);
}

TEST(SynSent, BadAckWithRstIsDropped) {
    Harness h;
    h.connect();
    EXPECT_SENT(h, seg().syn());
    h.deliver(seg().rst().seq(kPeer).ack(kIss + 9));
    EXPECT_SILENT(h);
    EXPECT_EQ(h.state(), State::SynSent);
}

TEST(SynSent, SegmentWithoutSynOrRstIsDropped) {
    Harness h;
    h.connect();
    EXPECT_SENT(h, seg().syn());
    h.deliver(seg().seq(kPeer).ack(kIss + 1));
    EXPECT_SILENT(h);
    EXPECT_EQ(h.state(), State::SynSent);
}

TEST(SynSent, SimultaneousOpenGoesToSynReceived) {
    Harness h;
    h.connect();
    EXPECT_SENT(h, seg().syn().seq(kIss));
    h.deliver(seg().syn().seq(kPeer).mss(1460));
    EXPECT_EQ(h.state(), State::SynReceived);
    EXPECT_SENT(h, seg().syn().seq(kIss).ack(kPeer + 1).mss(1460));
    h.deliver(seg().seq(kPeer + 1).ack(kIss + 1));
    EXPECT_EQ(h.state(), State::Established);
    EXPECT_EQ(h.transitions(),
              (std::vector<std::string>{"CLOSED -> SYN-SENT", "SYN-SENT -> SYN-RECEIVED",
                                        "SYN-RECEIVED -> ESTABLISHED"}));
}

TEST(SynSent, SimultaneousOpenCrossingSynAckEstablishes) {
    Harness h;
    h.connect();
    EXPECT_SENT(h, seg().syn());
    h.deliver(seg().syn().seq(kPeer));
    EXPECT_SENT(h, seg().syn().ack(kPeer + 1));
    h.deliver(seg().syn().seq(kPeer).ack(kIss + 1));
    EXPECT_EQ(h.state(), State::Established);
    EXPECT_SILENT(h);
}

TEST(SynSent, SynRetransmittedAfterInitialRtoOfOneSecond) {
    Harness h;
    h.connect();
    EXPECT_SENT(h, seg().syn());
    EXPECT_EQ(h.conn().poll_at(), h.now() + Duration::seconds(1));
    h.advance(Duration::millis(999));
    EXPECT_SILENT(h);
    h.advance(Duration::millis(1));
    EXPECT_SENT(h, seg().syn().seq(kIss));
    EXPECT_EQ(h.conn().retransmits(), 1u);
}

TEST(SynSent, SynRetriesBackOffThenTimeOut) {
    Config c = Harness::default_config();
    c.syn_retries = 2;
    Harness h(c);
    h.connect();
    const Instant t0 = h.now();
    EXPECT_SENT(h, seg().syn());
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_EQ(h.now(), t0 + Duration::seconds(1));
    EXPECT_SENT(h, seg().syn());
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_EQ(h.now(), t0 + Duration::seconds(3));
    EXPECT_SENT(h, seg().syn());
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_EQ(h.now(), t0 + Duration::seconds(7));
    EXPECT_SILENT(h);
    EXPECT_EQ(h.state(), State::Closed);
    EXPECT_EQ(h.closed_error(), Errc::TimedOut);
}

TEST(SynSent, ConnectTimeoutEndsAttempt) {
    Config c = Harness::default_config();
    c.connect_timeout = Duration::millis(2500);
    Harness h(c);
    h.connect();
    const Instant t0 = h.now();
    h.flush();
    while (h.state() == State::SynSent) {
        ASSERT_TRUE(h.advance_to_poll_at());
        h.flush();
    }
    EXPECT_EQ(h.now(), t0 + Duration::millis(2500));
    EXPECT_EQ(h.closed_error(), Errc::TimedOut);
}

TEST(SynSent, HandshakeAfterSynTimeoutUsesThreeSecondRto) {
    Harness h;
    h.connect();
    EXPECT_SENT(h, seg().syn());
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_SENT(h, seg().syn());
    h.deliver(seg().syn().seq(kPeer).ack(kIss + 1));
    // RFC 6298 §5.7: no sample (Karn) and the SYN timed out, so RTO is 3 s.
    EXPECT_EQ(h.conn().rto(), Duration::seconds(3));
}

TEST(SynSent, SendBeforeConnectedIsQueued) {
    Harness h;
    h.connect();
    auto r = h.conn().send(Bytes(reinterpret_cast<const std::uint8_t*>("abc"), 3));
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 3u);
    EXPECT_EQ(h.conn().send_queue(), 3u);
}

TEST(SynSent, RecvBeforeConnectedWouldBlock) {
    Harness h;
    h.connect();
    std::array<std::uint8_t, 8> buf{};
    EXPECT_EQ(h.conn().recv(MutBytes(buf)).error(), Errc::WouldBlock);
}

// ---- SYN-RECEIVED

TEST(SynReceived, AckOfSynAckEstablishes) {
    Harness h;
    h.establish_server();
    EXPECT_EQ(h.transitions(),
              (std::vector<std::string>{"LISTEN -> SYN-RECEIVED", "SYN-RECEIVED -> ESTABLISHED"}));
    EXPECT_TRUE(h.saw(EventKind::Connected));
    EXPECT_SILENT(h);
}

TEST(SynReceived, DataOnThirdSegmentIsDelivered) {
    Harness h;
    h.accept(seg().syn().seq(kPeer));
    EXPECT_SENT(h, seg().syn());
    h.deliver(seg().seq(kPeer + 1).ack(kIss + 1).psh().payload("hello"));
    EXPECT_EQ(h.state(), State::Established);
    EXPECT_EQ(h.conn().recv_queue(), 5u);
    EXPECT_TRUE(h.saw(EventKind::Readable));
}

TEST(SynReceived, BadAckDrawsResetWithThatSeq) {
    Harness h;
    h.accept(seg().syn().seq(kPeer));
    EXPECT_SENT(h, seg().syn());
    h.deliver(seg().seq(kPeer + 1).ack(kIss + 50));
    EXPECT_SENT(h, seg().rst().seq(kIss + 50).no_ack());
    EXPECT_EQ(h.state(), State::SynReceived);
}

TEST(SynReceived, SegmentWithoutAckIsDropped) {
    Harness h;
    h.accept(seg().syn().seq(kPeer));
    EXPECT_SENT(h, seg().syn());
    h.deliver(seg().seq(kPeer + 1).no_ack().payload("x"));
    EXPECT_SILENT(h);
    EXPECT_EQ(h.state(), State::SynReceived);
}

TEST(SynReceived, RetransmittedSynGetsSynAckAgain) {
    Harness h;
    h.accept(seg().syn().seq(kPeer));
    EXPECT_SENT(h, seg().syn().seq(kIss).ack(kPeer + 1));
    h.deliver(seg().syn().seq(kPeer));
    EXPECT_SENT(h, seg().syn().seq(kIss).ack(kPeer + 1));
    EXPECT_EQ(h.state(), State::SynReceived);
}

TEST(SynReceived, SynAckRetransmittedWithBackoff) {
    Harness h;
    h.accept(seg().syn().seq(kPeer));
    const Instant t0 = h.now();
    EXPECT_SENT(h, seg().syn());
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_EQ(h.now(), t0 + Duration::seconds(1));
    EXPECT_SENT(h, seg().syn().seq(kIss).ack(kPeer + 1));
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_EQ(h.now(), t0 + Duration::seconds(3));
    EXPECT_SENT(h, seg().syn());
}

TEST(SynReceived, SynAckRetriesExhaustedCloses) {
    Config c = Harness::default_config();
    c.synack_retries = 1;
    Harness h(c);
    h.accept(seg().syn().seq(kPeer));
    EXPECT_SENT(h, seg().syn());
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_SENT(h, seg().syn());
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_SILENT(h);
    EXPECT_EQ(h.state(), State::Closed);
    EXPECT_EQ(h.closed_error(), Errc::TimedOut);
}

TEST(SynReceived, InWindowSynReturnsToListen) {
    Harness h;
    h.accept(seg().syn().seq(kPeer));
    EXPECT_SENT(h, seg().syn());
    h.deliver(seg().syn().seq(kPeer + 10));
    EXPECT_EQ(h.state(), State::Closed);
    EXPECT_EQ(h.closed_error(), std::nullopt);
}

TEST(SynReceived, FinOnThirdSegmentGoesToCloseWait) {
    Harness h;
    h.accept(seg().syn().seq(kPeer));
    EXPECT_SENT(h, seg().syn());
    h.deliver(seg().fin().seq(kPeer + 1).ack(kIss + 1));
    EXPECT_EQ(h.state(), State::CloseWait);
    EXPECT_TRUE(h.saw(EventKind::PeerFin));
}

TEST(SynReceived, CloseBeforeEstablishedSendsFinAfterHandshake) {
    Harness h;
    h.accept(seg().syn().seq(kPeer));
    EXPECT_SENT(h, seg().syn());
    ASSERT_TRUE(h.conn().close());
    EXPECT_EQ(h.state(), State::SynReceived);
    h.deliver(seg().seq(kPeer + 1).ack(kIss + 1));
    EXPECT_EQ(h.state(), State::FinWait1);
    EXPECT_SENT(h, seg().fin().seq(kIss + 1).ack(kPeer + 1));
}

}  // namespace
}  // namespace ustack::tcp::test
