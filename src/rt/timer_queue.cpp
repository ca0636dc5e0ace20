#include "rt/timer_queue.h"

namespace ustack::rt {

TimerId TimerQueue::add(Instant when, TimerCallback callback) {
    const std::uint64_t id = next_id_++;
    timers_.emplace(std::make_pair(when, id), std::move(callback));
    deadlines_.emplace(id, when);
    return TimerId{id};
}

bool TimerQueue::cancel(TimerId id) {
    const auto it = deadlines_.find(id.value);
    if (it == deadlines_.end()) return false;
    timers_.erase(std::make_pair(it->second, id.value));  // absent if it is about to run
    deadlines_.erase(it);
    return true;
}

void TimerQueue::run_due_slow(Instant now) {
    // Take every due timer first, so timers set by the callbacks wait for the next run.
    due_.clear();
    while (!timers_.empty() && timers_.begin()->first.first <= now) {
        auto node = timers_.extract(timers_.begin());
        due_.emplace_back(node.key().second, std::move(node.mapped()));
    }
    for (auto& [id, callback] : due_) {
        if (deadlines_.erase(id) == 0) continue;  // cancelled by an earlier callback
        callback(now);
    }
    due_.clear();
}

}  // namespace ustack::rt
