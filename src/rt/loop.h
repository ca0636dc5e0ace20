// Loop: the one place that reads a clock — drives Pollables to their deadlines and runs app timers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>

#include "base/pollable.h"
#include "base/time.h"
#include "rt/timer_queue.h"

namespace ustack::rt {

// Why the last run_until() returned.
enum class StopReason : std::uint8_t {
    Done,       // the predicate became true
    Limit,      // the clock reached the limit
    Idle,       // no deadline left and no limit: nothing can ever happen
    Livelock,   // too many steps at one instant (something keeps asking to be polled now)
    Reentered,  // run_until() was called from inside a step (a callback); loops do not nest
};

// A loop owns the clock (virtual in SimLoop, steady in RealLoop). Each step it finds the earliest
// deadline among its Pollables' poll_at() and its timers, waits for it (SimLoop: jumps to it),
// polls the Pollables that are due in the order they were added, then runs the due timers in
// deadline order (ties: the order call_at() was called). Timer callbacks run from the loop only,
// never inside protocol processing; they may add, remove, call_at and cancel. The timers and
// run_until()'s driving are the same for every clock and live here; a loop supplies step().
class Loop {
  public:
    virtual ~Loop() = default;

    virtual Instant now() const = 0;

    // The loop does not own what it polls; remove() before destroying it. Adding twice is a no-op.
    virtual void add(Pollable& pollable) = 0;
    virtual void remove(Pollable& pollable) = 0;

    // For a RealLoop: also poll `owner` as soon as `fd` is readable (a Tun device's fd()).
    // A loop that cannot wait on descriptors (SimLoop) returns false.
    virtual bool watch_fd(int fd, Pollable& owner) = 0;
    virtual void unwatch_fd(int fd) = 0;

    // Run `callback` once, from the loop, at `when` (or at the next step when `when` has passed).
    TimerId call_at(Instant when, TimerCallback callback) {
        return timers_.add(when, std::move(callback));
    }
    TimerId call_after(Duration delay, TimerCallback callback) {
        return call_at(now() + delay, std::move(callback));
    }
    // False when the timer has already run, was cancelled, or never existed.
    bool cancel(TimerId id) { return timers_.cancel(id); }
    std::size_t pending_timers() const { return timers_.size(); }

    // Step until done() is true (checked before every step and after it), or until the next
    // deadline lies beyond `limit` — then the clock stands at `limit` — or the loop cannot go on.
    // Deadlines at exactly `limit` are served. True only when done() became true.
    bool run_until(const std::function<bool()>& done, Instant limit);
    void run_for(Duration duration) {
        run_until([] { return false; }, now() + duration);
    }
    StopReason stop_reason() const { return stop_reason_; }

  protected:
    // One step toward `limit` (the clock's own part of the loop); false, after stop(), when the
    // loop cannot go on.
    virtual bool step(Instant limit) = 0;
    // Called as each run_until() begins.
    virtual void begin_run() {}
    // Records why the loop stops; returns false for step() to return.
    bool stop(StopReason reason) {
        stop_reason_ = reason;
        return false;
    }
    TimerQueue& timers() { return timers_; }
    const TimerQueue& timers() const { return timers_; }

  private:
    TimerQueue timers_;
    StopReason stop_reason_ = StopReason::Done;
    bool running_ = false;
};

}  // namespace ustack::rt
