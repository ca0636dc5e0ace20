// CUBIC (RFC 9438): the window curve against Figure 1, K, β_cubic reduction, fast convergence,
// the Reno-friendly region, timeouts, application-limited periods and undo.
#include "tcp/cubic.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ustack::tcp {
namespace {

constexpr std::uint32_t kMss = 1000;

Instant at(double seconds) {
    return Instant::from_micros(static_cast<std::int64_t>(std::llround(seconds * 1e6)));
}

double segments(std::uint32_t bytes) {
    return static_cast<double>(bytes) / kMss;
}

// Acknowledges one window per RTT in `acks_per_rtt` equal ACKs, from `from` until `until`
// (seconds); returns the time reached.
double drive(Cubic& c, double from, double until, double rtt, int acks_per_rtt = 10) {
    const double step = rtt / acks_per_rtt;
    double t = from;
    while (t + 1e-9 < until) {
        t += step;
        const std::uint32_t acked = std::max<std::uint32_t>(c.cwnd() / acks_per_rtt, 1);
        c.on_ack(acked, at(t), Duration::micros(std::llround(rtt * 1e6)), true);
    }
    return t;
}

// A CUBIC sender at 1000 segments that just saw a loss with all of them in flight: large enough
// that the cubic curve, not the Reno-friendly W_est, governs for the first dozen seconds.
Cubic after_loss_at_1000_segments() {
    Cubic c(kMss, 1000);
    EXPECT_EQ(c.cwnd(), 1000 * kMss);
    c.on_congestion_event(1000 * kMss);
    return c;
}

// A CUBIC sender that reached 100 segments and just saw a loss with 100 segments in flight.
Cubic after_loss_at_100_segments() {
    Cubic c(kMss, 100);  // IW = min(100*MSS, max(2*MSS, 146000)) = 100 segments
    EXPECT_EQ(c.cwnd(), 100 * kMss);
    c.on_congestion_event(100 * kMss);
    return c;
}

TEST(Cubic, ConstantsAreTheRfcValues) {
    EXPECT_DOUBLE_EQ(Cubic::kC, 0.4);
    EXPECT_DOUBLE_EQ(Cubic::kBeta, 0.7);
    // RFC 9438 §4.3: α = 3 * (1 - 0.7) / (1 + 0.7) = 0.9 / 1.7.
    EXPECT_NEAR(Cubic::kAlpha, 0.529411, 1e-6);
}

TEST(Cubic, KIsTheCubeRootOfTheReductionOverC) {
    // RFC 9438 Figure 2 with cwnd_epoch = β W_max equals RFC 8312's cbrt(W_max (1 - β) / C).
    EXPECT_NEAR(Cubic::k_for(100, 70), std::cbrt(100 * 0.3 / 0.4), 1e-12);
    EXPECT_NEAR(Cubic::k_for(100, 70), 4.2172, 1e-4);
    EXPECT_NEAR(Cubic::k_for(10, 7), 1.9574, 1e-4);
    EXPECT_DOUBLE_EQ(Cubic::k_for(50, 50), 0.0);
}

TEST(Cubic, CurvePassesThroughCwndEpochAtZeroAndWmaxAtK) {
    const double k = Cubic::k_for(100, 70);
    EXPECT_NEAR(Cubic::w_cubic(0, k, 100), 70, 1e-9);
    EXPECT_DOUBLE_EQ(Cubic::w_cubic(k, k, 100), 100);
    // Symmetric around the plateau: concave before K, convex after.
    EXPECT_NEAR(Cubic::w_cubic(k - 1, k, 100), 99.6, 1e-9);
    EXPECT_NEAR(Cubic::w_cubic(k + 1, k, 100), 100.4, 1e-9);
}

TEST(Cubic, LossReducesToBetaTimesFlightSize) {
    Cubic c = after_loss_at_100_segments();
    EXPECT_EQ(c.ssthresh(), 70 * kMss);
    EXPECT_EQ(c.cwnd(), 70 * kMss);
    EXPECT_DOUBLE_EQ(c.w_max(), 100);
    EXPECT_FALSE(c.in_slow_start());
}

TEST(Cubic, LossUsesFlightSizeForSsthresh) {
    // RFC 9438 Figure 5: ssthresh = flight_size * β_cubic; W_max still from cwnd.
    Cubic c(kMss, 100);
    c.on_congestion_event(50 * kMss);
    EXPECT_EQ(c.ssthresh(), 35 * kMss);
    EXPECT_DOUBLE_EQ(c.w_max(), 100);
}

TEST(Cubic, SsthreshIsAtLeastTwoSegments) {
    Cubic c(kMss, 10);
    c.on_congestion_event(kMss);
    EXPECT_EQ(c.ssthresh(), 2 * kMss);
    EXPECT_EQ(c.cwnd(), 2 * kMss);
}

TEST(Cubic, FastConvergenceLowersWmaxWhenBelowThePreviousOne) {
    Cubic c = after_loss_at_100_segments();  // W_max = 100, cwnd = 70
    c.on_congestion_event(70 * kMss);        // a second loss at cwnd 70 < W_max
    // RFC 9438 §4.7: W_max = cwnd * (1 + β) / 2 = 70 * 0.85.
    EXPECT_NEAR(c.w_max(), 59.5, 1e-9);
    EXPECT_EQ(c.cwnd(), 49 * kMss);
}

TEST(Cubic, WithoutFastConvergenceWmaxIsCwnd) {
    Cubic c(kMss, 100, /*fast_convergence=*/false);
    c.on_congestion_event(100 * kMss);
    c.on_congestion_event(70 * kMss);
    EXPECT_DOUBLE_EQ(c.w_max(), 70);
}

TEST(Cubic, LossAboveThePreviousWmaxSetsWmaxToCwnd) {
    Cubic c = after_loss_at_100_segments();
    drive(c, 0, 8, 0.1);  // well into the convex region
    ASSERT_GT(segments(c.cwnd()), 100);
    const double cwnd = segments(c.cwnd());
    c.on_congestion_event(c.cwnd());
    EXPECT_DOUBLE_EQ(c.w_max(), cwnd);
}

TEST(Cubic, EpochStartsAtTheFirstAvoidanceAckWithKFromWmax) {
    Cubic c = after_loss_at_100_segments();
    EXPECT_FALSE(c.epoch_started());
    c.on_ack(kMss, at(3.0), Duration::millis(100), true);
    EXPECT_TRUE(c.epoch_started());
    EXPECT_EQ(c.epoch_start(), at(3.0));
    EXPECT_NEAR(c.k(), 4.2172, 1e-4);
}

TEST(Cubic, WindowFollowsTheRfcCurve) {
    // With one window acknowledged per RTT the window set at t - RTT toward W_cubic(t) has been
    // reached by t, so cwnd(t) tracks W_cubic(t) of Figure 1 through the concave region, the
    // plateau at K and the convex region.
    Cubic c = after_loss_at_1000_segments();
    const double rtt = 0.1;
    c.on_ack(kMss, at(0), Duration::millis(100), true);  // starts the epoch at t = 0
    const double k = c.k();
    ASSERT_NEAR(k, std::cbrt(1000 * 0.3 / 0.4), 1e-9);
    double t = 0;
    for (const double check : {0.5, 1.0, 2.0, 4.0, 6.0, 8.0, k, 10.0, 11.0, 12.0}) {
        t = drive(c, t, check, rtt, 20);
        const double expected = Cubic::w_cubic(t, k, 1000);
        EXPECT_NEAR(segments(c.cwnd()), expected, 0.01 * expected) << "t = " << t;
    }
}

TEST(Cubic, RenoFriendlyWindowTakesOverWhenTheCurveFallsBehind) {
    // At W_max = 100 and a 100 ms RTT, W_est (α_cubic per RTT, then 1 per RTT past cwnd_prior)
    // overtakes W_cubic after about 6 s: from then on cwnd grows one segment per RTT.
    Cubic c = after_loss_at_100_segments();
    c.on_ack(kMss, at(0), Duration::millis(100), true);
    double t = drive(c, 0, 7.0, 0.1);
    EXPECT_GT(segments(c.cwnd()), Cubic::w_cubic(t, c.k(), 100) + 2);
    const double before = segments(c.cwnd());
    t = drive(c, t, 8.0, 0.1);
    EXPECT_NEAR(segments(c.cwnd()) - before, 10, 1.0);
}

TEST(Cubic, ConcaveGrowthSlowsTowardWmaxAndConvexGrowthSpeedsUp) {
    Cubic c = after_loss_at_1000_segments();  // K = 9.09 s
    c.on_ack(kMss, at(0), Duration::millis(100), true);
    double t = 0;
    double last = segments(c.cwnd());
    double last_gain = 1e9;
    // Concave: each second gains less than the one before, and cwnd stays below W_max.
    for (int s = 1; s <= 8; ++s) {
        t = drive(c, t, s, 0.1);
        const double now = segments(c.cwnd());
        EXPECT_LT(now - last, last_gain) << "second " << s;
        EXPECT_LT(now, 1000.0);
        last_gain = now - last;
        last = now;
    }
    // Convex: past K each second gains more than the one before.
    t = drive(c, t, 10, 0.1);
    last = segments(c.cwnd());
    last_gain = 0;
    for (int s = 11; s <= 14; ++s) {
        t = drive(c, t, s, 0.1);
        const double now = segments(c.cwnd());
        EXPECT_GT(now - last, last_gain) << "second " << s;
        last_gain = now - last;
        last = now;
    }
    EXPECT_GT(last, 1000.0);
}

TEST(Cubic, TargetIsCappedAtOneAndAHalfWindowsPerRtt) {
    Cubic c(kMss, 10);
    c.on_congestion_event(10 * kMss);  // W_max = 10, cwnd = 7
    c.on_ack(kMss, at(0), Duration::millis(100), true);
    // Far out on the convex side W_cubic(t) is huge; growth is still at most 50% per RTT.
    const std::uint32_t before = c.cwnd();
    for (std::uint32_t acked = 0; acked < before; acked += kMss) {
        c.on_ack(kMss, at(100.0), Duration::millis(100), true);
    }
    EXPECT_LE(c.cwnd(), before + before / 2 + kMss);
    EXPECT_GT(c.cwnd(), before + before / 4);
}

TEST(Cubic, RenoFriendlyRegionAtSmallRtt) {
    // RFC 9438 §4.3: at a 1 ms RTT the cubic curve barely moves, so cwnd follows W_est: α_cubic
    // segments per RTT until W_est reaches cwnd_prior, then one segment per RTT (Reno).
    Cubic c(kMss, 10);
    c.on_congestion_event(10 * kMss);  // cwnd 7, W_max = cwnd_prior = 10
    const double rtt = 0.001;
    c.on_ack(1, at(0), Duration::micros(1000), true);
    double t = drive(c, 0, 5 * rtt, rtt);
    // Five RTTs at α = 0.53: about 2.6 segments.
    EXPECT_NEAR(segments(c.cwnd()) - 7, 5 * Cubic::kAlpha, 0.4);
    t = drive(c, t, 50 * rtt, rtt);
    const double before = segments(c.cwnd());
    t = drive(c, t, 60 * rtt, rtt);
    // Ten RTTs at α = 1: ten segments.
    EXPECT_NEAR(segments(c.cwnd()) - before, 10, 1.0);
    // And far above what the cubic curve alone would give.
    EXPECT_GT(segments(c.cwnd()), Cubic::w_cubic(t, c.k(), c.w_max()) + 20);
}

TEST(Cubic, SlowStartIsRenosWithAbc) {
    Cubic c(kMss, 10);
    EXPECT_TRUE(c.in_slow_start());
    c.on_ack(kMss, at(0.1), Duration::millis(100), true);
    EXPECT_EQ(c.cwnd(), 11 * kMss);
    c.on_ack(4 * kMss, at(0.2), Duration::millis(100), true);
    EXPECT_EQ(c.cwnd(), 13 * kMss);
    EXPECT_FALSE(c.epoch_started());
}

TEST(Cubic, TimeoutCollapsesToOneSegmentWithBetaSsthresh) {
    Cubic c(kMss, 100);
    c.on_rto(100 * kMss, true);
    EXPECT_EQ(c.cwnd(), kMss);
    EXPECT_EQ(c.ssthresh(), 70 * kMss);
    c.on_rto(100 * kMss, false);  // the same segment timed out again
    EXPECT_EQ(c.ssthresh(), 70 * kMss);
}

TEST(Cubic, FirstEpochAfterTimeoutHasKZeroAndWmaxAtCwndEpoch) {
    Cubic c(kMss, 100);
    c.on_rto(20 * kMss, true);  // ssthresh = 14 segments
    double t = 0;
    while (c.in_slow_start()) {
        t += 0.01;
        c.on_ack(2 * kMss, at(t), Duration::millis(50), true);
    }
    t += 0.01;
    c.on_ack(kMss, at(t), Duration::millis(50), true);
    ASSERT_TRUE(c.epoch_started());
    // RFC 9438 §4.8: K = 0, W_max = the cwnd at the start of the stage.
    EXPECT_DOUBLE_EQ(c.k(), 0.0);
    EXPECT_NEAR(c.w_max(), 14.0, 1e-9);
}

TEST(Cubic, ApplicationLimitedTimeIsLeftOutOfT) {
    // RFC 9438 §5.8: no growth while application-limited, and t excludes that time.
    Cubic steady = after_loss_at_100_segments();
    Cubic paused = after_loss_at_100_segments();
    steady.on_ack(kMss, at(0), Duration::millis(100), true);
    paused.on_ack(kMss, at(0), Duration::millis(100), true);
    drive(steady, 0, 1.0, 0.1);
    drive(paused, 0, 1.0, 0.1);
    ASSERT_EQ(steady.cwnd(), paused.cwnd());
    const std::uint32_t frozen = paused.cwnd();
    for (int i = 1; i <= 20; ++i) {
        paused.on_ack(kMss, at(1.0 + 0.1 * i), Duration::millis(100), false);
    }
    EXPECT_EQ(paused.cwnd(), frozen);
    EXPECT_EQ(paused.epoch_start(), at(2.0));
    drive(steady, 1.0, 2.0, 0.1);
    drive(paused, 3.0, 4.0, 0.1);
    EXPECT_EQ(paused.cwnd(), steady.cwnd());
}

TEST(Cubic, RecoveryExitCapsAtFlightPlusOneSegment) {
    Cubic c = after_loss_at_100_segments();
    c.on_recovery_exit(10 * kMss);
    EXPECT_EQ(c.cwnd(), 11 * kMss);
    c.on_congestion_event(10 * kMss);
    c.on_recovery_exit(100 * kMss);
    EXPECT_EQ(c.cwnd(), c.ssthresh());
}

TEST(Cubic, UndoRestoresTheStateBeforeASpuriousReduction) {
    Cubic c = after_loss_at_100_segments();
    c.on_ack(kMss, at(0), Duration::millis(100), true);
    drive(c, 0, 2.0, 0.1);
    const std::uint32_t cwnd = c.cwnd();
    const double k = c.k();
    c.on_congestion_event(c.cwnd());
    ASSERT_LT(c.cwnd(), cwnd);
    c.undo();
    // RFC 9438 §4.9.
    EXPECT_EQ(c.cwnd(), cwnd);
    EXPECT_EQ(c.ssthresh(), 70 * kMss);
    EXPECT_DOUBLE_EQ(c.w_max(), 100);
    EXPECT_DOUBLE_EQ(c.k(), k);
    EXPECT_TRUE(c.epoch_started());
    c.undo();  // only once
    EXPECT_EQ(c.cwnd(), cwnd);
}

TEST(Cubic, NoUndoAfterATimeout) {
    Cubic c(kMss, 100);
    c.on_rto(100 * kMss, true);
    c.undo();
    EXPECT_EQ(c.cwnd(), kMss);
}

TEST(Cubic, IdleRestartFallsBackToTheInitialWindowAndEndsTheEpoch) {
    Cubic c = after_loss_at_100_segments();
    c.on_ack(kMss, at(0), Duration::millis(100), true);
    ASSERT_TRUE(c.epoch_started());
    const std::uint32_t before = c.cwnd();
    ASSERT_LT(before, 100 * kMss);
    c.on_idle_restart();
    EXPECT_EQ(c.cwnd(), before);  // below this sender's IW of 100 segments: kept
    EXPECT_FALSE(c.epoch_started());
    Cubic small(kMss, 10);
    small.on_ack(4 * kMss, at(0), Duration::millis(100), true);
    small.on_idle_restart();
    EXPECT_EQ(small.cwnd(), 10 * kMss);
}

TEST(Cubic, IsDeterministic) {
    Cubic a = after_loss_at_100_segments();
    Cubic b = after_loss_at_100_segments();
    a.on_ack(kMss, at(0), Duration::millis(37), true);
    b.on_ack(kMss, at(0), Duration::millis(37), true);
    drive(a, 0, 9.3, 0.037, 7);
    drive(b, 0, 9.3, 0.037, 7);
    EXPECT_EQ(a.cwnd(), b.cwnd());
}

}  // namespace
}  // namespace ustack::tcp
