#include "base/checksum.h"

#include <array>
#include <vector>

#include <gtest/gtest.h>

namespace ustack {
namespace {

// A plain 16-bit reference sum, written the slow way, to check the word-at-a-time loop against.
std::uint16_t reference_checksum(Bytes b) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < b.size(); i += 2)
        sum += (b[i] << 8) | b[i + 1];
    if (b.size() % 2) sum += b.back() << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

TEST(Checksum, Rfc1071Example) {
    // RFC 1071 §3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2.
    const std::array<std::uint8_t, 8> b{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    EXPECT_EQ(Checksum{}.add(b).folded(), 0xddf2);
    EXPECT_EQ(internet_checksum(b), 0x220d);
}

TEST(Checksum, MatchesReferenceForEveryLengthAndOddTail) {
    std::vector<std::uint8_t> data(301);
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<std::uint8_t>(i * 37 + 11);
    for (std::size_t n = 0; n <= data.size(); ++n) {
        Bytes b{data.data(), n};
        ASSERT_EQ(internet_checksum(b), reference_checksum(b)) << "length " << n;
    }
}

TEST(Checksum, MatchesReferenceOnMaximumSizeAllOnesAndUnalignedStarts) {
    // All-ones words carry on every add: the wide machine-order loop must not lose any.
    std::vector<std::uint8_t> ones(65535 + 8, 0xff);
    for (std::size_t start = 0; start < 8; ++start) {
        Bytes b{ones.data() + start, 65535};
        ASSERT_EQ(internet_checksum(b), reference_checksum(b)) << "start " << start;
    }
    std::vector<std::uint8_t> data(9000);
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<std::uint8_t>(i * 131 + 7);
    for (std::size_t start = 0; start < 8; ++start) {
        Bytes b{data.data() + start, data.size() - start};
        ASSERT_EQ(internet_checksum(b), reference_checksum(b)) << "start " << start;
    }
}

TEST(Checksum, Ipv4HeaderVerifiesToZero) {
    // A real IPv4 header (checksum 0xb861); summing it with the checksum in place gives 0.
    const std::array<std::uint8_t, 20> h{0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
                                         0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
                                         0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    EXPECT_EQ(internet_checksum(h), 0);
    auto zeroed = h;
    zeroed[10] = zeroed[11] = 0;
    EXPECT_EQ(internet_checksum(zeroed), 0xb861);
}

TEST(Checksum, PseudoHeaderV4AddsAddressesProtocolAndLength) {
    const std::array<std::uint8_t, 4> src{10, 0, 0, 1}, dst{10, 0, 0, 2};
    auto c = pseudo_header_v4(src, dst, 6, 20);
    // 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 0x0006 + 0x0014
    EXPECT_EQ(c.folded(), 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 0x0006 + 0x0014);
}

TEST(Checksum, PseudoHeaderV6UsesThirtyTwoBitLength) {
    std::array<std::uint8_t, 16> src{}, dst{};
    src[15] = 1;
    dst[15] = 2;
    auto c = pseudo_header_v6(src, dst, 58, 0x12345);
    EXPECT_EQ(c.folded(), 1 + 2 + 0x0001 + 0x2345 + 58);
}

TEST(Checksum, IncrementalUpdateMatchesRecompute) {
    // RFC 1624: updating one field must give what a full recompute gives.
    std::array<std::uint8_t, 20> h{0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                   0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    std::uint16_t ck = internet_checksum(h);
    for (std::uint16_t ttl_proto : {0x3f11, 0x0111, 0xff06, 0x0000}) {
        std::uint16_t old = load_be16(&h[8]);
        ck = checksum_update16(ck, old, ttl_proto);
        store_be16(&h[8], ttl_proto);
        EXPECT_EQ(ck, internet_checksum(h));
    }
    std::uint32_t old_src = load_be32(&h[12]);
    ck = checksum_update32(ck, old_src, 0x0a000001);
    store_be32(&h[12], 0x0a000001);
    EXPECT_EQ(ck, internet_checksum(h));
}

}  // namespace
}  // namespace ustack
