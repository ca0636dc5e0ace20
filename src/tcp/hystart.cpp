// HyStart++ (RFC 9406).
#include "tcp/hystart.h"

#include <algorithm>

namespace ustack::tcp {

HyStart::Verdict HyStart::on_ack(wire::SeqNum ack, wire::SeqNum snd_nxt,
                                 std::optional<Duration> rtt) {
    Verdict v;
    if (phase_ == Phase::Off) return v;
    // RFC 9406 §4.2: a round ends when the ACK covers windowEnd; the next one ends at SND.NXT.
    // "At the start of each round": lastRoundMinRTT = currentRoundMinRTT, currentRoundMinRTT =
    // infinity, rttSampleCount = 0.
    if (!round_started_ || ack >= window_end_) {
        const bool first = !round_started_;
        round_started_ = true;
        window_end_ = snd_nxt;
        last_round_min_ = current_round_min_;
        current_round_min_ = kInfinite;
        samples_ = 0;
        // RFC 9406 §4.2: "If CSS_ROUNDS rounds are complete, enter congestion avoidance by
        // setting the ssthresh to the current cwnd."
        if (!first && phase_ == Phase::Css && ++css_rounds_ >= kCssRounds) {
            phase_ = Phase::Off;
            v.end_slow_start = true;
            return v;
        }
    }
    // RFC 9406 §4.2: keep track of the minimum observed RTT of the round.
    if (rtt) {
        current_round_min_ = std::min(current_round_min_, *rtt);
        ++samples_;
    }
    const bool enough =
        samples_ >= kNRttSample && current_round_min_ != kInfinite && last_round_min_ != kInfinite;
    if (phase_ == Phase::SlowStart && enough) {
        // RFC 9406 §4.2: RttThresh = max(MIN_RTT_THRESH, min(lastRoundMinRTT / MIN_RTT_DIVISOR,
        // MAX_RTT_THRESH)); a round whose minimum RTT rose by that much enters CSS.
        const Duration thresh =
            std::max(kMinRttThresh, std::min(last_round_min_ / kMinRttDivisor, kMaxRttThresh));
        if (current_round_min_ >= last_round_min_ + thresh) {
            css_baseline_ = current_round_min_;
            phase_ = Phase::Css;
            css_rounds_ = 0;
        }
    } else if (phase_ == Phase::Css && samples_ >= kNRttSample &&
               current_round_min_ < css_baseline_) {
        // RFC 9406 §4.2: the RTT fell below the baseline again: the rise was spurious, resume
        // standard slow start.
        css_baseline_ = kInfinite;
        phase_ = Phase::SlowStart;
    }
    // RFC 9406 §4.2: in CSS, cwnd = cwnd + (min(N, L * SMSS) / CSS_GROWTH_DIVISOR).
    if (phase_ == Phase::Css) v.growth_divisor = kCssGrowthDivisor;
    return v;
}

}  // namespace ustack::tcp
