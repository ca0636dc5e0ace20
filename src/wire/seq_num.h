// SeqNum: TCP sequence numbers, modular 32-bit serial arithmetic (RFC 9293 §3.4, RFC 1982).
#pragma once

#include <cstdint>

namespace ustack::wire {

// A 32-bit TCP sequence (or acknowledgment) number.
//
// RFC 9293 §3.4: "all arithmetic dealing with sequence numbers must be performed modulo 2**32".
// Offsets wrap modulo 2^32; two numbers are ordered by the sign of their 32-bit difference
// (RFC 1982 §3.2 serial comparison). That order is not transitive and is undefined when the
// two numbers are exactly 2^31 apart (then a < b and b < a both hold), so there is no <=> and
// SeqNum must not be used as a key of an ordered container.
class SeqNum {
  public:
    constexpr SeqNum() = default;
    constexpr explicit SeqNum(std::uint32_t raw) : raw_(raw) {}

    // The value as it sits in the header.
    constexpr std::uint32_t raw() const { return raw_; }

    // RFC 9293 §3.4: addition modulo 2^32. Any signed or unsigned offset works: only its value
    // modulo 2^32 matters (a length up to 2^32 - 1 or a negative step both do what they say).
    constexpr SeqNum operator+(std::int64_t offset) const {
        return SeqNum(raw_ + static_cast<std::uint32_t>(offset));
    }
    constexpr SeqNum operator-(std::int64_t offset) const {
        return SeqNum(raw_ - static_cast<std::uint32_t>(offset));
    }
    constexpr SeqNum& operator+=(std::int64_t offset) { return *this = *this + offset; }
    constexpr SeqNum& operator-=(std::int64_t offset) { return *this = *this - offset; }

    // The signed distance from `other` to this: (this - other) mod 2^32 read as an int32.
    // `b - a` is the number of octets from a up to b when b is "after" a by less than 2^31.
    constexpr std::int32_t operator-(SeqNum other) const {
        return static_cast<std::int32_t>(raw_ - other.raw_);
    }

    constexpr bool operator==(const SeqNum&) const = default;

    // RFC 1982 §3.2: i1 < i2 iff their difference taken as a signed 32-bit number is negative.
    constexpr bool operator<(SeqNum other) const { return (*this - other) < 0; }
    constexpr bool operator>(SeqNum other) const { return (*this - other) > 0; }
    constexpr bool operator<=(SeqNum other) const { return (*this - other) <= 0; }
    constexpr bool operator>=(SeqNum other) const { return (*this - other) >= 0; }

  private:
    std::uint32_t raw_ = 0;
};

// The later / earlier of two sequence numbers in serial order.
constexpr SeqNum seq_max(SeqNum a, SeqNum b) {
    return a < b ? b : a;
}
constexpr SeqNum seq_min(SeqNum a, SeqNum b) {
    return a < b ? a : b;
}

// How far a sequence number has advanced from where it started, as a 64-bit count that goes on
// past 2^32 octets: each update() adds the step since the last one, so updates must come less
// than 2^31 octets apart. A step backwards (an old value) is ignored.
class SeqAdvance {
  public:
    explicit constexpr SeqAdvance(SeqNum start) : last_(start) {}
    constexpr std::uint64_t update(SeqNum now) {
        const std::int32_t step = now - last_;
        if (step > 0) {
            total_ += static_cast<std::uint32_t>(step);
            last_ = now;
        }
        return total_;
    }
    constexpr std::uint64_t total() const { return total_; }

  private:
    SeqNum last_;
    std::uint64_t total_ = 0;
};

}  // namespace ustack::wire
