#include "sock/blocking.h"

namespace ustack::sock {

Instant deadline_after(const rt::Loop& loop, Duration timeout) {
    if (timeout <= Duration::zero()) return Instant::never();
    return loop.now() + timeout;
}

Result<void> wait_until(rt::Loop& loop, const std::function<bool()>& ready, Instant deadline) {
    if (ready()) return {};
    if (loop.run_until(ready, deadline)) return {};
    switch (loop.stop_reason()) {
        case rt::StopReason::Done:
            return {};
        case rt::StopReason::Limit:
            return fail(Errc::TimedOut);
        case rt::StopReason::Idle:
        case rt::StopReason::Livelock:
        case rt::StopReason::Reentered:
            return fail(Errc::WouldBlock);
    }
    return fail(Errc::WouldBlock);
}

}  // namespace ustack::sock
