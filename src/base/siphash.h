// SipHash-2-4 with 64-bit output (Aumasson & Bernstein, "SipHash: a fast short-input PRF", 2012).
#pragma once

#include <cstdint>
#include <span>

#include "base/bytes.h"

namespace ustack {

// A 128-bit SipHash key as the two little-endian 64-bit halves k0 (bytes 0..7), k1 (bytes 8..15).
struct SipHashKey {
    std::uint64_t k0 = 0;
    std::uint64_t k1 = 0;

    static SipHashKey from_bytes(std::span<const std::uint8_t, 16> key);
};

// SipHash-2-4(key, message): two compression rounds per word, four finalization rounds.
std::uint64_t siphash24(const SipHashKey& key, Bytes message);

}  // namespace ustack
