#include "rt/sim_loop.h"

#include <algorithm>

namespace ustack::rt {

void SimLoop::add(Pollable& pollable) {
    if (std::find(pollables_.begin(), pollables_.end(), &pollable) != pollables_.end()) return;
    pollables_.push_back(&pollable);
}

void SimLoop::remove(Pollable& pollable) {
    auto it = std::find(pollables_.begin(), pollables_.end(), &pollable);
    if (it == pollables_.end()) return;
    *it = nullptr;  // a step may be walking the vector: compact before the next one
    compact_ = true;
}

Instant SimLoop::next_deadline() const {
    Instant next = Instant::never();
    for (const Pollable* p : pollables_)
        if (p != nullptr) next = std::min(next, p->poll_at());
    return std::min(next, timers().earliest());
}

Instant SimLoop::gather_deadlines() {
    deadlines_.resize(pollables_.size());
    Instant next = Instant::never();
    for (std::size_t i = 0; i < pollables_.size(); ++i) {
        const Pollable* p = pollables_[i];
        const Instant at = p != nullptr ? p->poll_at() : Instant::never();
        deadlines_[i] = at;
        next = std::min(next, at);
    }
    return std::min(next, timers().earliest());
}

bool SimLoop::step(Instant limit) {
    if (compact_) {
        std::erase(pollables_, nullptr);
        compact_ = false;
    }
    const Instant next = gather_deadlines();
    if (next == Instant::never() && limit == Instant::never()) {
        return stop(StopReason::Idle);
    }
    if (next > limit) {
        now_ = std::max(now_, limit);
        return stop(StopReason::Limit);
    }
    if (next > now_) {
        now_ = next;  // the virtual clock jumps: no waiting
        steps_at_now_ = 0;
    }
    if (++steps_at_now_ > config_.max_steps_per_instant) {
        return stop(StopReason::Livelock);
    }
    ++steps_;
    // Pollables added during the step wait for the next one.
    const std::size_t count = pollables_.size();
    // Nothing runs between gather_deadlines() and the first poll(): until a pollable is polled
    // the deadlines just gathered are still every pollable's answer. A poll may change what the
    // later ones answer (a frame sent to them, a verb on them), so from then on they are asked.
    bool polled = false;
    for (std::size_t i = 0; i < count; ++i) {
        Pollable* p = pollables_[i];
        if (p == nullptr) continue;
        const Instant at = polled ? p->poll_at() : deadlines_[i];
        if (at <= now_) {
            p->poll(now_);
            polled = true;
        }
    }
    timers().run_due(now_);
    return true;
}

}  // namespace ustack::rt
