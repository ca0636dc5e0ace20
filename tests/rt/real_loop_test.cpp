// RealLoop: steady clock and epoll. Waits here are real but short and bounded (a few ms); no test
// sleeps to synchronise — the loop itself is what waits.
#include "rt/real_loop.h"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

#include "base/pollable.h"

namespace ustack::rt {
namespace {

// Reads an eventfd when polled (or leaves it unread, to see level triggering).
class FdReader : public Pollable {
  public:
    explicit FdReader(int fd, bool drain = true) : fd_(fd), drain_(drain) {}
    Instant poll_at() const override { return Instant::never(); }
    void poll(Instant now) override {
        polls.push_back(now);
        if (!drain_) return;
        std::uint64_t v = 0;
        if (::read(fd_, &v, sizeof v) == sizeof v) total += v;
    }
    std::vector<Instant> polls;
    std::uint64_t total = 0;

  private:
    int fd_;
    bool drain_;
};

// Due at a fixed instant; records when it was polled.
class Deadline : public Pollable {
  public:
    explicit Deadline(Instant at) : at_(at) {}
    Instant poll_at() const override { return at_; }
    void poll(Instant now) override {
        polls.push_back(now);
        if (now >= at_) at_ = Instant::never();
    }
    std::vector<Instant> polls;

  private:
    Instant at_;
};

// Always asks to be polled now.
class Spinner : public Pollable {
  public:
    Instant poll_at() const override { return Instant::from_micros(0); }
    void poll(Instant) override { ++polls; }
    std::uint64_t polls = 0;
};

class EventFd {
  public:
    EventFd() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
    ~EventFd() { ::close(fd_); }
    int fd() const { return fd_; }
    void signal(std::uint64_t v = 1) const { ASSERT_EQ(::write(fd_, &v, sizeof v), 8); }

  private:
    int fd_;
};

TEST(RealLoop, ClockIsSteadyAndNowAdvancesWithSteps) {
    RealLoop loop;
    ASSERT_TRUE(loop.valid());
    const Instant t0 = loop.now();
    EXPECT_LE(t0, RealLoop::clock_now());
    loop.run_for(Duration::millis(2));
    EXPECT_EQ(loop.stop_reason(), StopReason::Limit);
    EXPECT_GE(loop.now() - t0, Duration::millis(2));
    EXPECT_LT(loop.now() - t0, Duration::seconds(2));
}

TEST(RealLoop, IdleWhenNothingCanHappen) {
    RealLoop loop;
    EXPECT_FALSE(loop.run_until([] { return false; }, Instant::never()));
    EXPECT_EQ(loop.stop_reason(), StopReason::Idle);
}

TEST(RealLoop, DoneIsCheckedBeforeTheFirstStep) {
    RealLoop loop;
    EXPECT_TRUE(loop.run_until([] { return true; }, Instant::never()));
    EXPECT_EQ(loop.stop_reason(), StopReason::Done);
    EXPECT_EQ(loop.steps(), 0u);
}

TEST(RealLoop, TimerRunsAtItsDeadlineNeverEarly) {
    RealLoop loop;
    const Instant deadline = loop.now() + Duration::micros(2500);
    std::optional<Instant> ran;
    loop.call_at(deadline, [&](Instant now) { ran = now; });
    ASSERT_TRUE(loop.run_until([&] { return ran.has_value(); }, deadline + Duration::seconds(2)));
    EXPECT_GE(*ran, deadline);
    EXPECT_GE(RealLoop::clock_now(), deadline);
    EXPECT_EQ(loop.pending_timers(), 0u);
    // It blocked in the kernel rather than spinning.
    EXPECT_GE(loop.waits(), 1u);
    EXPECT_LT(loop.steps(), 100u);
}

TEST(RealLoop, SubMillisecondWaitsUseEpollPwait2) {
    RealLoop loop;
    const Instant start = loop.now();
    std::optional<Instant> ran;
    loop.call_after(Duration::micros(300), [&](Instant now) { ran = now; });
    ASSERT_TRUE(loop.run_until([&] { return ran.has_value(); }, start + Duration::seconds(2)));
    EXPECT_GE(*ran - start, Duration::micros(300));
    // Linux >= 5.11 has epoll_pwait2 (this test documents which wait the machine uses).
    EXPECT_TRUE(loop.uses_epoll_pwait2());
}

TEST(RealLoop, TimersRunInDeadlineOrderThenCallOrder) {
    RealLoop loop;
    const Instant t = loop.now() + Duration::millis(1);
    std::vector<int> order;
    loop.call_at(t + Duration::micros(500), [&](Instant) { order.push_back(3); });
    loop.call_at(t, [&](Instant) { order.push_back(1); });
    loop.call_at(t, [&](Instant) { order.push_back(2); });
    loop.run_until([&] { return order.size() == 3; }, t + Duration::seconds(2));
    EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(RealLoop, CancelledTimerNeverRuns) {
    RealLoop loop;
    bool ran = false;
    const TimerId id = loop.call_after(Duration::millis(1), [&](Instant) { ran = true; });
    EXPECT_TRUE(loop.cancel(id));
    EXPECT_FALSE(loop.cancel(id));
    loop.run_for(Duration::millis(3));
    EXPECT_FALSE(ran);
}

TEST(RealLoop, PollableIsPolledWhenItsDeadlineComes) {
    RealLoop loop;
    const Instant deadline = loop.now() + Duration::millis(2);
    Deadline d(deadline);
    loop.add(d);
    const Instant limit = loop.now() + Duration::seconds(2);
    ASSERT_TRUE(loop.run_until([&] { return !d.polls.empty(); }, limit));
    ASSERT_EQ(d.polls.size(), 1u);
    EXPECT_GE(d.polls[0], deadline);
    EXPECT_EQ(d.poll_at(), Instant::never());
    loop.remove(d);
}

TEST(RealLoop, ReadableDescriptorWakesTheWaitAndPollsItsOwner) {
    RealLoop loop;
    EventFd efd;
    FdReader reader(efd.fd());
    ASSERT_TRUE(loop.watch_fd(efd.fd(), reader));
    // A timer signals the eventfd 1 ms in; the owner (never add()ed) is polled at once after.
    Instant signalled;
    loop.call_after(Duration::millis(1), [&](Instant now) {
        signalled = now;
        efd.signal(5);
    });
    ASSERT_TRUE(
        loop.run_until([&] { return reader.total == 5; }, loop.now() + Duration::seconds(2)));
    ASSERT_EQ(reader.polls.size(), 1u);
    EXPECT_GE(reader.polls[0], signalled);
    EXPECT_GE(loop.fd_wakeups(), 1u);
}

TEST(RealLoop, WatchedDescriptorKeepsAnOtherwiseIdleLoopWaiting) {
    // With a descriptor watched, "no deadline" is not Idle: the fd may wake us. The limit ends it.
    RealLoop loop;
    EventFd efd;
    FdReader reader(efd.fd());
    ASSERT_TRUE(loop.watch_fd(efd.fd(), reader));
    const Instant limit = loop.now() + Duration::millis(3);
    EXPECT_FALSE(loop.run_until([] { return false; }, limit));
    EXPECT_EQ(loop.stop_reason(), StopReason::Limit);
    EXPECT_GE(loop.now(), limit);
    EXPECT_TRUE(reader.polls.empty());
}

TEST(RealLoop, LevelTriggeredOwnerIsPolledAgainWhileDataStaysUnread) {
    RealLoop loop;
    EventFd efd;
    FdReader lazy(efd.fd(), /*drain=*/false);
    ASSERT_TRUE(loop.watch_fd(efd.fd(), lazy));
    efd.signal();
    loop.run_until([&] { return lazy.polls.size() >= 3; }, loop.now() + Duration::seconds(2));
    EXPECT_GE(lazy.polls.size(), 3u);
}

TEST(RealLoop, UnwatchedDescriptorNoLongerPolls) {
    RealLoop loop;
    EventFd efd;
    FdReader reader(efd.fd());
    ASSERT_TRUE(loop.watch_fd(efd.fd(), reader));
    loop.unwatch_fd(efd.fd());
    efd.signal();
    loop.run_for(Duration::millis(2));
    EXPECT_TRUE(reader.polls.empty());
}

TEST(RealLoop, OwnerThatIsAlsoAddedIsPolledOncePerStep) {
    RealLoop loop;
    EventFd efd;
    FdReader reader(efd.fd());
    loop.add(reader);
    ASSERT_TRUE(loop.watch_fd(efd.fd(), reader));
    efd.signal();
    ASSERT_TRUE(
        loop.run_until([&] { return reader.total == 1; }, loop.now() + Duration::seconds(2)));
    EXPECT_EQ(reader.polls.size(), 1u);
}

TEST(RealLoop, WatchFdRejectsABadDescriptor) {
    RealLoop loop;
    Spinner s;
    EXPECT_FALSE(loop.watch_fd(-1, s));
}

TEST(RealLoop, NestedRunUntilIsRefused) {
    RealLoop loop;
    std::optional<bool> inner;
    std::optional<StopReason> inner_reason;
    loop.call_after(Duration::micros(100), [&](Instant) {
        inner = loop.run_until([] { return true; }, Instant::never());
        inner_reason = loop.stop_reason();
    });
    ASSERT_TRUE(
        loop.run_until([&] { return inner.has_value(); }, loop.now() + Duration::seconds(2)));
    EXPECT_FALSE(*inner);
    EXPECT_EQ(*inner_reason, StopReason::Reentered);
    EXPECT_EQ(loop.stop_reason(), StopReason::Done);
}

TEST(RealLoop, PollableThatIsAlwaysDueIsALivelock) {
    RealLoop loop(RealLoopConfig{.max_busy_steps = 1000});
    Spinner s;
    loop.add(s);
    EXPECT_FALSE(loop.run_until([] { return false; }, loop.now() + Duration::seconds(5)));
    EXPECT_EQ(loop.stop_reason(), StopReason::Livelock);
    EXPECT_EQ(s.polls, 1000u);
    loop.remove(s);
}

TEST(RealLoop, RemovedPollableIsNotPolled) {
    RealLoop loop;
    Spinner s;
    loop.add(s);
    loop.remove(s);
    loop.run_for(Duration::millis(1));
    EXPECT_EQ(s.polls, 0u);
}

}  // namespace
}  // namespace ustack::rt
