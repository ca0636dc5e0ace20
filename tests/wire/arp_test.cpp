#include "wire/arp.h"

#include <array>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace ustack::wire {
namespace {

// Real ARP request and reply (after the Ethernet header), from icmp_arp_udp.pcap:
// "Request who-has 10.0.2.1 tell 10.0.2.254" and "Reply 10.0.2.1 is-at 02:00:00:00:02:01".
const std::uint8_t kArpRequest[] = {
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x02, 0xfe,
    0x0a, 0x00, 0x02, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x02, 0x01,
};
const std::uint8_t kArpReply[] = {
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x02, 0x01,
    0x0a, 0x00, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x02, 0xfe, 0x0a, 0x00, 0x02, 0xfe,
};

TEST(Arp, ParsesRequest) {
    auto v = ArpView<Bytes>::checked(kArpRequest);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->is_ethernet_ipv4());
    EXPECT_EQ(v->operation(), ArpOperation::Request);
    auto r = ArpRepr::parse(*v);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->operation, ArpOperation::Request);
    EXPECT_EQ(r->sender_mac.to_string(), "02:00:00:00:02:fe");
    EXPECT_EQ(r->sender_ip, Ipv4Address(10, 0, 2, 254));
    EXPECT_TRUE(r->target_mac.is_zero());
    EXPECT_EQ(r->target_ip, Ipv4Address(10, 0, 2, 1));
}

TEST(Arp, EmitsReplyByteForByte) {
    ArpRepr r;
    r.operation = ArpOperation::Reply;
    r.sender_mac = *MacAddress::parse("02:00:00:00:02:01");
    r.sender_ip = Ipv4Address(10, 0, 2, 1);
    r.target_mac = *MacAddress::parse("02:00:00:00:02:fe");
    r.target_ip = Ipv4Address(10, 0, 2, 254);
    std::array<std::uint8_t, ArpRepr::buffer_len()> buf{};
    auto w = ArpView<MutBytes>::unchecked(buf);
    r.emit(w);
    EXPECT_TRUE(std::equal(buf.begin(), buf.end(), kArpReply));
    EXPECT_EQ(ArpRepr::parse(*ArpView<Bytes>::checked(buf)), r);
}

TEST(Arp, RejectsTruncatedPacket) {
    for (std::size_t n = 0; n < sizeof kArpRequest; ++n)
        EXPECT_FALSE(ArpView<Bytes>::checked(Bytes{kArpRequest, n})) << n;
}

TEST(Arp, AddressLengthsPastTheEndFailChecked) {
    std::array<std::uint8_t, 28> b{};
    std::copy(std::begin(kArpRequest), std::end(kArpRequest), b.begin());
    b[4] = 255;  // hln 255: the addresses would need 8 + 2 * (255 + 4) bytes
    EXPECT_FALSE(ArpView<Bytes>::checked(b));
}

TEST(Arp, OtherHardwareIsViewableButNotParsed) {
    // hrd 6 (IEEE 802), hln 6: walkable, not Ethernet/IPv4.
    std::array<std::uint8_t, 28> b{};
    std::copy(std::begin(kArpRequest), std::end(kArpRequest), b.begin());
    b[1] = 6;
    auto v = ArpView<Bytes>::checked(b);
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->is_ethernet_ipv4());
    EXPECT_EQ(v->sender_hardware_address().size(), 6u);
    EXPECT_FALSE(ArpRepr::parse(*v));
    // A short protocol address (pln 2) walks the addresses at their declared sizes.
    std::array<std::uint8_t, 24> c{0, 1, 8, 0, 6, 2, 0, 1};
    auto w = ArpView<Bytes>::checked(c);
    ASSERT_TRUE(w);
    EXPECT_EQ(w->declared_len(), 24u);
    EXPECT_EQ(w->target_protocol_address().data(), c.data() + 22);
    EXPECT_FALSE(ArpRepr::parse(*w));
}

TEST(Arp, RejectsUnknownOperation) {
    std::array<std::uint8_t, 28> b{};
    std::copy(std::begin(kArpRequest), std::end(kArpRequest), b.begin());
    b[7] = 3;  // RARP request
    EXPECT_FALSE(ArpRepr::parse(*ArpView<Bytes>::checked(b)));
}

}  // namespace
}  // namespace ustack::wire
