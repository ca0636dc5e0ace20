#include "dev/sim_link.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

namespace ustack::dev {

SimLink::SimLink(const SimLinkConfig& config)
    : a_to_b_(config.a_to_b, config.medium),
      b_to_a_(config.b_to_a, config.medium),
      end_a_(a_to_b_, b_to_a_, config.medium),
      end_b_(b_to_a_, a_to_b_, config.medium) {}

DeviceCaps SimLink::End::caps() const {
    DeviceCaps caps;
    caps.medium = medium_;
    caps.mtu = tx_.max_frame_len() - (medium_ == Medium::Ethernet ? kEthernetHeaderLen : 0);
    return caps;
}

SimLink::Pipe::Pipe(const LinkConfig& config, Medium medium)
    : config_(config),
      jitter_rng_(config.jitter_seed),
      last_arrive_(Instant::from_micros(std::numeric_limits<std::int64_t>::min())),
      max_frame_len_(DeviceCaps{config.mtu, medium, {}}.max_frame_len()),
      slots_(std::max<std::size_t>(config.slots, 1)),
      slot_mask_(std::has_single_bit(slots_.size()) ? slots_.size() - 1 : 0),
      storage_(slots_.size() * max_frame_len_),
      wire_free_(Instant::from_micros(std::numeric_limits<std::int64_t>::min())) {}

Instant SimLink::Pipe::serialise(std::size_t len, Instant now) {
    if (config_.rate_bps == 0) return now;  // infinitely fast: the wire is always free
    const std::uint64_t rate = config_.rate_bps;
    if (now > wire_free_ || (now == wire_free_ && wire_free_frac_ == 0)) {
        wire_free_ = now;  // idle wire: start at once
        wire_free_frac_ = 0;
    }
    // In units of 1/rate µs: bits * 1e6 (no overflow below 2^64 / 8e6 ≈ 2.3 TB per frame).
    const std::uint64_t total = wire_free_frac_ + std::uint64_t{len} * 8 * 1'000'000;
    wire_free_ += Duration::micros(static_cast<std::int64_t>(total / rate));
    wire_free_frac_ = total % rate;
    return wire_free_ + Duration::micros(wire_free_frac_ != 0 ? 1 : 0);
}

void SimLink::Pipe::drain_queue(Instant now) {
    queue_head_ = std::max(queue_head_, head_);
    while (queue_head_ < tail_ && slot(queue_head_).tx_done <= now) {
        queued_bytes_ -= slot(queue_head_).len;
        ++queue_head_;
    }
}

bool SimLink::Pipe::transmit(Bytes frame, Instant now) {
    const std::size_t len = frame.size();
    if (len > max_frame_len_) {
        ++counters_.frames_dropped_oversize;
        return false;
    }
    drain_queue(now);
    const std::uint64_t queued_frames = tail_ - queue_head_;
    if ((config_.queue_frames != 0 && queued_frames + 1 > config_.queue_frames) ||
        (config_.queue_bytes != 0 && queued_bytes_ + len > config_.queue_bytes)) {
        ++counters_.frames_dropped_queue;
        counters_.bytes_dropped_queue += len;
        return false;
    }
    if (tail_ - head_ >= slots_.size()) {
        ++counters_.frames_dropped_slots;
        return false;
    }
    Slot& s = slot(tail_);
    s.len = len;
    s.tx_done = serialise(len, now);
    s.arrive = s.tx_done + config_.delay;
    if (config_.jitter > Duration::zero()) {
        const auto extra =
            jitter_rng_.below(static_cast<std::uint64_t>(config_.jitter.as_micros()) + 1);
        s.arrive =
            std::max(s.arrive + Duration::micros(static_cast<std::int64_t>(extra)), last_arrive_);
        last_arrive_ = s.arrive;
    }
    if (len != 0) std::memcpy(slot_data(tail_), frame.data(), len);
    ++tail_;
    queued_bytes_ += len;
    ++counters_.frames_sent;
    counters_.bytes_sent += len;
    return true;
}

std::optional<Bytes> SimLink::Pipe::receive(Instant now) {
    if (release_head_) {
        ++head_;
        release_head_ = false;
    }
    drain_queue(now);
    if (head_ == tail_) return std::nullopt;
    const Slot& s = slot(head_);
    if (s.arrive > now) return std::nullopt;
    release_head_ = true;
    ++counters_.frames_delivered;
    counters_.bytes_delivered += s.len;
    return Bytes(slot_data(head_), s.len);
}

Instant SimLink::Pipe::poll_at() const {
    const std::uint64_t next = head_ + (release_head_ ? 1 : 0);
    if (next == tail_) return Instant::never();
    return slot(next).arrive;
}

}  // namespace ustack::dev
