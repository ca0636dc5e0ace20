#include "base/checksum.h"

#include <bit>
#include <cstring>

namespace ustack {

namespace {

// RFC 1071 §2(B): the one's-complement sum does not depend on byte order, so the words are
// summed as the machine loads them (no swap per word) and the folded 16-bit result is put into
// network order once per piece. §2(C) (parallel summation): the sum is taken over 16-byte vectors
// of four 32-bit lanes, each lane adding its low and high 16-bit halves, in four independent
// accumulators, so a loop step is a few vector adds with no carry to propagate; the lanes are
// added up once per block, small enough (see kBlockBytes) that no lane can overflow.
// The vectors are the compiler's generic vector extension (GCC and Clang), which maps onto
// whatever SIMD unit the target has and onto scalar code where it has none.
using Lanes = std::uint32_t __attribute__((vector_size(16)));
constexpr std::size_t kLanesBytes = sizeof(Lanes);
constexpr std::size_t kAccumulators = 4;
constexpr std::size_t kStepBytes = kLanesBytes * kAccumulators;
// Per loop step a lane grows by at most 2 * 0xffff; a block of 64 KiB is 1024 steps, and the
// four accumulators added together stay below 2^30 per lane.
constexpr std::size_t kBlockBytes = 64 * 1024;

inline std::uint64_t fold64(std::uint64_t s) {
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return s;
}

// The 16 bytes at `at` of `from` (copied to the same offset of `to` when kCopy), as four lanes
// each holding the sum of its two 16-bit halves.
template <bool kCopy>
inline Lanes load_halves(const std::uint8_t* from, std::uint8_t* to, std::size_t at) {
    constexpr Lanes kLow = {0xffff, 0xffff, 0xffff, 0xffff};
    Lanes x;
    std::memcpy(&x, from + at, kLanesBytes);
    if constexpr (kCopy) std::memcpy(to + at, &x, kLanesBytes);
    return (x & kLow) + (x >> 16);
}

// The sum of the machine-order 16-bit words of from[0, n), an odd last byte padded with zero
// (RFC 1071), not folded; with kCopy the bytes are also copied to to[0, n).
template <bool kCopy>
std::uint64_t sum_bytes(const std::uint8_t* from, std::uint8_t* to, std::size_t n) {
    std::uint64_t sum = 0;
    while (n >= kLanesBytes) {
        const std::size_t block = (n < kBlockBytes ? n : kBlockBytes) & ~(kLanesBytes - 1);
        Lanes acc[kAccumulators] = {};
        std::size_t i = 0;
        for (; i + kStepBytes <= block; i += kStepBytes) {
            for (std::size_t k = 0; k < kAccumulators; ++k) {
                acc[k] += load_halves<kCopy>(from, to, i + k * kLanesBytes);
            }
        }
        for (; i < block; i += kLanesBytes)
            acc[0] += load_halves<kCopy>(from, to, i);
        Lanes total = acc[0];
        for (std::size_t k = 1; k < kAccumulators; ++k)
            total += acc[k];
        for (std::size_t lane = 0; lane < kLanesBytes / 4; ++lane)
            sum += total[lane];
        from += block;
        if constexpr (kCopy) to += block;
        n -= block;
    }
    // Fewer than 16 bytes are left.
    if (n >= 8) {
        std::uint64_t x;
        std::memcpy(&x, from, 8);
        if constexpr (kCopy) std::memcpy(to, &x, 8);
        sum += (x & 0xffffffff) + (x >> 32);
        from += 8;
        if constexpr (kCopy) to += 8;
        n -= 8;
    }
    if (n >= 4) {
        std::uint32_t x;
        std::memcpy(&x, from, 4);
        if constexpr (kCopy) std::memcpy(to, &x, 4);
        sum += x;
        from += 4;
        if constexpr (kCopy) to += 4;
        n -= 4;
    }
    if (n >= 2) {
        std::uint16_t x;
        std::memcpy(&x, from, 2);
        if constexpr (kCopy) std::memcpy(to, &x, 2);
        sum += x;
        from += 2;
        if constexpr (kCopy) to += 2;
        n -= 2;
    }
    // RFC 1071: an odd last byte is padded with zero; it is the high byte of its big-endian word,
    // which is where it lands in a machine-order word on either byte order once swapped back.
    if (n == 1) {
        std::uint16_t x = 0;
        std::memcpy(&x, from, 1);
        if constexpr (kCopy) *to = *from;
        sum += x;
    }
    return sum;
}

inline std::uint16_t swap16(std::uint16_t v) {
    return static_cast<std::uint16_t>((v >> 8) | (v << 8));
}

}  // namespace

void Checksum::add_piece(std::uint64_t machine_sum, std::size_t length) {
    auto folded = static_cast<std::uint16_t>(fold64(machine_sum));
    // Into network order; a piece that starts at an odd offset has each of its bytes in the
    // other half of the word it belongs to, which is one more swap (RFC 1071 §2(B)).
    const bool swap = (std::endian::native == std::endian::little) != odd_;
    if (swap) folded = swap16(folded);
    sum_ += folded;
    if (length % 2 != 0) odd_ = !odd_;
}

Checksum& Checksum::add(Bytes bytes) {
    add_piece(sum_bytes<false>(bytes.data(), nullptr, bytes.size()), bytes.size());
    return *this;
}

Checksum& Checksum::add_copy(Bytes from, MutBytes to) {
    add_piece(sum_bytes<true>(from.data(), to.data(), from.size()), from.size());
    return *this;
}

Checksum& Checksum::add(const Checksum& other) {
    const std::uint16_t folded = other.folded();
    sum_ += odd_ ? swap16(folded) : folded;
    if (other.odd_) odd_ = !odd_;
    return *this;
}

std::uint16_t Checksum::folded() const {
    return static_cast<std::uint16_t>(fold64(sum_));
}

Checksum pseudo_header_v4(Bytes src4, Bytes dst4, std::uint8_t proto, std::uint32_t length) {
    Checksum c;
    c.add(src4).add(dst4).add16(proto).add16(static_cast<std::uint16_t>(length));
    return c;
}

Checksum pseudo_header_v6(Bytes src16, Bytes dst16, std::uint8_t proto, std::uint32_t length) {
    Checksum c;
    c.add(src16).add(dst16).add32(length).add16(proto);
    return c;
}

std::uint16_t checksum_update16(std::uint16_t checksum, std::uint16_t old_word,
                                std::uint16_t new_word) {
    // RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')
    std::uint32_t sum = static_cast<std::uint16_t>(~checksum);
    sum += static_cast<std::uint16_t>(~old_word);
    sum += new_word;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

std::uint16_t checksum_update32(std::uint16_t checksum, std::uint32_t old_value,
                                std::uint32_t new_value) {
    checksum = checksum_update16(checksum, static_cast<std::uint16_t>(old_value >> 16),
                                 static_cast<std::uint16_t>(new_value >> 16));
    return checksum_update16(checksum, static_cast<std::uint16_t>(old_value),
                             static_cast<std::uint16_t>(new_value));
}

}  // namespace ustack
