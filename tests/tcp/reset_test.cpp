// reset_reply: the no-connection reply of RFC 9293 §3.10.7.1 (CLOSED) and §3.10.7.2 (LISTEN).
#include "tcp/reset.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

namespace ustack::tcp {
namespace {

using wire::SeqNum;
using wire::TcpControl;
using wire::TcpRepr;

constexpr std::array<std::uint8_t, 5> kData{'h', 'e', 'l', 'l', 'o'};

TcpRepr segment(TcpControl control, std::uint32_t seq, std::optional<std::uint32_t> ack = {}) {
    TcpRepr r;
    r.src_port = 40000;
    r.dst_port = 3001;
    r.control = control;
    r.seq = SeqNum(seq);
    if (ack) r.ack = SeqNum(*ack);
    r.window = 64240;
    return r;
}

TEST(ResetClosed, SynWithoutAckGetsRstAckAcknowledgingTheSyn) {
    TcpRepr syn = segment(TcpControl::Syn, 1000);
    syn.options.mss = 1460;
    const auto rst = reset_reply(syn);
    ASSERT_TRUE(rst);
    EXPECT_EQ(rst->control, TcpControl::Rst);
    EXPECT_EQ(rst->seq, SeqNum(0));                    // <SEQ=0>
    EXPECT_EQ(rst->ack, std::optional(SeqNum(1001)));  // <ACK=SEG.SEQ+SEG.LEN>, SYN counts one
    EXPECT_EQ(rst->flags().bits(), wire::TcpFlags::kRst | wire::TcpFlags::kAck);
}

TEST(ResetClosed, ReplyGoesBackToTheSenderPortsSwapped) {
    const auto rst = reset_reply(segment(TcpControl::Syn, 1));
    ASSERT_TRUE(rst);
    EXPECT_EQ(rst->src_port, 3001);
    EXPECT_EQ(rst->dst_port, 40000);
}

TEST(ResetClosed, ReplyHasZeroWindowNoOptionsNoPayload) {
    TcpRepr seg = segment(TcpControl::Syn, 1);
    seg.options.mss = 1460;
    seg.options.sack_permitted = true;
    seg.payload = kData;
    const auto rst = reset_reply(seg);
    ASSERT_TRUE(rst);
    EXPECT_EQ(rst->window, 0);
    EXPECT_EQ(rst->options, wire::TcpOptions{});
    EXPECT_TRUE(rst->payload.empty());
    EXPECT_FALSE(rst->psh);
    EXPECT_FALSE(rst->urgent);
}

TEST(ResetClosed, DataWithoutAckIsAcknowledgedToItsEnd) {
    TcpRepr seg = segment(TcpControl::None, 5000);
    seg.payload = kData;
    const auto rst = reset_reply(seg);
    ASSERT_TRUE(rst);
    EXPECT_EQ(rst->seq, SeqNum(0));
    EXPECT_EQ(rst->ack, std::optional(SeqNum(5005)));
}

TEST(ResetClosed, FinWithDataWithoutAckCountsTheFinInSegLen) {
    TcpRepr seg = segment(TcpControl::Fin, 5000);
    seg.payload = kData;
    const auto rst = reset_reply(seg);
    ASSERT_TRUE(rst);
    EXPECT_EQ(rst->ack, std::optional(SeqNum(5006)));
}

TEST(ResetClosed, AckNumberWrapsModulo2To32) {
    const auto rst = reset_reply(segment(TcpControl::Syn, 0xffffffff));
    ASSERT_TRUE(rst);
    EXPECT_EQ(rst->ack, std::optional(SeqNum(0)));
}

TEST(ResetClosed, SegmentWithAckGetsRstAtSegAckWithoutAck) {
    TcpRepr seg = segment(TcpControl::None, 7000, 123456);
    seg.payload = kData;
    const auto rst = reset_reply(seg);
    ASSERT_TRUE(rst);
    EXPECT_EQ(rst->control, TcpControl::Rst);
    EXPECT_EQ(rst->seq, SeqNum(123456));  // <SEQ=SEG.ACK>
    EXPECT_FALSE(rst->ack);               // <CTL=RST> only
    EXPECT_EQ(rst->flags().bits(), wire::TcpFlags::kRst);
}

TEST(ResetClosed, SynAckGetsRstAtSegAck) {
    const auto rst = reset_reply(segment(TcpControl::Syn, 1, 99));
    ASSERT_TRUE(rst);
    EXPECT_EQ(rst->seq, SeqNum(99));
    EXPECT_FALSE(rst->ack);
}

TEST(ResetClosed, FinAckGetsRstAtSegAck) {
    const auto rst = reset_reply(segment(TcpControl::Fin, 1, 0xfffffffe));
    ASSERT_TRUE(rst);
    EXPECT_EQ(rst->seq, SeqNum(0xfffffffe));
    EXPECT_FALSE(rst->ack);
}

TEST(ResetClosed, RstIsNeverAnswered) {
    EXPECT_FALSE(reset_reply(segment(TcpControl::Rst, 1)));
}

TEST(ResetClosed, RstAckIsNeverAnswered) {
    EXPECT_FALSE(reset_reply(segment(TcpControl::Rst, 1, 2)));
}

TEST(ResetListen, RstIsIgnored) {
    EXPECT_FALSE(reset_reply(segment(TcpControl::Rst, 1), NoConnection::Listen));
    EXPECT_FALSE(reset_reply(segment(TcpControl::Rst, 1, 2), NoConnection::Listen));
}

TEST(ResetListen, AnyAckGetsRstAtSegAck) {
    const auto rst = reset_reply(segment(TcpControl::None, 10, 4242), NoConnection::Listen);
    ASSERT_TRUE(rst);
    EXPECT_EQ(rst->control, TcpControl::Rst);
    EXPECT_EQ(rst->seq, SeqNum(4242));
    EXPECT_FALSE(rst->ack);
    EXPECT_EQ(rst->src_port, 3001);
    EXPECT_EQ(rst->dst_port, 40000);
}

TEST(ResetListen, SynAckGetsRstAtSegAck) {
    const auto rst = reset_reply(segment(TcpControl::Syn, 10, 77), NoConnection::Listen);
    ASSERT_TRUE(rst);
    EXPECT_EQ(rst->seq, SeqNum(77));
}

TEST(ResetListen, DeclinedSynIsDroppedSilently) {
    EXPECT_FALSE(reset_reply(segment(TcpControl::Syn, 10), NoConnection::Listen));
}

TEST(ResetListen, DataWithoutAckIsDroppedSilently) {
    TcpRepr seg = segment(TcpControl::None, 10);
    seg.payload = kData;
    EXPECT_FALSE(reset_reply(seg, NoConnection::Listen));
    EXPECT_FALSE(reset_reply(segment(TcpControl::Fin, 10), NoConnection::Listen));
}

TEST(ResetClosed, ReplyEmitsAsAValidSegment) {
    const auto rst = reset_reply(segment(TcpControl::Syn, 1000));
    ASSERT_TRUE(rst);
    std::array<std::uint8_t, 20> buf{};
    auto view = wire::TcpView<MutBytes>::checked_fixed_header(buf);
    ASSERT_TRUE(view);
    const Checksum pseudo{};
    ASSERT_TRUE(rst->emit(*view, pseudo));
    auto parsed = wire::TcpView<Bytes>::checked(buf);
    ASSERT_TRUE(parsed);
    EXPECT_TRUE(wire::verify_checksum(*parsed, pseudo));
    EXPECT_EQ(parsed->flags().bits(), wire::TcpFlags::kRst | wire::TcpFlags::kAck);
    EXPECT_EQ(parsed->seq(), SeqNum(0));
    EXPECT_EQ(parsed->ack(), SeqNum(1001));
    EXPECT_EQ(parsed->header_len(), 20u);
}

}  // namespace
}  // namespace ustack::tcp
