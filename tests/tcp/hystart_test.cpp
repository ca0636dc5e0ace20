// HyStart++ (RFC 9406 §4.2): rounds, the RTT threshold, Conservative Slow Start and its exits,
// and the controller applying it to CUBIC and NewReno.
#include "tcp/hystart.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "tcp/congestion.h"

namespace ustack::tcp {
namespace {

using Phase = HyStart::Phase;
using wire::SeqNum;

constexpr std::uint32_t kMss = 1000;

// Feeds HyStart++ rounds of ACKs. A round's first ACK reaches the end of the one before (so it
// starts the round, RFC 9406 windowEnd) and SND.NXT is then the end of this round's ACKs.
struct Rounds {
    HyStart hs;
    std::uint32_t base = kMss;  // the first ACK of the next round
    HyStart::Verdict last;
    bool ended = false;

    // One round: `acks` ACKs of one segment each, every one with an RTT sample `rtt`.
    void round(std::uint32_t acks, Duration rtt) {
        const std::uint32_t end = base + acks * kMss;
        for (std::uint32_t i = 0; i < acks; ++i) {
            last = hs.on_ack(SeqNum(base + i * kMss), SeqNum(end), rtt);
            ended = ended || last.end_slow_start;
        }
        base = end;
    }
};

TEST(HyStart, FlatRttStaysInStandardSlowStart) {
    Rounds r;
    for (int i = 0; i < 10; ++i)
        r.round(16, Duration::millis(100));
    EXPECT_EQ(r.hs.phase(), Phase::SlowStart);
    EXPECT_EQ(r.last.growth_divisor, 1u);
    EXPECT_EQ(r.hs.last_round_min_rtt(), Duration::millis(100));
}

TEST(HyStart, RoundMinimumRisingByTheThresholdEntersCss) {
    // lastRoundMinRTT 100 ms: RttThresh = max(4, min(100 / 8, 16)) = 12.5 ms.
    Rounds below;
    below.round(16, Duration::millis(100));
    below.round(16, Duration::micros(112'400));
    EXPECT_EQ(below.hs.phase(), Phase::SlowStart);

    Rounds r;
    r.round(16, Duration::millis(100));
    r.round(16, Duration::micros(112'500));
    EXPECT_EQ(r.hs.phase(), Phase::Css);
    EXPECT_EQ(r.hs.css_baseline_min_rtt(), Duration::micros(112'500));
    EXPECT_EQ(r.last.growth_divisor, HyStart::kCssGrowthDivisor);
}

TEST(HyStart, ThresholdIsClampedToFourAndSixteenMilliseconds) {
    // 10 ms / 8 is below MIN_RTT_THRESH: 4 ms is needed.
    Rounds low;
    low.round(16, Duration::millis(10));
    low.round(16, Duration::micros(13'900));
    EXPECT_EQ(low.hs.phase(), Phase::SlowStart);
    low.round(16, Duration::millis(18));  // 18 >= 13.9 + 4
    EXPECT_EQ(low.hs.phase(), Phase::Css);
    // 300 ms / 8 = 37.5 ms is above MAX_RTT_THRESH: 16 ms suffices.
    Rounds high;
    high.round(16, Duration::millis(300));
    high.round(16, Duration::millis(316));
    EXPECT_EQ(high.hs.phase(), Phase::Css);
}

TEST(HyStart, FewerThanEightSamplesInARoundDecideNothing) {
    Rounds r;
    r.round(16, Duration::millis(100));
    r.round(HyStart::kNRttSample - 1, Duration::millis(200));
    EXPECT_EQ(r.hs.phase(), Phase::SlowStart);
}

TEST(HyStart, RttFallingBelowTheBaselineInCssResumesSlowStart) {
    Rounds r;
    r.round(16, Duration::millis(100));
    r.round(16, Duration::millis(120));
    ASSERT_EQ(r.hs.phase(), Phase::Css);
    r.round(16, Duration::millis(110));  // below the 120 ms baseline: the rise was spurious
    EXPECT_EQ(r.hs.phase(), Phase::SlowStart);
    EXPECT_EQ(r.last.growth_divisor, 1u);
}

TEST(HyStart, CssEndsSlowStartAfterFiveRounds) {
    Rounds r;
    r.round(16, Duration::millis(100));
    r.round(16, Duration::millis(120));
    ASSERT_EQ(r.hs.phase(), Phase::Css);
    for (std::uint32_t i = 1; i < HyStart::kCssRounds; ++i) {
        r.round(16, Duration::millis(125));
        ASSERT_EQ(r.hs.phase(), Phase::Css) << "round " << i;
        ASSERT_FALSE(r.ended);
    }
    r.round(16, Duration::millis(125));
    EXPECT_TRUE(r.ended);
    EXPECT_EQ(r.hs.phase(), Phase::Off);
}

TEST(HyStart, StopAndDisabledDoNothing) {
    HyStart off(false);
    EXPECT_EQ(off.phase(), Phase::Off);
    Rounds r;
    r.round(16, Duration::millis(100));
    r.hs.stop();
    r.round(16, Duration::millis(200));
    EXPECT_EQ(r.hs.phase(), Phase::Off);
    EXPECT_EQ(r.last.growth_divisor, 1u);
}

// The controller: CSS grows cwnd a quarter as fast, the exit sets ssthresh = cwnd, and a loss
// ends HyStart++ with the standard reduction.
struct Driven {
    CongestionController cc;
    std::uint32_t acked = 0;
    std::uint32_t next = 0;
    Instant now = Instant::from_micros(1'000'000);

    explicit Driven(CongestionControl kind, bool hystart = true) : cc(kind, kMss, 10, hystart) {}

    void round(Duration rtt) {
        const std::uint32_t n = cc.cwnd() / kMss;
        next = acked + cc.cwnd();
        for (std::uint32_t i = 0; i < n; ++i) {
            acked += kMss;
            now += Duration::millis(1);
            cc.on_ack(AckInfo{kMss, now, rtt, true, SeqNum(acked), SeqNum(next), rtt});
        }
    }
};

TEST(HyStart, ControllerGrowsAQuarterAsFastInCssThenLeavesSlowStart) {
    for (CongestionControl kind : {CongestionControl::Cubic, CongestionControl::NewReno}) {
        Driven d(kind);
        d.round(Duration::millis(100));
        d.round(Duration::millis(100));
        EXPECT_EQ(d.cc.cwnd(), 40 * kMss);  // standard slow start: doubling
        d.round(Duration::millis(120));
        ASSERT_EQ(d.cc.hystart().phase(), Phase::Css);
        const std::uint32_t before = d.cc.cwnd();
        d.round(Duration::millis(125));
        // A round of CSS: each ACK of one segment adds a quarter segment.
        EXPECT_EQ(d.cc.cwnd() - before, (before / kMss) * (kMss / 4));
        while (d.cc.in_slow_start() && d.cc.cwnd() < 10'000 * kMss)
            d.round(Duration::millis(125));
        EXPECT_EQ(d.cc.hystart().phase(), Phase::Off);
        EXPECT_FALSE(d.cc.in_slow_start());
        EXPECT_LT(d.cc.cwnd(), 1000 * kMss);  // a few rounds of 25% growth, not doubling
        EXPECT_LE(d.cc.ssthresh(), d.cc.cwnd());
    }
}

TEST(HyStart, WithoutItTheSameRisingRttKeepsDoubling) {
    Driven d(CongestionControl::Cubic, false);
    for (int i = 0; i < 4; ++i)
        d.round(Duration::millis(100 + 20 * i));
    EXPECT_EQ(d.cc.cwnd(), 160 * kMss);
    EXPECT_TRUE(d.cc.in_slow_start());
}

TEST(HyStart, LossEndsItWithTheStandardReduction) {
    Driven d(CongestionControl::Cubic);
    d.round(Duration::millis(100));
    d.round(Duration::millis(100));
    d.cc.on_congestion_event(d.cc.cwnd());
    EXPECT_EQ(d.cc.hystart().phase(), Phase::Off);
    EXPECT_EQ(d.cc.ssthresh(), static_cast<std::uint32_t>(40 * kMss * Cubic::kBeta));
}

}  // namespace
}  // namespace ustack::tcp
