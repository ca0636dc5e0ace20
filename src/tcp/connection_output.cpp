// tcp::Connection output and timers: the only producer of segments (RFC 9293 §3.8, RFC 6298 §5,
// RFC 1122 §4.2.3.2 delayed ACK, §4.2.3.3-4 Nagle and SWS avoidance, RFC 7323 §2.3 window
// scaling of what we advertise, RFC 9293 §3.8.6.1 zero-window and keep-alive probes).
#include <algorithm>
#include <limits>

#include "base/checksum.h"
#include "tcp/connection.h"

namespace ustack::tcp {

using wire::SeqNum;
using wire::TcpControl;
using wire::TcpOptions;
using wire::TcpRepr;

namespace {
// RFC 9293 §3.1: the window field is 16 bits; RFC 7323 §2.3 scales it by up to 2^14.
constexpr std::uint32_t kMaxWindowField = 65535;
}  // namespace

std::optional<TcpRepr> Connection::poll_transmit(Instant now, MutBytes payload_space) {
    forget_poll_at();
    now_ = std::max(now_, now);
    run_timers(now);

    if (rst_pending_) {
        TcpRepr r = base_segment();
        r.control = TcpControl::Rst;
        r.seq = rst_pending_->seq;
        r.ack = rst_pending_->ack;
        r.window = 0;
        r.options = segment_options(false, now);  // TSopt, as Linux's resets carry
        rst_pending_.reset();
        return r;
    }
    if (state_ == State::Closed || state_ == State::Listen) return std::nullopt;

    if (syn_owed()) {
        // RFC 9293 §3.10.1 / §3.10.7.2: <SEQ=ISS><CTL=SYN> or <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>,
        // with our MSS, window scale, SACK-permitted and timestamps options.
        TcpRepr s = base_segment();
        s.control = TcpControl::Syn;
        s.seq = iss_;
        if (state_ == State::SynReceived) s.ack = rcv_nxt_;
        s.window = syn_window();
        syn_options(s, now);
        segment_sent(s, now);
        return s;
    }

    if (recovery_ && data_state()) idle_restart(now);
    // (idle_sender(): the common case of nothing to send, answered without planning a segment.)
    if (recovery_ && data_state() && !idle_sender()) {
        const Transmission t = next_transmission(payload_space.size());
        // The probe is owed once, to this poll: if nothing can go, the RTO stays in charge.
        const bool probe = tlp_owed_;
        tlp_owed_ = false;
        if (t.data > 0 || t.fin) {
            TcpRepr d = base_segment();
            d.seq = t.seq;
            d.ack = rcv_nxt_;
            d.window = window_to_advertise();
            // next_transmission() left room for these (RFC 6691 §2).
            d.options = segment_options(true, now);
            if (t.data > 0) {
                // The one copy out of the send ring, into the frame's payload region, takes the
                // payload's checksum on the way (the IP layer adds the header's).
                const auto off = static_cast<std::size_t>(t.seq - tx_seq());
                const SpanPair<Bytes> parts = tx_.peek(off, t.data);
                Checksum sum;
                sum.add_copy(parts.first, payload_space);
                if (!parts.second.empty()) {  // the range wraps round the ring's end
                    sum.add_copy(parts.second, payload_space.subspan(parts.first.size()));
                }
                d.payload = Bytes(payload_space.data(), t.data);
                d.payload_sum = sum;
                // PSH on the segment that empties what the application has queued (RFC 9293
                // §3.9.1 leaves PSH to the sender; this is what Linux's tcp_push produces).
                d.psh = off + t.data == tx_.size();
            }
            if (t.fin) d.control = TcpControl::Fin;
            segment_sent(d, now);
            recovery_->on_sent(t.plan, t.seq, static_cast<std::uint32_t>(d.segment_len()));
            if (probe) {
                // RFC 8985 §7.3: "the sender MUST re-arm the RTO timer". Deviation (see
                // TailLossProbe::kMaxUnanswered): the PTO too, at twice the interval, for a
                // second probe should this one draw no ACK.
                rtx_timer_.arm_after(now, rtt_.rto());
                arm_tail_loss_probe(now);
            } else if (t.plan.kind == SendPlan::Kind::NewData) {
                arm_tail_loss_probe(now);  // §7.2: "after transmitting new data"
            }
            return d;
        }
    }

    if (probe_owed_) {
        // A zero-window or keep-alive probe (see on_persist_timeout, on_keepalive_timeout):
        // <SEQ=SND.UNA-1><ACK=RCV.NXT>, outside the peer's window, so it draws an ACK.
        probe_owed_ = false;
        TcpRepr p = base_segment();
        p.seq = snd_una_ - 1;
        p.ack = rcv_nxt_;
        p.window = window_to_advertise();
        p.options = segment_options(true, now);
        segment_sent(p, now);
        return p;
    }

    if (ack_now_) {
        // A pure ACK: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> (RFC 9293 §3.10.7.4).
        TcpRepr a = base_segment();
        a.seq = snd_max_;
        a.ack = rcv_nxt_;
        a.window = window_to_advertise();
        a.options = segment_options(true, now);
        segment_sent(a, now);
        return a;
    }
    return std::nullopt;
}

Instant Connection::compute_poll_at() const {
    if (something_owed()) return now_;
    if (state_ == State::Closed) return Instant::never();
    Instant t = rtx_timer_.at();
    t = earliest(t, delack_timer_.at());
    t = earliest(t, time_wait_timer_.at());
    t = earliest(t, connect_timer_.at());
    t = earliest(t, fin_wait2_timer_.at());
    t = earliest(t, user_timer_.at());
    t = earliest(t, persist_timer_.at());
    t = earliest(t, keepalive_timer_.at());
    t = earliest(t, tlp_timer_.at());
    return t;
}

bool Connection::something_owed() const {
    if (rst_pending_) return true;
    if (state_ == State::Closed || state_ == State::Listen) return false;
    if (syn_owed() || ack_now_ || probe_owed_ || tlp_owed_) return true;
    if (!recovery_ || !data_state() || idle_sender()) return false;
    const Transmission t = next_transmission(std::numeric_limits<std::size_t>::max());
    return t.data > 0 || t.fin;
}

void Connection::run_timers(Instant now) {
    if (state_ == State::Closed) return;
    if (time_wait_timer_.expired(now)) {
        // RFC 9293 §3.10.8: "If the time-wait timeout expires on a connection, delete the TCB,
        // enter the CLOSED state, and return."
        enter_closed(std::nullopt);
        return;
    }
    if (connect_timer_.expired(now)) {
        tx_.clear();
        enter_closed(Errc::TimedOut);
        return;
    }
    if (user_timer_.expired(now)) {
        // RFC 9293 §3.10.8 USER TIMEOUT: "flush all queues, signal the user 'error: connection
        // aborted due to user timeout' ..., delete the TCB, enter the CLOSED state". RFC 5482 §4
        // reports it as a timeout.
        tx_.clear();
        rx_.clear();
        enter_closed(Errc::TimedOut);
        return;
    }
    if (fin_wait2_timer_.expired(now)) {
        enter_closed(std::nullopt);
        return;
    }
    if (delack_timer_.expired(now)) {
        delack_timer_.disarm();
        ack_now_ = true;  // RFC 1122 §4.2.3.2: the delayed ACK is due
    }
    if (rtx_timer_.expired(now)) on_retransmit_timeout();
    if (tlp_timer_.expired(now)) {
        // RFC 8985 §7.3: the PTO fired; the probe goes if one still may (an RTO or a recovery
        // since it was armed takes over).
        tlp_timer_.disarm();
        tlp_owed_ = recovery_ && data_state() && recovery_->probe_wanted();
    }
    if (persist_timer_.expired(now)) on_persist_timeout(now);
    if (state_ != State::Closed && keepalive_timer_.expired(now)) on_keepalive_timeout(now);
}

void Connection::on_retransmit_timeout() {
    rtx_timer_.disarm();
    if (snd_una_ == snd_max_) return;  // nothing in flight (the persist timer has its own)
    ++timeouts_;
    ++rto_events_;

    std::uint32_t limit = config_.max_retransmits;
    if (state_ == State::SynSent) limit = config_.syn_retries;
    if (state_ == State::SynReceived) limit = config_.synack_retries;
    if (timeouts_ > limit) {
        // RFC 9293 §3.8.3: R2 reached, "close the connection".
        tx_.clear();
        rx_.clear();
        enter_closed(Errc::TimedOut);
        return;
    }
    // RFC 6298 §5.5: "The host MUST set RTO <- RTO * 2 ("back off the timer")". §5.6: the timer
    // restarts when the retransmission is sent (segment_sent).
    rtt_.back_off();
    timing_ = false;  // RFC 6298 §3 (Karn)
    tlp_timer_.disarm();
    tlp_owed_ = false;
    if (recovery_ && data_state()) {
        // RFC 6298 §5.4: "Retransmit the earliest segment that has not been acknowledged".
        // LossRecovery sets ssthresh and cwnd = LW = 1 SMSS (RFC 5681 §3.1; RFC 9438 §4.8),
        // forgets the SACK scoreboard (RFC 2018 §8) and resends from SND.UNA as the window
        // opens again; next_transmission() sends what it plans.
        recovery_->on_rto();
        return;
    }
    // The SYN or SYN-ACK goes again (syn_owed()); RFC 6928 §2 then starts from one segment.
    if (state_ == State::SynSent || state_ == State::SynReceived) syn_timed_out_ = true;
    snd_nxt_ = snd_una_;
}

void Connection::arm_tail_loss_probe(Instant now) {
    if (!config_.tail_loss_probe || !sack_ok_ || !recovery_ || !data_state() ||
        !recovery_->probe_wanted()) {
        tlp_timer_.disarm();
        return;
    }
    const Instant at = now + recovery_->probe_timeout(rtt_.srtt());
    // RFC 8985 §7.2: the PTO never comes after the RTO; when it would, the RTO does the job.
    if (rtx_timer_.armed() && at >= rtx_timer_.at()) {
        tlp_timer_.disarm();
        return;
    }
    tlp_timer_.arm(at);
}

void Connection::idle_restart(Instant now) {
    // RFC 5681 §4.1: "a TCP SHOULD set cwnd to no more than RW before beginning transmission if
    // the TCP has not sent data in an interval exceeding the retransmission timeout."
    if (snd_una_ != snd_max_ || last_data_sent_ == Instant::never()) return;
    if (now - last_data_sent_ <= rtt_.rto()) return;
    if (unsent_in_ring() == 0 && !(fin_queued_ && snd_max_ <= fin_seq_)) return;
    recovery_->on_idle_restart();
    // Once per idle period: the restart window applies from here on.
    last_data_sent_ = now;
}

bool Connection::idle_sender() const {
    // next_transmission()'s first answer without building one: no probe owed, nothing unsent
    // (so sendable_len() is 0), no FIN to send now and no recovery to resend from: nothing.
    return !tlp_owed_ && unsent_in_ring() == 0 && !fin_sendable(0) && !recovery_->in_recovery();
}

Connection::Transmission Connection::next_transmission(std::size_t space) const {
    Transmission t;
    // What the peer's window, SWS avoidance and Nagle allow of new data (RFC 1122 §4.2.3.4).
    const std::size_t new_len = sendable_len(space);
    const bool new_ok = new_len > 0 || fin_sendable(new_len);
    if (tlp_owed_) {
        // RFC 8985 §7.3: the probe, regardless of cwnd.
        t.plan = recovery_->probe_segment(new_ok);
    } else {
        // Outside recovery only new data is ever planned (the common idle case, asked by
        // poll_at()).
        if (!new_ok && !recovery_->in_recovery()) return t;
        t.plan = recovery_->next_segment(new_ok);
    }
    switch (t.plan.kind) {
        case SendPlan::Kind::None:
            return t;
        case SendPlan::Kind::NewData:
            if (!new_ok) return t;
            // RFC 5681 §3.1 / RFC 6675 §5 step C: new data only within cwnd. Deviation: as
            // Linux (whose cwnd counts segments) and BSD, a segment the congestion window would
            // cut short waits for the next ACK instead of going out small; something is in
            // flight whenever the room is below one segment (cwnd >= 1 SMSS), so an ACK or the
            // RTO comes. The FIN rides on the last data without counting against cwnd.
            if (new_len > t.plan.len) return t;
            t.seq = snd_nxt_;
            t.data = new_len;
            t.fin = fin_sendable(new_len);
            return t;
        case SendPlan::Kind::Retransmit:
        case SendPlan::Kind::Rescue:
            break;
    }
    // A retransmission of [seq, seq + len), which may end with our FIN's number. It is sent
    // whatever the peer's window now says (RFC 1122 §4.2.2.16 allows resending old data), and
    // not held by Nagle or SWS avoidance: the data went out once already.
    t.seq = t.plan.seq;
    std::size_t data = t.plan.len;
    if (fin_queued_ && t.seq + static_cast<std::int64_t>(data) > fin_seq_) {
        data = static_cast<std::size_t>(std::max<std::int32_t>(0, fin_seq_ - t.seq));
        t.fin = true;
    }
    // Bounded by the ring (defensive: the scoreboard and the ring cover the same octets).
    const std::int32_t off = t.seq - tx_seq();
    if (off < 0 || static_cast<std::size_t>(off) + data > tx_.size()) {
        // Every return names `t`, so it is built in the caller's slot (NRVO): a local copied out
        // is read back wider than its fields were written, a store-forwarding stall per call.
        t = Transmission{};
        return t;
    }
    const std::size_t limit = payload_limit(space);
    if (data > limit) {
        data = limit;
        t.fin = false;
    }
    // A resend of the last data takes the FIN along, as the original did (it needs no room).
    if (fin_queued_ && t.seq + static_cast<std::int64_t>(data) == fin_seq_) t.fin = true;
    t.data = data;
    return t;
}

bool Connection::syn_owed() const {
    return (state_ == State::SynSent || state_ == State::SynReceived) && snd_nxt_ == iss_;
}

bool Connection::data_state() const {
    switch (state_) {
        case State::Established:
        case State::CloseWait:
        case State::FinWait1:
        case State::Closing:
        case State::LastAck:
            return true;
        default:
            return false;
    }
}

std::size_t Connection::sendable_len(std::size_t space) const {
    if (!data_state()) return 0;
    const std::size_t unsent = unsent_in_ring();
    if (unsent == 0) return 0;
    // RFC 9293 §3.8.6: the usable window is SND.UNA + SND.WND - SND.NXT.
    const std::int64_t usable =
        static_cast<std::int64_t>(snd_wnd_) - static_cast<std::int64_t>(snd_nxt_ - snd_una_);
    if (usable <= 0) return 0;  // a closed window is probed by the persist timer
    const auto allowed = static_cast<std::size_t>(usable);
    // A full-sized segment: the MSS less the options data segments carry now (RFC 6691 §2).
    const std::size_t full = payload_mss();
    const std::size_t win_len = std::min({unsent, allowed, full});
    // RFC 1122 §4.2.3.4 (sender SWS avoidance): send when "(1) a maximum-sized segment can be
    // sent", "(2) the data is pushed and all queued data can be sent now", or "(3) at least a
    // fraction Fs of the maximum window can be sent" (Fs = 1/2, RFC 9293 §3.8.6.2.1); a segment
    // cut short by the window alone waits, until the override timeout (the persist timer,
    // sws_override_) expires.
    if (win_len < full && win_len < unsent && 2 * win_len < max_snd_wnd_ && !sws_override_) {
        return 0;
    }
    std::size_t len = std::min(win_len, payload_limit(space));
    // RFC 1122 §4.2.3.4 (Nagle, RFC 896): with data outstanding, hold a segment smaller than the
    // MSS until it is acknowledged, unless TCP_NODELAY, or this is the last data before our FIN.
    const bool outstanding = snd_nxt_ != snd_una_;
    if (len < full && outstanding && !config_.no_delay && !(fin_queued_ && len == unsent)) {
        return 0;
    }
    return len;
}

bool Connection::fin_sendable(std::size_t len) const {
    // Our FIN follows the last data octet; it needs no window (it carries no data).
    return fin_queued_ && data_state() && snd_nxt_ + static_cast<std::int64_t>(len) == fin_seq_;
}

std::size_t Connection::data_options_len() const {
    // The same options as segment_options(true, ...) as far as their length goes: the layout
    // depends only on which options there are and on how many SACK blocks (RFC 2018 §3, a
    // D-SACK first, RFC 2883 §4). max_sack_blocks() keeps them within the 40 bytes.
    std::size_t blocks = 0;
    if (sack_ok_) {
        const std::size_t dsack = dsack_ ? 1 : 0;
        blocks = dsack + std::min(reassembly_.count(), max_sack_blocks() - dsack);
    }
    return TcpOptions::data_segment_len(ts_ok_, blocks);
}

TcpRepr Connection::base_segment() const {
    TcpRepr r;
    r.src_port = local_port_;
    r.dst_port = remote_port_;
    return r;
}

std::uint32_t Connection::receive_window_now() const {
    // The largest window the field can express: 65535 << Rcv.Wind.Shift (RFC 7323 §2.3).
    return static_cast<std::uint32_t>(
        std::min<std::size_t>(rx_.free(), std::size_t{kMaxWindowField} << rcv_wscale_));
}

std::uint16_t Connection::window_to_advertise() {
    const std::uint32_t adv = rcv_wnd();
    std::uint32_t win = receive_window_now();
    // RFC 1122 §4.2.3.3 (receiver SWS avoidance): move the right edge only when it can move by
    // min(buffer / 2, MSS); RFC 9293 §3.8.6.2.2: never shrink the window (move the edge left).
    const auto step =
        static_cast<std::uint32_t>(std::min<std::size_t>(rx_.capacity() / 2, config_.mss));
    if (win < adv + step) win = adv;
    // RFC 7323 §2.3: "SEG.WND = RCV.WND >> Rcv.Wind.Shift", rounding down. §2.4: when that
    // would offer less than already offered (a shrinking window), round up instead, so the
    // edge the peer sees does not move left - as long as the rounded edge stays inside the
    // ring. Past the ring's end we round down and let the edge retreat by less than 2^shift
    // (§2.4: "or will have to advertise a smaller window ... Implementations MUST ensure that
    // they handle a shrinking window"): rounding up there again and again would creep beyond
    // the buffer and a full buffer could never announce a zero window. rcv_adv_ keeps the
    // highest edge ever announced, and every segment inside it stays acceptable (§2.4
    // receiver rule 1); what does not fit the ring is trimmed.
    std::uint32_t field = win >> rcv_wscale_;
    if ((std::uint64_t{field} << rcv_wscale_) < adv &&
        (std::uint64_t{field + 1} << rcv_wscale_) <= rx_.free()) {
        ++field;
    }
    field = std::min(field, kMaxWindowField);
    const SeqNum edge = rcv_nxt_ + static_cast<std::int64_t>(std::uint64_t{field} << rcv_wscale_);
    if (rcv_adv_ < edge) rcv_adv_ = edge;
    return static_cast<std::uint16_t>(field);
}

std::uint16_t Connection::syn_window() {
    // RFC 7323 §2.2: "The window field in a segment where the SYN bit is set ... MUST NOT be
    // scaled": at most 65535 whatever the buffer.
    const std::uint32_t win = std::min(receive_window_now(), kMaxWindowField);
    if (state_ == State::SynReceived) {
        const SeqNum edge = rcv_nxt_ + static_cast<std::int64_t>(win);
        if (rcv_adv_ < edge) rcv_adv_ = edge;
    }
    return static_cast<std::uint16_t>(win);
}

void Connection::segment_sent(const TcpRepr& seg, Instant now) {
    if (seg.ack) {
        // Any segment carrying ACK=RCV.NXT settles what was owed (the ACK rides on data).
        ack_now_ = false;
        unacked_rcv_bytes_ = 0;
        delack_timer_.disarm();
        last_ack_sent_ = *seg.ack;  // RFC 7323 §4.3 Last.ACK.sent
        dsack_.reset();             // RFC 2883: a duplicate is reported once
    }
    // Deviation (Linux quick-ack): once we send data, ACKs can ride on it: no more quick ACKs.
    if (!seg.payload.empty()) quick_acks_ = 0;
    const std::size_t len = seg.segment_len();
    if (len == 0) return;
    const SeqNum end = seg.seq + static_cast<std::int64_t>(len);
    if (seg.seq < snd_max_) {
        ++retransmits_;
        if (timing_ && seg.seq < rtt_seq_) timing_ = false;  // RFC 6298 §3 (Karn)
    } else if (!timing_) {
        timing_ = true;
        rtt_seq_ = end;
        rtt_sent_ = now;
    }
    // A retransmission of data leaves SND.NXT where it is; a resent SYN moves it past the SYN.
    if (snd_nxt_ < end) snd_nxt_ = end;
    if (snd_max_ < end) snd_max_ = end;
    last_data_sent_ = now;
    sws_override_ = false;
    persist_timer_.disarm();  // something is in flight: its ACK (or the RTO) takes over
    // RFC 6298 §5.1: "Every time a packet containing data is sent (including a retransmission),
    // if the timer is not running, start it running so that it will expire after RTO seconds".
    rtx_timer_.arm_if_disarmed(now + rtt_.rto());
    if (config_.user_timeout > Duration::zero()) {
        user_timer_.arm_if_disarmed(now + config_.user_timeout);  // RFC 5482 §3
    }
}

}  // namespace ustack::tcp
