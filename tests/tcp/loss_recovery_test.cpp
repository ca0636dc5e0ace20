// Congestion control and loss recovery inside the TCB, on the peer harness: RFC 6928 initial
// window, RFC 5681 slow start / fast retransmit / RTO loss window / idle restart, RFC 3042
// limited transmit, RFC 6675 SACK recovery, RFC 6582 NewReno partial ACKs, RFC 9438 β = 0.7.
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "flight.h"
#include "harness.h"

namespace ustack::tcp::test {
namespace {

using namespace flight;

Config with(CongestionControl cc) {
    Config c = Harness::default_config();
    c.congestion = cc;
    return c;
}

void establish_with_sack(Harness& h) {
    h.establish_client_with(seg().win(65535).mss(1460).sack_ok());
    ASSERT_TRUE(h.conn().sack());
}

// ---- observers

TEST(Recovery, ObserversBeforeEstablishedShowTheInitialWindow) {
    Harness h;
    h.connect();
    EXPECT_EQ(h.conn().cwnd(), 10 * 536u);  // RFC 6928 for the default send MSS (no SYN-ACK)
    EXPECT_EQ(h.conn().ssthresh(), std::numeric_limits<std::uint32_t>::max());
    EXPECT_EQ(h.conn().loss_recovery(), nullptr);
    ASSERT_TRUE(h.transmit().has_value());  // the SYN
    EXPECT_EQ(h.conn().bytes_in_flight(), 1u);
    EXPECT_EQ(h.conn().fast_retransmits(), 0u);
    EXPECT_EQ(h.conn().rto_events(), 0u);
}

TEST(Recovery, LostSynLeavesAOneSegmentInitialWindow) {
    Harness h;
    h.connect();
    ASSERT_TRUE(h.transmit().has_value());
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_SENT(h, seg().syn().seq(Harness::kIss));  // RFC 6298 §5.4: the SYN again
    EXPECT_EQ(h.conn().rto_events(), 1u);
    EXPECT_EQ(h.conn().retransmits(), 1u);
    h.deliver(seg().syn().seq(Harness::kPeerIss).ack(kA).mss(1460));
    ASSERT_EQ(h.state(), State::Established);
    // RFC 6928 §2: after a lost SYN the initial window is one segment.
    EXPECT_EQ(h.conn().cwnd(), kMss);
    h.send(bulk(4));
    EXPECT_EQ(pull(h), segments(0, 1));
}

// ---- slow start

TEST(Recovery, InitialWindowIsTenSegments) {
    Harness h;
    h.establish_client();
    EXPECT_EQ(h.conn().cwnd(), 10 * kMss);
    h.send(bulk(20));
    // RFC 6928 §2: min(10*MSS, max(2*MSS, 14600)) = 14600 bytes, ten 1460-byte segments.
    EXPECT_EQ(pull(h), segments(0, 10));
    EXPECT_EQ(h.conn().bytes_in_flight(), 10 * kMss);
    EXPECT_EQ(h.conn().snd_nxt().raw(), at(10));
}

TEST(Recovery, InitialWindowFollowsConfig) {
    Config c = Harness::default_config();
    c.initial_window_segments = 4;
    Harness h(c);
    h.establish_client();
    h.send(bulk(20));
    EXPECT_EQ(pull(h), segments(0, 4));
}

TEST(Recovery, SlowStartGrowsCwndByEachAckedSegment) {
    for (const CongestionControl cc : {CongestionControl::NewReno, CongestionControl::Cubic}) {
        Harness h(with(cc));
        h.establish_client();
        h.send(bulk(40));
        ASSERT_EQ(pull(h), segments(0, 10));
        // RFC 5681 §3.1 eq. (2): cwnd += min(N, SMSS) per ACK: one segment acked, one more
        // allowed, so two go out.
        h.deliver(ack(at(1)));
        EXPECT_EQ(h.conn().cwnd(), 11 * kMss);
        EXPECT_EQ(pull(h), segments(10, 2));
        // RFC 3465 §2.2 (L = 2): an ACK covering two segments grows cwnd by two.
        h.deliver(ack(at(3)));
        EXPECT_EQ(h.conn().cwnd(), 13 * kMss);
        EXPECT_EQ(pull(h), segments(12, 4));
        // A stretch ACK of four segments grows it by at most L = 2 segments.
        h.deliver(ack(at(7)));
        EXPECT_EQ(h.conn().cwnd(), 15 * kMss);
        EXPECT_EQ(pull(h), segments(16, 6));
        EXPECT_EQ(h.conn().bytes_in_flight(), 15 * kMss);
    }
}

TEST(Recovery, SendingIsLimitedByThePeerWindowToo) {
    Harness h;
    h.establish_client(4 * kMss);  // window below cwnd
    h.send(bulk(20));
    EXPECT_EQ(pull(h), segments(0, 4));
    EXPECT_EQ(h.conn().cwnd(), 10 * kMss);
}

TEST(Recovery, ApplicationLimitedSenderDoesNotGrowCwnd) {
    Harness h;
    h.establish_client();
    h.send(bulk(2));
    ASSERT_EQ(pull(h), segments(0, 2));
    h.deliver(ack(at(2)));
    // Two segments in a ten-segment window: cwnd was not the limit, so it does not grow
    // (RFC 7661's idea, Linux tcp_is_cwnd_limited).
    EXPECT_EQ(h.conn().cwnd(), 10 * kMss);
}

// ---- duplicate ACKs, fast retransmit, limited transmit

TEST(Recovery, ThreeDupAcksFastRetransmit) {
    Harness h(with(CongestionControl::NewReno));
    h.establish_client();
    h.send(bulk(10));
    ASSERT_EQ(pull(h), segments(0, 10));
    h.deliver(ack(at(1)));                    // segment 0 arrived; segment 1 was lost
    ASSERT_EQ(pull(h), std::vector<Sent>{});  // nothing more queued
    h.deliver(ack(at(1)));
    h.deliver(ack(at(1)));
    EXPECT_EQ(h.conn().fast_retransmits(), 0u);
    h.deliver(ack(at(1)));
    // RFC 5681 §3.2 step 3: on the third duplicate, exactly the segment at SND.UNA again.
    EXPECT_EQ(h.conn().fast_retransmits(), 1u);
    EXPECT_EQ(pull(h), segments(1, 1));
    EXPECT_EQ(h.conn().retransmits(), 1u);
    EXPECT_EQ(h.conn().rto_events(), 0u);
    ASSERT_NE(h.conn().loss_recovery(), nullptr);
    EXPECT_EQ(h.conn().loss_recovery()->state(), RecoveryState::FastRecovery);
}

TEST(Recovery, DupAckCarryingDataOrNewWindowIsNotCounted) {
    Harness h(with(CongestionControl::NewReno));
    h.establish_client();
    h.send(bulk(10));
    ASSERT_EQ(pull(h), segments(0, 10));
    h.deliver(ack(at(1)));
    h.deliver(ack(at(1)));
    h.deliver(ack(at(1)).win(60000));               // RFC 5681 §2 (e): the window changed
    h.deliver(ack(at(1)).win(60000).payload("x"));  // (b): it carries data
    pull(h);
    EXPECT_EQ(h.conn().fast_retransmits(), 0u);
    EXPECT_EQ(h.conn().loss_recovery()->dupacks(), 1u);
}

TEST(Recovery, LimitedTransmitSendsNewDataOnTheFirstTwoDupAcks) {
    Harness h(with(CongestionControl::NewReno));
    h.establish_client();
    h.send(bulk(20));
    ASSERT_EQ(pull(h), segments(0, 10));
    h.deliver(ack(at(1)));
    ASSERT_EQ(pull(h), segments(10, 2));  // cwnd 11 after the ACK of segment 0, 9 in flight
    // RFC 3042 §2: one new segment on each of the first two duplicate ACKs, cwnd unchanged.
    h.deliver(ack(at(1)));
    EXPECT_EQ(pull(h), segments(12, 1));
    h.deliver(ack(at(1)));
    EXPECT_EQ(pull(h), segments(13, 1));
    EXPECT_EQ(h.conn().cwnd(), 11 * kMss);
    // The third: fast retransmit, no new data with it.
    h.deliver(ack(at(1)));
    EXPECT_EQ(pull(h), segments(1, 1));
}

TEST(Recovery, NewRenoHalvesSsthreshOnFastRetransmit) {
    Harness h(with(CongestionControl::NewReno));
    h.establish_client();
    h.send(bulk(10));
    ASSERT_EQ(pull(h), segments(0, 10));
    for (int i = 0; i < 3; ++i)
        h.deliver(ack(kA));
    // RFC 5681 §3.2 step 2: ssthresh = max(FlightSize / 2, 2*SMSS) = 5 segments; step 3:
    // cwnd = ssthresh + 3*SMSS (the RFC 6582 inflation).
    EXPECT_EQ(h.conn().ssthresh(), 5 * kMss);
    EXPECT_EQ(h.conn().cwnd(), 8 * kMss);
    EXPECT_EQ(pull(h), segments(0, 1));
}

TEST(Recovery, CubicReducesSsthreshByBeta) {
    Harness h(with(CongestionControl::Cubic));
    h.establish_client();
    h.send(bulk(10));
    ASSERT_EQ(pull(h), segments(0, 10));
    for (int i = 0; i < 3; ++i)
        h.deliver(ack(kA));
    // RFC 9438 §4.6: ssthresh = flight_size * β_cubic (0.7), cwnd = ssthresh; without SACK
    // the window sent by carries the RFC 6582 inflation of 3 SMSS on top.
    EXPECT_EQ(h.conn().ssthresh(), 10 * kMss * 7 / 10);
    EXPECT_EQ(h.conn().loss_recovery()->congestion().cwnd(), 10 * kMss * 7 / 10);
    EXPECT_EQ(h.conn().cwnd(), 10 * kMss * 7 / 10 + 3 * kMss);
    EXPECT_EQ(pull(h), segments(0, 1));
}

// ---- NewReno (peer without SACK)

TEST(Recovery, NewRenoPartialAckRetransmitsTheNextHole) {
    Harness h(with(CongestionControl::NewReno));
    h.establish_client();
    ASSERT_FALSE(h.conn().sack());
    h.send(bulk(10));
    ASSERT_EQ(pull(h), segments(0, 10));
    // Segments 1 and 4 are lost: 0 is acked, then 2, 3, 5..9 draw duplicates.
    h.deliver(ack(at(1)));
    EXPECT_EQ(pull(h), std::vector<Sent>{});  // nothing left to send (all 10 queued are out)
    for (int i = 0; i < 3; ++i)
        h.deliver(ack(at(1)));
    EXPECT_EQ(pull(h), segments(1, 1));
    for (int i = 0; i < 4; ++i)
        h.deliver(ack(at(1)));
    EXPECT_EQ(pull(h), std::vector<Sent>{});
    // The retransmitted segment 1 fills the first hole: a partial ACK up to segment 4.
    // RFC 6582 §3.2 step 5: retransmit the first unacknowledged segment at once.
    const Instant rtx_at = h.conn().poll_at();
    h.advance(Duration::millis(1));
    h.deliver(ack(at(4)));
    EXPECT_EQ(pull(h), segments(4, 1));
    EXPECT_EQ(h.conn().loss_recovery()->state(), RecoveryState::FastRecovery);
    // RFC 6582 §3.2 step 5 (Impatient): the first partial ACK restarts the timer.
    EXPECT_GT(h.conn().poll_at(), rtx_at);
    EXPECT_EQ(h.conn().retransmits(), 2u);
    EXPECT_EQ(h.conn().fast_retransmits(), 1u);
    // The full ACK ends recovery: RFC 6582 §3.2 step 6, cwnd <= ssthresh.
    h.deliver(ack(at(10)));
    EXPECT_EQ(h.conn().loss_recovery()->state(), RecoveryState::Open);
    EXPECT_LE(h.conn().cwnd(), h.conn().ssthresh());
    EXPECT_EQ(h.conn().bytes_in_flight(), 0u);
}

TEST(Recovery, NewRenoLaterPartialAcksDoNotRestartTheTimer) {
    Harness h(with(CongestionControl::NewReno));
    h.establish_client();
    h.send(bulk(10));
    ASSERT_EQ(pull(h), segments(0, 10));
    for (int i = 0; i < 3; ++i)
        h.deliver(ack(kA));
    ASSERT_EQ(pull(h), segments(0, 1));
    h.advance(Duration::millis(5));
    h.deliver(ack(at(2)));  // first partial ACK: timer restarted
    ASSERT_EQ(pull(h), segments(2, 1));
    const Instant deadline = h.conn().poll_at();
    EXPECT_EQ(deadline, h.now() + h.conn().rto());
    h.advance(Duration::millis(5));
    h.deliver(ack(at(4)));  // second partial ACK: RFC 6582 §4 Impatient, the timer runs on
    EXPECT_EQ(pull(h), segments(4, 1));
    EXPECT_EQ(h.conn().poll_at(), deadline);
}

TEST(Recovery, FullAckEndsRecoveryAndDupAcksCountAfresh) {
    Harness h(with(CongestionControl::NewReno));
    h.establish_client();
    h.send(bulk(30));
    ASSERT_EQ(pull(h), segments(0, 10));
    for (int i = 0; i < 3; ++i)
        h.deliver(ack(kA));
    ASSERT_EQ(pull(h), segments(0, 1));
    const std::uint32_t ssthresh = h.conn().ssthresh();
    h.deliver(ack(at(10)));  // RFC 6582 §3.2 step 6: a full ACK, recovery is over
    EXPECT_EQ(h.conn().loss_recovery()->state(), RecoveryState::Open);
    EXPECT_EQ(h.conn().ssthresh(), ssthresh);
    // cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS) = 2 segments (nothing outstanding).
    EXPECT_EQ(h.conn().cwnd(), 2 * kMss);
    EXPECT_EQ(pull(h), segments(10, 2));
    // Congestion avoidance from here (cwnd < ssthresh: slow start up to it first).
    h.deliver(ack(at(12)));
    EXPECT_EQ(h.conn().cwnd(), 4 * kMss);
    EXPECT_EQ(pull(h), segments(12, 4));
    h.deliver(ack(at(12)));
    h.deliver(ack(at(12)));
    EXPECT_EQ(h.conn().fast_retransmits(), 1u);  // two duplicates only
}

// ---- SACK (RFC 6675)

TEST(Recovery, SackRecoveryRetransmitsOnlyTheHoles) {
    Harness h(with(CongestionControl::NewReno));
    establish_with_sack(h);
    h.send(bulk(20));
    ASSERT_EQ(pull(h), segments(0, 10));
    std::vector<Sent> sent;
    auto step = [&](const Seg& s) {
        h.deliver(s);
        for (const Sent& x : pull(h))
            sent.push_back(x);
    };
    // Segments 1 and 4 are lost; the rest arrive and are SACKed (latest block first).
    step(ack(at(1)));
    step(sack(at(1), {{at(2), at(3)}}));
    step(sack(at(1), {{at(2), at(4)}}));
    // RFC 6675 §5 step 1.c: limited transmit by cwnd - pipe on the first two duplicates.
    EXPECT_EQ(sent, segments(10, 4));
    sent.clear();
    step(sack(at(1), {{at(5), at(6)}, {at(2), at(4)}}));
    // RFC 6675 §5 step 4: the third duplicate starts recovery with the segment at SND.UNA.
    ASSERT_FALSE(sent.empty());
    EXPECT_EQ(sent.front(), (Sent{at(1), kMss}));
    EXPECT_EQ(h.conn().fast_retransmits(), 1u);
    for (std::uint32_t i = 6; i < 13; ++i)
        step(sack(at(1), {{at(5), at(i + 1)}, {at(2), at(4)}}));
    // The retransmission of 1 arrives; then that of 4.
    step(sack(at(4), {{at(5), at(13)}}));
    step(ack(h.conn().snd_nxt().raw()));
    EXPECT_EQ(h.conn().loss_recovery()->state(), RecoveryState::Open);
    // Only the holes were resent, each once; everything else sent was new data.
    std::vector<Sent> resent;
    for (const Sent& x : sent) {
        if (x.seq < at(14)) resent.push_back(x);
    }
    EXPECT_EQ(resent, (std::vector<Sent>{{at(1), kMss}, {at(4), kMss}}));
    EXPECT_EQ(h.conn().retransmits(), 2u);
    EXPECT_EQ(h.conn().rto_events(), 0u);
}

TEST(Recovery, LostRetransmissionIsResentWithoutWaitingForTheTimer) {
    // A drop-tail queue that dropped a burst drops the retransmissions too. RFC 6675 alone
    // leaves a lost retransmission to the RTO; RFC 8985 §2: once data sent after the
    // retransmission is SACKed (enough for IsLost), the retransmission was lost: resend it.
    Harness h(with(CongestionControl::NewReno));
    establish_with_sack(h);
    h.send(bulk(40));
    ASSERT_EQ(pull(h), segments(0, 10));
    std::vector<Sent> sent;
    auto step = [&](const Seg& s) {
        h.deliver(s);
        for (const Sent& x : pull(h))
            sent.push_back(x);
    };
    // Segment 0 is lost; 1..3 arrive: fast retransmit of 0.
    step(sack(kA, {{at(1), at(2)}}));
    step(sack(kA, {{at(1), at(3)}}));
    step(sack(kA, {{at(1), at(4)}}));
    ASSERT_EQ(h.conn().fast_retransmits(), 1u);
    const std::uint32_t mark = h.conn().snd_nxt().raw();  // sent after the retransmission
    // The rest of the first flight arrives; the retransmission of 0 is lost again.
    for (std::uint32_t i = 4; i < 10; ++i)
        step(sack(kA, {{at(1), at(i + 1)}}));
    ASSERT_GE(h.conn().snd_nxt().raw(), mark + 3 * kMss);
    const auto resends = [&] { return std::count(sent.begin(), sent.end(), Sent{at(0), kMss}); };
    ASSERT_EQ(resends(), 1);
    // Data first sent after the retransmission arrives: three segments of it prove it lost.
    for (std::uint32_t i = 0; i < 3; ++i)
        step(sack(kA, {{at(1), mark + (i + 1) * kMss}}));
    EXPECT_EQ(resends(), 2);
    EXPECT_EQ(h.conn().rto_events(), 0u);
    EXPECT_EQ(h.conn().loss_recovery()->scoreboard().lost_retransmissions(), 1u);
    // It arrives: recovery goes on to the end without a timeout.
    step(ack(h.conn().snd_nxt().raw()));
    EXPECT_EQ(h.conn().loss_recovery()->state(), RecoveryState::Open);
    EXPECT_EQ(h.conn().rto_events(), 0u);
}

TEST(Recovery, SackLossDetectedBeforeThreeDupAcksByIsLost) {
    Harness h(with(CongestionControl::NewReno));
    establish_with_sack(h);
    h.send(bulk(10));
    ASSERT_EQ(pull(h), segments(0, 10));
    // One ACK SACKing three segments above SND.UNA: RFC 6675 §5 step 1.b, IsLost(HighACK + 1)
    // holds (more than 2 SMSS SACKed above it) after a single duplicate.
    h.deliver(sack(kA, {{at(1), at(4)}}));
    EXPECT_EQ(h.conn().fast_retransmits(), 1u);
    EXPECT_EQ(pull(h), segments(0, 1));
}

TEST(Recovery, SackBlocksDoNotCountWithoutSack) {
    Harness h(with(CongestionControl::NewReno));
    h.establish_client();  // the peer offered no SACK-permitted
    h.send(bulk(10));
    ASSERT_EQ(pull(h), segments(0, 10));
    h.deliver(sack(kA, {{at(1), at(4)}}));
    EXPECT_EQ(h.conn().fast_retransmits(), 0u);
    EXPECT_EQ(h.conn().loss_recovery()->scoreboard().sacked_bytes(), 0u);
}

// ---- retransmission timeout

TEST(Recovery, RtoSetsCwndToOneSegmentAndResendsFromSndUna) {
    Harness h(with(CongestionControl::NewReno));
    h.establish_client();
    h.send(bulk(10));
    ASSERT_EQ(pull(h), segments(0, 10));
    const Duration rto = h.conn().rto();
    const Instant t0 = h.now();
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_EQ(h.now() - t0, rto);
    // RFC 5681 §3.1: ssthresh = FlightSize / 2, cwnd = LW = 1 SMSS; RFC 6298 §5.4: the
    // earliest unacknowledged segment again, and only it.
    EXPECT_EQ(pull(h), segments(0, 1));
    EXPECT_EQ(h.conn().cwnd(), kMss);
    EXPECT_EQ(h.conn().ssthresh(), 5 * kMss);
    EXPECT_EQ(h.conn().rto_events(), 1u);
    EXPECT_EQ(h.conn().bytes_in_flight(), kMss);
    // RFC 6298 §5.5: the timer backs off; a second timeout for the same segment keeps ssthresh.
    const Instant t1 = h.now();
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_EQ(h.now() - t1, rto * 2);
    EXPECT_EQ(pull(h), segments(0, 1));
    EXPECT_EQ(h.conn().rto_events(), 2u);
    EXPECT_EQ(h.conn().ssthresh(), 5 * kMss);
    EXPECT_EQ(h.conn().retransmits(), 2u);
    // The resend is acknowledged: slow start from one segment, going back over the rest.
    h.deliver(ack(at(1)));
    EXPECT_EQ(h.conn().cwnd(), 2 * kMss);
    EXPECT_EQ(pull(h), segments(1, 2));
    h.deliver(ack(at(3)));
    EXPECT_EQ(pull(h), segments(3, 4));
    EXPECT_EQ(h.conn().loss_recovery()->state(), RecoveryState::RtoRecovery);
    h.deliver(ack(at(10)));  // the rest had arrived after all: recovery ends at `recover`
    EXPECT_EQ(h.conn().loss_recovery()->state(), RecoveryState::Open);
    EXPECT_EQ(h.conn().fast_retransmits(), 0u);
}

TEST(Recovery, CubicRtoKeepsOneSegmentWindow) {
    Harness h(with(CongestionControl::Cubic));
    h.establish_client();
    h.send(bulk(10));
    ASSERT_EQ(pull(h), segments(0, 10));
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_EQ(pull(h), segments(0, 1));
    // RFC 9438 §4.8: ssthresh = flight_size * β_cubic and cwnd = 1 SMSS after a timeout.
    EXPECT_EQ(h.conn().cwnd(), kMss);
    EXPECT_EQ(h.conn().ssthresh(), 10 * kMss * 7 / 10);
}

TEST(Recovery, RtoDuringSackRecoveryForgetsTheScoreboard) {
    Harness h(with(CongestionControl::NewReno));
    establish_with_sack(h);
    h.send(bulk(10));
    ASSERT_EQ(pull(h), segments(0, 10));
    h.deliver(sack(kA, {{at(1), at(4)}}));
    ASSERT_EQ(pull(h), segments(0, 1));
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_EQ(pull(h), segments(0, 1));
    // RFC 2018 §8 / RFC 6675 §5.1: after the timeout SACK information is not trusted.
    EXPECT_EQ(h.conn().loss_recovery()->state(), RecoveryState::RtoRecovery);
    EXPECT_EQ(h.conn().loss_recovery()->scoreboard().sacked_bytes(), 0u);
    EXPECT_EQ(h.conn().rto_events(), 1u);
    EXPECT_EQ(h.conn().fast_retransmits(), 1u);
}

TEST(Recovery, RtoResendsTheFinWithTheLastData) {
    Harness h;
    h.establish_client();
    h.send(bulk(2));
    ASSERT_TRUE(h.conn().shutdown_write());
    EXPECT_SENT(h, seg().seq(at(0)).payload(bulk(1)));
    EXPECT_SENT(h, seg().fin().seq(at(1)).payload(bulk(1)));
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_SENT(h, seg().seq(at(0)).payload(bulk(1)));
    EXPECT_SILENT(h);  // cwnd is one segment
    h.deliver(ack(at(1)));
    EXPECT_SENT(h, seg().fin().seq(at(1)).payload(bulk(1)));
    h.deliver(ack(at(2) + 1));
    EXPECT_EQ(h.state(), State::FinWait2);
}

TEST(Recovery, LostBareFinIsResentAlone) {
    Harness h;
    h.establish_client();
    h.send("abc");
    EXPECT_SENT(h, seg().seq(kA).payload("abc"));
    h.deliver(ack(kA + 3));
    ASSERT_TRUE(h.conn().shutdown_write());
    EXPECT_SENT(h, seg().fin().seq(kA + 3));
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_SENT(h, seg().fin().seq(kA + 3));
    EXPECT_EQ(h.conn().retransmits(), 1u);
}

// ---- zero window, idle restart

TEST(Recovery, ZeroWindowStillProbesAfterLoss) {
    Harness h;
    h.establish_client();
    h.send(bulk(12));
    ASSERT_EQ(pull(h), segments(0, 10));
    ASSERT_TRUE(h.advance_to_poll_at());  // an RTO: cwnd one segment
    ASSERT_EQ(pull(h), segments(0, 1));
    // Everything sent arrives, but the receiver's buffer is full: window zero.
    h.deliver(ack(at(10)).win(0));
    EXPECT_EQ(pull(h), std::vector<Sent>{});
    EXPECT_EQ(h.conn().bytes_in_flight(), 0u);
    // RFC 9293 §3.8.6.1: the persist timer probes the closed window.
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_SENT(h, seg().seq(at(10) - 1).ack(kB));
    EXPECT_EQ(h.conn().window_probes(), 1u);
    // The window opens: sending resumes within cwnd.
    h.deliver(ack(at(10)).win(65535));
    const std::vector<Sent> resumed = pull(h);
    ASSERT_FALSE(resumed.empty());
    EXPECT_EQ(resumed.front(), (Sent{at(10), kMss}));
    EXPECT_LE(resumed.size() * kMss, h.conn().cwnd());
}

TEST(Recovery, IdleLongerThanRtoRestartsFromTheInitialWindow) {
    Harness h;
    h.establish_client();
    h.send(bulk(40));
    std::vector<Sent> out = pull(h);
    ASSERT_EQ(out.size(), 10u);
    // ACK each segment as it goes: slow start to well beyond the initial window.
    for (std::uint32_t i = 1; i <= 40; ++i) {
        h.deliver(ack(at(i)));
        pull(h);
    }
    EXPECT_EQ(h.conn().bytes_in_flight(), 0u);
    // Slow start went on while the sender filled cwnd (26 segments), then stopped.
    EXPECT_EQ(h.conn().cwnd(), 26 * kMss);
    h.advance(h.conn().rto() + Duration::millis(1));
    h.send(bulk(30));
    // RFC 5681 §4.1: restart window min(IW, cwnd) after idling longer than the RTO.
    EXPECT_EQ(pull(h), segments(40, 10));
}

TEST(Recovery, ShortPauseKeepsTheWindow) {
    Harness h;
    h.establish_client();
    h.send(bulk(40));
    pull(h);
    for (std::uint32_t i = 1; i <= 40; ++i) {
        h.deliver(ack(at(i)));
        pull(h);
    }
    const std::uint32_t cwnd = h.conn().cwnd();
    h.advance(h.conn().rto() - Duration::millis(1));
    h.send(bulk(30));
    EXPECT_EQ(pull(h).size(), std::min<std::size_t>(30, cwnd / kMss));
}

}  // namespace
}  // namespace ustack::tcp::test
