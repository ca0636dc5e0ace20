// SimLoop: a Loop on a virtual clock that jumps straight to the next deadline and never sleeps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/pollable.h"
#include "base/time.h"
#include "rt/loop.h"

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

    // The earliest deadline among the pollables and timers (Instant::never() when none).
    Instant next_deadline() const;
    // Steps taken since construction (each a poll of the due pollables and timers).
    std::uint64_t steps() const { return steps_; }

  protected:
    // One step: jump to the next deadline if it is no later than `limit`, serve what is due.
    bool step(Instant limit) override;

  private:
    // next_deadline(), keeping each pollable's poll_at() in deadlines_ for the step's polls.
    Instant gather_deadlines();

    SimLoopConfig config_;
    Instant now_;
    // Registration order; removed entries become nullptr until the next step compacts them.
    std::vector<Pollable*> pollables_;
    bool compact_ = false;
    std::vector<Instant> deadlines_;  // step()'s scratch: pollables_[i]'s poll_at() at its start
    std::uint64_t steps_ = 0;
    std::uint64_t steps_at_now_ = 0;
};

}  // namespace ustack::rt
