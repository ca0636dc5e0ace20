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
