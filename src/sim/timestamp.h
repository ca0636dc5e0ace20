// Virtual time as a capture timestamp: an Instant's microseconds since the loop's origin become
// seconds and nanoseconds since the Unix epoch, so a simulation that starts at 0 starts at 1970.
#pragma once

#include <cstdint>

#include "base/time.h"
#include "capture/record.h"

namespace ustack::sim {

// Instants before the origin (never used by a SimLoop) clamp to the epoch.
constexpr capture::Timestamp to_timestamp(Instant at) {
    const std::int64_t us = at.as_micros() < 0 ? 0 : at.as_micros();
    return capture::Timestamp{us / 1'000'000, static_cast<std::uint32_t>(us % 1'000'000) * 1000u};
}

}  // namespace ustack::sim
