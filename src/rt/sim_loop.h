// SimLoop: a Loop on a virtual clock that jumps straight to the next deadline and never sleeps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "base/pollable.h"
#include "base/time.h"
#include "rt/loop.h"
#include "rt/timer_queue.h"

namespace ustack::rt {

struct SimLoopConfig {
    Instant start = Instant::from_micros(0);
    // Steps allowed at one instant before run_until() gives up with StopReason::Livelock.
    std::uint64_t max_steps_per_instant = 10000;
};

// A two-minute wait costs a few steps of real time. Everything is in registration order, and
// nothing is random or global: two SimLoops in one process never see each other.
class SimLoop : public Loop {
  public:
    SimLoop() : SimLoop(SimLoopConfig{}) {}
    explicit SimLoop(const SimLoopConfig& config) : config_(config), now_(config.start) {}
    SimLoop(const SimLoop&) = delete;
    SimLoop& operator=(const SimLoop&) = delete;

    Instant now() const override { return now_; }
    void add(Pollable& pollable) override;
    void remove(Pollable& pollable) override;
    bool watch_fd(int, Pollable&) override { return false; }
    void unwatch_fd(int) override {}
    TimerId call_at(Instant when, TimerCallback callback) override;
    bool cancel(TimerId id) override;
    bool run_until(const std::function<bool()>& done, Instant limit) override;
    StopReason stop_reason() const override { return stop_reason_; }

    // The earliest deadline among the pollables and timers (Instant::never() when none).
    Instant next_deadline() const;
    // Steps taken since construction (each a poll of the due pollables and timers).
    std::uint64_t steps() const { return steps_; }
    std::size_t pending_timers() const { return timers_.size(); }

  private:
    // One step: jump to the next deadline if it is no later than `limit`, serve what is due.
    // Returns false (with stop_reason_ set) when it could not step.
    bool step(Instant limit);
    // next_deadline(), keeping each pollable's poll_at() in deadlines_ for the step's polls.
    Instant gather_deadlines();

    SimLoopConfig config_;
    Instant now_;
    // Registration order; removed entries become nullptr until the next step compacts them.
    std::vector<Pollable*> pollables_;
    bool compact_ = false;
    std::vector<Instant> deadlines_;  // step()'s scratch: pollables_[i]'s poll_at() at its start
    TimerQueue timers_;
    std::uint64_t steps_ = 0;
    std::uint64_t steps_at_now_ = 0;
    StopReason stop_reason_ = StopReason::Done;
    bool running_ = false;
};

}  // namespace ustack::rt
