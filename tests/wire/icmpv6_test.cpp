#include "wire/icmpv6.h"

#include <array>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "wire/ipv6.h"
#include "wire/udp.h"

namespace ustack::wire {
namespace {

// Real packets (IPv6 header included) from tests/golden/captures/icmp_arp_udp.pcap.
// fe80::ff:fe00:2fe > ff02::1:ff00:1: neighbor solicitation, who has fd00:2::1, SLLAO.
const std::uint8_t kNeighborSolicitation[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x02, 0xfe, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0x00, 0x00, 0x01, 0x87, 0x00, 0x77, 0x1d, 0x00,
    0x00, 0x00, 0x00, 0xfd, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x02, 0xfe,
};
// fd00:2::1 > fe80::ff:fe00:2fe: neighbor advertisement, tgt is fd00:2::1, flags S|O, TLLAO.
const std::uint8_t kNeighborAdvertisement[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0xfd, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x02, 0xfe, 0x88, 0x00, 0x17, 0x1c, 0x60,
    0x00, 0x00, 0x00, 0xfd, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x02, 0x01,
};
// fd00:1::1 > fd00:2::1: echo request, id 10211 (0x27e3), seq 1, 56 data bytes.
const std::uint8_t kEchoRequest[] = {
    0x60, 0x00, 0x4b, 0x05, 0x00, 0x40, 0x3a, 0x3f, 0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xfd, 0x00, 0x00, 0x02, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x80, 0x00, 0x25, 0xae, 0x27,
    0xe3, 0x00, 0x01, 0xb1, 0x6c, 0x02, 0x6b, 0x00, 0x00, 0x00, 0x00, 0xbe, 0x41, 0x07, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a,
    0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29,
    0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};
// fd00:2::1 > fd00:1::1: destination unreachable, unreachable port, quoting a UDP datagram.
const std::uint8_t kPortUnreachable[] = {
    0x60, 0x08, 0x9b, 0x67, 0x00, 0x44, 0x3a, 0x40, 0xfd, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x04, 0x68, 0xdc, 0x00, 0x00, 0x00, 0x00,
    0x60, 0x0f, 0x2a, 0x5d, 0x00, 0x14, 0x11, 0x3f, 0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xfd, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xd3, 0x07, 0x9c, 0x56, 0x00, 0x14, 0x6b, 0xfd,
    0x6e, 0x6f, 0x62, 0x6f, 0x64, 0x79, 0x20, 0x68, 0x6f, 0x6d, 0x65, 0x36,
};

struct Packet {
    Ipv6View<Bytes> ip;
    Icmpv6View<Bytes> icmp;
    Checksum pseudo;
};

Packet split(Bytes packet) {
    auto ip = *Ipv6View<Bytes>::checked(packet);
    auto icmp = *Icmpv6View<Bytes>::checked(ip.payload());
    const auto pseudo = pseudo_header_v6(ip.source().bytes(), ip.destination().bytes(), 58,
                                         static_cast<std::uint32_t>(ip.payload().size()));
    return {ip, icmp, pseudo};
}

Checksum pseudo_for(const char* src, const char* dst, std::size_t len) {
    return pseudo_header_v6(Ipv6Address::parse(src)->bytes(), Ipv6Address::parse(dst)->bytes(), 58,
                            static_cast<std::uint32_t>(len));
}

std::vector<std::uint8_t> emit(const Icmpv6Repr& r, const Checksum& pseudo) {
    std::vector<std::uint8_t> buf(r.buffer_len());
    auto w = Icmpv6View<MutBytes>::unchecked(buf);
    r.emit(w, pseudo);
    return buf;
}

TEST(Icmpv6, ParsesEchoRequestWithPseudoHeaderChecksum) {
    auto p = split(kEchoRequest);
    EXPECT_EQ(p.icmp.type(), Icmpv6Type::EchoRequest);
    EXPECT_EQ(p.icmp.identifier(), 0x27e3);
    EXPECT_EQ(p.icmp.sequence_number(), 1);
    EXPECT_TRUE(p.icmp.verify_checksum(p.pseudo));
    auto r = Icmpv6Repr::parse(p.icmp, p.pseudo);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->identifier, 0x27e3);
    EXPECT_EQ(r->data.size(), 56u);
    // Emitting it again gives the same bytes.
    EXPECT_EQ(emit(*r, p.pseudo),
              std::vector<std::uint8_t>(kEchoRequest + 40, std::end(kEchoRequest)));
}

TEST(Icmpv6, RejectsChecksumWithWrongPseudoHeader) {
    auto p = split(kEchoRequest);
    const auto wrong = pseudo_for("fd00:1::2", "fd00:2::1", 64);
    EXPECT_FALSE(p.icmp.verify_checksum(wrong));
    EXPECT_FALSE(Icmpv6Repr::parse(p.icmp, wrong));
    EXPECT_TRUE(Icmpv6Repr::parse(p.icmp, wrong, Icmpv6Repr::ChecksumCheck::Skip));
}

TEST(Icmpv6, ParsesNeighborSolicitationWithSourceLinkLayerAddress) {
    auto p = split(kNeighborSolicitation);
    EXPECT_EQ(p.icmp.type(), Icmpv6Type::NeighborSolicitation);
    EXPECT_EQ(p.icmp.target_address()->to_string(), "fd00:2::1");
    NdpOptionWalker w{p.icmp.ndp_options()};
    auto opt = w.next();
    ASSERT_TRUE(opt);
    EXPECT_EQ(opt->type, NdpOptionType::SourceLinkLayerAddress);
    EXPECT_EQ(opt->link_layer_address()->to_string(), "02:00:00:00:02:fe");
    EXPECT_FALSE(w.next());
    EXPECT_FALSE(w.malformed());
    auto r = Icmpv6Repr::parse(p.icmp, p.pseudo);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->target.to_string(), "fd00:2::1");
    EXPECT_EQ(r->link_layer_address, MacAddress::parse("02:00:00:00:02:fe"));
    EXPECT_EQ(emit(*r, p.pseudo), std::vector<std::uint8_t>(kNeighborSolicitation + 40,
                                                            std::end(kNeighborSolicitation)));
}

TEST(Icmpv6, ParsesNeighborAdvertisementFlagsAndTarget) {
    auto p = split(kNeighborAdvertisement);
    EXPECT_FALSE(p.icmp.na_router());
    EXPECT_TRUE(p.icmp.na_solicited());
    EXPECT_TRUE(p.icmp.na_override());
    auto r = Icmpv6Repr::parse(p.icmp, p.pseudo);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->solicited_flag);
    EXPECT_TRUE(r->override_flag);
    EXPECT_FALSE(r->router_flag);
    EXPECT_EQ(r->link_layer_address, MacAddress::parse("02:00:00:00:02:01"));
    EXPECT_EQ(emit(*r, p.pseudo), std::vector<std::uint8_t>(kNeighborAdvertisement + 40,
                                                            std::end(kNeighborAdvertisement)));
}

TEST(Icmpv6, RejectsNdpOptionWithLengthZero) {
    std::vector<std::uint8_t> b(kNeighborSolicitation, std::end(kNeighborSolicitation));
    b[40 + 25] = 0;  // option length 0 (RFC 4861 §4.6)
    auto p = split(b);
    NdpOptionWalker w{p.icmp.ndp_options()};
    EXPECT_FALSE(w.next());
    EXPECT_TRUE(w.malformed());
    EXPECT_FALSE(Icmpv6Repr::parse(p.icmp, p.pseudo, Icmpv6Repr::ChecksumCheck::Skip));
}

TEST(Icmpv6, RejectsNdpOptionPastTheEnd) {
    std::vector<std::uint8_t> b(kNeighborSolicitation, std::end(kNeighborSolicitation));
    b[40 + 25] = 2;  // 16 bytes claimed, 8 present
    auto p = split(b);
    EXPECT_FALSE(Icmpv6Repr::parse(p.icmp, p.pseudo, Icmpv6Repr::ChecksumCheck::Skip));
}

TEST(Icmpv6, ShortNdpMessageHasNoTargetAndFailsParse) {
    // A neighbor solicitation cut to 20 bytes: the 16-byte target is not all there.
    const Bytes cut{kNeighborSolicitation + 40, 20};
    auto v = Icmpv6View<Bytes>::checked(cut);
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->target_address().has_value());
    EXPECT_FALSE(v->has_ndp_fixed_part());
    EXPECT_TRUE(v->ndp_options().empty());
    EXPECT_FALSE(Icmpv6Repr::parse(*v, Checksum{}, Icmpv6Repr::ChecksumCheck::Skip));
}

TEST(Icmpv6, RejectsMulticastNeighborTargetAndNonZeroNdpCode) {
    std::vector<std::uint8_t> b(kNeighborSolicitation, std::end(kNeighborSolicitation));
    b[48] = 0xff;  // target ff00:2::1
    EXPECT_FALSE(Icmpv6Repr::parse(split(b).icmp, Checksum{}, Icmpv6Repr::ChecksumCheck::Skip));
    std::vector<std::uint8_t> c(kNeighborSolicitation, std::end(kNeighborSolicitation));
    c[41] = 1;  // code 1
    EXPECT_FALSE(Icmpv6Repr::parse(split(c).icmp, Checksum{}, Icmpv6Repr::ChecksumCheck::Skip));
}

TEST(Icmpv6, ParsesPortUnreachableAndItsQuotedPacket) {
    auto p = split(kPortUnreachable);
    EXPECT_EQ(p.icmp.type(), Icmpv6Type::DestUnreachable);
    EXPECT_STREQ(icmpv6_unreachable_name(p.icmp.code()), "port unreachable");
    auto r = Icmpv6Repr::parse(p.icmp, p.pseudo);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->code, static_cast<std::uint8_t>(Icmpv6Unreachable::PortUnreachable));
    auto inner = Ipv6View<Bytes>::checked(p.icmp.quoted());
    ASSERT_TRUE(inner);
    EXPECT_EQ(inner->next_header(), IpProtocol::Udp);
    auto udp = UdpView<Bytes>::checked(inner->payload());
    ASSERT_TRUE(udp);
    EXPECT_EQ(udp->dst_port(), 40022);
    EXPECT_EQ(emit(*r, p.pseudo),
              std::vector<std::uint8_t>(kPortUnreachable + 40, std::end(kPortUnreachable)));
}

TEST(Icmpv6, RoundTripsPacketTooBigAndParameterProblem) {
    const auto pseudo_len = [](const Icmpv6Repr& r) {
        return pseudo_for("2001:db8::1", "2001:db8::2", r.buffer_len());
    };
    Icmpv6Repr ptb;
    ptb.type = Icmpv6Type::PacketTooBig;
    ptb.mtu = 1280;
    ptb.data = Bytes{kEchoRequest, 48};
    Icmpv6Repr pp;
    pp.type = Icmpv6Type::ParameterProblem;
    pp.code = static_cast<std::uint8_t>(Icmpv6ParamProblem::UnrecognizedNextHeader);
    pp.pointer = 6;
    pp.data = Bytes{kEchoRequest, 48};
    Icmpv6Repr te;
    te.type = Icmpv6Type::TimeExceeded;
    te.data = Bytes{kEchoRequest, 40};
    for (const auto& r : {ptb, pp, te}) {
        const auto buf = emit(r, pseudo_len(r));
        auto v = Icmpv6View<Bytes>::checked(buf);
        ASSERT_TRUE(v);
        EXPECT_EQ(Icmpv6Repr::parse(*v, pseudo_len(r)), r);
    }
    const auto buf = emit(ptb, pseudo_len(ptb));
    EXPECT_EQ(Icmpv6View<Bytes>::checked(buf)->mtu(), 1280u);
}

TEST(Icmpv6, RoundTripsRouterAdvertisementAndSolicitation) {
    Icmpv6Repr ra;
    ra.type = Icmpv6Type::RouterAdvertisement;
    ra.cur_hop_limit = 64;
    ra.managed_flag = true;
    ra.router_lifetime = 1800;
    ra.reachable_time = 30000;
    ra.retrans_timer = 1000;
    ra.link_layer_address = MacAddress::parse("02:00:00:00:00:01");
    ra.mtu_option = 1500;
    const auto pseudo = pseudo_for("fe80::1", "ff02::1", ra.buffer_len());
    const auto buf = emit(ra, pseudo);
    ASSERT_EQ(buf.size(), 32u);
    auto v = Icmpv6View<Bytes>::checked(buf);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->ra_managed());
    EXPECT_FALSE(v->ra_other());
    EXPECT_EQ(v->ra_router_lifetime(), 1800);
    EXPECT_EQ(v->ra_reachable_time(), 30000u);
    EXPECT_EQ(Icmpv6Repr::parse(*v, pseudo), ra);

    Icmpv6Repr rs;
    rs.type = Icmpv6Type::RouterSolicitation;
    const auto rs_pseudo = pseudo_for("fe80::1", "ff02::2", rs.buffer_len());
    const auto rs_buf = emit(rs, rs_pseudo);
    EXPECT_EQ(rs_buf.size(), 8u);
    EXPECT_EQ(Icmpv6Repr::parse(*Icmpv6View<Bytes>::checked(rs_buf), rs_pseudo), rs);
}

TEST(Icmpv6, RejectsShorterThanHeaderAndUndefinedCodes) {
    for (std::size_t n = 0; n < 8; ++n)
        EXPECT_FALSE(Icmpv6View<Bytes>::checked(Bytes{kEchoRequest + 40, n}));
    std::vector<std::uint8_t> b(kEchoRequest + 40, std::end(kEchoRequest));
    b[1] = 1;  // echo code 1
    EXPECT_FALSE(Icmpv6Repr::parse(*Icmpv6View<Bytes>::checked(b), Checksum{},
                                   Icmpv6Repr::ChecksumCheck::Skip));
    b[0] = 3;  // time exceeded code 1 is fine, 2 is not
    b[1] = 2;
    EXPECT_FALSE(Icmpv6Repr::parse(*Icmpv6View<Bytes>::checked(b), Checksum{},
                                   Icmpv6Repr::ChecksumCheck::Skip));
    b[0] = 137;  // redirect: not in the Repr
    b[1] = 0;
    EXPECT_FALSE(Icmpv6Repr::parse(*Icmpv6View<Bytes>::checked(b), Checksum{},
                                   Icmpv6Repr::ChecksumCheck::Skip));
}

TEST(Icmpv6, NamesTypesAndClassifiesErrors) {
    EXPECT_STREQ(icmpv6_type_name(Icmpv6Type::NeighborSolicitation), "neighbor solicitation");
    EXPECT_EQ(icmpv6_type_name(Icmpv6Type{200}), nullptr);
    EXPECT_TRUE(is_icmpv6_error(Icmpv6Type::PacketTooBig));
    EXPECT_FALSE(is_icmpv6_error(Icmpv6Type::EchoReply));
    EXPECT_EQ(ndp_fixed_len(Icmpv6Type::Redirect), 40u);
}

}  // namespace
}  // namespace ustack::wire
