// SipHash-2-4 and SipHash-1-3 with 64-bit output (Aumasson & Bernstein, "SipHash: a fast
// short-input PRF", 2012).
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

// SipHash-2-4(key, message): two compression rounds per word, four finalization rounds. The PRF
// for secrets that must not be guessed (RFC 6528 ISNs, RFC 6056 port offsets).
std::uint64_t siphash24(const SipHashKey& key, Bytes message);
// SipHash-1-3: one compression and three finalization rounds, the variant hash tables use
// against flooding with chosen keys (Linux's siphash_1u64.., Rust's HashMap); not for secrets.
std::uint64_t siphash13(const SipHashKey& key, Bytes message);

// The same functions over a message of whole 64-bit words: exactly siphash24 / siphash13 of the
// 8 * words.size() bytes that hold the words in little-endian order, without building or reading
// a byte buffer (the callers pack addresses and ports into words).
std::uint64_t siphash24_words(const SipHashKey& key, std::span<const std::uint64_t> words);
std::uint64_t siphash13_words(const SipHashKey& key, std::span<const std::uint64_t> words);

}  // namespace ustack
