// A TCP timer as data (an armed or disarmed deadline) for RFC 9293 §3.8 and RFC 6298 §5 timers.
#pragma once

#include <algorithm>

#include "base/time.h"

namespace ustack::tcp {

// A deadline the Connection stores and compares with `now`; nothing fires by itself.
// Disarmed is represented as Instant::never(), so at() can go straight into a poll_at() minimum.
class Deadline {
  public:
    constexpr Deadline() = default;

    constexpr void arm(Instant at) { at_ = at; }
    constexpr void arm_after(Instant now, Duration delay) { at_ = now + delay; }
    // RFC 6298 §5.1: "if the timer is not running, start it" (a running timer is left alone).
    constexpr void arm_if_disarmed(Instant at) {
        if (!armed()) at_ = at;
    }
    constexpr void disarm() { at_ = Instant::never(); }

    constexpr bool armed() const { return at_ != Instant::never(); }
    // True when armed and now has reached the deadline.
    constexpr bool expired(Instant now) const { return armed() && now >= at_; }
    // The deadline, or Instant::never() when disarmed.
    constexpr Instant at() const { return at_; }

  private:
    Instant at_ = Instant::never();  // never() <=> disarmed
};

// The earlier of two deadlines (never() is later than every real one).
constexpr Instant earliest(Instant a, Instant b) {
    return std::min(a, b);
}

}  // namespace ustack::tcp
