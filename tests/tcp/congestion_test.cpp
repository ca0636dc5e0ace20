// NewReno window (RFC 5681, RFC 3465, RFC 6928, RFC 6582) and the CongestionController wrapper.
#include "tcp/congestion.h"

#include <gtest/gtest.h>

namespace ustack::tcp {
namespace {

constexpr std::uint32_t kMss = 1460;

TEST(InitialWindow, Rfc6928TenSegmentsOf1460Bytes) {
    EXPECT_EQ(initial_window(1460, 10), 14600u);
}

TEST(InitialWindow, Rfc6928CapsLargeMssAt14600Bytes) {
    // min(10*4000, max(2*4000, 14600)) = 14600.
    EXPECT_EQ(initial_window(4000, 10), 14600u);
}

TEST(InitialWindow, Rfc6928AllowsTwoSegmentsOfAJumboMss) {
    // min(10*9000, max(2*9000, 14600)) = 18000.
    EXPECT_EQ(initial_window(9000, 10), 18000u);
}

TEST(InitialWindow, Rfc6928SmallMssGivesTenSegments) {
    EXPECT_EQ(initial_window(536, 10), 5360u);
}

TEST(InitialWindow, OtherSegmentCountsKeepTheShape) {
    EXPECT_EQ(initial_window(1460, 4), 4u * 1460);
    EXPECT_EQ(initial_window(1460, 1), 1460u);
    EXPECT_EQ(initial_window(1460, 0), 1460u);  // never below one segment
}

TEST(NewReno, StartsInSlowStartAtTheInitialWindow) {
    NewReno r(kMss, 10);
    EXPECT_EQ(r.cwnd(), 14600u);
    EXPECT_TRUE(r.in_slow_start());
    EXPECT_GT(r.ssthresh(), 1000000000u);  // RFC 5681 §3.1: "arbitrarily high"
}

TEST(SlowStart, GrowsOneSmssPerAckedSegment) {
    NewReno r(kMss, 10);
    r.on_ack(kMss, true);
    EXPECT_EQ(r.cwnd(), 14600u + kMss);
}

TEST(SlowStart, Rfc3465GrowsByBytesAckedNotByAcks) {
    NewReno r(kMss, 10);
    r.on_ack(100, true);
    EXPECT_EQ(r.cwnd(), 14600u + 100);
}

TEST(SlowStart, Rfc3465LimitsGrowthPerAckToTwoSmss) {
    NewReno r(kMss, 10);
    r.on_ack(5 * kMss, true);
    EXPECT_EQ(r.cwnd(), 14600u + 2 * kMss);
}

TEST(SlowStart, DelayedAckOfTwoSegmentsGrowsTwoSegments) {
    NewReno r(kMss, 10);
    r.on_ack(2 * kMss, true);
    EXPECT_EQ(r.cwnd(), 14600u + 2 * kMss);
}

TEST(SlowStart, DoublesPerRoundTripWithOneAckPerSegment) {
    NewReno r(kMss, 10);
    for (int rtt = 0; rtt < 4; ++rtt) {
        const std::uint32_t before = r.cwnd();
        for (std::uint32_t acked = 0; acked < before; acked += kMss)
            r.on_ack(kMss, true);
        EXPECT_EQ(r.cwnd(), 2 * before) << "round " << rtt;
    }
    EXPECT_EQ(r.cwnd(), 16u * 14600);
}

TEST(SlowStart, DoublesPerRoundTripWithDelayedAcks) {
    // RFC 3465 §2.2: with L = 2, an ACK for every second segment still doubles cwnd per RTT.
    NewReno r(kMss, 10);
    const std::uint32_t before = r.cwnd();
    for (std::uint32_t acked = 0; acked < before; acked += 2 * kMss)
        r.on_ack(2 * kMss, true);
    EXPECT_EQ(r.cwnd(), 2 * before);
}

TEST(SlowStart, StopsAtSsthreshAndCountsTheRestAsAvoidance) {
    NewReno r(kMss, 10);
    r.on_congestion_event(40 * kMss);  // ssthresh = 20 segments
    r.on_rto(0, false);                // cwnd = 1 segment, ssthresh kept
    ASSERT_EQ(r.ssthresh(), 20 * kMss);
    while (r.cwnd() + 2 * kMss <= r.ssthresh())
        r.on_ack(2 * kMss, true);
    EXPECT_EQ(r.cwnd(), 19 * kMss);
    r.on_ack(2 * kMss, true);
    EXPECT_EQ(r.cwnd(), 20 * kMss);
    EXPECT_FALSE(r.in_slow_start());
}

TEST(CongestionAvoidance, GrowsOneSmssPerRoundTrip) {
    NewReno r(kMss, 10);
    r.on_congestion_event(40 * kMss);  // cwnd = ssthresh = 20 segments
    ASSERT_FALSE(r.in_slow_start());
    for (int rtt = 0; rtt < 5; ++rtt) {
        const std::uint32_t before = r.cwnd();
        for (std::uint32_t acked = 0; acked < before; acked += kMss)
            r.on_ack(kMss, true);
        EXPECT_EQ(r.cwnd(), before + kMss) << "round " << rtt;
    }
}

TEST(CongestionAvoidance, ByteCountingIsNotFooledBySmallAcks) {
    // RFC 3465 §2.1: many tiny ACKs for one window still give one SMSS.
    NewReno r(kMss, 10);
    r.on_congestion_event(40 * kMss);
    const std::uint32_t before = r.cwnd();
    for (std::uint32_t acked = 0; acked < before; acked += 100)
        r.on_ack(100, true);
    EXPECT_EQ(r.cwnd(), before + kMss);
}

TEST(CongestionAvoidance, StretchAckGrowsAtMostOneSmss) {
    NewReno r(kMss, 10);
    r.on_congestion_event(40 * kMss);
    const std::uint32_t before = r.cwnd();
    r.on_ack(3 * before, true);
    EXPECT_EQ(r.cwnd(), before + kMss);
}

TEST(NewReno, CongestionEventHalvesFlightSize) {
    NewReno r(kMss, 10);
    r.on_congestion_event(30 * kMss);
    EXPECT_EQ(r.ssthresh(), 15 * kMss);
    EXPECT_EQ(r.cwnd(), 15 * kMss);
}

TEST(NewReno, CongestionEventUsesFlightSizeNotCwnd) {
    // RFC 5681 §3.1 implementation note: FlightSize, not cwnd.
    NewReno r(kMss, 10);
    r.on_congestion_event(6 * kMss);
    EXPECT_EQ(r.ssthresh(), 3 * kMss);
}

TEST(NewReno, SsthreshIsAtLeastTwoSegments) {
    NewReno r(kMss, 10);
    r.on_congestion_event(kMss);
    EXPECT_EQ(r.ssthresh(), 2 * kMss);
    EXPECT_EQ(halved_ssthresh(0, kMss), 2 * kMss);
}

TEST(NewReno, RtoCollapsesToOneSegmentAndHalvesFlight) {
    NewReno r(kMss, 10);
    r.on_rto(10 * kMss, true);
    EXPECT_EQ(r.cwnd(), kMss);
    EXPECT_EQ(r.ssthresh(), 5 * kMss);
    EXPECT_TRUE(r.in_slow_start());
}

TEST(NewReno, RepeatedRtoForTheSameSegmentKeepsSsthresh) {
    NewReno r(kMss, 10);
    r.on_rto(10 * kMss, true);
    r.on_rto(10 * kMss, false);
    EXPECT_EQ(r.ssthresh(), 5 * kMss);
    EXPECT_EQ(r.cwnd(), kMss);
}

TEST(NewReno, RecoveryExitWithLittleInFlightAvoidsABurst) {
    // RFC 6582 §3.2 step 6 option (1): min(ssthresh, max(FlightSize, SMSS) + SMSS).
    NewReno r(kMss, 10);
    r.on_congestion_event(20 * kMss);
    r.on_recovery_exit(2 * kMss);
    EXPECT_EQ(r.cwnd(), 3 * kMss);
    EXPECT_TRUE(r.in_slow_start());
}

TEST(NewReno, RecoveryExitWithAFullPipeGivesSsthresh) {
    NewReno r(kMss, 10);
    r.on_congestion_event(20 * kMss);
    r.on_recovery_exit(20 * kMss);
    EXPECT_EQ(r.cwnd(), 10 * kMss);
}

TEST(NewReno, AppLimitedAcksDoNotGrowTheWindow) {
    NewReno r(kMss, 10);
    r.on_ack(2 * kMss, false);
    EXPECT_EQ(r.cwnd(), 14600u);
}

TEST(NewReno, LostSynLeavesOneSegment) {
    NewReno r(kMss, 10);
    r.on_syn_loss();
    EXPECT_EQ(r.cwnd(), kMss);
}

TEST(NewReno, IdleRestartFallsBackToTheInitialWindow) {
    NewReno r(kMss, 10);
    for (int i = 0; i < 10; ++i)
        r.on_ack(kMss, true);
    ASSERT_EQ(r.cwnd(), 20 * kMss);
    r.on_idle_restart();
    EXPECT_EQ(r.cwnd(), 10 * kMss);
    r.on_congestion_event(8 * kMss);  // cwnd 4 segments: already below IW, kept
    r.on_idle_restart();
    EXPECT_EQ(r.cwnd(), 4 * kMss);
}

TEST(Controller, DefaultConfigRunsCubic) {
    const Config config;
    const auto cc = CongestionController::from_config(config, kMss);
    EXPECT_EQ(cc.kind(), CongestionControl::Cubic);
    EXPECT_NE(cc.cubic(), nullptr);
    EXPECT_EQ(cc.newreno(), nullptr);
    EXPECT_EQ(cc.cwnd(), 14600u);
    EXPECT_EQ(cc.smss(), kMss);
}

TEST(Controller, NewRenoOnRequest) {
    Config config;
    config.congestion = CongestionControl::NewReno;
    config.initial_window_segments = 4;
    auto cc = CongestionController::from_config(config, kMss);
    EXPECT_EQ(cc.kind(), CongestionControl::NewReno);
    EXPECT_EQ(cc.cwnd(), 4 * kMss);
    cc.on_ack(AckInfo{kMss, Instant{}, Duration::millis(10), true, {}, {}, {}});
    EXPECT_EQ(cc.cwnd(), 5 * kMss);
}

TEST(Controller, DispatchesEveryEvent) {
    for (const auto kind : {CongestionControl::NewReno, CongestionControl::Cubic}) {
        CongestionController cc(kind, kMss, 10);
        cc.on_congestion_event(20 * kMss);
        EXPECT_FALSE(cc.in_slow_start());
        EXPECT_EQ(cc.cwnd(), cc.ssthresh());
        cc.on_recovery_exit(kMss);
        EXPECT_EQ(cc.cwnd(), 2 * kMss);
        cc.on_rto(20 * kMss, true);
        EXPECT_EQ(cc.cwnd(), kMss);
        EXPECT_EQ(cc.ssthresh(), kind == CongestionControl::Cubic ? 14 * kMss : 10 * kMss);
    }
}

TEST(Controller, UndoRestoresCubicButNotNewReno) {
    CongestionController cubic(CongestionControl::Cubic, kMss, 10);
    cubic.on_congestion_event(10 * kMss);
    cubic.undo();
    EXPECT_EQ(cubic.cwnd(), 14600u);
    CongestionController reno(CongestionControl::NewReno, kMss, 10);
    reno.on_congestion_event(10 * kMss);
    reno.undo();
    EXPECT_EQ(reno.cwnd(), 5 * kMss);
}

}  // namespace
}  // namespace ustack::tcp
