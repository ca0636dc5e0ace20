// ESTABLISHED: data both ways, acceptability, ACK processing, delayed ACK and flow control
// (RFC 9293 §3.8.6, §3.10.7.4; RFC 1122 §4.2.3.2-4; RFC 5681 §4.2).
#include "harness.h"

namespace ustack::tcp::test {
namespace {

constexpr std::uint32_t kIss = Harness::kIss;
constexpr std::uint32_t kPeer = Harness::kPeerIss;
constexpr std::uint32_t kA = kIss + 1;   // our first data byte
constexpr std::uint32_t kB = kPeer + 1;  // the peer's first data byte

// ---- Established

TEST(Established, SendProducesOneSegmentWithPsh) {
    Harness h;
    h.establish_client();
    ASSERT_EQ(*h.send("hello"), 5u);
    EXPECT_SENT(h, seg().seq(kA).ack(kB).psh().payload("hello"));
    EXPECT_SILENT(h);
    EXPECT_EQ(h.conn().snd_nxt().raw(), kA + 5);
}

TEST(Established, AckAdvancesSndUnaAndFreesRing) {
    Harness h;
    h.establish_client();
    h.send("hello");
    h.flush();
    h.deliver(seg().seq(kB).ack(kA + 5));
    EXPECT_EQ(h.conn().snd_una().raw(), kA + 5);
    EXPECT_EQ(h.conn().send_queue(), 0u);
    EXPECT_TRUE(h.saw(EventKind::Writable));
}

TEST(Established, PartialAckKeepsRest) {
    Harness h;
    h.establish_client();
    h.send("hello");
    h.flush();
    h.deliver(seg().seq(kB).ack(kA + 2));
    EXPECT_EQ(h.conn().send_queue(), 3u);
}

TEST(Established, LargeSendIsSplitByMss) {
    Harness h;
    h.establish_client();
    const std::string data(3000, 'x');
    ASSERT_EQ(*h.send(data), 3000u);
    EXPECT_SENT(h, seg().seq(kA).psh(false).payload(std::string(1460, 'x')));
    EXPECT_SENT(h, seg().seq(kA + 1460).psh(false).payload(std::string(1460, 'x')));
    EXPECT_SILENT(h);  // Nagle: the 80-byte tail waits for the ACK
    h.deliver(seg().seq(kB).ack(kA + 2920));
    EXPECT_SENT(h, seg().seq(kA + 2920).psh().payload(std::string(80, 'x')));
}

TEST(Established, InOrderDataIsReadable) {
    Harness h;
    h.establish_client();
    h.deliver(seg().seq(kB).ack(kA).payload("abc"));
    EXPECT_TRUE(h.saw(EventKind::Readable));
    EXPECT_EQ(h.read(), "abc");
    EXPECT_EQ(h.conn().rcv_nxt().raw(), kB + 3);
}

TEST(Established, OutOfOrderDataIsHeldAndAckedAtOnce) {
    Harness h;
    h.establish_client();
    h.deliver(seg().seq(kB + 3).ack(kA).payload("def"));
    EXPECT_EQ(h.conn().recv_queue(), 0u);
    EXPECT_SENT(h, seg().seq(kA).ack(kB));
    h.deliver(seg().seq(kB).ack(kA).payload("abc"));
    EXPECT_SENT(h, seg().ack(kB + 6));
    EXPECT_EQ(h.read(), "abcdef");
}

TEST(Established, DuplicateDataIsAckedNotDeliveredTwice) {
    Harness h;
    h.establish_client();
    h.deliver(seg().seq(kB).ack(kA).payload("abc"));
    h.flush();
    h.deliver(seg().seq(kB).ack(kA).payload("abc"));
    EXPECT_SENT(h, seg().seq(kA).ack(kB + 3));
    EXPECT_EQ(h.read(), "abc");
}

TEST(Established, OverlappingSegmentDeliversOnlyNewPart) {
    Harness h;
    h.establish_client();
    h.deliver(seg().seq(kB).ack(kA).payload("abc"));
    h.deliver(seg().seq(kB + 1).ack(kA).payload("bcde"));
    EXPECT_EQ(h.read(), "abcde");
}

TEST(Established, SegmentBeforeWindowDrawsAck) {
    Harness h;
    h.establish_client();
    h.deliver(seg().seq(kB - 100).ack(kA).payload("old"));
    EXPECT_SENT(h, seg().seq(kA).ack(kB));
    EXPECT_EQ(h.conn().recv_queue(), 0u);
}

TEST(Established, SegmentBeyondWindowDrawsAck) {
    Harness h;
    h.establish_client();
    h.deliver(seg().seq(kB + 70000).ack(kA).payload("far"));
    EXPECT_SENT(h, seg().seq(kA).ack(kB));
}

TEST(Established, AckOfUnsentDataDrawsAckAndIsDropped) {
    Harness h;
    h.establish_client();
    h.deliver(seg().seq(kB).ack(kA + 100).payload("x"));
    EXPECT_SENT(h, seg().seq(kA).ack(kB));
    EXPECT_EQ(h.conn().recv_queue(), 0u);
    EXPECT_EQ(h.conn().snd_una().raw(), kA);
}

TEST(Established, SegmentWithoutAckIsDropped) {
    Harness h;
    h.establish_client();
    h.deliver(seg().seq(kB).no_ack().payload("x"));
    EXPECT_EQ(h.conn().recv_queue(), 0u);
}

TEST(Established, OldDuplicateAckIsIgnored) {
    Harness h;
    h.establish_client();
    h.send("hello");
    h.flush();
    h.deliver(seg().seq(kB).ack(kA + 5));
    h.deliver(seg().seq(kB).ack(kA + 3));
    EXPECT_EQ(h.conn().snd_una().raw(), kA + 5);
    EXPECT_SILENT(h);
}

TEST(Established, AckTooFarBelowSndUnaDrawsChallengeAck) {
    Harness h;
    h.establish_client(1000);
    h.deliver(seg().seq(kB).ack(kA - 5000).win(1000));
    EXPECT_SENT(h, seg().seq(kA).ack(kB));
}

TEST(Established, UrgentPointerIsIgnoredAndDataDeliveredInline) {
    Harness h;
    h.establish_client();
    h.deliver(seg().seq(kB).ack(kA).urg(1).payload("u!"));
    EXPECT_EQ(h.read(), "u!");
}

TEST(Established, RttSampleFromTimedSegment) {
    Harness h;
    h.establish_client();
    h.send("x");
    h.flush();
    h.advance(Duration::millis(50));
    h.deliver(seg().seq(kB).ack(kA + 1));
    // The handshake gave a 0 ms sample; RFC 6298 §2.3: SRTT <- 7/8 * 0 + 1/8 * 50 ms.
    EXPECT_EQ(h.conn().srtt(), Duration::micros(6250));
}

TEST(Established, EchoResponseCarriesTheAck) {
    Harness h;
    h.establish_server();
    h.deliver(seg().seq(kB).ack(kA).psh().payload("hello"));
    EXPECT_EQ(h.read(), "hello");
    h.send("server: hello");
    EXPECT_SENT(h, seg().seq(kA).ack(kB + 5).psh().payload("server: hello"));
    EXPECT_SILENT(h);
}

TEST(Established, NagleHoldsSmallSegmentWhileDataOutstanding) {
    Harness h;
    h.establish_client();
    h.send("a");
    EXPECT_SENT(h, seg().seq(kA).payload("a"));
    h.send("b");
    EXPECT_SILENT(h);
    h.deliver(seg().seq(kB).ack(kA + 1));
    EXPECT_SENT(h, seg().seq(kA + 1).payload("b"));
}

TEST(Established, NoDelaySendsSmallSegmentsAtOnce) {
    Harness h;
    h.establish_client();
    h.conn().set_no_delay(true);
    h.send("a");
    EXPECT_SENT(h, seg().seq(kA).payload("a"));
    h.send("b");
    EXPECT_SENT(h, seg().seq(kA + 1).payload("b"));
}

TEST(Established, WindowUpdateFromNewerSegmentIsTaken) {
    Harness h;
    h.establish_client(1000);
    h.deliver(seg().seq(kB).ack(kA).win(3000));
    EXPECT_EQ(h.conn().snd_wnd(), 3000u);
}

TEST(Established, WindowFromOlderSegmentIsIgnored) {
    Harness h;
    h.establish_client(1000);
    h.deliver(seg().seq(kB).ack(kA).win(3000).payload("abc"));
    h.deliver(seg().seq(kB + 3).ack(kA).win(10));
    EXPECT_EQ(h.conn().snd_wnd(), 10u);
    h.deliver(seg().seq(kB + 1).ack(kA).win(5000).payload("bcdef"));  // SEG.SEQ < SND.WL1
    EXPECT_EQ(h.conn().snd_wnd(), 10u);
    EXPECT_EQ(h.read(), "abcdef");
}

TEST(Established, ShutdownWriteGoesToFinWait1AndSendsFin) {
    Harness h;
    h.establish_client();
    ASSERT_TRUE(h.conn().shutdown_write());
    EXPECT_EQ(h.state(), State::FinWait1);
    EXPECT_SENT(h, seg().fin().seq(kA).ack(kB));
}

TEST(Established, FinFollowsQueuedData) {
    Harness h;
    h.establish_client();
    h.send("bye");
    ASSERT_TRUE(h.conn().shutdown_write());
    EXPECT_SENT(h, seg().fin().seq(kA).ack(kB).psh().payload("bye"));
    EXPECT_SILENT(h);
}

TEST(Established, FinGoesToCloseWaitAndReportsEndOfStream) {
    Harness h;
    h.establish_client();
    h.deliver(seg().fin().seq(kB).ack(kA));
    EXPECT_EQ(h.state(), State::CloseWait);
    EXPECT_TRUE(h.saw(EventKind::PeerFin));
    std::array<std::uint8_t, 4> buf{};
    EXPECT_EQ(*h.conn().recv(MutBytes(buf)), 0u);
}

TEST(Established, DataThenFinInOneSegment) {
    Harness h;
    h.establish_client();
    h.deliver(seg().fin().seq(kB).ack(kA).payload("last"));
    EXPECT_EQ(h.state(), State::CloseWait);
    EXPECT_EQ(h.read(), "last");
    EXPECT_EQ(h.conn().rcv_nxt().raw(), kB + 5);
}

TEST(Established, OutOfOrderFinWaitsForTheData) {
    Harness h;
    h.establish_client();
    h.deliver(seg().fin().seq(kB + 3).ack(kA));
    EXPECT_EQ(h.state(), State::Established);
    EXPECT_SENT(h, seg().ack(kB));
    h.deliver(seg().seq(kB).ack(kA).payload("abc"));
    EXPECT_EQ(h.state(), State::CloseWait);
    EXPECT_EQ(h.conn().rcv_nxt().raw(), kB + 4);
}

TEST(Established, SequenceNumbersWrapAround) {
    Harness h;
    h.accept(seg().syn().seq(0xfffffffd));
    EXPECT_SENT(h, seg().syn().ack(0xfffffffe));
    h.deliver(seg().seq(0xfffffffe).ack(kA));
    h.deliver(seg().seq(0xfffffffe).ack(kA).payload("wrap"));
    EXPECT_EQ(h.read(), "wrap");
    EXPECT_EQ(h.conn().rcv_nxt().raw(), 2u);
}

// ---- DelayedAck (RFC 1122 §4.2.3.2, RFC 5681 §4.2)

TEST(DelayedAck, SingleSegmentAckedAfter40ms) {
    Harness h;
    h.establish_client();
    h.deliver(seg().seq(kB).ack(kA).payload("abc"));
    EXPECT_SILENT(h);
    EXPECT_EQ(h.conn().poll_at(), h.now() + Duration::millis(40));
    h.advance(Duration::millis(39));
    EXPECT_SILENT(h);
    h.advance(Duration::millis(1));
    EXPECT_SENT(h, seg().seq(kA).ack(kB + 3));
}

TEST(DelayedAck, SecondFullSegmentIsAckedAtOnce) {
    Harness h;
    h.establish_client();
    h.deliver(seg().seq(kB).ack(kA).payload(std::string(1460, 'a')));
    EXPECT_SILENT(h);
    h.deliver(seg().seq(kB + 1460).ack(kA).payload(std::string(1460, 'b')));
    EXPECT_SENT(h, seg().ack(kB + 2920));
}

TEST(DelayedAck, AckRidesOnData) {
    Harness h;
    h.establish_client();
    h.deliver(seg().seq(kB).ack(kA).payload("abc"));
    h.send("re");
    EXPECT_SENT(h, seg().seq(kA).ack(kB + 3).payload("re"));
    h.advance(Duration::millis(40));
    EXPECT_SILENT(h);
}

TEST(DelayedAck, TimerIsNotRestartedBySecondSmallSegment) {
    Harness h;
    h.establish_client();
    h.deliver(seg().seq(kB).ack(kA).payload("a"));
    h.advance(Duration::millis(20));
    h.deliver(seg().seq(kB + 1).ack(kA).payload("b"));
    h.advance(Duration::millis(20));
    EXPECT_SENT(h, seg().ack(kB + 2));
}

TEST(DelayedAck, PureAckIsNotAcked) {
    Harness h;
    h.establish_client();
    h.send("x");
    h.flush();
    h.deliver(seg().seq(kB).ack(kA + 1));
    EXPECT_SILENT(h);
    EXPECT_EQ(h.conn().poll_at(), Instant::never());
}

TEST(DelayedAck, FinInEstablishedIsAckedAfterDelay) {
    Harness h;
    h.establish_client();
    h.deliver(seg().fin().seq(kB).ack(kA));
    EXPECT_SILENT(h);
    h.advance(Duration::millis(40));
    EXPECT_SENT(h, seg().seq(kA).ack(kB + 1));
}

TEST(DelayedAck, ConfiguredTimeoutIsUsed) {
    Config c = Harness::default_config();
    c.delayed_ack = Duration::millis(200);
    Harness h(c);
    h.establish_client();
    h.deliver(seg().seq(kB).ack(kA).payload("a"));
    EXPECT_EQ(h.conn().poll_at(), h.now() + Duration::millis(200));
}

TEST(DelayedAck, GapFillingSegmentIsAckedAtOnce) {
    Harness h;
    h.establish_client();
    h.deliver(seg().seq(kB + 1).ack(kA).payload("b"));
    h.flush();
    h.deliver(seg().seq(kB).ack(kA).payload("a"));
    EXPECT_SENT(h, seg().ack(kB + 2));
}

// ---- Flow (RFC 9293 §3.8.6, RFC 1122 §4.2.3.3)

TEST(Flow, SenderRespectsPeerWindow) {
    Harness h;
    h.establish_client(100);
    h.conn().set_no_delay(true);
    h.send(std::string(300, 'z'));
    EXPECT_SENT(h, seg().seq(kA).payload(std::string(100, 'z')));
    EXPECT_SILENT(h);
    h.deliver(seg().seq(kB).ack(kA + 100).win(100));
    EXPECT_SENT(h, seg().seq(kA + 100).payload(std::string(100, 'z')));
}

TEST(Flow, ZeroWindowStopsSending) {
    Harness h;
    h.establish_client(0);
    h.send("data");
    EXPECT_SILENT(h);
}

TEST(Flow, WindowOpeningResumesSending) {
    Harness h;
    h.establish_client(0);
    h.send("data");
    EXPECT_SILENT(h);
    h.deliver(seg().seq(kB).ack(kA).win(1000));
    EXPECT_SENT(h, seg().seq(kA).payload("data"));
}

TEST(Flow, ZeroWindowProbeAfterRtoIsSndUnaMinusOneWithoutData) {
    // Deviation (as Linux): the probe is <SEQ=SND.UNA-1><ACK>, not one octet of new data.
    Harness h;
    h.establish_client(0);
    h.send("data");
    EXPECT_SILENT(h);
    EXPECT_EQ(h.conn().poll_at(), h.now() + h.conn().rto());
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_SENT(h, seg().seq(kA - 1).ack(kB));
    EXPECT_SILENT(h);
    EXPECT_EQ(h.conn().snd_nxt().raw(), kA);  // nothing is in flight
}

TEST(Flow, ZeroWindowProbesBackOff) {
    Harness h;
    h.establish_client(0);
    h.send("data");
    h.flush();
    ASSERT_TRUE(h.advance_to_poll_at());
    const Instant first = h.now();
    EXPECT_SENT(h, seg().seq(kA - 1).ack(kB));
    h.deliver(seg().seq(kB).ack(kA).win(0));  // still shut
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_EQ(h.now(), first + Duration::millis(400));  // the 200 ms RTO, doubled
    EXPECT_SENT(h, seg().seq(kA - 1).ack(kB));
}

TEST(Flow, AdvertisedWindowShrinksAsDataWaits) {
    Config c = Harness::default_config();
    c.recv_buffer = 4000;
    Harness h(c);
    h.establish_client();
    h.deliver(seg().seq(kB).ack(kA).payload(std::string(1000, 'q')));
    h.advance(Duration::millis(40));
    EXPECT_SENT(h, seg().ack(kB + 1000).win(3000));
}

TEST(Flow, FullReceiveBufferAdvertisesZero) {
    Config c = Harness::default_config();
    c.recv_buffer = 2000;
    Harness h(c);
    h.establish_client();
    h.deliver(seg().seq(kB).ack(kA).payload(std::string(1000, 'q')));
    h.deliver(seg().seq(kB + 1000).ack(kA).payload(std::string(1000, 'q')));
    h.advance(Duration::millis(40));
    EXPECT_SENT(h, seg().ack(kB + 2000).win(0));
}

TEST(Flow, DataBeyondWindowIsTrimmed) {
    Config c = Harness::default_config();
    c.recv_buffer = 1000;
    Harness h(c);
    h.establish_client();
    h.deliver(seg().seq(kB).ack(kA).payload(std::string(1500, 'q')));
    EXPECT_EQ(h.conn().recv_queue(), 1000u);
    EXPECT_SENT(h, seg().ack(kB + 1000).win(0));
}

TEST(Flow, ZeroWindowAcceptsAckButNotData) {
    Config c = Harness::default_config();
    c.recv_buffer = 1000;
    Harness h(c);
    h.establish_client();
    h.send("out");
    h.flush();
    h.deliver(seg().seq(kB).ack(kA).payload(std::string(1000, 'q')));
    h.flush();
    h.deliver(seg().seq(kB + 1000).ack(kA + 3).payload("more"));
    EXPECT_EQ(h.conn().snd_una().raw(), kA + 3);
    EXPECT_EQ(h.conn().recv_queue(), 1000u);
    EXPECT_SENT(h, seg().ack(kB + 1000).win(0));
}

TEST(Flow, ReadingReopensWindowWithUpdate) {
    Config c = Harness::default_config();
    c.recv_buffer = 2000;
    Harness h(c);
    h.establish_client();
    h.deliver(seg().seq(kB).ack(kA).payload(std::string(2000, 'q')));
    h.advance(Duration::millis(40));
    EXPECT_SENT(h, seg().win(0));
    EXPECT_EQ(h.read().size(), 2000u);
    EXPECT_SENT(h, seg().ack(kB + 2000).win(2000));
}

TEST(Flow, ReceiverSwsAvoidanceHoldsTinyWindowIncrease) {
    Config c = Harness::default_config();
    c.recv_buffer = 2000;
    Harness h(c);
    h.establish_client();
    h.deliver(seg().seq(kB).ack(kA).payload(std::string(2000, 'q')));
    h.advance(Duration::millis(40));
    EXPECT_SENT(h, seg().win(0));
    std::array<std::uint8_t, 10> buf{};
    ASSERT_EQ(*h.conn().recv(MutBytes(buf)), 10u);
    EXPECT_SILENT(h);
    h.deliver(seg().seq(kB + 2000).ack(kA).payload("x"));  // zero window: not accepted
    EXPECT_SENT(h, seg().ack(kB + 2000).win(0));
}

TEST(Flow, SendRingFullWouldBlock) {
    Config c = Harness::default_config();
    c.send_buffer = 10;
    Harness h(c);
    h.establish_client(0);
    EXPECT_EQ(*h.send("0123456789abc"), 10u);
    EXPECT_EQ(h.send("x").error(), Errc::WouldBlock);
}

TEST(Flow, SegmentNeverExceedsPayloadSpace) {
    Harness h;
    h.establish_client();
    h.send(std::string(1000, 'm'));
    std::array<std::uint8_t, 300> small{};
    auto s = h.conn().poll_transmit(h.now(), MutBytes(small));
    ASSERT_TRUE(s);
    EXPECT_EQ(s->payload.size(), 300u);
}

}  // namespace
}  // namespace ustack::tcp::test
