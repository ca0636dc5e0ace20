// The retransmission timeout: RFC 6298 estimator.
#include "tcp/rtt.h"

#include <algorithm>

namespace ustack::tcp {

RttEstimator::RttEstimator(RttConfig config)
    : config_(config),
      // RFC 6298 §2.1: until a measurement is made, RTO <- 1 second (initial_rto).
      base_rto_(std::min(config.initial_rto, config.max_rto)),
      rto_(base_rto_) {}

Duration RttEstimator::computed_rto() const {
    // RFC 6298 §2.2/§2.3: RTO <- SRTT + max (G, K*RTTVAR), K = 4.
    Duration var = std::max(config_.granularity, rttvar_ * 4);
    // Deviation (Linux, RttConfig::linux_like()): the minimum applies to the variation term.
    if (config_.min_rto_over_srtt) var = std::max(var, config_.min_rto);
    const Duration rto = srtt_ + var;
    // RFC 6298 §2.4 (minimum) and §2.5 (maximum).
    return std::clamp(rto, config_.min_rto, std::max(config_.min_rto, config_.max_rto));
}

bool RttEstimator::sample(Duration rtt, bool retransmitted) {
    // RFC 6298 §3 (Karn): "RTT samples MUST NOT be made using segments that were retransmitted".
    if (retransmitted) return false;
    if (rtt < Duration::zero()) return false;
    latest_ = rtt;
    if (!has_sample_) {
        // RFC 6298 §2.2: SRTT <- R, RTTVAR <- R/2.
        srtt_ = rtt;
        rttvar_ = rtt / 2;
        has_sample_ = true;
    } else {
        // RFC 6298 §2.3, beta = 1/4 and alpha = 1/8, RTTVAR first, using the old SRTT:
        //   RTTVAR <- (1 - beta) * RTTVAR + beta * |SRTT - R'|
        //   SRTT <- (1 - alpha) * SRTT + alpha * R'
        const Duration diff = srtt_ > rtt ? srtt_ - rtt : rtt - srtt_;
        rttvar_ = (rttvar_ * 3 + diff) / 4;
        srtt_ = (srtt_ * 7 + rtt) / 8;
    }
    base_rto_ = computed_rto();
    // RFC 6298 §5, note after (5.7): a new measurement recomputes RTO, "collapsing" the back-off.
    backoffs_ = 0;
    rto_ = base_rto_;
    return true;
}

void RttEstimator::back_off() {
    // RFC 6298 §5.5: RTO <- RTO * 2; §2.5: bounded by the maximum.
    rto_ = std::min(rto_ * 2, std::max(config_.max_rto, base_rto_));
    ++backoffs_;
}

void RttEstimator::on_handshake_complete(bool syn_timed_out) {
    constexpr Duration kFallbackRto = Duration::seconds(3);
    // RFC 6298 §5.7: with no valid sample after a SYN timeout, start data transfer at 3 s.
    if (syn_timed_out && !has_sample_ && base_rto_ < kFallbackRto) {
        base_rto_ = std::min(kFallbackRto, std::max(config_.max_rto, config_.min_rto));
    }
    reset_backoff();
}

void RttEstimator::reset_backoff() {
    backoffs_ = 0;
    rto_ = base_rto_;
}

}  // namespace ustack::tcp
