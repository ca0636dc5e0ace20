// Link-layer header decoding for the capture printer.
#include "capture/link_layer.h"

#include <algorithm>

#include "wire/ethernet.h"

namespace ustack::capture {
namespace {

constexpr std::size_t kSllHeaderLen = 16;
constexpr std::size_t kSll2HeaderLen = 20;
constexpr std::size_t kNullHeaderLen = 4;

// BSD address families that mean IPv4 / IPv6 in a Null or Loop header.
std::uint16_t protocol_of_family(std::uint32_t family) {
    switch (family) {
        case 2:
            return kEtherTypeIpv4;
        case 24:
        case 28:
        case 30:
            return kEtherTypeIpv6;
        default:
            return 0;
    }
}

void decode_ethernet(Bytes frame, LinkDecode& out) {
    auto view = wire::EthernetView<Bytes>::checked_fixed(frame);
    if (!view) {
        out.info.truncated = true;
        return;
    }
    out.info.src = view->source();
    out.info.dst = view->destination();
    out.info.outer_type = static_cast<std::uint16_t>(view->outer_ether_type());
    const std::size_t tags = view->vlan_count();
    out.info.vlan_count =
        static_cast<std::uint8_t>(std::min<std::size_t>(tags, out.info.vlans.size()));
    for (std::size_t i = 0; i < out.info.vlan_count; ++i)
        out.info.vlans[i] = view->vlan_tag(i);
    if (!view->tags_complete()) {
        out.info.truncated = true;
        return;
    }
    out.info.protocol = static_cast<std::uint16_t>(view->ether_type());
    out.info.header_len = static_cast<std::uint32_t>(view->header_len());
    out.payload = view->payload();
}

void decode_sll(Bytes frame, LinkDecode& out) {
    // Linux SLL: packet type, ARPHRD type, address length, 8 address bytes, protocol.
    Cursor c(frame);
    auto pkttype = c.be16();
    auto hatype = c.be16();
    auto halen = c.be16();
    auto addr = c.take(8);
    auto proto = c.be16();
    if (!pkttype || !hatype || !halen || !addr || !proto) {
        out.info.truncated = true;
        return;
    }
    out.info.packet_type = *pkttype;
    out.info.hatype = *hatype;
    out.info.halen = static_cast<std::uint8_t>(std::min<std::uint16_t>(*halen, 8));
    std::copy(addr->begin(), addr->end(), out.info.addr.begin());
    out.info.protocol = *proto;
    out.info.header_len = kSllHeaderLen;
    out.payload = c.rest();
}

void decode_sll2(Bytes frame, LinkDecode& out) {
    // Linux SLL2: protocol, reserved, interface index, ARPHRD type, packet type, address length,
    // 8 address bytes.
    Cursor c(frame);
    auto proto = c.be16();
    const bool reserved = c.skip(2);
    auto ifindex = c.be32();
    auto hatype = c.be16();
    auto pkttype = c.u8();
    auto halen = c.u8();
    auto addr = c.take(8);
    if (!proto || !reserved || !ifindex || !hatype || !pkttype || !halen || !addr) {
        out.info.truncated = true;
        return;
    }
    out.info.protocol = *proto;
    out.info.ifindex = *ifindex;
    out.info.hatype = *hatype;
    out.info.packet_type = *pkttype;
    out.info.halen = std::min<std::uint8_t>(*halen, 8);
    std::copy(addr->begin(), addr->end(), out.info.addr.begin());
    out.info.header_len = kSll2HeaderLen;
    out.payload = c.rest();
}

void decode_null(Bytes frame, bool network_order, LinkDecode& out) {
    if (frame.size() < kNullHeaderLen) {
        out.info.truncated = true;
        return;
    }
    std::uint32_t family = load_be32(frame.data());
    if (!network_order) {
        // Host byte order of the capturing machine: as tcpdump, take the value whose upper half
        // is zero (families are small numbers).
        const std::uint32_t swapped =
            (family >> 24) | ((family >> 8) & 0xff00) | ((family << 8) & 0xff0000) | (family << 24);
        if ((family & 0xffff0000u) != 0) family = swapped;
    }
    out.info.family = family;
    out.info.protocol = protocol_of_family(family);
    out.info.header_len = kNullHeaderLen;
    out.payload = frame.subspan(kNullHeaderLen);
}

void decode_raw(Bytes frame, LinkDecode& out) {
    out.info.header_len = 0;
    out.payload = frame;
    if (!frame.empty())
        out.info.protocol = (frame[0] >> 4) == 6 ? kEtherTypeIpv6 : kEtherTypeIpv4;
    else
        out.info.protocol = kEtherTypeIpv4;
}

}  // namespace

LinkDecode decode_link(LinkType type, Bytes frame, std::uint32_t wire_len) {
    LinkDecode out;
    out.info.type = type;
    out.info.wire_len = wire_len;
    out.info.cap_len = static_cast<std::uint32_t>(frame.size());
    switch (type) {
        case LinkType::Ethernet:
            decode_ethernet(frame, out);
            break;
        case LinkType::LinuxSll:
            decode_sll(frame, out);
            break;
        case LinkType::LinuxSll2:
            decode_sll2(frame, out);
            break;
        case LinkType::Null:
            decode_null(frame, false, out);
            break;
        case LinkType::Loop:
            decode_null(frame, true, out);
            break;
        case LinkType::Raw:
            decode_raw(frame, out);
            break;
        case LinkType::Ipv4:
            out.payload = frame;
            out.info.protocol = kEtherTypeIpv4;
            break;
        case LinkType::Ipv6:
            out.payload = frame;
            out.info.protocol = kEtherTypeIpv6;
            break;
    }
    return out;
}

}  // namespace ustack::capture
