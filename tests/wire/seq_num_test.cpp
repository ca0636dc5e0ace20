// SeqNum: RFC 9293 §3.4 modular arithmetic and RFC 1982 serial-number comparison.
#include "wire/seq_num.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace ustack::wire {
namespace {

static_assert(SeqNum(0xffffffff) + 1 == SeqNum(0));
static_assert(SeqNum(0xfffffff0) < SeqNum(0x10));

TEST(SeqNum, AddsAndSubtractsModulo2To32) {
    EXPECT_EQ((SeqNum(0xffffffff) + 1).raw(), 0u);
    EXPECT_EQ((SeqNum(0xfffffffe) + 5).raw(), 3u);
    EXPECT_EQ((SeqNum(0) - 1).raw(), 0xffffffffu);
    EXPECT_EQ((SeqNum(2) + -3).raw(), 0xffffffffu);
    EXPECT_EQ((SeqNum(100) - -5).raw(), 105u);
    SeqNum s(0xfffffff0);
    s += 0x20;
    EXPECT_EQ(s.raw(), 0x10u);
    s -= 0x20;
    EXPECT_EQ(s.raw(), 0xfffffff0u);
}

TEST(SeqNum, LargeUnsignedOffsetWraps) {
    // Adding 2^32 - 1 is the same as subtracting one.
    EXPECT_EQ(SeqNum(7) + std::uint32_t{0xffffffff}, SeqNum(6));
    EXPECT_EQ(SeqNum(7) + std::int64_t{1} * 0x100000000, SeqNum(7));
}

TEST(SeqNum, DifferenceIsSignedAcrossWrap) {
    EXPECT_EQ(SeqNum(5) - SeqNum(0xfffffffb), 10);
    EXPECT_EQ(SeqNum(0xfffffffb) - SeqNum(5), -10);
    EXPECT_EQ(SeqNum(1000) - SeqNum(1000), 0);
    EXPECT_EQ(SeqNum(0x7fffffff) - SeqNum(0), 0x7fffffff);
}

TEST(SeqNum, ComparesBySignedDifferenceAcrossWrap) {
    const SeqNum before(0xfffffff0);
    const SeqNum after(0x10);
    EXPECT_TRUE(before < after);
    EXPECT_TRUE(after > before);
    EXPECT_FALSE(after < before);
    EXPECT_FALSE(before > after);
    EXPECT_TRUE(before <= after);
    EXPECT_TRUE(after >= before);
    EXPECT_FALSE(before >= after);
    EXPECT_FALSE(after <= before);
}

TEST(SeqNum, LessEqualAndGreaterEqualIncludeEquality) {
    const SeqNum a(42);
    EXPECT_TRUE(a <= a);
    EXPECT_TRUE(a >= a);
    EXPECT_FALSE(a < a);
    EXPECT_FALSE(a > a);
    EXPECT_TRUE(a == SeqNum(42));
    EXPECT_TRUE(a != SeqNum(43));
}

TEST(SeqNum, HalfSpaceApartIsAmbiguous) {
    // RFC 1982 §3.2: the comparison is undefined at exactly 2^31; ours says "less" both ways.
    const SeqNum a(0x10);
    const SeqNum b = a + 0x80000000u;
    EXPECT_TRUE(a < b);
    EXPECT_TRUE(b < a);
    // One less than half the space is still ordered.
    const SeqNum c = a + 0x7fffffffu;
    EXPECT_TRUE(a < c);
    EXPECT_FALSE(c < a);
}

TEST(SeqNum, OrderIsNotTransitive) {
    const SeqNum a(0);
    const SeqNum b(0x60000000);
    const SeqNum c(0xc0000000);
    EXPECT_TRUE(a < b);
    EXPECT_TRUE(b < c);
    EXPECT_TRUE(c < a);
}

TEST(SeqNum, MaxAndMinFollowSerialOrder) {
    const SeqNum before(0xffffff00);
    const SeqNum after(0x100);
    EXPECT_EQ(seq_max(before, after), after);
    EXPECT_EQ(seq_max(after, before), after);
    EXPECT_EQ(seq_min(before, after), before);
    EXPECT_EQ(seq_min(after, before), before);
}

TEST(SeqNum, DefaultIsZero) {
    EXPECT_EQ(SeqNum().raw(), 0u);
}

// Nearly five times round the sequence space in steps of 1 GiB - 1 from just below the wrap: the
// count goes on where a 32-bit difference from the start would wrap.
TEST(SeqAdvance, CountsPastTwoToThe32) {
    const SeqNum start(0xffff'ff00u);
    SeqAdvance a(start);
    std::uint64_t want = 0;
    SeqNum at = start;
    for (int i = 0; i < 20; ++i) {
        const std::uint32_t step = (1u << 30) - 1;
        at += step;
        want += step;
        EXPECT_EQ(a.update(at), want) << i;
    }
    EXPECT_GT(a.total(), std::uint64_t{4} << 32);
}

TEST(SeqAdvance, IgnoresStepsBackwards) {
    SeqAdvance a(SeqNum(100));
    EXPECT_EQ(a.update(SeqNum(150)), 50u);
    EXPECT_EQ(a.update(SeqNum(120)), 50u);  // an old value: no change
    EXPECT_EQ(a.update(SeqNum(150)), 50u);
    EXPECT_EQ(a.update(SeqNum(160)), 60u);
}

}  // namespace
}  // namespace ustack::wire
