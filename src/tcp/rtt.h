// The retransmission timeout: RFC 6298 SRTT/RTTVAR estimator, back-off, and Karn's rule.
#pragma once

#include <cstdint>

#include "base/time.h"

namespace ustack::tcp {

struct RttConfig {
    // RFC 6298 §2.4: "if it is less than 1 second, then the RTO SHOULD be rounded up to 1 second".
    Duration min_rto = Duration::seconds(1);
    // RFC 6298 §2.5: a maximum "may be placed on RTO provided it is at least 60 seconds".
    Duration max_rto = Duration::seconds(60);
    // RFC 6298 §2.1: "the sender SHOULD set RTO <- 1 second" before any sample.
    Duration initial_rto = Duration::seconds(1);
    // RFC 6298 §2.3: G, the clock granularity. Our clock counts µs, but timers fire from a loop
    // polling at millisecond resolution, so G is 1 ms.
    Duration granularity = Duration::millis(1);
    // Whether min_rto bounds the variation term instead of the whole RTO: RTO <- SRTT +
    // max(G, K*RTTVAR, min_rto) rather than max(min_rto, SRTT + max(G, K*RTTVAR)).
    bool min_rto_over_srtt = false;

    // The letter of RFC 6298 (the defaults above).
    static constexpr RttConfig rfc6298() { return RttConfig{}; }
    // Deviation: Linux uses a 200 ms minimum RTO (TCP_RTO_MIN) instead of RFC 6298 §2.4's 1 s;
    // with modern RTTs 1 s makes every tail loss cost a second, and peers we interoperate with
    // expect Linux timing. As Linux (tcp_rtt_estimator keeps rttvar_us >= tcp_rto_min_us,
    // __tcp_set_rto adds it to SRTT), the 200 ms bounds the variation term, so RTO >= SRTT +
    // 200 ms: with timestamps every ACK gives a sample and RTTVAR decays to almost nothing
    // while the RTT creeps up with a filling queue, and an RTO of barely SRTT then fires while
    // a fast retransmission queued behind that queue is still on its way back.
    static constexpr RttConfig linux_like() {
        RttConfig c;
        c.min_rto = Duration::millis(200);
        c.min_rto_over_srtt = true;
        return c;
    }
};

// RFC 6298 estimator. The Connection times one segment at a time (or uses timestamp echoes),
// calls sample() when it is acknowledged, back_off() when the retransmission timer expires, and
// arms the timer for rto().
class RttEstimator {
  public:
    explicit RttEstimator(RttConfig config = RttConfig{});

    // Feeds one RTT measurement. Karn's rule (RFC 6298 §3): "RTT samples MUST NOT be made using
    // segments that were retransmitted" — pass retransmitted = true for such a segment and the
    // sample is discarded (returns false). Samples from the timestamp option (RFC 7323 §4) are
    // unambiguous: pass false for them even after a retransmission. A taken sample also ends
    // any back-off (RFC 6298 §5, the note after (5.7): RTO "collapses"). Negative samples are
    // discarded.
    bool sample(Duration rtt, bool retransmitted);

    // RFC 6298 §5.5: the retransmission timer expired, so "RTO <- RTO * 2", capped at max_rto.
    void back_off();
    // Returns the RTO to the value the estimator computed, undoing back_off().
    void reset_backoff();

    // RFC 6298 §5.7: call once when the handshake completes. If the SYN (or SYN-ACK) timed out
    // and no sample was taken, "the RTO MUST be re-initialized to 3 seconds when data
    // transmission begins"; otherwise this only ends the handshake's back-off.
    void on_handshake_complete(bool syn_timed_out);

    // The current retransmission timeout, back-off included; in [min_rto, max_rto] once a
    // sample has been taken (initial_rto before).
    Duration rto() const { return rto_; }
    // How many times back_off() ran since the last sample or reset (for giving up, RFC 9293
    // §3.8.3 R2).
    std::uint32_t backoffs() const { return backoffs_; }
    bool has_sample() const { return has_sample_; }
    // SRTT and RTTVAR; zero before the first sample.
    Duration srtt() const { return srtt_; }
    Duration rttvar() const { return rttvar_; }
    // The last sample taken (zero before the first).
    Duration latest() const { return latest_; }
    const RttConfig& config() const { return config_; }

  private:
    Duration computed_rto() const;

    RttConfig config_;            // fixed at construction
    bool has_sample_ = false;     // true once a sample has been taken; srtt_/rttvar_ meaningful
    Duration srtt_;               // smoothed RTT; >= 0
    Duration rttvar_;             // RTT variation; >= 0
    Duration latest_;             // the last sample taken; >= 0
    Duration base_rto_;           // RTO from §2.2/§2.3 (or initial_rto), clamped to [min, max]
    Duration rto_;                // base_rto_ doubled backoffs_ times, capped at max_rto
    std::uint32_t backoffs_ = 0;  // back_off() calls since the last sample or reset
};

}  // namespace ustack::tcp
