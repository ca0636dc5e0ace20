// Events a TCP connection reports to its owner (pulled with take_events(); RFC 9293 §3.9 signals).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/errc.h"
#include "tcp/state.h"

namespace ustack::tcp {

enum class EventKind : std::uint8_t {
    StateChanged,  // from -> to (every set_state; for ladders and the demo)
    Connected,     // reached ESTABLISHED (either side of the handshake)
    Readable,      // new in-order data in the receive ring
    Writable,      // room was freed in the send ring (data acknowledged)
    PeerFin,       // the peer's FIN arrived in order: end of stream after the queued data
    Closed,        // reached CLOSED; `error` says why when it ended in error
};

struct Event {
    EventKind kind = EventKind::StateChanged;
    State from = State::Closed;  // StateChanged only
    State to = State::Closed;    // StateChanged only
    std::optional<Errc> error;   // Closed only: ConnectionRefused, ConnectionReset, TimedOut, ...

    bool operator==(const Event&) const = default;
};

// A fixed-capacity queue of events (no allocation). Readable and Writable are level hints: each
// is queued at most once until taken; when the queue is full a new hint is dropped and any other
// event pushes out the oldest one.
class Events {
  public:
    static constexpr std::size_t kCapacity = 32;

    void push(const Event& e) {
        const bool hint = e.kind == EventKind::Readable || e.kind == EventKind::Writable;
        if (hint) {
            for (std::size_t i = 0; i < size_; ++i) {
                if (items_[i].kind == e.kind) return;
            }
        }
        if (size_ == kCapacity) {
            if (hint) return;
            for (std::size_t i = 1; i < size_; ++i)
                items_[i - 1] = items_[i];
            --size_;
        }
        items_[size_++] = e;
    }
    void clear() { size_ = 0; }

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    const Event& operator[](std::size_t i) const { return items_[i]; }
    const Event* begin() const { return items_.data(); }
    const Event* end() const { return items_.data() + size_; }

  private:
    std::array<Event, kCapacity> items_{};  // [0, size_) in the order they happened
    std::size_t size_ = 0;                  // size_ <= kCapacity
};

}  // namespace ustack::tcp
