// tcp::Connection input: RFC 9293 §3.10.7.3 (SYN-SENT) and §3.10.7.4 (other states) with the
// RFC 5961 protections. Input never emits: replies are recorded for poll_transmit().
#include <algorithm>

#include "tcp/connection.h"

namespace ustack::tcp {

using wire::SeqNum;
using wire::TcpControl;
using wire::TcpRepr;

namespace {
constexpr Duration kChallengeWindow = Duration::seconds(1);
}  // namespace

void Connection::on_segment(const TcpRepr& in, Instant now, bool payload_on_ring) {
    forget_poll_at();
    now_ = std::max(now_, now);
    // With payload_on_ring, predicted_payload_space() has just found the segment predicted.
    if (payload_on_ring ||
        (state_ == State::Established && config_.header_prediction && predicted(in))) {
        on_predicted(in, now, payload_on_ring);
        return;
    }
    switch (state_) {
        case State::Closed:
        case State::Listen:
            return;  // the Stack's reset function answers segments for no connection
        case State::SynSent:
            on_syn_sent(in, now);
            return;
        default:
            break;
    }
    TcpRepr seg = in;
    if (state_ == State::SynReceived && seg.control == TcpControl::Syn) {
        if (!seg.ack && seg.seq == irs_) {
            // Deviation: as Linux, a retransmitted SYN means our SYN-ACK was lost: send it again
            // now (RFC 9293 would answer the unacceptable segment with a bare ACK).
            snd_nxt_ = iss_;
            timing_ = false;
            return;
        }
        if (seg.ack && seg.seq + 1 == rcv_nxt_ && *seg.ack == snd_max_) {
            // Deviation: simultaneous open, the peer's SYN-ACK crossing ours. Linux takes it as
            // the ACK completing the handshake; RFC 9293 would find it unacceptable and ACK it.
            // Its window is a SYN's, unscaled (RFC 7323 §2.2): put it in the units the ACK
            // step expects of a non-SYN segment (rounding down by under 2^shift bytes).
            seg.control = TcpControl::None;
            seg.seq = rcv_nxt_;
            seg.window = static_cast<std::uint16_t>(seg.window >> snd_wscale_);
        }
    }
    record_received(seg, now);
    // RFC 7323 §5.3: R1 (PAWS) comes before the usual acceptability test (R2); R3 then updates
    // TS.Recent from the acceptable segment (and from a duplicate R2 drops: see
    // update_ts_recent_on_duplicate).
    // RFC 9293 §3.10.7.4: "first, check the sequence number" ... "eighth, check the FIN bit".
    if (check_paws(seg, now)) {
        if (check_sequence(seg, now)) {
            update_ts_recent(seg, now);
            if (check_rst(seg, now) && check_syn(seg, now) && process_ack(seg, now)) {
                process_urg(seg);
                process_text_and_fin(seg, now);
            }
        } else {
            update_ts_recent_on_duplicate(seg, now);
        }
    }
    settle(now);
}

// RFC 9293 §3.10.7.3 SYN-SENT STATE.
void Connection::on_syn_sent(const TcpRepr& seg, Instant now) {
    const bool rst = seg.control == TcpControl::Rst;
    bool ack_ok = false;
    if (seg.ack) {
        // "first, check the ACK bit: If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a reset (unless
        // the RST bit is set, if so drop the segment and return) <SEQ=SEG.ACK><CTL=RST>".
        if (*seg.ack <= iss_ || *seg.ack > snd_max_) {
            if (!rst) rst_pending_ = PendingRst{*seg.ack, std::nullopt};
            return;
        }
        ack_ok = true;  // "If SND.UNA < SEG.ACK =< SND.NXT, then the ACK is acceptable"
    }
    if (rst) {
        // "second, check the RST bit: If the ACK was acceptable, then signal to the user 'error:
        // connection reset', drop the segment, enter CLOSED state ... Otherwise (no ACK), drop
        // the segment and return." RFC 5961 §3.2 keeps this rule for SYN-SENT.
        if (ack_ok) {
            tx_.clear();
            enter_closed(Errc::ConnectionRefused);
        }
        return;
    }
    if (seg.control != TcpControl::Syn) return;  // "fifth, if neither ... drop the segment"
    // "fourth, check the SYN bit: RCV.NXT is set to SEG.SEQ+1, IRS is set to SEG.SEQ."
    irs_ = seg.seq;
    rcv_nxt_ = seg.seq + 1;
    last_ack_sent_ = rcv_nxt_;
    take_peer_syn_options(seg);
    // Our SYN offered an unscaled window of at most 65535 (RFC 7323 §2.2).
    rcv_adv_ = rcv_nxt_ + static_cast<std::int64_t>(std::min(receive_window_now(), 65535u));
    // RFC 7323 §2.2: the window field of a SYN is never scaled.
    snd_wnd_ = seg.window;
    max_snd_wnd_ = seg.window;
    snd_wl1_ = seg.seq;
    if (ack_ok) {
        // "SND.UNA should be advanced to equal SEG.ACK ... If SND.UNA > ISS (our SYN has been
        // ACKed), change the connection state to ESTABLISHED, form an ACK segment".
        snd_una_ = *seg.ack;
        snd_wl2_ = *seg.ack;
        // RFC 7323 §4.1: the SYN-ACK's TSecr times the SYN unambiguously; otherwise RFC 6298 §3.
        if (!ts_rtt_sample(seg, now) && timing_ && *seg.ack >= rtt_seq_) {
            rtt_.sample(now - rtt_sent_, false);
        }
        timing_ = false;
        rtt_.on_handshake_complete(syn_timed_out_);
        timeouts_ = 0;
        rtx_timer_.disarm();
        user_timer_.disarm();
        connect_timer_.disarm();
        set_state(State::Established);
        if (fin_queued_) set_state(State::FinWait1);
        ack_now_ = true;
        // "If there are other controls or text in the segment, then continue processing at the
        // sixth step below where the URG bit is checked".
        TcpRepr rest = seg;
        rest.control = seg.control == TcpControl::Syn ? TcpControl::None : seg.control;
        rest.seq = seg.seq + 1;
        process_urg(rest);
        process_text_and_fin(rest, now);
        settle(now);
        return;
    }
    // "Otherwise, enter SYN-RECEIVED, form a SYN,ACK segment <SEQ=ISS><ACK=RCV.NXT>
    // <CTL=SYN,ACK> and send it." (simultaneous open). Text in the SYN is not kept.
    snd_wl2_ = iss_;
    snd_nxt_ = iss_;  // the SYN goes out again, now as SYN-ACK
    timing_ = false;  // Karn: an ACK of the SYN-ACK is ambiguous
    set_state(State::SynReceived);
}

// RFC 9293 §3.10.7.4 first: the acceptability test (the four cases of the table).
bool Connection::check_sequence(const TcpRepr& seg, Instant now) {
    const std::uint32_t wnd = rcv_wnd();
    const std::size_t len = seg.segment_len();
    auto in_window = [&](SeqNum s) { return rcv_nxt_ <= s && s < rcv_nxt_ + wnd; };
    bool ok;
    if (len == 0) {
        ok = wnd == 0 ? seg.seq == rcv_nxt_ : in_window(seg.seq);
    } else {
        const SeqNum last = seg.seq + static_cast<std::int64_t>(len) - 1;
        ok = wnd != 0 && (in_window(seg.seq) || in_window(last));
        // "If the RCV.WND is zero, no segments will be acceptable, but special allowance should be
        // made to accept valid ACKs, URGs, and RSTs": a segment at RCV.NXT is processed for its
        // ACK; its text is trimmed away (seventh step) and an ACK is owed.
        if (wnd == 0 && seg.seq == rcv_nxt_) ok = true;
    }
    if (ok) return true;
    // "If an incoming segment is not acceptable, an acknowledgment should be sent in reply
    // (unless the RST bit is set, if so drop the segment and return)".
    if (seg.control != TcpControl::Rst) {
        ack_now_ = true;
        // RFC 2883 §4: data wholly below RCV.NXT is a duplicate; report it in a D-SACK.
        const SeqNum data_end = seg.seq + static_cast<std::int64_t>(seg.payload.size());
        if (!seg.payload.empty() && data_end <= rcv_nxt_) note_duplicate(seg.seq, data_end);
        // TIME-WAIT: "The only thing that can arrive in this state is a retransmission of the
        // remote FIN. Acknowledge it, and restart the 2 MSL timeout."
        if (state_ == State::TimeWait && seg.control == TcpControl::Fin) {
            time_wait_timer_.arm_after(now, config_.time_wait);
        }
    }
    return false;
}

// RFC 9293 §3.10.7.4 second, with RFC 5961 §3.2.
bool Connection::check_rst(const TcpRepr& seg, Instant now) {
    if (seg.control != TcpControl::Rst) return true;
    if (seg.seq == rcv_nxt_) {
        // RFC 5961 §3.2: "If the RST bit is set and the sequence number exactly matches the next
        // expected sequence number (RCV.NXT), then TCP MUST reset the connection."
        reset_received();
    } else {
        // RFC 5961 §3.2: "If the RST bit is set and the sequence number does not exactly match
        // the next expected sequence value, yet is within the current receive window, TCP MUST
        // send an acknowledgment (challenge ACK)".
        challenge_ack(now);
    }
    return false;
}

void Connection::reset_received() {
    switch (state_) {
        case State::SynReceived:
            // "If this connection was initiated with a passive OPEN, then return this connection
            // to the LISTEN state" (the Stack's listener is LISTEN: we report Closed and it drops
            // us). "If ... an active OPEN, then the connection was refused".
            tx_.clear();
            enter_closed(passive_ ? std::nullopt : std::optional<Errc>(Errc::ConnectionRefused));
            return;
        case State::Established:
        case State::FinWait1:
        case State::FinWait2:
        case State::CloseWait:
            // "any outstanding RECEIVEs and SEND should receive 'reset' responses. All segment
            // queues should be flushed ... enter the CLOSED state".
            tx_.clear();
            rx_.clear();
            enter_closed(Errc::ConnectionReset);
            return;
        case State::TimeWait:
            // RFC 1337 §3 (optional): ignore RST in TIME-WAIT against TIME-WAIT assassination.
            if (config_.rfc1337) return;
            enter_closed(std::nullopt);
            return;
        case State::Closing:
        case State::LastAck:
            // "If the RST bit is set, then enter the CLOSED state, delete the TCB, and return."
            enter_closed(std::nullopt);
            return;
        default:
            return;
    }
}

void Connection::challenge_ack(Instant now) {
    // RFC 5961 §7: "An implementation SHOULD include an ACK throttling mechanism". At most
    // config_.challenge_ack_limit per connection in any one-second window (see Config).
    if (now - challenge_window_ >= kChallengeWindow) {
        challenge_window_ = now;
        challenges_ = 0;
    }
    if (challenges_ >= config_.challenge_ack_limit) return;
    ++challenges_;
    ack_now_ = true;
}

// RFC 9293 §3.10.7.4 fourth, with RFC 5961 §4.2.
bool Connection::check_syn(const TcpRepr& seg, Instant now) {
    if (seg.control != TcpControl::Syn) return true;
    if (state_ == State::SynReceived && passive_) {
        // "SYN-RECEIVED STATE: If the connection was initiated with a passive OPEN, then return
        // this connection to the LISTEN state and return."
        tx_.clear();
        enter_closed(std::nullopt);
        return false;
    }
    // "If the SYN bit is set, irrespective of the sequence number, TCP endpoints MUST send a
    // 'challenge ACK' to the remote peer" (RFC 5961 §4.2), and drop the segment.
    challenge_ack(now);
    return false;
}

// RFC 9293 §3.10.7.4 fifth: the ACK field.
bool Connection::process_ack(const TcpRepr& seg, Instant now) {
    // "if the ACK bit is off, drop the segment and return".
    if (!seg.ack) return false;
    const SeqNum ack = *seg.ack;
    if (state_ == State::SynReceived) {
        // "If SND.UNA < SEG.ACK =< SND.NXT, then enter ESTABLISHED state and continue processing
        // with the variables below set to: SND.WND <- SEG.WND, SND.WL1 <- SEG.SEQ,
        // SND.WL2 <- SEG.ACK. If the segment acknowledgment is not acceptable, form a reset
        // segment <SEQ=SEG.ACK><CTL=RST> and send it."
        if (!(snd_una_ < ack && ack <= snd_max_)) {
            rst_pending_ = PendingRst{ack, std::nullopt};
            return false;
        }
        snd_wnd_ = scaled_window(seg);
        max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
        snd_wl1_ = seg.seq;
        snd_wl2_ = ack;
        rtt_.on_handshake_complete(syn_timed_out_);
        set_state(State::Established);
        if (fin_queued_) set_state(State::FinWait1);
    }
    // RFC 5961 §5.2: the ACK is acceptable only in
    // (SND.UNA - MAX.SND.WND) =< SEG.ACK =< SND.NXT; otherwise send an ACK and drop.
    // RFC 9293: "If the ACK acks something not yet sent (SEG.ACK > SND.NXT), then send an ACK,
    // drop the segment, and return."
    if (ack > snd_max_ || ack < snd_una_ - static_cast<std::int64_t>(max_snd_wnd_)) {
        challenge_ack(now);
        return false;
    }
    timeouts_ = 0;            // the peer is alive (RFC 9293 §3.8.3 R2 counts unanswered timeouts)
    persist_unanswered_ = 0;  // and answers our window probes (RFC 1122 §4.2.2.17)
    // RFC 2018: the SACK blocks are kept for the sender's scoreboard (peer_sack()).
    take_peer_sack(seg);
    const bool advances = snd_una_ < ack;
    std::optional<Duration> rtt_sample;  // for HyStart++ (RFC 9406 §4.2)
    if (advances) {
        // The RTT sample comes first, so congestion control sees the SRTT after it.
        // RFC 7323 §4.1: with timestamps, every ACK of new data gives a sample from its TSecr.
        const bool ts_sampled = ts_rtt_sample(seg, now);
        if (ts_sampled) rtt_sample = rtt_.latest();
        // RFC 6298 §3 (Karn): only a segment never retransmitted is timed (timing_ is cleared
        // on every retransmission), so this sample is unambiguous.
        if (timing_ && ack >= rtt_seq_) {
            if (!ts_sampled && rtt_.sample(now - rtt_sent_, false)) rtt_sample = rtt_.latest();
            timing_ = false;
        }
    }
    AckOutcome outcome;
    outcome.restart_rto = advances;
    // An ACK that moves nothing while nothing is outstanding and carries no SACK block (what a
    // receiver sees on every data segment) cannot be a duplicate (RFC 5681 §2 (a)) and changes
    // no scoreboard: loss recovery is not asked.
    const bool idle_ack = ack == snd_una_ && snd_una_ == snd_max_ && peer_sack_.count == 0;
    if (recovery_ && snd_una_ <= ack && !idle_ack) {
        // Every acceptable ACK (SND.UNA =< SEG.ACK =< SND.NXT) goes to loss recovery before
        // SND.UNA moves: RFC 5681 §2 needs (b) SEG.LEN, (c) SYN/FIN and (e) whether the window
        // changed to tell a duplicate ACK; RFC 6675 §4 Update() takes the SACK blocks.
        AckSegment a;
        a.ack = ack;
        a.sacks = peer_sack_.sacks();
        a.has_data = !seg.payload.empty();
        a.syn_or_fin = seg.control == TcpControl::Syn || seg.control == TcpControl::Fin;
        a.window_changed = scaled_window(seg) != snd_wnd_;
        a.srtt = rtt_.srtt();
        a.rtt_sample = rtt_sample;
        outcome = recovery_->on_ack(a, now);
    }
    // "If SND.UNA =< SEG.ACK =< SND.NXT, the send window should be updated".
    if (snd_una_ <= ack) update_send_window(seg);
    if (advances) {
        // "If SND.UNA < SEG.ACK =< SND.NXT, then set SND.UNA <- SEG.ACK. Any segments on the
        // retransmission queue that are thereby entirely acknowledged are removed."
        std::size_t data = static_cast<std::size_t>(ack - snd_una_);
        if (snd_una_ == iss_) --data;                                       // our SYN
        if (fin_queued_ && snd_una_ <= fin_seq_ && ack > fin_seq_) --data;  // our FIN
        const std::size_t freed = tx_.consume(data);
        snd_una_ = ack;
        if (snd_nxt_ < snd_una_) snd_nxt_ = snd_una_;
        if (snd_una_ == snd_max_) {
            rtx_timer_.disarm();  // RFC 6298 §5.2: all outstanding data acknowledged
            user_timer_.disarm();
        } else {
            // RFC 6298 §5.3: new data acknowledged, restart the timer - except on the later
            // partial ACKs of a NewReno recovery (RFC 6582 §3.2 step 5, AckOutcome::restart_rto).
            if (outcome.restart_rto) rtx_timer_.arm_after(now, rtt_.rto());
            if (config_.user_timeout > Duration::zero()) {
                user_timer_.arm_after(now, config_.user_timeout);  // RFC 5482 §3
            }
        }
        if (freed > 0) events_.push(Event{EventKind::Writable, {}, {}, {}});
    }
    arm_persist(now);
    // RFC 8985 §7.2: restart the probe timer "upon receiving an ACK that cumulatively
    // acknowledges new data" (and, see TailLossProbe::on_ack, one that SACKs new data).
    if (advances || outcome.newly_sacked > 0) arm_tail_loss_probe(now);
    switch (state_) {
        case State::Closing:
            // "In addition to the processing for the ESTABLISHED state, if the ACK acknowledges
            // our FIN, then enter the TIME-WAIT state; otherwise, ignore the segment."
            if (fin_acked()) enter_time_wait(now);
            break;
        case State::LastAck:
            // "The only thing that can arrive in this state is an acknowledgment of our FIN. If
            // our FIN is now acknowledged, delete the TCB, enter the CLOSED state, and return."
            if (fin_acked()) {
                enter_closed(std::nullopt);
                return false;
            }
            break;
        default:
            // FIN-WAIT-1 -> FIN-WAIT-2 happens in settle(), after the FIN step, so that a FIN+ACK
            // acknowledging our FIN goes FIN-WAIT-1 -> TIME-WAIT in one step (RFC 9293 eighth).
            break;
    }
    return true;
}

void Connection::update_send_window(const TcpRepr& seg) {
    // "If (SND.WL1 < SEG.SEQ or (SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK)), set
    // SND.WND <- SEG.WND, set SND.WL1 <- SEG.SEQ, and set SND.WL2 <- SEG.ACK."
    if (snd_wl1_ < seg.seq || (snd_wl1_ == seg.seq && snd_wl2_ <= *seg.ack)) {
        snd_wnd_ = scaled_window(seg);
        snd_wl1_ = seg.seq;
        snd_wl2_ = *seg.ack;
        max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
    }
}

void Connection::process_urg(const TcpRepr&) {
    // RFC 9293 §3.10.7.4 sixth. We implement no urgent mode (RFC 6093 §5 recommends
    // applications not use it): the pointer is ignored and the octets are delivered in line.
}

// RFC 9293 §3.10.7.4 seventh (segment text) and eighth (FIN).
void Connection::process_text_and_fin(const TcpRepr& seg, Instant now) {
    const SeqNum fin_at = seg.seq + static_cast<std::int64_t>(seg.payload.size());
    const bool has_fin = seg.control == TcpControl::Fin;
    if (state_ != State::Established && state_ != State::FinWait1 && state_ != State::FinWait2) {
        // CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: "This should not occur since a FIN has been
        // received from the remote side. Ignore the segment text." (and the FIN: see eighth).
        // Deviation: as Linux (tcp_timewait_state_process), text there is answered with an ACK
        // that shows the peer where our receive sequence stands.
        if (!seg.payload.empty()) ack_now_ = true;
        if (has_fin && state_ == State::TimeWait) {
            ack_now_ = true;
            time_wait_timer_.arm_after(now, config_.time_wait);
        }
        return;
    }
    Bytes payload = seg.payload;
    std::int32_t off = seg.seq - rcv_nxt_;
    if (off < 0) {
        // "If a segment's contents straddle the boundary between old and new, only the new
        // parts are processed."
        const auto old = static_cast<std::size_t>(-static_cast<std::int64_t>(off));
        // RFC 2883 §4: the part below RCV.NXT is a duplicate.
        if (!payload.empty()) {
            note_duplicate(seg.seq, wire::seq_min(rcv_nxt_, fin_at));
        }
        payload = old >= payload.size() ? Bytes{} : payload.subspan(old);
        off = 0;
    }
    const std::uint32_t wnd = rcv_wnd();
    bool fin = has_fin && fin_at >= rcv_nxt_;
    if (static_cast<std::uint64_t>(off) + payload.size() > wnd) {
        // Text beyond the window is trimmed, and a FIN after it with it.
        const std::size_t room = wnd > static_cast<std::uint32_t>(off) ? wnd - off : 0;
        payload = payload.first(std::min(room, payload.size()));
        fin = false;
        ack_now_ = true;
    }
    if (fin && fin_at >= rcv_nxt_ + wnd && fin_at != rcv_nxt_) fin = false;
    if (!payload.empty()) {
        if (user_closed_) {
            // Deviation: as Linux (tcp_rcv_state_process, "TCPAbortOnData"), new data for an
            // application that has closed is answered with a reset: nobody can read it.
            rst_pending_ = PendingRst{*seg.ack, std::nullopt};
            tx_.clear();
            rx_.clear();
            enter_closed(Errc::ConnectionAborted);
            return;
        }
        const bool had_holes = !reassembly_.empty();
        const auto offset = static_cast<std::uint32_t>(off);
        const SeqNum edge = rcv_nxt_;
        const std::size_t written = rx_.write_at(offset, payload);
        const AddResult r = take_text(offset, written, seg, now);
        if (r.duplicate) {
            // RFC 2883 §4: data already held out of order arrived again.
            note_duplicate(edge + r.duplicate->start, edge + r.duplicate->end);
        }
        if (offset > 0 || had_holes || !r.accepted || written < payload.size()) {
            // RFC 5681 §4.2: "an immediate ACK SHOULD be generated when an out-of-order segment
            // arrives" and "when an incoming segment fills in all or part of a gap".
            ack_now_ = true;
            if (offset > 0) enter_quick_ack();
        } else {
            ack_in_order(r.advanced, seg.payload.size(), now);
        }
    }
    if (fin) {
        if (fin_at == rcv_nxt_) {
            process_fin(now);
            return;
        }
        ooo_fin_ = fin_at;  // held until the data before it arrives
        ack_now_ = true;
    }
    if (ooo_fin_ && *ooo_fin_ == rcv_nxt_) process_fin(now);
}

AddResult Connection::take_text(std::uint32_t offset, std::size_t written, const TcpRepr& seg,
                                Instant now) {
    // The out-of-order table is sized by the ring (which auto-tuning may have grown), so a
    // window full of islands is held and SACKed, not refused (see Assembler).
    reassembly_.set_max_ranges(Assembler::max_ranges_for(rx_.capacity()));
    const AddResult r = reassembly_.add(offset, static_cast<std::uint32_t>(written));
    rx_.commit(r.advanced);
    rcv_nxt_ += r.advanced;
    rcv_mss_ = std::max(rcv_mss_, static_cast<std::uint16_t>(
                                      std::min<std::size_t>(seg.payload.size(), config_.mss)));
    if (r.advanced > 0) {
        events_.push(Event{EventKind::Readable, {}, {}, {}});
        measure_rcv_rtt(seg, now);
    }
    return r;
}

void Connection::ack_in_order(std::size_t advanced, std::size_t payload, Instant now) {
    // RFC 1122 §4.2.3.2 / RFC 5681 §4.2: delay the ACK, but "an ACK SHOULD be generated for at
    // least every second full-sized segment" (more than one full-sized segment's worth
    // unacknowledged, as Linux's rcv_mss test), and within config_.delayed_ack.
    unacked_rcv_bytes_ += static_cast<std::uint32_t>(advanced);
    if (quick_acks_ > 0 && payload >= rcv_mss_) {
        // Deviation: Linux quick-ack mode (Config::quick_acks), for full-sized segments only: a
        // bulk sender's slow start gets an ACK per segment, while a small request's ACK still
        // waits to ride on the reply.
        --quick_acks_;
        ack_now_ = true;
    } else if (unacked_rcv_bytes_ > rcv_mss_) {
        ack_now_ = true;
    } else {
        delack_timer_.arm_if_disarmed(now + config_.delayed_ack);
    }
}

void Connection::enter_quick_ack() {
    // Deviation: as Linux did from 2.6 to 4.17 (tcp_data_queue calls tcp_enter_quickack_mode for
    // every out-of-order segment in the window), data beyond a hole restarts quick-ack mode: the
    // next full-sized in-order segments, up to Config::quick_acks and half a window's worth, are
    // ACKed one by one. A sender that has just reduced its window after the loss gets its ACK
    // clock back at once rather than one ACK per two segments.
    if (config_.quick_acks == 0 || rcv_mss_ == 0) return;
    const std::uint32_t half_window = rcv_wnd() / (2u * rcv_mss_);
    quick_acks_ = std::max(quick_acks_, std::min(config_.quick_acks, std::max(half_window, 2u)));
}

void Connection::process_fin(Instant now) {
    // RFC 9293 §3.10.7.4 eighth: "signal the user 'connection closing' ..., advance RCV.NXT over
    // the FIN, and send an acknowledgment for the FIN."
    rcv_nxt_ += 1;
    if (rcv_adv_ < rcv_nxt_) rcv_adv_ = rcv_nxt_;
    rcv_fin_ = true;
    ooo_fin_.reset();
    events_.push(Event{EventKind::PeerFin, {}, {}, {}});
    switch (state_) {
        case State::Established:
            // "Enter the CLOSE-WAIT state." Deviation: as Linux (tcp_fin enters "pingpong"
            // mode), the ACK of this FIN is delayed, so an application that closes at once sends
            // FIN+ACK in one segment: the three-packet close.
            set_state(State::CloseWait);
            delack_timer_.arm_if_disarmed(now + config_.delayed_ack);
            break;
        case State::FinWait1:
            // "If our FIN has been ACKed (perhaps in this segment), then enter TIME-WAIT, start
            // the time-wait timer, turn off the other timers; otherwise, enter the CLOSING state."
            if (fin_acked()) {
                enter_time_wait(now);
            } else {
                set_state(State::Closing);
            }
            ack_now_ = true;
            break;
        case State::FinWait2:
            // "Enter the TIME-WAIT state. Start the time-wait timer, turn off the other timers."
            enter_time_wait(now);
            ack_now_ = true;
            break;
        default:
            ack_now_ = true;
            break;
    }
}

void Connection::settle(Instant now) {
    // RFC 9293 §3.10.7.4 fifth, FIN-WAIT-1: "if the FIN segment is now acknowledged, then enter
    // FIN-WAIT-2 and continue processing in that state".
    if (state_ == State::FinWait1 && fin_acked()) {
        set_state(State::FinWait2);
        if (user_closed_ && config_.fin_wait2_timeout > Duration::zero()) {
            fin_wait2_timer_.arm_after(now, config_.fin_wait2_timeout);
        }
    }
}

}  // namespace ustack::tcp
