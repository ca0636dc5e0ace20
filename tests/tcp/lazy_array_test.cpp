// LazyArray: no elements until the first write; copies and moves keep what was written.
#include "tcp/lazy_array.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <utility>

#include "tcp/scoreboard.h"

namespace ustack::tcp {
namespace {

using Array = LazyArray<std::uint32_t, 8>;

TEST(LazyArray, NothingAllocatedUntilTheFirstWrite) {
    Array a;
    const Array& c = a;
    EXPECT_FALSE(a.allocated());
    EXPECT_EQ(c.data(), nullptr);  // a valid empty range [data(), data() + 0)
    a[3] = 7;
    a[4] = 8;
    EXPECT_TRUE(a.allocated());
    EXPECT_EQ(a[3], 7u);  // later non-const accesses see the same elements
    EXPECT_NE(c.data(), nullptr);
    EXPECT_EQ(c[3], 7u);
    EXPECT_EQ(c[0], 0u);  // the others are value-initialized
    EXPECT_EQ(Array::size(), 8u);
}

TEST(LazyArray, CopiesAreDeepAndMovesTakeTheElements) {
    Array a;
    Array empty_copy(a);
    EXPECT_FALSE(empty_copy.allocated());
    a[1] = 5;
    Array b(a);
    EXPECT_EQ(std::as_const(b)[1], 5u);
    b[1] = 6;
    EXPECT_EQ(std::as_const(a)[1], 5u);
    EXPECT_EQ(std::as_const(b)[1], 6u);
    Array d;
    d = a;
    a[1] = 9;
    EXPECT_EQ(std::as_const(d)[1], 5u);
    Array e(std::move(d));
    EXPECT_TRUE(e.allocated());
    EXPECT_EQ(std::as_const(e)[1], 5u);
    d = empty_copy;
    EXPECT_FALSE(d.allocated());
}

// What the LazyArray is for: a scoreboard that was never given a SACK block stays small, and one
// that was keeps its ranges through copies and moves.
TEST(LazyArray, ScoreboardRangesSurviveCopiesAndMoves) {
    EXPECT_LT(sizeof(Scoreboard), 1024u);
    Scoreboard s(wire::SeqNum(1000), 100);
    s.on_sent(wire::SeqNum(2000));
    EXPECT_TRUE(s.ranges().empty());
    const wire::SackBlock block{wire::SeqNum(1500), wire::SeqNum(1600)};
    s.update(wire::SeqNum(1000), std::span(&block, 1));
    Scoreboard copy(s);
    Scoreboard moved(std::move(s));
    ASSERT_EQ(copy.ranges().size(), 1u);
    EXPECT_EQ(copy.ranges()[0], (Range{500, 600}));
    ASSERT_EQ(moved.ranges().size(), 1u);
    EXPECT_EQ(moved.ranges()[0], (Range{500, 600}));
    EXPECT_TRUE(moved.is_sacked(wire::SeqNum(1550)));
}

}  // namespace
}  // namespace ustack::tcp
