// The RFC 6675 SACK scoreboard: SACKed ranges over [SND.UNA, SND.MAX), IsLost(), SetPipe(),
// NextSeg(), HighACK/HighData/HighRxt/RescueRxt; RFC 2883 D-SACK recognition; RFC 2018 §8;
// lost-retransmission detection (RFC 8985's rule, "sent later, delivered first", for
// retransmissions).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "tcp/assembler.h"
#include "tcp/lazy_array.h"
#include "wire/seq_num.h"
#include "wire/tcp_options.h"

namespace ustack::tcp {

// RFC 6675 uses the number of the highest octet for HighACK, HighData, HighRxt and RescueRxt;
// here they are half-open edges, one past that octet:
//   high_ack()  = HighACK + 1   = SND.UNA
//   high_data() = HighData + 1  = SND.MAX (the FIN's sequence number counts, as data)
//   high_rxt()  = HighRxt + 1   (high_ack() when nothing was retransmitted in this episode)
//   rescue_rxt()= RescueRxt + 1 (valid only while has_rescue())
class Scoreboard {
  public:
    // At most this many disjoint SACKed ranges are remembered. When a new range would need
    // one more, the highest range is forgotten (or the new one, if it is the highest): the ranges
    // nearest SND.UNA decide what is retransmitted; forgetting only makes data look unSACKed,
    // which costs a needless retransmission at worst, never a stall.
    static constexpr std::size_t kMaxRanges = 1024;
    // At most this many retransmissions of one recovery episode are watched for loss; beyond
    // that a lost retransmission is left to the retransmission timer (RFC 6675 §5.1).
    static constexpr std::size_t kMaxRetransmissions = 1024;
    // RFC 6675 §2 / RFC 5681: DupThresh = 3.
    static constexpr std::uint32_t kDupThresh = 3;

    // What one update() did.
    struct Update {
        std::uint32_t acked = 0;         // SND.UNA advance (bytes)
        std::uint32_t newly_sacked = 0;  // bytes SACKed for the first time (RFC 6675 §2 dupack)
        bool dsack = false;              // RFC 2883: the first block reported a duplicate
    };

    // What NextSeg() chose (RFC 6675 §4).
    struct Next {
        enum class Rule : std::uint8_t {
            None,      // nothing to send
            Lost,      // rule 1: the first lost, not yet retransmitted segment (or one whose
                       // retransmission was lost: retransmission_lost())
            NewData,   // rule 2: new data starting at high_data()
            Unsacked,  // rule 3: an unSACKed, not yet retransmitted segment below the highest SACK
            Rescue,    // rule 4: the rescue retransmission (the highest unSACKed segment)
        };
        Rule rule = Rule::None;
        wire::SeqNum seq;       // first octet (high_data() for NewData)
        std::uint32_t len = 0;  // <= SMSS for retransmissions; 0 for NewData (the TCB decides)
    };

    Scoreboard() = default;
    // Starts empty with SND.UNA = SND.MAX = snd_una.
    Scoreboard(wire::SeqNum snd_una, std::uint32_t smss);

    // RFC 6675 §4 Update(): a cumulative ACK `ack` (SND.UNA <= ack <= SND.MAX; anything outside
    // is clamped) and the SACK blocks of the same segment, as received. Blocks outside
    // [SND.UNA, SND.MAX) or empty are ignored; an RFC 2883 D-SACK first block is reported, not
    // recorded.
    Update update(wire::SeqNum ack, std::span<const wire::SackBlock> blocks);
    // New data was sent up to `end` (SND.MAX moves; HighData of RFC 6675 §5 step C.3).
    void on_sent(wire::SeqNum end);
    // [seq, seq + len) was retransmitted: RFC 6675 §5 steps 4.3 and C.2 (HighRxt). The
    // retransmission is remembered with SND.MAX at the time, for lost-retransmission detection.
    void on_retransmit(wire::SeqNum seq, std::uint32_t len);
    // RFC 6675 §4 NextSeg() rule 4: RescueRxt = RecoveryPoint (HighRxt unchanged).
    void on_rescue(wire::SeqNum recovery_point);
    // RFC 6675 §5 step 4.3: both HighRxt and RescueRxt to the end of the fast retransmission.
    void on_fast_retransmit(wire::SeqNum seq, std::uint32_t len);
    // RFC 6675 §5 step 1.c.1, and when leaving recovery: HighRxt = HighACK (and the
    // retransmissions watched for loss are forgotten).
    void reset_high_rxt();
    // RFC 2018 §8: after a retransmission timeout the sender forgets SACK information (the
    // receiver may have reneged). HighRxt and RescueRxt are reset too.
    void clear();

    // RFC 6675 §4 IsLost(seq): DupThresh discontiguous SACKed ranges above seq, or more than
    // (DupThresh - 1) * SMSS SACKed bytes above it.
    bool is_lost(wire::SeqNum seq) const;
    // Whether a retransmission covering the octet at seq was itself lost: data first sent after
    // it has been SACKed, enough for IsLost() (RFC 8985 §2: a segment is lost when one sent
    // sufficiently later was delivered). Such octets are owed a retransmission again (NextSeg()
    // rule 1) and no longer count in pipe as retransmitted.
    bool retransmission_lost(wire::SeqNum seq) const;
    // Retransmissions found lost over the connection's life.
    std::uint32_t lost_retransmissions() const { return lost_rxts_; }
    // Whether the octet at seq is SACKed.
    bool is_sacked(wire::SeqNum seq) const;
    // RFC 6675 §4 SetPipe(): the octets estimated to be in the network.
    std::uint32_t pipe() const;
    // RFC 6675 §4 NextSeg(). `can_send_new`: unsent data exists and the receiver's window allows
    // it (rule 2). A Rescue answer must be followed by on_rescue() when sent.
    Next next_seg(bool can_send_new) const;
    // The first unSACKed run at or after `from` (clamped to [SND.UNA, SND.MAX)), at most `max`
    // bytes and never reaching into a SACKed range; len == 0 when none. Go-back-N after an RTO
    // uses it to skip what the receiver SACKed since.
    Next unsacked_from(wire::SeqNum from, std::uint32_t max) const;
    // SACKed bytes in [SND.UNA, seq).
    std::uint32_t sacked_below(wire::SeqNum seq) const;

    wire::SeqNum high_ack() const { return high_ack_; }
    wire::SeqNum high_data() const { return high_ack_ + data_end_; }
    wire::SeqNum high_rxt() const { return high_ack_ + rxt_end_; }
    bool has_rescue() const { return rescue_valid_; }
    wire::SeqNum rescue_rxt() const { return rescue_rxt_; }
    std::uint32_t smss() const { return smss_; }
    // Bytes SND.MAX - SND.UNA (RFC 5681 FlightSize).
    std::uint32_t flight_size() const { return data_end_; }
    // All SACKed bytes above SND.UNA.
    std::uint32_t sacked_bytes() const { return sacked_; }
    // The SACKed ranges in sequence order, as offsets from SND.UNA.
    std::span<const Range> ranges() const { return {ranges_.data(), count_}; }
    bool empty() const { return count_ == 0; }

  private:
    // One retransmission of the current recovery episode (offsets from SND.UNA, as ranges_).
    struct Rxt {
        std::uint32_t start = 0;  // [start, end): what was resent
        std::uint32_t end = 0;
        std::uint32_t mark = 0;   // SND.MAX - SND.UNA when it was resent: data at or above mark
                                  // was first sent after it
        bool lost = false;        // found lost; owed another retransmission
        std::uint64_t order = 0;  // retransmission count when (last) sent: later ones are higher
    };

    // Lost (as IsLost) for SACKed data at offsets >= from.
    bool lost_from(std::uint64_t from) const;
    // The index of the first range whose end is above `offset` (count_ when none is).
    std::size_t first_range_ending_after(std::uint32_t offset) const;
    // SACKed bytes within [start, end) (offsets).
    std::uint32_t sacked_within(std::uint32_t start, std::uint32_t end) const;
    // Marks the watched retransmissions that data sent after them proves lost; forgets those
    // fully SACKed.
    void detect_lost_retransmissions();
    // How many holes, from the lowest, IsLost() holds for: hole i (below ranges_[i]) is lost
    // iff i < lost_holes() (IsLost is monotone: a lower octet has more SACKed above it).
    std::size_t lost_holes() const;
    // Lost (as IsLost) given `ranges` discontiguous ranges and `bytes` SACKed bytes above.
    bool lost_given(std::size_t ranges, std::uint64_t bytes) const;
    void advance(std::uint32_t delta);
    // Records [start, end) (offsets); returns the bytes not SACKed before.
    std::uint32_t insert(std::uint32_t start, std::uint32_t end);

    std::uint32_t smss_ = 536;           // sender MSS; > 0
    wire::SeqNum high_ack_;              // SND.UNA (RFC 6675 HighACK + 1)
    std::uint32_t data_end_ = 0;         // SND.MAX - SND.UNA (RFC 6675 HighData + 1, as offset)
    std::uint32_t rxt_end_ = 0;          // HighRxt + 1 as offset; <= data_end_
    wire::SeqNum rescue_rxt_;            // RescueRxt + 1; meaningful while rescue_valid_
    bool rescue_valid_ = false;          // RescueRxt is defined and not yet passed by SND.UNA
    std::size_t count_ = 0;              // count_ <= kMaxRanges
    std::uint32_t sacked_ = 0;           // sum of ranges_ lengths
    std::size_t rxt_count_ = 0;          // rxt_count_ <= kMaxRetransmissions
    std::uint32_t lost_rxts_ = 0;        // retransmissions found lost
    std::uint64_t rxt_order_ = 0;        // retransmissions sent in this episode
    std::uint64_t delivered_order_ = 0;  // highest order of a watched retransmission delivered
    // On the heap, allocated at the first SACKed range or retransmission: a connection that
    // never has one (most short ones) neither builds nor moves the 32 KiB.
    LazyArray<Range, kMaxRanges> ranges_;       // [0, count_): sorted, disjoint, non-adjacent,
                                                // start < end <= data_end_
    LazyArray<Rxt, kMaxRetransmissions> rxts_;  // [0, rxt_count_): in the order first sent,
                                                // disjoint, each end <= rxt_end_
};

}  // namespace ustack::tcp
