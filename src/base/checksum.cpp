#include "base/checksum.h"

#include <bit>
#include <cstring>

namespace ustack {

namespace {

// RFC 1071 §2(B): the one's-complement sum does not depend on byte order, so the words are
// summed as the machine loads them (no swap per word) and the folded 16-bit result is put into
// network order once per piece. §2(C) (parallel summation): the sum is taken over vectors of
// 32-bit lanes, each lane adding its low and high 16-bit halves, in four independent
// accumulators, so a loop step is a few vector adds with no carry to propagate; the lanes are
// added up once per block, small enough (see kBlockBytes) that no lane can overflow.
// The vectors are the compiler's generic vector extension (GCC and Clang), which maps onto
// whatever SIMD unit the target has (two SSE2 registers per 32-byte vector on baseline x86-64,
// one AVX2 register where the CPU has it: see the entry points) and onto scalar code elsewhere;
// where the CPU has AVX-512 the main loop runs on 64-byte vectors (WideLanes), one register each.
using Lanes = std::uint32_t __attribute__((vector_size(32)));
using WideLanes = std::uint32_t __attribute__((vector_size(64)));
using HalfLanes = std::uint32_t __attribute__((vector_size(16)));
constexpr std::size_t kAccumulators = 4;
// Per loop step a lane grows by at most 2 * 0xffff; a block of 64 KiB is at most 512 steps (of
// 32-byte vectors; 256 of 64-byte ones), and the four accumulators added together stay below
// 2^29 per lane.
constexpr std::size_t kBlockBytes = 64 * 1024;

inline std::uint64_t fold64(std::uint64_t s) {
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return s;
}

// Adds to each lane of `acc` the two 16-bit halves of the lane of the sizeof(V) bytes at `at`
// of `from` (copied to the same offset of `to` when kCopy). Vectors go by reference: passing
// them by value would depend on the target's registers (GCC's -Wpsabi).
template <typename V, bool kCopy>
[[gnu::always_inline]] inline void add_halves(V& acc, const std::uint8_t* from, std::uint8_t* to,
                                              std::size_t at) {
    V x;
    std::memcpy(&x, from + at, sizeof(V));
    if constexpr (kCopy) std::memcpy(to + at, &x, sizeof(V));
    acc += (x & 0xffff) + (x >> 16);
}

template <typename V>
[[gnu::always_inline]] inline std::uint64_t add_lanes(const V& v) {
    std::uint64_t sum = 0;
    for (std::size_t lane = 0; lane < sizeof(V) / 4; ++lane)
        sum += v[lane];
    return sum;
}

// The sum of the machine-order 16-bit words of from[0, n), an odd last byte padded with zero
// (RFC 1071), not folded; with kCopy the bytes are also copied to to[0, n). Always inlined into
// the entry points below, so it is compiled for each of their targets.
// The main loop runs on vectors of type V (Lanes or WideLanes).
template <bool kCopy, typename V = Lanes>
[[gnu::always_inline]] inline std::uint64_t sum_bytes(const std::uint8_t* from, std::uint8_t* to,
                                                      std::size_t n) {
    constexpr std::size_t kVectorBytes = sizeof(V);
    constexpr std::size_t kStepBytes = kVectorBytes * kAccumulators;
    std::uint64_t sum = 0;
    while (n >= kVectorBytes) {
        const std::size_t block = (n < kBlockBytes ? n : kBlockBytes) & ~(kVectorBytes - 1);
        V acc[kAccumulators] = {};
        std::size_t i = 0;
        for (; i + kStepBytes <= block; i += kStepBytes) {
            for (std::size_t k = 0; k < kAccumulators; ++k) {
                add_halves<V, kCopy>(acc[k], from, to, i + k * kVectorBytes);
            }
        }
        for (; i < block; i += kVectorBytes)
            add_halves<V, kCopy>(acc[0], from, to, i);
        V total = acc[0];
        for (std::size_t k = 1; k < kAccumulators; ++k)
            total += acc[k];
        sum += add_lanes(total);
        from += block;
        if constexpr (kCopy) to += block;
        n -= block;
    }
    if (kVectorBytes > sizeof(Lanes) && n >= sizeof(Lanes)) {
        Lanes one = {};
        add_halves<Lanes, kCopy>(one, from, to, 0);
        sum += add_lanes(one);
        from += sizeof(Lanes);
        if constexpr (kCopy) to += sizeof(Lanes);
        n -= sizeof(Lanes);
    }
    if (n >= sizeof(HalfLanes)) {
        HalfLanes half = {};
        add_halves<HalfLanes, kCopy>(half, from, to, 0);
        sum += add_lanes(half);
        from += sizeof(HalfLanes);
        if constexpr (kCopy) to += sizeof(HalfLanes);
        n -= sizeof(HalfLanes);
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

// The entry points, compiled once per target: on x86-64 for AVX-512 and AVX2 as well as for the
// baseline (GCC function multi-versioning), the dynamic loader picking the one the CPU can run
// (a GNU indirect function), so one binary runs everywhere and uses the widest registers there.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
[[gnu::target("default")]] std::uint64_t sum_only(const std::uint8_t* from, std::size_t n) {
    return sum_bytes<false>(from, nullptr, n);
}
[[gnu::target("avx2")]] std::uint64_t sum_only(const std::uint8_t* from, std::size_t n) {
    return sum_bytes<false>(from, nullptr, n);
}
[[gnu::target("avx512f")]] std::uint64_t sum_only(const std::uint8_t* from, std::size_t n) {
    return sum_bytes<false, WideLanes>(from, nullptr, n);
}
[[gnu::target("default")]] std::uint64_t sum_and_copy(const std::uint8_t* from, std::uint8_t* to,
                                                      std::size_t n) {
    return sum_bytes<true>(from, to, n);
}
[[gnu::target("avx2")]] std::uint64_t sum_and_copy(const std::uint8_t* from, std::uint8_t* to,
                                                   std::size_t n) {
    return sum_bytes<true>(from, to, n);
}
[[gnu::target("avx512f")]] std::uint64_t sum_and_copy(const std::uint8_t* from, std::uint8_t* to,
                                                      std::size_t n) {
    return sum_bytes<true, WideLanes>(from, to, n);
}
#else
#if defined(__x86_64__) && defined(__GNUC__)
#define USTACK_SUM_TARGETS [[gnu::target_clones("avx2", "default")]]
#else
#define USTACK_SUM_TARGETS
#endif
USTACK_SUM_TARGETS std::uint64_t sum_only(const std::uint8_t* from, std::size_t n) {
    return sum_bytes<false>(from, nullptr, n);
}
USTACK_SUM_TARGETS std::uint64_t sum_and_copy(const std::uint8_t* from, std::uint8_t* to,
                                              std::size_t n) {
    return sum_bytes<true>(from, to, n);
}
#endif

inline std::uint16_t swap16(std::uint16_t v) {
    return static_cast<std::uint16_t>((v >> 8) | (v << 8));
}

}  // namespace

namespace checksum_detail {

std::uint64_t sum_large(const std::uint8_t* from, std::size_t n) {
    return sum_only(from, n);
}

}  // namespace checksum_detail

Checksum& Checksum::add_copy(Bytes from, MutBytes to) {
    machine_[odd_ ? 1 : 0] += sum_and_copy(from.data(), to.data(), from.size());
    if (from.size() % 2 != 0) odd_ = !odd_;
    return *this;
}

Checksum& Checksum::add(const Checksum& other) {
    const std::uint16_t folded = other.folded();
    sum_ += odd_ ? swap16(folded) : folded;
    if (other.odd_) odd_ = !odd_;
    return *this;
}

std::uint16_t Checksum::folded() const {
    // Into network order: pieces at even offsets need a swap on a little-endian machine, pieces
    // at odd offsets on a big-endian one.
    // (Most sums have no piece at an odd offset, many no whole-word values: skip what is zero.)
    constexpr bool kLittle = std::endian::native == std::endian::little;
    std::uint64_t total = sum_;
    if (machine_[0] != 0) {
        const auto even = static_cast<std::uint16_t>(fold64(machine_[0]));
        total += kLittle ? swap16(even) : even;
    }
    if (machine_[1] != 0) {
        const auto odd = static_cast<std::uint16_t>(fold64(machine_[1]));
        total += kLittle ? odd : swap16(odd);
    }
    return static_cast<std::uint16_t>(fold64(total));
}

Checksum pseudo_header_v4(Bytes src4, Bytes dst4, std::uint8_t proto, std::uint32_t length) {
    if (src4.size() == 4 && dst4.size() == 4)
        return pseudo_header_v4(load_be32(src4.data()), load_be32(dst4.data()), proto, length);
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
