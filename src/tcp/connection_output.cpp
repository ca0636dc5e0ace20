// tcp::Connection output and timers: the only producer of segments (RFC 9293 §3.8, RFC 6298 §5,
// RFC 1122 §4.2.3.2 delayed ACK, §4.2.3.4 Nagle, RFC 9293 §3.8.6.1 zero-window probes).
#include <algorithm>
#include <cstring>
#include <limits>

#include "tcp/connection.h"

namespace ustack::tcp {

using wire::SeqNum;
using wire::TcpControl;
using wire::TcpRepr;

namespace {
// Without window scaling (RFC 7323, issue 4) the window field is the window.
constexpr std::uint32_t kMaxWindow = 65535;
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
        rst_pending_.reset();
        return r;
    }
    if (state_ == State::Closed || state_ == State::Listen) return std::nullopt;

    if (syn_owed()) {
        // RFC 9293 §3.10.1 / §3.10.7.2: <SEQ=ISS><CTL=SYN> or <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>,
        // with our MSS (RFC 9293 §3.7.1 MUST-14 allows always sending it; Linux does).
        TcpRepr s = base_segment();
        s.control = TcpControl::Syn;
        s.seq = iss_;
        if (state_ == State::SynReceived) s.ack = rcv_nxt_;
        s.window = window_to_advertise();
        s.options.mss = config_.mss;
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

    if (ack_now_) {
        // A pure ACK: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> (RFC 9293 §3.10.7.4).
        TcpRepr a = base_segment();
        a.seq = snd_max_;
        a.ack = rcv_nxt_;
        a.window = window_to_advertise();
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
    return t;
}

bool Connection::something_owed() const {
    if (rst_pending_) return true;
    if (state_ == State::Closed || state_ == State::Listen) return false;
    if (syn_owed() || ack_now_) return true;
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
}

void Connection::on_retransmit_timeout() {
    rtx_timer_.disarm();
    if (snd_una_ == snd_max_) {
        // Nothing in flight: this was the persist timer. RFC 9293 §3.8.6.1: "The sending TCP must
        // regularly retransmit to the receiving TCP even when the window is zero" — send one new
        // octet beyond the window, backing off as a retransmission would (RFC 1122 §4.2.2.17).
        if (data_state() && snd_wnd_ == 0 && unsent_in_ring() > 0) {
            force_one_ = true;
            rtt_.back_off();
        }
        return;
    }
    ++timeouts_;
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
    // Congestion control seam (issue 4): allowed = min(allowed, cwnd - flight).
    std::size_t len = std::min({unsent, allowed, static_cast<std::size_t>(send_mss()), space});
    // RFC 1122 §4.2.3.4 (Nagle, RFC 896): with data outstanding, hold a segment smaller than the
    // MSS until it is acknowledged, unless TCP_NODELAY, or this is the last data before our FIN.
    const bool outstanding = snd_nxt_ != snd_una_;
    if (len < send_mss() && outstanding && !config_.no_delay && !force_one_ &&
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
    return static_cast<std::uint32_t>(std::min<std::size_t>(rx_.free(), kMaxWindow));
}

std::uint16_t Connection::window_to_advertise() {
    const std::uint32_t adv = rcv_wnd();
    std::uint32_t win = receive_window_now();
    // RFC 1122 §4.2.3.3 (receiver SWS avoidance): move the right edge only when it can move by
    // min(buffer / 2, MSS); RFC 9293 §3.8.6.2.2: never shrink the window (move the edge left).
    const auto step =
        static_cast<std::uint32_t>(std::min<std::size_t>(rx_.capacity() / 2, config_.mss));
    if (win < adv + step) win = adv;
    rcv_adv_ = rcv_nxt_ + static_cast<std::int64_t>(win);
    return static_cast<std::uint16_t>(std::min(win, kMaxWindow));
}

void Connection::segment_sent(const TcpRepr& seg, Instant now) {
    if (seg.ack) {
        // Any segment carrying ACK=RCV.NXT settles what was owed (the ACK rides on data).
        ack_now_ = false;
        unacked_rcv_bytes_ = 0;
        delack_timer_.disarm();
    }
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
    // RFC 6298 §5.1: "Every time a packet containing data is sent (including a retransmission),
    // if the timer is not running, start it running so that it will expire after RTO seconds".
    rtx_timer_.arm_if_disarmed(now + rtt_.rto());
    if (config_.user_timeout > Duration::zero()) {
        user_timer_.arm_if_disarmed(now + config_.user_timeout);  // RFC 5482 §3
    }
}

void Connection::arm_persist(Instant now) {
    // RFC 9293 §3.8.6.1 / RFC 1122 §4.2.2.17: a zero window with data waiting and nothing in
    // flight starts the persist timer (we use the retransmission timer and its back-off).
    if (data_state() && snd_wnd_ == 0 && unsent_in_ring() > 0 && snd_una_ == snd_max_ &&
        !rtx_timer_.armed()) {
        rtx_timer_.arm_after(now, rtt_.rto());
    }
}

}  // namespace ustack::tcp
