// tcp::Connection header prediction (Van Jacobson's, as in 4.4BSD tcp_input and Linux
// tcp_rcv_established): in ESTABLISHED, the two segments a transfer is made of are recognised
// up front and taken through only the steps of RFC 9293 §3.10.7.4 that do something for them:
//   * in-order data while nothing of ours is outstanding (the receiver of a bulk transfer):
//     the ACK moves nothing, the text goes straight onto the receive ring;
//   * an in-order pure ACK (the sender of a bulk transfer): the ACK step alone.
// The effect is exactly that of the full steps (tests/tcp/prediction_test.cpp runs the same
// exchanges both ways); anything unusual takes the full path. The Stack may copy the text of a
// predicted segment onto the ring itself (predicted_payload_space), summing it for the checksum
// on the way: one pass over the bytes instead of a verification pass and a copy.
#include "tcp/connection.h"

namespace ustack::tcp {

using wire::TcpControl;
using wire::TcpRepr;

bool Connection::predicted(const TcpRepr& seg) const {
    // Only ACK (and PSH, ECE, CWR, AE, which no step acts on) set, at exactly RCV.NXT, with no
    // SACK blocks for the scoreboard. (Unlike 4.4BSD's, the window is not a condition: both
    // paths update it the same way, and loss recovery, which would see a change, is asked only
    // on the full ACK step.)
    if (seg.control != TcpControl::None || !seg.ack || seg.urgent || seg.seq != rcv_nxt_) {
        return false;
    }
    if (seg.options.sack_count != 0) return false;
    // RFC 7323 §5.3 R1: PAWS would accept it (TSval at or after TS.Recent).
    if (ts_ok_ && (!seg.options.timestamps ||
                   static_cast<std::int32_t>(seg.options.timestamps->tsval - ts_recent_) < 0)) {
        return false;
    }
    // No FIN waits for the data before it (the text step would deliver it).
    if (ooo_fin_) return false;
    const wire::SeqNum ack = *seg.ack;
    const std::size_t n = seg.payload.size();
    if (n == 0) {
        // A pure ACK that RFC 5961 §5.2 and RFC 9293 accept (SND.UNA =< SEG.ACK =< SND.NXT).
        return snd_una_ <= ack && ack <= snd_max_;
    }
    // Data: it acknowledges nothing new while nothing is outstanding (so loss recovery is not
    // asked: see process_ack), fits the window and the ring whole, fills no hole, and there is
    // an application to read it.
    return ack == snd_una_ && snd_una_ == snd_max_ && n <= rcv_wnd() && n <= rx_.free() &&
           reassembly_.empty() && !user_closed_;
}

SpanPair<MutBytes> Connection::predicted_payload_space(const TcpRepr& seg) {
    if (state_ != State::Established || !config_.header_prediction || seg.payload.empty() ||
        !predicted(seg)) {
        return {};
    }
    // predicted() found it fits the ring's free space whole.
    return rx_.free_spans(0, seg.payload.size());
}

void Connection::on_predicted(const TcpRepr& seg, Instant now, bool payload_on_ring) {
    ++predicted_segments_;
    record_received(seg, now);
    // RFC 9293 §3.10.7.4 first: the segment is acceptable (SEG.SEQ = RCV.NXT, and data fits the
    // window); RFC 7323 §5.3 R3: TS.Recent from it. Second to fourth: no RST, no SYN.
    update_ts_recent(seg, now);
    if (seg.payload.empty()) {
        // Fifth, the ACK field; sixth and seventh find no URG and no text, eighth no FIN.
        process_ack(seg, now);
        settle(now);
        return;
    }
    // Fifth, for an ACK that moves nothing while nothing is outstanding: the peer is alive, its
    // (no) SACK blocks are taken, the send window is updated, persist is re-armed; loss
    // recovery is not asked (process_ack's idle_ack).
    timeouts_ = 0;
    persist_unanswered_ = 0;
    take_peer_sack(seg);
    update_send_window(seg);
    arm_persist(now);
    // Seventh, the text: all of it at RCV.NXT, in the window and the ring (see predicted()), with
    // no hole behind it.
    const std::size_t n = seg.payload.size();
    const std::size_t written = payload_on_ring ? n : rx_.write_at(0, seg.payload);
    const AddResult r = take_text(0, written, seg, now);
    ack_in_order(r.advanced, n, now);
}

}  // namespace ustack::tcp
