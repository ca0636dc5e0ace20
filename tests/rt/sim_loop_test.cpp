#include "rt/sim_loop.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/pollable.h"

namespace ustack::rt {
namespace {

Instant at_s(std::int64_t s) {
    return Instant::from_micros(0) + Duration::seconds(s);
}
Instant at_ms(std::int64_t ms) {
    return Instant::from_micros(0) + Duration::millis(ms);
}

// A Pollable with a list of deadlines; records when it was polled.
class Deadlines : public Pollable {
  public:
    Deadlines(std::string name, std::vector<Instant> deadlines, std::vector<std::string>* log)
        : name_(std::move(name)), deadlines_(std::move(deadlines)), log_(log) {}
    Instant poll_at() const override {
        return next_ < deadlines_.size() ? deadlines_[next_] : Instant::never();
    }
    void poll(Instant now) override {
        polled_at.push_back(now);
        if (log_ != nullptr) log_->push_back(name_);
        while (next_ < deadlines_.size() && deadlines_[next_] <= now)
            ++next_;
    }
    std::vector<Instant> polled_at;

  private:
    std::string name_;
    std::vector<Instant> deadlines_;
    std::size_t next_ = 0;
    std::vector<std::string>* log_;
};

TEST(SimLoop, JumpsVirtualTimeStraightToA120SecondTimer) {
    SimLoop loop;
    Instant fired_at = Instant::never();
    loop.call_after(Duration::seconds(120), [&](Instant now) { fired_at = now; });
    EXPECT_TRUE(loop.run_until([&] { return fired_at != Instant::never(); }, Instant::never()));
    EXPECT_EQ(fired_at, at_s(120));
    EXPECT_EQ(loop.now(), at_s(120));
    EXPECT_EQ(loop.steps(), 1u);  // one jump, no ticking through the two minutes
}

TEST(SimLoop, TimersFireInDeadlineOrderAndTiesInCallOrder) {
    SimLoop loop;
    std::vector<std::string> fired;
    loop.call_at(at_ms(30), [&](Instant) { fired.push_back("c30"); });
    loop.call_at(at_ms(10), [&](Instant) { fired.push_back("a10"); });
    loop.call_at(at_ms(20), [&](Instant) { fired.push_back("b20-first"); });
    loop.call_at(at_ms(20), [&](Instant) { fired.push_back("b20-second"); });
    loop.run_for(Duration::seconds(1));
    EXPECT_EQ(fired, (std::vector<std::string>{"a10", "b20-first", "b20-second", "c30"}));
    EXPECT_EQ(loop.pending_timers(), 0u);
}

TEST(SimLoop, CancelledTimersDoNotFire) {
    SimLoop loop;
    std::vector<std::string> fired;
    TimerId early = loop.call_at(at_ms(5), [&](Instant) { fired.push_back("early"); });
    TimerId same_instant = loop.call_at(at_ms(10), [&](Instant) { fired.push_back("second"); });
    loop.call_at(at_ms(10), [&](Instant) { fired.push_back("x"); });
    loop.call_at(at_ms(7), [&](Instant) { EXPECT_TRUE(loop.cancel(same_instant)); });
    EXPECT_TRUE(loop.cancel(early));
    EXPECT_FALSE(loop.cancel(early));
    EXPECT_FALSE(loop.cancel(TimerId{}));
    loop.run_for(Duration::millis(100));
    EXPECT_EQ(fired, std::vector<std::string>{"x"});
    EXPECT_FALSE(loop.cancel(same_instant));
}

TEST(SimLoop, ATimerCanCancelAnotherDueAtTheSameInstant) {
    SimLoop loop;
    bool second_ran = false;
    TimerId second;
    loop.call_at(at_ms(10), [&](Instant) { EXPECT_TRUE(loop.cancel(second)); });
    second = loop.call_at(at_ms(10), [&](Instant) { second_ran = true; });
    loop.run_for(Duration::millis(20));
    EXPECT_FALSE(second_ran);
}

TEST(SimLoop, RunUntilStopsAtTheLimit) {
    SimLoop loop;
    int ticks = 0;
    std::function<void(Instant)> tick = [&](Instant now) {
        ++ticks;
        loop.call_at(now + Duration::seconds(1), tick);
    };
    loop.call_at(at_s(1), tick);
    EXPECT_FALSE(loop.run_until([] { return false; }, at_ms(10500)));
    EXPECT_EQ(loop.stop_reason(), StopReason::Limit);
    EXPECT_EQ(loop.now(), at_ms(10500));
    EXPECT_EQ(ticks, 10);
}

TEST(SimLoop, RunUntilServesDeadlinesAtExactlyTheLimit) {
    SimLoop loop;
    bool fired = false;
    loop.call_at(at_s(3), [&](Instant) { fired = true; });
    EXPECT_TRUE(loop.run_until([&] { return fired; }, at_s(3)));
    EXPECT_EQ(loop.stop_reason(), StopReason::Done);
}

TEST(SimLoop, RunUntilReturnsAsSoonAsThePredicateHolds) {
    SimLoop loop;
    int fired = 0;
    for (int i = 1; i <= 5; ++i)
        loop.call_at(at_s(i), [&](Instant) { ++fired; });
    EXPECT_TRUE(loop.run_until([&] { return fired == 2; }, at_s(100)));
    EXPECT_EQ(loop.now(), at_s(2));
    EXPECT_EQ(loop.pending_timers(), 3u);
    EXPECT_TRUE(loop.run_until([] { return true; }, at_s(100)));  // already true: no step
    EXPECT_EQ(loop.now(), at_s(2));
}

TEST(SimLoop, RunForMovesAnIdleClockByTheDuration) {
    SimLoop loop(SimLoopConfig{.start = at_s(7)});
    loop.run_for(Duration::millis(250));
    EXPECT_EQ(loop.now(), at_ms(7250));
    EXPECT_EQ(loop.steps(), 0u);
}

TEST(SimLoop, RunWithoutLimitOrDeadlinesReportsIdle) {
    SimLoop loop;
    EXPECT_FALSE(loop.run_until([] { return false; }, Instant::never()));
    EXPECT_EQ(loop.stop_reason(), StopReason::Idle);
    EXPECT_EQ(loop.now(), Instant::from_micros(0));
}

TEST(SimLoop, PollsPollablesAtTheirDeadlinesInRegistrationOrder) {
    SimLoop loop;
    std::vector<std::string> log;
    Deadlines b("b", {at_ms(10), at_ms(30)}, &log);
    Deadlines a("a", {at_ms(10), at_ms(20)}, &log);
    loop.add(b);
    loop.add(a);
    loop.add(b);  // a second add changes nothing
    loop.run_for(Duration::millis(100));
    EXPECT_EQ(log, (std::vector<std::string>{"b", "a", "a", "b"}));
    EXPECT_EQ(a.polled_at, (std::vector<Instant>{at_ms(10), at_ms(20)}));
    EXPECT_EQ(b.polled_at, (std::vector<Instant>{at_ms(10), at_ms(30)}));
}

TEST(SimLoop, PollablesAreServedBeforeTimersAtTheSameInstant) {
    SimLoop loop;
    std::vector<std::string> log;
    Deadlines p("poll", {at_ms(10)}, &log);
    loop.call_at(at_ms(10), [&](Instant) { log.push_back("timer"); });
    loop.add(p);
    loop.run_for(Duration::millis(20));
    EXPECT_EQ(log, (std::vector<std::string>{"poll", "timer"}));
}

TEST(SimLoop, RemovedPollableIsNotPolledAgain) {
    SimLoop loop;
    Deadlines p("p", {at_ms(10), at_ms(20)}, nullptr);
    loop.add(p);
    loop.call_at(at_ms(15), [&](Instant) { loop.remove(p); });
    loop.run_for(Duration::millis(100));
    EXPECT_EQ(p.polled_at, std::vector<Instant>{at_ms(10)});
}

class AlwaysNow : public Pollable {
  public:
    Instant poll_at() const override { return Instant::from_micros(0); }
    void poll(Instant) override { ++polls; }
    int polls = 0;
};

TEST(SimLoop, GivesUpWithLivelockWhenAPollableAlwaysAsksForNow) {
    SimLoop loop(SimLoopConfig{.max_steps_per_instant = 50});
    AlwaysNow spinner;
    loop.add(spinner);
    EXPECT_FALSE(loop.run_until([] { return false; }, at_s(10)));
    EXPECT_EQ(loop.stop_reason(), StopReason::Livelock);
    EXPECT_EQ(spinner.polls, 50);
    EXPECT_EQ(loop.now(), Instant::from_micros(0));
}

TEST(SimLoop, TimerForAPassedInstantRunsAtTheNextStepWithoutMovingTheClockBack) {
    SimLoop loop;
    loop.run_for(Duration::seconds(5));
    Instant ran_at = Instant::never();
    loop.call_at(at_s(1), [&](Instant now) { ran_at = now; });
    EXPECT_TRUE(loop.run_until([&] { return ran_at != Instant::never(); }, at_s(6)));
    EXPECT_EQ(ran_at, at_s(5));
}

TEST(SimLoop, RefusesToRunInsideItsOwnCallback) {
    SimLoop loop;
    bool inner_result = true;
    loop.call_at(at_s(1), [&](Instant) {
        inner_result = loop.run_until([] { return false; }, at_s(2));
        EXPECT_EQ(loop.stop_reason(), StopReason::Reentered);
    });
    loop.run_for(Duration::seconds(3));
    EXPECT_FALSE(inner_result);
    EXPECT_EQ(loop.now(), at_s(3));
}

TEST(SimLoop, TwoLoopsAreIndependent) {
    SimLoop first, second;
    int first_fired = 0, second_fired = 0;
    first.call_at(at_s(60), [&](Instant) { ++first_fired; });
    second.call_at(at_s(1), [&](Instant) { ++second_fired; });
    TimerId same_number = second.call_at(at_s(2), [&](Instant) { ++second_fired; });
    first.run_for(Duration::seconds(90));
    EXPECT_EQ(first_fired, 1);
    EXPECT_EQ(second_fired, 0);
    EXPECT_EQ(second.now(), Instant::from_micros(0));
    EXPECT_EQ(second.pending_timers(), 2u);
    // Ids are per loop: cancelling in one never touches the other's timers.
    EXPECT_FALSE(first.cancel(same_number));
    second.run_for(Duration::seconds(5));
    EXPECT_EQ(second_fired, 2);
    EXPECT_EQ(first.now(), at_s(90));
}

TEST(SimLoop, RefusesToWatchFileDescriptors) {
    SimLoop sim;
    Loop& loop = sim;
    AlwaysNow owner;
    EXPECT_FALSE(loop.watch_fd(3, owner));
}

}  // namespace
}  // namespace ustack::rt
