// Reno/NewReno congestion window: RFC 5681 slow start and congestion avoidance with RFC 3465 byte
// counting, RFC 6928 initial window, RFC 6582 cwnd on leaving fast recovery.
#pragma once

#include <algorithm>
#include <cstdint>

namespace ustack::tcp {

// RFC 3465 §2.2: L, the limit (in SMSS) of the slow-start increase per ACK. L = 2 lets a
// delayed ACK covering two segments grow cwnd as two ACKs would.
inline constexpr std::uint32_t kAbcLimit = 2;

// RFC 6928 §2: IW = min(10*MSS, max(2*MSS, 14600)). For other segment counts the same shape with
// 1460 bytes per segment: min(n*MSS, max(2*MSS, n*1460)). At least one SMSS.
std::uint32_t initial_window(std::uint32_t smss, std::uint32_t segments);

// RFC 5681 §3.1 eq. (4): ssthresh = max(FlightSize / 2, 2*SMSS).
std::uint32_t halved_ssthresh(std::uint32_t flight_size, std::uint32_t smss);

// The window of RFC 5681 (Reno) with RFC 6582 (NewReno) recovery exit. cwnd and ssthresh are in
// bytes. Only the window lives here: duplicate ACKs, the inflation of RFC 6582 §3.2 step 4 and
// what to retransmit belong to LossRecovery.
class NewReno {
  public:
    NewReno(std::uint32_t smss, std::uint32_t initial_window_segments);

    std::uint32_t cwnd() const { return cwnd_; }
    std::uint32_t ssthresh() const { return ssthresh_; }
    std::uint32_t smss() const { return smss_; }
    // RFC 5681 §3.1: slow start while cwnd < ssthresh (at equality we use congestion avoidance).
    bool in_slow_start() const { return cwnd_ < ssthresh_; }

    // An ACK outside fast recovery acknowledged `acked_bytes` new bytes. No growth when the
    // sender was not using its window (cwnd_limited == false).
    // `ss_divisor`: see slow_start().
    void on_ack(std::uint32_t acked_bytes, bool cwnd_limited, std::uint32_t ss_divisor = 1);
    // RFC 9406 §4.2: HyStart++ ends slow start without a loss: ssthresh = cwnd.
    void end_slow_start() { ssthresh_ = std::max(cwnd_, 2 * smss_); }
    // Fast retransmit: RFC 5681 §3.2 steps 2-3 without the inflation (LossRecovery adds it).
    void on_congestion_event(std::uint32_t flight_size);
    // A full ACK ended fast recovery; flight_size is what is outstanding after it.
    void on_recovery_exit(std::uint32_t flight_size);
    // The retransmission timer expired. `first_timeout`: the segment at SND.UNA had not yet been
    // resent by the timer (RFC 5681 §3.1: only then is ssthresh recomputed).
    void on_rto(std::uint32_t flight_size, bool first_timeout);
    // RFC 6928 §2 / RFC 5681 §3.1: the SYN or SYN-ACK was lost, so the window starts at 1 SMSS.
    void on_syn_loss();
    // RFC 5681 §4.1: nothing was sent for longer than an RTO; cwnd = min(RW, cwnd).
    void on_idle_restart();

  private:
    std::uint32_t smss_;             // sender MSS in bytes; > 0
    std::uint32_t iw_;               // RFC 6928 initial window in bytes; >= smss_
    std::uint32_t cwnd_;             // congestion window in bytes; >= smss_
    std::uint32_t ssthresh_;         // slow-start threshold in bytes; >= 2*smss_
    std::uint32_t bytes_acked_ = 0;  // RFC 3465 §2.1 CA byte counter; < cwnd_ after each ACK
};

// Slow-start step shared by NewReno and CUBIC (RFC 5681 §3.1 eq. (2) with RFC 3465 L = 2):
// grows cwnd by min(acked, L*SMSS) / divisor without passing ssthresh (divisor 4 in RFC 9406
// Conservative Slow Start, else 1); returns the acked bytes left over once cwnd reached ssthresh
// (to be counted by congestion avoidance).
std::uint32_t slow_start(std::uint32_t& cwnd, std::uint32_t ssthresh, std::uint32_t acked_bytes,
                         std::uint32_t smss, std::uint32_t divisor = 1);

}  // namespace ustack::tcp
