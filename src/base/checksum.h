// The Internet checksum: RFC 1071 one's-complement sum (many words at a time) and RFC 1624
// incremental update, with the IPv4 (RFC 793/9293 §3.1) and IPv6 (RFC 8200 §8.1) pseudo-headers.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "base/bytes.h"

namespace ustack {

namespace checksum_detail {

// Pieces up to this long (headers, pseudo-headers, options) are summed inline by plain 64-bit
// loads rather than through the vector entry points of checksum.cpp: a header's 20 to 60 bytes
// are less than one vector step, and the call, the dispatch and the lanes' set-up and reduction
// would cost more than the sum.
inline constexpr std::size_t kSmallPiece = 64;

// a + b with the end-around carry of one's-complement addition (RFC 1071 §2(A)): an add and an
// add-with-carry. The result is congruent to a + b modulo 2^64 - 1, hence modulo 0xffff (which
// divides it), and is zero only when both are.
inline std::uint64_t add_carry(std::uint64_t a, std::uint64_t b) {
    const std::uint64_t s = a + b;
    return s + (s < a ? 1 : 0);
}

// The 16-bit one's-complement fold of a 64-bit sum, in a fixed number of steps: 64 -> 32 bits
// with the end-around carry, then 32 -> 17 -> 16 bits. Congruent modulo 0xffff, and zero only
// for zero (so a sum of nonzero words folds to 0xffff, never to 0, as RFC 1071 arithmetic does).
inline std::uint16_t fold64(std::uint64_t s) {
    const auto lo = static_cast<std::uint32_t>(s);
    std::uint32_t t = lo + static_cast<std::uint32_t>(s >> 32);
    t += t < lo ? 1 : 0;
    t = (t & 0xffff) + (t >> 16);
    t = (t & 0xffff) + (t >> 16);
    return static_cast<std::uint16_t>(t);
}

// The sum of the machine-order 16-bit words of from[0, n), n <= kSmallPiece, not folded: whole
// 8-byte words added with add/adc (add_carry), then the tail; an odd last byte is padded with
// zero (RFC 1071), which puts it in the half of its word where a big-endian word's first byte
// goes once the machine-order sum is put into network order. The 64-bit sum is cut to its two
// 32-bit halves added (below 2^33), so callers may add many such sums without overflow.
inline std::uint64_t sum_small(const std::uint8_t* from, std::size_t n) {
    std::uint64_t sum = 0;
    for (; n >= 8; n -= 8, from += 8) {
        std::uint64_t x;
        std::memcpy(&x, from, 8);
        sum = add_carry(sum, x);
    }
    sum = (sum & 0xffffffff) + (sum >> 32);
    if (n >= 4) {
        std::uint32_t x;
        std::memcpy(&x, from, 4);
        sum += x;
        from += 4;
        n -= 4;
    }
    if (n >= 2) {
        std::uint16_t x;
        std::memcpy(&x, from, 2);
        sum += x;
        from += 2;
        n -= 2;
    }
    if (n == 1) {
        std::uint16_t x = 0;
        std::memcpy(&x, from, 1);
        sum += x;
    }
    return sum;
}

// The same for any n, through the vector loop (checksum.cpp).
std::uint64_t sum_large(const std::uint8_t* from, std::size_t n);

}  // namespace checksum_detail

// A running one's-complement sum over a byte string given in pieces, in order. A piece may have
// any length: one that starts at an odd offset of the string is summed as RFC 1071 §2(B) allows
// (byte-swapped). finish() gives the value to store in a checksum field.
class Checksum {
  public:
    Checksum& add(Bytes bytes) {
        const std::size_t n = bytes.size();
        add_machine(n <= checksum_detail::kSmallPiece
                        ? checksum_detail::sum_small(bytes.data(), n)
                        : checksum_detail::sum_large(bytes.data(), n));
        if (n % 2 != 0) odd_ = !odd_;
        return *this;
    }
    // Copies `from` to the start of `to` (which must be at least as long) and adds it, in one
    // pass over the bytes: the copy costs little more than the sum alone.
    Checksum& add_copy(Bytes from, MutBytes to);
    // Adds a 16-bit or 32-bit value as whole words (a pseudo-header field); the byte position
    // reached by add() does not move.
    Checksum& add16(std::uint16_t v) { return add_network(v); }
    Checksum& add32(std::uint32_t v) { return add_network(v); }  // 2^16 = 1 (mod 0xffff)
    // Adds a value congruent modulo 0xffff to a sum of 16-bit values in network order (a sum of
    // whole pseudo-header fields, say), as add16 would each of them.
    Checksum& add_network(std::uint64_t v) {
        // Into machine order: swapping a word's bytes multiplies it by 2^8 modulo 0xffff, as
        // rotating by 8 does (0xffff divides 2^64 - 1).
        sum_ = checksum_detail::add_carry(
            sum_, std::endian::native == std::endian::little ? std::rotl(v, 8) : v);
        return *this;
    }
    // Adds another running sum, as if its bytes followed the bytes added here (e.g. a payload
    // summed on its own while it was copied, after the header in front of it).
    Checksum& add(const Checksum& other);
    // The folded 16-bit one's-complement sum, not yet complemented: into network order (a
    // rotation by 8 on a little-endian machine: see add_network), then the one fold. (Inline:
    // every checksum sent or verified ends here.)
    std::uint16_t folded() const {
        constexpr bool kLittle = std::endian::native == std::endian::little;
        return checksum_detail::fold64(kLittle ? std::rotl(sum_, 8) : sum_);
    }
    // The checksum field value: the complement of the folded sum.
    std::uint16_t finish() const { return static_cast<std::uint16_t>(~folded()); }

  private:
    // Adds the machine-order word sum of a piece that starts where the bytes added so far end.
    void add_machine(std::uint64_t piece) {
        // A piece at an odd offset has each byte in the other half of its word: byte-swapped,
        // which is a rotation by 8 (see add_network).
        sum_ = checksum_detail::add_carry(sum_, odd_ ? std::rotl(piece, 8) : piece);
    }

    // RFC 1071 §2(B): byte order does not matter to the one's-complement sum, so pieces are
    // summed as the machine loads their words and put into network order once, in folded(): no
    // fold or swap per piece. The running sum is a 64-bit one's-complement sum (end-around
    // carry), congruent modulo 0xffff to the 16-bit words of everything added as they would sit
    // in memory from an even address; zero only when all of them are.
    std::uint64_t sum_ = 0;
    bool odd_ = false;  // the bytes added so far have an odd length
};

inline std::uint16_t internet_checksum(Bytes bytes) {
    return Checksum{}.add(bytes).finish();
}

// Pseudo-header sums for a transport segment of `length` bytes with protocol `proto`.
// Addresses are in network byte order, as they sit in the header.
Checksum pseudo_header_v4(Bytes src4, Bytes dst4, std::uint8_t proto, std::uint32_t length);
// The same with the addresses as 32-bit values (each is two whole 16-bit words, added as
// values: every segment the Stack sends or receives comes here, so no span, no pass over bytes).
inline Checksum pseudo_header_v4(std::uint32_t src, std::uint32_t dst, std::uint8_t proto,
                                 std::uint32_t length) {
    Checksum c;
    // The four fields' values added plainly (below 2^34), then once into the sum.
    c.add_network(std::uint64_t{src} + dst + proto + static_cast<std::uint16_t>(length));
    return c;
}
Checksum pseudo_header_v6(Bytes src16, Bytes dst16, std::uint8_t proto, std::uint32_t length);

// RFC 1624 eqn. 3: the new checksum after one 16-bit field changes from old_word to new_word.
std::uint16_t checksum_update16(std::uint16_t checksum, std::uint16_t old_word,
                                std::uint16_t new_word);
std::uint16_t checksum_update32(std::uint16_t checksum, std::uint32_t old_value,
                                std::uint32_t new_value);

}  // namespace ustack
