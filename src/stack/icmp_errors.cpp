#include "stack/icmp_errors.h"

#include <array>

#include "wire/ipv4.h"
#include "wire/ipv6.h"

namespace ustack::stack {

namespace {

// RFC 792: an error quotes "the internet header plus the first 64 bits of the original
// datagram's data": for TCP, the ports and the sequence number.
constexpr std::size_t kQuotedTcpLen = 8;

std::optional<QuotedTcp> quoted_tcp(wire::IpAddress src, wire::IpAddress dst, Bytes tcp) {
    if (tcp.size() < kQuotedTcpLen) return std::nullopt;
    QuotedTcp q;
    q.src = src;
    q.dst = dst;
    q.src_port = load_be16(tcp.data());
    q.dst_port = load_be16(tcp.data() + 2);
    q.seq = wire::SeqNum(load_be32(tcp.data() + 4));
    return q;
}

std::optional<QuotedTcp> quoted_tcp_v4(Bytes quoted, std::uint32_t* total_length) {
    // The quote may be cut anywhere after the 64 bits: only the header must be whole.
    const auto ip = wire::Ipv4View<Bytes>::checked(quoted);
    if (!ip || ip->version() != 4) return std::nullopt;
    if (ip->protocol() != wire::IpProtocol::Tcp) return std::nullopt;
    // A non-first fragment quotes no TCP header.
    if (ip->fragment_offset_units() != 0) return std::nullopt;
    if (total_length != nullptr) *total_length = ip->total_length();
    return quoted_tcp(ip->source(), ip->destination(), quoted.subspan(ip->header_len()));
}

std::optional<QuotedTcp> quoted_tcp_v6(Bytes quoted) {
    const auto ip = wire::Ipv6View<Bytes>::checked(quoted);
    if (!ip || ip->version() != 6) return std::nullopt;
    // The quote is cut short of payload_length: walk the extension headers in what is there.
    wire::Ipv6ExtHeaderWalker walker(ip->next_header(), quoted.subspan(40));
    if (walker.finish() != wire::Ipv6ExtHeaderWalker::Status::UpperLayer) return std::nullopt;
    if (walker.upper_protocol() != wire::IpProtocol::Tcp) return std::nullopt;
    return quoted_tcp(ip->source(), ip->destination(), walker.upper_payload());
}

}  // namespace

std::uint32_t rfc1191_plateau_below(std::uint32_t total_length) {
    // RFC 1191 §7, Table 7-1, the plateaus in use.
    static constexpr std::array<std::uint32_t, 11> kPlateaus{65535, 32000, 17914, 8166, 4352, 2002,
                                                             1492,  1006,  508,   296,  68};
    for (const std::uint32_t p : kPlateaus) {
        if (p < total_length) return p;
    }
    return 68;
}

std::optional<IcmpError> classify_icmpv4_error(const wire::Icmpv4View<Bytes>& icmp) {
    IcmpError e;
    switch (icmp.type()) {
        case wire::Icmpv4Type::DestUnreachable:
            switch (static_cast<wire::Icmpv4Unreachable>(icmp.code())) {
                case wire::Icmpv4Unreachable::FragmentationNeeded:
                    // RFC 1191 §4: the next-hop MTU is in the low 16 bits of the unused field.
                    e.kind = IcmpErrorKind::PathMtu;
                    e.mtu = icmp.next_hop_mtu();
                    break;
                case wire::Icmpv4Unreachable::ProtocolUnreachable:
                case wire::Icmpv4Unreachable::PortUnreachable:
                    // RFC 1122 §4.2.3.9: codes 2-4 are hard errors (4 is PMTU, above).
                    e.kind = IcmpErrorKind::Hard;
                    e.error = Errc::ConnectionRefused;
                    break;
                default:
                    e.kind = IcmpErrorKind::Soft;
                    e.error = Errc::HostUnreachable;
                    break;
            }
            break;
        case wire::Icmpv4Type::TimeExceeded:
        case wire::Icmpv4Type::ParameterProblem:
            // RFC 1122 §4.2.3.9: "Time Exceeded -- codes 0, 1 / Parameter Problem": soft.
            e.kind = IcmpErrorKind::Soft;
            e.error = Errc::HostUnreachable;
            break;
        default:
            // Source Quench: RFC 6633 §3.1, "TCP implementations ... MUST silently discard" it.
            // Redirect is for routing, not TCP.
            return std::nullopt;
    }
    std::uint32_t total_length = 0;
    const auto q = quoted_tcp_v4(icmp.quoted(), &total_length);
    if (!q) return std::nullopt;
    e.quoted = *q;
    // RFC 1191 §5: a router that predates RFC 1191 sends 0; guess with the plateau table.
    if (e.kind == IcmpErrorKind::PathMtu && e.mtu == 0) e.mtu = rfc1191_plateau_below(total_length);
    return e;
}

std::optional<IcmpError> classify_icmpv6_error(const wire::Icmpv6View<Bytes>& icmp) {
    IcmpError e;
    switch (icmp.type()) {
        case wire::Icmpv6Type::PacketTooBig:
            // RFC 4443 §3.2: the MTU field is the next-hop link's MTU.
            e.kind = IcmpErrorKind::PathMtu;
            e.mtu = icmp.mtu();
            break;
        case wire::Icmpv6Type::DestUnreachable:
            if (icmp.code() ==
                static_cast<std::uint8_t>(wire::Icmpv6Unreachable::PortUnreachable)) {
                // RFC 4443 §3.1: port unreachable, the counterpart of ICMPv4's hard code 3.
                e.kind = IcmpErrorKind::Hard;
                e.error = Errc::ConnectionRefused;
            } else {
                e.kind = IcmpErrorKind::Soft;
                e.error = Errc::HostUnreachable;
            }
            break;
        case wire::Icmpv6Type::ParameterProblem:
            // RFC 4443 §3.4 code 1, "unrecognized Next Header type": ICMPv4's protocol unreachable.
            if (icmp.code() ==
                static_cast<std::uint8_t>(wire::Icmpv6ParamProblem::UnrecognizedNextHeader)) {
                e.kind = IcmpErrorKind::Hard;
                e.error = Errc::ConnectionRefused;
            } else {
                e.kind = IcmpErrorKind::Soft;
                e.error = Errc::HostUnreachable;
            }
            break;
        case wire::Icmpv6Type::TimeExceeded:
            e.kind = IcmpErrorKind::Soft;
            e.error = Errc::HostUnreachable;
            break;
        default:
            return std::nullopt;
    }
    const auto q = quoted_tcp_v6(icmp.quoted());
    if (!q) return std::nullopt;
    e.quoted = *q;
    return e;
}

}  // namespace ustack::stack
