// Out-of-order reassembly bookkeeping.
#include "tcp/assembler.h"

#include <algorithm>
#include <limits>

namespace ustack::tcp {

AddResult Assembler::add(std::uint32_t offset, std::uint32_t len) {
    AddResult result;
    if (len == 0) return result;
    const std::uint32_t start = offset;
    // An end past 2^32 cannot be a real window; clamp rather than wrap.
    const std::uint32_t end = static_cast<std::uint32_t>(std::min<std::uint64_t>(
        std::uint64_t{offset} + len, std::numeric_limits<std::uint32_t>::max()));
    if (end == start) return result;

    // Entries [first, last) overlap or touch [start, end): they merge with it.
    std::size_t first = 0;
    while (first < count_ && ranges_[first].end < start)
        ++first;
    std::size_t last = first;
    while (last < count_ && ranges_[last].start <= end)
        ++last;

    if (first == last && start > 0) {
        // A new island. RFC 9293 §3.10.7.4 lets us queue it; with no free entry we refuse it.
        if (count_ == kMaxRanges) {
            result.accepted = false;
            return result;
        }
        std::copy_backward(ranges_.begin() + first, ranges_.begin() + count_,
                           ranges_.begin() + count_ + 1);
        std::copy_backward(touched_.begin() + first, touched_.begin() + count_,
                           touched_.begin() + count_ + 1);
        ranges_[first] = Range{start, end};
        touched_[first] = ++clock_;
        ++count_;
    } else if (first == last) {
        // In order (start == 0) and touching nothing queued: the edge moves past it.
        ++clock_;
        result.advanced = end;
    } else {
        Range merged{std::min(start, ranges_[first].start), std::max(end, ranges_[last - 1].end)};
        for (std::size_t i = first; i < last; ++i) {
            // RFC 2883 §4: a duplicate is the part of the new data already held.
            const std::uint32_t dup_start = std::max(start, ranges_[i].start);
            const std::uint32_t dup_end = std::min(end, ranges_[i].end);
            if (dup_start < dup_end) {
                result.duplicate = Range{dup_start, dup_end};
                break;
            }
        }
        ranges_[first] = merged;
        touched_[first] = ++clock_;
        const std::size_t removed = last - first - 1;
        std::copy(ranges_.begin() + last, ranges_.begin() + count_, ranges_.begin() + first + 1);
        std::copy(touched_.begin() + last, touched_.begin() + count_, touched_.begin() + first + 1);
        count_ -= removed;
    }

    // RFC 9293 §3.10.7.4: once the front range reaches RCV.NXT it is delivered and the edge moves.
    if (count_ > 0 && ranges_[0].start == 0) {
        result.advanced = ranges_[0].end;
        std::copy(ranges_.begin() + 1, ranges_.begin() + count_, ranges_.begin());
        std::copy(touched_.begin() + 1, touched_.begin() + count_, touched_.begin());
        --count_;
    }
    // Offsets stay relative to the (new) edge.
    if (result.advanced > 0) {
        for (std::size_t i = 0; i < count_; ++i) {
            ranges_[i].start -= result.advanced;
            ranges_[i].end -= result.advanced;
        }
    }
    return result;
}

std::size_t Assembler::sack_blocks(std::span<Range> out) const {
    // RFC 2018 §4: most recently received first. touched_ values are unique, so each pass picks
    // the newest range older than the one picked before.
    std::uint64_t newer = std::numeric_limits<std::uint64_t>::max();
    std::size_t n = 0;
    for (; n < out.size() && n < count_; ++n) {
        std::size_t best = count_;
        for (std::size_t i = 0; i < count_; ++i) {
            if (touched_[i] < newer && (best == count_ || touched_[i] > touched_[best])) best = i;
        }
        out[n] = ranges_[best];
        newer = touched_[best];
    }
    return n;
}

}  // namespace ustack::tcp
