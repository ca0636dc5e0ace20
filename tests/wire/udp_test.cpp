#include "wire/udp.h"

#include <array>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "wire/ipv4.h"
#include "wire/ipv6.h"

namespace ustack::wire {
namespace {

// Real UDP datagrams with their IP headers, from icmp_arp_udp.pcap:
// 10.0.1.1.38894 > 10.0.2.1.40020: UDP, length 9 ("hello udp").
const std::uint8_t kUdp4[] = {
    0x45, 0x00, 0x00, 0x25, 0x00, 0x08, 0x40, 0x00, 0x3f, 0x11, 0x24, 0xbf, 0x0a,
    0x00, 0x01, 0x01, 0x0a, 0x00, 0x02, 0x01, 0x97, 0xee, 0x9c, 0x54, 0x00, 0x11,
    0x8b, 0x30, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x75, 0x64, 0x70,
};
// fd00:1::1.39150 > fd00:2::1.40021: UDP, length 10 ("hello udp6").
const std::uint8_t kUdp6[] = {
    0x60, 0x03, 0xb5, 0xa4, 0x00, 0x12, 0x11, 0x3f, 0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xfd, 0x00, 0x00, 0x02, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x98, 0xee, 0x9c, 0x55, 0x00,
    0x12, 0xa6, 0xf2, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x75, 0x64, 0x70, 0x36,
};

Checksum pseudo4(std::size_t len) {
    return pseudo_header_v4(Ipv4Address(10, 0, 1, 1).bytes(), Ipv4Address(10, 0, 2, 1).bytes(), 17,
                            static_cast<std::uint32_t>(len));
}
Checksum pseudo6(std::size_t len) {
    return pseudo_header_v6(Ipv6Address::parse("fd00:1::1")->bytes(),
                            Ipv6Address::parse("fd00:2::1")->bytes(), 17,
                            static_cast<std::uint32_t>(len));
}
const Bytes kUdp4Body{kUdp4 + 20, 17};
const Bytes kUdp6Body{kUdp6 + 40, 18};

std::vector<std::uint8_t> copy_of(Bytes b) {
    return {b.begin(), b.end()};
}

TEST(Udp, ParsesRealIpv4Datagram) {
    auto v = UdpView<Bytes>::checked(kUdp4Body);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->src_port(), 38894);
    EXPECT_EQ(v->dst_port(), 40020);
    EXPECT_EQ(v->length(), 17);
    EXPECT_EQ(v->checksum(), 0x8b30);
    EXPECT_TRUE(v->is_complete());
    EXPECT_TRUE(v->verify_checksum(pseudo4(17)));
    auto r = UdpRepr::parse(*v, pseudo4(17));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->src_port, 38894);
    EXPECT_EQ(std::string(r->payload.begin(), r->payload.end()), "hello udp");
}

TEST(Udp, PseudoHeaderFromIpReprVerifies) {
    auto ip = Ipv4Repr::parse(*Ipv4View<Bytes>::checked(kUdp4));
    ASSERT_TRUE(ip);
    EXPECT_TRUE(UdpRepr::parse(*UdpView<Bytes>::checked(kUdp4Body), ip->pseudo_header()));
    auto ip6 = Ipv6Repr::parse(*Ipv6View<Bytes>::checked(kUdp6));
    ASSERT_TRUE(ip6);
    EXPECT_TRUE(UdpRepr::parse(*UdpView<Bytes>::checked(kUdp6Body),
                               ip6->pseudo_header(IpProtocol::Udp, 18),
                               UdpZeroChecksum::Forbidden));
}

TEST(Udp, EmitsRealDatagramsByteForByte) {
    const char text4[] = "hello udp";
    UdpRepr r4{38894, 40020, Bytes{reinterpret_cast<const std::uint8_t*>(text4), 9}};
    std::vector<std::uint8_t> buf(r4.buffer_len());
    auto w = UdpView<MutBytes>::unchecked(buf);
    r4.emit(w, pseudo4(r4.buffer_len()));
    EXPECT_EQ(buf, copy_of(kUdp4Body));

    UdpRepr r6{39150, 40021, Bytes{kUdp6 + 48, 10}};
    std::vector<std::uint8_t> buf6(r6.buffer_len());
    auto w6 = UdpView<MutBytes>::unchecked(buf6);
    r6.emit(w6, pseudo6(r6.buffer_len()));
    EXPECT_EQ(buf6, copy_of(kUdp6Body));
    EXPECT_EQ(UdpRepr::parse(*UdpView<Bytes>::checked(buf6), pseudo6(18)), r6);
}

TEST(Udp, RejectsLengthBelowEight) {
    for (std::uint8_t len : {0, 7}) {
        auto b = copy_of(kUdp4Body);
        b[5] = len;
        auto v = UdpView<Bytes>::checked(b);
        ASSERT_TRUE(v);
        EXPECT_FALSE(v->is_complete());
        EXPECT_TRUE(v->payload().empty());
        EXPECT_FALSE(UdpRepr::parse(*v, pseudo4(len), UdpZeroChecksum::Allowed,
                                    UdpRepr::ChecksumCheck::Skip));
    }
}

TEST(Udp, LengthPastBytesClipsPayloadAndFailsParse) {
    const Bytes cut{kUdp4Body.data(), 12};
    auto v = UdpView<Bytes>::checked(cut);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->length(), 17);
    EXPECT_FALSE(v->is_complete());
    EXPECT_EQ(v->payload().size(), 4u);
    EXPECT_FALSE(UdpRepr::parse(*v, pseudo4(17)));
}

TEST(Udp, RejectsFewerThanEightBytes) {
    for (std::size_t n = 0; n < 8; ++n)
        EXPECT_FALSE(UdpView<Bytes>::checked(Bytes{kUdp4Body.data(), n}));
}

TEST(Udp, LengthShorterThanBytesUsesLength) {
    auto b = copy_of(kUdp4Body);
    b.push_back(0xee);  // one extra byte the UDP length does not cover
    auto r = UdpRepr::parse(*UdpView<Bytes>::checked(b), pseudo4(17));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->payload.size(), 9u);
}

TEST(Udp, RejectsBadChecksum) {
    auto b = copy_of(kUdp4Body);
    b[10] ^= 0x01;
    EXPECT_FALSE(UdpRepr::parse(*UdpView<Bytes>::checked(b), pseudo4(17)));
    EXPECT_TRUE(UdpRepr::parse(*UdpView<Bytes>::checked(b), pseudo4(17), UdpZeroChecksum::Allowed,
                               UdpRepr::ChecksumCheck::Skip));
}

TEST(Udp, ZeroChecksumAllowedForIpv4ForbiddenForIpv6) {
    auto b = copy_of(kUdp4Body);
    b[6] = b[7] = 0;  // RFC 768: no checksum
    EXPECT_TRUE(UdpRepr::parse(*UdpView<Bytes>::checked(b), pseudo4(17), UdpZeroChecksum::Allowed));
    EXPECT_FALSE(
        UdpRepr::parse(*UdpView<Bytes>::checked(b), pseudo4(17), UdpZeroChecksum::Forbidden));
}

TEST(Udp, ComputedZeroChecksumIsSentAsAllOnes) {
    // Find a payload whose checksum computes to 0 and check it is transmitted as 0xffff.
    for (unsigned x = 0; x < 0x10000; ++x) {
        const std::array<std::uint8_t, 2> payload{static_cast<std::uint8_t>(x >> 8),
                                                  static_cast<std::uint8_t>(x)};
        UdpRepr r{1, 2, payload};
        std::array<std::uint8_t, 10> buf{};
        auto w = UdpView<MutBytes>::unchecked(buf);
        r.emit(w, pseudo4(10));
        ASSERT_NE(w.checksum(), 0);
        if (w.checksum() == 0xffff) {
            EXPECT_TRUE(UdpRepr::parse(w.as_const(), pseudo4(10)));
            return;
        }
    }
    FAIL() << "no payload summed to zero";
}

}  // namespace
}  // namespace ustack::wire
