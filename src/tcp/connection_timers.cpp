// tcp::Connection timers beyond RFC 6298: the persist timer (RFC 9293 §3.8.6.1 zero-window probes,
// RFC 1122 §4.2.3.4 SWS override), keep-alive (RFC 1122 §4.2.3.6), and receive buffer
// auto-tuning with the receiver's RTT estimate (as Linux's tcp_rcv_space_adjust).
#include <algorithm>
#include <limits>

#include "tcp/connection.h"

namespace ustack::tcp {

using wire::SeqNum;
using wire::TcpRepr;

// ---- persist

bool Connection::persist_wanted() const {
    // Queued data waits, nothing is in flight (so no ACK will come to reopen the window), and
    // the window (zero, or too small under sender SWS avoidance) lets nothing go.
    return data_state() && snd_una_ == snd_max_ && unsent_in_ring() > 0 &&
           sendable_len(std::numeric_limits<std::size_t>::max()) == 0;
}

void Connection::arm_persist(Instant now) {
    if (!persist_wanted()) {
        // The window opened (or there is nothing to send): the probing is over.
        persist_timer_.disarm();
        persist_backoff_ = 0;
        return;
    }
    if (persist_timer_.armed()) return;
    // RFC 1122 §4.2.2.17: "The transmitting host SHOULD send the first zero-window probe when a
    // zero window has existed for the retransmission timeout period (see Section 4.2.2.15), and
    // SHOULD increase exponentially the interval between successive probes."
    Duration d = rtt_.rto();
    const Duration cap = rtt_.config().max_rto;
    for (std::uint32_t i = 0; i < persist_backoff_ && d < cap; ++i)
        d = d * 2;
    persist_timer_.arm_after(now, std::min(d, cap));
}

void Connection::on_persist_timeout(Instant now) {
    persist_timer_.disarm();
    if (!persist_wanted()) {
        persist_backoff_ = 0;
        return;
    }
    // RFC 1122 §4.2.2.17: the connection "MUST NOT" be closed while the receiver keeps
    // answering probes; persist_unanswered_ is reset by every acceptable ACK. Deviation: as
    // Linux (tcp_probe_timer with tcp_retries2), give up after max_retransmits probes in a row
    // drew nothing.
    if (persist_unanswered_ >= config_.max_retransmits) {
        tx_.clear();
        rx_.clear();
        enter_closed(Errc::TimedOut);
        return;
    }
    if (snd_wnd_ > 0) {
        // RFC 1122 §4.2.3.4: the SWS "override timeout": send what the small window allows.
        // RFC 9293 §3.8.6.2.1 recommends 0.1-1.0 s; the persist interval (RTO) serves.
        sws_override_ = true;
    } else {
        // RFC 9293 §3.8.6.1: "The sending TCP must regularly transmit ... to the receiving TCP
        // even if the send window is zero, in order to 'probe' the window." Deviation: as Linux
        // (tcp_xmit_probe_skb), the probe is <SEQ=SND.UNA-1><ACK=RCV.NXT> with no data, not one
        // new octet: it draws the peer's ACK with its window without putting a byte in flight,
        // so a probe is never a retransmission (no RTO chain, no congestion response), and a
        // reopened window is used from SND.UNA at once.
        probe_owed_ = true;
        ++persist_unanswered_;
    }
    ++persist_backoff_;
    arm_persist(now);
}

// ---- keep-alive

bool Connection::keepalive_state() const {
    // As Linux: probes in ESTABLISHED, CLOSE-WAIT and FIN-WAIT-2 (the peer may be long gone
    // while we wait for its FIN).
    return state_ == State::Established || state_ == State::CloseWait || state_ == State::FinWait2;
}

void Connection::arm_keepalive(Instant now) {
    keepalive_probes_ = 0;
    if (config_.keepalive.on && keepalive_state()) {
        // RFC 1122 §4.2.3.6: probes are sent only "when no data or acknowledgement packets have
        // been received for the connection within an interval".
        keepalive_timer_.arm_after(now, config_.keepalive.idle);
    } else {
        keepalive_timer_.disarm();
    }
}

void Connection::on_keepalive_timeout(Instant now) {
    if (!config_.keepalive.on || !keepalive_state()) {
        keepalive_timer_.disarm();
        return;
    }
    if (snd_una_ != snd_max_ || unsent_in_ring() > 0) {
        // As Linux (tcp_keepalive_timer): with data in flight or queued, the retransmission or
        // persist timer watches the peer; look again after another idle period.
        keepalive_timer_.arm_after(now, config_.keepalive.idle);
        return;
    }
    if (keepalive_probes_ >= config_.keepalive.count) {
        // RFC 1122 §4.2.3.6: a dead peer ends the connection. Deviation: as Linux, with a reset
        // (tcp_send_active_reset) in case the peer is alive but its answers are lost.
        abort_with_rst(Errc::TimedOut);
        return;
    }
    // RFC 1122 §4.2.3.6: the probe is "a segment with SEG.SEQ = SND.NXT-1" (outside the window,
    // so it draws an ACK) and "may or may not contain one garbage octet"; as Linux, no data and
    // SEQ = SND.UNA - 1 (nothing is in flight, so SND.UNA = SND.NXT).
    probe_owed_ = true;
    ++keepalive_probes_;
    keepalive_timer_.arm_after(now, config_.keepalive.interval);
}

void Connection::record_received(const TcpRepr&, Instant now) {
    // RFC 1122 §4.2.3.6: any segment from the peer shows it is alive: the idle time starts over
    // and unanswered probes are forgiven.
    if (config_.keepalive.on) arm_keepalive(now);
}

// ---- receive buffer auto-tuning

void Connection::measure_rcv_rtt(const TcpRepr& seg, Instant now) {
    if (ts_ok_ && seg.options.timestamps && seg.options.timestamps->tsecr != 0) {
        // As Linux (tcp_rcv_rtt_measure_ts): a full-sized segment echoing our TSval took about
        // one RTT since we sent that value.
        if (seg.payload.size() < rcv_mss_) return;
        const auto ms = static_cast<std::int32_t>(ts_now(now) - seg.options.timestamps->tsecr);
        if (ms < 0) return;
        const Duration sample = Duration::millis(ms);
        rcv_rtt_ = rcv_rtt_ == Duration::zero() ? sample : rcv_rtt_ - rcv_rtt_ / 8 + sample / 8;
        return;
    }
    // Without timestamps (Linux tcp_rcv_rtt_measure): the time one window's worth of data takes
    // to arrive is at least an RTT; keep the smallest such time.
    if (rcv_rtt_at_ != Instant::never() && rcv_nxt_ < rcv_rtt_seq_) return;
    if (rcv_rtt_at_ != Instant::never()) {
        const Duration sample = now - rcv_rtt_at_;
        if (sample > Duration::zero()) {
            rcv_rtt_ = rcv_rtt_ == Duration::zero() ? sample : std::min(rcv_rtt_, sample);
        }
    }
    rcv_rtt_seq_ = rcv_nxt_ + static_cast<std::int64_t>(rcv_wnd());
    rcv_rtt_at_ = now;
}

void Connection::autotune_recv_buffer() {
    if (config_.recv_buffer_max <= rx_.capacity()) return;
    // Without window scaling no window above 65535 can be offered: a bigger ring is useless.
    if (!wscale_ok_ && rx_.capacity() >= 65535) return;
    const Duration rtt = rcv_rtt_ > Duration::zero() ? rcv_rtt_ : rtt_.srtt();
    if (rtt <= Duration::zero() || now_ - rcv_space_at_ < rtt) return;
    // As Linux (tcp_rcv_space_adjust): once per RTT, compare what the application read in that
    // RTT with the most it read before. Reading more means the sender is growing its window and
    // our buffer must stay ahead of it: room for twice the amount (a slow-start doubling plus
    // the data in flight), more again in proportion to the growth.
    const std::uint64_t copied = bytes_read_ - rcv_space_mark_;
    if (copied > rcv_space_) {
        std::uint64_t target = 2 * copied + 16 * std::uint64_t{config_.mss};
        if (rcv_space_ > 0) target += 2 * (target * (copied - rcv_space_) / rcv_space_);
        target = std::min<std::uint64_t>(target, config_.recv_buffer_max);
        // Growing allocates and copies once; rare (at most once per RTT), never per segment.
        if (target > rx_.capacity()) (void)rx_.resize(static_cast<std::size_t>(target));
        rcv_space_ = static_cast<std::size_t>(copied);
    }
    rcv_space_mark_ = bytes_read_;
    rcv_space_at_ = now_;
}

}  // namespace ustack::tcp
