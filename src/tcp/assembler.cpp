// Out-of-order reassembly bookkeeping.
#include "tcp/assembler.h"

#include <algorithm>
#include <limits>

namespace ustack::tcp {

AddResult Assembler::add_any(std::uint32_t offset, std::uint32_t len) {
    AddResult result;
    if (len == 0) return result;
    const std::uint32_t start = offset;
    // An end past 2^32 cannot be a real window; clamp rather than wrap.
    const std::uint32_t end = static_cast<std::uint32_t>(std::min<std::uint64_t>(
        std::uint64_t{offset} + len, std::numeric_limits<std::uint32_t>::max()));
    if (end == start) return result;

    // Entries [first, last) overlap or touch [start, end): they merge with it.
    const auto first_it = std::partition_point(ranges_.begin(), ranges_.end(),
                                               [&](const Range& r) { return r.end < start; });
    const auto last_it = std::partition_point(first_it, ranges_.end(),
                                              [&](const Range& r) { return r.start <= end; });
    const auto first = static_cast<std::size_t>(first_it - ranges_.begin());
    const auto last = static_cast<std::size_t>(last_it - ranges_.begin());
    const auto at = [](auto& v, std::size_t i) {
        return v.begin() + static_cast<std::ptrdiff_t>(i);
    };

    if (first == last && start > 0) {
        // A new island. RFC 9293 §3.10.7.4 lets us queue it; with no free entry we refuse it.
        if (full()) {
            result.accepted = false;
            return result;
        }
        ranges_.insert(at(ranges_, first), Range{start, end});
        touched_.insert(at(touched_, first), ++clock_);
    } else if (first == last) {
        // In order (start == 0) and touching nothing queued: the edge moves past it.
        ++clock_;
        result.advanced = end;
    } else {
        const Range merged{std::min(start, ranges_[first].start),
                           std::max(end, ranges_[last - 1].end)};
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
        ranges_.erase(at(ranges_, first + 1), at(ranges_, last));
        touched_.erase(at(touched_, first + 1), at(touched_, last));
    }

    // RFC 9293 §3.10.7.4: once the front range reaches RCV.NXT it is delivered and the edge moves.
    if (!ranges_.empty() && ranges_.front().start == 0) {
        result.advanced = ranges_.front().end;
        ranges_.erase(ranges_.begin());
        touched_.erase(touched_.begin());
    }
    // Offsets stay relative to the (new) edge.
    if (result.advanced > 0) {
        for (Range& r : ranges_) {
            r.start -= result.advanced;
            r.end -= result.advanced;
        }
    }
    return result;
}

std::size_t Assembler::sack_blocks(std::span<Range> out) const {
    // RFC 2018 §4: most recently received first. touched_ values are unique, so each pass picks
    // the newest range older than the one picked before.
    std::uint64_t newer = std::numeric_limits<std::uint64_t>::max();
    std::size_t n = 0;
    const std::size_t count = ranges_.size();
    for (; n < out.size() && n < count; ++n) {
        std::size_t best = count;
        for (std::size_t i = 0; i < count; ++i) {
            if (touched_[i] < newer && (best == count || touched_[i] > touched_[best])) best = i;
        }
        out[n] = ranges_[best];
        newer = touched_[best];
    }
    return n;
}

}  // namespace ustack::tcp
