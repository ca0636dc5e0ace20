// The reply to a segment that finds no connection: RFC 9293 §3.10.7.1 (CLOSED) and the LISTEN rules
// of §3.10.7.2. A pure function of the incoming segment, so every no-connection reset is the same.
#pragma once

#include <cstdint>
#include <optional>

#include "wire/tcp.h"

namespace ustack::tcp {

// Where the segment landed when no connection (4-tuple) matched it.
enum class NoConnection : std::uint8_t {
    Closed,  // no listener either: RFC 9293 §3.10.7.1 "If the state is CLOSED"
    Listen,  // a listener on the port that does not take this segment: §3.10.7.2
};

// The RST to send back for `incoming`, or nullopt when nothing may be sent. Ports are swapped
// (the reply goes from the segment's destination to its source), the window is zero, there are
// no options and no payload. The caller emits it from the same address pair, swapped.
//
//   Closed: a RST is never answered; with ACK: <SEQ=SEG.ACK><CTL=RST>; otherwise
//           <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
//   Listen: a RST is ignored; an ACK draws <SEQ=SEG.ACK><CTL=RST>; anything else (a SYN the
//           listener declined, e.g. backlog full, or a bare segment) is dropped silently.
std::optional<wire::TcpRepr> reset_reply(const wire::TcpRepr& incoming,
                                         NoConnection where = NoConnection::Closed);

}  // namespace ustack::tcp
