// RealLoop: a Loop on the steady clock that waits in epoll for readable descriptors (a Tun
// device's fd) and for the earliest deadline of its Pollables and timers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/pollable.h"
#include "base/time.h"
#include "rt/loop.h"

namespace ustack::rt {

struct RealLoopConfig {
    // Consecutive steps that find something due at once (a Pollable whose poll_at() stays at or
    // before now, or a timer re-armed in the past) with no descriptor becoming readable and no
    // wait in between, before run_until() gives up with StopReason::Livelock.
    std::uint64_t max_busy_steps = 1'000'000;
};

// Time: Instant is the steady clock (CLOCK_MONOTONIC) in microseconds since an arbitrary origin
// (boot), so two RealLoops in one process agree on it. now() is the time read at the start of
// the current step and after every wait; it never goes backwards.
//
// Waiting: epoll_pwait2 with a nanosecond timeout, so a deadline 300 µs away is waited for as
// 300 µs. Where the kernel lacks epoll_pwait2 (before Linux 5.11: ENOSYS) the loop falls back to
// epoll_wait and rounds the wait *up* to whole milliseconds (never early, up to 1 ms late);
// uses_epoll_pwait2() says which.
//
// Each step: read the clock; wait (without blocking when something is due) until the earliest
// deadline, the limit, or a watched descriptor becoming readable; then poll, in the order they
// were added, the Pollables that are due or whose descriptor is readable (an fd owner that was
// never add()ed is polled after them), then run the due timers in deadline order. Descriptors
// are level-triggered: an owner that leaves data unread is polled again at the next step.
//
// run_until() has SimLoop's semantics: done() is checked before and after every step; Limit when
// the next deadline lies beyond `limit` and the clock has reached it (deadlines at exactly
// `limit` are served); Idle when nothing can ever happen (no deadline, no limit and no watched
// descriptor); Livelock (see RealLoopConfig); Reentered when called from a callback.
// No thread is created and no signal is touched.
class RealLoop : public Loop {
  public:
    RealLoop() : RealLoop(RealLoopConfig{}) {}
    explicit RealLoop(const RealLoopConfig& config);
    RealLoop(const RealLoop&) = delete;
    RealLoop& operator=(const RealLoop&) = delete;
    ~RealLoop() override;

    // The steady clock now, in the loop's units (for callers outside a step).
    static Instant clock_now();

    Instant now() const override { return now_; }
    void add(Pollable& pollable) override;
    void remove(Pollable& pollable) override;
    bool watch_fd(int fd, Pollable& owner) override;
    void unwatch_fd(int fd) override;

    // The earliest deadline among the pollables and timers (Instant::never() when none).
    Instant next_deadline() const;
    std::uint64_t steps() const { return steps_; }
    // Waits that blocked (a timeout > 0 was given to the kernel) and descriptor wake-ups.
    std::uint64_t waits() const { return waits_; }
    std::uint64_t fd_wakeups() const { return fd_wakeups_; }
    bool uses_epoll_pwait2() const { return pwait2_; }
    // False when epoll_create1 failed (descriptor limit): watch_fd() then fails, timers still run.
    bool valid() const { return epoll_fd_ >= 0; }

  protected:
    bool step(Instant limit) override;
    void begin_run() override { busy_steps_ = 0; }

  private:
    struct Watch {
        int fd = -1;
        Pollable* owner = nullptr;
        bool ready = false;  // readable at the last wait
    };

    // Waits up to `timeout` (zero: just looks) for watched descriptors; marks the ready ones.
    void wait(Duration timeout);

    RealLoopConfig config_;
    int epoll_fd_ = -1;
    bool pwait2_ = true;  // cleared on the first ENOSYS
    Instant now_;
    std::vector<Pollable*> pollables_;  // registration order; nullptr until compacted
    bool compact_ = false;
    std::vector<Watch> watches_;  // a handful: linear search
    std::vector<Pollable*> to_poll_;
    std::uint64_t steps_ = 0;
    std::uint64_t busy_steps_ = 0;
    std::uint64_t waits_ = 0;
    std::uint64_t fd_wakeups_ = 0;
};

}  // namespace ustack::rt
