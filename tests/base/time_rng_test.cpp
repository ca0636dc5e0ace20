#include <limits>

#include <gtest/gtest.h>

#include "base/rng.h"
#include "base/time.h"

namespace ustack {
namespace {

TEST(Time, DurationUnitsAndArithmetic) {
    EXPECT_EQ(Duration::seconds(2).as_micros(), 2000000);
    EXPECT_EQ(Duration::millis(40).as_micros(), 40000);
    EXPECT_EQ((Duration::seconds(1) - Duration::millis(200)).as_millis(), 800);
    EXPECT_EQ((Duration::millis(200) * 2).as_millis(), 400);
    EXPECT_EQ((Duration::seconds(3) / 2).as_millis(), 1500);
    EXPECT_LT(Duration::millis(999), Duration::seconds(1));
}

TEST(Time, InstantPlusDurationAndDifference) {
    Instant t0 = Instant::from_micros(1000);
    Instant t1 = t0 + Duration::millis(5);
    EXPECT_EQ(t1.as_micros(), 6000);
    EXPECT_EQ((t1 - t0).as_micros(), 5000);
    EXPECT_LT(t1, Instant::never());
    EXPECT_EQ(t1 - Duration::millis(5), t0);
}

TEST(Time, ArithmeticSaturatesInsteadOfOverflowing) {
    EXPECT_EQ(Instant::never() + Duration::seconds(1), Instant::never());
    EXPECT_EQ(Instant::never() + Duration::seconds(1) - Duration::seconds(1),
              Instant::never() - Duration::seconds(1));
    Duration d = Duration::seconds(60);
    for (int i = 0; i < 100; ++i)
        d = d * 2;  // an unbounded back-off
    EXPECT_EQ(d.as_micros(), std::numeric_limits<std::int64_t>::max());
    EXPECT_EQ((Duration::seconds(-1) * std::numeric_limits<std::int64_t>::max()).as_micros(),
              std::numeric_limits<std::int64_t>::min());
    Instant t = Instant::from_micros(0);
    t += Duration::micros(std::numeric_limits<std::int64_t>::max());
    t += Duration::seconds(1);
    EXPECT_EQ(t, Instant::never());
}

TEST(Rng, SameSeedSameStream) {
    Rng a(42), b(42), c(43);
    for (int i = 0; i < 100; ++i)
        EXPECT_EQ(a.next_u64(), b.next_u64());
    Rng a2(42);
    bool differs = false;
    for (int i = 0; i < 10; ++i)
        differs |= a2.next_u64() != c.next_u64();
    EXPECT_TRUE(differs);
}

TEST(Rng, BelowStaysInRangeAndChanceFollowsProbability) {
    Rng r(7);
    int hits = 0;
    for (int i = 0; i < 10000; ++i) {
        EXPECT_LT(r.below(10), 10u);
        hits += r.chance(0.25);
    }
    EXPECT_NEAR(hits, 2500, 200);
    EXPECT_FALSE(Rng(1).chance(0.0));
}

}  // namespace
}  // namespace ustack
