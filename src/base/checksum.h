// The Internet checksum: RFC 1071 one's-complement sum (word-at-a-time) and RFC 1624 incremental
// update, with the IPv4 (RFC 793/9293 §3.1) and IPv6 (RFC 8200 §8.1) pseudo-headers.
#pragma once

#include <cstdint>

#include "base/bytes.h"

namespace ustack {

// A running one's-complement sum. Add pieces in order; an odd-length piece may only come last
// (as in every header + payload sum). finish() gives the value to store in a checksum field.
class Checksum {
  public:
    Checksum& add(Bytes bytes);
    Checksum& add16(std::uint16_t v) {
        sum_ += v;
        return *this;
    }
    Checksum& add32(std::uint32_t v) {
        sum_ += (v >> 16) + (v & 0xffff);
        return *this;
    }
    // The folded 16-bit one's-complement sum, not yet complemented.
    std::uint16_t folded() const;
    // The checksum field value: the complement of the folded sum.
    std::uint16_t finish() const { return static_cast<std::uint16_t>(~folded()); }

  private:
    std::uint64_t sum_ = 0;
};

inline std::uint16_t internet_checksum(Bytes bytes) {
    return Checksum{}.add(bytes).finish();
}

// Pseudo-header sums for a transport segment of `length` bytes with protocol `proto`.
// Addresses are in network byte order, as they sit in the header.
Checksum pseudo_header_v4(Bytes src4, Bytes dst4, std::uint8_t proto, std::uint32_t length);
Checksum pseudo_header_v6(Bytes src16, Bytes dst16, std::uint8_t proto, std::uint32_t length);

// RFC 1624 eqn. 3: the new checksum after one 16-bit field changes from old_word to new_word.
std::uint16_t checksum_update16(std::uint16_t checksum, std::uint16_t old_word,
                                std::uint16_t new_word);
std::uint16_t checksum_update32(std::uint16_t checksum, std::uint32_t old_value,
                                std::uint32_t new_value);

}  // namespace ustack
