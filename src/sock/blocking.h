// Blocking on a loop: "wait" means run the loop until a condition holds, so blocking calls work on
// virtual time (SimLoop) as well as real time.
#pragma once

#include <functional>

#include "base/errc.h"
#include "base/time.h"
#include "rt/loop.h"

namespace ustack::sock {

// The instant `timeout` from the loop's now; Instant::never() for a zero (or negative) timeout.
Instant deadline_after(const rt::Loop& loop, Duration timeout);

// Runs `loop` until ready() is true (checked first, so a ready condition costs no step).
// Errors: TimedOut when `deadline` came first; WouldBlock when the loop cannot run for us —
// called from inside a loop callback (loops do not nest: StopReason::Reentered), or nothing is
// left that could ever make ready() true (Idle), or the loop gave up (Livelock). Never hangs.
Result<void> wait_until(rt::Loop& loop, const std::function<bool()>& ready, Instant deadline);

}  // namespace ustack::sock
