#include "dev/fault_injector.h"

#include <algorithm>
#include <cstring>

namespace ustack::dev {

FaultInjector::FaultInjector(Device& inner, const FaultConfig& config, Rng rng)
    : inner_(inner),
      config_(config),
      rng_(rng),
      capacity_(inner.caps().max_frame_len()),
      faultless_(config.drop <= 0 && config.reorder <= 0 && config.corrupt <= 0 &&
                 config.duplicate <= 0) {
    corrupted_.data.resize(capacity_);
    duplicate_.data.resize(capacity_);
    held_.data.resize(capacity_);
}

void FaultInjector::Buffer::assign(Bytes frame, bool frame_trusted) {
    len = frame.size();
    trusted = frame_trusted;
    if (len != 0) std::memcpy(data.data(), frame.data(), len);
}

Bytes FaultInjector::deliver(Bytes frame, bool trusted) {
    ++counters_.frames_out;
    last_trusted_ = trusted;
    return frame;
}

std::optional<Bytes> FaultInjector::receive(Instant now) {
    last_now_ = now;
    if (duplicate_pending_) {
        duplicate_pending_ = false;
        return deliver(duplicate_.view(), duplicate_.trusted);
    }
    if (holding_ && release_at_ <= now) {
        holding_ = false;
        release_at_ = Instant::never();
        return deliver(held_.view(), held_.trusted);
    }
    // Each pass consumes one inner frame, so this ends when the inner device runs dry.
    while (std::optional<Bytes> in = inner_.receive(now)) {
        ++counters_.frames_in;
        bool trusted = inner_.last_frame_checksum_trusted();
        // No fault can fire: skip the draws (the generator is this injector's own, so nothing
        // else's randomness moves) and hand the frame on as it is.
        if (faultless_) return deliver(*in, trusted);
        const bool drop = rng_.chance(config_.drop);
        const bool reorder = rng_.chance(config_.reorder);
        const bool corrupt = rng_.chance(config_.corrupt);
        const bool duplicate = rng_.chance(config_.duplicate);
        if (drop) {
            ++counters_.dropped;
            continue;
        }
        Bytes frame = *in;
        if (frame.size() > capacity_)
            return deliver(frame, trusted);  // cannot copy: no other fault
        if (reorder && !holding_) {
            held_.assign(frame, trusted);
            holding_ = true;
            release_at_ = now + config_.reorder_hold;
            ++counters_.reordered;
            continue;
        }
        if (corrupt && !frame.empty()) {
            corrupted_.assign(frame, false);
            const std::size_t byte = rng_.below(frame.size());
            const auto bit = static_cast<unsigned>(rng_.below(8));
            corrupted_.data[byte] ^= static_cast<std::uint8_t>(1u << bit);
            frame = corrupted_.view();
            trusted = false;
            ++counters_.corrupted;
        }
        if (duplicate) {
            duplicate_.assign(frame, trusted);
            duplicate_pending_ = true;
            ++counters_.duplicated;
        }
        if (holding_) release_at_ = std::min(release_at_, now);  // released after this one
        return deliver(frame, trusted);
    }
    return std::nullopt;
}

Instant FaultInjector::poll_at() const {
    if (duplicate_pending_) return last_now_;
    Instant at = inner_.poll_at();
    if (holding_) at = std::min(at, release_at_);
    return at;
}

}  // namespace ustack::dev
