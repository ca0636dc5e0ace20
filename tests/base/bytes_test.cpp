#include "base/bytes.h"

#include <array>

#include <gtest/gtest.h>

namespace ustack {
namespace {

TEST(Bytes, BigEndianLoadsAndStores) {
    std::array<std::uint8_t, 4> b{0x12, 0x34, 0x56, 0x78};
    EXPECT_EQ(load_be16(b.data()), 0x1234);
    EXPECT_EQ(load_be32(b.data()), 0x12345678u);
    store_be16(b.data(), 0xabcd);
    store_be32(b.data(), 0xdeadbeef);
    EXPECT_EQ(b, (std::array<std::uint8_t, 4>{0xde, 0xad, 0xbe, 0xef}));
}

TEST(Bytes, LittleEndianWordsOfAnAddress) {
    // IPv4: the low half of the first word; IPv6: both words; other lengths zero-padded, and
    // nothing past 16 bytes.
    const std::array<std::uint8_t, 4> v4{10, 0, 0, 1};
    EXPECT_EQ(load_le_words16(v4), (std::array<std::uint64_t, 2>{0x0100000aull, 0}));
    std::array<std::uint8_t, 17> v6{};
    for (std::size_t i = 0; i < v6.size(); ++i)
        v6[i] = static_cast<std::uint8_t>(i + 1);
    const std::array<std::uint64_t, 2> want{0x0807060504030201ull, 0x100f0e0d0c0b0a09ull};
    EXPECT_EQ(load_le_words16(Bytes(v6).first(16)), want);
    EXPECT_EQ(load_le_words16(v6), want);
    EXPECT_EQ(load_le_words16(Bytes(v6).first(9)),
              (std::array<std::uint64_t, 2>{0x0807060504030201ull, 0x09}));
    EXPECT_EQ(load_le_words16(Bytes{}), (std::array<std::uint64_t, 2>{0, 0}));
}

TEST(Cursor, ReadsInOrderAndStopsAtTheEnd) {
    const std::array<std::uint8_t, 7> b{1, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
    Cursor c{b};
    EXPECT_EQ(c.u8(), 1);
    EXPECT_EQ(c.be16(), 0x0203);
    EXPECT_EQ(c.be32(), 0x04050607u);
    EXPECT_TRUE(c.empty());
    EXPECT_EQ(c.u8(), std::nullopt);
}

TEST(Cursor, ShortReadLeavesPositionUnchanged) {
    const std::array<std::uint8_t, 3> b{1, 2, 3};
    Cursor c{b};
    EXPECT_EQ(c.be32(), std::nullopt);
    EXPECT_EQ(c.position(), 0u);
    EXPECT_FALSE(c.skip(4));
    EXPECT_EQ(c.take(4), std::nullopt);
    auto two = c.take(2);
    ASSERT_TRUE(two);
    EXPECT_EQ(two->size(), 2u);
    EXPECT_EQ(c.remaining(), 1u);
    EXPECT_EQ(c.rest()[0], 3);
}

}  // namespace
}  // namespace ustack
