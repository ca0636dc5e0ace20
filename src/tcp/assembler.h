// Out-of-order reassembly ranges: RFC 9293 §3.10.7.4 queueing, RFC 2018 SACK, RFC 2883 D-SACK.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace ustack::tcp {

// A half-open range [start, end) of sequence space, as offsets from the contiguous edge.
struct Range {
    std::uint32_t start = 0;
    std::uint32_t end = 0;

    std::uint32_t len() const { return end - start; }
    bool operator==(const Range&) const = default;
};

// What one add() did.
struct AddResult {
    // Bytes that became contiguous at the front: advance RCV.NXT and commit the ring by this.
    std::uint32_t advanced = 0;
    // RFC 2883 §4: part of the new range that had already been received out of order (the first
    // such piece when there are several), in the offsets given to add(), i.e. relative to the
    // edge *before* this add. Report it as the first SACK block (a D-SACK) of the next ACK.
    std::optional<Range> duplicate;
    // False only when the range was dropped because the table was full (see Assembler): the
    // data must be treated as not received (it will be retransmitted), and not SACKed.
    bool accepted = true;
};

// The set of ranges received beyond the contiguous edge (RCV.NXT), sorted, disjoint and
// non-adjacent. Offsets are relative to the edge: a segment with SEQ s and length n is
// add(s - RCV.NXT, n). When data reaches the edge, add() reports how far the edge moved and
// rebases the remaining ranges, so offsets stay relative to the new RCV.NXT.
// With the receive ring (offsets there are relative to RCV.NXT too):
//     n = rx.write_at(off, payload);  r = assembler.add(off, n);  rx.commit(r.advanced);
//
// Memory is bounded by the receive buffer, not by a small fixed count: the data itself lives in
// the ring (which the window keeps it inside), and the table holds at most max_ranges() entries,
// which the TCB sets with max_ranges_for(ring capacity) — one entry per kBytesPerRange of buffer,
// as Linux bounds its out-of-order queue by the receive buffer (each queued segment is charged
// its memory). That is room for every other full-sized segment of a whole window to be missing,
// so a sender's SACK scoreboard always sees what the receiver holds. The table grows
// geometrically as islands appear (a few times per connection, never per segment).
//
// When full: a range that would need a new (max_ranges() + 1)-th entry is refused (accepted ==
// false) and nothing changes. Ranges that touch the edge or an existing range are always taken,
// so the edge can always advance. Refusing never takes back anything already SACKed (no
// reneging, RFC 2018 §8); the sender just retransmits the refused segment.
class Assembler {
  public:
    // The fewest entries a table allows, whatever the buffer.
    static constexpr std::size_t kMinRanges = 32;
    // Receive buffer bytes per entry: an island of full-sized segments (MSS >= 512) with a hole
    // of at least one segment before it spans more than this.
    static constexpr std::size_t kBytesPerRange = 1024;
    // The table size for a receive ring of `buffer_bytes`.
    static std::size_t max_ranges_for(std::size_t buffer_bytes) {
        return std::max(kMinRanges, buffer_bytes / kBytesPerRange);
    }

    explicit Assembler(std::size_t max_ranges = kMinRanges) : max_ranges_(max_ranges) {}

    // Records [offset, offset + len) as received. Data below the edge is the caller's business
    // (it has negative offset; RFC 2883 §4 D-SACK for it is built from SEG.SEQ directly).
    [[nodiscard]] AddResult add(std::uint32_t offset, std::uint32_t len) {
        // The common case of a transfer without loss, inline: in order with nothing queued, the
        // edge moves past it (what add_any() does for it too).
        if (offset == 0 && len != 0 && ranges_.empty()) {
            ++clock_;
            AddResult result;
            result.advanced = len;
            return result;
        }
        return add_any(offset, len);
    }

    // RFC 2018 §4: fills `out` with up to out.size() ranges, most recently received first (the
    // first one contains the segment that triggered this ACK, unless that segment advanced the
    // edge). Returns how many were written. Offsets are relative to the current edge.
    std::size_t sack_blocks(std::span<Range> out) const;

    // The ranges in sequence order (for tests, tracing and the analyzer-style views).
    std::span<const Range> ranges() const { return {ranges_.data(), ranges_.size()}; }
    std::size_t count() const { return ranges_.size(); }
    bool empty() const { return ranges_.empty(); }
    bool full() const { return ranges_.size() >= max_ranges_; }
    std::size_t max_ranges() const { return max_ranges_; }
    // Raises (or lowers) the entry limit; ranges already held are kept either way.
    void set_max_ranges(std::size_t n) { max_ranges_ = std::max<std::size_t>(n, 1); }
    // One past the highest byte received out of order, or 0 when there is none.
    std::uint32_t highest_end() const { return ranges_.empty() ? 0 : ranges_.back().end; }
    void clear() {
        ranges_.clear();
        touched_.clear();
    }

  private:
    AddResult add_any(std::uint32_t offset, std::uint32_t len);

    std::vector<Range> ranges_;            // sorted by start, disjoint, non-adjacent, each
                                           // start > 0 and len > 0; size() <= max_ranges_
                                           // unless the limit was lowered
    std::vector<std::uint64_t> touched_;   // touched_[i]: add() counter when a segment last
                                           // landed in ranges_[i]; unique; same size as ranges_
    std::size_t max_ranges_ = kMinRanges;  // >= 1
    std::uint64_t clock_ = 0;              // number of accepted add() calls
};

}  // namespace ustack::tcp
