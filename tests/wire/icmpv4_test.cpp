#include "wire/icmpv4.h"

#include <array>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "wire/ipv4.h"
#include "wire/udp.h"

namespace ustack::wire {
namespace {

// Real ICMP echo request (id 0x27e1, seq 1, 56 data bytes), IP payload from icmp_arp_udp.pcap.
const std::uint8_t kEchoRequest[] = {
    0x08, 0x00, 0x32, 0x70, 0x27, 0xe1, 0x00, 0x01, 0xb1, 0x6c, 0x02, 0x6b, 0x00, 0x00, 0x00, 0x00,
    0x27, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
    0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

// Real echo reply (id 0x5626, seq 1), from the same capture.
const std::uint8_t kEchoReply[] = {
    0x00, 0x00, 0xcc, 0xad, 0x56, 0x26, 0x00, 0x01, 0xae, 0x6d, 0x02, 0x6b, 0x00, 0x00, 0x00, 0x00,
    0x68, 0x7f, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
    0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

// Real "10.0.2.1 udp port 40022 unreachable" (IPv4 header, then ICMP quoting the UDP datagram).
const std::uint8_t kPortUnreachable[] = {
    0x45, 0xc0, 0x00, 0x43, 0x03, 0xb2, 0x00, 0x00, 0x40, 0x01, 0x5f, 0x47, 0x0a, 0x00,
    0x02, 0x01, 0x0a, 0x00, 0x01, 0x01, 0x03, 0x03, 0x14, 0x23, 0x00, 0x00, 0x00, 0x00,
    0x45, 0x00, 0x00, 0x27, 0x8c, 0x14, 0x40, 0x00, 0x3f, 0x11, 0x98, 0xb0, 0x0a, 0x00,
    0x01, 0x01, 0x0a, 0x00, 0x02, 0x01, 0xc1, 0x92, 0x9c, 0x56, 0x00, 0x13, 0x60, 0xaf,
    0x6e, 0x6f, 0x62, 0x6f, 0x64, 0x79, 0x20, 0x68, 0x6f, 0x6d, 0x65,
};

std::vector<std::uint8_t> copy_of(Bytes b) {
    return {b.begin(), b.end()};
}

void fix_checksum(std::vector<std::uint8_t>& b) {
    auto v = Icmpv4View<MutBytes>::unchecked(b);
    v.fill_checksum();
}

TEST(Icmpv4, ParsesEchoRequest) {
    auto v = Icmpv4View<Bytes>::checked(kEchoRequest);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->type(), Icmpv4Type::EchoRequest);
    EXPECT_EQ(v->code(), 0);
    EXPECT_EQ(v->identifier(), 0x27e1);
    EXPECT_EQ(v->sequence_number(), 1);
    EXPECT_EQ(v->data().size(), 56u);
    EXPECT_TRUE(v->verify_checksum());
    auto r = Icmpv4Repr::parse(*v);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, Icmpv4Repr::echo_request(0x27e1, 1, Bytes{kEchoRequest + 8, 56}));
}

TEST(Icmpv4, EmitsRealEchoReplyByteForByte) {
    const auto r = Icmpv4Repr::echo_reply(0x5626, 1, Bytes{kEchoReply + 8, 56});
    std::vector<std::uint8_t> buf(r.buffer_len());
    auto w = Icmpv4View<MutBytes>::unchecked(buf);
    r.emit(w);
    EXPECT_TRUE(std::equal(buf.begin(), buf.end(), kEchoReply));
    EXPECT_EQ(Icmpv4Repr::parse(*Icmpv4View<Bytes>::checked(buf)), r);
}

TEST(Icmpv4, EmitsWithDataAlreadyInPlace) {
    auto buf = copy_of(kEchoRequest);
    auto r = *Icmpv4Repr::parse(*Icmpv4View<Bytes>::checked(buf));
    r.type = Icmpv4Type::EchoReply;  // turn the request around in place
    auto w = Icmpv4View<MutBytes>::unchecked(buf);
    r.emit(w);
    EXPECT_TRUE(w.as_const().verify_checksum());
    EXPECT_EQ(buf[0], 0);
    EXPECT_TRUE(std::equal(buf.begin() + 8, buf.end(), kEchoRequest + 8));
}

TEST(Icmpv4, ParsesPortUnreachableAndItsQuotedDatagram) {
    auto ip = Ipv4View<Bytes>::checked(kPortUnreachable);
    ASSERT_TRUE(ip);
    auto v = Icmpv4View<Bytes>::checked(ip->payload());
    ASSERT_TRUE(v);
    EXPECT_EQ(v->type(), Icmpv4Type::DestUnreachable);
    EXPECT_EQ(v->code(), static_cast<std::uint8_t>(Icmpv4Unreachable::PortUnreachable));
    EXPECT_STREQ(icmpv4_unreachable_name(v->code()), "port unreachable");
    EXPECT_TRUE(v->verify_checksum());
    auto r = Icmpv4Repr::parse(*v);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->data.size(), 39u);
    // The quoted datagram is an IPv4 header plus the start of the UDP datagram.
    auto inner = Ipv4View<Bytes>::checked(v->quoted());
    ASSERT_TRUE(inner);
    EXPECT_EQ(inner->protocol(), IpProtocol::Udp);
    EXPECT_EQ(inner->destination(), Ipv4Address(10, 0, 2, 1));
    auto udp = UdpView<Bytes>::checked(inner->payload());
    ASSERT_TRUE(udp);
    EXPECT_EQ(udp->dst_port(), 40022);
}

TEST(Icmpv4, RoundTripsFragmentationNeededWithNextHopMtu) {
    const auto r = Icmpv4Repr::dest_unreachable(Icmpv4Unreachable::FragmentationNeeded,
                                                Bytes{kPortUnreachable + 28, 28}, 1400);
    std::vector<std::uint8_t> buf(r.buffer_len());
    auto w = Icmpv4View<MutBytes>::unchecked(buf);
    r.emit(w);
    auto v = Icmpv4View<Bytes>::checked(buf);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->next_hop_mtu(), 1400);  // RFC 1191 §4: low 16 bits of the unused field
    EXPECT_EQ(buf[4], 0);
    EXPECT_EQ(buf[5], 0);
    EXPECT_EQ(Icmpv4Repr::parse(*v), r);
}

TEST(Icmpv4, RoundTripsTimeExceededAndParameterProblem) {
    Icmpv4Repr te;
    te.type = Icmpv4Type::TimeExceeded;
    te.code = static_cast<std::uint8_t>(Icmpv4TimeExceeded::FragmentReassembly);
    te.data = Bytes{kPortUnreachable + 28, 28};
    Icmpv4Repr pp;
    pp.type = Icmpv4Type::ParameterProblem;
    pp.pointer = 9;
    pp.data = te.data;
    for (const auto& r : {te, pp}) {
        std::vector<std::uint8_t> buf(r.buffer_len());
        auto w = Icmpv4View<MutBytes>::unchecked(buf);
        r.emit(w);
        EXPECT_EQ(Icmpv4Repr::parse(*Icmpv4View<Bytes>::checked(buf)), r);
    }
    std::vector<std::uint8_t> buf(pp.buffer_len());
    auto w = Icmpv4View<MutBytes>::unchecked(buf);
    pp.emit(w);
    EXPECT_EQ(w.pointer(), 9);
}

TEST(Icmpv4, RejectsShorterThanHeader) {
    for (std::size_t n = 0; n < 8; ++n)
        EXPECT_FALSE(Icmpv4View<Bytes>::checked(Bytes{kEchoRequest, n})) << n;
}

TEST(Icmpv4, RejectsBadChecksumUnlessSkipped) {
    auto b = copy_of(kEchoRequest);
    b[40] ^= 0x80;
    auto v = Icmpv4View<Bytes>::checked(b);
    EXPECT_FALSE(v->verify_checksum());
    EXPECT_FALSE(Icmpv4Repr::parse(*v));
    EXPECT_TRUE(Icmpv4Repr::parse(*v, Icmpv4Repr::ChecksumCheck::Skip));
}

TEST(Icmpv4, RejectsUndefinedCodesAndUnsupportedTypes) {
    struct Case {
        std::uint8_t type, code;
    };
    for (auto c : {Case{8, 1}, Case{0, 3}, Case{3, 16}, Case{11, 2}, Case{12, 3}, Case{13, 0},
                   Case{5, 0}, Case{42, 0}}) {
        auto b = copy_of(kEchoRequest);
        b[0] = c.type;
        b[1] = c.code;
        fix_checksum(b);
        auto v = Icmpv4View<Bytes>::checked(b);
        ASSERT_TRUE(v->verify_checksum());
        EXPECT_FALSE(Icmpv4Repr::parse(*v)) << int{c.type} << "/" << int{c.code};
    }
}

TEST(Icmpv4, NamesTypesAndCodes) {
    EXPECT_STREQ(icmpv4_type_name(Icmpv4Type::EchoRequest), "echo request");
    EXPECT_STREQ(icmpv4_type_name(Icmpv4Type::TimeExceeded), "time exceeded");
    EXPECT_STREQ(icmpv4_unreachable_name(4), "fragmentation needed");
    EXPECT_EQ(icmpv4_unreachable_name(16), nullptr);
    EXPECT_TRUE(is_icmpv4_error(Icmpv4Type::DestUnreachable));
    EXPECT_FALSE(is_icmpv4_error(Icmpv4Type::EchoReply));
}

}  // namespace
}  // namespace ustack::wire
