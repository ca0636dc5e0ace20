// RFC 8985 §7 Tail Loss Probe: the PTO rule and probe bookkeeping (TailLossProbe), and the TCB
// sending probes on the peer harness: a lost tail, a flight whose ACKs stopped with cwnd full,
// a hole revealed by the probe's SACK, no probes without SACK or with Config::tail_loss_probe off.
#include <algorithm>
#include <string>
#include <vector>

#include "flight.h"
#include "harness.h"
#include "tcp/tail_loss_probe.h"

namespace ustack::tcp::test {
namespace {

using wire::SeqNum;

// ---- TailLossProbe

TEST(TailLossProbe, TimeoutIsTwiceSrttPlusTwoMilliseconds) {
    const TailLossProbe p;
    EXPECT_EQ(p.timeout(Duration::millis(10), false), Duration::millis(22));
    // RFC 8985 §7.2: one segment in flight adds WCDelAckT (200 ms).
    EXPECT_EQ(p.timeout(Duration::millis(10), true), Duration::millis(222));
    // No SRTT yet: 1 s.
    EXPECT_EQ(p.timeout(Duration::zero(), false), Duration::seconds(1));
}

TEST(TailLossProbe, UnansweredProbesDoubleTheTimeoutAndStopAtTheLimit) {
    TailLossProbe p;
    ASSERT_TRUE(p.may_probe());
    p.on_probe_sent(SeqNum(1000), false);
    EXPECT_EQ(p.timeout(Duration::millis(10), false), Duration::millis(44));
    EXPECT_TRUE(p.may_probe());
    p.on_probe_sent(SeqNum(2000), false);
    static_assert(TailLossProbe::kMaxUnanswered == 2);
    EXPECT_FALSE(p.may_probe());
    // An ACK without progress answers nothing; one with progress starts the count again.
    EXPECT_EQ(p.on_ack(SeqNum(500), false, false), TailLossProbe::Verdict::None);
    EXPECT_FALSE(p.may_probe());
    p.on_ack(SeqNum(500), false, true);
    EXPECT_TRUE(p.may_probe());
    EXPECT_EQ(p.timeout(Duration::millis(10), false), Duration::millis(22));
    EXPECT_EQ(p.probes(), 2u);
}

TEST(TailLossProbe, ResentProbeCoveredWithoutDsackRepairedALoss) {
    TailLossProbe p;
    p.on_probe_sent(SeqNum(1000), true);
    EXPECT_EQ(p.on_ack(SeqNum(900), false, true), TailLossProbe::Verdict::None);
    // Exactly at the probe's end: the D-SACK may still come.
    EXPECT_EQ(p.on_ack(SeqNum(1000), false, true), TailLossProbe::Verdict::None);
    // RFC 8985 §7.4.2: beyond it, with no D-SACK: the probe plugged a hole.
    EXPECT_EQ(p.on_ack(SeqNum(1100), false, true), TailLossProbe::Verdict::RepairedLoss);
    // Settled: later ACKs say nothing more.
    EXPECT_EQ(p.on_ack(SeqNum(1200), false, true), TailLossProbe::Verdict::None);
}

TEST(TailLossProbe, DsackForTheResentProbeMeansNoLoss) {
    TailLossProbe p;
    p.on_probe_sent(SeqNum(1000), true);
    EXPECT_EQ(p.on_ack(SeqNum(1000), true, true), TailLossProbe::Verdict::Delivered);
    EXPECT_EQ(p.on_ack(SeqNum(1100), false, true), TailLossProbe::Verdict::None);
}

TEST(TailLossProbe, ProbesOfNewDataAndEndedWatchesGiveNoVerdict) {
    TailLossProbe p;
    p.on_probe_sent(SeqNum(1000), false);
    EXPECT_EQ(p.on_ack(SeqNum(1100), false, true), TailLossProbe::Verdict::None);
    p.on_probe_sent(SeqNum(2000), true);
    p.end_watch();  // fast recovery began
    EXPECT_EQ(p.on_ack(SeqNum(2100), false, true), TailLossProbe::Verdict::None);
}

// ---- the TCB on the peer harness

using namespace flight;

// ESTABLISHED with SACK; `segs` full segments sent, the first two acknowledged after 10 ms
// (an RTT sample, so the PTO is 2 x SRTT + 2 ms and well below the RTO).
void flight_with_srtt(Harness& h, std::uint32_t segs) {
    h.establish_client_with(seg().win(65535).mss(1460).sack_ok());
    ASSERT_TRUE(h.conn().sack());
    h.send(bulk(segs));
    ASSERT_EQ(pull(h).size(), std::min(segs, 10u));
    h.advance(Duration::millis(10));
    h.deliver(ack(at(2)));
    ASSERT_GT(h.conn().srtt(), Duration::zero());
}

TEST(TailLossProbeTcb, LostTailIsProbedWithTheLastSegmentBeforeTheRto) {
    Harness h;
    flight_with_srtt(h, 4);
    ASSERT_TRUE(pull(h).empty());
    // Segments 2 and 3 are lost; nothing is left to send. RFC 8985 §7.3: after the PTO the
    // highest segment goes again.
    const Duration pto = h.conn().srtt() * 2 + Duration::millis(2);
    ASSERT_LT(pto, h.conn().rto());
    const Instant t0 = h.now();
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_EQ(h.now() - t0, pto);
    EXPECT_EQ(pull(h), segments(3, 1));
    EXPECT_EQ(h.conn().tail_loss_probes(), 1u);
    EXPECT_EQ(h.conn().rto_events(), 0u);
    // Its SACK shows the hole at 2; the next probe resends that hole, not the top again.
    h.deliver(sack(at(2), {{at(3), at(4)}}));
    ASSERT_TRUE(pull(h).empty());
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_EQ(pull(h), segments(2, 1));
    EXPECT_EQ(h.conn().tail_loss_probes(), 2u);
    const std::uint32_t ssthresh_before = h.conn().ssthresh();
    // Everything is acknowledged, with no D-SACK: the probes repaired a loss, and RFC 8985
    // §7.4.2 wants the congestion response for it.
    h.send(bulk(1));
    pull(h);
    h.deliver(ack(at(5)));
    EXPECT_EQ(h.conn().rto_events(), 0u);
    EXPECT_LT(h.conn().ssthresh(), ssthresh_before);
}

TEST(TailLossProbeTcb, DsackOfTheProbeLeavesTheWindowAlone) {
    Harness h;
    flight_with_srtt(h, 4);
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_EQ(pull(h), segments(3, 1));
    // Only the ACKs were lost: the probe arrives as a duplicate, reported by D-SACK.
    const std::uint32_t cwnd_before = h.conn().cwnd();
    const std::uint32_t ssthresh_before = h.conn().ssthresh();
    h.deliver(sack(at(4), {{at(3), at(4)}}));
    h.send(bulk(1));
    pull(h);
    h.deliver(ack(at(5)));
    EXPECT_EQ(h.conn().ssthresh(), ssthresh_before);
    EXPECT_GE(h.conn().cwnd(), cwnd_before);
}

TEST(TailLossProbeTcb, StoppedAcksWithCwndFullDrawNewDataThenTheRto) {
    Harness h;
    flight_with_srtt(h, 40);
    // Slow start grew cwnd by the two acknowledged segments: four more fill its 12 segments.
    ASSERT_EQ(pull(h), segments(10, 4));
    ASSERT_EQ(h.conn().bytes_in_flight(), 12 * kMss);
    ASSERT_EQ(h.conn().cwnd(), 12 * kMss);
    // No ACK comes. The probe is a new segment, sent although cwnd is full (RFC 8985 §7.3).
    const Duration pto = h.conn().srtt() * 2 + Duration::millis(2);
    Instant t = h.now();
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_EQ(h.now() - t, pto);
    EXPECT_EQ(pull(h), segments(14, 1));
    // A second probe after twice the PTO (TailLossProbe::kMaxUnanswered), then only the RTO,
    // which each probe restarted.
    t = h.now();
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_EQ(h.now() - t, pto * 2);
    EXPECT_EQ(pull(h), segments(15, 1));
    EXPECT_EQ(h.conn().tail_loss_probes(), 2u);
    t = h.now();
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_EQ(h.now() - t, h.conn().rto());
    EXPECT_EQ(pull(h), segments(2, 1));
    EXPECT_EQ(h.conn().rto_events(), 1u);
    EXPECT_EQ(h.conn().tail_loss_probes(), 2u);
}

TEST(TailLossProbeTcb, NoProbeWithoutSack) {
    Harness h;
    h.establish_client();  // no SACK-permitted from the peer
    h.send(bulk(4));
    ASSERT_EQ(pull(h).size(), 4u);
    h.advance(Duration::millis(10));
    h.deliver(ack(at(2)));
    ASSERT_GT(h.conn().srtt(), Duration::zero());
    const Instant t0 = h.now();
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_EQ(h.now() - t0, h.conn().rto());
    EXPECT_EQ(pull(h), segments(2, 1));
    EXPECT_EQ(h.conn().tail_loss_probes(), 0u);
    EXPECT_EQ(h.conn().rto_events(), 1u);
}

TEST(TailLossProbeTcb, ConfigCanTurnProbesOff) {
    Config c = Harness::default_config();
    c.tail_loss_probe = false;
    Harness h(c);
    flight_with_srtt(h, 4);
    const Instant t0 = h.now();
    ASSERT_TRUE(h.advance_to_poll_at());
    EXPECT_EQ(h.now() - t0, h.conn().rto());
    EXPECT_EQ(pull(h), segments(2, 1));
    EXPECT_EQ(h.conn().tail_loss_probes(), 0u);
}

}  // namespace
}  // namespace ustack::tcp::test
