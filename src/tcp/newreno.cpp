// Reno/NewReno congestion window (RFC 5681, RFC 3465, RFC 6928, RFC 6582).
#include "tcp/newreno.h"

#include <algorithm>
#include <limits>

namespace ustack::tcp {

namespace {
// RFC 5681 §3.1: "The initial value of ssthresh SHOULD be set arbitrarily high".
constexpr std::uint32_t kInfiniteSsthresh = std::numeric_limits<std::uint32_t>::max();
// The largest window we ever hold: keeps cwnd + anything well inside 32 bits.
constexpr std::uint32_t kMaxCwnd = 1u << 30;
}  // namespace

std::uint32_t initial_window(std::uint32_t smss, std::uint32_t segments) {
    const std::uint64_t mss = std::max<std::uint32_t>(smss, 1);
    const std::uint64_t n = std::max<std::uint32_t>(segments, 1);
    // RFC 6928 §2: IW = min (10*MSS, max (2*MSS, 14600)).
    const std::uint64_t iw = std::min(n * mss, std::max(2 * mss, n * 1460));
    return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(iw, mss, kMaxCwnd));
}

std::uint32_t halved_ssthresh(std::uint32_t flight_size, std::uint32_t smss) {
    // RFC 5681 §3.1 eq. (4): ssthresh = max (FlightSize / 2, 2*SMSS).
    return std::max(flight_size / 2, 2 * smss);
}

std::uint32_t slow_start(std::uint32_t& cwnd, std::uint32_t ssthresh, std::uint32_t acked_bytes,
                         std::uint32_t smss, std::uint32_t divisor) {
    // RFC 5681 §3.1 eq. (2): cwnd += min (N, SMSS); RFC 3465 §2.2 raises the limit to L*SMSS.
    // RFC 9406 §4.2: in CSS the increase is divided by CSS_GROWTH_DIVISOR.
    const std::uint32_t increase =
        std::min(acked_bytes, kAbcLimit * smss) / std::max<std::uint32_t>(divisor, 1);
    const std::uint32_t room = ssthresh > cwnd ? ssthresh - cwnd : 0;
    if (increase < room) {
        cwnd += increase;
        return 0;
    }
    // RFC 5681 §3.1: past ssthresh, congestion avoidance takes over (the rest of this ACK).
    cwnd += room;
    return acked_bytes - room;
}

NewReno::NewReno(std::uint32_t smss, std::uint32_t initial_window_segments)
    : smss_(std::max<std::uint32_t>(smss, 1)),
      iw_(initial_window(smss_, initial_window_segments)),
      cwnd_(iw_),
      ssthresh_(kInfiniteSsthresh) {}

void NewReno::on_ack(std::uint32_t acked_bytes, bool cwnd_limited, std::uint32_t ss_divisor) {
    // Deviation: no growth while the application (or the peer's window), not cwnd, limits the
    // sender, as Linux (tcp_is_cwnd_limited) and in the spirit of RFC 7661: cwnd must be
    // validated by use before it grows.
    if (!cwnd_limited || acked_bytes == 0) return;
    if (in_slow_start()) {
        acked_bytes = slow_start(cwnd_, ssthresh_, acked_bytes, smss_, ss_divisor);
        if (acked_bytes == 0) return;
    }
    // RFC 3465 §2.1 (RFC 5681 §3.1's byte-counting variant of eq. (3)): count acked bytes; when
    // they reach cwnd, grow cwnd by one SMSS, so about one SMSS per RTT.
    bytes_acked_ += acked_bytes;
    if (bytes_acked_ >= cwnd_) {
        bytes_acked_ -= cwnd_;
        cwnd_ = std::min(cwnd_ + smss_, kMaxCwnd);
        // RFC 5681 §3.1: no more than one SMSS per ACK, whatever a stretch ACK acknowledges.
        bytes_acked_ = std::min(bytes_acked_, cwnd_ - 1);
    }
}

void NewReno::on_congestion_event(std::uint32_t flight_size) {
    // RFC 5681 §3.2 step 2 (RFC 6675 §5 step 4.2): ssthresh = max (FlightSize / 2, 2*SMSS).
    ssthresh_ = halved_ssthresh(flight_size, smss_);
    // RFC 6675 §5 step 4.2: cwnd = ssthresh. (RFC 5681 §3.2 step 3's "+ 3*SMSS" is the inflation
    // LossRecovery keeps apart when SACK is off.)
    cwnd_ = ssthresh_;
    bytes_acked_ = 0;
}

void NewReno::on_recovery_exit(std::uint32_t flight_size) {
    // RFC 6582 §3.2 step 6, option (1): cwnd = min (ssthresh, max (FlightSize, SMSS) + SMSS),
    // which avoids a burst when little is outstanding after the full ACK.
    cwnd_ = std::min(ssthresh_, std::max(flight_size, smss_) + smss_);
    bytes_acked_ = 0;
}

void NewReno::on_rto(std::uint32_t flight_size, bool first_timeout) {
    // RFC 5681 §3.1: when the segment "has not yet been resent by way of the retransmission
    // timer", ssthresh is set per eq. (4); later timeouts for it keep ssthresh.
    if (first_timeout) ssthresh_ = halved_ssthresh(flight_size, smss_);
    // RFC 5681 §3.1: "upon a timeout cwnd MUST be set to no more than the loss window, LW,
    // which equals 1 full-sized segment".
    cwnd_ = smss_;
    bytes_acked_ = 0;
}

void NewReno::on_idle_restart() {
    // RFC 5681 §4.1: after an idle period longer than the RTO, cwnd = min(RW, cwnd) with the
    // restart window RW = min(IW, cwnd).
    cwnd_ = std::min(cwnd_, iw_);
    bytes_acked_ = 0;
}

void NewReno::on_syn_loss() {
    // RFC 6928 §2 / RFC 5681 §3.1: after a lost SYN or SYN-ACK the initial window is one segment.
    cwnd_ = smss_;
}

}  // namespace ustack::tcp
