// TimerQueue: a loop's call_at() timers, run in deadline order (ties in the order they were set).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/time.h"

namespace ustack::rt {

// Names one call_at() timer. Ids are never reused within a loop; the default id names no timer.
struct TimerId {
    std::uint64_t value = 0;
    constexpr bool valid() const { return value != 0; }
    constexpr bool operator==(const TimerId&) const = default;
};

// Application timers get the loop's time as they run.
using TimerCallback = std::function<void(Instant now)>;

// Every Loop holds one. A callback may set and cancel timers while it runs: a
// timer set then waits for the next run_due(), and a cancelled one that was also due is skipped.
class TimerQueue {
  public:
    TimerId add(Instant when, TimerCallback callback);
    // False when the timer has already run, was cancelled, or never existed.
    bool cancel(TimerId id);
    // The earliest deadline (Instant::never() when no timer is set).
    Instant earliest() const {
        return timers_.empty() ? Instant::never() : timers_.begin()->first.first;
    }
    std::size_t size() const { return timers_.size(); }
    // Runs every timer due at `now`, each once, with `now`. (Most steps have none due.)
    void run_due(Instant now) {
        if (earliest() <= now) run_due_slow(now);
    }

  private:
    void run_due_slow(Instant now);

    // Keyed by (deadline, id): ids grow, so ties run in add() order.
    std::map<std::pair<Instant, std::uint64_t>, TimerCallback> timers_;
    // Every timer not yet run or cancelled, including those taken out of timers_ to run.
    std::unordered_map<std::uint64_t, Instant> deadlines_;
    std::vector<std::pair<std::uint64_t, TimerCallback>> due_;  // run_due()'s scratch
    std::uint64_t next_id_ = 1;
};

}  // namespace ustack::rt
