// Tap: a Device decorator that hands every frame going in or out to a FrameSink.
#pragma once

#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "base/time.h"
#include "dev/device.h"
#include "dev/frame_sink.h"

namespace ustack::dev {

// Where the Tap sits decides what a capture shows: wrapped around a FaultInjector it records
// what the stack really received; under it, what the link carried.
// Outgoing frames go to the sink before the inner device sees them, so the sink also records
// frames the device then drops — as a capture on the sending host would.
class Tap : public Device {
  public:
    Tap(Device& inner, FrameSink& sink) : inner_(inner), sink_(sink) {}

    DeviceCaps caps() const override { return inner_.caps(); }
    std::optional<Bytes> receive(Instant now) override;
    bool transmit(Bytes frame, Instant now) override;
    Instant poll_at() const override { return inner_.poll_at(); }
    int fd() const override { return inner_.fd(); }
    bool last_frame_checksum_trusted() const override {
        return inner_.last_frame_checksum_trusted();
    }
    void flush(Instant now) override { inner_.flush(now); }

    std::uint64_t frames_in() const { return frames_in_; }
    std::uint64_t frames_out() const { return frames_out_; }

  private:
    Device& inner_;
    FrameSink& sink_;
    std::uint64_t frames_in_ = 0;
    std::uint64_t frames_out_ = 0;
};

}  // namespace ustack::dev
