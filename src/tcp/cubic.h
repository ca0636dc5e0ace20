// CUBIC congestion control (RFC 9438): the cubic window curve, Reno-friendly region, fast
// convergence, β_cubic = 0.7 reduction; slow start as RFC 5681 with RFC 3465 (HyStart++, RFC 9406,
// in CongestionController).
#pragma once

#include <algorithm>
#include <cstdint>

#include "base/time.h"

namespace ustack::tcp {

// Windows inside the curve are in segments (doubles, as RFC 9438 writes them); cwnd and ssthresh
// seen from outside are in bytes. The math is plain IEEE double: deterministic for one build.
class Cubic {
  public:
    // RFC 9438 §4.1.1: "C SHOULD be set to 0.4" and "β_cubic SHOULD be set to 0.7".
    static constexpr double kC = 0.4;
    static constexpr double kBeta = 0.7;
    // RFC 9438 §4.3: α_cubic = 3 * (1 - β_cubic) / (1 + β_cubic).
    static constexpr double kAlpha = 3.0 * (1.0 - kBeta) / (1.0 + kBeta);

    // RFC 9438 §4.2 Figure 1: W_cubic(t) = C * (t - K)^3 + W_max (segments, t and K seconds).
    static double w_cubic(double t, double k, double w_max);
    // RFC 9438 §4.2 Figure 2: K = cubic_root((W_max - cwnd_epoch) / C).
    static double k_for(double w_max, double cwnd_epoch);

    Cubic(std::uint32_t smss, std::uint32_t initial_window_segments, bool fast_convergence = true);

    std::uint32_t cwnd() const { return cwnd_; }
    std::uint32_t ssthresh() const { return ssthresh_; }
    std::uint32_t smss() const { return smss_; }
    bool in_slow_start() const { return cwnd_ < ssthresh_; }

    // An ACK outside fast recovery acknowledged `acked_bytes`; `srtt` is the smoothed RTT (zero
    // before the first sample). cwnd_limited == false: the sender was application-limited.
    // `ss_divisor`: see slow_start() (RFC 9406 CSS).
    void on_ack(std::uint32_t acked_bytes, Instant now, Duration srtt, bool cwnd_limited,
                std::uint32_t ss_divisor = 1);
    // RFC 9406 §4.2: HyStart++ ends slow start without a loss: ssthresh = cwnd. RFC 9438 §4.10:
    // congestion avoidance then starts with W_max = cwnd and K = 0 (as with no event yet).
    void end_slow_start() { ssthresh_ = std::max(cwnd_, 2 * smss_); }
    // RFC 9438 §4.6/§4.7: a congestion event (fast retransmit) with `flight_size` outstanding.
    void on_congestion_event(std::uint32_t flight_size);
    // A full ACK ended fast recovery; flight_size is what is outstanding after it.
    void on_recovery_exit(std::uint32_t flight_size);
    // RFC 9438 §4.8: the retransmission timer expired (first_timeout as NewReno::on_rto).
    void on_rto(std::uint32_t flight_size, bool first_timeout);
    // RFC 6928 §2: a lost SYN or SYN-ACK leaves a one-segment initial window.
    void on_syn_loss();
    // RFC 5681 §4.1 restart after an idle period longer than the RTO; a new epoch follows.
    void on_idle_restart();
    // RFC 9438 §4.9: the last congestion event was spurious; restore the state before it.
    void undo();

    // The curve's state, for tests and traces.
    double w_max() const { return w_max_; }  // segments; 0 before any event
    double k() const { return k_; }          // seconds
    double w_est() const { return w_est_; }  // segments
    bool epoch_started() const { return epoch_started_; }
    Instant epoch_start() const { return t_epoch_; }

  private:
    struct Saved {
        std::uint32_t cwnd = 0;
        std::uint32_t ssthresh = 0;
        double w_max = 0;
        double k = 0;
        double w_est = 0;
        double cwnd_epoch = 0;
        Instant t_epoch;
        bool epoch_started = false;
    };
    void congestion_avoidance(std::uint32_t acked_bytes, Instant now, Duration srtt);
    void reduce(std::uint32_t flight_size);

    std::uint32_t smss_;          // sender MSS in bytes; > 0
    std::uint32_t iw_;            // RFC 6928 initial window in bytes; >= smss_
    bool fast_convergence_;       // RFC 9438 §4.7 on/off; fixed
    std::uint32_t cwnd_;          // bytes; >= smss_
    std::uint32_t ssthresh_;      // bytes; >= 2*smss_ once set (UINT32_MAX before)
    double w_max_ = 0;            // RFC 9438 W_max, segments: cwnd before the last reduction
    double k_ = 0;                // RFC 9438 K, seconds, of the current epoch
    double cwnd_epoch_ = 0;       // RFC 9438 cwnd_epoch, segments, at the epoch's start
    double w_est_ = 0;            // RFC 9438 §4.3 W_est, segments; valid while epoch_started_
    double cwnd_prior_ = 0;       // RFC 9438 cwnd_prior, segments: cwnd at the last reduction
    double grow_bytes_ = 0;       // fractional cwnd growth not yet applied; in [0, 1)
    Instant t_epoch_;             // RFC 9438 t_epoch; valid while epoch_started_
    Instant last_ack_;            // time of the last on_ack (to skip app-limited time)
    bool epoch_started_ = false;  // a congestion-avoidance epoch is running
    bool after_timeout_ = false;  // the next epoch follows an RTO (§4.8: K = 0)
    bool seen_ack_ = false;       // last_ack_ is valid
    bool can_undo_ = false;       // saved_ holds the state before the last reduction
    Saved saved_;                 // RFC 9438 §4.9 prior state; valid while can_undo_
};

}  // namespace ustack::tcp
