// Loss recovery for a TCB: RFC 5681 §2 duplicate ACKs and §3.2 fast retransmit, RFC 6675 SACK
// recovery, RFC 6582 NewReno partial ACKs, RFC 3042 limited transmit, RFC 5681/6298 RTO recovery.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "base/time.h"
#include "tcp/congestion.h"
#include "tcp/scoreboard.h"
#include "tcp/tail_loss_probe.h"
#include "wire/seq_num.h"
#include "wire/tcp_options.h"

namespace ustack::tcp {

// One acceptable ACK as the TCB saw it (RFC 9293 §3.10.7.4: SND.UNA <= SEG.ACK <= SND.NXT).
struct AckSegment {
    wire::SeqNum ack;                        // SEG.ACK
    std::span<const wire::SackBlock> sacks;  // SACK blocks as received (ignored if SACK is off)
    bool has_data = false;                   // SEG.LEN > 0 (RFC 5681 §2 condition (b))
    bool syn_or_fin = false;                 // SYN or FIN set (RFC 5681 §2 condition (c))
    bool window_changed = false;             // SEG.WND differs from the last one (condition (e))
    Duration srtt;                           // smoothed RTT after this ACK's sample; zero if none
    std::optional<Duration> rtt_sample;      // the RTT sample this ACK gave, if any
};

// What on_ack() did, for the TCB's timers, counters and traces.
struct AckOutcome {
    std::uint32_t acked = 0;         // SND.UNA advance in bytes
    std::uint32_t newly_sacked = 0;  // bytes SACKed for the first time
    bool duplicate = false;          // counted as a duplicate ACK
    bool dsack = false;              // RFC 2883: carried a D-SACK block
    bool entered_recovery = false;   // fast retransmit starts: send what next_segment() says
    bool exited_recovery = false;    // fast or RTO recovery ended with this ACK
    bool partial_ack = false;        // RFC 6582: advanced SND.UNA but not to `recover`
    // RFC 6298 §5.3: restart the retransmission timer (something was acknowledged). False for
    // partial ACKs after the first one in NewReno recovery (RFC 6582 §3.2 step 5, "Impatient").
    bool restart_rto = false;
};

// What to transmit next.
struct SendPlan {
    enum class Kind : std::uint8_t {
        None,        // nothing now (cwnd full, or nothing to send)
        NewData,     // new data from SND.MAX, at most `len` bytes (cwnd room; may exceed SMSS)
        Retransmit,  // exactly [seq, seq + len), len <= SMSS, regardless of the peer's window
        Rescue,      // as Retransmit, RFC 6675 rule 4 (pass the plan back to on_sent())
    };
    Kind kind = Kind::None;
    wire::SeqNum seq;       // first sequence number (SND.MAX for NewData)
    std::uint32_t len = 0;  // bytes (sequence space: a FIN counts one)
    // RFC 8985 §7.3: a tail loss probe (NewData or Retransmit), sent whatever cwnd says.
    bool probe = false;
};

enum class RecoveryState : std::uint8_t {
    Open,          // no loss known; duplicate ACKs counted, limited transmit (RFC 3042)
    FastRecovery,  // after fast retransmit, until SND.UNA reaches `recover`
    RtoRecovery,   // after a retransmission timeout, until SND.UNA reaches `recover`
};

// The loss-recovery state machine and the congestion window it drives. The TCB owns one per
// connection from ESTABLISHED on; it does the sending and the timers, this decides what.
//
// Sequence space: [SND.UNA, SND.MAX) as the TCB counts it, including a FIN's number; a plan
// covering the FIN's number means "send the FIN there".
class LossRecovery {
  public:
    // `snd_una`: SND.UNA (= SND.MAX) when the handshake completed; `smss`: the effective send MSS;
    // `sack`: both ends agreed to SACK (RFC 2018 §2).
    // `hystart`: RFC 9406 HyStart++ for the initial slow start.
    LossRecovery(CongestionControl kind, std::uint32_t smss, std::uint32_t initial_window_segments,
                 bool sack, wire::SeqNum snd_una, bool hystart = true);

    // Every acceptable ACK (SND.UNA <= SEG.ACK <= SND.MAX), before the TCB moves SND.UNA.
    AckOutcome on_ack(const AckSegment& seg, Instant now);
    // What the TCB should send now. `new_data_ok`: unsent data (or a FIN) exists and the peer's
    // window, Nagle and the send buffer would let at least one byte go. Pure: call it again
    // after every on_sent().
    SendPlan next_segment(bool new_data_ok) const;
    // The TCB sent [seq, seq + len) following `plan` (len may be below plan.len for NewData).
    void on_sent(const SendPlan& plan, wire::SeqNum seq, std::uint32_t len);
    // The retransmission timer expired with data outstanding (call before rearming it).
    void on_rto();
    // ---- RFC 8985 §7 tail loss probes (SACK only; the TCB owns the PTO timer)
    // Whether a PTO may run now: SACK in use, data in flight, and TailLossProbe::may_probe().
    // Deviation: RFC 8985 §7.2 also wants no SACKed data and no recovery, where RACK's timers
    // take over. We have no RACK, and RFC 6675 marks a hole lost only once DupThresh segments
    // above it are SACKed, which a flight whose ACKs stopped never delivers; so the probe goes
    // there too (probe_segment() says what it carries), instead of an RTO.
    bool probe_wanted() const { return sack_ && tlp_.may_probe() && board_.flight_size() > 0; }
    // RFC 8985 §7.2 PTO for this flight, given the SRTT.
    Duration probe_timeout(Duration srtt) const {
        return tlp_.timeout(srtt, board_.flight_size() <= cc_.smss());
    }
    // RFC 8985 §7.3: what the probe carries when the PTO fired: one new segment if
    // `new_data_ok`, else the highest-sequence segment sent again. Before either (deviation,
    // no RACK): a hole below the highest SACKed octet, or after an RTO the earliest unSACKed
    // segment. None if probe_wanted() no longer holds.
    SendPlan probe_segment(bool new_data_ok) const;
    std::uint32_t tail_loss_probes() const { return tlp_.probes(); }

    // RFC 6928 §2: the SYN or SYN-ACK had been retransmitted.
    void on_syn_loss() { cc_.on_syn_loss(); }
    // RFC 5681 §4.1: the TCB is about to send after more than an RTO without sending anything
    // (and nothing is outstanding); cwnd falls back to at most the initial window.
    void on_idle_restart() {
        if (state_ == RecoveryState::Open && board_.flight_size() == 0) cc_.on_idle_restart();
    }

    RecoveryState state() const { return state_; }
    bool in_recovery() const { return state_ != RecoveryState::Open; }
    // The window the sender uses: cwnd plus the RFC 6582 inflation during NewReno recovery.
    std::uint32_t cwnd() const;
    std::uint32_t ssthresh() const { return cc_.ssthresh(); }
    // RFC 6675 pipe with SACK, else FlightSize (RFC 5681); what cwnd is compared with.
    std::uint32_t in_flight() const;
    std::uint32_t flight_size() const { return board_.flight_size(); }
    std::uint32_t dupacks() const { return dupacks_; }
    // RFC 6582 `recover` / RFC 6675 RecoveryPoint + 1.
    wire::SeqNum recover() const { return recover_; }
    bool sack() const { return sack_; }
    const CongestionController& congestion() const { return cc_; }
    const Scoreboard& scoreboard() const { return board_; }

    // Counters over the connection's life.
    std::uint32_t fast_retransmits() const { return fast_retransmits_; }  // recoveries entered
    std::uint32_t rto_events() const { return rto_events_; }
    std::uint32_t dsacks() const { return dsacks_; }

  private:
    void enter_fast_recovery();
    void exit_recovery();
    std::uint32_t budget(std::uint32_t used) const;
    // What fast recovery reduces ssthresh from: FlightSize, with SACK at most cwnd + DupThresh
    // SMSS.
    std::uint32_t reduction_base() const;
    bool cwnd_limited(std::uint32_t flight_before) const;

    CongestionController cc_;  // cwnd and ssthresh
    bool sack_;                // SACK in use; fixed for the connection
    RecoveryState state_ = RecoveryState::Open;
    std::uint32_t dupacks_ = 0;      // RFC 6675 DupAcks / RFC 5681 count; 0 when not Open
    wire::SeqNum recover_;           // RFC 6582 recover + 1; meaningful while in_recovery()
    std::int64_t inflation_ = 0;     // RFC 6582 §3.2 steps 3-5: cwnd inflation (bytes), only in
                                     // NewReno (no SACK) FastRecovery; 0 otherwise
    bool fast_rtx_pending_ = false;  // the retransmission of SND.UNA is owed (RFC 5681 §3.2
                                     // step 2, RFC 6582 step 5 partial ACK): sent past cwnd
    bool first_partial_ = true;      // no partial ACK yet in this NewReno recovery
    // RFC 6937 Proportional Rate Reduction, SACK FastRecovery only (bytes).
    std::uint64_t prr_delivered_ = 0;  // prr_delivered: data delivered since recovery began
    std::uint64_t prr_out_ = 0;        // prr_out: data sent since recovery began
    std::uint32_t recover_fs_ = 1;     // RecoverFS: FlightSize when recovery began (> 0)
    std::uint32_t prr_sndcnt_ = 0;     // what may still go in answer to the last ACK
    wire::SeqNum rtx_next_;            // RtoRecovery: next octet to resend (go-back-N);
                                       // SND.UNA <= rtx_next_ <= SND.MAX
    wire::SeqNum rto_una_;             // SND.UNA at the last RTO (repeated timeouts keep ssthresh)
    bool rto_seen_ = false;            // rto_una_ is valid
    std::uint32_t fast_retransmits_ = 0;  // fast recoveries entered
    std::uint32_t rto_events_ = 0;        // on_rto() calls
    std::uint32_t dsacks_ = 0;            // D-SACK blocks received
    TailLossProbe tlp_;                   // RFC 8985 §7 probes
    // Last, as its ranges array is large: the fields above stay in a few cache lines.
    Scoreboard board_;  // SND.UNA, SND.MAX, SACKed ranges, HighRxt, RescueRxt
};

}  // namespace ustack::tcp
