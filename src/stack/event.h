// What the Stack reports to the socket layer: one Event per connection or listener happening.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>

#include "base/errc.h"
#include "stack/handles.h"
#include "tcp/state.h"

namespace ustack::stack {

enum class EventKind : std::uint8_t {
    StateChanged,  // conn: from -> to (every RFC 9293 transition, for traces and the demo)
    Connected,     // conn: the handshake completed (ESTABLISHED reached)
    Readable,      // conn: recv() has data (or the end of the stream) to give
    Writable,      // conn: send() has room again
    PeerFin,       // conn: the peer closed its side; recv() returns 0 once the data is read
    Closed,        // conn: the connection ended; `error` says why when it was not orderly
    Acceptable,    // listener: accept() has a connection to give
};

// One event. `source` is a ConnId for connection events and a ListenerId for Acceptable.
struct Event {
    std::variant<ConnId, ListenerId> source;
    EventKind kind = EventKind::StateChanged;
    tcp::State from = tcp::State::Closed;  // StateChanged only
    tcp::State to = tcp::State::Closed;    // StateChanged only
    std::optional<Errc> error;             // Closed only: nullopt for an orderly close

    const ConnId* conn() const { return std::get_if<ConnId>(&source); }
    const ListenerId* listener() const { return std::get_if<ListenerId>(&source); }
};

}  // namespace ustack::stack
