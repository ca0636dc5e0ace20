// HyStart++ (RFC 9406): leaves slow start when the RTT starts to rise, through a conservative
// slow start that grows a quarter as fast, before a queue overflows.
#pragma once

#include <cstdint>
#include <optional>

#include "base/time.h"
#include "wire/seq_num.h"

namespace ustack::tcp {

// The round and RTT bookkeeping of RFC 9406 §4.2; the congestion controller applies the verdict
// to its own window. Used for a connection's initial slow start only: once a loss or a timeout
// ended slow start, stop() turns it off (as Linux, whose HyStart runs until the first
// reduction), and the slow starts after a timeout are standard (RFC 5681 §3.1).
class HyStart {
  public:
    // RFC 9406 §4.3 constants.
    static constexpr Duration kMinRttThresh = Duration::millis(4);
    static constexpr Duration kMaxRttThresh = Duration::millis(16);
    static constexpr std::int64_t kMinRttDivisor = 8;
    static constexpr std::uint32_t kNRttSample = 8;
    static constexpr std::uint32_t kCssGrowthDivisor = 4;
    static constexpr std::uint32_t kCssRounds = 5;

    enum class Phase : std::uint8_t {
        SlowStart,  // standard slow start, watching the RTT round by round
        Css,        // RFC 9406 §4.2 Conservative Slow Start
        Off,        // slow start is over (or HyStart++ is disabled)
    };

    // What the controller does with this ACK's slow-start increase.
    struct Verdict {
        std::uint32_t growth_divisor = 1;  // divide the RFC 5681 increase by this (CSS: 4)
        bool end_slow_start = false;       // CSS_ROUNDS rounds of CSS done: ssthresh = cwnd
    };

    explicit HyStart(bool enabled = true) : phase_(enabled ? Phase::SlowStart : Phase::Off) {}

    // An ACK that arrived in slow start. `ack` is SEG.ACK, `snd_nxt` SND.NXT now (the end of the
    // next round), `rtt` this ACK's RTT sample if it gave one.
    Verdict on_ack(wire::SeqNum ack, wire::SeqNum snd_nxt, std::optional<Duration> rtt);
    // A congestion event or timeout: slow start is left the standard way; HyStart++ is done.
    void stop() { phase_ = Phase::Off; }

    Phase phase() const { return phase_; }
    // The RTT minima of the last and current rounds (kInfinite until a sample arrived).
    Duration last_round_min_rtt() const { return last_round_min_; }
    Duration current_round_min_rtt() const { return current_round_min_; }
    Duration css_baseline_min_rtt() const { return css_baseline_; }
    std::uint32_t rtt_sample_count() const { return samples_; }
    std::uint32_t css_rounds() const { return css_rounds_; }

    static constexpr Duration kInfinite = Duration::micros(INT64_MAX);

  private:
    Phase phase_;
    bool round_started_ = false;              // window_end_ is valid
    wire::SeqNum window_end_;                 // RFC 9406 windowEnd: the round ends at this ACK
    Duration last_round_min_ = kInfinite;     // RFC 9406 lastRoundMinRTT
    Duration current_round_min_ = kInfinite;  // RFC 9406 currentRoundMinRTT
    Duration css_baseline_ = kInfinite;       // RFC 9406 cssBaselineMinRtt
    std::uint32_t samples_ = 0;               // RFC 9406 rttSampleCount, this round
    std::uint32_t css_rounds_ = 0;            // rounds ended while in CSS
};

}  // namespace ustack::tcp
