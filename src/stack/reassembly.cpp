#include "stack/reassembly.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace ustack::stack {

namespace {

// What an ICMP Time Exceeded may quote of the offset-0 fragment: RFC 4443 §3 "as much of the
// invoking packet as possible without the ICMPv6 packet exceeding the minimum IPv6 MTU" (1280 -
// 40 - 8); RFC 792 needs only the IP header and 64 bits.
constexpr std::size_t kMaxQuote = 1280 - 40 - 8;

}  // namespace

Reassembler::Entry* Reassembler::find(const FragmentKey& key) {
    for (Entry& e : entries_) {
        if (e.key == key) return &e;
    }
    return nullptr;
}

Reassembler::Entry& Reassembler::create(const FragmentKey& key, Instant now) {
    if (entries_.size() >= config_.max_datagrams && !entries_.empty()) {
        // The oldest datagram makes way (a flood of first fragments cannot pin the table).
        std::size_t oldest = 0;
        for (std::size_t i = 1; i < entries_.size(); ++i) {
            if (entries_[i].serial < entries_[oldest].serial) oldest = i;
        }
        if (!entries_[oldest].dead) ++counters_.evicted;
        remove(oldest);
    }
    Entry& e = entries_.emplace_back();
    e.key = key;
    e.serial = next_serial_++;
    // RFC 791 §3.2 / RFC 8200 §4.5: the timer starts with the first fragment to arrive.
    e.deadline = now + config_.timeout;
    charge(e);
    return e;
}

void Reassembler::charge(Entry& e) {
    const std::size_t now_charged = sizeof(Entry) + e.data.capacity() + e.quote.capacity() +
                                    e.ranges.capacity() * sizeof(Range);
    memory_ = memory_ - e.charged + now_charged;
    e.charged = now_charged;
}

void Reassembler::kill(Entry& e) {
    e.dead = true;
    std::vector<std::uint8_t>().swap(e.data);
    std::vector<std::uint8_t>().swap(e.quote);
    std::vector<Range>().swap(e.ranges);
    charge(e);
}

void Reassembler::remove(std::size_t index) {
    memory_ -= entries_[index].charged;
    if (index + 1 != entries_.size()) entries_[index] = std::move(entries_.back());
    entries_.pop_back();
}

bool Reassembler::make_room(const FragmentKey& keep) {
    while (memory_ > config_.memory_limit) {
        std::size_t oldest = entries_.size();
        for (std::size_t i = 0; i < entries_.size(); ++i) {
            if (entries_[i].key == keep) continue;
            if (oldest == entries_.size() || entries_[i].serial < entries_[oldest].serial)
                oldest = i;
        }
        if (oldest == entries_.size()) return false;
        if (!entries_[oldest].dead) ++counters_.evicted;
        remove(oldest);
    }
    return true;
}

Instant Reassembler::poll_at() const {
    Instant at = Instant::never();
    for (const Entry& e : entries_)
        at = std::min(at, e.deadline);
    return at;
}

AddResult Reassembler::add(const Fragment& f, Instant now) {
    ++counters_.fragments;
    AddResult result;
    const std::uint64_t begin = f.offset;
    const std::uint64_t end = begin + f.data.size();

    // Checks on the fragment alone, before any state is touched.
    // A fragment carries data: an empty one can neither fill a hole nor be told from a duplicate.
    // RFC 8200 §4.5: "If the length of a fragment ... is not a multiple of 8 octets and the M flag
    // of that fragment is 1, then that fragment must be discarded" (RFC 791 §3.2 likewise cuts
    // every fragment but the last on an 8-octet boundary).
    // RFC 791 §3.1 / RFC 8200 §4.5: the reassembled datagram may not exceed 65535 octets.
    if (f.data.empty() || (f.more && f.data.size() % 8 != 0) || end > f.max_end) {
        ++counters_.invalid;
        result.verdict = FragmentVerdict::Invalid;
        return result;
    }

    Entry* e = find(f.key);
    if (e != nullptr && e->dead) {
        ++counters_.discarded;
        result.verdict = FragmentVerdict::Discarded;
        return result;
    }
    if (e == nullptr) e = &create(f.key, now);

    // The datagram's end: set by the last fragment; nothing may lie beyond it, and a second
    // "last" fragment must agree (Linux discards the whole queue on either).
    const std::uint32_t known_max = e->ranges.empty() ? 0 : e->ranges.back().end;
    if (!f.more) {
        if ((e->end_known && e->end != end) || known_max > end) {
            ++counters_.invalid;
            kill(*e);
            result.verdict = FragmentVerdict::Invalid;
            return result;
        }
    } else if (e->end_known && end > e->end) {
        ++counters_.invalid;
        kill(*e);
        result.verdict = FragmentVerdict::Invalid;
        return result;
    }

    // Find where [begin, end) goes among the received ranges.
    // RFC 5722 §4 (amended by errata 3089): a fragment whose bytes were all received already is
    // a duplicate and ignored; one that overlaps received bytes otherwise makes the whole
    // datagram discarded, "and any constituent fragments, including those not yet received".
    // Deviation: RFC 791 lets IPv4 fragments overlap (later data wins); like Linux since 2018
    // (FragmentSmack) we treat IPv4 overlaps as RFC 5722 treats IPv6 ones.
    auto it = std::lower_bound(e->ranges.begin(), e->ranges.end(), begin,
                               [](const Range& r, std::uint64_t b) { return r.end < b; });
    // *it is the first range whose end >= begin (touching or overlapping or after).
    if (it != e->ranges.end() && it->begin <= begin && end <= it->end) {
        ++counters_.duplicates;
        result.verdict = FragmentVerdict::Duplicate;
        return result;
    }
    if (it != e->ranges.end() && it->begin < end && begin < it->end) {
        ++counters_.overlaps;
        kill(*e);
        result.verdict = FragmentVerdict::Overlap;
        return result;
    }
    // Also the next range (a fragment touching the end of *it could overlap the following one).
    if (it != e->ranges.end() && it->end == begin) {
        const auto next = it + 1;
        if (next != e->ranges.end() && next->begin < end) {
            ++counters_.overlaps;
            kill(*e);
            result.verdict = FragmentVerdict::Overlap;
            return result;
        }
    }

    // Store the bytes.
    if (e->data.size() < end) {
        if (e->end_known || !f.more)
            e->data.reserve(static_cast<std::size_t>(f.more ? e->end : end));
        e->data.resize(static_cast<std::size_t>(end));
    }
    std::memcpy(e->data.data() + begin, f.data.data(), f.data.size());
    if (!f.more) {
        e->end_known = true;
        e->end = static_cast<std::uint32_t>(end);
    }
    if (begin == 0) {
        e->protocol = f.protocol;
        const std::size_t q = std::min(f.quote.size(), kMaxQuote);
        e->quote.assign(f.quote.begin(), f.quote.begin() + static_cast<std::ptrdiff_t>(q));
    }

    // Insert and merge with touching neighbours.
    const auto b32 = static_cast<std::uint32_t>(begin);
    const auto e32 = static_cast<std::uint32_t>(end);
    if (it != e->ranges.end() && it->end == b32) {
        it->end = e32;
        const auto next = it + 1;
        if (next != e->ranges.end() && next->begin == e32) {
            it->end = next->end;
            e->ranges.erase(next);
        }
    } else if (it != e->ranges.end() && it->begin == e32) {
        it->begin = b32;
    } else {
        e->ranges.insert(it, Range{b32, e32});
    }

    charge(*e);
    if (!make_room(f.key)) {
        // This datagram alone is over the limit.
        ++counters_.evicted;
        for (std::size_t i = 0; i < entries_.size(); ++i) {
            if (entries_[i].key == f.key) {
                remove(i);
                break;
            }
        }
        result.verdict = FragmentVerdict::NoMemory;
        return result;
    }
    // make_room may have moved entries: find ours again.
    e = find(f.key);

    if (e->end_known && e->ranges.size() == 1 && e->ranges[0].begin == 0 &&
        e->ranges[0].end == e->end) {
        ++counters_.reassembled;
        completed_.swap(e->data);
        result.verdict = FragmentVerdict::Complete;
        result.protocol = e->protocol;
        result.payload = Bytes(completed_.data(), e->end);
        for (std::size_t i = 0; i < entries_.size(); ++i) {
            if (&entries_[i] == e) {
                remove(i);
                break;
            }
        }
        return result;
    }
    result.verdict = FragmentVerdict::Incomplete;
    return result;
}

}  // namespace ustack::stack
