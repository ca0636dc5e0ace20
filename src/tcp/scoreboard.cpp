// The RFC 6675 SACK scoreboard.
#include "tcp/scoreboard.h"

#include <algorithm>

namespace ustack::tcp {

using wire::SackBlock;
using wire::SeqNum;

Scoreboard::Scoreboard(SeqNum snd_una, std::uint32_t smss)
    : smss_(std::max<std::uint32_t>(smss, 1)), high_ack_(snd_una) {}

Scoreboard::Update Scoreboard::update(SeqNum ack, std::span<const SackBlock> blocks) {
    Update result;
    // RFC 2883 §4 (the sender's view of §4.1-§4.3): the first block is a D-SACK when it lies
    // below the cumulative ACK, or inside the second block.
    if (!blocks.empty()) {
        const SackBlock& first = blocks[0];
        if (first.left < first.right) {
            const bool below_ack = first.right <= ack;
            const bool inside_second = blocks.size() >= 2 && blocks[1].left <= first.left &&
                                       first.right <= blocks[1].right &&
                                       blocks[1].left < blocks[1].right;
            result.dsack = below_ack || inside_second;
        }
    }

    // RFC 6675 §4 Update(): a cumulative ACK discards everything below it (an old ACK moves
    // nothing; one beyond SND.MAX cannot be acceptable, so it is clamped).
    std::int32_t delta = ack - high_ack_;
    if (delta < 0) delta = 0;
    if (static_cast<std::uint32_t>(delta) > data_end_) delta = static_cast<std::int32_t>(data_end_);
    advance(static_cast<std::uint32_t>(delta));
    result.acked = static_cast<std::uint32_t>(delta);

    for (std::size_t i = result.dsack ? 1 : 0; i < blocks.size(); ++i) {
        const SackBlock& b = blocks[i];
        // RFC 2018 §3: a block is [left, right); nonsense (empty or reversed) is ignored.
        if (!(b.left < b.right)) continue;
        std::int32_t start = b.left - high_ack_;
        const std::int32_t end = b.right - high_ack_;
        // Below SND.UNA: old news (or an unrecognised D-SACK); nothing to record.
        if (end <= 0) continue;
        // A block reaching beyond SND.MAX SACKs data never sent: invalid, ignored (as Linux).
        if (static_cast<std::uint32_t>(end) > data_end_) continue;
        start = std::max(start, 0);
        result.newly_sacked +=
            insert(static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(end));
    }
    detect_lost_retransmissions();
    return result;
}

void Scoreboard::detect_lost_retransmissions() {
    // RFC 6675 §5.1 leaves a lost retransmission to the retransmission timer; after a burst of
    // tail drops that costs an RTO and a go-back-N resend each time. RFC 8985 §2 and §6.2: "a
    // segment is lost if a segment sent sufficiently later has been delivered", and a
    // retransmission is such a segment too. Data first sent after the retransmission (at or
    // above its mark) that is SACKed enough for RFC 6675 §4 IsLost() (DupThresh ranges or more
    // than (DupThresh - 1) * SMSS bytes, the same allowance for reordering) proves it lost.
    // Deviation: sequence order of new data stands in for RACK's send times, as Linux's
    // pre-RACK tcp_mark_lost_retrans() did; no reordering-window timer is needed.
    // Retransmissions sent later count as well (RFC 8985 orders by send time): when one sent
    // DupThresh retransmissions after this one was delivered, this one was lost. (The sender
    // is often receive-window limited then, with no new data to send after it.)
    for (std::size_t i = 0; i < rxt_count_; ++i) {
        const Rxt& r = rxts_[i];
        if (sacked_within(r.start, r.end) >= r.end - r.start) {
            delivered_order_ = std::max(delivered_order_, r.order);
        }
    }
    std::size_t kept = 0;
    for (std::size_t i = 0; i < rxt_count_; ++i) {
        Rxt r = rxts_[i];
        if (sacked_within(r.start, r.end) >= r.end - r.start) continue;  // delivered
        if (!r.lost && (lost_from(r.mark) || delivered_order_ >= r.order + kDupThresh)) {
            r.lost = true;
            ++lost_rxts_;
        }
        rxts_[kept++] = r;
    }
    rxt_count_ = kept;
}

bool Scoreboard::retransmission_lost(SeqNum seq) const {
    const std::int32_t off = seq - high_ack_;
    if (off < 0) return false;
    const auto o = static_cast<std::uint32_t>(off);
    for (std::size_t i = 0; i < rxt_count_; ++i) {
        if (rxts_[i].lost && rxts_[i].start <= o && o < rxts_[i].end) return !is_sacked(seq);
    }
    return false;
}

std::size_t Scoreboard::first_range_ending_after(std::uint32_t offset) const {
    // The ranges are sorted and disjoint, so their ends ascend: a binary search, which keeps
    // every per-ACK query cheap with hundreds of ranges.
    const auto* const begin = ranges_.data();
    const auto* const it = std::upper_bound(
        begin, begin + count_, offset, [](std::uint32_t o, const Range& r) { return o < r.end; });
    return static_cast<std::size_t>(it - begin);
}

std::uint32_t Scoreboard::sacked_within(std::uint32_t start, std::uint32_t end) const {
    std::uint32_t sum = 0;
    for (std::size_t i = first_range_ending_after(start); i < count_ && ranges_[i].start < end;
         ++i) {
        const std::uint32_t s = std::max(ranges_[i].start, start);
        const std::uint32_t e = std::min(ranges_[i].end, end);
        if (e > s) sum += e - s;
    }
    return sum;
}

void Scoreboard::advance(std::uint32_t delta) {
    if (delta == 0) return;
    high_ack_ += delta;
    data_end_ -= delta;
    rxt_end_ = rxt_end_ > delta ? rxt_end_ - delta : 0;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < count_; ++i) {
        Range r = ranges_[i];
        if (r.end <= delta) {
            sacked_ -= r.len();
            continue;
        }
        if (r.start < delta) {
            sacked_ -= delta - r.start;
            r.start = delta;
        }
        ranges_[kept++] = Range{r.start - delta, r.end - delta};
    }
    count_ = kept;
    kept = 0;
    for (std::size_t i = 0; i < rxt_count_; ++i) {
        Rxt r = rxts_[i];
        if (r.end <= delta) {  // cumulatively acknowledged: delivered
            delivered_order_ = std::max(delivered_order_, r.order);
            continue;
        }
        r.start = r.start > delta ? r.start - delta : 0;
        r.end -= delta;
        r.mark = r.mark > delta ? r.mark - delta : 0;
        rxts_[kept++] = r;
    }
    rxt_count_ = kept;
    // RFC 6675 §4 rule 4: once HighACK > RescueRxt a new rescue may be sent; forget the old one.
    if (rescue_valid_ && high_ack_ > rescue_rxt_) rescue_valid_ = false;
}

std::uint32_t Scoreboard::insert(std::uint32_t start, std::uint32_t end) {
    // First range that overlaps or touches [start, end) from below...
    std::size_t i = 0;
    while (i < count_ && ranges_[i].end < start)
        ++i;
    // ...and one past the last one that does.
    std::size_t j = i;
    while (j < count_ && ranges_[j].start <= end)
        ++j;

    if (i == j) {
        // A new disjoint range goes in at i.
        if (count_ == kMaxRanges) {
            // Bounded memory: keep the ranges nearest SND.UNA.
            if (i == count_) return 0;
            sacked_ -= ranges_[count_ - 1].len();
            --count_;
        }
        std::copy_backward(ranges_.begin() + static_cast<std::ptrdiff_t>(i),
                           ranges_.begin() + static_cast<std::ptrdiff_t>(count_),
                           ranges_.begin() + static_cast<std::ptrdiff_t>(count_ + 1));
        ranges_[i] = Range{start, end};
        ++count_;
        sacked_ += end - start;
        return end - start;
    }
    // Merge ranges i..j-1 with the new one.
    std::uint32_t covered = 0;
    for (std::size_t k = i; k < j; ++k)
        covered += ranges_[k].len();
    const Range merged{std::min(start, ranges_[i].start), std::max(end, ranges_[j - 1].end)};
    ranges_[i] = merged;
    std::copy(ranges_.begin() + static_cast<std::ptrdiff_t>(j),
              ranges_.begin() + static_cast<std::ptrdiff_t>(count_),
              ranges_.begin() + static_cast<std::ptrdiff_t>(i + 1));
    count_ -= j - i - 1;
    const std::uint32_t added = merged.len() - covered;
    sacked_ += added;
    return added;
}

void Scoreboard::on_sent(SeqNum end) {
    const std::int32_t off = end - high_ack_;
    if (off > 0 && static_cast<std::uint32_t>(off) > data_end_) {
        data_end_ = static_cast<std::uint32_t>(off);
    }
}

void Scoreboard::on_retransmit(SeqNum seq, std::uint32_t len) {
    // RFC 6675 §5 step C.2: HighRxt = the highest octet retransmitted.
    const std::int32_t off = (seq + len) - high_ack_;
    if (off <= 0) return;
    const auto end = std::min(static_cast<std::uint32_t>(off), data_end_);
    rxt_end_ = std::max(rxt_end_, end);
    // Remember it for detect_lost_retransmissions(). The entries stay disjoint: a resend inside
    // a watched one either refreshes it or, for a lost one, takes its lowest unSACKed part (what
    // NextSeg() offered; everything below it is SACKed) out as a new entry.
    const std::int32_t first = seq - high_ack_;
    const auto start = static_cast<std::uint32_t>(std::max(first, 0));
    if (start >= end) return;
    ++rxt_order_;
    for (std::size_t i = 0; i < rxt_count_; ++i) {
        Rxt& r = rxts_[i];
        if (!(r.start <= start && start < r.end)) continue;
        if (!r.lost) {
            r.mark = data_end_;  // resent again while still watched: the newer send counts
            r.order = rxt_order_;
            return;
        }
        r.start = std::min(end, r.end);
        if (r.start == r.end) {
            r = Rxt{start, end, data_end_, false, rxt_order_};
            return;
        }
        break;
    }
    // A burst of retransmissions sent together is watched as one entry.
    if (rxt_count_ > 0) {
        Rxt& last = rxts_[rxt_count_ - 1];
        if (!last.lost && last.end == start && last.mark == data_end_) {
            last.end = end;
            last.order = rxt_order_;
            return;
        }
    }
    // When all entries are taken, this one is left to the retransmission timer.
    if (rxt_count_ < kMaxRetransmissions)
        rxts_[rxt_count_++] = Rxt{start, end, data_end_, false, rxt_order_};
}

void Scoreboard::on_fast_retransmit(SeqNum seq, std::uint32_t len) {
    // RFC 6675 §5 step 4.3: "set both HighRxt and RescueRxt to the highest sequence number in
    // the retransmitted segment".
    on_retransmit(seq, len);
    rescue_rxt_ = seq + len;
    rescue_valid_ = true;
}

void Scoreboard::on_rescue(SeqNum recovery_point) {
    // RFC 6675 §4 rule 4: "RescueRxt set to RecoveryPoint. HighRxt MUST NOT be updated."
    rescue_rxt_ = recovery_point;
    rescue_valid_ = true;
}

void Scoreboard::reset_high_rxt() {
    rxt_end_ = 0;
    rxt_count_ = 0;
    rxt_order_ = 0;
    delivered_order_ = 0;
}

void Scoreboard::clear() {
    // RFC 2018 §8: after a retransmit timeout the SACKed state is discarded, since the
    // receiver may have reneged; RFC 6675 §5.1 ends the recovery episode with it.
    count_ = 0;
    sacked_ = 0;
    rxt_end_ = 0;
    rxt_count_ = 0;
    rxt_order_ = 0;
    delivered_order_ = 0;
    rescue_valid_ = false;
}

bool Scoreboard::lost_given(std::size_t ranges, std::uint64_t bytes) const {
    // RFC 6675 §4 IsLost(): "DupThresh discontiguous SACKed sequences" above, or "more than
    // (DupThresh - 1) * SMSS bytes with sequence numbers greater than 'SeqNum'" SACKed.
    return ranges >= kDupThresh ||
           bytes > static_cast<std::uint64_t>(kDupThresh - 1) * static_cast<std::uint64_t>(smss_);
}

bool Scoreboard::is_lost(SeqNum seq) const {
    const std::int32_t off = seq - high_ack_;
    if (off < 0) return false;  // already acknowledged
    return lost_from(static_cast<std::uint64_t>(off) + 1);
}

bool Scoreboard::lost_from(std::uint64_t above) const {
    // From the highest range down, stopping as soon as IsLost() holds (it only grows with more
    // ranges and bytes) or the ranges end at or below `above`.
    std::size_t ranges = 0;
    std::uint64_t bytes = 0;
    for (std::size_t i = count_; i-- > 0 && ranges_[i].end > above;) {
        ++ranges;
        bytes += ranges_[i].end - std::max<std::uint64_t>(ranges_[i].start, above);
        if (lost_given(ranges, bytes)) return true;
    }
    return false;
}

bool Scoreboard::is_sacked(SeqNum seq) const {
    const std::int32_t off = seq - high_ack_;
    if (off < 0) return false;
    const auto o = static_cast<std::uint32_t>(off);
    const std::size_t i = first_range_ending_after(o);
    return i < count_ && ranges_[i].start <= o;
}

std::size_t Scoreboard::lost_holes() const {
    std::uint64_t bytes = 0;
    for (std::size_t i = count_; i-- > 0;) {
        bytes += ranges_[i].len();
        if (lost_given(count_ - i, bytes)) return i + 1;
    }
    return 0;
}

std::uint32_t Scoreboard::pipe() const {
    // RFC 6675 §4 SetPipe(): for each octet in [HighACK + 1, HighData] not SACKed, count it once
    // if !IsLost(octet) and once more if octet <= HighRxt. IsLost is the same for every octet of
    // one hole, so whole holes are counted.
    // (Mostly nothing is SACKed and no retransmission is watched: no hole is lost and no resend
    // left the network, so every octet counts once and those below HighRxt once more.)
    if (count_ == 0 && rxt_count_ == 0) {
        const std::uint64_t pipe = std::uint64_t{data_end_} + std::min(data_end_, rxt_end_);
        return static_cast<std::uint32_t>(std::min<std::uint64_t>(pipe, UINT32_MAX));
    }
    const std::size_t lost = lost_holes();
    std::uint64_t pipe = 0;
    for (std::size_t i = 0; i <= count_; ++i) {
        const std::uint32_t hs = i == 0 ? 0 : ranges_[i - 1].end;
        const std::uint32_t he = i == count_ ? data_end_ : ranges_[i].start;
        if (he <= hs) continue;
        // (a) not lost: the original transmission may still be in the network.
        if (i >= lost) pipe += he - hs;
        // (b) retransmitted: the retransmission is in the network.
        const std::uint32_t rx = std::min(he, rxt_end_);
        if (rx > hs) pipe += rx - hs;
    }
    // A retransmission found lost is no longer in the network (RFC 8985 §2; see
    // detect_lost_retransmissions()): its unSACKed octets below HighRxt leave term (b).
    for (std::size_t i = 0; i < rxt_count_; ++i) {
        const Rxt& r = rxts_[i];
        if (!r.lost) continue;
        const std::uint32_t e = std::min(r.end, rxt_end_);
        if (e > r.start)
            pipe -= std::min<std::uint64_t>(pipe, (e - r.start) - sacked_within(r.start, e));
    }
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(pipe, UINT32_MAX));
}

Scoreboard::Next Scoreboard::next_seg(bool can_send_new) const {
    using Rule = Next::Rule;
    // RFC 6675 §4 NextSeg() rule 1: the smallest unSACKed S2 with S2 > HighRxt, S2 below the
    // highest SACKed octet and IsLost(S2): one segment of up to SMSS from S2.
    // First, octets whose retransmission was lost (below HighRxt, so rule 1 as written would
    // never pick them again: RFC 8985 §2), lowest first.
    const Rxt* relost = nullptr;
    for (std::size_t i = 0; i < rxt_count_; ++i) {
        if (rxts_[i].lost && (relost == nullptr || rxts_[i].start < relost->start)) {
            relost = &rxts_[i];
        }
    }
    if (relost != nullptr) {
        const Next n = unsacked_from(high_ack_ + relost->start, smss_);
        const std::int32_t s = n.seq - high_ack_;
        if (n.len > 0 && static_cast<std::uint32_t>(s) < relost->end) {
            const std::uint32_t len = std::min(n.len, relost->end - static_cast<std::uint32_t>(s));
            return Next{Rule::Lost, n.seq, len};
        }
    }
    const std::size_t lost = lost_holes();
    for (std::size_t i = 0; i < lost; ++i) {
        const std::uint32_t hs = i == 0 ? 0 : ranges_[i - 1].end;
        const std::uint32_t he = ranges_[i].start;
        const std::uint32_t s = std::max(hs, rxt_end_);
        if (s < he) return Next{Rule::Lost, high_ack_ + s, std::min(smss_, he - s)};
    }
    // Rule 2: otherwise new data, if there is some and the receiver's window allows it.
    if (can_send_new) return Next{Rule::NewData, high_data(), 0};
    // Rule 3: otherwise an unSACKed S3 meeting (1.a) and (1.b) without IsLost.
    for (std::size_t i = 0; i < count_; ++i) {
        const std::uint32_t hs = i == 0 ? 0 : ranges_[i - 1].end;
        const std::uint32_t he = ranges_[i].start;
        const std::uint32_t s = std::max(hs, rxt_end_);
        if (s < he) return Next{Rule::Unsacked, high_ack_ + s, std::min(smss_, he - s)};
    }
    // Rule 4: one rescue retransmission per recovery, "if HighACK is greater than RescueRxt (or
    // RescueRxt is undefined)": a segment that includes the highest unSACKed octet.
    if (!rescue_valid_) {
        for (std::size_t i = count_ + 1; i-- > 0;) {
            const std::uint32_t hs = i == 0 ? 0 : ranges_[i - 1].end;
            const std::uint32_t he = i == count_ ? data_end_ : ranges_[i].start;
            if (he <= hs) continue;
            const std::uint32_t s = he - std::min(smss_, he - hs);
            return Next{Rule::Rescue, high_ack_ + s, he - s};
        }
    }
    return Next{};
}

Scoreboard::Next Scoreboard::unsacked_from(SeqNum from, std::uint32_t max) const {
    std::int32_t off = from - high_ack_;
    auto o = static_cast<std::uint32_t>(std::max(off, 0));
    for (std::size_t i = 0; i < count_; ++i) {
        if (ranges_[i].end <= o) continue;
        if (ranges_[i].start <= o) {
            o = ranges_[i].end;  // inside a SACKed range: skip it
            continue;
        }
        // o is in the hole below ranges_[i].
        const std::uint32_t len = std::min(max, ranges_[i].start - o);
        return Next{Next::Rule::Unsacked, high_ack_ + o, len};
    }
    if (o >= data_end_) return Next{Next::Rule::None, high_ack_ + o, 0};
    return Next{Next::Rule::Unsacked, high_ack_ + o, std::min(max, data_end_ - o)};
}

std::uint32_t Scoreboard::sacked_below(SeqNum seq) const {
    const std::int32_t off = seq - high_ack_;
    if (off <= 0) return 0;
    const auto o = static_cast<std::uint32_t>(off);
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < count_ && ranges_[i].start < o; ++i) {
        sum += std::min(ranges_[i].end, o) - ranges_[i].start;
    }
    return sum;
}

}  // namespace ustack::tcp
