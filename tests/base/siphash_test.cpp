// SipHash-2-4 against the reference test vectors (key 00..0f, messages of 0..63 bytes 00 01 02
// ...), and SipHash-1-3 against known answers.
#include "base/siphash.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace ustack {
namespace {

// The published table (the reference implementation's vectors for SipHash-2-4, 64-bit output):
// entry i is the hash of the i-byte message 00 01 .. (i-1) under the key 00 01 .. 0f.
constexpr std::array<std::uint64_t, 64> kVectors = {
    0x726fdb47dd0e0e31, 0x74f839c593dc67fd, 0x0d6c8009d9a94f5a, 0x85676696d7fb7e2d,
    0xcf2794e0277187b7, 0x18765564cd99a68d, 0xcbc9466e58fee3ce, 0xab0200f58b01d137,
    0x93f5f5799a932462, 0x9e0082df0ba9e4b0, 0x7a5dbbc594ddb9f3, 0xf4b32f46226bada7,
    0x751e8fbc860ee5fb, 0x14ea5627c0843d90, 0xf723ca908e7af2ee, 0xa129ca6149be45e5,
    0x3f2acc7f57c29bdb, 0x699ae9f52cbe4794, 0x4bc1b3f0968dd39c, 0xbb6dc91da77961bd,
    0xbed65cf21aa2ee98, 0xd0f2cbb02e3b67c7, 0x93536795e3a33e88, 0xa80c038ccd5ccec8,
    0xb8ad50c6f649af94, 0xbce192de8a85b8ea, 0x17d835b85bbb15f3, 0x2f2e6163076bcfad,
    0xde4daaaca71dc9a5, 0xa6a2506687956571, 0xad87a3535c49ef28, 0x32d892fad841c342,
    0x7127512f72f27cce, 0xa7f32346f95978e3, 0x12e0b01abb051238, 0x15e034d40fa197ae,
    0x314dffbe0815a3b4, 0x027990f029623981, 0xcadcd4e59ef40c4d, 0x9abfd8766a33735c,
    0x0e3ea96b5304a7d0, 0xad0c42d6fc585992, 0x187306c89bc215a9, 0xd4a60abcf3792b95,
    0xf935451de4f21df2, 0xa9538f0419755787, 0xdb9acddff56ca510, 0xd06c98cd5c0975eb,
    0xe612a3cb9ecba951, 0xc766e62cfcadaf96, 0xee64435a9752fe72, 0xa192d576b245165a,
    0x0a8787bf8ecb74b2, 0x81b3e73d20b49b6f, 0x7fa8220ba3b2ecea, 0x245731c13ca42499,
    0xb78dbfaf3a8d83bd, 0xea1ad565322a1a0b, 0x60e61c23a3795013, 0x6606d7e446282b93,
    0x6ca4ecb15c5f91e1, 0x9f626da15c9625f3, 0xe51b38608ef25f57, 0x958a324ceb064572,
};

SipHashKey reference_key() {
    std::array<std::uint8_t, 16> key{};
    for (std::size_t i = 0; i < key.size(); ++i)
        key[i] = static_cast<std::uint8_t>(i);
    return SipHashKey::from_bytes(key);
}

TEST(SipHash, KeyBytesLoadLittleEndian) {
    const SipHashKey key = reference_key();
    EXPECT_EQ(key.k0, 0x0706050403020100u);
    EXPECT_EQ(key.k1, 0x0f0e0d0c0b0a0908u);
}

TEST(SipHash, MatchesReferenceVectorsForEveryLengthUpTo63) {
    const SipHashKey key = reference_key();
    std::array<std::uint8_t, 64> message{};
    for (std::size_t i = 0; i < message.size(); ++i)
        message[i] = static_cast<std::uint8_t>(i);
    for (std::size_t len = 0; len < kVectors.size(); ++len) {
        EXPECT_EQ(siphash24(key, Bytes(message.data(), len)), kVectors[len]) << "length " << len;
    }
}

TEST(SipHash, PaperExampleFifteenBytes) {
    // The worked example in the paper's appendix: 15-byte message 00..0e.
    std::array<std::uint8_t, 15> message{};
    for (std::size_t i = 0; i < message.size(); ++i)
        message[i] = static_cast<std::uint8_t>(i);
    EXPECT_EQ(siphash24(reference_key(), message), 0xa129ca6149be45e5u);
}

TEST(SipHash, DifferentKeysGiveDifferentHashes) {
    const std::array<std::uint8_t, 4> message{1, 2, 3, 4};
    SipHashKey other = reference_key();
    other.k1 ^= 1;
    EXPECT_NE(siphash24(reference_key(), message), siphash24(other, message));
}

// Known answers of the SipHash-1-3 reference (github.com/veorq/SipHash) for the all-zero key, as
// 64-bit values.
TEST(SipHash13, MatchesKnownAnswersForTheZeroKey) {
    const SipHashKey zero{};
    const auto text = [](const char* s) {
        return Bytes(reinterpret_cast<const std::uint8_t*>(s), std::char_traits<char>::length(s));
    };
    EXPECT_EQ(siphash13(zero, Bytes{}), 0xd1fba762150c532cu);
    EXPECT_EQ(siphash13(zero, text("siphash")), 0x8264ceeccb16bcbeu);
    EXPECT_EQ(siphash13(zero, text("digest-sip_hash")), 0xce31007e34130c0au);
}

TEST(SipHash13, IsNotSipHash24AndDependsOnTheKey) {
    const std::array<std::uint8_t, 12> message{10, 0, 0, 1, 10, 0, 0, 2, 0xc0, 0x00, 0x13, 0x89};
    SipHashKey key{1, 2};
    SipHashKey other{1, 3};
    EXPECT_NE(siphash13(key, message), siphash24(key, message));
    EXPECT_NE(siphash13(key, message), siphash13(other, message));
}

// The word forms are the byte forms over the words' little-endian bytes: checked against the
// reference vectors for 0..7 words.
TEST(SipHashWords, EqualTheByteFormsOverLittleEndianWords) {
    const SipHashKey key = reference_key();
    std::array<std::uint8_t, 56> message{};
    for (std::size_t i = 0; i < message.size(); ++i)
        message[i] = static_cast<std::uint8_t>(i);
    std::array<std::uint64_t, 7> words{};
    for (std::size_t w = 0; w < words.size(); ++w)
        for (std::size_t b = 0; b < 8; ++b)
            words[w] |= std::uint64_t{message[8 * w + b]} << (8 * b);
    for (std::size_t n = 0; n <= words.size(); ++n) {
        const std::span<const std::uint64_t> ws(words.data(), n);
        EXPECT_EQ(siphash24_words(key, ws), kVectors[8 * n]) << n << " words";
        EXPECT_EQ(siphash13_words(key, ws), siphash13(key, Bytes(message.data(), 8 * n)))
            << n << " words";
    }
}

}  // namespace
}  // namespace ustack
