// Dissection of captured packets into PacketSummary, following tcpdump 4.99's order of checks so
// that the formatter can reproduce its text for cut and malformed packets too.
#include "capture/dissect.h"

#include <algorithm>

#include "base/checksum.h"
#include "capture/link_layer.h"
#include "wire/arp.h"
#include "wire/icmpv4.h"
#include "wire/icmpv6.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp.h"
#include "wire/udp.h"

namespace ustack::capture {
namespace {

constexpr std::uint8_t kProtoIcmp = 1;
constexpr std::uint8_t kProtoTcp = 6;
constexpr std::uint8_t kProtoUdp = 17;
constexpr std::uint8_t kProtoFragment = 44;
constexpr std::uint8_t kProtoIcmpv6 = 58;

struct IpContext {
    bool v6 = false;
    wire::Ipv4Address src4, dst4;
    wire::Ipv6Address src6, dst6;
    Checksum pseudo(std::uint8_t proto, std::uint32_t len) const {
        return v6 ? pseudo_header_v6(src6.bytes(), dst6.bytes(), proto, len)
                  : pseudo_header_v4(src4.bytes(), dst4.bytes(), proto, len);
    }
};

// The value the checksum field should hold, from the sum over the whole message (field
// included) — tcpdump's in_cksum_shouldbe().
std::uint16_t checksum_should_be(std::uint16_t field, std::uint16_t sum_with_field) {
    // RFC 1624 eqn. 3 applied to the residual: the right value makes the sum all ones.
    std::uint32_t v = static_cast<std::uint16_t>(~field) + std::uint32_t{sum_with_field};
    v = (v & 0xffff) + (v >> 16);
    v = (v & 0xffff) + (v >> 16);
    return static_cast<std::uint16_t>(~v);
}

// --- TCP ------------------------------------------------------------------------------------

// Walks the options area the way tcpdump's printer does. Unlike wire::TcpOptionWalker (a strict
// RFC 9293 walk that trusts the length byte) tcpdump reads known kinds at their fixed size and
// continues from there, and it tells "[bad opt]" (past the declared area) from "[|tcp]" (past
// the captured bytes) at each read; the printed text depends on exactly where it stops.
void walk_tcp_options(Bytes captured, std::size_t declared, TcpSummary& tcp) {
    namespace k = wire::tcp_option_kind;
    Cursor c(captured);
    std::size_t hlen = declared;  // bytes of the declared area not yet consumed
    tcp.option_count = 0;
    while (hlen > 0 && tcp.option_count < tcp.options.size()) {
        TcpOptionItem& item = tcp.options[tcp.option_count++];
        item = TcpOptionItem{};
        auto kind = c.u8();
        if (!kind) {
            item.end = TcpOptionEnd::TruncGet;
            return;
        }
        item.kind = *kind;
        std::size_t len = 1;
        if (*kind != k::kEol && *kind != k::kNop) {
            auto l = c.u8();
            if (!l) {
                item.end = TcpOptionEnd::TruncGet;
                return;
            }
            len = *l;
            item.len = *l;
            if (len < 2 || len > hlen) {
                item.end = TcpOptionEnd::BadBefore;
                return;
            }
            --hlen;
        }
        --hlen;
        std::size_t datalen = 0;
        // LENCHECK: past the declared area is "bad", past the captured bytes is "truncated".
        auto lencheck = [&](std::size_t n) {
            if (n > hlen) {
                item.end = TcpOptionEnd::BadAfter;
                return false;
            }
            if (n > c.remaining()) {
                item.end = TcpOptionEnd::TruncAfter;
                return false;
            }
            return true;
        };
        const Bytes rest = c.rest();
        auto be32_at = [&](std::size_t off) { return load_be32(rest.data() + off); };
        switch (*kind) {
            case k::kEol:
            case k::kNop:
            case k::kSackPermitted:
                break;
            case k::kMss:
                datalen = 2;
                if (!lencheck(2)) return;
                item.values[0] = load_be16(rest.data());
                item.value_count = 1;
                break;
            case k::kWindowScale:
                datalen = 1;
                if (!lencheck(1)) return;
                item.values[0] = rest[0];
                item.value_count = 1;
                break;
            case k::kSack:
                datalen = len - 2;
                if (datalen % 8 != 0) {
                    item.sack_invalid = true;
                } else {
                    for (std::size_t i = 0; i < datalen; i += 8) {
                        if (!lencheck(i + 4)) return;
                        if (!lencheck(i + 8)) {
                            return;
                        }
                        if (item.value_count + 2u > item.values.size()) break;
                        item.values[item.value_count++] = be32_at(i);
                        item.values[item.value_count++] = be32_at(i + 4);
                    }
                }
                break;
            case 6:   // echo (RFC 1072)
            case 7:   // echo reply
            case 11:  // CC (RFC 1644)
            case 12:  // CC.NEW
            case 13:  // CC.ECHO
                datalen = 4;
                if (!lencheck(4)) return;
                item.values[0] = be32_at(0);
                item.value_count = 1;
                break;
            case k::kTimestamps:
                datalen = 8;
                if (!lencheck(8)) return;
                item.values[0] = be32_at(0);
                item.values[1] = be32_at(4);
                item.value_count = 2;
                break;
            case k::kMd5Signature:
                datalen = 16;
                if (!lencheck(16)) return;
                item.raw_len = 16;
                std::copy_n(rest.begin(), 16, item.raw.begin());
                break;
            case k::kUserTimeout:
                datalen = 2;
                if (!lencheck(2)) return;
                item.values[0] = load_be16(rest.data());
                item.value_count = 1;
                break;
            default:
                // Unknown kinds (and the ones this printer does not decode) as hex bytes.
                datalen = len - 2;
                for (std::size_t i = 0; i < datalen; ++i) {
                    if (!lencheck(i + 1)) {
                        item.raw_len = static_cast<std::uint8_t>(i);
                        std::copy_n(rest.begin(), i, item.raw.begin());
                        return;
                    }
                }
                item.raw_len = static_cast<std::uint8_t>(datalen);
                std::copy_n(rest.begin(), datalen, item.raw.begin());
                break;
        }
        c.skip(std::min(datalen, c.remaining()));
        hlen -= datalen;
        std::size_t consumed = datalen + 1;
        if (*kind != k::kEol && *kind != k::kNop) ++consumed;
        item.len_mismatch = consumed != len;
        if (*kind == k::kEol) return;
    }
}

// `seg` is the captured part of the segment (already cut at the IP payload's end), `length`
// the TCP length the IP header declares.
void dissect_tcp(Bytes seg, std::uint32_t length, const IpContext& ip, bool fragmented,
                 const DissectOptions& opts, TcpSummary& tcp) {
    tcp = TcpSummary{};
    tcp.length = length;
    if (seg.size() < 4) {
        tcp.stop = TcpStop::PortsTruncated;
        return;
    }
    tcp.src_port = load_be16(seg.data());
    tcp.dst_port = load_be16(seg.data() + 2);
    auto view = wire::TcpView<Bytes>::checked_fixed_header(seg);
    if (!view) {
        tcp.stop = TcpStop::HeaderTruncated;
        return;
    }
    tcp.header_len = static_cast<std::uint8_t>(view->header_len());
    tcp.seq = view->seq().raw();
    tcp.ack = view->ack().raw();
    tcp.flags = view->flags().bits();
    tcp.window = view->window();
    tcp.urgent = view->urgent();
    tcp.checksum = view->checksum();
    if (view->header_len() < wire::kTcpFixedHeaderLen) {
        tcp.stop = TcpStop::BadHdrShort;
        return;
    }
    if (opts.quiet) return;
    if (view->header_len() > length) {
        tcp.stop = TcpStop::BadHdrLong;
        return;
    }
    if (opts.verbose > 0 && !fragmented && seg.size() >= length) {
        auto whole = wire::TcpView<Bytes>::checked_fixed_header(seg.first(length));
        const Checksum pseudo = ip.pseudo(kProtoTcp, length);
        tcp.checksum_checked = true;
        tcp.checksum_ok = wire::verify_checksum(*whole, pseudo);
        if (!tcp.checksum_ok) tcp.checksum_expected = wire::compute_checksum(*whole, pseudo);
    }
    tcp.has_options = view->header_len() > wire::kTcpFixedHeaderLen;
    if (tcp.has_options) walk_tcp_options(view->options(), view->options_len(), tcp);
    // RST with data: tcpdump -v shows up to 30 bytes of it.
    const std::uint32_t data_len = length - tcp.header_len;
    if ((tcp.flags & wire::TcpFlags::kRst) != 0 && data_len > 0 && view->header_complete()) {
        tcp.rst_data_present = true;
        const Bytes data = view->payload();
        tcp.rst_data_complete = data.size() >= data_len;
        const std::size_t n = std::min<std::size_t>({data.size(), data_len, tcp.rst_data.size()});
        tcp.rst_data_len = static_cast<std::uint8_t>(n);
        std::copy_n(data.begin(), n, tcp.rst_data.begin());
    }
}

// --- UDP ------------------------------------------------------------------------------------

void dissect_udp(Bytes seg, std::uint32_t length, const IpContext& ip, const DissectOptions& opts,
                 UdpSummary& udp) {
    udp = UdpSummary{};
    udp.length = length;
    if (seg.size() < 4) {
        udp.stop = UdpStop::PortsTruncated;
        return;
    }
    udp.src_port = load_be16(seg.data());
    udp.dst_port = load_be16(seg.data() + 2);
    if (length < wire::UdpView<Bytes>::kHeaderLen) {
        udp.stop = UdpStop::ShortLength;
        return;
    }
    auto view = wire::UdpView<Bytes>::checked(seg);
    if (seg.size() < 6) {
        udp.stop = UdpStop::LengthTruncated;
        return;
    }
    std::uint32_t ulen = load_be16(seg.data() + 4);
    if (ulen == 0) ulen = length;  // RFC 2675 jumbograms
    udp.ulen = static_cast<std::uint16_t>(ulen);
    if (ulen < 8 || ulen > length) {
        udp.stop = UdpStop::BadLength;
        return;
    }
    if (!view) {
        udp.stop = UdpStop::PayloadTruncated;
        return;
    }
    udp.checksum = view->checksum();
    const std::uint32_t payload = std::min(ulen - 8, length - 8);
    const bool want = ip.v6 ? opts.verbose > 0 : opts.verbose > 1;
    if (want && udp.checksum != 0 && seg.size() >= payload + 8) {
        const Bytes whole = seg.first(payload + 8);
        Checksum sum = ip.pseudo(kProtoUdp, static_cast<std::uint32_t>(whole.size()));
        sum.add(whole);
        udp.checksum_checked = true;
        udp.checksum_ok = sum.folded() == 0xffff;
        if (!udp.checksum_ok)
            udp.checksum_expected = checksum_should_be(udp.checksum, sum.folded());
    } else if (want && !ip.v6 && udp.checksum == 0) {
        udp.checksum_checked = true;  // "[no cksum]"
        udp.checksum_ok = true;
    }
}

// --- ICMP -----------------------------------------------------------------------------------

void dissect_ip(Bytes bytes, std::uint32_t length, const DissectOptions& opts, int depth,
                IpPacketSummary& out, InnerSummary* inner);

void dissect_icmpv4(Bytes msg, std::uint32_t length, bool fragmented, const DissectOptions& opts,
                    IcmpSummary& icmp, InnerSummary* inner) {
    icmp = IcmpSummary{};
    icmp.length = length;
    auto view = wire::Icmpv4View<Bytes>::checked(msg);
    if (msg.size() < 2) {
        icmp.stop = IcmpStop::Truncated;
        return;
    }
    icmp.type = msg[0];
    icmp.code = msg[1];
    if (!view) {
        icmp.stop = IcmpStop::Truncated;
        return;
    }
    icmp.checksum = view->checksum();
    icmp.id = view->identifier();
    icmp.seq = view->sequence_number();
    icmp.word = view->rest_of_header();
    if (opts.verbose > 0 && !fragmented && msg.size() >= length) {
        const std::uint16_t sum = Checksum{}.add(msg.first(length)).folded();
        icmp.checksum_checked = true;
        icmp.checksum_ok = sum == 0xffff;
        if (!icmp.checksum_ok) icmp.checksum_expected = checksum_should_be(icmp.checksum, sum);
    }
    const bool error =
        icmp.type == 3 || icmp.type == 4 || icmp.type == 5 || icmp.type == 11 || icmp.type == 12;
    if (error && inner != nullptr) {
        const Bytes quoted = view->quoted();
        inner->present = true;
        std::uint32_t inner_len = 0;
        if (quoted.size() >= 4) inner_len = load_be16(quoted.data() + 2);
        dissect_ip(quoted, inner_len, opts, 1, inner->ip, nullptr);
        inner->ip.v4.length = inner_len;
    }
}

void dissect_icmpv6(Bytes msg, std::uint32_t length, bool fragmented, const IpContext& ip,
                    const DissectOptions& opts, IcmpSummary& icmp, InnerSummary* inner) {
    icmp = IcmpSummary{};
    icmp.length = length;
    if (msg.empty()) {
        icmp.stop = IcmpStop::Truncated;
        return;
    }
    icmp.type = msg[0];
    auto view = wire::Icmpv6View<Bytes>::checked(msg);
    if (!view) {
        icmp.stop = IcmpStop::Truncated;
        return;
    }
    icmp.code = view->code();
    icmp.checksum = view->checksum();
    icmp.id = view->identifier();
    icmp.seq = view->sequence_number();
    icmp.word = view->rest_of_header();
    if (opts.verbose > 0 && !fragmented && msg.size() >= length) {
        Checksum sum = ip.pseudo(kProtoIcmpv6, length);
        sum.add(msg.first(length));
        icmp.checksum_checked = true;
        icmp.checksum_ok = sum.folded() == 0xffff;
        if (!icmp.checksum_ok)
            icmp.checksum_expected = checksum_should_be(icmp.checksum, sum.folded());
    }
    if (icmp.type == 135 || icmp.type == 136 || icmp.type == 137) {
        if (auto t = view->target_address()) {
            icmp.has_target = true;
            icmp.target = *t;
        } else {
            icmp.stop = IcmpStop::Truncated;
            return;
        }
    }
    if (view->has_ndp_fixed_part() && opts.verbose > 0) {
        // NDP options (RFC 4861 §4.6) within the message length.
        Bytes area = view->ndp_options();
        const std::size_t fixed = msg.size() - area.size();
        if (length > fixed) {
            const std::size_t declared = length - fixed;
            if (area.size() > declared) area = area.first(declared);
            Cursor c(area);
            while (!c.empty() && icmp.nd_option_count < icmp.nd_option_type.size()) {
                auto type = c.u8();
                auto len = c.u8();
                if (!len) {
                    icmp.nd_options_truncated = true;
                    break;
                }
                const std::size_t i = icmp.nd_option_count;
                icmp.nd_option_type[i] = *type;
                icmp.nd_option_len[i] = *len;
                if (*len == 0) {
                    ++icmp.nd_option_count;
                    break;
                }
                auto body = c.take(std::size_t{*len} * 8 - 2);
                if (!body) {
                    icmp.nd_options_truncated = true;
                    break;
                }
                if (body->size() >= 6) icmp.nd_option_mac[i] = wire::MacAddress::from_bytes(*body);
                ++icmp.nd_option_count;
            }
        }
    }
    const bool error = icmp.type < 128;
    if (error && inner != nullptr) {
        const Bytes quoted = view->quoted();
        inner->present = true;
        std::uint32_t inner_len = 0;
        if (quoted.size() >= 6) inner_len = 40u + load_be16(quoted.data() + 4);
        dissect_ip(quoted, inner_len, opts, 1, inner->ip, nullptr);
    }
}

// --- IPv4 / IPv6 ----------------------------------------------------------------------------

void dissect_transport(Bytes payload, const IpContext& ctx, const DissectOptions& opts,
                       IpPacketSummary& out, InnerSummary* inner) {
    switch (out.protocol) {
        case kProtoTcp:
            out.transport = TransportKind::Tcp;
            dissect_tcp(payload, out.payload_len, ctx, out.fragmented, opts, out.tcp);
            break;
        case kProtoUdp:
            out.transport = TransportKind::Udp;
            dissect_udp(payload, out.payload_len, ctx, opts, out.udp);
            break;
        case kProtoIcmp:
            if (ctx.v6) {
                out.transport = TransportKind::Other;
                break;
            }
            out.transport = TransportKind::Icmp;
            dissect_icmpv4(payload, out.payload_len, out.fragmented, opts, out.icmp, inner);
            break;
        case kProtoIcmpv6:
            out.transport = TransportKind::Icmpv6;
            dissect_icmpv6(payload, out.payload_len, out.fragmented, ctx, opts, out.icmp, inner);
            break;
        default:
            out.transport = TransportKind::Other;
            break;
    }
}

void dissect_ipv4(Bytes bytes, std::uint32_t length, const DissectOptions& opts,
                  IpPacketSummary& out, InnerSummary* inner) {
    Ipv4Summary& v4 = out.v4;
    v4.length = length;
    if (bytes.empty()) {
        v4.stop = Ipv4Stop::NoVersion;
        return;
    }
    v4.version = bytes[0] >> 4;
    if (v4.version != 4) {
        v4.stop = Ipv4Stop::BadVersion;
        return;
    }
    auto view = wire::Ipv4View<Bytes>::checked_fixed(bytes);
    if (!view) {
        v4.stop = Ipv4Stop::HeaderTruncated;
        return;
    }
    if (length < wire::Ipv4View<Bytes>::kHeaderLen) {
        v4.stop = Ipv4Stop::ShortLength;
        return;
    }
    v4.header_len = static_cast<std::uint8_t>(view->header_len());
    if (view->header_len() < wire::Ipv4View<Bytes>::kHeaderLen) {
        v4.stop = Ipv4Stop::BadHlen;
        return;
    }
    v4.total_len = view->total_length();
    v4.tos = view->tos();
    v4.id = view->identification();
    v4.frag_field = load_be16(bytes.data() + 6);
    v4.ttl = view->ttl();
    v4.protocol = static_cast<std::uint8_t>(view->protocol());
    v4.checksum = view->header_checksum();
    v4.src = view->source();
    v4.dst = view->destination();
    if (v4.total_len < v4.header_len) {
        v4.stop = Ipv4Stop::BadLen;
        return;
    }
    const bool header_captured = view->header_len() <= bytes.size();
    if (opts.verbose > 0 && header_captured) {
        v4.checksum_checked = true;
        v4.checksum_ok = view->verify_checksum();
        if (!v4.checksum_ok) v4.checksum_expected = view->compute_checksum();
        wire::Ipv4OptionWalker walk(view->options());
        while (auto opt = walk.next()) {
            if (v4.option_count == v4.option_kinds.size()) break;
            v4.option_kinds[v4.option_count] = static_cast<std::uint8_t>(opt->type);
            v4.option_lens[v4.option_count] = static_cast<std::uint8_t>(opt->bytes.size());
            ++v4.option_count;
        }
        v4.options_bad = walk.malformed();
    }
    out.protocol = v4.protocol;
    out.payload_len = static_cast<std::uint32_t>(v4.total_len - v4.header_len);
    out.later_fragment = (v4.frag_field & 0x1fff) != 0;
    out.fragmented = (v4.frag_field & 0x2000) != 0;
    if (!header_captured) {
        v4.stop = Ipv4Stop::OptionsTruncated;
        return;
    }
    if (out.later_fragment) return;
    // Cut to the datagram's end (and the link's length), as tcpdump does before the transport.
    const std::size_t end = std::min<std::size_t>({bytes.size(), length, v4.total_len});
    const Bytes payload =
        end > v4.header_len ? bytes.subspan(v4.header_len, end - v4.header_len) : Bytes{};
    IpContext ctx;
    ctx.src4 = v4.src;
    ctx.dst4 = v4.dst;
    dissect_transport(payload, ctx, opts, out, inner);
}

void dissect_ipv6(Bytes bytes, std::uint32_t length, const DissectOptions& opts,
                  IpPacketSummary& out, InnerSummary* inner) {
    Ipv6Summary& v6 = out.v6;
    v6.length = length;
    auto view = wire::Ipv6View<Bytes>::checked(bytes);
    if (!view) {
        v6.stop = Ipv6Stop::HeaderTruncated;
        return;
    }
    if (length < wire::Ipv6View<Bytes>::kHeaderLen) {
        v6.stop = Ipv6Stop::ShortLength;
        return;
    }
    if (view->version() != 6) {
        v6.stop = Ipv6Stop::BadVersion;
        return;
    }
    v6.flow = load_be32(bytes.data());
    v6.payload_len = view->payload_length();
    v6.next_header = static_cast<std::uint8_t>(view->next_header());
    v6.hop_limit = view->hop_limit();
    v6.src = view->source();
    v6.dst = view->destination();
    std::uint32_t len = v6.payload_len != 0 ? v6.payload_len + 40u : length;
    const std::size_t end = std::min<std::size_t>({bytes.size(), length, len});
    Cursor c(bytes.first(end));
    c.skip(40);
    len -= 40;
    std::uint8_t nh = v6.next_header;
    if (nh == kProtoFragment) {
        // RFC 8200 §4.5: next header, reserved, offset/flags, identification.
        out.fragmented = true;
        v6.has_fragment = true;
        auto next = c.u8();
        const bool reserved = c.skip(1);
        auto offlg = c.be16();
        auto ident = c.be32();
        if (!next || !reserved || !offlg || !ident) {
            v6.fragment_truncated = true;
            return;
        }
        v6.frag_id = *ident;
        v6.frag_offset = static_cast<std::uint16_t>(*offlg & 0xfff8);
        v6.frag_more = (*offlg & 1) != 0;
        v6.frag_len = v6.payload_len >= 8 ? v6.payload_len - 8u : 0;
        nh = *next;
        len = len >= 8 ? len - 8 : 0;
        if (v6.frag_offset != 0 || c.empty()) {
            out.later_fragment = v6.frag_offset != 0;
            v6.upper_protocol = nh;
            out.protocol = nh;
            if (v6.frag_offset == 0) v6.fragment_truncated = true;
            return;
        }
    } else if (wire::is_ipv6_extension_header(wire::IpProtocol{nh})) {
        v6.unknown_extension = true;
        v6.upper_protocol = nh;
        out.protocol = nh;
        return;
    }
    v6.upper_protocol = nh;
    out.protocol = nh;
    out.payload_len = len;
    IpContext ctx;
    ctx.v6 = true;
    ctx.src6 = v6.src;
    ctx.dst6 = v6.dst;
    dissect_transport(c.rest(), ctx, opts, out, inner);
}

void dissect_ip(Bytes bytes, std::uint32_t length, const DissectOptions& opts, int depth,
                IpPacketSummary& out, InnerSummary* inner) {
    out = IpPacketSummary{};
    (void)depth;
    if (!bytes.empty() && (bytes[0] >> 4) == 6) {
        out.kind = NetKind::Ipv6;
        dissect_ipv6(bytes, length, opts, out, inner);
    } else {
        out.kind = NetKind::Ipv4;
        dissect_ipv4(bytes, length, opts, out, inner);
    }
}

void dissect_arp(Bytes bytes, std::uint32_t length, ArpSummary& arp) {
    arp = ArpSummary{};
    arp.length = length;
    auto view = wire::ArpView<Bytes>::checked(bytes);
    if (!view) {
        arp.truncated = true;
        if (bytes.size() >= 8) {
            arp.hardware_type = load_be16(bytes.data());
            arp.protocol_type = load_be16(bytes.data() + 2);
            arp.hardware_len = bytes[4];
            arp.protocol_len = bytes[5];
            arp.operation = load_be16(bytes.data() + 6);
        }
        return;
    }
    arp.hardware_type = view->hardware_type();
    arp.protocol_type = static_cast<std::uint16_t>(view->protocol_type());
    arp.hardware_len = view->hardware_len();
    arp.protocol_len = view->protocol_len();
    arp.operation = static_cast<std::uint16_t>(view->operation());
    arp.ethernet_ipv4 = view->is_ethernet_ipv4();
    if (arp.ethernet_ipv4) {
        arp.sender_mac = view->sender_mac();
        arp.sender_ip = view->sender_ip();
        arp.target_mac = view->target_mac();
        arp.target_ip = view->target_ip();
    }
}

}  // namespace

void dissect(const Record& record, LinkType link, const DissectOptions& options,
             PacketSummary& out) {
    out.number = record.number;
    out.ts = record.ts;
    out.net = NetKind::None;
    out.inner.present = false;
    out.opaque_payload = Bytes{};
    const LinkDecode l = decode_link(link, record.data, record.origlen);
    out.link = l.info;
    if (l.info.truncated) return;
    const std::uint32_t length =
        record.origlen > l.info.header_len ? record.origlen - l.info.header_len : 0;
    switch (l.info.protocol) {
        case kEtherTypeIpv4:
            out.net = NetKind::Ipv4;
            out.ip = IpPacketSummary{};
            out.ip.kind = NetKind::Ipv4;
            dissect_ipv4(l.payload, length, options, out.ip, &out.inner);
            break;
        case kEtherTypeIpv6:
            out.net = NetKind::Ipv6;
            out.ip = IpPacketSummary{};
            out.ip.kind = NetKind::Ipv6;
            dissect_ipv6(l.payload, length, options, out.ip, &out.inner);
            break;
        case kEtherTypeArp:
            out.net = NetKind::Arp;
            dissect_arp(l.payload, length, out.arp);
            break;
        default:
            out.net = NetKind::Other;
            out.opaque_payload = l.payload;
            break;
    }
}

PacketSummary dissect(const Record& record, LinkType link, const DissectOptions& options) {
    PacketSummary s;
    dissect(record, link, options, s);
    return s;
}

}  // namespace ustack::capture
