// The eleven TCP connection states of RFC 9293 §3.3.2 and their printed names.
#pragma once

#include <cstdint>
#include <string_view>

namespace ustack::tcp {

// RFC 9293 §3.3.2 (Figure 5). Closed is "no TCB at all"; the others are TCB states.
enum class State : std::uint8_t {
    Closed,
    Listen,
    SynSent,
    SynReceived,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    Closing,
    LastAck,
    TimeWait,
};

// The RFC name as tools print it: "SYN-SENT", "ESTABLISHED", "TIME-WAIT", ...
constexpr std::string_view to_string(State s) {
    switch (s) {
        case State::Closed:
            return "CLOSED";
        case State::Listen:
            return "LISTEN";
        case State::SynSent:
            return "SYN-SENT";
        case State::SynReceived:
            return "SYN-RECEIVED";
        case State::Established:
            return "ESTABLISHED";
        case State::FinWait1:
            return "FIN-WAIT-1";
        case State::FinWait2:
            return "FIN-WAIT-2";
        case State::CloseWait:
            return "CLOSE-WAIT";
        case State::Closing:
            return "CLOSING";
        case State::LastAck:
            return "LAST-ACK";
        case State::TimeWait:
            return "TIME-WAIT";
    }
    return "UNKNOWN";
}

// RFC 9293 §3.5.2 / §3.10.7: the synchronized states, ESTABLISHED through TIME-WAIT, in which
// an unacceptable segment draws an ACK rather than a reset.
constexpr bool is_synchronized(State s) {
    return s >= State::Established;
}

}  // namespace ustack::tcp
