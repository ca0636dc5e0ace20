#include "rt/timer_queue.h"

#include <gtest/gtest.h>

#include <vector>

namespace ustack::rt {
namespace {

Instant at_ms(std::int64_t ms) {
    return Instant::from_micros(ms * 1000);
}

TEST(TimerQueue, EmptyHasNoDeadline) {
    TimerQueue q;
    EXPECT_EQ(q.earliest(), Instant::never());
    EXPECT_EQ(q.size(), 0u);
    q.run_due(at_ms(1000));  // nothing to run, nothing breaks
}

TEST(TimerQueue, RunsDueTimersInDeadlineOrderAndTiesInAddOrder) {
    TimerQueue q;
    std::vector<int> ran;
    q.add(at_ms(30), [&](Instant) { ran.push_back(3); });
    q.add(at_ms(10), [&](Instant) { ran.push_back(1); });
    q.add(at_ms(20), [&](Instant) { ran.push_back(2); });
    q.add(at_ms(10), [&](Instant) { ran.push_back(11); });
    EXPECT_EQ(q.earliest(), at_ms(10));
    EXPECT_EQ(q.size(), 4u);
    q.run_due(at_ms(20));
    EXPECT_EQ(ran, (std::vector<int>{1, 11, 2}));
    EXPECT_EQ(q.earliest(), at_ms(30));
    EXPECT_EQ(q.size(), 1u);
}

TEST(TimerQueue, ACallbackGetsTheTimeItRunsAtNotItsDeadline) {
    TimerQueue q;
    Instant seen = Instant::never();
    q.add(at_ms(5), [&](Instant now) { seen = now; });
    q.run_due(at_ms(7));
    EXPECT_EQ(seen, at_ms(7));
}

TEST(TimerQueue, CancelWorksOnceAndOnlyBeforeTheTimerRan) {
    TimerQueue q;
    int runs = 0;
    const TimerId a = q.add(at_ms(1), [&](Instant) { ++runs; });
    const TimerId b = q.add(at_ms(2), [&](Instant) { ++runs; });
    EXPECT_TRUE(q.cancel(b));
    EXPECT_FALSE(q.cancel(b));
    q.run_due(at_ms(5));
    EXPECT_EQ(runs, 1);
    EXPECT_FALSE(q.cancel(a));          // it has run
    EXPECT_FALSE(q.cancel(TimerId{}));  // names no timer
    EXPECT_EQ(q.earliest(), Instant::never());
}

TEST(TimerQueue, ACallbackCanCancelATimerDueInTheSameRun) {
    TimerQueue q;
    int second_runs = 0;
    TimerId second{};
    q.add(at_ms(1), [&](Instant) { EXPECT_TRUE(q.cancel(second)); });
    second = q.add(at_ms(1), [&](Instant) { ++second_runs; });
    q.run_due(at_ms(1));
    EXPECT_EQ(second_runs, 0);
    EXPECT_EQ(q.size(), 0u);
}

TEST(TimerQueue, ATimerAddedByACallbackWaitsForTheNextRunEvenWhenDue) {
    TimerQueue q;
    int inner_runs = 0;
    q.add(at_ms(1), [&](Instant now) { q.add(now, [&](Instant) { ++inner_runs; }); });
    q.run_due(at_ms(1));
    EXPECT_EQ(inner_runs, 0);
    EXPECT_EQ(q.earliest(), at_ms(1));
    q.run_due(at_ms(1));
    EXPECT_EQ(inner_runs, 1);
}

TEST(TimerQueue, IdsAreNeverReused) {
    TimerQueue q;
    const TimerId a = q.add(at_ms(1), [](Instant) {});
    q.run_due(at_ms(1));
    const TimerId b = q.add(at_ms(1), [](Instant) {});
    EXPECT_TRUE(a.valid());
    EXPECT_TRUE(b.valid());
    EXPECT_NE(a, b);
}

}  // namespace
}  // namespace ustack::rt
