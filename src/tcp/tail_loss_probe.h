// RFC 8985 §7 Tail Loss Probe: when the ACKs stop while data is in flight, send one segment after
// a probe timeout (PTO, about two RTTs) instead of waiting for the RTO, so the ACK it draws
// (with SACK) starts or continues recovery, or shows nothing was lost. This class holds the PTO
// rule, how many probes have gone unanswered, and the §7.4 episode of a resent probe;
// LossRecovery decides what a probe carries and the TCB owns the timer.
#pragma once

#include <cstdint>
#include <optional>

#include "base/time.h"
#include "wire/seq_num.h"

namespace ustack::tcp {

class TailLossProbe {
  public:
    // Deviation: RFC 8985 §7.3 sends one probe and then leaves the flight to the RTO. We have no
    // RACK to detect the loss of the probe itself, so a second one goes after twice the PTO if
    // the first drew no ACK (at 5% loss each way one probe in ten or its ACK is lost); then
    // the RTO.
    static constexpr std::uint32_t kMaxUnanswered = 2;

    // RFC 8985 §7.2 PTO. "If SRTT is available, PTO = 2 * SRTT"; with one segment in flight add
    // WCDelAckT (200 ms), the receiver's worst-case delayed ACK; with no SRTT yet, 1 s.
    // Deviation, as Linux (tcp_schedule_loss_probe): 2 ms more, so an RTT measured as 0 ms
    // (millisecond timestamps on a fast path) does not make every send a probe. Doubled for
    // each probe already unanswered.
    Duration timeout(Duration srtt, bool one_segment_in_flight) const;

    // What an ACK said about a resent probe (RFC 8985 §7.4).
    enum class Verdict : std::uint8_t {
        None,          // nothing watched, or nothing decided yet
        Delivered,     // the probe arrived and nothing says a loss was repaired by it
        RepairedLoss,  // §7.4.2: the resent probe plugged a hole: respond to congestion
    };

    // Whether another probe may go: fewer than kMaxUnanswered since the last ACK that showed
    // delivery (this replaces §7.3's one probe per episode, see kMaxUnanswered).
    bool may_probe() const { return unanswered_ < kMaxUnanswered; }
    // A probe went. `end` = SND.MAX after it. `watch`: it resent old data outside recovery
    // (§7.3's "retransmit the highest-sequence segment sent so far"), so §7.4 must tell whether
    // it repaired a loss. While one is watched a later probe keeps the first one's `end`.
    void on_probe_sent(wire::SeqNum end, bool watch);
    // Fast recovery began: it makes the congestion response, the watched probe needs none.
    void end_watch() { end_.reset(); }
    // Every acceptable ACK: `ack` = SEG.ACK, `dsack` = it carried a D-SACK block (RFC 2883),
    // `progress` = it advanced SND.UNA or SACKed new data.
    Verdict on_ack(wire::SeqNum ack, bool dsack, bool progress);
    // An RTO or the end of recovery by timeout: forget the probes.
    void reset() {
        end_.reset();
        unanswered_ = 0;
    }

    std::uint32_t probes() const { return probes_; }  // probes sent over the connection's life

  private:
    std::optional<wire::SeqNum> end_;  // RFC 8985 TLP.end_seq of a watched (resent) probe
    bool dsack_seen_ = false;          // a D-SACK arrived while end_ was set
    std::uint32_t unanswered_ = 0;     // probes sent since the last ACK showing delivery
    std::uint32_t probes_ = 0;
};

}  // namespace ustack::tcp
