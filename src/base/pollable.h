// Pollable: what a loop drives — it reports its next deadline and does the work due at `now`.
#pragma once

#include "base/time.h"

namespace ustack {

// Anything with deadlines: a Stack, a fault injector holding a frame back, a test harness.
// A loop asks poll_at() for the next deadline and calls poll(now) once now >= that deadline.
// poll_at() may return an instant at or before the loop's current time: "poll me now".
// Nothing here reads a clock: time only arrives as the argument to poll().
class Pollable {
  public:
    virtual ~Pollable() = default;

    // The earliest instant at which poll() has work to do; Instant::never() when none.
    virtual Instant poll_at() const = 0;
    // Do whatever is due at `now`. Called by the loop only, never re-entrantly.
    virtual void poll(Instant now) = 0;

  protected:
    Pollable() = default;
    Pollable(const Pollable&) = default;
    Pollable& operator=(const Pollable&) = default;
};

}  // namespace ustack
