#include "wire/ip_address.h"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace ustack::wire {
namespace {

std::string libc_ntop6(const Ipv6Address& a) {
    char buf[INET6_ADDRSTRLEN];
    return inet_ntop(AF_INET6, a.octets.data(), buf, sizeof buf);
}

TEST(Ipv4Address, FormatsDottedQuad) {
    EXPECT_EQ(Ipv4Address(10, 0, 2, 1).to_string(), "10.0.2.1");
    EXPECT_EQ(Ipv4Address(255, 255, 255, 255).to_string(), "255.255.255.255");
    EXPECT_EQ(Ipv4Address().to_string(), "0.0.0.0");
}

TEST(Ipv4Address, ConvertsToAndFromHostOrderInteger) {
    EXPECT_EQ(Ipv4Address::from_u32(0xc0a80001), Ipv4Address(192, 168, 0, 1));
    EXPECT_EQ(Ipv4Address(192, 168, 0, 1).to_u32(), 0xc0a80001u);
}

TEST(Ipv4Address, ParsesLikeInetPton) {
    EXPECT_EQ(Ipv4Address::parse("192.168.0.1"), Ipv4Address(192, 168, 0, 1));
    EXPECT_EQ(Ipv4Address::parse("0.0.0.0"), Ipv4Address());
    for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", "1.2.3.4 ",
                            " 1.2.3.4", "1.2.3.-4", "a.b.c.d", "1.2.3.1000"}) {
        in_addr libc{};
        EXPECT_EQ(inet_pton(AF_INET, bad, &libc), 0) << bad;
        EXPECT_FALSE(Ipv4Address::parse(bad).has_value()) << bad;
    }
}

TEST(Ipv4Address, ClassifiesSpecialRanges) {
    EXPECT_TRUE(Ipv4Address(127, 0, 0, 1).is_loopback());
    EXPECT_TRUE(Ipv4Address(224, 0, 0, 251).is_multicast());
    EXPECT_FALSE(Ipv4Address(10, 0, 0, 1).is_multicast());
    EXPECT_TRUE(Ipv4Address(255, 255, 255, 255).is_broadcast());
    EXPECT_TRUE(Ipv4Address().is_unspecified());
    EXPECT_TRUE(Ipv4Address(169, 254, 1, 1).is_link_local());
}

TEST(Ipv6Address, CompressesLongestZeroRunPerRfc5952) {
    EXPECT_EQ(Ipv6Address::from_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1}).to_string(),
              "2001:db8::1");
    // RFC 5952 §4.2.2: a single zero group is not compressed.
    EXPECT_EQ(Ipv6Address::from_groups({0x2001, 0xdb8, 0, 1, 1, 1, 1, 1}).to_string(),
              "2001:db8:0:1:1:1:1:1");
    // RFC 5952 §4.2.3: the longest run, the first on a tie.
    EXPECT_EQ(Ipv6Address::from_groups({0x2001, 0, 0, 1, 0, 0, 0, 1}).to_string(), "2001:0:0:1::1");
    EXPECT_EQ(Ipv6Address::from_groups({0x2001, 0xdb8, 0, 0, 1, 0, 0, 1}).to_string(),
              "2001:db8::1:0:0:1");
    EXPECT_EQ(Ipv6Address().to_string(), "::");
    EXPECT_EQ(Ipv6Address::from_groups({0, 0, 0, 0, 0, 0, 0, 1}).to_string(), "::1");
    EXPECT_EQ(Ipv6Address::from_groups({0xfe80, 0, 0, 0, 0, 0, 0, 0}).to_string(), "fe80::");
    // RFC 5952 §4.3: lower case, §4.1: no leading zeros.
    EXPECT_EQ(Ipv6Address::from_groups({0xABCD, 0x00ef, 1, 2, 3, 4, 5, 6}).to_string(),
              "abcd:ef:1:2:3:4:5:6");
}

TEST(Ipv6Address, FormatsIpv4MappedWithDottedQuad) {
    EXPECT_EQ(Ipv6Address::ipv4_mapped(Ipv4Address(1, 2, 3, 4)).to_string(), "::ffff:1.2.3.4");
    EXPECT_EQ(Ipv6Address::ipv4_mapped(Ipv4Address()).to_string(), "::ffff:0.0.0.0");
}

TEST(Ipv6Address, FormatsExactlyAsInetNtopForEveryZeroPattern) {
    // Every pattern of zero / non-zero groups (256), with two different non-zero values, and the
    // special 0xffff group in position 5.
    for (unsigned mask = 0; mask < 256; ++mask) {
        for (std::uint16_t nz : {std::uint16_t{1}, std::uint16_t{0xffff}, std::uint16_t{0x0a0b}}) {
            std::array<std::uint16_t, 8> g{};
            for (unsigned i = 0; i < 8; ++i)
                g[i] = (mask >> i) & 1 ? nz : 0;
            const auto a = Ipv6Address::from_groups(g);
            ASSERT_EQ(a.to_string(), libc_ntop6(a)) << "mask " << mask << " value " << nz;
        }
    }
}

TEST(Ipv6Address, ParsesLikeInetPton) {
    const char* good[] = {"::",
                          "::1",
                          "1::",
                          "2001:db8::1",
                          "fe80::ff:fe00:2fe",
                          "1:2:3:4:5:6:7:8",
                          "::ffff:10.0.0.1",
                          "1:2:3:4:5:6:1.2.3.4",
                          "1:2:3:4:5:6:7::",
                          "::2:3:4:5:6:7:8",
                          "ABCD::eF01",
                          "0000::0001"};
    for (const char* text : good) {
        Ipv6Address libc;
        ASSERT_EQ(inet_pton(AF_INET6, text, libc.octets.data()), 1) << text;
        auto ours = Ipv6Address::parse(text);
        ASSERT_TRUE(ours.has_value()) << text;
        EXPECT_EQ(*ours, libc) << text;
    }
    const char* bad[] = {"",
                         ":",
                         ":::",
                         "1:::2",
                         "1::2::3",
                         "1:2:3:4:5:6:7:8:9",
                         "1:2:3:4:5:6:7",
                         ":1:2:3:4:5:6:7",
                         "1:2:3:4:5:6:7:",
                         "12345::",
                         "g::",
                         "::1.2.3",
                         "1.2.3.4",
                         "::1.2.3.4:5",
                         "1:2:3:4:5:6:7:1.2.3.4",
                         "1::2:3:4:5:6:7:8"};
    for (const char* text : bad) {
        Ipv6Address libc;
        ASSERT_NE(inet_pton(AF_INET6, text, libc.octets.data()), 1) << text;
        EXPECT_FALSE(Ipv6Address::parse(text).has_value()) << text;
    }
}

TEST(Ipv6Address, ParseOfFormatRoundTrips) {
    for (unsigned mask = 0; mask < 256; ++mask) {
        std::array<std::uint16_t, 8> g{};
        for (unsigned i = 0; i < 8; ++i)
            g[i] = (mask >> i) & 1 ? static_cast<std::uint16_t>(i * 0x1111 + 1) : 0;
        const auto a = Ipv6Address::from_groups(g);
        EXPECT_EQ(Ipv6Address::parse(a.to_string()), a) << a;
    }
}

TEST(Ipv6Address, ClassifiesAndDerivesAddresses) {
    const auto target = *Ipv6Address::parse("fd00:2::1");
    EXPECT_EQ(target.solicited_node_multicast().to_string(), "ff02::1:ff00:1");
    EXPECT_TRUE(Ipv6Address::parse("fe80::1")->is_link_local());
    EXPECT_FALSE(Ipv6Address::parse("fec0::1")->is_link_local());
    EXPECT_TRUE(Ipv6Address::parse("ff02::1")->is_multicast());
    EXPECT_TRUE(Ipv6Address::parse("::1")->is_loopback());
    EXPECT_TRUE(Ipv6Address().is_unspecified());
    EXPECT_EQ(Ipv6Address::parse("::ffff:10.1.2.3")->to_ipv4_mapped(), Ipv4Address(10, 1, 2, 3));
    EXPECT_FALSE(Ipv6Address::parse("::10.1.2.3")->to_ipv4_mapped().has_value());
}

TEST(IpAddress, HoldsEitherFamily) {
    const auto v4 = IpAddress::parse("10.0.0.1");
    const auto v6 = IpAddress::parse("fd00::1");
    ASSERT_TRUE(v4 && v6);
    EXPECT_TRUE(v4->is_v4());
    EXPECT_TRUE(v6->is_v6());
    ASSERT_NE(v4->v4(), nullptr);
    EXPECT_EQ(v4->v6(), nullptr);
    EXPECT_EQ(v4->bytes().size(), 4u);
    EXPECT_EQ(v6->bytes().size(), 16u);
    EXPECT_EQ(v4->to_string(), "10.0.0.1");
    EXPECT_EQ(v6->to_string(), "fd00::1");
    EXPECT_LT(*v4, *v6);
    EXPECT_NE(IpAddress(Ipv4Address()), IpAddress(Ipv6Address()));
    EXPECT_FALSE(IpAddress::parse("nonsense").has_value());
}

TEST(IpProtocol, NamesAndStreams) {
    EXPECT_STREQ(ip_protocol_name(IpProtocol::Tcp), "tcp");
    EXPECT_STREQ(ip_protocol_name(IpProtocol::Icmpv6), "icmp6");
    EXPECT_EQ(ip_protocol_name(IpProtocol{253}), nullptr);
    std::ostringstream os;
    os << IpProtocol::Udp << " " << IpProtocol{253};
    EXPECT_EQ(os.str(), "udp proto-253");
}

}  // namespace
}  // namespace ustack::wire
