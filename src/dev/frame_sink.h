// FrameSink: where a Tap hands every frame it sees (a pcap writer or a live printer, via adapters).
#pragma once

#include <cstdint>

#include "base/bytes.h"
#include "base/time.h"

namespace ustack::dev {

// Seen from the stack above the Tap: In = received from the device, Out = handed to it.
enum class Direction : std::uint8_t { In, Out };

class FrameSink {
  public:
    virtual ~FrameSink() = default;
    // `frame` is valid only during the call: a sink that keeps it must copy it.
    virtual void on_frame(Direction direction, Instant at, Bytes frame) = 0;

  protected:
    FrameSink() = default;
    FrameSink(const FrameSink&) = default;
    FrameSink& operator=(const FrameSink&) = default;
};

}  // namespace ustack::dev
