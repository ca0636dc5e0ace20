// The no-connection reply of RFC 9293 §3.10.7.1 and §3.10.7.2.
#include "tcp/reset.h"

namespace ustack::tcp {

std::optional<wire::TcpRepr> reset_reply(const wire::TcpRepr& incoming, NoConnection where) {
    // RFC 9293 §3.10.7.1: "An incoming segment containing a RST is discarded."
    // RFC 9293 §3.10.7.2: "first, check for a RST: An incoming RST should be ignored."
    if (incoming.control == wire::TcpControl::Rst) return std::nullopt;

    wire::TcpRepr reply;
    reply.src_port = incoming.dst_port;
    reply.dst_port = incoming.src_port;
    reply.control = wire::TcpControl::Rst;
    reply.window = 0;

    if (incoming.ack) {
        // RFC 9293 §3.10.7.1: "If the ACK bit is on, <SEQ=SEG.ACK><CTL=RST>".
        // RFC 9293 §3.10.7.2: "second, check for an ACK: Any acknowledgment is bad if it
        // arrives on a connection still in the LISTEN state. An acceptable reset segment should
        // be formed for any arriving ACK-bearing segment. The RST should be formatted as follows:
        // <SEQ=SEG.ACK><CTL=RST>".
        reply.seq = *incoming.ack;
        return reply;
    }
    if (where == NoConnection::Listen) {
        // RFC 9293 §3.10.7.2: a SYN is the listener's to take (when it declines one, say for a
        // full backlog, the SYN is dropped so the peer retries); "fourth, other data or control":
        // "Any other control or text-bearing segment (not containing SYN) must have an ACK and
        // thus would have been discarded by the ACK processing ... drop the segment and return."
        return std::nullopt;
    }
    // RFC 9293 §3.10.7.1: "If the ACK bit is off, sequence number zero is used,
    // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>" (SEG.LEN counts SYN and FIN, §3.4).
    reply.seq = wire::SeqNum(0);
    reply.ack = incoming.seq + static_cast<std::int64_t>(incoming.segment_len());
    return reply;
}

}  // namespace ustack::tcp
