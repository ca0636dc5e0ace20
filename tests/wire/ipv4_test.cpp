#include "wire/ipv4.h"

#include <array>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace ustack::wire {
namespace {

// Real ICMP echo request 10.0.1.1 > 10.0.2.1 (DF, ttl 63, id 0xeba6), from icmp_arp_udp.pcap.
const std::uint8_t kEchoRequest[] = {
    0x45, 0x00, 0x00, 0x54, 0xeb, 0xa6, 0x40, 0x00, 0x3f, 0x01, 0x39, 0x01, 0x0a, 0x00,
    0x01, 0x01, 0x0a, 0x00, 0x02, 0x01, 0x08, 0x00, 0x32, 0x70, 0x27, 0xe1, 0x00, 0x01,
    0xb1, 0x6c, 0x02, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x27, 0x03, 0x04, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
    0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29,
    0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

// Real last fragment of a 1480-byte ping: offset 370 * 8 = 2960, MF clear, from
// icmp_arp_udp.pcap.
const std::uint8_t kLastFragment[] = {
    0x45, 0x00, 0x00, 0x44, 0xeb, 0xd0, 0x01, 0x72, 0x3f, 0x01, 0x77, 0x75, 0x0a, 0x00,
    0x01, 0x01, 0x0a, 0x00, 0x02, 0x01, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
    0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d,
    0x9e, 0x9f, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab,
    0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
};

// IGMPv2 membership report for 224.0.0.251 with the RFC 2113 Router Alert option (IHL 6),
// tos 0xc0, ttl 1, as Linux sends it.
const std::uint8_t kIgmpWithRouterAlert[] = {
    0x46, 0xc0, 0x00, 0x20, 0x00, 0x00, 0x40, 0x00, 0x01, 0x02, 0x41, 0x72, 0xc0, 0xa8, 0x01, 0x02,
    0xe0, 0x00, 0x00, 0xfb, 0x94, 0x04, 0x00, 0x00, 0x16, 0x00, 0x09, 0x04, 0xe0, 0x00, 0x00, 0xfb,
};

std::vector<std::uint8_t> copy_of(Bytes b) {
    return {b.begin(), b.end()};
}

// Rewrites the checksum so that a deliberately broken header still verifies.
void fix_checksum(std::vector<std::uint8_t>& b) {
    auto v = Ipv4View<MutBytes>::unchecked(b);
    v.fill_checksum();
}

TEST(Ipv4, ParsesEveryHeaderField) {
    auto v = Ipv4View<Bytes>::checked(kEchoRequest);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->version(), 4);
    EXPECT_EQ(v->header_len(), 20u);
    EXPECT_EQ(v->dscp(), 0);
    EXPECT_EQ(v->ecn(), 0);
    EXPECT_EQ(v->total_length(), 84);
    EXPECT_EQ(v->identification(), 0xeba6);
    EXPECT_TRUE(v->dont_fragment());
    EXPECT_FALSE(v->more_fragments());
    EXPECT_FALSE(v->reserved_flag());
    EXPECT_FALSE(v->is_fragment());
    EXPECT_EQ(v->ttl(), 63);
    EXPECT_EQ(v->protocol(), IpProtocol::Icmp);
    EXPECT_EQ(v->header_checksum(), 0x3901);
    EXPECT_EQ(v->source(), Ipv4Address(10, 0, 1, 1));
    EXPECT_EQ(v->destination(), Ipv4Address(10, 0, 2, 1));
    EXPECT_TRUE(v->verify_checksum());
    EXPECT_TRUE(v->options().empty());
    EXPECT_TRUE(v->is_complete());
    EXPECT_EQ(v->payload().size(), 64u);
    EXPECT_EQ(v->payload()[0], 0x08);

    auto r = Ipv4Repr::parse(*v);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->src, Ipv4Address(10, 0, 1, 1));
    EXPECT_EQ(r->protocol, IpProtocol::Icmp);
    EXPECT_EQ(r->payload_len, 64u);
    EXPECT_EQ(r->ttl, 63);
    EXPECT_EQ(r->identification, 0xeba6);
    EXPECT_TRUE(r->dont_fragment);
}

TEST(Ipv4, EmitsRealHeaderByteForByte) {
    Ipv4Repr r;
    r.src = Ipv4Address(10, 0, 1, 1);
    r.dst = Ipv4Address(10, 0, 2, 1);
    r.protocol = IpProtocol::Icmp;
    r.payload_len = 64;
    r.ttl = 63;
    r.identification = 0xeba6;
    r.dont_fragment = true;
    std::array<std::uint8_t, 20> buf{};
    auto w = Ipv4View<MutBytes>::unchecked(buf);
    r.emit(w);
    EXPECT_TRUE(std::equal(buf.begin(), buf.end(), kEchoRequest));
}

TEST(Ipv4, RecognisesFragment) {
    auto v = Ipv4View<Bytes>::checked(kLastFragment);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->is_fragment());
    EXPECT_FALSE(v->more_fragments());
    EXPECT_FALSE(v->dont_fragment());
    EXPECT_EQ(v->fragment_offset_units(), 370);
    EXPECT_EQ(v->fragment_offset(), 2960u);
    auto r = Ipv4Repr::parse(*v);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->fragment_offset, 2960u);
    EXPECT_FALSE(r->more_fragments);
    EXPECT_EQ(r->payload_len, 48u);
}

TEST(Ipv4, SkipsOptionsAndExposesThem) {
    auto v = Ipv4View<Bytes>::checked(kIgmpWithRouterAlert);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->header_len(), 24u);
    EXPECT_EQ(v->dscp(), 48);  // CS6
    ASSERT_EQ(v->options().size(), 4u);
    EXPECT_EQ(v->payload().size(), 8u);
    EXPECT_EQ(v->payload()[0], 0x16);
    Ipv4OptionWalker w{v->options()};
    auto opt = w.next();
    ASSERT_TRUE(opt);
    EXPECT_EQ(opt->type, Ipv4OptionType::RouterAlert);
    EXPECT_EQ(opt->bytes.size(), 4u);
    EXPECT_EQ(opt->data().size(), 2u);
    EXPECT_FALSE(w.next());
    EXPECT_FALSE(w.malformed());
    auto r = Ipv4Repr::parse(*v);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->payload_len, 8u);
    EXPECT_EQ(r->protocol, IpProtocol::Igmp);
}

TEST(Ipv4, RejectsHeaderLengthBelowTwenty) {
    for (std::uint8_t ihl = 0; ihl < 5; ++ihl) {
        auto b = copy_of(kEchoRequest);
        b[0] = static_cast<std::uint8_t>(0x40 | ihl);
        EXPECT_FALSE(Ipv4View<Bytes>::checked(b)) << int{ihl};
        // The printer can still read the raw fields, with the derived regions clipped.
        auto f = Ipv4View<Bytes>::checked_fixed(b);
        ASSERT_TRUE(f);
        EXPECT_EQ(f->ihl(), ihl);
        EXPECT_EQ(f->header_len(), ihl * 4u);
        EXPECT_EQ(f->total_length(), 84);
        EXPECT_TRUE(f->options().empty());
        EXPECT_FALSE(f->is_complete());
        EXPECT_FALSE(f->verify_checksum());
        // "should be" checksum: over the fixed 20 bytes, never past them.
        auto m = Ipv4View<MutBytes>::unchecked(b);
        m.fill_checksum();
        EXPECT_EQ(internet_checksum(Bytes{b.data(), 20}), 0);
        EXPECT_EQ(f->payload().data(), b.data() + 20);
        EXPECT_FALSE(Ipv4Repr::parse(*f));
    }
}

TEST(Ipv4, RejectsHeaderLengthPastCapturedBytes) {
    // IHL 15 (60 bytes) with only 24 bytes present.
    auto b = copy_of(Bytes{kEchoRequest, 24});
    b[0] = 0x4f;
    EXPECT_FALSE(Ipv4View<Bytes>::checked(b));
    auto f = Ipv4View<Bytes>::checked_fixed(b);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->header_len(), 60u);
    EXPECT_EQ(f->options().size(), 4u);  // clipped to what is present
    EXPECT_TRUE(f->payload().empty());
    EXPECT_FALSE(f->verify_checksum());
}

TEST(Ipv4, RejectsFewerThanTwentyBytes) {
    for (std::size_t n = 0; n < 20; ++n) {
        EXPECT_FALSE(Ipv4View<Bytes>::checked(Bytes{kEchoRequest, n})) << n;
        EXPECT_FALSE(Ipv4View<Bytes>::checked_fixed(Bytes{kEchoRequest, n})) << n;
    }
}

TEST(Ipv4, TotalLengthBelowHeaderIsViewableButNotParsed) {
    auto b = copy_of(kEchoRequest);
    b[2] = 0;
    b[3] = 12;
    fix_checksum(b);
    auto v = Ipv4View<Bytes>::checked(b);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->total_length(), 12);
    EXPECT_TRUE(v->payload().empty());
    EXPECT_FALSE(v->is_complete());
    EXPECT_TRUE(v->verify_checksum());
    EXPECT_FALSE(Ipv4Repr::parse(*v));
}

TEST(Ipv4, TruncatedDatagramClipsPayloadAndFailsParse) {
    const Bytes cut{kEchoRequest, 40};  // snaplen 40: total length 84 is not all here
    auto v = Ipv4View<Bytes>::checked(cut);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->total_length(), 84);
    EXPECT_FALSE(v->is_complete());
    EXPECT_EQ(v->missing_len(), 44u);
    EXPECT_EQ(v->payload().size(), 20u);
    EXPECT_TRUE(v->verify_checksum());
    EXPECT_FALSE(Ipv4Repr::parse(*v));
}

TEST(Ipv4, IgnoresLinkPaddingAfterTotalLength) {
    auto b = copy_of(kEchoRequest);
    b.resize(b.size() + 6, 0);
    auto v = Ipv4View<Bytes>::checked(b);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->payload().size(), 64u);
    auto r = Ipv4Repr::parse(*v);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->payload_len, 64u);
}

TEST(Ipv4, RejectsBadChecksumUnlessSkipped) {
    auto b = copy_of(kEchoRequest);
    b[11] ^= 1;
    auto v = Ipv4View<Bytes>::checked(b);
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->verify_checksum());
    EXPECT_FALSE(Ipv4Repr::parse(*v));
    EXPECT_TRUE(Ipv4Repr::parse(*v, Ipv4Repr::ChecksumCheck::Skip));
}

TEST(Ipv4, RejectsWrongVersion) {
    auto b = copy_of(kEchoRequest);
    b[0] = 0x65;
    fix_checksum(b);
    auto v = Ipv4View<Bytes>::checked(b);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->version(), 6);
    EXPECT_FALSE(Ipv4Repr::parse(*v));
}

TEST(Ipv4, RejectsOptionWithLengthBelowTwo) {
    for (std::uint8_t len : {0, 1, 5}) {  // 0 and 1 impossible, 5 runs past the 4-byte area
        auto b = copy_of(kIgmpWithRouterAlert);
        b[21] = len;
        fix_checksum(b);
        auto v = Ipv4View<Bytes>::checked(b);
        ASSERT_TRUE(v);
        Ipv4OptionWalker w{v->options()};
        EXPECT_FALSE(w.next());
        EXPECT_TRUE(w.malformed());
        EXPECT_FALSE(Ipv4Repr::parse(*v)) << int{len};
    }
}

TEST(Ipv4, OptionWalkerStopsAtEndOfList) {
    const std::uint8_t opts[] = {1, 1, 0, 0xff, 0xff, 0xff};  // NOP NOP EOL then junk
    Ipv4OptionWalker w{opts};
    EXPECT_EQ(w.next()->type, Ipv4OptionType::NoOperation);
    EXPECT_EQ(w.next()->type, Ipv4OptionType::NoOperation);
    EXPECT_EQ(w.next()->type, Ipv4OptionType::EndOfList);
    EXPECT_FALSE(w.next());
    EXPECT_FALSE(w.malformed());
}

TEST(Ipv4, RejectsFragmentEndingPast65535) {
    auto b = copy_of(kLastFragment);
    b[6] = 0x1f;  // offset 8191 units = 65528 bytes, plus 48 bytes of payload
    b[7] = 0xff;
    fix_checksum(b);
    auto v = Ipv4View<Bytes>::checked(b);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->fragment_offset(), 65528u);
    EXPECT_FALSE(Ipv4Repr::parse(*v));
}

TEST(Ipv4, ReprRoundTripsThroughEmit) {
    Ipv4Repr r;
    r.src = Ipv4Address(192, 0, 2, 1);
    r.dst = Ipv4Address(198, 51, 100, 7);
    r.protocol = IpProtocol::Udp;
    r.payload_len = 13;
    r.ttl = 7;
    r.dscp = 46;
    r.ecn = 2;
    r.identification = 0x1234;
    r.more_fragments = true;
    r.fragment_offset = 1480;
    std::vector<std::uint8_t> buf(r.total_len());
    auto w = Ipv4View<MutBytes>::unchecked(buf);
    r.emit(w);
    auto v = Ipv4View<Bytes>::checked(buf);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->verify_checksum());
    EXPECT_EQ(Ipv4Repr::parse(*v), r);
}

TEST(Ipv4, DecrementTtlKeepsChecksumValid) {
    auto b = copy_of(kEchoRequest);
    auto w = Ipv4View<MutBytes>::unchecked(b);
    w.decrement_ttl();
    EXPECT_EQ(w.ttl(), 62);
    EXPECT_TRUE(w.as_const().verify_checksum());
}

TEST(Ipv4, PseudoHeaderMatchesManualSum) {
    auto r = Ipv4Repr::parse(*Ipv4View<Bytes>::checked(kEchoRequest));
    ASSERT_TRUE(r);
    const Checksum want =
        pseudo_header_v4(Ipv4Address(10, 0, 1, 1).bytes(), Ipv4Address(10, 0, 2, 1).bytes(), 1, 64);
    EXPECT_EQ(r->pseudo_header().folded(), want.folded());
}

}  // namespace
}  // namespace ustack::wire
