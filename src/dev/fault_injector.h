// FaultInjector: a Device decorator that drops, corrupts, duplicates and reorders received frames
// with configured probabilities, from its own seeded Rng (same seed and input ⇒ same faults).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "base/rng.h"
#include "base/time.h"
#include "dev/device.h"

namespace ustack::dev {

// Probabilities per frame, each in [0, 1].
struct FaultConfig {
    double drop = 0.0;
    double corrupt = 0.0;    // flip one random bit of one random byte
    double duplicate = 0.0;  // deliver the frame twice (the copy on the next receive)
    double reorder = 0.0;    // hold the frame back and deliver it after the next one
    // A held frame is released after the next frame, or once it has been held this long.
    Duration reorder_hold = Duration::millis(10);
};

struct FaultCounters {
    std::uint64_t frames_in = 0;   // taken from the inner device
    std::uint64_t frames_out = 0;  // returned by receive(), duplicates included
    std::uint64_t dropped = 0;
    std::uint64_t corrupted = 0;
    std::uint64_t duplicated = 0;
    std::uint64_t reordered = 0;
};

// Faults apply on the receive side: receive() pulls frames from the inner device and decides
// their fate there, so a held-back frame is released from receive() itself (poll_at() reports
// when) and needs no timer of its own. transmit() passes through untouched; to fault both
// directions of a SimLink, wrap both ends. Put it under a Tap to capture what the stack saw.
//
// Per frame taken from the inner device the Rng is drawn in a fixed order — drop, reorder,
// corrupt, duplicate — whether or not the faults fire, then once more for the bit to corrupt.
// Only one frame is held at a time. A corrupted frame is duplicated as corrupted. Buffers (one
// frame each for the corrupted copy, the duplicate and the held frame) are allocated once, at
// construction, from the inner device's max_frame_len(); a longer frame can only be dropped.
class FaultInjector : public Device {
  public:
    FaultInjector(Device& inner, const FaultConfig& config, Rng rng);

    DeviceCaps caps() const override { return inner_.caps(); }
    std::optional<Bytes> receive(Instant now) override;
    bool transmit(Bytes frame, Instant now) override { return inner_.transmit(frame, now); }
    Instant poll_at() const override;
    int fd() const override { return inner_.fd(); }
    // As the inner device said of the frame when it was taken (a held or duplicated frame keeps
    // its word); never for a corrupted frame, whose damage the checksum must catch.
    bool last_frame_checksum_trusted() const override { return last_trusted_; }
    void flush(Instant now) override { inner_.flush(now); }

    const FaultCounters& counters() const { return counters_; }

  private:
    struct Buffer {
        std::vector<std::uint8_t> data;
        std::size_t len = 0;
        bool trusted = false;  // the inner device's last_frame_checksum_trusted() for it
        Bytes view() const { return Bytes(data.data(), len); }
        void assign(Bytes frame, bool frame_trusted);
    };

    Bytes deliver(Bytes frame, bool trusted);

    Device& inner_;
    FaultConfig config_;
    Rng rng_;
    std::size_t capacity_;
    bool faultless_;  // every fault probability is 0: frames pass without a draw
    Buffer corrupted_;
    Buffer duplicate_;
    Buffer held_;
    bool duplicate_pending_ = false;
    bool holding_ = false;
    Instant release_at_ = Instant::never();
    Instant last_now_;
    bool last_trusted_ = false;
    FaultCounters counters_;
};

}  // namespace ustack::dev
