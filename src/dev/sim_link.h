// SimLink: a simulated point-to-point link with two Device ends — per-direction propagation delay,
// bit rate (serialisation), tail-drop queue and MTU. Deterministic; no randomness, no clock.
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

// One direction of the link.
//
// A frame handed to transmit() at `now` starts serialising when the previous frame has finished
// (frames queue behind each other), takes bits / rate_bps to serialise, and arrives `delay` after
// its last bit left:   arrive = max(now, previous tx_done) + len * 8 / rate_bps + delay.
// Serialisation counts the frame bytes as given (no preamble, FCS or inter-frame gap). The wire
// keeps exact time (fractions of a microsecond carry over to the next frame), and each frame is
// seen to leave and arrive at the first whole microsecond not before its exact time, so
// back-to-back frames come at the configured rate however small they are.
//
// The queue is the bottleneck buffer: the frames whose serialisation has not finished at `now`
// (waiting, or on their way onto the wire). A frame that would push it past queue_frames or
// queue_bytes is tail-dropped and counted. With rate_bps == 0 the queue is always empty.
//
// Every frame from transmit() until the receiver has read it (queued, propagating, arrived and
// unread) occupies one of `slots` preallocated slots of max_frame_len() bytes; when all are in
// use the frame is dropped too (counted apart: size the slots above the bandwidth-delay product).
struct LinkConfig {
    Duration delay = Duration::zero();
    std::uint64_t rate_bps = 0;      // 0 = infinite: no serialisation delay
    std::size_t queue_frames = 100;  // 0 = no frame limit
    std::size_t queue_bytes = 0;     // 0 = no byte limit
    std::size_t mtu = 1500;          // largest IP packet (see DeviceCaps)
    std::size_t slots = 1024;        // frames in the link at once (preallocated); at least 1
    // Extra propagation delay per frame, uniform in [0, jitter] µs, drawn from this direction's
    // own generator (seeded by jitter_seed); frames still arrive in the order sent. A few
    // hundred µs break the lock-step of a deterministic drop-tail link, where one flow's packets
    // always meet a full queue just after a departure and another's just before (the phase
    // effects of Floyd and Jacobson, 1992), as a real path's small delay variations do.
    Duration jitter = Duration::zero();
    std::uint64_t jitter_seed = 1;
};

struct SimLinkConfig {
    LinkConfig a_to_b;
    LinkConfig b_to_a;
    Medium medium = Medium::Ip;

    static SimLinkConfig symmetric(const LinkConfig& both, Medium medium = Medium::Ip) {
        return SimLinkConfig{both, both, medium};
    }
};

// Counters for one direction. Every transmit() lands in exactly one of sent or a dropped_*.
struct LinkCounters {
    std::uint64_t frames_sent = 0;  // accepted by transmit()
    std::uint64_t bytes_sent = 0;
    std::uint64_t frames_delivered = 0;  // returned by the far end's receive()
    std::uint64_t bytes_delivered = 0;
    std::uint64_t frames_dropped_queue = 0;  // tail drop: queue_frames or queue_bytes exceeded
    std::uint64_t bytes_dropped_queue = 0;
    std::uint64_t frames_dropped_slots = 0;     // every slot in use
    std::uint64_t frames_dropped_oversize = 0;  // longer than max_frame_len()
};

class SimLink {
  public:
    explicit SimLink(const SimLinkConfig& config);
    SimLink(const SimLink&) = delete;
    SimLink& operator=(const SimLink&) = delete;

    // end_a transmits on a_to_b and receives from b_to_a; end_b the other way round.
    Device& end_a() { return end_a_; }
    Device& end_b() { return end_b_; }

    const LinkCounters& counters_a_to_b() const { return a_to_b_.counters(); }
    const LinkCounters& counters_b_to_a() const { return b_to_a_.counters(); }

  private:
    // One direction: a ring of preallocated frame slots, in transmit order (arrivals are in the
    // same order, since the delay is constant).
    class Pipe {
      public:
        Pipe(const LinkConfig& config, Medium medium);

        bool transmit(Bytes frame, Instant now);
        std::optional<Bytes> receive(Instant now);
        Instant poll_at() const;
        const LinkCounters& counters() const { return counters_; }
        std::size_t max_frame_len() const { return max_frame_len_; }

      private:
        struct Slot {
            std::size_t len = 0;
            Instant tx_done;  // last bit on the wire: the frame leaves the queue
            Instant arrive;   // tx_done + delay: the far end may receive it
        };
        // The slot a frame sequence number uses: a mask when the slot count is a power of two
        // (the default), as a division per lookup is a visible share of a bulk transfer's time.
        std::size_t slot_index(std::uint64_t seq) const {
            return static_cast<std::size_t>(slot_mask_ != 0 ? seq & slot_mask_
                                                            : seq % slots_.size());
        }
        Slot& slot(std::uint64_t seq) { return slots_[slot_index(seq)]; }
        const Slot& slot(std::uint64_t seq) const { return slots_[slot_index(seq)]; }
        std::uint8_t* slot_data(std::uint64_t seq) {
            return storage_.data() + slot_index(seq) * max_frame_len_;
        }
        // Moves frames whose serialisation has finished by `now` out of the queue.
        void drain_queue(Instant now);
        // Puts a frame of len bytes on the wire after the previous one; returns when its last bit
        // has left, rounded up to a whole microsecond.
        Instant serialise(std::size_t len, Instant now);

        LinkConfig config_;
        Rng jitter_rng_;
        Instant last_arrive_;  // of the newest frame: jitter never lets one overtake another
        std::size_t max_frame_len_;
        std::vector<Slot> slots_;
        std::uint64_t slot_mask_;  // slots_.size() - 1 when that is a power of two (> 1), else 0
        std::vector<std::uint8_t> storage_;  // slots_.size() * max_frame_len_ bytes
        // Frame sequence numbers: [head_, tail_) are in the link, [queue_head_, tail_) in the
        // queue. A frame returned by receive() keeps its slot until the next receive().
        std::uint64_t head_ = 0;
        std::uint64_t queue_head_ = 0;
        std::uint64_t tail_ = 0;
        std::size_t queued_bytes_ = 0;
        bool release_head_ = false;  // head_ was handed out by the last receive()
        // When the wire is free again, exactly: wire_free_ + wire_free_frac_ / rate_bps µs.
        Instant wire_free_;
        std::uint64_t wire_free_frac_ = 0;
        LinkCounters counters_;
    };

    class End : public Device {
      public:
        End(Pipe& tx, Pipe& rx, Medium medium) : tx_(tx), rx_(rx), medium_(medium) {}
        DeviceCaps caps() const override;
        std::optional<Bytes> receive(Instant now) override { return rx_.receive(now); }
        bool transmit(Bytes frame, Instant now) override { return tx_.transmit(frame, now); }
        Instant poll_at() const override { return rx_.poll_at(); }

      private:
        Pipe& tx_;
        Pipe& rx_;
        Medium medium_;
    };

    Pipe a_to_b_;
    Pipe b_to_a_;
    End end_a_;
    End end_b_;
};

}  // namespace ustack::dev
