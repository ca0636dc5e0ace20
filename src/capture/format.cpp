// The tcpdump 4.99.3 line format. Every string and separator here was checked against the real
// tcpdump on crafted and kernel-made captures (tests/capture/format_test.cpp, tests/golden/).
#include "capture/format.h"

#include <net/if.h>
#include <netdb.h>

#include <charconv>
#include <cstring>
#include <ctime>

#include "wire/tcp.h"

namespace ustack::capture {
namespace {

// --- small appenders (no iostreams, no locale) ------------------------------------------------

void put(std::string& out, std::string_view s) {
    out.append(s);
}
void put(std::string& out, char c) {
    out.push_back(c);
}

void put_u(std::string& out, std::uint64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

// Zero-padded decimal of exactly `width` digits.
void put_u_pad(std::string& out, std::uint64_t v, int width) {
    char buf[24];
    for (int i = width - 1; i >= 0; --i) {
        buf[i] = static_cast<char>('0' + v % 10);
        v /= 10;
    }
    out.append(buf, static_cast<std::size_t>(width));
}

constexpr char kHex[] = "0123456789abcdef";

void put_hex(std::string& out, std::uint64_t v) {
    char buf[20];
    int n = 0;
    do {
        buf[n++] = kHex[v & 0xf];
        v >>= 4;
    } while (v != 0);
    while (n > 0)
        out.push_back(buf[--n]);
}

void put_hex_pad(std::string& out, std::uint64_t v, int width) {
    for (int i = width - 1; i >= 0; --i)
        out.push_back(kHex[(v >> (4 * i)) & 0xf]);
}

void put_ip(std::string& out, const wire::Ipv4Address& a) {
    char buf[wire::Ipv4Address::kMaxTextLen];
    out.append(buf, a.format(buf));
}
void put_ip(std::string& out, const wire::Ipv6Address& a) {
    char buf[wire::Ipv6Address::kMaxTextLen];
    out.append(buf, a.format(buf));
}
void put_mac(std::string& out, const wire::MacAddress& m) {
    char buf[wire::MacAddress::kTextLen];
    m.format(buf);
    out.append(buf, sizeof buf);
}

// --- names, as tcpdump's tables have them ----------------------------------------------------

const char* ipproto_name(std::uint8_t p) {
    switch (p) {
        case 0:
            return "Options";
        case 1:
            return "ICMP";
        case 2:
            return "IGMP";
        case 4:
            return "IPIP";
        case 6:
            return "TCP";
        case 8:
            return "EGP";
        case 9:
            return "IGRP";
        case 17:
            return "UDP";
        case 33:
            return "DCCP";
        case 41:
            return "IPv6";
        case 43:
            return "Routing";
        case 44:
            return "Fragment";
        case 46:
            return "RSVP";
        case 47:
            return "GRE";
        case 50:
            return "ESP";
        case 51:
            return "AH";
        case 58:
            return "ICMPv6";
        case 59:
            return "NONE";
        case 60:
            return "DSTOPTS";
        case 89:
            return "OSPF";
        case 103:
            return "PIM";
        case 112:
            return "VRRP";
        case 132:
            return "SCTP";
        default:
            return nullptr;
    }
}

const char* ethertype_name(std::uint16_t t) {
    switch (t) {
        case 0x0800:
            return "IPv4";
        case 0x0806:
            return "ARP";
        case 0x86dd:
            return "IPv6";
        case 0x8100:
            return "802.1Q";
        case 0x88a8:
            return "802.1Q-QinQ";
        case 0x9100:
            return "802.1Q-9100";
        case 0x88cc:
            return "LLDP";
        case 0x8035:
            return "Reverse ARP";
        case 0x8847:
            return "MPLS unicast";
        case 0x8848:
            return "MPLS multicast";
        default:
            return nullptr;
    }
}

const char* tcp_option_name(std::uint8_t kind) {
    switch (kind) {
        case 0:
            return "eol";
        case 1:
            return "nop";
        case 2:
            return "mss";
        case 3:
            return "wscale";
        case 4:
            return "sackOK";
        case 5:
            return "sack";
        case 6:
            return "echo";
        case 7:
            return "echoreply";
        case 8:
            return "TS";
        case 11:
            return "cc";
        case 12:
            return "ccnew";
        case 13:
            return "";
        case 19:
            return "md5";
        case 20:
            return "scps";
        case 28:
            return "uto";
        case 29:
            return "tcp-ao";
        case 30:
            return "mptcp";
        case 34:
            return "tfo";
        case 254:
            return "exp";
        default:
            return nullptr;
    }
}

void put_port(std::string& out, std::uint16_t port, bool udp, const PrintOptions& o,
              FormatState& st) {
    if (o.numeric > 0)
        put_u(out, port);
    else
        put(out, st.port_name(port, udp));
}

// --- link layer ------------------------------------------------------------------------------

void put_ethertype(std::string& out, std::uint16_t type, bool quiet) {
    const char* name = ethertype_name(type);
    if (quiet) {
        if (name) {
            put(out, name);
        } else {
            put(out, "Unknown Ethertype (0x");
            put_hex_pad(out, type, 4);
            put(out, ')');
        }
        return;
    }
    put(out, "ethertype ");
    put(out, name ? name : "Unknown");
    put(out, " (0x");
    put_hex_pad(out, type, 4);
    put(out, ')');
}

void put_ethernet_header(const LinkSummary& l, const PrintOptions& o, std::string& out) {
    put_mac(out, l.src);
    put(out, " > ");
    put_mac(out, l.dst);
    put(out, ", ");
    put_ethertype(out, l.outer_type, o.quiet);
    put(out, ", length ");
    put_u(out, l.wire_len);
    put(out, ": ");
    for (std::size_t i = 0; i < l.vlan_count; ++i) {
        const auto& tag = l.vlans[i];
        put(out, "vlan ");
        put_u(out, tag.vid);
        put(out, ", p ");
        put_u(out, tag.pcp);
        if (tag.dei) put(out, ", DEI");
        put(out, ", ");
        const std::uint16_t next =
            i + 1 < l.vlan_count ? static_cast<std::uint16_t>(l.vlans[i + 1].tpid) : l.protocol;
        put_ethertype(out, next, o.quiet);
        put(out, ", ");
    }
}

const char* sll_direction(std::uint16_t t) {
    switch (t) {
        case 0:
            return "In";
        case 1:
            return "B";
        case 2:
            return "M";
        case 3:
            return "P";
        case 4:
            return "Out";
        default:
            return "?";
    }
}

void put_sll_addr(const LinkSummary& l, std::string& out) {
    for (std::size_t i = 0; i < l.halen; ++i) {
        if (i) put(out, ':');
        put_hex_pad(out, l.addr[i], 2);
    }
}

// The link-level part of the line; returns false when the line ends there.
bool put_link(const PacketSummary& s, const PrintOptions& o, FormatState& st, std::string& out) {
    const LinkSummary& l = s.link;
    const bool known = l.protocol == 0x0800 || l.protocol == 0x86dd || l.protocol == 0x0806;
    switch (l.type) {
        case LinkType::Ethernet:
            if (l.truncated) {
                put(out, " [|ether]");
                return false;
            }
            if (o.link_header || !known) put_ethernet_header(l, o, out);
            break;
        case LinkType::LinuxSll:
            if (l.truncated) {
                put(out, " [|sll]");
                return false;
            }
            if (o.link_header || !known) {
                const char* dir = sll_direction(l.packet_type);
                for (std::size_t n = std::strlen(dir); n < 3; ++n)
                    put(out, ' ');
                put(out, dir);
                put(out, ' ');
                put_sll_addr(l, out);
                put(out, ' ');
                if (!o.quiet) {
                    put_ethertype(out, l.protocol, false);
                    put(out, ", length ");
                    put_u(out, l.wire_len);
                    put(out, ": ");
                }
            }
            break;
        case LinkType::LinuxSll2: {
            if (l.truncated) {
                put(out, " [|sll2]");
                return false;
            }
            const std::string& name = st.interface_name(l.ifindex);
            put(out, name);
            for (std::size_t n = name.size(); n < 5; ++n)
                put(out, ' ');
            put(out, ' ');
            const char* dir = sll_direction(l.packet_type);
            put(out, dir);
            for (std::size_t n = std::strlen(dir); n < 3; ++n)
                put(out, ' ');
            put(out, ' ');
            if (o.link_header || !known) {
                put(out, "ifindex ");
                put_u(out, l.ifindex);
                put(out, ' ');
                put_sll_addr(l, out);
                put(out, ' ');
                if (!o.quiet) {
                    put_ethertype(out, l.protocol, false);
                    put(out, ", length ");
                    put_u(out, l.wire_len);
                    put(out, ": ");
                }
            }
            break;
        }
        case LinkType::Null:
        case LinkType::Loop:
            if (l.truncated) {
                put(out, " [|null]");
                return false;
            }
            if (o.link_header || !known) {
                const char* name = l.protocol == 0x0800   ? "IPv4"
                                   : l.protocol == 0x86dd ? "IPv6"
                                                          : nullptr;
                if (o.quiet) {
                    if (name) {
                        put(out, name);
                    } else {
                        put(out, "Unknown AF ");
                        put_u(out, l.family);
                    }
                } else {
                    put(out, "AF ");
                    put(out, name ? name : "Unknown");
                    put(out, " (");
                    put_u(out, l.family);
                    put(out, ')');
                }
                put(out, ", length ");
                put_u(out, l.wire_len);
                put(out, ": ");
            }
            break;
        case LinkType::Raw:
            if (o.link_header) put(out, "ip: ");
            break;
        case LinkType::Ipv4:
        case LinkType::Ipv6:
            break;
    }
    return true;
}

// --- transport --------------------------------------------------------------------------------

struct Addrs {
    const IpPacketSummary& ip;
    void put_src(std::string& out) const {
        if (ip.kind == NetKind::Ipv6)
            put_ip(out, ip.v6.src);
        else
            put_ip(out, ip.v4.src);
    }
    void put_dst(std::string& out) const {
        if (ip.kind == NetKind::Ipv6)
            put_ip(out, ip.v6.dst);
        else
            put_ip(out, ip.v4.dst);
    }
    void put_pair(std::string& out) const {
        put_src(out);
        put(out, " > ");
        put_dst(out);
    }
    // "src.port > dst.port: " for a transport header of protocol `proto`. After IPv6 extension
    // headers tcpdump shows the ports alone.
    void put_ports(std::string& out, std::uint8_t proto, std::uint16_t src_port,
                   std::uint16_t dst_port, const PrintOptions& o, FormatState& st) const {
        const bool udp = proto == 17;
        const bool with_addrs = ip.kind != NetKind::Ipv6 || ip.v6.next_header == proto;
        if (with_addrs) put_src(out), put(out, '.');
        put_port(out, src_port, udp, o, st);
        put(out, " > ");
        if (with_addrs) put_dst(out), put(out, '.');
        put_port(out, dst_port, udp, o, st);
        put(out, ": ");
    }
};

void put_tcp_options(const TcpSummary& t, std::string& out) {
    put(out, ", options [");
    for (std::size_t i = 0; i < t.option_count; ++i) {
        const TcpOptionItem& it = t.options[i];
        if (i > 0) put(out, ',');
        const bool ch = i > 0;  // tcpdump's separator state: closing text depends on it
        if (it.end == TcpOptionEnd::TruncGet) {
            put(out, " [|tcp]");
            return;
        }
        if (it.end == TcpOptionEnd::BadBefore) {
            put(out, "[bad opt]");
            if (ch) put(out, ']');
            return;
        }
        const char* name = tcp_option_name(it.kind);
        if (name) {
            put(out, name);
        } else {
            put(out, "unknown-");
            put_u(out, it.kind);
        }
        const bool whole = it.end == TcpOptionEnd::Ok;
        switch (it.kind) {
            case 0:
            case 1:
            case 4:
                break;
            case 5:
                if (it.sack_invalid) {
                    put(out, " invalid sack");
                } else {
                    if (whole || it.value_count > 0 || true) {
                        put(out, ' ');
                        put_u(out, (it.len - 2u) / 8u);
                        put(out, ' ');
                    }
                    for (std::size_t v = 0; v + 1 < it.value_count; v += 2) {
                        put(out, '{');
                        put_u(out, static_cast<std::uint32_t>(it.values[v] - t.sack_base));
                        put(out, ':');
                        put_u(out, static_cast<std::uint32_t>(it.values[v + 1] - t.sack_base));
                        put(out, '}');
                    }
                }
                break;
            case 8:
                if (whole) {
                    put(out, " val ");
                    put_u(out, it.values[0]);
                    put(out, " ecr ");
                    put_u(out, it.values[1]);
                }
                break;
            case 19:
                if (whole) {
                    put(out, " shared secret not supplied with -M, can't check - ");
                    for (std::size_t b = 0; b < it.raw_len; ++b)
                        put_hex_pad(out, it.raw[b], 2);
                }
                break;
            case 28:
                if (whole) {
                    std::uint32_t v = it.values[0];
                    put(out, " 0x");
                    put_hex(out, v);
                    v = (v & 1) ? (v >> 1) * 60 : v >> 1;
                    put(out, ' ');
                    put_u(out, v);
                }
                break;
            case 20:
                if (whole && it.raw_len >= 2) {
                    put(out, " cap ");
                    put_hex_pad(out, it.raw[0], 2);
                    put(out, " id ");
                    put_u(out, it.raw[1]);
                }
                break;
            case 34:
                if (whole) {
                    if (it.raw_len == 0) {
                        put(out, " cookiereq");
                    } else if (it.raw_len % 2 != 0 || it.raw_len < 4 || it.raw_len > 16) {
                        put(out, " (invalid)");
                    } else {
                        put(out, " cookie ");
                        for (std::size_t b = 0; b < it.raw_len; ++b)
                            put_hex_pad(out, it.raw[b], 2);
                    }
                }
                break;
            case 254:
                if (whole) {
                    if (it.raw_len < 2) {
                        put(out, "[bad opt]]");
                        return;
                    }
                    const std::uint16_t magic =
                        static_cast<std::uint16_t>((it.raw[0] << 8) | it.raw[1]);
                    put(out, '-');
                    if (magic == 0xf989) {
                        put(out, "tfo");
                        const std::size_t n = it.raw_len - 2u;
                        if (n == 0) {
                            put(out, " cookiereq");
                        } else if (n % 2 != 0 || n < 4 || n > 16) {
                            put(out, " (invalid)");
                        } else {
                            put(out, " cookie ");
                            for (std::size_t b = 2; b < it.raw_len; ++b)
                                put_hex_pad(out, it.raw[b], 2);
                        }
                    } else {
                        put_hex_pad(out, magic, 4);
                    }
                }
                break;
            case 2:
            case 3:
            case 6:
            case 7:
            case 11:
            case 12:
            case 13:
                if (whole) {
                    put(out, ' ');
                    put_u(out, it.values[0]);
                }
                break;
            default:
                if (it.len > 2) {
                    put(out, " 0x");
                    for (std::size_t b = 0; b < it.raw_len; ++b)
                        put_hex_pad(out, it.raw[b], 2);
                }
                break;
        }
        if (it.end == TcpOptionEnd::BadAfter) {
            put(out, "[bad opt]");
            if (ch) put(out, ']');
            return;
        }
        if (it.end == TcpOptionEnd::TruncAfter) {
            put(out, " [|tcp]");
            if (ch) put(out, '>');
            return;
        }
        if (it.len_mismatch) {
            put(out, "[len ");
            put_u(out, it.len);
            put(out, ']');
        }
    }
    put(out, ']');
}

// fn_print_char: printable ASCII as is, others as M- / ^ escapes.
void put_safe_char(std::string& out, std::uint8_t c) {
    if (c & 0x80) {
        put(out, "M-");
        c &= 0x7f;
    }
    if (c < 0x20 || c == 0x7f) {
        put(out, '^');
        c ^= 0x40;
    }
    out.push_back(static_cast<char>(c));
}

// Returns false when tcpdump's output for this segment stops early (no "length").
void put_tcp(const IpPacketSummary& ip, const PrintOptions& o, FormatState& st, std::string& out) {
    const TcpSummary& t = ip.tcp;
    const Addrs a{ip};
    if (t.stop == TcpStop::PortsTruncated) {
        a.put_pair(out);
        put(out, ": [|tcp]");
        return;
    }
    a.put_ports(out, 6, t.src_port, t.dst_port, o, st);
    if (t.stop == TcpStop::HeaderTruncated) {
        put(out, " [|tcp]");
        return;
    }
    if (t.stop == TcpStop::BadHdrShort) {
        put(out, " tcp ");
        put_u(out, static_cast<std::uint32_t>(t.length - t.header_len));
        put(out, " [bad hdr length ");
        put_u(out, t.header_len);
        put(out, " - too short, < 20]");
        return;
    }
    if (o.quiet) {
        put(out, "tcp ");
        put_u(out, static_cast<std::uint32_t>(t.length - t.header_len));
        if (t.header_len > t.length) {
            put(out, " [bad hdr length ");
            put_u(out, t.header_len);
            put(out, " - too long, > ");
            put_u(out, t.length);
            put(out, ']');
        }
        return;
    }
    // tcpdump 4.99.3 keeps the flags in a u_char: the AE bit (0x100) is not shown.
    static constexpr struct {
        std::uint8_t bit;
        char letter;
    } kFlagLetters[] = {{0x01, 'F'}, {0x02, 'S'}, {0x04, 'R'}, {0x08, 'P'},
                        {0x10, '.'}, {0x20, 'U'}, {0x40, 'E'}, {0x80, 'W'}};
    put(out, "Flags [");
    const std::uint8_t flags = static_cast<std::uint8_t>(t.flags);
    if (flags == 0) put(out, "none");
    for (const auto& f : kFlagLetters)
        if (flags & f.bit) put(out, f.letter);
    put(out, ']');
    if (t.stop == TcpStop::BadHdrLong) {
        put(out, " [bad hdr length ");
        put_u(out, t.header_len);
        put(out, " - too long, > ");
        put_u(out, t.length);
        put(out, ']');
        return;
    }
    if (t.checksum_checked) {
        put(out, ", cksum 0x");
        put_hex_pad(out, t.checksum, 4);
        if (t.checksum_ok) {
            put(out, " (correct)");
        } else {
            put(out, " (incorrect -> 0x");
            put_hex_pad(out, t.checksum_expected, 4);
            put(out, ')');
        }
    }
    const std::uint32_t data_len = t.length - t.header_len;
    if (o.verbose > 1 || data_len > 0 || (flags & 0x07) != 0) {
        put(out, ", seq ");
        put_u(out, t.shown_seq);
        if (data_len > 0) {
            put(out, ':');
            put_u(out, static_cast<std::uint32_t>(t.shown_seq + data_len));
        }
    }
    if (flags & wire::TcpFlags::kAck) {
        put(out, ", ack ");
        put_u(out, t.shown_ack);
    }
    put(out, ", win ");
    put_u(out, t.window);
    if (flags & wire::TcpFlags::kUrg) {
        put(out, ", urg ");
        put_u(out, t.urgent);
    }
    if (t.has_options) {
        const std::size_t before = out.size();
        put_tcp_options(t, out);
        // The walk ended in "[bad opt]" or "[|tcp]": tcpdump stops the segment there.
        const std::string_view tail(out.data() + before, out.size() - before);
        if (tail.find("[bad opt]") != std::string_view::npos ||
            tail.find(" [|tcp]") != std::string_view::npos)
            return;
    }
    put(out, ", length ");
    put_u(out, data_len);
    if (data_len > 0 && (flags & wire::TcpFlags::kRst) && o.verbose > 0 && t.rst_data_present) {
        put(out, t.rst_data_complete ? " [RST" : " [!RST");
        if (data_len > 30) put(out, '+');
        put(out, ' ');
        for (std::size_t i = 0; i < t.rst_data_len; ++i)
            put_safe_char(out, t.rst_data[i]);
        put(out, ']');
    }
}

void put_udp(const IpPacketSummary& ip, const PrintOptions& o, FormatState& st, std::string& out) {
    const UdpSummary& u = ip.udp;
    const Addrs a{ip};
    if (u.stop == UdpStop::PortsTruncated) {
        a.put_pair(out);
        put(out, ":  [|udp]");
        return;
    }
    a.put_ports(out, 17, u.src_port, u.dst_port, o, st);
    switch (u.stop) {
        case UdpStop::ShortLength:
            put(out, "truncated-udp ");
            put_u(out, u.length);
            return;
        case UdpStop::LengthTruncated:
        case UdpStop::PayloadTruncated:
            put(out, " [|udp]");
            return;
        case UdpStop::BadLength:
            put(out, "truncated-udplength ");
            put_u(out, u.ulen);
            return;
        default:
            break;
    }
    if (u.checksum_checked) {
        if (u.checksum == 0 && ip.kind == NetKind::Ipv4) {
            put(out, "[no cksum] ");
        } else if (u.checksum_ok) {
            put(out, "[udp sum ok] ");
        } else {
            put(out, "[bad udp cksum 0x");
            put_hex_pad(out, u.checksum, 4);
            put(out, " -> 0x");
            put_hex_pad(out, u.checksum_expected, 4);
            put(out, "!] ");
        }
    }
    if (o.quiet) {
        put(out, "UDP, length ");
    } else {
        put(out, "UDP, length ");
    }
    put_u(out, static_cast<std::uint32_t>(u.ulen - 8u));
}

void put_ip_packet(const IpPacketSummary& ip, const InnerSummary* inner, const PrintOptions& o,
                   FormatState& st, std::string& out);

const char* icmp_unreach_format(std::uint8_t code) {
    switch (code) {
        case 0:
            return "net %s unreachable";
        case 1:
            return "host %s unreachable";
        case 5:
            return "%s unreachable - source route failed";
        case 6:
            return "net %s unreachable - unknown";
        case 7:
            return "host %s unreachable - unknown";
        case 8:
            return "%s unreachable - source host isolated";
        case 9:
            return "net %s unreachable - admin prohibited";
        case 10:
            return "host %s unreachable - admin prohibited";
        case 11:
            return "net %s unreachable - tos prohibited";
        case 12:
            return "host %s unreachable - tos prohibited";
        case 13:
            return "host %s unreachable - admin prohibited filter";
        case 14:
            return "host %s unreachable - host precedence violation";
        case 15:
            return "host %s unreachable - precedence cutoff";
        default:
            return nullptr;
    }
}

// "%s" in `fmt` replaced by the address.
void put_with_addr(std::string& out, const char* fmt, const wire::Ipv4Address& a) {
    const char* p = std::strstr(fmt, "%s");
    out.append(fmt, static_cast<std::size_t>(p - fmt));
    put_ip(out, a);
    out.append(p + 2);
}

void put_icmpv4(const IpPacketSummary& ip, const InnerSummary* inner, const PrintOptions& o,
                FormatState& st, std::string& out) {
    const IcmpSummary& c = ip.icmp;
    if (c.stop == IcmpStop::Truncated) {
        put(out, " [|icmp]");
        return;
    }
    const IpPacketSummary* q = (inner && inner->present) ? &inner->ip : nullptr;
    const bool q_dst = q && q->kind == NetKind::Ipv4 && q->v4.stop != Ipv4Stop::HeaderTruncated &&
                       q->v4.stop != Ipv4Stop::NoVersion && q->v4.stop != Ipv4Stop::BadVersion;
    put(out, "ICMP ");
    switch (c.type) {
        case 0:
        case 8:
            put(out, c.type == 8 ? "echo request, id " : "echo reply, id ");
            put_u(out, c.id);
            put(out, ", seq ");
            put_u(out, c.seq);
            break;
        case 3:
            if (!q_dst) {
                out.resize(out.size() - 5);
                put(out, " [|icmp]");
                return;
            }
            if (c.code == 2) {
                put_ip(out, q->v4.dst);
                put(out, " protocol ");
                put_u(out, q->v4.protocol);
                put(out, " unreachable");
            } else if (c.code == 3) {
                std::uint16_t dport = 0;
                if (q->transport == TransportKind::Tcp && q->tcp.stop != TcpStop::PortsTruncated)
                    dport = q->tcp.dst_port;
                else if (q->transport == TransportKind::Udp &&
                         q->udp.stop != UdpStop::PortsTruncated)
                    dport = q->udp.dst_port;
                else if (q->transport != TransportKind::Other) {
                    out.resize(out.size() - 5);
                    put(out, " [|icmp]");
                    return;
                }
                put_ip(out, q->v4.dst);
                if (q->protocol == 6 || q->protocol == 17) {
                    put(out, q->protocol == 6 ? " tcp port " : " udp port ");
                    put_port(out, dport, q->protocol == 17, o, st);
                    put(out, " unreachable");
                } else {
                    put(out, " protocol ");
                    put_u(out, q->protocol);
                    put(out, " port ");
                    put_u(out, dport);
                    put(out, " unreachable");
                }
            } else if (c.code == 4) {
                put_ip(out, q->v4.dst);
                const std::uint16_t mtu = static_cast<std::uint16_t>(c.word & 0xffff);
                put(out, " unreachable - need to frag");
                if (mtu) {
                    put(out, " (mtu ");
                    put_u(out, mtu);
                    put(out, ')');
                }
            } else if (const char* fmt = icmp_unreach_format(c.code)) {
                put_with_addr(out, fmt, q->v4.dst);
            } else {
                put(out, '#');
                put_u(out, c.code);
                put(out, ' ');
                put_ip(out, q->v4.dst);
                put(out, " unreachable");
            }
            break;
        case 11:
            if (c.code == 0)
                put(out, "time exceeded in-transit");
            else if (c.code == 1)
                put(out, "ip reassembly time exceeded");
            else {
                put(out, "time exceeded-#");
                put_u(out, c.code);
            }
            break;
        case 4:
            put(out, "source quench");
            break;
        case 10:
            put(out, "router solicitation");
            break;
        case 13:
            put(out, "time stamp request");
            break;
        case 14:
            put(out, "time stamp reply");
            break;
        case 15:
            put(out, "information request");
            break;
        case 16:
            put(out, "information reply");
            break;
        case 17:
            put(out, "address mask request");
            break;
        default:
            put(out, "type-#");
            put_u(out, c.type);
            break;
    }
    put(out, ", length ");
    put_u(out, c.length);
    if (c.checksum_checked && !c.checksum_ok) {
        put(out, " (wrong icmp cksum ");
        put_hex(out, c.checksum);
        put(out, " (->");
        put_hex(out, c.checksum_expected);
        put(out, ")!)");
    }
    const bool error = c.type == 3 || c.type == 4 || c.type == 5 || c.type == 11 || c.type == 12;
    if (o.verbose > 0 && error && q) {
        put(out, "\n\t");
        put_ip_packet(*q, nullptr, o, st, out);
    }
}

const char* icmp6_type_name(std::uint8_t t) {
    switch (t) {
        case 1:
            return "destination unreachable";
        case 2:
            return "packet too big";
        case 3:
            return "time exceeded";
        case 4:
            return "parameter problem";
        case 128:
            return "echo request";
        case 129:
            return "echo reply";
        case 130:
            return "multicast listener query";
        case 131:
            return "multicast listener report";
        case 132:
            return "multicast listener done";
        case 133:
            return "router solicitation";
        case 134:
            return "router advertisement";
        case 135:
            return "neighbor solicitation";
        case 136:
            return "neighbor advertisement";
        case 137:
            return "redirect";
        case 143:
            return "multicast listener report v2";
        default:
            return nullptr;
    }
}

void put_nd_options(const IcmpSummary& c, const PrintOptions& o, std::string& out) {
    for (std::size_t i = 0; i < c.nd_option_count; ++i) {
        const std::uint8_t type = c.nd_option_type[i];
        const std::uint8_t len = c.nd_option_len[i];
        put(out, "\n\t  ");
        put(out, type == 1   ? "source link-address"
                 : type == 2 ? "destination link-address"
                             : "unknown");
        put(out, " option (");
        put_u(out, type);
        put(out, "), length ");
        put_u(out, len * 8u);
        put(out, " (");
        put_u(out, len);
        put(out, ")");
        if (len == 0) {
            put(out, " [|icmp6]");
            return;
        }
        put(out, ": ");
        if ((type == 1 || type == 2) && len == 1) {
            put_mac(out, c.nd_option_mac[i]);
            if (o.verbose > 1) {
                put(out, "\n\t    0x0000:  ");
                for (std::size_t b = 0; b < 6; ++b) {
                    put_hex_pad(out, c.nd_option_mac[i].octets[b], 2);
                    if (b % 2 == 1 && b != 5) put(out, ' ');
                }
            }
        }
    }
    if (c.nd_options_truncated) put(out, " [|icmp6]");
}

void put_icmpv6(const IpPacketSummary& ip, const InnerSummary* inner, const PrintOptions& o,
                FormatState& st, std::string& out) {
    const IcmpSummary& c = ip.icmp;
    if (c.stop == IcmpStop::Truncated) {
        put(out, " [|icmp6]");
        return;
    }
    if (c.checksum_checked) {
        if (c.checksum_ok) {
            put(out, "[icmp6 sum ok] ");
        } else {
            put(out, "[bad icmp6 cksum 0x");
            put_hex_pad(out, c.checksum, 4);
            put(out, " -> 0x");
            put_hex_pad(out, c.checksum_expected, 4);
            put(out, "!] ");
        }
    }
    put(out, "ICMP6, ");
    if (const char* name = icmp6_type_name(c.type)) {
        put(out, name);
    } else {
        put(out, "unknown icmp6 type (");
        put_u(out, c.type);
        put(out, ')');
    }
    const bool nd =
        c.type == 133 || c.type == 134 || c.type == 135 || c.type == 136 || c.type == 137;
    if (o.verbose > 0 && nd) {
        put(out, ", length ");
        put_u(out, c.length);
    }
    const IpPacketSummary* q = (inner && inner->present) ? &inner->ip : nullptr;
    const bool q_ok = q && q->kind == NetKind::Ipv6 && q->v6.stop == Ipv6Stop::None;
    switch (c.type) {
        case 1:
            switch (c.code) {
                case 0:
                    put(out, ", unreachable route");
                    break;
                case 1:
                    put(out, ", unreachable prohibited");
                    break;
                case 2:
                    put(out, ", beyond scope");
                    break;
                case 3:
                    put(out, ", unreachable address");
                    break;
                case 4:
                    put(out, ", unreachable port");
                    break;
                default:
                    put(out, ", unknown unreach code (");
                    put_u(out, c.code);
                    put(out, ')');
                    break;
            }
            if (!q_ok) {
                put(out, " [|icmp6]");
                return;
            }
            if (c.code == 0 || c.code == 1 || c.code == 3) {
                put(out, ' ');
                put_ip(out, q->v6.dst);
            } else if (c.code == 4) {
                std::uint16_t dport = 0;
                if (q->transport == TransportKind::Tcp && q->tcp.stop != TcpStop::PortsTruncated)
                    dport = q->tcp.dst_port;
                else if (q->transport == TransportKind::Udp &&
                         q->udp.stop != UdpStop::PortsTruncated)
                    dport = q->udp.dst_port;
                else {
                    put(out, " [|icmp6]");
                    return;
                }
                put(out, ", ");
                put_ip(out, q->v6.dst);
                if (q->protocol == 6 || q->protocol == 17) {
                    put(out, q->protocol == 6 ? " tcp port " : " udp port ");
                    put_port(out, dport, q->protocol == 17, o, st);
                } else {
                    put(out, " protocol ");
                    put_u(out, q->protocol);
                    put(out, " port ");
                    put_u(out, dport);
                    put(out, " unreachable");
                }
            }
            break;
        case 2:
            put(out, ", mtu ");
            put_u(out, c.word);
            break;
        case 3:
            if (c.code == 0) {
                if (!q_ok) {
                    put(out, " [|icmp6]");
                    return;
                }
                put(out, " for ");
                put_ip(out, q->v6.dst);
            } else if (c.code == 1) {
                put(out, " (reassembly)");
            } else {
                put(out, ", unknown code (");
                put_u(out, c.code);
                put(out, ')');
            }
            break;
        case 128:
        case 129:
            put(out, ", id ");
            put_u(out, c.id);
            put(out, ", seq ");
            put_u(out, c.seq);
            break;
        case 133:
            if (o.verbose > 0) put_nd_options(c, o, out);
            break;
        case 135:
            put(out, ", who has ");
            put_ip(out, c.target);
            if (o.verbose > 0) put_nd_options(c, o, out);
            break;
        case 136:
            put(out, ", tgt is ");
            put_ip(out, c.target);
            if (o.verbose > 0) {
                put(out, ", Flags [");
                const std::uint32_t f = c.word;
                bool any = false;
                auto flag = [&](std::uint32_t bit, const char* name) {
                    if (!(f & bit)) return;
                    if (any) put(out, ", ");
                    put(out, name);
                    any = true;
                };
                flag(0x80000000u, "router");
                flag(0x40000000u, "solicited");
                flag(0x20000000u, "override");
                if (!any) put(out, "none");
                put(out, ']');
                put_nd_options(c, o, out);
            }
            break;
        default:
            break;
    }
    if (o.verbose == 0) {
        put(out, ", length ");
        put_u(out, c.length);
    }
}

void put_transport(const IpPacketSummary& ip, const InnerSummary* inner, const PrintOptions& o,
                   FormatState& st, std::string& out) {
    switch (ip.transport) {
        case TransportKind::Tcp:
            put_tcp(ip, o, st, out);
            break;
        case TransportKind::Udp:
            put_udp(ip, o, st, out);
            break;
        case TransportKind::Icmp:
            put_icmpv4(ip, inner, o, st, out);
            break;
        case TransportKind::Icmpv6:
            put_icmpv6(ip, inner, o, st, out);
            break;
        default:
            if (o.numeric == 0) {
                if (const protoent* pe = getprotobynumber(ip.protocol)) {
                    put(out, ' ');
                    put(out, pe->p_name);
                    put(out, ' ');
                    put_u(out, ip.payload_len);
                    break;
                }
            }
            put(out, " ip-proto-");
            put_u(out, ip.protocol);
            put(out, ' ');
            put_u(out, ip.payload_len);
            break;
    }
}

bool addresses_by_transport(std::uint8_t proto) {
    return proto == 6 || proto == 17 || proto == 132 || proto == 33;
}

void put_ipv4(const IpPacketSummary& ip, const InnerSummary* inner, const PrintOptions& o,
              FormatState& st, std::string& out) {
    const Ipv4Summary& v = ip.v4;
    switch (v.stop) {
        case Ipv4Stop::NoVersion:
            put(out, " [|ip]");
            return;
        case Ipv4Stop::BadVersion:
            if (v.version == 6) {
                put(out, "IP6, wrong link-layer encapsulation");
            } else {
                put(out, "IP");
                put_u(out, v.version);
            }
            put(out, " (invalid)");
            return;
        default:
            break;
    }
    if (!o.link_header) put(out, "IP ");
    switch (v.stop) {
        case Ipv4Stop::HeaderTruncated:
            put(out, " [|ip]");
            return;
        case Ipv4Stop::ShortLength:
            put(out, "truncated-ip ");
            put_u(out, v.length);
            return;
        case Ipv4Stop::BadHlen:
            put(out, "bad-hlen ");
            put_u(out, v.header_len);
            return;
        default:
            break;
    }
    if (v.length < v.total_len) {
        put(out, "truncated-ip - ");
        put_u(out, v.total_len - v.length);
        put(out, " bytes missing! ");
    }
    if (v.stop == Ipv4Stop::BadLen) {
        put(out, "bad-len ");
        put_u(out, v.total_len);
        return;
    }
    if (o.verbose > 0) {
        put(out, "(tos 0x");
        put_hex(out, v.tos);
        switch (v.tos & 0x03) {
            case 1:
                put(out, ",ECT(1)");
                break;
            case 2:
                put(out, ",ECT(0)");
                break;
            case 3:
                put(out, ",CE");
                break;
            default:
                break;
        }
        if (v.ttl >= 1) {
            put(out, ", ttl ");
            put_u(out, v.ttl);
        }
        put(out, ", id ");
        put_u(out, v.id);
        put(out, ", offset ");
        put_u(out, v.fragment_offset());
        put(out, ", flags [");
        bool any = false;
        auto flag = [&](std::uint16_t bit, const char* name) {
            if (!(v.frag_field & bit)) return;
            if (any) put(out, ", ");
            put(out, name);
            any = true;
        };
        flag(0x2000, "+");
        flag(0x4000, "DF");
        flag(0x8000, "rsvd");
        if (!any) put(out, "none");
        put(out, "], proto ");
        const char* pname = ipproto_name(v.protocol);
        put(out, pname ? pname : "unknown");
        put(out, " (");
        put_u(out, v.protocol);
        put(out, "), length ");
        put_u(out, v.total_len);
        if (v.header_len > 20) {
            put(out, ", options (");
            for (std::size_t i = 0; i < v.option_count; ++i) {
                if (i) put(out, ',');
                switch (v.option_kinds[i]) {
                    case 0:
                        put(out, "EOL");
                        break;
                    case 1:
                        put(out, "NOP");
                        break;
                    case 7:
                        put(out, "RR");
                        break;
                    case 68:
                        put(out, "TS");
                        break;
                    case 130:
                        put(out, "SECURITY");
                        break;
                    case 131:
                        put(out, "LSRR");
                        break;
                    case 137:
                        put(out, "SSRR");
                        break;
                    case 148:
                        put(out, "RA");
                        break;
                    default:
                        put(out, "unknown ");
                        put_u(out, v.option_kinds[i]);
                        break;
                }
            }
            put(out, ')');
        }
        if (v.checksum_checked && !v.checksum_ok) {
            put(out, ", bad cksum ");
            put_hex(out, v.checksum);
            put(out, " (->");
            put_hex(out, v.checksum_expected);
            put(out, ")!");
        }
        put(out, ")\n    ");
    }
    if (v.stop == Ipv4Stop::OptionsTruncated) {
        put(out, " [|ip]");
        return;
    }
    const Addrs a{ip};
    if (ip.later_fragment) {
        a.put_pair(out);
        put(out, ':');
        if (o.numeric == 0) {
            if (const protoent* pe = getprotobynumber(ip.protocol)) {
                put(out, ' ');
                put(out, pe->p_name);
                return;
            }
        }
        put(out, " ip-proto-");
        put_u(out, ip.protocol);
        return;
    }
    if (!addresses_by_transport(ip.protocol)) {
        a.put_pair(out);
        put(out, ": ");
    }
    put_transport(ip, inner, o, st, out);
}

void put_ipv6(const IpPacketSummary& ip, const InnerSummary* inner, const PrintOptions& o,
              FormatState& st, std::string& out) {
    const Ipv6Summary& v = ip.v6;
    if (v.stop == Ipv6Stop::HeaderTruncated) {
        put(out, " [|ip6]");
        return;
    }
    if (v.stop == Ipv6Stop::ShortLength) {
        put(out, "truncated-ip6 ");
        put_u(out, v.length);
        return;
    }
    if (!o.link_header) put(out, "IP6 ");
    if (v.stop == Ipv6Stop::BadVersion) {
        put(out, "version error: ");
        put_u(out, v.flow >> 28);
        put(out, " != 6");
        return;
    }
    if (v.payload_len != 0 && v.length < v.payload_len + 40u) {
        put(out, "truncated-ip6 - ");
        put_u(out, v.payload_len + 40u - v.length);
        put(out, " bytes missing!");
    }
    if (o.verbose > 0) {
        put(out, '(');
        if (v.flow & 0x0ff00000u) {
            put(out, "class 0x");
            put_hex_pad(out, (v.flow & 0x0ff00000u) >> 20, 2);
            put(out, ", ");
        }
        if (v.flow & 0x000fffffu) {
            put(out, "flowlabel 0x");
            put_hex_pad(out, v.flow & 0x000fffffu, 5);
            put(out, ", ");
        }
        put(out, "hlim ");
        put_u(out, v.hop_limit);
        put(out, ", next-header ");
        const char* pname = ipproto_name(v.next_header);
        put(out, pname ? pname : "unknown");
        put(out, " (");
        put_u(out, v.next_header);
        put(out, ") payload length: ");
        put_u(out, v.payload_len);
        put(out, ") ");
    }
    const Addrs a{ip};
    if (!addresses_by_transport(v.next_header)) {
        a.put_pair(out);
        put(out, ": ");
    }
    if (v.has_fragment) {
        if (v.fragment_truncated && v.frag_id == 0 && v.frag_offset == 0 && !v.frag_more) {
            put(out, " [|ip6]");
            return;
        }
        put(out, "frag (");
        if (o.verbose > 0) {
            put(out, "0x");
            put_hex_pad(out, v.frag_id, 8);
            put(out, ':');
        }
        put_u(out, v.frag_offset);
        put(out, '|');
        put_u(out, v.frag_len);
        put(out, ')');
        if (v.frag_offset != 0 || v.fragment_truncated) return;
        put(out, ' ');
        if (addresses_by_transport(v.upper_protocol)) {
            // tcpdump prints the addresses with the transport (tcp_print / udp_print).
        }
    }
    if (v.unknown_extension) return;
    put_transport(ip, inner, o, st, out);
}

void put_ip_packet(const IpPacketSummary& ip, const InnerSummary* inner, const PrintOptions& o,
                   FormatState& st, std::string& out) {
    if (ip.kind == NetKind::Ipv6)
        put_ipv6(ip, inner, o, st, out);
    else
        put_ipv4(ip, inner, o, st, out);
}

void put_arp(const ArpSummary& a, const PrintOptions& o, std::string& out) {
    if (!o.link_header) put(out, "ARP, ");
    if (a.truncated || !a.ethernet_ipv4) {
        put(out, "[|ARP]");
        return;
    }
    if (o.verbose > 0) put(out, "Ethernet (len 6), IPv4 (len 4), ");
    switch (a.operation) {
        case 1:
            put(out, "Request who-has ");
            put_ip(out, a.target_ip);
            if (!a.target_mac.is_zero()) {
                put(out, " (");
                put_mac(out, a.target_mac);
                put(out, ')');
            }
            put(out, " tell ");
            put_ip(out, a.sender_ip);
            break;
        case 2:
            put(out, "Reply ");
            put_ip(out, a.sender_ip);
            put(out, " is-at ");
            put_mac(out, a.sender_mac);
            break;
        default:
            put(out, "Unknown (");
            put_u(out, a.operation);
            put(out, ')');
            break;
    }
    put(out, ", length ");
    put_u(out, a.length);
}

void format_time_of_day(std::int64_t sec, FormatState& st) {
    if (st.cached_sec == sec) return;
    std::tm tm{};
    const std::time_t t = static_cast<std::time_t>(sec);
    localtime_r(&t, &tm);
    std::string s;
    char* p = st.cached_hms;
    auto two = [&p](int v) {
        *p++ = static_cast<char>('0' + v / 10 % 10);
        *p++ = static_cast<char>('0' + v % 10);
    };
    two(tm.tm_hour);
    *p++ = ':';
    two(tm.tm_min);
    *p++ = ':';
    two(tm.tm_sec);
    st.cached_hms_len = static_cast<std::size_t>(p - st.cached_hms);
    const int year = tm.tm_year + 1900;
    p = st.cached_date;
    *p++ = static_cast<char>('0' + year / 1000 % 10);
    *p++ = static_cast<char>('0' + year / 100 % 10);
    two(year % 100);
    *p++ = '-';
    two(tm.tm_mon + 1);
    *p++ = '-';
    two(tm.tm_mday);
    st.cached_date_len = static_cast<std::size_t>(p - st.cached_date);
    st.cached_sec = sec;
}

void put_fraction(std::string& out, std::uint32_t nsec, bool nano) {
    put(out, '.');
    if (nano)
        put_u_pad(out, nsec, 9);
    else
        put_u_pad(out, nsec / 1000, 6);
}

void put_delta(std::string& out, const Timestamp& now, const Timestamp& ref, bool nano) {
    std::int64_t ns =
        (now.sec - ref.sec) * 1000000000ll + (static_cast<std::int64_t>(now.nsec) - ref.nsec);
    if (ns < 0) {
        put(out, '-');
        ns = -ns;
    } else {
        put(out, ' ');
    }
    const std::int64_t sec = ns / 1000000000ll;
    put_u_pad(out, static_cast<std::uint64_t>(sec / 3600), 2);
    put(out, ':');
    put_u_pad(out, static_cast<std::uint64_t>(sec / 60 % 60), 2);
    put(out, ':');
    put_u_pad(out, static_cast<std::uint64_t>(sec % 60), 2);
    put_fraction(out, static_cast<std::uint32_t>(ns % 1000000000ll), nano);
}

// tcpdump's hex_and_ascii_print: 16 bytes a line, "\n\t0x0000:  6162 6364 ...  ab..".
void put_hex_dump(Bytes bytes, std::string& out) {
    for (std::size_t off = 0; off < bytes.size(); off += 16) {
        const std::size_t n = std::min<std::size_t>(16, bytes.size() - off);
        put(out, "\n\t0x");
        put_hex_pad(out, off, 4);
        put(out, ": ");
        std::size_t width = 0;
        for (std::size_t i = 0; i < n; i += 2) {
            put(out, ' ');
            put_hex_pad(out, bytes[off + i], 2);
            width += 3;
            if (i + 1 < n) {
                put_hex_pad(out, bytes[off + i + 1], 2);
                width += 2;
            }
        }
        for (; width < 40; ++width)
            put(out, ' ');
        put(out, "  ");
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint8_t c = bytes[off + i];
            put(out, c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '.');
        }
    }
}

}  // namespace

const std::string& FormatState::interface_name(std::uint32_t ifindex) {
    auto it = ifnames_.find(ifindex);
    if (it != ifnames_.end()) return it->second;
    char buf[IF_NAMESIZE + 1] = {};
    const char* name = if_indextoname(ifindex, buf);
    return ifnames_.emplace(ifindex, name ? std::string(name) : std::string("?")).first->second;
}

const std::string& FormatState::port_name(std::uint16_t port, bool udp) {
    const std::uint32_t key = (udp ? 0x10000u : 0u) | port;
    auto it = ports_.find(key);
    if (it != ports_.end()) return it->second;
    std::string name;
    servent se{};
    servent* result = nullptr;
    char buf[1024];
    if (getservbyport_r(static_cast<int>(htons(port)), udp ? "udp" : "tcp", &se, buf, sizeof buf,
                        &result) == 0 &&
        result != nullptr)
        name = result->s_name;
    else
        name = std::to_string(port);
    return ports_.emplace(key, std::move(name)).first->second;
}

void append_timestamp(const Timestamp& ts, const PrintOptions& o, FormatState& st,
                      std::string& out) {
    if (!st.have_first) {
        st.have_first = true;
        st.first = ts;
        st.previous = ts;
    }
    switch (o.time) {
        case TimeFormat::None:
            break;
        case TimeFormat::TimeOfDay:
            format_time_of_day(ts.sec, st);
            out.append(st.cached_hms, st.cached_hms_len);
            put_fraction(out, ts.nsec, o.nanoseconds);
            put(out, ' ');
            break;
        case TimeFormat::Epoch:
            put_u(out, static_cast<std::uint64_t>(ts.sec));
            put_fraction(out, ts.nsec, o.nanoseconds);
            put(out, ' ');
            break;
        case TimeFormat::DateTime:
            format_time_of_day(ts.sec, st);
            out.append(st.cached_date, st.cached_date_len);
            put(out, ' ');
            out.append(st.cached_hms, st.cached_hms_len);
            put_fraction(out, ts.nsec, o.nanoseconds);
            put(out, ' ');
            break;
        case TimeFormat::DeltaPrevious:
            put_delta(out, ts, st.previous, o.nanoseconds);
            put(out, ' ');
            break;
        case TimeFormat::DeltaFirst:
            put_delta(out, ts, st.first, o.nanoseconds);
            put(out, ' ');
            break;
    }
    st.previous = ts;
}

void format_line(const PacketSummary& s, const PrintOptions& o, FormatState& st, std::string& out) {
    if (put_link(s, o, st, out)) {
        switch (s.net) {
            case NetKind::Ipv4:
            case NetKind::Ipv6:
                put_ip_packet(s.ip, &s.inner, o, st, out);
                break;
            case NetKind::Arp:
                put_arp(s.arp, o, out);
                break;
            case NetKind::Other:
                if (!o.quiet) put_hex_dump(s.opaque_payload, out);
                break;
            default:
                break;
        }
    }
    out.push_back('\n');
}

}  // namespace ustack::capture
