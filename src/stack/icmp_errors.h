// ICMP errors for TCP: classify an ICMPv4 (RFC 792, RFC 1191, RFC 1122 §4.2.3.9) or ICMPv6
// (RFC 4443, RFC 8201) error and find the TCP segment it quotes (RFC 5927). Pure functions.
#pragma once

#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "base/errc.h"
#include "wire/icmpv4.h"
#include "wire/icmpv6.h"
#include "wire/ip_address.h"
#include "wire/seq_num.h"

namespace ustack::stack {

// What TCP should make of an ICMP error (RFC 1122 §4.2.3.9, RFC 5461, RFC 5927).
enum class IcmpErrorKind : std::uint8_t {
    // RFC 1191 "fragmentation needed and DF set" / RFC 8201 "Packet Too Big": lower the path MTU.
    PathMtu,
    // RFC 1122 §4.2.3.9: protocol and port unreachable are "hard error conditions" (ICMPv6: port
    // unreachable, and a parameter problem for an unrecognized Next Header). RFC 5461 §4.1: only
    // a connection in SYN-SENT is aborted for them; in synchronized states they count as soft.
    Hard,
    // Everything else (net/host unreachable, administratively prohibited, time exceeded, ...):
    // RFC 1122 §4.2.3.9 "TCP MUST NOT abort the connection"; the error is recorded and reported
    // if the connection later times out.
    Soft,
};

// The start of the TCP segment an error quotes: the addresses and ports as *we* sent them (src is
// our address) and the sequence number, which RFC 5927 §4.2 checks against [SND.UNA, SND.NXT).
struct QuotedTcp {
    wire::IpAddress src;
    wire::IpAddress dst;
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    wire::SeqNum seq;
};

struct IcmpError {
    IcmpErrorKind kind = IcmpErrorKind::Soft;
    Errc error = Errc::HostUnreachable;  // what a user would be told (ECONNREFUSED, EHOSTUNREACH)
    // PathMtu: the MTU of the next hop (RFC 1191 §4; RFC 4443 §3.2). For an old router that sends
    // 0 (RFC 1191 §5), the plateau below the quoted datagram's length (RFC 1191 §7).
    std::uint32_t mtu = 0;
    QuotedTcp quoted;
};

// The error an ICMPv4 message reports about one of our TCP segments, or nullopt when it is not an
// error TCP acts on (echo, redirect, source quench — RFC 6633 — or a quote that is not TCP, is
// too short to hold the ports and sequence number, or is a non-first fragment).
std::optional<IcmpError> classify_icmpv4_error(const wire::Icmpv4View<Bytes>& icmp);
// The same for ICMPv6 (RFC 4443 §3).
std::optional<IcmpError> classify_icmpv6_error(const wire::Icmpv6View<Bytes>& icmp);

// RFC 1191 §7 plateau table: the largest plateau below `total_length` (68 at least).
std::uint32_t rfc1191_plateau_below(std::uint32_t total_length);

}  // namespace ustack::stack
