// RFC 8985 §7 Tail Loss Probe: the probe timeout, unanswered probes, and the §7.4 episode.
#include "tcp/tail_loss_probe.h"

namespace ustack::tcp {

Duration TailLossProbe::timeout(Duration srtt, bool one_segment_in_flight) const {
    Duration pto = Duration::seconds(1);  // §7.2: "Else, PTO = 1 sec"
    if (srtt > Duration::zero()) {
        pto = srtt * 2 + Duration::millis(2);
        // §7.2: "If FlightSize is equal to one segment, add WCDelAckT to PTO" (200 ms, §7.5.2):
        // the receiver may hold its ACK of a lone segment that long.
        if (one_segment_in_flight) pto = pto + Duration::millis(200);
    }
    for (std::uint32_t i = 0; i < unanswered_; ++i)
        pto = pto * 2;
    return pto;
}

void TailLossProbe::on_probe_sent(wire::SeqNum end, bool watch) {
    ++unanswered_;
    ++probes_;
    if (watch && !end_) {
        end_ = end;
        dsack_seen_ = false;
    }
}

TailLossProbe::Verdict TailLossProbe::on_ack(wire::SeqNum ack, bool dsack, bool progress) {
    if (progress) unanswered_ = 0;
    if (!end_) return Verdict::None;
    // §7.4.2: a D-SACK for the probe means the original arrived too: no loss.
    if (dsack) dsack_seen_ = true;
    if (ack < *end_) return Verdict::None;
    if (dsack_seen_) {
        end_.reset();
        return Verdict::Delivered;
    }
    // §7.4.2: the ACK covers the probe and goes beyond it with no D-SACK having come: the probe
    // was the only copy that arrived, it repaired a loss. (At exactly `end` wait, as Linux's
    // tcp_process_tlp_ack does: the D-SACK may still be on its way.)
    if (ack > *end_) {
        end_.reset();
        return Verdict::RepairedLoss;
    }
    return Verdict::None;
}

}  // namespace ustack::tcp
