// FlowTable: tcpdump 4.99's relative sequence anchoring.
#include "capture/flows.h"

#include <gtest/gtest.h>

namespace ustack::capture {
namespace {

IpPacketSummary ip4(std::uint8_t src, std::uint8_t dst) {
    IpPacketSummary ip;
    ip.kind = NetKind::Ipv4;
    ip.v4.src = wire::Ipv4Address{10, 0, 0, src};
    ip.v4.dst = wire::Ipv4Address{10, 0, 0, dst};
    return ip;
}

TcpSummary seg(std::uint16_t sport, std::uint16_t dport, std::uint32_t seq, std::uint32_t ack,
               std::uint16_t flags) {
    TcpSummary t;
    t.src_port = sport;
    t.dst_port = dport;
    t.seq = seq;
    t.ack = ack;
    t.flags = flags;
    return t;
}

constexpr std::uint16_t kSyn = 0x02, kAck = 0x10;

TEST(FlowTable, SegmentsWithoutAckPrintAbsoluteAndCreateNothing) {
    FlowTable flows;
    auto a = ip4(1, 2);
    auto syn = seg(40000, 80, 1000, 0, kSyn);
    flows.apply(a, syn, false);
    EXPECT_EQ(syn.shown_seq, 1000u);
    EXPECT_EQ(flows.size(), 0u);
}

TEST(FlowTable, FirstAckBearingSegmentAnchorsAndStillPrintsAbsolute) {
    FlowTable flows;
    auto b = ip4(2, 1);
    auto synack = seg(80, 40000, 5000, 1001, kSyn | kAck);
    flows.apply(b, synack, false);
    EXPECT_EQ(synack.shown_seq, 5000u);
    EXPECT_EQ(synack.shown_ack, 1001u);
    auto a = ip4(1, 2);
    auto ack = seg(40000, 80, 1001, 5001, kAck);
    flows.apply(a, ack, false);
    EXPECT_EQ(ack.shown_seq, 1u);
    EXPECT_EQ(ack.shown_ack, 1u);
    auto data = seg(80, 40000, 5001, 1001, kAck);
    flows.apply(b, data, false);
    EXPECT_EQ(data.shown_seq, 1u);
    EXPECT_EQ(data.shown_ack, 1u);
    EXPECT_EQ(flows.size(), 1u);
}

TEST(FlowTable, SynReplacesTheAnchors) {
    FlowTable flows;
    auto a = ip4(1, 2);
    auto first = seg(40000, 80, 1000, 7000, kAck);
    flows.apply(a, first, false);
    auto resyn = seg(40000, 80, 9000, 3000, kSyn | kAck);
    flows.apply(a, resyn, false);
    EXPECT_EQ(resyn.shown_seq, 9000u);
    auto next = seg(40000, 80, 9001, 3001, kAck);
    flows.apply(a, next, false);
    EXPECT_EQ(next.shown_seq, 1u);
    EXPECT_EQ(next.shown_ack, 2u);  // anchored at ack - 1 of the SYN segment
}

TEST(FlowTable, AbsoluteOptionBypassesTheTable) {
    FlowTable flows;
    auto a = ip4(1, 2);
    auto s = seg(40000, 80, 1000, 7000, kAck);
    flows.apply(a, s, true);
    EXPECT_EQ(flows.size(), 0u);
    EXPECT_EQ(s.shown_ack, 7000u);
}

TEST(FlowTable, EqualPortsOrderByAddress) {
    FlowTable flows;
    auto hi = ip4(9, 1);
    auto s1 = seg(5000, 5000, 100, 200, kAck);
    flows.apply(hi, s1, false);  // reversed: 10.0.0.9 > 10.0.0.1
    auto lo = ip4(1, 9);
    auto s2 = seg(5000, 5000, 200, 101, kAck);
    flows.apply(lo, s2, false);
    EXPECT_EQ(s2.shown_seq, 1u);
    EXPECT_EQ(s2.shown_ack, 1u);
    EXPECT_EQ(flows.size(), 1u);
}

TEST(FlowTable, SackEdgesAreRelativeToThePeer) {
    FlowTable flows;
    auto a = ip4(1, 2);
    auto s = seg(40000, 80, 1000, 7000, kAck);
    flows.apply(a, s, false);
    auto t = seg(40000, 80, 1000, 7000, kAck);
    flows.apply(a, t, false);
    EXPECT_EQ(t.sack_base, 6999u);
}

}  // namespace
}  // namespace ustack::capture
