// Zero windows and the persist timer (ZeroWindow.*, RFC 9293 §3.8.6.1, RFC 1122 §4.2.2.17),
// silly window syndrome avoidance (Sws.*, RFC 1122 §4.2.3.3-4) and the delayed-ACK refinements
// (DelayedAck.*, RFC 5681 §4.2, Linux quick-ack).
#include <vector>

#include "harness.h"

namespace ustack::tcp::test {
namespace {

constexpr std::uint32_t kIss = Harness::kIss;
constexpr std::uint32_t kPeer = Harness::kPeerIss;
constexpr std::uint32_t kA = kIss + 1;   // our first data byte
constexpr std::uint32_t kB = kPeer + 1;  // the peer's first data byte

// ---- ZeroWindow

TEST(ZeroWindow, ProbeIntervalBacksOffExponentiallyUpToTheCap) {
    Harness h;
    h.establish_client(0);
    h.send("data");
    EXPECT_SILENT(h);
    std::vector<std::int64_t> gaps_ms;
    Instant last = h.now();
    for (int i = 0; i < 12; ++i) {
        ASSERT_TRUE(h.advance_to_poll_at());
        EXPECT_SENT(h, seg().seq(kA - 1).ack(kB));
        gaps_ms.push_back((h.now() - last).as_millis());
        last = h.now();
        h.deliver(seg().seq(kB).ack(kA).win(0));  // answered, still shut
    }
    // The RTO (200 ms) doubling each time, capped at the maximum RTO (60 s).
    const std::vector<std::int64_t> want = {200,   400,   800,   1600,  3200,  6400,
                                            12800, 25600, 51200, 60000, 60000, 60000};
    EXPECT_EQ(gaps_ms, want);
}

TEST(ZeroWindow, ProbesGoOnForeverWhileThePeerAnswers) {
    Harness h;
    h.establish_client(0);
    h.send("data");
    for (int i = 0; i < 100; ++i) {
        ASSERT_TRUE(h.advance_to_poll_at());
        ASSERT_TRUE(h.expect(seg().seq(kA - 1).ack(kB)));
        EXPECT_EQ(h.conn().window_probes(), 1u);
        h.deliver(seg().seq(kB).ack(kA).win(0));
        EXPECT_EQ(h.conn().window_probes(), 0u);
    }
    EXPECT_EQ(h.state(), State::Established);
    EXPECT_EQ(h.conn().retransmits(), 0u);  // a probe is not a retransmission
    EXPECT_EQ(h.conn().snd_nxt().raw(), kA);
}

TEST(ZeroWindow, UnansweredProbesEndTheConnection) {
    Harness h;
    h.establish_client(0);
    h.send("data");
    std::uint32_t probes = 0;
    while (h.state() == State::Established && probes < 100) {
        ASSERT_TRUE(h.advance_to_poll_at());
        probes += static_cast<std::uint32_t>(h.flush());
    }
    EXPECT_EQ(probes, h.conn().config().max_retransmits);
    EXPECT_EQ(h.closed_error(), Errc::TimedOut);
}

TEST(ZeroWindow, WindowUpdateResumesSendingAtOnce) {
    Harness h;
    h.establish_client(0);
    h.send("data");
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(h.advance_to_poll_at());
        h.flush();
        h.deliver(seg().seq(kB).ack(kA).win(0));
    }
    h.advance(Duration::millis(1));
    h.deliver(seg().seq(kB).ack(kA).win(1000));
    EXPECT_SENT(h, seg().seq(kA).ack(kB).payload("data"));
    // The persist timer is off; the retransmission timer runs at the plain RTO (no back-off).
    EXPECT_EQ(h.conn().poll_at(), h.now() + Duration::millis(200));
}

TEST(ZeroWindow, NoPersistTimerWhileDataIsInFlight) {
    Harness h;
    h.establish_client();
    h.send("abc");
    h.flush();
    h.deliver(seg().seq(kB).ack(kA).win(0));
    // "abc" is in flight: its RTO (not a probe) comes first, and resends the segment at SND.UNA
    // into the zero window (as Linux's tcp_retransmit_skb: it serves as the probe).
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_EQ(h.conn().window_probes(), 0u);
    EXPECT_SENT(h, seg().seq(kA).payload("abc"));
}

// ---- Sws

TEST(Sws, SenderHoldsASegmentCutShortByASmallWindow) {
    Harness h;
    h.establish_client();  // the peer's largest window: 65535
    h.deliver(seg().seq(kB).ack(kA).win(100));
    h.send(std::string(1000, 'w'));
    EXPECT_SILENT(h);  // 100 bytes: less than an MSS, than the queue, and than 65535 / 2
    // RFC 1122 §4.2.3.4: the override timeout sends what the window allows.
    EXPECT_EQ(h.conn().poll_at(), h.now() + h.conn().rto());
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_SENT(h, seg().seq(kA).payload(std::string(100, 'w')));
    EXPECT_SILENT(h);
}

TEST(Sws, SenderSendsHalfTheLargestWindowTheReceiverOffered) {
    Harness h;
    h.establish_client(1000);
    h.deliver(seg().seq(kB).ack(kA).win(500));
    h.send(std::string(2000, 'w'));
    EXPECT_SENT(h, seg().seq(kA).payload(std::string(500, 'w')));
}

TEST(Sws, SenderSendsAllQueuedDataWhenItFits) {
    Harness h;
    h.establish_client();
    h.deliver(seg().seq(kB).ack(kA).win(100));
    h.send(std::string(50, 'w'));
    EXPECT_SENT(h, seg().seq(kA).payload(std::string(50, 'w')));
}

TEST(Sws, SenderSendsAFullSegmentIntoAWindowOfAtLeastAnMss) {
    Harness h;
    h.establish_client();
    h.deliver(seg().seq(kB).ack(kA).win(2000));
    h.send(std::string(5000, 'w'));
    EXPECT_SENT(h, seg().seq(kA).payload(std::string(1460, 'w')));
    EXPECT_SILENT(h);  // 540 left in the window: held (and Nagle holds it too)
}

TEST(Sws, ReceiverReopensOnlyByMinOfHalfTheBufferAndAnMss) {
    Config c = Harness::default_config();
    c.recv_buffer = 2000;  // step = min(1000, 1460) = 1000
    Harness h(c);
    h.establish_client();
    h.deliver(seg().seq(kB).ack(kA).payload(std::string(2000, 'q')));
    h.advance(Duration::millis(40));
    EXPECT_SENT(h, seg().win(0));
    std::array<std::uint8_t, 999> part{};
    ASSERT_EQ(*h.conn().recv(MutBytes(part)), 999u);
    EXPECT_SILENT(h);
    std::array<std::uint8_t, 1> one{};
    ASSERT_EQ(*h.conn().recv(MutBytes(one)), 1u);
    EXPECT_SENT(h, seg().ack(kB + 2000).win(1000));
}

// ---- DelayedAck

// Delivers `n` full-sized in-order segments from `seq` on, expecting each to be ACKed at once
// (quick-ack mode), and reads them; returns the sequence number after them.
std::uint32_t expect_quick_acked(Harness& h, std::uint32_t seq, int n) {
    const std::string full(1460, 'q');
    for (int i = 0; i < n; ++i) {
        h.deliver(seg().seq(seq).ack(kA).payload(full));
        seq += 1460;
        EXPECT_TRUE(h.expect(seg().ack(seq))) << "segment " << i;
        h.read();
    }
    return seq;
}

TEST(DelayedAck, QuickAckForTheFirstFullSizedSegmentsAsLinux) {
    Config c = Harness::default_config();
    c.quick_acks = 16;
    Harness h(c);
    h.establish_client();
    const std::uint32_t seq = expect_quick_acked(h, kB, 16);
    h.deliver(seg().seq(seq).ack(kA).payload(std::string(1460, 'q')));
    EXPECT_SILENT(h);  // the 17th is delayed as RFC 1122 §4.2.3.2
    h.advance(Duration::millis(40));
    EXPECT_SENT(h, seg().ack(seq + 1460));
}

TEST(DelayedAck, SmallSegmentIsNotQuickAcked) {
    Config c = Harness::default_config();
    c.quick_acks = 16;
    Harness h(c);
    h.establish_client();
    h.deliver(seg().seq(kB).ack(kA).payload("hello"));
    EXPECT_SILENT(h);  // a request: the ACK waits for the reply
    h.send("server: hello");
    EXPECT_SENT(h, seg().seq(kA).ack(kB + 5).payload("server: hello"));
}

TEST(DelayedAck, QuickAckEndsOnceWeSendData) {
    Config c = Harness::default_config();
    c.quick_acks = 16;
    Harness h(c);
    h.establish_client();
    const std::string full(1460, 'q');
    h.deliver(seg().seq(kB).ack(kA).payload(full));
    EXPECT_SENT(h, seg().ack(kB + 1460));
    h.send("resp");
    EXPECT_SENT(h, seg().seq(kA).ack(kB + 1460).payload("resp"));
    h.deliver(seg().seq(kB + 1460).ack(kA + 4).payload(full));
    EXPECT_SILENT(h);  // interactive now: the ACK waits to ride on a reply
}

TEST(DelayedAck, EverySecondFullSizedSegmentWithTimestamps) {
    // With timestamps the peer's full segments carry 1448 bytes: two of them (2896 < 2 * 1460)
    // must still draw an ACK.
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460).ts(100, 0));
    h.deliver(seg().seq(kB).ack(kA).payload(std::string(1448, 'a')).ts(101, 0));
    EXPECT_SILENT(h);
    h.deliver(seg().seq(kB + 1448).ack(kA).payload(std::string(1448, 'b')).ts(102, 0));
    EXPECT_SENT(h, seg().ack(kB + 2896));
}

TEST(DelayedAck, SegmentFillingPartOfAHoleIsAckedAtOnce) {
    Harness h;
    h.establish_client();
    h.deliver(seg().seq(kB + 10).ack(kA).payload("x"));
    h.deliver(seg().seq(kB + 20).ack(kA).payload("y"));
    h.flush();
    h.deliver(seg().seq(kB).ack(kA).payload(std::string(10, 'f')));  // fills the first hole only
    EXPECT_SENT(h, seg().ack(kB + 11));
}

TEST(DelayedAck, QuickAckModeAgainAfterAnOutOfOrderSegment) {
    // Deviation (Connection::enter_quick_ack): data beyond a hole restarts quick-ack mode, for
    // up to Config::quick_acks full-sized in-order segments.
    Config c = Harness::default_config();
    c.quick_acks = 2;
    Harness h(c);
    h.establish_client();
    const std::string full(1460, 'q');
    std::uint32_t seq = expect_quick_acked(h, kB, 2);  // the connection's own, used up
    h.deliver(seg().seq(seq).ack(kA).payload(full));
    EXPECT_SILENT(h);  // delayed again
    h.advance(Duration::millis(40));
    seq += 1460;
    EXPECT_SENT(h, seg().ack(seq));
    h.read();
    // One segment lost: the next arrives out of order (ACKed at once, RFC 5681 §4.2), then the
    // hole is filled (ACKed at once too).
    h.deliver(seg().seq(seq + 1460).ack(kA).payload(full));
    h.flush();
    h.deliver(seg().seq(seq).ack(kA).payload(full));
    seq += 2 * 1460;
    EXPECT_SENT(h, seg().ack(seq));
    h.read();
    // Quick-ack mode again: two full segments ACKed one by one, then delayed ACKs.
    seq = expect_quick_acked(h, seq, 2);
    h.deliver(seg().seq(seq).ack(kA).payload(full));
    EXPECT_SILENT(h);
}

TEST(DelayedAck, DuplicateSegmentIsAckedAtOnce) {
    Harness h;
    h.establish_client();
    h.deliver(seg().seq(kB + 10).ack(kA).payload("x"));
    h.flush();
    h.deliver(seg().seq(kB + 10).ack(kA).payload("x"));
    EXPECT_SENT(h, seg().ack(kB));
}

}  // namespace
}  // namespace ustack::tcp::test
