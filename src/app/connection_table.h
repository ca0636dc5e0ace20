// ConnectionTable: the rows `ustack stat` prints, like `ss -tan` (state, Recv-Q, Send-Q, local
// and peer address) plus the TCB's congestion window, smoothed RTT and retransmissions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/time.h"
#include "sock/handles.h"
#include "sock/reactor.h"
#include "stack/handles.h"
#include "tcp/state.h"

namespace ustack::app {

struct ConnectionRow {
    tcp::State state = tcp::State::Closed;
    std::size_t recv_q = 0;  // received, not yet read by the application (ss: Recv-Q)
    std::size_t send_q = 0;  // in the send ring: sent and unacknowledged, or not yet sent
    stack::Endpoint local;
    stack::Endpoint peer;
    std::uint32_t cwnd = 0;       // congestion window, bytes (tcp::Connection::cwnd())
    std::uint32_t ssthresh = 0;   // UINT32_MAX until the first congestion event
    std::uint32_t in_flight = 0;  // bytes_in_flight(): pipe or FlightSize
    Duration srtt;
    std::uint32_t retransmits = 0;
    std::uint16_t mss = 0;
};

// A row for every listener of the Reactor's Stack (LISTEN: Recv-Q is its accept queue, Send-Q
// its backlog, the peer the unspecified address), then one for every connection it holds, as
// `ss -tan` lists them: those the
// applications hold, those they have closed that the Stack is still finishing (FIN-WAIT-1/2,
// CLOSING, LAST-ACK, TIME-WAIT), and handshakes not yet accepted (SYN-RECV). Send-Q adds the
// Reactor's write queue for connections held by one of `sockets` (stale ids are skipped).
std::vector<ConnectionRow> collect_rows(sock::Reactor& reactor,
                                        std::span<const sock::SocketId> sockets);

// `ss -tan`'s text form: a header line, then one line per row ("ESTAB 0 0 10.7.0.2:80
// 10.7.0.1:40312 cwnd:14480 ssthresh:- inflight:0 srtt:1.2ms retrans:0 mss:1448"), with cwnd
// and in-flight in bytes (ss -i shows segments). IPv6 addresses are printed in brackets.
std::string format_rows(const std::vector<ConnectionRow>& rows);

// ss's state names (ESTAB, SYN-SENT, FIN-WAIT-1, TIME-WAIT, ...).
const char* ss_state_name(tcp::State s);

}  // namespace ustack::app
