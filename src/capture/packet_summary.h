// PacketSummary: everything the tcpdump line formatter needs from one captured packet, as values.
#pragma once

#include <array>
#include <cstdint>

#include "capture/record.h"
#include "wire/ethernet.h"
#include "wire/ip_address.h"

namespace ustack::capture {

// The link-layer header as decoded by link_layer.h (for -e and to find the network protocol).
struct LinkSummary {
    LinkType type = LinkType::Ethernet;
    bool truncated = false;        // the link header itself was cut by the snapshot length
    std::uint32_t header_len = 0;  // bytes of link header (Ethernet: 14 + 4 per VLAN tag)
    std::uint32_t wire_len = 0;    // Record::origlen
    std::uint32_t cap_len = 0;     // Record::caplen
    // Ethernet
    wire::MacAddress src;
    wire::MacAddress dst;
    std::uint16_t outer_type = 0;  // the type/length field at offset 12
    std::array<wire::VlanTag, 2> vlans{};
    std::uint8_t vlan_count = 0;
    // Linux SLL / SLL2
    std::uint16_t packet_type = 0;  // 0 host, 1 broadcast, 2 multicast, 3 other host, 4 outgoing
    std::uint16_t hatype = 0;
    std::uint8_t halen = 0;
    std::array<std::uint8_t, 8> addr{};
    std::uint32_t ifindex = 0;  // SLL2 only
    // BSD Null / Loop: the address family
    std::uint32_t family = 0;
    // The payload's protocol as an EtherType (Ethernet, SLL), derived for Null and raw IP.
    std::uint16_t protocol = 0;
};

enum class NetKind : std::uint8_t { None, Ipv4, Ipv6, Arp, Other };

// How far tcpdump's IPv4 printer gets, in its order of checks.
enum class Ipv4Stop : std::uint8_t {
    None,
    NoVersion,        // not even the first byte: " [|ip]"
    BadVersion,       // "IP6, wrong link-layer encapsulation" / "IP<n>" + " (invalid)"
    HeaderTruncated,  // the 20-byte header is cut: " [|ip]"
    ShortLength,      // link length < 20: "truncated-ip N"
    BadHlen,          // IHL < 5: "bad-hlen N"
    BadLen,           // total length < header length: "bad-len N"
    OptionsTruncated  // the declared header (options) is cut
};

struct Ipv4Summary {
    Ipv4Stop stop = Ipv4Stop::None;
    std::uint8_t version = 4;
    std::uint32_t length = 0;  // what the link layer says the datagram has on the wire
    std::uint8_t header_len = 0;
    std::uint8_t tos = 0;
    std::uint16_t total_len = 0;
    std::uint16_t id = 0;
    std::uint16_t frag_field = 0;  // flags (3 bits) and offset (13 bits) as on the wire
    std::uint8_t ttl = 0;
    std::uint8_t protocol = 0;
    std::uint16_t checksum = 0;
    bool checksum_checked = false;  // the whole header was captured
    bool checksum_ok = true;
    std::uint16_t checksum_expected = 0;
    wire::Ipv4Address src;
    wire::Ipv4Address dst;
    // Options, as tcpdump -v names them: kinds in order (EOL ends the list).
    std::array<std::uint8_t, 40> option_kinds{};
    std::array<std::uint8_t, 40> option_lens{};
    std::uint8_t option_count = 0;
    bool options_bad = false;

    std::uint16_t fragment_offset() const {
        return static_cast<std::uint16_t>((frag_field & 0x1fff) * 8);
    }
};

// IPv6 (RFC 8200): fixed header and the fragment header if present.
enum class Ipv6Stop : std::uint8_t {
    None,
    ShortLength,     // link length < 40: "truncated-ip6 N"
    BadVersion,      // "version error: N != 6"
    HeaderTruncated  // " [|ip6]"
};

struct Ipv6Summary {
    Ipv6Stop stop = Ipv6Stop::None;
    std::uint32_t length = 0;  // link length
    std::uint32_t flow = 0;    // version, traffic class, flow label word
    std::uint16_t payload_len = 0;
    std::uint8_t next_header = 0;  // in the fixed header
    std::uint8_t hop_limit = 0;
    wire::Ipv6Address src;
    wire::Ipv6Address dst;
    // RFC 8200 §4.5 fragment header
    bool has_fragment = false;
    bool fragment_truncated = false;
    std::uint32_t frag_id = 0;
    std::uint16_t frag_offset = 0;  // bytes
    bool frag_more = false;
    std::uint32_t frag_len = 0;       // fragment data length shown by tcpdump
    std::uint8_t upper_protocol = 0;  // after the extension headers handled here
    bool unknown_extension = false;   // an extension header this printer does not walk
};

// TCP (RFC 9293), stopping where tcpdump's printer stops.
enum class TcpStop : std::uint8_t {
    None,
    PortsTruncated,   // "src > dst: [|tcp]" (addresses only)
    HeaderTruncated,  // "src.p > dst.p:  [|tcp]"
    BadHdrShort,      // " tcp N [bad hdr length H - too short, < 20]"
    BadHdrLong        // "Flags [..] [bad hdr length H - too long, > L]"
};

// One TCP option as tcpdump walks it (its walk differs from a strict parser: a known kind with
// a wrong length is printed from its fixed-size value and the walk goes on from there).
enum class TcpOptionEnd : std::uint8_t {
    Ok,         // printed fully ("[len N]" follows when the length byte disagrees)
    BadBefore,  // length < 2 or past the options area: "[bad opt]" instead of the option
    BadAfter,   // value past the options area: name, then "[bad opt]"
    TruncGet,   // kind or length byte not captured: " [|tcp]"
    TruncAfter  // value not captured: name (and any SACK blocks), then " [|tcp]"
};

struct TcpOptionItem {
    std::uint8_t kind = 0;
    std::uint8_t len = 1;  // the length byte (1 for EOL/NOP)
    TcpOptionEnd end = TcpOptionEnd::Ok;
    bool len_mismatch = false;     // print "[len N]"
    std::uint8_t value_count = 0;  // values decoded (SACK: 2 per block)
    std::array<std::uint32_t, 8> values{};
    std::uint8_t raw_len = 0;  // unknown kinds: data bytes to print in hex
    std::array<std::uint8_t, 38> raw{};
    bool sack_invalid = false;
};

struct TcpSummary {
    TcpStop stop = TcpStop::None;
    std::uint32_t length = 0;  // TCP header + data, from the IP layer
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint16_t flags = 0;  // the 12 flag bits; tcpdump 4.99.3 prints only the low 8
    std::uint16_t window = 0;
    std::uint16_t urgent = 0;
    std::uint16_t checksum = 0;
    std::uint8_t header_len = 0;
    bool checksum_checked = false;  // -v and the whole segment captured and not a fragment
    bool checksum_ok = false;
    std::uint16_t checksum_expected = 0;
    std::array<TcpOptionItem, 40> options{};
    std::uint8_t option_count = 0;
    bool has_options = false;
    bool rst_data_present = false;  // RST with payload (tcpdump -v prints it)
    bool rst_data_complete = false;
    std::uint8_t rst_data_len = 0;
    std::array<std::uint8_t, 30> rst_data{};
    // Set by FlowTable (relative sequence numbers): what tcpdump prints.
    std::uint32_t shown_seq = 0;
    std::uint32_t shown_ack = 0;
    std::uint32_t sack_base = 0;  // subtracted from SACK edges
};

enum class UdpStop : std::uint8_t {
    None,
    PortsTruncated,
    ShortLength,
    LengthTruncated,
    BadLength,
    PayloadTruncated
};

struct UdpSummary {
    UdpStop stop = UdpStop::None;
    std::uint32_t length = 0;  // from the IP layer
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint16_t ulen = 0;
    std::uint16_t checksum = 0;
    bool checksum_checked = false;
    bool checksum_ok = false;
    std::uint16_t checksum_expected = 0;
};

enum class IcmpStop : std::uint8_t { None, Truncated };

// ICMPv4 (RFC 792) and ICMPv6 (RFC 4443, RFC 4861 neighbor discovery).
struct IcmpSummary {
    IcmpStop stop = IcmpStop::None;
    std::uint32_t length = 0;  // ICMP message length from the IP layer
    std::uint8_t type = 0;
    std::uint8_t code = 0;
    std::uint16_t checksum = 0;
    bool checksum_checked = false;
    bool checksum_ok = false;
    std::uint16_t checksum_expected = 0;
    std::uint16_t id = 0;
    std::uint16_t seq = 0;
    std::uint32_t word = 0;  // the 4 bytes after the checksum (MTU, pointer, NA flags)
    bool has_target = false;
    wire::Ipv6Address target;  // NDP target
    // NDP options (link-layer address options): type, length units, MAC
    std::uint8_t nd_option_count = 0;
    std::array<std::uint8_t, 4> nd_option_type{};
    std::array<std::uint8_t, 4> nd_option_len{};
    std::array<wire::MacAddress, 4> nd_option_mac{};
    bool nd_options_truncated = false;
};

struct ArpSummary {
    bool truncated = false;
    std::uint16_t hardware_type = 0;
    std::uint16_t protocol_type = 0;
    std::uint8_t hardware_len = 0;
    std::uint8_t protocol_len = 0;
    std::uint16_t operation = 0;
    bool ethernet_ipv4 = false;
    wire::MacAddress sender_mac;
    wire::Ipv4Address sender_ip;
    wire::MacAddress target_mac;
    wire::Ipv4Address target_ip;
    std::uint32_t length = 0;
};

enum class TransportKind : std::uint8_t { None, Tcp, Udp, Icmp, Icmpv6, Other };

// One IP datagram: network header and what it carries.
struct IpPacketSummary {
    NetKind kind = NetKind::None;
    Ipv4Summary v4;
    Ipv6Summary v6;
    TransportKind transport = TransportKind::None;
    std::uint8_t protocol = 0;      // upper-layer protocol number
    std::uint32_t payload_len = 0;  // upper-layer length tcpdump passes down
    bool later_fragment = false;    // IPv4 offset != 0: no transport header
    bool fragmented = false;        // part of a fragmented datagram (no checksum check)
    TcpSummary tcp;
    UdpSummary udp;
    IcmpSummary icmp;
};

// The ICMP error's quoted datagram (RFC 792): header and the first transport bytes.
struct InnerSummary {
    bool present = false;
    IpPacketSummary ip;
};

struct PacketSummary {
    std::uint64_t number = 0;
    Timestamp ts;
    LinkSummary link;
    NetKind net = NetKind::None;
    IpPacketSummary ip;
    ArpSummary arp;
    InnerSummary inner;  // for ICMP / ICMPv6 errors
    // NetKind::Other: the captured link payload, which tcpdump shows as an opaque hex dump (the
    // formatter never interprets it). Valid as long as the Record's bytes.
    Bytes opaque_payload;
};

}  // namespace ustack::capture
