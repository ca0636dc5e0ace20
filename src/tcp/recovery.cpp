// Loss recovery: duplicate ACKs, fast retransmit/recovery (RFC 5681, RFC 6675, RFC 6582),
// limited transmit (RFC 3042), RTO recovery.
#include "tcp/recovery.h"

#include <algorithm>

namespace ustack::tcp {

using wire::SeqNum;

LossRecovery::LossRecovery(CongestionControl kind, std::uint32_t smss,
                           std::uint32_t initial_window_segments, bool sack, SeqNum snd_una,
                           bool hystart)
    : cc_(kind, smss, initial_window_segments, hystart),
      sack_(sack),
      recover_(snd_una),
      rtx_next_(snd_una),
      rto_una_(snd_una),
      board_(snd_una, smss) {}

std::uint32_t LossRecovery::cwnd() const {
    if (state_ != RecoveryState::FastRecovery || sack_) return cc_.cwnd();
    // RFC 6582 §3.2 steps 3-5: the window NewReno sends by is ssthresh plus the inflation
    // (never below one segment).
    const std::int64_t w = static_cast<std::int64_t>(cc_.cwnd()) + inflation_;
    return static_cast<std::uint32_t>(
        std::clamp<std::int64_t>(w, cc_.smss(), std::int64_t{UINT32_MAX}));
}

std::uint32_t LossRecovery::in_flight() const {
    if (state_ == RecoveryState::RtoRecovery) {
        // After an RTO everything beyond rtx_next_ is presumed lost (RFC 5681 §3.1 go-back);
        // what is in the network is what was resent since, less what the receiver SACKed.
        const auto sent = static_cast<std::uint32_t>(std::max(rtx_next_ - board_.high_ack(), 0));
        return sent - board_.sacked_below(rtx_next_);
    }
    // RFC 6675 §4 SetPipe() with SACK; RFC 5681 FlightSize without.
    return sack_ ? board_.pipe() : board_.flight_size();
}

bool LossRecovery::cwnd_limited(std::uint32_t flight_before) const {
    // Deviation (Linux tcp_is_cwnd_limited, RFC 7661's idea): the window grows only if the
    // sender had (nearly) filled it when the ACK arrived.
    return static_cast<std::uint64_t>(flight_before) + cc_.smss() > cc_.cwnd();
}

AckOutcome LossRecovery::on_ack(const AckSegment& seg, Instant now) {
    AckOutcome out;
    const std::uint32_t smss = cc_.smss();
    const std::uint32_t flight_before = in_flight();
    // RFC 5681 §2 (a): "the receiver of the ACK has outstanding data".
    const bool outstanding = board_.flight_size() > 0;
    // RFC 5681 §2 (d): "the acknowledgment number is equal to the greatest acknowledgment
    // received on the given connection".
    const bool at_una = seg.ack == board_.high_ack();
    const std::uint32_t sacked_before = board_.sacked_bytes();

    const auto sacks = sack_ ? seg.sacks : std::span<const wire::SackBlock>{};
    const Scoreboard::Update up = board_.update(seg.ack, sacks);
    out.acked = up.acked;
    out.newly_sacked = up.newly_sacked;
    out.dsack = up.dsack && !sacks.empty();
    if (out.dsack) ++dsacks_;
    out.restart_rto = out.acked > 0;
    if (rtx_next_ < board_.high_ack()) rtx_next_ = board_.high_ack();
    if (tlp_.on_ack(seg.ack, out.dsack, out.acked > 0 || out.newly_sacked > 0) ==
            TailLossProbe::Verdict::RepairedLoss &&
        state_ == RecoveryState::Open) {
        // RFC 8985 §7.4.2: the probe repaired a loss nothing else detected; "invoke the
        // congestion control response equivalent to fast recovery" (the window is reduced as
        // on entering it; there is nothing left to recover).
        cc_.on_congestion_event(reduction_base());
    }

    if (sack_) {
        // RFC 6675 §2: with SACK, a duplicate acknowledgment is one whose SACK blocks cover
        // "previously unacknowledged and un-SACKed octets", whatever else it carries.
        out.duplicate = up.newly_sacked > 0;
    } else {
        // RFC 5681 §2: outstanding data, no data, neither SYN nor FIN, ACK = SND.UNA, and the
        // same advertised window.
        out.duplicate =
            outstanding && at_una && !seg.has_data && !seg.syn_or_fin && !seg.window_changed;
    }
    // RFC 6675 §5 step 1: "If the incoming ACK is a cumulative acknowledgment, the TCP MUST
    // reset DupAcks to zero" (RFC 5681 §3.2 counts consecutive duplicates likewise).
    if (out.acked > 0) dupacks_ = 0;

    switch (state_) {
        case RecoveryState::Open:
            if (out.duplicate) {
                ++dupacks_;
                // RFC 5681 §3.2 step 2 and RFC 6675 §5 step 1.a: DupThresh duplicate ACKs;
                // RFC 6675 §5 step 1.b: or IsLost(HighACK + 1) by the SACKed data above it.
                if (dupacks_ >= Scoreboard::kDupThresh ||
                    (sack_ && board_.is_lost(board_.high_ack()))) {
                    enter_fast_recovery();
                    out.entered_recovery = true;
                    return out;
                }
            }
            // RFC 5681 §3.1: slow start or congestion avoidance on new data acknowledged.
            if (out.acked > 0) {
                cc_.on_ack(AckInfo{out.acked, now, seg.srtt, cwnd_limited(flight_before), seg.ack,
                                   board_.high_data(), seg.rtt_sample});
            }
            break;

        case RecoveryState::FastRecovery:
            // RFC 6675 §5 step A / RFC 6582 §3.2 step 6: a cumulative ACK covering
            // RecoveryPoint (recover) ends recovery.
            if (board_.high_ack() >= recover_) {
                exit_recovery();
                out.exited_recovery = true;
                break;
            }
            if (out.acked > 0) out.partial_ack = true;
            if (sack_) {
                // RFC 6675 §5 steps B.1-B.2: Update() ran above; SetPipe() runs in
                // next_segment(). How much step C may send is RFC 6937's sndcnt, not
                // cwnd - pipe: after a burst of tail drops one ACK can reveal dozens of lost
                // segments at once, and sending cwnd - pipe of them back to back overflows the
                // same queue again (RFC 6937 §1). PRR spreads them over the ACKs instead.
                // RFC 6937 §3: DeliveredData = change in snd.una + change in SACKed bytes.
                const std::int64_t delivered = static_cast<std::int64_t>(out.acked) +
                                               static_cast<std::int64_t>(board_.sacked_bytes()) -
                                               static_cast<std::int64_t>(sacked_before);
                prr_delivered_ += static_cast<std::uint64_t>(std::max<std::int64_t>(delivered, 0));
                const std::uint64_t pipe = board_.pipe();
                const std::uint64_t ssthresh = cc_.ssthresh();
                std::int64_t sndcnt = 0;
                if (pipe > ssthresh) {
                    // RFC 6937 §3: "sndcnt = CEIL(prr_delivered * ssthresh / RecoverFS) -
                    // prr_out" (proportional part).
                    const std::uint64_t target =
                        (prr_delivered_ * ssthresh + recover_fs_ - 1) / recover_fs_;
                    sndcnt =
                        static_cast<std::int64_t>(target) - static_cast<std::int64_t>(prr_out_);
                } else {
                    // RFC 6937 §3, PRR-SSRB: "limit = MAX(prr_delivered - prr_out,
                    // DeliveredData) + MSS; sndcnt = MIN(ssthresh - pipe, limit)".
                    const std::int64_t limit = std::max(static_cast<std::int64_t>(prr_delivered_) -
                                                            static_cast<std::int64_t>(prr_out_),
                                                        delivered) +
                                               smss;
                    sndcnt = std::min(static_cast<std::int64_t>(ssthresh - pipe), limit);
                }
                prr_sndcnt_ = static_cast<std::uint32_t>(
                    std::clamp<std::int64_t>(sndcnt, 0, std::int64_t{UINT32_MAX}));
                break;
            }
            if (out.acked > 0) {
                // RFC 6582 §3.2 step 5, partial ACK: retransmit the first unacknowledged
                // segment; deflate cwnd by the data acknowledged and add back SMSS if at least
                // SMSS was acknowledged.
                fast_rtx_pending_ = true;
                inflation_ -= out.acked;
                if (out.acked >= smss) inflation_ += smss;
                // RFC 6582 §3.2 step 5: "For the first partial ACK that arrives during fast
                // recovery, also reset the retransmit timer" (the Impatient variant, §4).
                out.restart_rto = first_partial_;
                first_partial_ = false;
            } else if (out.duplicate) {
                // RFC 6582 §3.2 step 4 (RFC 5681 §3.2 step 4): each further duplicate ACK
                // inflates cwnd by SMSS, for the segment that left the network.
                inflation_ += smss;
            }
            break;

        case RecoveryState::RtoRecovery:
            // RFC 5681 §3.1: after a timeout the sender slow-starts from the loss window.
            if (out.acked > 0) {
                cc_.on_ack(AckInfo{out.acked, now, seg.srtt, cwnd_limited(flight_before), seg.ack,
                                   board_.high_data(), seg.rtt_sample});
            }
            // RFC 6582 §4.1 / RFC 6675 §5.1: no new fast recovery until SND.UNA reaches the
            // RecoveryPoint set at the timeout, so the duplicates a go-back-N resend provokes do
            // not trigger fast retransmit.
            if (board_.high_ack() >= recover_) {
                exit_recovery();
                out.exited_recovery = true;
            }
            break;
    }
    return out;
}

void LossRecovery::enter_fast_recovery() {
    ++fast_retransmits_;
    // RFC 8985 §7.4: recovery makes the congestion response; a probe watched for a repaired
    // loss needs no verdict any more.
    tlp_.end_watch();
    state_ = RecoveryState::FastRecovery;
    // RFC 6675 §5 step 4.1: RecoveryPoint = HighData; RFC 6582 §3.2 step 2: recover = the
    // highest sequence number transmitted.
    recover_ = board_.high_data();
    // RFC 5681 §3.2 step 2 / RFC 6675 §5 step 4.2 (RFC 9438 §4.6 for CUBIC): reduce ssthresh and
    // cwnd from FlightSize (bounded by cwnd, see reduction_base()).
    cc_.on_congestion_event(reduction_base());
    // RFC 5681 §3.2 step 3 / RFC 6675 §5 step 4.3: retransmit the segment at SND.UNA now.
    fast_rtx_pending_ = true;
    first_partial_ = true;
    board_.reset_high_rxt();
    // RFC 6937 §3 "At the beginning of recovery": prr_delivered = 0, prr_out = 0, RecoverFS =
    // snd.nxt - snd.una. The fast retransmission itself goes regardless (it counts in prr_out).
    prr_delivered_ = 0;
    prr_out_ = 0;
    prr_sndcnt_ = 0;
    recover_fs_ = std::max<std::uint32_t>(board_.flight_size(), 1);
    // RFC 6582 §3.2 step 3: without SACK, cwnd = ssthresh + 3*SMSS (the three segments the
    // duplicate ACKs say have left the network). With SACK, pipe accounts for them.
    inflation_ = sack_ ? 0 : 3 * static_cast<std::int64_t>(cc_.smss());
}

void LossRecovery::exit_recovery() {
    // RFC 6582 §3.2 step 6 (full ACK) deflates the NewReno window (option (1), which avoids a
    // burst without pacing). RFC 6675 §5 leaves cwnd at the ssthresh set on entry: with SACK the
    // window was never inflated, and deflating it to FlightSize would punish a sender whose
    // ACKs came in a burst (nothing could be sent between them). After an RTO recovery slow
    // start goes on.
    if (state_ == RecoveryState::FastRecovery && !sack_) {
        cc_.on_recovery_exit(board_.flight_size());
    }
    state_ = RecoveryState::Open;
    dupacks_ = 0;
    inflation_ = 0;
    fast_rtx_pending_ = false;
    // RFC 6675 §5 step 1.c.1: outside recovery HighRxt = HighACK. Step A: SACK information
    // above the new HighACK is kept.
    board_.reset_high_rxt();
    rtx_next_ = board_.high_ack();
}

void LossRecovery::on_rto() {
    ++rto_events_;
    // RFC 5681 §3.1: ssthresh is recomputed only if the segment at SND.UNA "has not yet been
    // resent by way of the retransmission timer".
    const bool first_timeout = !(rto_seen_ && rto_una_ == board_.high_ack());
    rto_seen_ = true;
    rto_una_ = board_.high_ack();
    // RFC 5681 §3.1 eq. (4) and cwnd = LW = 1 SMSS (RFC 9438 §4.8 for CUBIC).
    cc_.on_rto(board_.flight_size(), first_timeout);
    tlp_.reset();
    // RFC 6675 §5.1: "RecoveryPoint MUST be set to HighData", recovery ends, and no new one
    // starts until HighACK reaches it. RFC 6582 §4.1 likewise sets recover.
    recover_ = board_.high_data();
    // RFC 2018 §8: the receiver may have reneged; forget what was SACKed.
    board_.clear();
    state_ = RecoveryState::RtoRecovery;
    dupacks_ = 0;
    inflation_ = 0;
    fast_rtx_pending_ = false;
    // RFC 6298 §5.4 / RFC 5681 §3.1: resend from the earliest unacknowledged octet (go-back-N).
    rtx_next_ = board_.high_ack();
}

std::uint32_t LossRecovery::reduction_base() const {
    // RFC 5681's FlightSize is SND.MAX - SND.UNA. With SACK that also counts data the receiver
    // already holds above a hole: after a recovery that left SACKed data behind it, FlightSize
    // can be several times cwnd (the sender sends by pipe, RFC 6675 §5), and ssthresh = beta x
    // FlightSize would then raise the window on a congestion event, so a sender over a full
    // queue would never slow down. With SACK the reduction is from FlightSize capped at cwnd
    // plus DupThresh segments: about what a sender that filled cwnd has outstanding when
    // DupThresh SACKed segments reveal a loss (each one SACKed let a new one go, RFC 6675 §5
    // step 1.c). Linux's CUBIC reduces from cwnd alone; RFC 9438 §4.6 allows cwnd provided cwnd
    // does not grow while less than it is in flight, which cwnd_limited() ensures. Without SACK
    // FlightSize exceeds cwnd by at most RFC 3042's two segments; RFC 5681 §3.2 applies as
    // written.
    if (!sack_) return board_.flight_size();
    const std::uint64_t cap =
        std::uint64_t{cc_.cwnd()} + std::uint64_t{Scoreboard::kDupThresh} * cc_.smss();
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(board_.flight_size(), cap));
}

std::uint32_t LossRecovery::budget(std::uint32_t used) const {
    const std::uint32_t c = cwnd();
    return c > used ? c - used : 0;
}

SendPlan LossRecovery::next_segment(bool new_data_ok) const {
    const std::uint32_t smss = cc_.smss();
    const SeqNum una = board_.high_ack();
    const SeqNum max = board_.high_data();
    switch (state_) {
        case RecoveryState::Open: {
            if (!new_data_ok) return SendPlan{};
            std::uint64_t allowed = cwnd();
            std::uint32_t used = 0;
            if (sack_) {
                // RFC 6675 §5 step 1.c: limited transmit governed by cwnd - pipe (with
                // HighRxt = HighACK).
                used = board_.pipe();
            } else {
                // RFC 3042 §2: on each of the first two duplicate ACKs one new segment may go,
                // keeping FlightSize <= cwnd + 2*SMSS; cwnd itself does not change.
                used = board_.flight_size();
                allowed += static_cast<std::uint64_t>(std::min<std::uint32_t>(dupacks_, 2)) * smss;
            }
            if (allowed <= used) return SendPlan{};
            const auto room =
                static_cast<std::uint32_t>(std::min<std::uint64_t>(allowed - used, UINT32_MAX));
            return SendPlan{SendPlan::Kind::NewData, max, room};
        }

        case RecoveryState::FastRecovery: {
            if (fast_rtx_pending_ && max > una) {
                // RFC 5681 §3.2 step 3, RFC 6675 §5 step 4.3, RFC 6582 §3.2 step 5: the
                // segment at SND.UNA, regardless of cwnd.
                const Scoreboard::Next n = board_.unsacked_from(una, smss);
                if (n.len > 0) return SendPlan{SendPlan::Kind::Retransmit, n.seq, n.len};
            }
            if (!sack_) {
                // RFC 6582 §3.2 steps 4-5: new data as the inflated cwnd allows.
                const std::uint32_t room = budget(board_.flight_size());
                if (new_data_ok && room > 0) return SendPlan{SendPlan::Kind::NewData, max, room};
                return SendPlan{};
            }
            // RFC 6675 §5 step C sends what NextSeg() returns; RFC 6937 §3: "cwnd = pipe +
            // sndcnt", so it goes while the ACK's sndcnt covers the segment.
            const std::uint32_t room = prr_sndcnt_;
            if (room == 0) return SendPlan{};
            const Scoreboard::Next n = board_.next_seg(new_data_ok);
            switch (n.rule) {
                case Scoreboard::Next::Rule::Lost:
                case Scoreboard::Next::Rule::Unsacked:
                    if (room < n.len) return SendPlan{};
                    return SendPlan{SendPlan::Kind::Retransmit, n.seq, n.len};
                case Scoreboard::Next::Rule::Rescue:
                    if (room < n.len) return SendPlan{};
                    return SendPlan{SendPlan::Kind::Rescue, n.seq, n.len};
                case Scoreboard::Next::Rule::NewData:
                    if (room < smss) return SendPlan{};
                    return SendPlan{SendPlan::Kind::NewData, max, room};
                case Scoreboard::Next::Rule::None:
                    break;
            }
            return SendPlan{};
        }

        case RecoveryState::RtoRecovery: {
            const std::uint32_t c = cc_.cwnd();
            const std::uint32_t used = in_flight();
            if (rtx_next_ < max) {
                // RFC 5681 §3.1 / RFC 6298 §5.4: go back to SND.UNA and resend in order as the
                // slow-starting cwnd allows, skipping what was SACKed since the timeout.
                const Scoreboard::Next n = board_.unsacked_from(rtx_next_, smss);
                if (n.len > 0) {
                    if (used > c || c - used < n.len) return SendPlan{};
                    return SendPlan{SendPlan::Kind::Retransmit, n.seq, n.len};
                }
            }
            if (!new_data_ok || used >= c) return SendPlan{};
            return SendPlan{SendPlan::Kind::NewData, max, c - used};
        }
    }
    return SendPlan{};
}

SendPlan LossRecovery::probe_segment(bool new_data_ok) const {
    if (!probe_wanted()) return SendPlan{};
    const std::uint32_t smss = cc_.smss();
    const SeqNum una = board_.high_ack();
    const SeqNum max = board_.high_data();
    if (state_ == RecoveryState::RtoRecovery) {
        // The earliest unSACKed segment: the resend the RTO went back for, lost again (what the
        // next RTO would resend first).
        const Scoreboard::Next n = board_.unsacked_from(una, smss);
        if (n.len > 0) return SendPlan{SendPlan::Kind::Retransmit, n.seq, n.len, true};
    } else {
        // A hole below the highest SACKed octet goes before new data: NextSeg() rules 1 and 3,
        // in that order. Such a hole was sent before data that has since arrived, and a PTO has
        // passed without an ACK: RFC 8985 §6.2 (RACK) would call it lost by now.
        const Scoreboard::Next n = board_.next_seg(false);
        if (n.rule == Scoreboard::Next::Rule::Lost || n.rule == Scoreboard::Next::Rule::Unsacked)
            return SendPlan{SendPlan::Kind::Retransmit, n.seq, n.len, true};
    }
    // RFC 8985 §7.3: "If a previously unsent segment exists AND the receive window allows new
    // data to be sent: Send that segment" (the TCB cuts it to one segment).
    if (new_data_ok) return SendPlan{SendPlan::Kind::NewData, max, UINT32_MAX, true};
    // "Else: Retransmit the highest-sequence segment sent so far".
    const auto len = std::min<std::uint32_t>(smss, static_cast<std::uint32_t>(max - una));
    return SendPlan{SendPlan::Kind::Retransmit, max - len, len, true};
}

void LossRecovery::on_sent(const SendPlan& plan, SeqNum seq, std::uint32_t len) {
    if (len == 0) return;
    const SeqNum end = seq + len;
    if (plan.probe) {
        // RFC 8985 §7.3: TLP.end_seq = SND.NXT after the probe. Outside recovery a resent probe
        // is watched (§7.4) and leaves HighRxt alone (it is no recovery retransmission);
        // everything else is accounted as the plan's kind is, below.
        const bool resent_outside =
            state_ == RecoveryState::Open && plan.kind != SendPlan::Kind::NewData;
        tlp_.on_probe_sent(std::max(board_.high_data(), end), resent_outside);
        if (resent_outside) return;
    }
    if (state_ == RecoveryState::FastRecovery && sack_) {
        // RFC 6937 §3 "On any data transmission or retransmission": prr_out += (data sent).
        prr_out_ += len;
        prr_sndcnt_ -= std::min(prr_sndcnt_, len);
    }
    switch (plan.kind) {
        case SendPlan::Kind::None:
            break;
        case SendPlan::Kind::NewData:
            // RFC 6675 §5 step C.3: HighData covers the new transmission.
            board_.on_sent(end);
            if (state_ == RecoveryState::RtoRecovery) rtx_next_ = board_.high_data();
            break;
        case SendPlan::Kind::Retransmit:
            if (state_ == RecoveryState::FastRecovery && fast_rtx_pending_ &&
                seq == board_.high_ack()) {
                fast_rtx_pending_ = false;
                // RFC 6675 §5 step 4.3: HighRxt and RescueRxt to the end of this segment
                // (without SACK only HighRxt matters, and only for tracing).
                board_.on_fast_retransmit(seq, len);
            } else {
                // RFC 6675 §5 step C.2: HighRxt = the highest octet retransmitted.
                board_.on_retransmit(seq, len);
            }
            if (state_ == RecoveryState::RtoRecovery && rtx_next_ < end) rtx_next_ = end;
            break;
        case SendPlan::Kind::Rescue:
            // RFC 6675 §4 rule 4: RescueRxt = RecoveryPoint; HighRxt unchanged.
            board_.on_rescue(recover_);
            break;
    }
}

}  // namespace ustack::tcp
