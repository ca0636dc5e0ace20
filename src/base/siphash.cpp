// SipHash-2-4, written from the definition in §2 of the SipHash paper.
#include "base/siphash.h"

#include <bit>

namespace ustack {
namespace {

std::uint64_t load_le64(const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | p[i];
    return v;
}

struct SipState {
    std::uint64_t v0, v1, v2, v3;

    // The paper's SipRound: an ARX network of additions, rotations and xors.
    void round() {
        v0 += v1;
        v2 += v3;
        v1 = std::rotl(v1, 13);
        v3 = std::rotl(v3, 16);
        v1 ^= v0;
        v3 ^= v2;
        v0 = std::rotl(v0, 32);
        v2 += v1;
        v0 += v3;
        v1 = std::rotl(v1, 17);
        v3 = std::rotl(v3, 21);
        v1 ^= v2;
        v3 ^= v0;
        v2 = std::rotl(v2, 32);
    }

    // Compression of one message word m with c rounds.
    template <int c>
    void compress(std::uint64_t m) {
        v3 ^= m;
        for (int i = 0; i < c; ++i)
            round();
        v0 ^= m;
    }
};

// SipHash-c-d(key, message), the paper's §2 with c compression and d finalization rounds.
template <int c, int d>
std::uint64_t siphash(const SipHashKey& key, Bytes message) {
    // Initialization: the key xored with "somepseudorandomlygeneratedbytes".
    SipState s{key.k0 ^ 0x736f6d6570736575ULL, key.k1 ^ 0x646f72616e646f6dULL,
               key.k0 ^ 0x6c7967656e657261ULL, key.k1 ^ 0x7465646279746573ULL};

    // Compression: the message as little-endian 64-bit words.
    const std::size_t full_words = message.size() / 8;
    for (std::size_t i = 0; i < full_words; ++i)
        s.template compress<c>(load_le64(message.data() + 8 * i));

    // The last word holds the 0..7 remaining bytes and, in its top byte, the length mod 256.
    std::uint64_t last = static_cast<std::uint64_t>(message.size() & 0xff) << 56;
    const std::size_t tail = message.size() % 8;
    for (std::size_t i = 0; i < tail; ++i) {
        last |= static_cast<std::uint64_t>(message[8 * full_words + i]) << (8 * i);
    }
    s.template compress<c>(last);

    // Finalization: xor 0xff into v2, d rounds, and fold the state.
    s.v2 ^= 0xff;
    for (int i = 0; i < d; ++i)
        s.round();
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

// SipHash-c-d of the little-endian bytes of `words`: the words are the message's words as they
// are, and the last block holds only the length (a multiple of 8, so no tail bytes).
template <int c, int d>
std::uint64_t siphash_words(const SipHashKey& key, std::span<const std::uint64_t> words) {
    SipState s{key.k0 ^ 0x736f6d6570736575ULL, key.k1 ^ 0x646f72616e646f6dULL,
               key.k0 ^ 0x6c7967656e657261ULL, key.k1 ^ 0x7465646279746573ULL};
    for (const std::uint64_t m : words)
        s.template compress<c>(m);
    s.template compress<c>(static_cast<std::uint64_t>((8 * words.size()) & 0xff) << 56);
    s.v2 ^= 0xff;
    for (int i = 0; i < d; ++i)
        s.round();
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace

SipHashKey SipHashKey::from_bytes(std::span<const std::uint8_t, 16> key) {
    return SipHashKey{load_le64(key.data()), load_le64(key.data() + 8)};
}

std::uint64_t siphash24(const SipHashKey& key, Bytes message) {
    return siphash<2, 4>(key, message);
}

std::uint64_t siphash13(const SipHashKey& key, Bytes message) {
    return siphash<1, 3>(key, message);
}

std::uint64_t siphash24_words(const SipHashKey& key, std::span<const std::uint64_t> words) {
    return siphash_words<2, 4>(key, words);
}

std::uint64_t siphash13_words(const SipHashKey& key, std::span<const std::uint64_t> words) {
    return siphash_words<1, 3>(key, words);
}

}  // namespace ustack
