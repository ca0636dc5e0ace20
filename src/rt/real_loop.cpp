#include "rt/real_loop.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <ctime>

namespace ustack::rt {

namespace {

constexpr std::size_t kMaxEvents = 32;  // per wait; level-triggered, so the rest come next step

}  // namespace

RealLoop::RealLoop(const RealLoopConfig& config)
    : config_(config), epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)), now_(clock_now()) {}

RealLoop::~RealLoop() {
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

Instant RealLoop::clock_now() {
    const auto t = std::chrono::steady_clock::now().time_since_epoch();
    return Instant::from_micros(std::chrono::duration_cast<std::chrono::microseconds>(t).count());
}

void RealLoop::add(Pollable& pollable) {
    if (std::find(pollables_.begin(), pollables_.end(), &pollable) != pollables_.end()) return;
    pollables_.push_back(&pollable);
}

void RealLoop::remove(Pollable& pollable) {
    auto it = std::find(pollables_.begin(), pollables_.end(), &pollable);
    if (it != pollables_.end()) {
        *it = nullptr;  // a step may be walking the vector: compact before the next one
        compact_ = true;
    }
    // A removed pollable is not polled for its descriptors either.
    for (Watch& w : watches_) {
        if (w.owner == &pollable) w.ready = false;
    }
}

bool RealLoop::watch_fd(int fd, Pollable& owner) {
    if (epoll_fd_ < 0 || fd < 0) return false;
    for (Watch& w : watches_) {
        if (w.fd == fd) {
            w.owner = &owner;  // watching again moves the fd to a new owner
            return true;
        }
    }
    epoll_event ev{};
    ev.events = EPOLLIN;  // level-triggered: unread data keeps the owner due
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) < 0) return false;
    watches_.push_back(Watch{fd, &owner, false});
    return true;
}

void RealLoop::unwatch_fd(int fd) {
    const auto it =
        std::find_if(watches_.begin(), watches_.end(), [fd](const Watch& w) { return w.fd == fd; });
    if (it == watches_.end()) return;
    // Closing the fd first removes it from the epoll set already; ENOENT/EBADF are harmless.
    (void)::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    watches_.erase(it);
}

Instant RealLoop::next_deadline() const {
    Instant next = Instant::never();
    for (const Pollable* p : pollables_)
        if (p != nullptr) next = std::min(next, p->poll_at());
    return std::min(next, timers().earliest());
}

void RealLoop::wait(Duration timeout) {
    if (epoll_fd_ < 0) return;
    if (timeout > Duration::zero()) ++waits_;
    std::array<epoll_event, kMaxEvents> events{};
    int n = -1;
    const bool forever = timeout == Duration::micros(-1);
    if (pwait2_) {
        timespec ts{};
        const std::int64_t us = std::max<std::int64_t>(timeout.as_micros(), 0);
        ts.tv_sec = static_cast<time_t>(us / 1'000'000);
        ts.tv_nsec = static_cast<long>((us % 1'000'000) * 1000);
        n = ::epoll_pwait2(epoll_fd_, events.data(), static_cast<int>(events.size()),
                           forever ? nullptr : &ts, nullptr);
        if (n < 0 && errno == ENOSYS) pwait2_ = false;
    }
    if (!pwait2_) {
        int ms = -1;
        if (!forever) {
            // Round up: waking early would only cost a spin; waking late by < 1 ms is the price
            // of millisecond resolution.
            const std::int64_t us = std::max<std::int64_t>(timeout.as_micros(), 0);
            ms = static_cast<int>(std::min<std::int64_t>((us + 999) / 1000, 1'000'000'000));
        }
        n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), ms);
    }
    if (n <= 0) return;  // timeout, or EINTR (a signal for the application): just step again
    for (int i = 0; i < n; ++i) {
        for (Watch& w : watches_) {
            if (w.fd == events[static_cast<std::size_t>(i)].data.fd) w.ready = true;
        }
    }
}

bool RealLoop::step(Instant limit) {
    if (compact_) {
        std::erase(pollables_, nullptr);
        compact_ = false;
    }
    now_ = std::max(now_, clock_now());
    const Instant next = next_deadline();
    if (next == Instant::never() && limit == Instant::never() && watches_.empty()) {
        return stop(StopReason::Idle);
    }
    if (next > limit && now_ >= limit) {
        return stop(StopReason::Limit);
    }
    const Instant wake = std::min(next, limit);
    const bool due_now = wake <= now_;
    if (due_now)
        wait(Duration::zero());  // only look: fairness for the descriptors while busy
    else
        wait(wake == Instant::never() ? Duration::micros(-1) : wake - now_);
    now_ = std::max(now_, clock_now());

    bool any_ready = false;
    for (const Watch& w : watches_)
        any_ready = any_ready || w.ready;
    if (due_now && !any_ready) {
        if (++busy_steps_ > config_.max_busy_steps) {
            return stop(StopReason::Livelock);
        }
    } else {
        busy_steps_ = 0;
    }
    if (any_ready) ++fd_wakeups_;
    ++steps_;

    // Pollables due, or owning a readable descriptor, in registration order; owners that were
    // never add()ed afterwards. Pollables added during the step wait for the next one.
    to_poll_.clear();
    const std::size_t count = pollables_.size();
    for (std::size_t i = 0; i < count; ++i) {
        Pollable* p = pollables_[i];
        if (p == nullptr) continue;
        bool ready = p->poll_at() <= now_;
        for (Watch& w : watches_) {
            if (w.owner == p && w.ready) ready = true;
        }
        if (ready) to_poll_.push_back(p);
    }
    for (Watch& w : watches_) {
        if (!w.ready) continue;
        w.ready = false;
        if (std::find(pollables_.begin(), pollables_.end(), w.owner) == pollables_.end() &&
            std::find(to_poll_.begin(), to_poll_.end(), w.owner) == to_poll_.end())
            to_poll_.push_back(w.owner);
    }
    for (Pollable* p : to_poll_)
        p->poll(now_);
    timers().run_due(now_);
    return true;
}

}  // namespace ustack::rt
