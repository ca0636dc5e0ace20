// RFC 2018 SACK (Sack.*) and RFC 2883 D-SACK (Dsack.*) on the peer harness: the blocks we send
// while holding out-of-order data, and the peer's blocks kept for the sender's scoreboard.
#include "harness.h"

namespace ustack::tcp::test {
namespace {

constexpr std::uint32_t kIss = Harness::kIss;
constexpr std::uint32_t kPeer = Harness::kPeerIss;
constexpr std::uint32_t kA = kIss + 1;   // our first data byte
constexpr std::uint32_t kB = kPeer + 1;  // the peer's first data byte

// Established as client with SACK (and no timestamps, so 4 blocks fit).
void establish_sack(Harness& h) {
    h.establish_client_with(seg().win(65535).mss(1460).sack_ok());
    ASSERT_TRUE(h.conn().sack());
}

Seg data(std::uint32_t from, std::uint32_t to, char fill = 'd') {
    return seg().seq(from).ack(kA).payload(std::string(to - from, fill));
}

// ---- Sack

TEST(Sack, PermittedOfferedInSynAndAnsweredOnlyWhenOffered) {
    Harness client;
    client.connect();
    EXPECT_SENT(client, seg().syn().sack_ok());

    Harness plain;
    plain.accept(seg().syn().seq(kPeer).mss(1460));
    EXPECT_SENT(plain, seg().syn().sack_ok(false));

    Harness offered;
    offered.accept(seg().syn().seq(kPeer).mss(1460).sack_ok());
    EXPECT_SENT(offered, seg().syn().sack_ok());

    Config c = Harness::default_config();
    c.sack = false;
    Harness off(c);
    off.accept(seg().syn().seq(kPeer).mss(1460).sack_ok());
    EXPECT_SENT(off, seg().syn().sack_ok(false));
    EXPECT_FALSE(off.conn().sack());
}

TEST(Sack, OutOfOrderSegmentDrawsAckWithItsBlock) {
    Harness h;
    establish_sack(h);
    h.deliver(data(kB + 100, kB + 200));
    EXPECT_SENT(h, seg().ack(kB).sack({{kB + 100, kB + 200}}));
}

TEST(Sack, BlockWithTheLatestSegmentComesFirst) {
    Harness h;
    establish_sack(h);
    h.deliver(data(kB + 100, kB + 200));
    h.flush();
    h.deliver(data(kB + 300, kB + 400));
    EXPECT_SENT(h, seg().ack(kB).sack({{kB + 300, kB + 400}, {kB + 100, kB + 200}}));
    // A segment extending the older block makes it the first again (RFC 2018 §4).
    h.deliver(data(kB + 200, kB + 250));
    EXPECT_SENT(h, seg().ack(kB).sack({{kB + 100, kB + 250}, {kB + 300, kB + 400}}));
}

TEST(Sack, MoreThanThirtyTwoIslandsAreHeldAndSacked) {
    // The out-of-order table is sized by the receive buffer (64 KiB: 64 ranges), not a fixed
    // 32: the 33rd to 40th islands are held too, and each one's ACK names it in the first block,
    // so the sender's scoreboard sees what arrived (RFC 2018 §4) instead of a bare duplicate.
    Harness h;
    establish_sack(h);
    for (std::uint32_t i = 0; i < 40; ++i) {
        const std::uint32_t from = kB + 200 * i + 100;
        h.deliver(data(from, from + 100));
        const auto out = h.transmit();
        ASSERT_TRUE(out) << "island " << i;
        const auto blocks = out->options.sacks();
        ASSERT_FALSE(blocks.empty()) << "island " << i;
        EXPECT_EQ(blocks[0].left.raw(), from) << "island " << i;
        EXPECT_EQ(blocks[0].right.raw(), from + 100) << "island " << i;
        h.flush();
    }
    // Filling every hole delivers all of it.
    for (std::uint32_t i = 0; i < 40; ++i)
        h.deliver(data(kB + 200 * i, kB + 200 * i + 100));
    EXPECT_EQ(h.conn().rcv_nxt().raw(), kB + 200 * 40);
}

TEST(Sack, AtMostFourBlocksWithoutTimestamps) {
    Harness h;
    establish_sack(h);
    for (std::uint32_t i = 1; i <= 5; ++i) {
        h.deliver(data(kB + 100 * i, kB + 100 * i + 10));
        h.flush();
    }
    h.deliver(data(kB + 1000, kB + 1010));
    EXPECT_SENT(h, seg().ack(kB).sack({{kB + 1000, kB + 1010},
                                       {kB + 500, kB + 510},
                                       {kB + 400, kB + 410},
                                       {kB + 300, kB + 310}}));
}

TEST(Sack, AtMostThreeBlocksWithTimestamps) {
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460).sack_ok().ts(100, 0));
    for (std::uint32_t i = 1; i <= 4; ++i) {
        h.deliver(data(kB + 100 * i, kB + 100 * i + 10));
        h.flush();
    }
    h.deliver(data(kB + 1000, kB + 1010));
    EXPECT_SENT(h, seg().ack(kB).ts_ecr(100).sack(
                       {{kB + 1000, kB + 1010}, {kB + 400, kB + 410}, {kB + 300, kB + 310}}));
}

TEST(Sack, NoBlocksUnlessNegotiated) {
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460));  // no SACK-permitted
    h.deliver(data(kB + 100, kB + 200));
    EXPECT_SENT(h, seg().ack(kB).sack({}));
}

TEST(Sack, BlocksGoWhenTheHoleIsFilled) {
    Harness h;
    establish_sack(h);
    h.deliver(data(kB + 100, kB + 200));
    h.flush();
    h.deliver(data(kB, kB + 100));
    EXPECT_SENT(h, seg().ack(kB + 200).sack({}));
}

TEST(Sack, DataSegmentsCarryTheBlocksAndLeaveRoomForThem) {
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460).sack_ok().ts(100, 0));
    h.deliver(data(kB + 100, kB + 200));
    h.flush();
    // 1460 - 12 (timestamps) - 12 (NOP, NOP, one SACK block) = 1436 (RFC 6691 §2).
    EXPECT_EQ(h.conn().payload_mss(), 1436);
    h.send(std::string(2000, 'x'));
    EXPECT_SENT(h,
                seg().seq(kA).ack(kB).payload(std::string(1436, 'x')).sack({{kB + 100, kB + 200}}));
}

TEST(Sack, PeerBlocksAreKeptForTheScoreboard) {
    Harness h;
    establish_sack(h);
    h.send(std::string(4380, 's'));
    ASSERT_EQ(h.flush(), 3u);
    const std::uint64_t before = h.conn().peer_sack().serial;
    h.deliver(seg().seq(kB).ack(kA).sack({{kA + 1460, kA + 2920}}));
    const ReceivedSack& s = h.conn().peer_sack();
    EXPECT_EQ(s.serial, before + 1);
    EXPECT_EQ(s.ack.raw(), kA);
    EXPECT_FALSE(s.dsack);
    ASSERT_EQ(s.count, 1u);
    EXPECT_EQ(s.sacks()[0], (wire::SackBlock{wire::SeqNum(kA + 1460), wire::SeqNum(kA + 2920)}));
    // The next ACK without blocks clears them.
    h.deliver(seg().seq(kB).ack(kA + 4380));
    EXPECT_EQ(h.conn().peer_sack().count, 0u);
    EXPECT_EQ(h.conn().peer_sack().serial, before + 2);
}

TEST(Sack, InvalidPeerBlocksAreDroppedAndStraddlingOnesClipped) {
    Harness h;
    establish_sack(h);
    h.send(std::string(4380, 's'));
    h.flush();
    h.deliver(seg().seq(kB).ack(kA + 1000).sack({
        {kA + 1500, kA + 1400},  // left >= right
        {kA + 4000, kA + 5000},  // beyond SND.NXT
        {kA + 900, kA + 1200},   // straddles SEG.ACK: clipped
        {kA + 2000, kA + 3000},  // fine
    }));
    const ReceivedSack& s = h.conn().peer_sack();
    EXPECT_FALSE(s.dsack);
    ASSERT_EQ(s.count, 2u);
    EXPECT_EQ(s.blocks[0].left.raw(), kA + 1000);
    EXPECT_EQ(s.blocks[0].right.raw(), kA + 1200);
    EXPECT_EQ(s.blocks[1].left.raw(), kA + 2000);
}

TEST(Sack, PeerBlocksIgnoredWithoutNegotiation) {
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460));
    h.send(std::string(2920, 's'));
    h.flush();
    h.deliver(seg().seq(kB).ack(kA).sack({{kA + 1460, kA + 2920}}));
    EXPECT_EQ(h.conn().peer_sack().count, 0u);
}

// ---- Dsack (RFC 2883)

TEST(Dsack, DuplicateBelowRcvNxtIsReportedInTheFirstBlock) {
    Harness h;
    establish_sack(h);
    h.deliver(data(kB, kB + 3));
    h.flush();
    h.deliver(data(kB, kB + 3));
    EXPECT_SENT(h, seg().ack(kB + 3).sack({{kB, kB + 3}}));
    EXPECT_EQ(h.read(), std::string(3, 'd'));
}

TEST(Dsack, PartlyOldSegmentReportsOnlyTheOldPart) {
    Harness h;
    establish_sack(h);
    h.deliver(data(kB, kB + 3));
    h.flush();
    h.deliver(data(kB, kB + 6));
    EXPECT_SENT(h, seg().ack(kB + 6).sack({{kB, kB + 3}}));
}

TEST(Dsack, DuplicateOfHeldDataIsFollowedByItsBlock) {
    Harness h;
    establish_sack(h);
    h.deliver(data(kB + 100, kB + 200));
    h.deliver(data(kB + 300, kB + 400));
    h.flush();
    h.deliver(data(kB + 150, kB + 200));
    // RFC 2883 §4: the duplicate first, then the (larger) block holding it.
    EXPECT_SENT(
        h, seg().ack(kB).sack({{kB + 150, kB + 200}, {kB + 100, kB + 200}, {kB + 300, kB + 400}}));
}

TEST(Dsack, ReportedInOneAckOnly) {
    Harness h;
    establish_sack(h);
    h.deliver(data(kB, kB + 3));
    h.flush();
    h.deliver(data(kB, kB + 3));
    EXPECT_SENT(h, seg().ack(kB + 3).sack({{kB, kB + 3}}));
    h.deliver(data(kB + 10, kB + 20));
    EXPECT_SENT(h, seg().ack(kB + 3).sack({{kB + 10, kB + 20}}));
}

TEST(Dsack, NotSentWithoutSack) {
    Harness h;
    h.establish_client_with(seg().win(65535).mss(1460));
    h.deliver(data(kB, kB + 3));
    h.flush();
    h.deliver(data(kB, kB + 3));
    EXPECT_SENT(h, seg().ack(kB + 3).sack({}));
}

TEST(Dsack, PeerBlockBelowTheAckIsFlagged) {
    Harness h;
    establish_sack(h);
    h.send(std::string(2920, 's'));
    h.flush();
    h.deliver(seg().seq(kB).ack(kA + 2920).sack({{kA, kA + 1460}}));
    const ReceivedSack& s = h.conn().peer_sack();
    EXPECT_TRUE(s.dsack);
    ASSERT_EQ(s.count, 1u);
    EXPECT_EQ(s.blocks[0].left.raw(), kA);
    EXPECT_EQ(s.blocks[0].right.raw(), kA + 1460);
}

TEST(Dsack, PeerBlockInsideTheSecondIsFlagged) {
    Harness h;
    establish_sack(h);
    h.send(std::string(4380, 's'));
    h.flush();
    h.deliver(seg().seq(kB).ack(kA).sack({{kA + 1460, kA + 2000}, {kA + 1460, kA + 2920}}));
    const ReceivedSack& s = h.conn().peer_sack();
    EXPECT_TRUE(s.dsack);
    EXPECT_EQ(s.count, 2u);
}

TEST(Dsack, OrdinaryFirstBlockIsNotFlagged) {
    Harness h;
    establish_sack(h);
    h.send(std::string(4380, 's'));
    h.flush();
    h.deliver(seg().seq(kB).ack(kA).sack({{kA + 2920, kA + 4380}, {kA + 1460, kA + 2000}}));
    EXPECT_FALSE(h.conn().peer_sack().dsack);
    EXPECT_EQ(h.conn().peer_sack().count, 2u);
}

}  // namespace
}  // namespace ustack::tcp::test
