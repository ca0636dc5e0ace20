// Assembler: out-of-order ranges (RFC 9293 §3.10.7.4), SACK blocks (RFC 2018), D-SACK (RFC 2883).
#include "tcp/assembler.h"

#include "base/rng.h"

#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <ostream>
#include <vector>

namespace ustack::tcp {

// So failures print ranges as [start, end).
void PrintTo(const Range& r, std::ostream* os) {
    *os << "[" << r.start << ", " << r.end << ")";
}

namespace {

std::vector<Range> ranges(const Assembler& a) {
    return {a.ranges().begin(), a.ranges().end()};
}

std::vector<Range> sack(const Assembler& a, std::size_t max = 4) {
    std::array<Range, 8> out{};
    const std::size_t n = a.sack_blocks(std::span<Range>(out.data(), max));
    return {out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n)};
}

TEST(Assembler, InOrderDataAdvancesTheEdgeAtOnce) {
    Assembler a;
    const AddResult r = a.add(0, 100);
    EXPECT_EQ(r.advanced, 100u);
    EXPECT_TRUE(r.accepted);
    EXPECT_FALSE(r.duplicate);
    EXPECT_TRUE(a.empty());
}

TEST(Assembler, OutOfOrderDataWaitsBeyondAHole) {
    Assembler a;
    const AddResult r = a.add(100, 50);
    EXPECT_EQ(r.advanced, 0u);
    EXPECT_EQ(ranges(a), (std::vector<Range>{{100, 150}}));
    EXPECT_EQ(a.highest_end(), 150u);
}

TEST(Assembler, FillingTheHoleDeliversTheQueuedRangeAndRebases) {
    Assembler a;
    (void)a.add(100, 50);
    (void)a.add(300, 10);
    const AddResult r = a.add(0, 100);
    EXPECT_EQ(r.advanced, 150u);
    // The edge moved by 150: the range at 300 is now at 150.
    EXPECT_EQ(ranges(a), (std::vector<Range>{{150, 160}}));
}

TEST(Assembler, InOrderSegmentShortOfTheQueuedRangesStillRebasesThem) {
    Assembler a;
    (void)a.add(100, 50);
    const AddResult r = a.add(0, 30);
    EXPECT_EQ(r.advanced, 30u);
    EXPECT_EQ(ranges(a), (std::vector<Range>{{70, 120}}));
}

TEST(Assembler, SegmentBridgingTwoRangesMergesThem) {
    Assembler a;
    (void)a.add(10, 10);
    (void)a.add(30, 10);
    const AddResult r = a.add(20, 10);  // touches both exactly
    EXPECT_EQ(r.advanced, 0u);
    EXPECT_FALSE(r.duplicate);
    EXPECT_EQ(ranges(a), (std::vector<Range>{{10, 40}}));
}

TEST(Assembler, AdjacentRangesMergeWithoutOverlap) {
    Assembler a;
    (void)a.add(10, 5);
    (void)a.add(15, 5);
    EXPECT_EQ(ranges(a), (std::vector<Range>{{10, 20}}));
}

TEST(Assembler, OverlappingRangeExtendsAndReportsTheDuplicatePart) {
    Assembler a;
    (void)a.add(10, 10);
    const AddResult r = a.add(15, 10);
    EXPECT_EQ(ranges(a), (std::vector<Range>{{10, 25}}));
    ASSERT_TRUE(r.duplicate);
    EXPECT_EQ(*r.duplicate, (Range{15, 20}));
}

TEST(Assembler, ExactDuplicateIsReportedForDsack) {
    Assembler a;
    (void)a.add(50, 10);
    const AddResult r = a.add(50, 10);
    EXPECT_TRUE(r.accepted);
    EXPECT_EQ(r.advanced, 0u);
    ASSERT_TRUE(r.duplicate);
    EXPECT_EQ(*r.duplicate, (Range{50, 60}));
    EXPECT_EQ(ranges(a), (std::vector<Range>{{50, 60}}));
}

TEST(Assembler, DuplicateIsGivenInTheOffsetsOfTheAddEvenWhenTheEdgeMoves) {
    Assembler a;
    (void)a.add(10, 10);
    // In-order segment that also repeats the queued range.
    const AddResult r = a.add(0, 15);
    EXPECT_EQ(r.advanced, 20u);
    ASSERT_TRUE(r.duplicate);
    EXPECT_EQ(*r.duplicate, (Range{10, 15}));
    EXPECT_TRUE(a.empty());
}

TEST(Assembler, SegmentSpanningSeveralRangesMergesAllAndReportsTheFirstDuplicate) {
    Assembler a;
    (void)a.add(10, 5);
    (void)a.add(20, 5);
    (void)a.add(30, 5);
    const AddResult r = a.add(12, 30);  // [12, 42)
    EXPECT_EQ(ranges(a), (std::vector<Range>{{10, 42}}));
    ASSERT_TRUE(r.duplicate);
    EXPECT_EQ(*r.duplicate, (Range{12, 15}));
}

TEST(Assembler, NewRangeBetweenOthersKeepsSequenceOrder) {
    Assembler a;
    (void)a.add(50, 5);
    (void)a.add(10, 5);
    (void)a.add(30, 5);
    EXPECT_EQ(ranges(a), (std::vector<Range>{{10, 15}, {30, 35}, {50, 55}}));
}

TEST(Assembler, EmptySegmentChangesNothing) {
    Assembler a;
    const AddResult r = a.add(10, 0);
    EXPECT_EQ(r.advanced, 0u);
    EXPECT_TRUE(a.empty());
}

TEST(Assembler, WhenFullANewIslandIsRefusedAndNothingChanges) {
    Assembler a;
    for (std::uint32_t i = 0; i < Assembler::kMinRanges; ++i) {
        ASSERT_TRUE(a.add(10 + 10 * i, 5).accepted);
    }
    ASSERT_TRUE(a.full());
    const auto before = ranges(a);
    const AddResult r = a.add(1000, 5);
    EXPECT_FALSE(r.accepted);
    EXPECT_EQ(r.advanced, 0u);
    EXPECT_EQ(ranges(a), before);
    // The refused segment does not become the most recent SACK block either.
    EXPECT_EQ(sack(a, 1), (std::vector<Range>{{320, 325}}));
}

TEST(Assembler, WhenFullDataTouchingARangeOrTheEdgeIsStillTaken) {
    Assembler a;
    for (std::uint32_t i = 0; i < Assembler::kMinRanges; ++i)
        (void)a.add(10 + 10 * i, 5);
    EXPECT_TRUE(a.add(15, 2).accepted);  // extends [10, 15)
    const AddResult r = a.add(0, 10);    // reaches the edge: delivers [0, 17)
    EXPECT_TRUE(r.accepted);
    EXPECT_EQ(r.advanced, 17u);
    EXPECT_EQ(a.count(), Assembler::kMinRanges - 1);
    EXPECT_TRUE(a.add(1000, 5).accepted);  // room again
}

TEST(Assembler, TableSizeFollowsTheReceiveBuffer) {
    EXPECT_EQ(Assembler::max_ranges_for(0), Assembler::kMinRanges);
    EXPECT_EQ(Assembler::max_ranges_for(64 * 1024), 64u);
    EXPECT_EQ(Assembler::max_ranges_for(40'000'000), 39062u);
}

TEST(Assembler, ABufferSizedTableHoldsAWindowWithEveryOtherSegmentMissing) {
    // 256 KiB of buffer, 1448-byte segments: every other one of 181 segments lost leaves 90
    // islands, far beyond the old fixed 32; each is held (and so SACKed), none refused.
    Assembler a(Assembler::max_ranges_for(256 * 1024));
    constexpr std::uint32_t kMss = 1448;
    for (std::uint32_t i = 1; i < 181; i += 2) {
        ASSERT_TRUE(a.add(i * kMss, kMss).accepted) << "segment " << i;
    }
    EXPECT_EQ(a.count(), 90u);
    EXPECT_FALSE(a.full());
    EXPECT_EQ(sack(a, 1), (std::vector<Range>{{179 * kMss, 180 * kMss}}));
    // Filling the holes one by one delivers everything.
    std::uint32_t delivered = 0;
    for (std::uint32_t i = 0; i < 181; i += 2)
        delivered += a.add(i * kMss - delivered, kMss).advanced;
    EXPECT_EQ(delivered, 181 * kMss);
    EXPECT_TRUE(a.empty());
}

TEST(Assembler, RaisingTheLimitTakesIslandsRefusedBefore) {
    Assembler a(2);
    ASSERT_TRUE(a.add(10, 5).accepted);
    ASSERT_TRUE(a.add(20, 5).accepted);
    EXPECT_FALSE(a.add(30, 5).accepted);
    a.set_max_ranges(3);
    EXPECT_TRUE(a.add(30, 5).accepted);
    EXPECT_EQ(ranges(a), (std::vector<Range>{{10, 15}, {20, 25}, {30, 35}}));
}

TEST(Assembler, SackBlocksListMostRecentlyReceivedFirst) {
    Assembler a;
    (void)a.add(10, 5);
    (void)a.add(50, 5);
    (void)a.add(30, 5);
    EXPECT_EQ(sack(a), (std::vector<Range>{{30, 35}, {50, 55}, {10, 15}}));
    // A segment extending the oldest range makes it the first block (RFC 2018 §4).
    (void)a.add(15, 3);
    EXPECT_EQ(sack(a), (std::vector<Range>{{10, 18}, {30, 35}, {50, 55}}));
}

TEST(Assembler, SackBlocksAreLimitedToTheSpaceGiven) {
    Assembler a;
    for (std::uint32_t i = 0; i < 6; ++i)
        (void)a.add(10 + 10 * i, 5);
    EXPECT_EQ(sack(a, 3), (std::vector<Range>{{60, 65}, {50, 55}, {40, 45}}));
}

TEST(Assembler, SackBlocksFollowTheEdge) {
    Assembler a;
    (void)a.add(10, 5);
    (void)a.add(30, 5);
    (void)a.add(0, 10);  // delivers [0, 15); [30, 35) is now [15, 20)
    EXPECT_EQ(sack(a), (std::vector<Range>{{15, 20}}));
}

TEST(Assembler, HugeLengthIsClampedNotWrapped) {
    Assembler a;
    const AddResult r = a.add(0xfffffff0u, 0x100);
    EXPECT_TRUE(r.accepted);
    EXPECT_EQ(ranges(a), (std::vector<Range>{{0xfffffff0u, 0xffffffffu}}));
}

TEST(Assembler, MatchesABitmapModelUnderRandomArrivals) {
    // Reference model: one flag per byte of sequence space, the edge as an absolute offset.
    Rng rng(2024);
    Assembler a;
    std::vector<bool> got(100000, false);
    std::size_t edge = 0;
    for (int step = 0; step < 6000 && edge + 400 < got.size(); ++step) {
        const auto off = static_cast<std::uint32_t>(rng.below(300));
        const auto len = static_cast<std::uint32_t>(1 + rng.below(40));
        const AddResult r = a.add(off, len);
        if (!r.accepted) {
            ASSERT_TRUE(a.full());
            continue;
        }
        // Expected duplicate: the first run of already-held bytes inside the new range.
        std::optional<Range> dup;
        for (std::uint32_t i = off; i < off + len; ++i) {
            if (!got[edge + i]) continue;
            std::uint32_t j = i;
            while (j < off + len && got[edge + j])
                ++j;
            dup = Range{i, j};
            break;
        }
        ASSERT_EQ(r.duplicate, dup) << "step " << step;
        for (std::uint32_t i = off; i < off + len; ++i)
            got[edge + i] = true;
        std::size_t new_edge = edge;
        while (got[new_edge])
            ++new_edge;
        ASSERT_EQ(r.advanced, new_edge - edge) << "step " << step;
        edge = new_edge;
        // The ranges are exactly the runs of received bytes beyond the edge.
        std::vector<Range> runs;
        for (std::size_t i = edge; i < edge + 400; ++i) {
            if (!got[i]) continue;
            std::size_t j = i;
            while (got[j])
                ++j;
            runs.push_back(
                Range{static_cast<std::uint32_t>(i - edge), static_cast<std::uint32_t>(j - edge)});
            i = j;
        }
        ASSERT_EQ(ranges(a), runs) << "step " << step;
    }
    EXPECT_GT(edge, 3000u);  // the run went somewhere
}

}  // namespace
}  // namespace ustack::tcp
