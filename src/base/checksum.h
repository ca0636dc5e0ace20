// The Internet checksum: RFC 1071 one's-complement sum (many words at a time) and RFC 1624
// incremental update, with the IPv4 (RFC 793/9293 §3.1) and IPv6 (RFC 8200 §8.1) pseudo-headers.
#pragma once

#include <cstdint>

#include "base/bytes.h"

namespace ustack {

// A running one's-complement sum over a byte string given in pieces, in order. A piece may have
// any length: one that starts at an odd offset of the string is summed as RFC 1071 §2(B) allows
// (byte-swapped). finish() gives the value to store in a checksum field.
class Checksum {
  public:
    Checksum& add(Bytes bytes);
    // Copies `from` to the start of `to` (which must be at least as long) and adds it, in one
    // pass over the bytes: the copy costs little more than the sum alone.
    Checksum& add_copy(Bytes from, MutBytes to);
    // Adds a 16-bit or 32-bit value as whole words (a pseudo-header field); the byte position
    // reached by add() does not move.
    Checksum& add16(std::uint16_t v) {
        sum_ += v;
        return *this;
    }
    Checksum& add32(std::uint32_t v) {
        sum_ += (v >> 16) + (v & 0xffff);
        return *this;
    }
    // Adds another running sum, as if its bytes followed the bytes added here (e.g. a payload
    // summed on its own while it was copied, after the header in front of it).
    Checksum& add(const Checksum& other);
    // The folded 16-bit one's-complement sum, not yet complemented.
    std::uint16_t folded() const;
    // The checksum field value: the complement of the folded sum.
    std::uint16_t finish() const { return static_cast<std::uint16_t>(~folded()); }

  private:
    // Adds the folded machine-order sum of one piece of `length` bytes.
    void add_piece(std::uint64_t machine_sum, std::size_t length);

    std::uint64_t sum_ = 0;  // of 16-bit values in network order; folded on demand
    bool odd_ = false;       // the bytes added so far have an odd length
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
