// The RFC 6675 scoreboard: Update() with RFC 2883 D-SACKs, IsLost(), SetPipe(), NextSeg() rules
// 1-4, HighRxt/RescueRxt, bounded memory and RFC 2018 §8 clearing.
#include "tcp/scoreboard.h"

#include <gtest/gtest.h>

#include <vector>

namespace ustack::tcp {
namespace {

using wire::SackBlock;
using wire::SeqNum;
using Rule = Scoreboard::Next::Rule;

constexpr std::uint32_t kMss = 100;
constexpr std::uint32_t kUna = 1000;

SeqNum s(std::uint32_t v) {
    return SeqNum(v);
}
SackBlock blk(std::uint32_t l, std::uint32_t r) {
    return SackBlock{SeqNum(l), SeqNum(r)};
}

// SND.UNA = 1000, ten segments of 100 bytes sent: SND.MAX = 2000.
Scoreboard ten_segments() {
    Scoreboard sb(s(kUna), kMss);
    sb.on_sent(s(2000));
    return sb;
}

Scoreboard::Update sack(Scoreboard& sb, std::uint32_t ack, std::vector<SackBlock> blocks) {
    return sb.update(s(ack), blocks);
}

TEST(Scoreboard, StartsEmptyWithEveryEdgeAtSndUna) {
    Scoreboard sb(s(kUna), kMss);
    EXPECT_TRUE(sb.empty());
    EXPECT_EQ(sb.high_ack(), s(kUna));
    EXPECT_EQ(sb.high_data(), s(kUna));
    EXPECT_EQ(sb.high_rxt(), s(kUna));
    EXPECT_FALSE(sb.has_rescue());
    EXPECT_EQ(sb.pipe(), 0u);
    sb.on_sent(s(2000));
    EXPECT_EQ(sb.flight_size(), 1000u);
    sb.on_sent(s(1500));  // SND.MAX never goes back
    EXPECT_EQ(sb.high_data(), s(2000));
}

TEST(Update, RecordsABlockAsNewlySacked) {
    Scoreboard sb = ten_segments();
    const auto u = sack(sb, kUna, {blk(1200, 1300)});
    EXPECT_EQ(u.acked, 0u);
    EXPECT_EQ(u.newly_sacked, 100u);
    EXPECT_FALSE(u.dsack);
    ASSERT_EQ(sb.ranges().size(), 1u);
    EXPECT_EQ(sb.ranges()[0], (Range{200, 300}));
    EXPECT_TRUE(sb.is_sacked(s(1250)));
    EXPECT_FALSE(sb.is_sacked(s(1300)));
}

TEST(Update, MergesOverlappingAndAdjacentBlocks) {
    Scoreboard sb = ten_segments();
    sack(sb, kUna, {blk(1200, 1300), blk(1500, 1600)});
    const auto u = sack(sb, kUna, {blk(1300, 1550)});
    EXPECT_EQ(u.newly_sacked, 200u);  // 1300..1500
    ASSERT_EQ(sb.ranges().size(), 1u);
    EXPECT_EQ(sb.ranges()[0], (Range{200, 600}));
    EXPECT_EQ(sb.sacked_bytes(), 400u);
}

TEST(Update, ARepeatedBlockIsNotNew) {
    Scoreboard sb = ten_segments();
    sack(sb, kUna, {blk(1200, 1300)});
    EXPECT_EQ(sack(sb, kUna, {blk(1200, 1300)}).newly_sacked, 0u);
}

TEST(Update, CumulativeAckDropsAndRebasesRanges) {
    Scoreboard sb = ten_segments();
    sack(sb, kUna, {blk(1200, 1300), blk(1500, 1600)});
    const auto u = sack(sb, 1400, {blk(1500, 1600)});
    EXPECT_EQ(u.acked, 400u);
    EXPECT_EQ(sb.high_ack(), s(1400));
    ASSERT_EQ(sb.ranges().size(), 1u);
    EXPECT_EQ(sb.ranges()[0], (Range{100, 200}));
    EXPECT_EQ(sb.sacked_bytes(), 100u);
    EXPECT_EQ(sb.flight_size(), 600u);
}

TEST(Update, CumulativeAckInsideARangeTrimsIt) {
    Scoreboard sb = ten_segments();
    sack(sb, kUna, {blk(1200, 1400)});
    sack(sb, 1300, {});
    ASSERT_EQ(sb.ranges().size(), 1u);
    EXPECT_EQ(sb.ranges()[0], (Range{0, 100}));
    EXPECT_EQ(sb.sacked_bytes(), 100u);
}

TEST(Update, BlocksBeyondSndMaxAreIgnored) {
    Scoreboard sb = ten_segments();
    EXPECT_EQ(sack(sb, kUna, {blk(1900, 2100)}).newly_sacked, 0u);
    EXPECT_TRUE(sb.empty());
}

TEST(Update, EmptyAndReversedBlocksAreIgnored) {
    Scoreboard sb = ten_segments();
    EXPECT_EQ(sack(sb, kUna, {blk(1300, 1300), blk(1400, 1200)}).newly_sacked, 0u);
    EXPECT_TRUE(sb.empty());
}

TEST(Update, BlocksBelowSndUnaAreClipped) {
    Scoreboard sb = ten_segments();
    sack(sb, 1200, {});
    // Not first-block-below-ACK (it straddles): the part above SND.UNA counts.
    EXPECT_EQ(sack(sb, 1200, {blk(1100, 1300)}).newly_sacked, 100u);
    EXPECT_EQ(sb.ranges()[0], (Range{0, 100}));
}

TEST(Update, AckBeyondSndMaxIsClamped) {
    Scoreboard sb = ten_segments();
    EXPECT_EQ(sack(sb, 5000, {}).acked, 1000u);
    EXPECT_EQ(sb.high_ack(), s(2000));
    EXPECT_EQ(sb.flight_size(), 0u);
}

TEST(Dsack, FirstBlockBelowTheAckIsADuplicateReport) {
    // RFC 2883 §4.1: a retransmitted segment arrived twice; the D-SACK is below the ACK.
    Scoreboard sb = ten_segments();
    sack(sb, 1500, {});
    const auto u = sack(sb, 1500, {blk(1100, 1200)});
    EXPECT_TRUE(u.dsack);
    EXPECT_EQ(u.newly_sacked, 0u);
    EXPECT_TRUE(sb.empty());
}

TEST(Dsack, FirstBlockInsideTheSecondIsADuplicateReport) {
    // RFC 2883 §4.2: out-of-order data received twice: first block within the second.
    Scoreboard sb = ten_segments();
    sack(sb, kUna, {blk(1200, 1400)});
    const auto u = sack(sb, kUna, {blk(1200, 1300), blk(1200, 1400)});
    EXPECT_TRUE(u.dsack);
    EXPECT_EQ(u.newly_sacked, 0u);
    EXPECT_EQ(sb.sacked_bytes(), 200u);
}

TEST(Dsack, TheOtherBlocksOfADsackAckStillCount) {
    Scoreboard sb = ten_segments();
    const auto u = sack(sb, 1100, {blk(1000, 1100), blk(1500, 1600)});
    EXPECT_TRUE(u.dsack);
    EXPECT_EQ(u.newly_sacked, 100u);
}

TEST(Dsack, AnOrdinaryFirstBlockIsNotADuplicate) {
    Scoreboard sb = ten_segments();
    EXPECT_FALSE(sack(sb, kUna, {blk(1500, 1600), blk(1200, 1300)}).dsack);
}

TEST(Scoreboard, MemoryIsBoundedAndKeepsTheRangesNearestSndUna) {
    Scoreboard sb(s(0), 10);
    const std::size_t n = Scoreboard::kMaxRanges;
    sb.on_sent(s(static_cast<std::uint32_t>(1000 + (n + 10) * 100)));
    for (std::uint32_t i = 0; i < n + 5; ++i) {
        const std::uint32_t l = 1000 + i * 100;
        sack(sb, 0, {blk(l, l + 10)});
    }
    ASSERT_EQ(sb.ranges().size(), n);
    EXPECT_EQ(sb.ranges()[n - 1].start, 1000 + (n - 1) * 100);
    EXPECT_EQ(sb.sacked_bytes(), n * 10);
    // A lower block is taken and pushes out the highest.
    EXPECT_EQ(sack(sb, 0, {blk(100, 110)}).newly_sacked, 10u);
    EXPECT_EQ(sb.ranges().size(), n);
    EXPECT_EQ(sb.ranges()[0], (Range{100, 110}));
    EXPECT_EQ(sb.ranges()[n - 1].start, 1000 + (n - 2) * 100);
    EXPECT_EQ(sb.sacked_bytes(), n * 10);
}

TEST(IsLost, FalseWithoutSackedDataAbove) {
    Scoreboard sb = ten_segments();
    EXPECT_FALSE(sb.is_lost(s(kUna)));
}

TEST(IsLost, TrueWithDupThreshDiscontiguousRangesAbove) {
    Scoreboard sb = ten_segments();
    sack(sb, kUna, {blk(1100, 1110), blk(1200, 1210)});
    EXPECT_FALSE(sb.is_lost(s(kUna)));
    sack(sb, kUna, {blk(1300, 1310)});
    EXPECT_TRUE(sb.is_lost(s(kUna)));
    EXPECT_FALSE(sb.is_lost(s(1150)));  // only two ranges above 1150
}

TEST(IsLost, TrueWithMoreThanTwoSmssSackedAbove) {
    Scoreboard sb = ten_segments();
    sack(sb, kUna, {blk(1100, 1300)});  // exactly (DupThresh - 1) * SMSS
    EXPECT_FALSE(sb.is_lost(s(kUna)));
    sack(sb, kUna, {blk(1300, 1301)});
    EXPECT_TRUE(sb.is_lost(s(kUna)));
}

TEST(IsLost, FalseForAcknowledgedData) {
    Scoreboard sb = ten_segments();
    sack(sb, 1500, {blk(1600, 2000)});
    EXPECT_FALSE(sb.is_lost(s(1400)));
    EXPECT_TRUE(sb.is_lost(s(1500)));
}

TEST(Pipe, EqualsFlightSizeWithoutSacks) {
    EXPECT_EQ(ten_segments().pipe(), 1000u);
}

TEST(Pipe, LeavesOutSackedOctets) {
    Scoreboard sb = ten_segments();
    sack(sb, kUna, {blk(1200, 1300)});
    EXPECT_EQ(sb.pipe(), 900u);
}

TEST(Pipe, LeavesOutLostOctets) {
    Scoreboard sb = ten_segments();
    // Segment 1000 lost: three segments SACKed above it.
    sack(sb, kUna, {blk(1100, 1400)});
    // In the network: 1400..2000 (600). 1000..1100 is lost.
    EXPECT_EQ(sb.pipe(), 600u);
}

TEST(Pipe, CountsRetransmittedOctets) {
    Scoreboard sb = ten_segments();
    sack(sb, kUna, {blk(1100, 1400)});
    sb.on_retransmit(s(kUna), 100);
    // (b): the retransmission of the lost segment is in the network.
    EXPECT_EQ(sb.pipe(), 700u);
    EXPECT_EQ(sb.high_rxt(), s(1100));
}

TEST(Pipe, CountsARetransmittedOctetThatIsNotLostTwice) {
    Scoreboard sb = ten_segments();
    sb.on_retransmit(s(kUna), 100);  // (a) and (b) both hold for 1000..1100
    EXPECT_EQ(sb.pipe(), 1100u);
}

// A resend no entry watches (all kMaxRetransmissions were taken when it went) still counts
// once more below HighRxt after the watched ones are acknowledged: nothing SACKed, no entry
// left, pipe() = flight + the unwatched resend.
TEST(Pipe, CountsAnUnwatchedRetransmissionTwice) {
    constexpr std::uint32_t kResends = Scoreboard::kMaxRetransmissions + 1;
    Scoreboard sb(s(kUna), kMss);
    sb.on_sent(s(kUna + 2 * kMss * kResends + 5 * kMss));
    // Every other segment resent: no two resends join into one entry.
    for (std::uint32_t i = 0; i < kResends; ++i)
        sb.on_retransmit(s(kUna + 2 * kMss * i), kMss);
    const std::uint32_t unwatched = kUna + 2 * kMss * (kResends - 1);
    sack(sb, unwatched, {});
    EXPECT_EQ(sb.high_rxt(), s(unwatched + kMss));
    EXPECT_EQ(sb.flight_size(), 7 * kMss);
    EXPECT_EQ(sb.pipe(), 8 * kMss);
}

TEST(NextSeg, Rule1IsTheFirstLostSegment) {
    Scoreboard sb = ten_segments();
    sack(sb, kUna, {blk(1100, 1400)});
    const auto n = sb.next_seg(true);
    EXPECT_EQ(n.rule, Rule::Lost);
    EXPECT_EQ(n.seq, s(kUna));
    EXPECT_EQ(n.len, kMss);
}

TEST(NextSeg, Rule1SkipsWhatWasRetransmittedAndStopsAtTheNextSack) {
    Scoreboard sb = ten_segments();
    // Holes 1000..1150 and 1300..1350, SACKed 1150..1300, 1350..1700.
    sack(sb, kUna, {blk(1150, 1300), blk(1350, 1700)});
    sb.on_retransmit(s(kUna), 100);
    auto n = sb.next_seg(true);
    EXPECT_EQ(n.rule, Rule::Lost);
    EXPECT_EQ(n.seq, s(1100));
    EXPECT_EQ(n.len, 50u);  // not into the SACKed 1150
    sb.on_retransmit(n.seq, n.len);
    n = sb.next_seg(true);
    EXPECT_EQ(n.rule, Rule::Lost);
    EXPECT_EQ(n.seq, s(1300));
    EXPECT_EQ(n.len, 50u);
}

TEST(NextSeg, Rule2IsNewDataWhenNothingIsLost) {
    Scoreboard sb = ten_segments();
    sack(sb, kUna, {blk(1100, 1200)});
    const auto n = sb.next_seg(true);
    EXPECT_EQ(n.rule, Rule::NewData);
    EXPECT_EQ(n.seq, s(2000));
}

TEST(NextSeg, Rule3IsAnUnsackedSegmentWhenThereIsNoNewData) {
    Scoreboard sb = ten_segments();
    sack(sb, kUna, {blk(1100, 1200)});  // 1000 not lost (one block, 100 bytes above)
    const auto n = sb.next_seg(false);
    EXPECT_EQ(n.rule, Rule::Unsacked);
    EXPECT_EQ(n.seq, s(kUna));
    EXPECT_EQ(n.len, kMss);
}

TEST(NextSeg, Rule4RescuesTheHighestUnsackedSegmentOncePerRecovery) {
    Scoreboard sb = ten_segments();
    sack(sb, kUna, {blk(1100, 1400)});
    sb.on_fast_retransmit(s(kUna), 100);
    // 1000 retransmitted; 1400..2000 unSACKed above the highest SACK: not for rules 1 and 3.
    // RescueRxt = 1100 and HighACK = 1000: no rescue yet.
    EXPECT_EQ(sb.next_seg(false).rule, Rule::None);
    sack(sb, 1400, {});  // HighACK passes RescueRxt
    const auto n = sb.next_seg(false);
    EXPECT_EQ(n.rule, Rule::Rescue);
    EXPECT_EQ(n.seq, s(1900));  // the last SMSS, ending at the highest unSACKed octet
    EXPECT_EQ(n.len, kMss);
    sb.on_rescue(s(2000));
    EXPECT_EQ(sb.high_rxt(), s(1400));  // HighRxt not updated
    EXPECT_EQ(sb.next_seg(false).rule, Rule::None);
}

TEST(NextSeg, Rule4RescueEndsBelowTheHighestSack) {
    Scoreboard sb = ten_segments();
    sack(sb, kUna, {blk(1900, 2000)});
    sb.on_retransmit(s(kUna), 900);  // everything below the SACK was resent
    const auto n = sb.next_seg(false);
    EXPECT_EQ(n.rule, Rule::Rescue);
    EXPECT_EQ(n.seq, s(1800));
    EXPECT_EQ(n.len, kMss);
}

TEST(NextSeg, NoneWhenEverythingIsSackedOrRetransmitted) {
    Scoreboard sb = ten_segments();
    sack(sb, kUna, {blk(1100, 2000)});
    sb.on_fast_retransmit(s(kUna), 100);
    EXPECT_EQ(sb.next_seg(false).rule, Rule::None);
}

TEST(Scoreboard, ClearForgetsSacksAfterATimeout) {
    // RFC 2018 §8: the receiver may renege; the sender forgets SACKed state on an RTO.
    Scoreboard sb = ten_segments();
    sack(sb, kUna, {blk(1100, 1400)});
    sb.on_fast_retransmit(s(kUna), 100);
    sb.clear();
    EXPECT_TRUE(sb.empty());
    EXPECT_EQ(sb.sacked_bytes(), 0u);
    EXPECT_EQ(sb.high_rxt(), s(kUna));
    EXPECT_FALSE(sb.has_rescue());
    EXPECT_EQ(sb.pipe(), 1000u);
    EXPECT_EQ(sb.high_data(), s(2000));
}

TEST(Scoreboard, ResetHighRxtGoesBackToHighAck) {
    Scoreboard sb = ten_segments();
    sb.on_retransmit(s(kUna), 300);
    sb.reset_high_rxt();
    EXPECT_EQ(sb.high_rxt(), s(kUna));
}

TEST(UnsackedFrom, SkipsSackedRanges) {
    Scoreboard sb = ten_segments();
    sack(sb, kUna, {blk(1100, 1300)});
    auto n = sb.unsacked_from(s(1050), kMss);
    EXPECT_EQ(n.seq, s(1050));
    EXPECT_EQ(n.len, 50u);
    n = sb.unsacked_from(s(1100), kMss);
    EXPECT_EQ(n.seq, s(1300));
    EXPECT_EQ(n.len, kMss);
    n = sb.unsacked_from(s(2000), kMss);
    EXPECT_EQ(n.len, 0u);
    EXPECT_EQ(sb.sacked_below(s(1200)), 100u);
    EXPECT_EQ(sb.sacked_below(s(2000)), 200u);
}

TEST(Scoreboard, WorksAcrossSequenceWrap) {
    const std::uint32_t una = 0xFFFFFF00u;
    Scoreboard sb(s(una), kMss);
    sb.on_sent(s(una) + 1000);  // wraps past 2^32
    sack(sb, una, {SackBlock{s(una) + 100, s(una) + 400}});
    EXPECT_TRUE(sb.is_lost(s(una)));
    EXPECT_EQ(sb.pipe(), 600u);
    const auto n = sb.next_seg(false);
    EXPECT_EQ(n.rule, Rule::Lost);
    EXPECT_EQ(n.seq, s(una));
    sack(sb, una + 0x200, {});  // 0x100 (wrapped) = una + 512
    EXPECT_EQ(sb.high_ack(), s(una) + 512);
    EXPECT_TRUE(sb.empty());
}

}  // namespace
}  // namespace ustack::tcp
