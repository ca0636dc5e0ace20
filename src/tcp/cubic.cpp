// CUBIC congestion control (RFC 9438).
#include "tcp/cubic.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tcp/newreno.h"

namespace ustack::tcp {

namespace {
constexpr std::uint32_t kInfiniteSsthresh = std::numeric_limits<std::uint32_t>::max();
constexpr double kMaxCwndBytes = static_cast<double>(1u << 30);
}  // namespace

double Cubic::w_cubic(double t, double k, double w_max) {
    // RFC 9438 §4.2 Figure 1: W_cubic(t) = C * (t - K)^3 + W_max.
    const double d = t - k;
    return kC * d * d * d + w_max;
}

double Cubic::k_for(double w_max, double cwnd_epoch) {
    // RFC 9438 §4.2 Figure 2: K = cubic_root((W_max - cwnd_epoch) / C). With cwnd_epoch =
    // β_cubic * W_max this is RFC 8312's cubic_root(W_max * (1 - β_cubic) / C).
    return std::cbrt((w_max - cwnd_epoch) / kC);
}

Cubic::Cubic(std::uint32_t smss, std::uint32_t initial_window_segments, bool fast_convergence)
    : smss_(std::max<std::uint32_t>(smss, 1)),
      iw_(initial_window(smss_, initial_window_segments)),
      fast_convergence_(fast_convergence),
      cwnd_(iw_),
      // RFC 9438 §4.10 / RFC 5681 §3.1: ssthresh starts "arbitrarily high".
      ssthresh_(kInfiniteSsthresh) {}

void Cubic::on_ack(std::uint32_t acked_bytes, Instant now, Duration srtt, bool cwnd_limited,
                   std::uint32_t ss_divisor) {
    if (acked_bytes == 0) return;
    const Instant previous = last_ack_;
    const bool had_previous = seen_ack_;
    last_ack_ = now;
    seen_ack_ = true;
    if (!cwnd_limited) {
        // RFC 9438 §5.8: CUBIC does not grow cwnd while application-limited, and t "MUST NOT
        // include" such periods: slide the epoch forward by the time that passed.
        if (epoch_started_ && had_previous && now > previous) t_epoch_ += now - previous;
        return;
    }
    if (in_slow_start()) {
        // RFC 9438 §4.10: slow start as RFC 5681, with RFC 9406 HyStart++'s CSS divisor.
        acked_bytes = slow_start(cwnd_, ssthresh_, acked_bytes, smss_, ss_divisor);
        if (acked_bytes == 0) return;
    }
    congestion_avoidance(acked_bytes, now, srtt);
}

void Cubic::congestion_avoidance(std::uint32_t acked_bytes, Instant now, Duration srtt) {
    const double mss = static_cast<double>(smss_);
    const double cwnd_seg = static_cast<double>(cwnd_) / mss;
    if (!epoch_started_) {
        // RFC 9438 §4.2: t_epoch is when the current congestion-avoidance stage started, and
        // cwnd_epoch the cwnd then.
        epoch_started_ = true;
        t_epoch_ = now;
        cwnd_epoch_ = cwnd_seg;
        if (after_timeout_ || w_max_ <= 0.0) {
            // RFC 9438 §4.8: in the first stage after a timeout, K = 0 and W_max is the cwnd at
            // the start of the stage. Without any congestion event yet there is no W_max either,
            // so the same origin is used.
            w_max_ = cwnd_epoch_;
            k_ = 0.0;
            after_timeout_ = false;
        } else {
            k_ = k_for(w_max_, cwnd_epoch_);
        }
        // RFC 9438 §4.3: W_est starts at cwnd_epoch.
        w_est_ = cwnd_epoch_;
        grow_bytes_ = 0.0;
    }
    const double acked_seg = static_cast<double>(acked_bytes) / mss;
    // RFC 9438 §4.3: once W_est >= cwnd_prior, α_cubic SHOULD be 1 (Reno's increase rate).
    const double alpha = w_est_ >= cwnd_prior_ ? 1.0 : kAlpha;
    // RFC 9438 §4.3 Figure 4: W_est = W_est + α_cubic * segments_acked / cwnd.
    w_est_ += alpha * acked_seg / cwnd_seg;

    const double t = (now - t_epoch_).as_seconds();
    if (w_cubic(t, k_, w_max_) < w_est_) {
        // RFC 9438 §4.3: W_cubic(t) < W_est is the Reno-friendly region: cwnd = W_est.
        const double est_bytes = std::min(w_est_ * mss, kMaxCwndBytes);
        cwnd_ = std::max(cwnd_, static_cast<std::uint32_t>(est_bytes));
        return;
    }
    // RFC 9438 §4.2 Figure 3: target = W_cubic(t + RTT), kept within [cwnd, 1.5 * cwnd].
    double target = w_cubic(t + srtt.as_seconds(), k_, w_max_);
    target = std::clamp(target, cwnd_seg, 1.5 * cwnd_seg);
    // RFC 9438 §4.4 (concave, cwnd < W_max) and §4.5 (convex, cwnd >= W_max): cwnd grows by
    // (target - cwnd) / cwnd for each SMSS acknowledged.
    grow_bytes_ += (target - cwnd_seg) / cwnd_seg * static_cast<double>(acked_bytes);
    const double whole = std::floor(grow_bytes_);
    grow_bytes_ -= whole;
    const double next = std::min(static_cast<double>(cwnd_) + whole, kMaxCwndBytes);
    cwnd_ = static_cast<std::uint32_t>(next);
}

void Cubic::reduce(std::uint32_t flight_size) {
    saved_ = Saved{cwnd_, ssthresh_, w_max_, k_, w_est_, cwnd_epoch_, t_epoch_, epoch_started_};
    can_undo_ = true;
    const double cwnd_seg = static_cast<double>(cwnd_) / static_cast<double>(smss_);
    // RFC 9438 §4.7: with fast convergence, a cwnd below the last W_max means a new flow is
    // taking its share: W_max = cwnd * (1 + β_cubic) / 2; otherwise W_max = cwnd.
    if (fast_convergence_ && cwnd_seg < w_max_) {
        w_max_ = cwnd_seg * (1.0 + kBeta) / 2.0;
    } else {
        w_max_ = cwnd_seg;
    }
    // RFC 9438 §4.6 Figure 5: cwnd_prior = cwnd; ssthresh = flight_size * β_cubic, at least
    // 2 segments.
    cwnd_prior_ = cwnd_seg;
    const auto reduced = static_cast<std::uint32_t>(static_cast<double>(flight_size) * kBeta);
    ssthresh_ = std::max(reduced, 2 * smss_);
    epoch_started_ = false;
    grow_bytes_ = 0.0;
}

void Cubic::on_congestion_event(std::uint32_t flight_size) {
    reduce(flight_size);
    // RFC 9438 §4.6 Figure 5: cwnd = max(ssthresh, 2) on a loss.
    cwnd_ = ssthresh_;
}

void Cubic::on_recovery_exit(std::uint32_t flight_size) {
    // RFC 9438 §4.6 leaves recovery to RFC 6582/RFC 6675; RFC 6582 §3.2 step 6 option (1):
    // cwnd = min (ssthresh, max (FlightSize, SMSS) + SMSS).
    cwnd_ = std::min(ssthresh_, std::max(flight_size, smss_) + smss_);
}

void Cubic::on_rto(std::uint32_t flight_size, bool first_timeout) {
    // RFC 9438 §4.8: on a timeout, ssthresh as in §4.6 (β_cubic), cwnd as Reno (RFC 5681 §3.1:
    // the loss window, 1 SMSS). Only the first timeout of a segment recomputes ssthresh.
    if (first_timeout) reduce(flight_size);
    can_undo_ = false;
    cwnd_ = smss_;
    epoch_started_ = false;
    after_timeout_ = true;
}

void Cubic::on_idle_restart() {
    // RFC 5681 §4.1: cwnd = min(RW, cwnd), RW = min(IW, cwnd). RFC 9438 §5.8: the idle time must
    // not count in t, so the curve restarts with a new epoch.
    cwnd_ = std::min(cwnd_, iw_);
    epoch_started_ = false;
    grow_bytes_ = 0.0;
}

void Cubic::on_syn_loss() {
    cwnd_ = smss_;
}

void Cubic::undo() {
    if (!can_undo_) return;
    // RFC 9438 §4.9: restore cwnd, ssthresh, W_max, K, W_est and the epoch as they were before
    // the spurious congestion event.
    cwnd_ = std::max(cwnd_, saved_.cwnd);
    ssthresh_ = saved_.ssthresh;
    w_max_ = saved_.w_max;
    k_ = saved_.k;
    w_est_ = saved_.w_est;
    cwnd_epoch_ = saved_.cwnd_epoch;
    t_epoch_ = saved_.t_epoch;
    epoch_started_ = saved_.epoch_started;
    can_undo_ = false;
}

}  // namespace ustack::tcp
