// tcp::Connection output and timers: the only producer of segments (RFC 9293 §3.8, RFC 6298 §5,
// RFC 1122 §4.2.3.2 delayed ACK, §4.2.3.3-4 Nagle and SWS avoidance, RFC 7323 §2.3 window
// scaling of what we advertise, RFC 9293 §3.8.6.1 zero-window and keep-alive probes).
#include <algorithm>
#include <cstring>
#include <limits>

#include "tcp/connection.h"

namespace ustack::tcp {

using wire::SeqNum;
using wire::TcpControl;
using wire::TcpRepr;

namespace {
// RFC 9293 §3.1: the window field is 16 bits; RFC 7323 §2.3 scales it by up to 2^14.
constexpr std::uint32_t kMaxWindowField = 65535;
}  // namespace

std::optional<TcpRepr> Connection::poll_transmit(Instant now, MutBytes payload_space) {
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

    const std::size_t len = sendable_len(payload_space.size());
    const bool fin = fin_sendable(len);
    if (len > 0 || fin) {
        TcpRepr d = base_segment();
        d.seq = snd_nxt_;
        d.ack = rcv_nxt_;
        d.window = window_to_advertise();
        // sendable_len() left room for these (RFC 6691 §2).
        d.options = segment_options(true, now);
        if (len > 0) {
            // The one copy out of the send ring, into the frame's payload region.
            const auto off = static_cast<std::size_t>(snd_nxt_ - tx_seq());
            const SpanPair<Bytes> parts = tx_.peek(off, len);
            std::memcpy(payload_space.data(), parts.first.data(), parts.first.size());
            if (!parts.second.empty()) {
                std::memcpy(payload_space.data() + parts.first.size(), parts.second.data(),
                            parts.second.size());
            }
            d.payload = Bytes(payload_space.data(), len);
            // PSH on the segment that empties what the application has queued (RFC 9293 §3.9.1
            // leaves PSH to the sender; this is what Linux's tcp_push produces).
            d.psh = off + len == tx_.size();
        }
        if (fin) d.control = TcpControl::Fin;
        segment_sent(d, now);
        return d;
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

Instant Connection::poll_at() const {
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
    return t;
}

bool Connection::something_owed() const {
    if (rst_pending_) return true;
    if (state_ == State::Closed || state_ == State::Listen) return false;
    if (syn_owed() || ack_now_ || probe_owed_) return true;
    const std::size_t len = sendable_len(std::numeric_limits<std::size_t>::max());
    return len > 0 || fin_sendable(len);
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
    if (state_ == State::SynSent || state_ == State::SynReceived) syn_timed_out_ = true;
    // RFC 6298 §5.4: "Retransmit the earliest segment that has not been acknowledged" — we go
    // back to SND.UNA and resend from there (go-back-N; SACK-based recovery comes with issue 4).
    // §5.5: "The host MUST set RTO <- RTO * 2 ("back off the timer")". §5.6: the timer restarts
    // when the retransmission is sent (segment_sent).
    rtt_.back_off();
    snd_nxt_ = snd_una_;
    timing_ = false;  // RFC 6298 §3 (Karn)
    force_one_ = true;
    // Congestion control seam (issue 4): on_retransmit_timeout() (loss window) goes here.
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
    std::size_t allowed;
    if (usable > 0) {
        allowed = static_cast<std::size_t>(usable);
    } else if (force_one_) {
        allowed = 1;  // zero-window probe, or the first retransmission into a closed window
    } else {
        return 0;
    }
    // Congestion control seam: allowed = min(allowed, cwnd - flight).
    // A full-sized segment: the MSS less the options data segments carry now (RFC 6691 §2).
    const std::size_t full = payload_mss();
    const std::size_t win_len = std::min({unsent, allowed, full});
    // RFC 1122 §4.2.3.4 (sender SWS avoidance): send when "(1) a maximum-sized segment can be
    // sent", "(2) the data is pushed and all queued data can be sent now", or "(3) at least a
    // fraction Fs of the maximum window can be sent" (Fs = 1/2, RFC 9293 §3.8.6.2.1); a segment
    // cut short by the window alone waits, until the override timeout (the persist timer,
    // sws_override_) expires.
    if (win_len < full && win_len < unsent && 2 * win_len < max_snd_wnd_ && !force_one_ &&
        !sws_override_) {
        return 0;
    }
    std::size_t len = std::min(win_len, payload_limit(space));
    // RFC 1122 §4.2.3.4 (Nagle, RFC 896): with data outstanding, hold a segment smaller than the
    // MSS until it is acknowledged, unless TCP_NODELAY, or this is the last data before our FIN.
    const bool outstanding = snd_nxt_ != snd_una_;
    if (len < full && outstanding && !config_.no_delay && !force_one_ &&
        !(fin_queued_ && len == unsent)) {
        return 0;
    }
    return len;
}

bool Connection::fin_sendable(std::size_t len) const {
    // Our FIN follows the last data octet; it needs no window (it carries no data).
    return fin_queued_ && data_state() && snd_nxt_ + static_cast<std::int64_t>(len) == fin_seq_;
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
    snd_nxt_ = end;
    if (snd_max_ < end) snd_max_ = end;
    force_one_ = false;
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
