// Deadline: timers as data.
#include "tcp/timer.h"

#include <gtest/gtest.h>

namespace ustack::tcp {
namespace {

constexpr Instant at_ms(std::int64_t ms) {
    return Instant::from_micros(ms * 1000);
}

TEST(Deadline, StartsDisarmedAndNeverExpires) {
    Deadline d;
    EXPECT_FALSE(d.armed());
    EXPECT_FALSE(d.expired(Instant::never()));
    EXPECT_EQ(d.at(), Instant::never());
}

TEST(Deadline, ExpiresExactlyAtItsInstant) {
    Deadline d;
    d.arm_after(at_ms(10), Duration::millis(5));
    EXPECT_TRUE(d.armed());
    EXPECT_EQ(d.at(), at_ms(15));
    EXPECT_FALSE(d.expired(at_ms(15) - Duration::micros(1)));
    EXPECT_TRUE(d.expired(at_ms(15)));
    d.disarm();
    EXPECT_FALSE(d.expired(at_ms(20)));
}

TEST(Deadline, ArmIfDisarmedLeavesARunningTimerAlone) {
    Deadline d;
    d.arm_if_disarmed(at_ms(5));
    d.arm_if_disarmed(at_ms(9));
    EXPECT_EQ(d.at(), at_ms(5));
    d.arm(at_ms(9));
    EXPECT_EQ(d.at(), at_ms(9));
}

TEST(Deadline, EarliestTreatsDisarmedAsNever) {
    Deadline a, b;
    b.arm(at_ms(3));
    EXPECT_EQ(earliest(a.at(), b.at()), at_ms(3));
    EXPECT_EQ(earliest(a.at(), Instant::never()), Instant::never());
}

}  // namespace
}  // namespace ustack::tcp
