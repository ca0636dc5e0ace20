#include "rt/loop.h"

namespace ustack::rt {

bool Loop::run_until(const std::function<bool()>& done, Instant limit) {
    if (running_) return stop(StopReason::Reentered);
    running_ = true;
    begin_run();
    bool finished = false;
    for (;;) {
        if (done()) {
            finished = true;
            break;
        }
        if (!step(limit)) {
            finished = done();
            break;
        }
    }
    if (finished) stop_reason_ = StopReason::Done;
    running_ = false;
    return finished;
}

}  // namespace ustack::rt
