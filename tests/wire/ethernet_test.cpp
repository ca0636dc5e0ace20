#include "wire/ethernet.h"

#include <array>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace ustack::wire {
namespace {

// A real 802.1Q-tagged frame (vlan 10, p 0) carrying an IPv4 TCP SYN, from
// tests/golden/captures/vlan.pcap.
const std::uint8_t kVlanFrame[] = {
    0x02, 0x00, 0x00, 0x00, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x02, 0xfe, 0x81, 0x00, 0x00, 0x0a,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x3c, 0xe0, 0x8e, 0x40, 0x00, 0x3f, 0x06, 0x44, 0x2c, 0x0a, 0x00,
    0x01, 0x01, 0x0a, 0x00, 0x02, 0x01, 0x9e, 0xbc, 0x0b, 0xb9, 0xa6, 0x8a, 0xd1, 0xe7, 0x00, 0x00,
    0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0xb0, 0x76, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
    0x08, 0x0a, 0xa1, 0xb7, 0xc0, 0xf4, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
};

// An untagged ARP request broadcast (header only), from icmp_arp_udp.pcap.
const std::uint8_t kArpHeader[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
                                   0x00, 0x00, 0x00, 0x02, 0xfe, 0x08, 0x06};

TEST(MacAddress, FormatsAsTcpdump) {
    const MacAddress m{{0x02, 0x00, 0x00, 0x0a, 0xbc, 0xfe}};
    EXPECT_EQ(m.to_string(), "02:00:00:0a:bc:fe");
    EXPECT_EQ(MacAddress::broadcast().to_string(), "ff:ff:ff:ff:ff:ff");
}

TEST(MacAddress, ParsesColonAndDashForms) {
    const MacAddress m{{0x02, 0x00, 0x00, 0x0a, 0xbc, 0xfe}};
    EXPECT_EQ(MacAddress::parse("02:00:00:0a:bc:fe"), m);
    EXPECT_EQ(MacAddress::parse("02-00-00-0A-BC-FE"), m);
    EXPECT_EQ(MacAddress::parse("2:0:0:a:bc:fe"), m);
    for (const char* bad : {"", "02:00:00:0a:bc", "02:00:00:0a:bc:fe:01", "02:00-00:0a:bc:fe",
                            "020:00:00:0a:bc:fe", "02:00:00:0a:bc:fg", "02:00:00:0a:bc:fe:"})
        EXPECT_FALSE(MacAddress::parse(bad).has_value()) << bad;
}

TEST(MacAddress, ClassifiesGroupBitAndIpv6Multicast) {
    EXPECT_TRUE(MacAddress::broadcast().is_broadcast());
    EXPECT_TRUE(MacAddress::broadcast().is_multicast());
    EXPECT_TRUE((MacAddress{{0x02, 0, 0, 0, 0, 1}}).is_unicast());
    const auto m = MacAddress::ipv6_multicast(*Ipv6Address::parse("ff02::1:ff00:1"));
    EXPECT_EQ(m.to_string(), "33:33:ff:00:00:01");
}

TEST(Ethernet, ParsesUntaggedHeader) {
    auto v = EthernetView<Bytes>::checked(kArpHeader);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->destination().is_broadcast());
    EXPECT_EQ(v->source().to_string(), "02:00:00:00:02:fe");
    EXPECT_EQ(v->ether_type(), EtherType::Arp);
    EXPECT_EQ(v->outer_ether_type(), EtherType::Arp);
    EXPECT_EQ(v->vlan_count(), 0u);
    EXPECT_EQ(v->header_len(), 14u);
    EXPECT_TRUE(v->payload().empty());
}

TEST(Ethernet, WalksDot1qTagToInnerEtherType) {
    auto v = EthernetView<Bytes>::checked(kVlanFrame);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->outer_ether_type(), EtherType::Vlan);
    ASSERT_EQ(v->vlan_count(), 1u);
    EXPECT_EQ(v->vlan_tag(0), (VlanTag{EtherType::Vlan, 0, false, 10}));
    EXPECT_EQ(v->ether_type(), EtherType::Ipv4);
    EXPECT_EQ(v->header_len(), 18u);
    ASSERT_EQ(v->payload().size(), sizeof kVlanFrame - 18);
    EXPECT_EQ(v->payload()[0], 0x45);
}

TEST(Ethernet, RejectsFrameShorterThanHeader) {
    EXPECT_FALSE(EthernetView<Bytes>::checked(Bytes{kArpHeader, 13}));
    EXPECT_FALSE(EthernetView<Bytes>::checked_fixed(Bytes{kArpHeader, 13}));
    EXPECT_FALSE(EthernetView<Bytes>::checked(Bytes{}));
}

TEST(Ethernet, TagCutBySnaplenFailsCheckedButShowsFixedHeader) {
    for (std::size_t n = 14; n < 18; ++n) {
        const Bytes cut{kVlanFrame, n};
        EXPECT_FALSE(EthernetView<Bytes>::checked(cut)) << n;
        auto v = EthernetView<Bytes>::checked_fixed(cut);
        ASSERT_TRUE(v) << n;
        EXPECT_FALSE(v->tags_complete());
        EXPECT_EQ(v->vlan_count(), 0u);
        EXPECT_EQ(v->outer_ether_type(), EtherType::Vlan);
        EXPECT_TRUE(v->payload().size() <= n - 14);
    }
    EXPECT_TRUE(EthernetView<Bytes>::checked(Bytes{kVlanFrame, 18}));
}

TEST(Ethernet, StopsAtTagLimitWithoutReadingPastTheEnd) {
    // A frame made only of 802.1Q tags: the walk must stop at the limit or the end.
    std::vector<std::uint8_t> f(12, 0x02);
    for (int i = 0; i < 20; ++i)
        f.insert(f.end(), {0x81, 0x00, 0x00, 0x01});
    EXPECT_FALSE(EthernetView<Bytes>::checked(f));
    auto v = EthernetView<Bytes>::checked_fixed(f);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->vlan_count(), EthernetView<Bytes>::kMaxVlanTags);
    EXPECT_FALSE(v->tags_complete());
}

TEST(Ethernet, ReprRoundTripsQinQ) {
    EthernetRepr r;
    r.src = MacAddress{{0x02, 0, 0, 0, 0, 1}};
    r.dst = MacAddress{{0x02, 0, 0, 0, 0, 2}};
    r.ether_type = EtherType::Ipv6;
    r.vlan_count = 2;
    r.vlans[0] = VlanTag{EtherType::QinQ, 5, true, 100};
    r.vlans[1] = VlanTag{EtherType::Vlan, 3, false, 4094};
    std::vector<std::uint8_t> buf(r.buffer_len());
    ASSERT_EQ(buf.size(), 22u);
    auto w = EthernetView<MutBytes>::unchecked(buf);
    r.emit(w);
    const std::vector<std::uint8_t> want = {2,    0,    0,    0,    0,    2,    2,    0,
                                            0,    0,    0,    1,    0x88, 0xa8, 0xb0, 0x64,
                                            0x81, 0x00, 0x6f, 0xfe, 0x86, 0xdd};
    EXPECT_EQ(buf, want);
    auto v = EthernetView<Bytes>::checked(buf);
    ASSERT_TRUE(v);
    EXPECT_EQ(EthernetRepr::parse(*v), r);
}

TEST(Ethernet, ReprParsesRealTaggedFrameAndEmitsItBack) {
    auto r = EthernetRepr::parse(*EthernetView<Bytes>::checked(kVlanFrame));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->vlan_count, 1);
    std::vector<std::uint8_t> buf(r->buffer_len());
    auto w = EthernetView<MutBytes>::unchecked(buf);
    r->emit(w);
    EXPECT_TRUE(std::equal(buf.begin(), buf.end(), kVlanFrame));
}

TEST(Ethernet, ReprRejectsLengthFieldAndTooManyTags) {
    std::array<std::uint8_t, 14> llc{};
    llc[12] = 0x05;
    llc[13] = 0xdc;  // 1500: an IEEE 802.3 length
    EXPECT_FALSE(EthernetRepr::parse(*EthernetView<Bytes>::checked(llc)));
    std::vector<std::uint8_t> f(12, 0x02);
    for (int i = 0; i < 3; ++i)
        f.insert(f.end(), {0x81, 0x00, 0x00, 0x01});
    f.insert(f.end(), {0x08, 0x00});
    auto v = EthernetView<Bytes>::checked(f);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->vlan_count(), 3u);
    EXPECT_FALSE(EthernetRepr::parse(*v));
}

TEST(Ethernet, NamesEtherTypes) {
    EXPECT_STREQ(ether_type_name(EtherType::Ipv4), "IPv4");
    EXPECT_STREQ(ether_type_name(EtherType::Vlan), "802.1Q");
    EXPECT_EQ(ether_type_name(EtherType{0x1234}), nullptr);
    EXPECT_FALSE(is_ether_type(1500));
    EXPECT_TRUE(is_ether_type(0x0600));
}

}  // namespace
}  // namespace ustack::wire
