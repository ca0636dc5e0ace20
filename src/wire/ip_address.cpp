#include "wire/ip_address.h"

#include <ostream>

namespace ustack::wire {

const char* ip_protocol_name(IpProtocol p) {
    switch (p) {
        case IpProtocol::HopByHop:
            return "hopopt";
        case IpProtocol::Icmp:
            return "icmp";
        case IpProtocol::Igmp:
            return "igmp";
        case IpProtocol::IpIp:
            return "ipip";
        case IpProtocol::Tcp:
            return "tcp";
        case IpProtocol::Udp:
            return "udp";
        case IpProtocol::Ipv6:
            return "ipv6";
        case IpProtocol::Ipv6Route:
            return "ipv6-route";
        case IpProtocol::Ipv6Frag:
            return "ipv6-frag";
        case IpProtocol::Gre:
            return "gre";
        case IpProtocol::Esp:
            return "esp";
        case IpProtocol::Ah:
            return "ah";
        case IpProtocol::Icmpv6:
            return "icmp6";
        case IpProtocol::Ipv6NoNxt:
            return "ipv6-nonxt";
        case IpProtocol::Ipv6Opts:
            return "ipv6-opts";
        case IpProtocol::Sctp:
            return "sctp";
        case IpProtocol::Mobility:
            return "mobility";
        case IpProtocol::Hip:
            return "hip";
        case IpProtocol::Shim6:
            return "shim6";
    }
    return nullptr;
}

namespace {

std::size_t format_decimal(char* out, unsigned v) {
    char tmp[10];
    std::size_t n = 0;
    do {
        tmp[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = tmp[n - 1 - i];
    return n;
}

std::size_t format_hex16(char* out, unsigned v) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::size_t n = 0;
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
        const unsigned d = (v >> shift) & 0xf;
        if (d != 0 || started || shift == 0) {
            out[n++] = kDigits[d];
            started = true;
        }
    }
    return n;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

// ---- Ipv4Address ----

std::size_t Ipv4Address::format(char* out) const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        if (i != 0) out[n++] = '.';
        n += format_decimal(out + n, octets[i]);
    }
    return n;
}

std::string Ipv4Address::to_string() const {
    char buf[kMaxTextLen];
    return std::string(buf, format(buf));
}

std::optional<Ipv4Address> Ipv4Address::parse(std::string_view text) {
    Ipv4Address a;
    std::size_t part = 0;
    std::size_t i = 0;
    while (true) {
        // One decimal part: 1-3 digits, no leading zero (inet_pton rejects "01"), <= 255.
        if (i >= text.size() || text[i] < '0' || text[i] > '9') return std::nullopt;
        unsigned v = 0;
        const std::size_t start = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            v = v * 10 + static_cast<unsigned>(text[i] - '0');
            if (v > 255 || i - start >= 3) return std::nullopt;
            ++i;
        }
        if (i - start > 1 && text[start] == '0') return std::nullopt;
        a.octets[part++] = static_cast<std::uint8_t>(v);
        if (part == 4) break;
        if (i >= text.size() || text[i] != '.') return std::nullopt;
        ++i;
    }
    if (i != text.size()) return std::nullopt;
    return a;
}

// ---- Ipv6Address ----

std::size_t Ipv6Address::format(char* out) const {
    std::array<std::uint16_t, 8> g{};
    for (std::size_t i = 0; i < 8; ++i)
        g[i] = group(i);

    // RFC 5952 §4.2.1-4.2.3: compress the longest run of zero groups (the first one on a tie),
    // and never a single zero group.
    int best_base = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (g[static_cast<std::size_t>(i)] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && g[static_cast<std::size_t>(j)] == 0)
            ++j;
        if (j - i > best_len) {
            best_base = i;
            best_len = j - i;
        }
        i = j;
    }
    if (best_len < 2) best_base = -1;

    std::size_t n = 0;
    for (int i = 0; i < 8; ++i) {
        if (best_base != -1 && i >= best_base && i < best_base + best_len) {
            if (i == best_base) out[n++] = ':';
            continue;
        }
        if (i != 0) out[n++] = ':';
        // RFC 5952 §5 (IPv4-mapped), and glibc's inet_ntop also for the IPv4-compatible
        // ::a.b.c.d form: the last 32 bits as a dotted quad.
        if (i == 6 && best_base == 0 && (best_len == 6 || (best_len == 5 && g[5] == 0xffff))) {
            n += Ipv4Address{octets[12], octets[13], octets[14], octets[15]}.format(out + n);
            return n;
        }
        n += format_hex16(out + n, g[static_cast<std::size_t>(i)]);
    }
    if (best_base != -1 && best_base + best_len == 8) out[n++] = ':';
    return n;
}

std::string Ipv6Address::to_string() const {
    char buf[kMaxTextLen];
    return std::string(buf, format(buf));
}

std::optional<Ipv6Address> Ipv6Address::parse(std::string_view text) {
    // RFC 4291 §2.2: x:x:x:x:x:x:x:x, "::" once for one or more zero groups, and optionally
    // x:x:x:x:x:x:d.d.d.d.
    std::array<std::uint16_t, 8> groups{};
    std::size_t n = 0;  // groups written
    int gap = -1;       // index in groups where "::" sits
    std::size_t i = 0;
    if (text.starts_with("::")) {
        gap = 0;
        i = 2;
        if (i == text.size()) return Ipv6Address{};
    } else if (text.starts_with(":")) {
        return std::nullopt;
    }
    while (i < text.size()) {
        // A dotted quad may stand for the last two groups.
        const std::size_t colon = text.find(':', i);
        const std::string_view piece =
            text.substr(i, colon == std::string_view::npos ? std::string_view::npos : colon - i);
        if (colon == std::string_view::npos && piece.find('.') != std::string_view::npos) {
            auto v4 = Ipv4Address::parse(piece);
            if (!v4 || n + 2 > 8) return std::nullopt;
            groups[n++] = static_cast<std::uint16_t>((v4->octets[0] << 8) | v4->octets[1]);
            groups[n++] = static_cast<std::uint16_t>((v4->octets[2] << 8) | v4->octets[3]);
            i = text.size();
            break;
        }
        if (piece.empty() || piece.size() > 4 || n == 8) return std::nullopt;
        unsigned v = 0;
        for (char c : piece) {
            const int h = hex_value(c);
            if (h < 0) return std::nullopt;
            v = (v << 4) | static_cast<unsigned>(h);
        }
        groups[n++] = static_cast<std::uint16_t>(v);
        i += piece.size();
        if (i == text.size()) break;
        // Now at a ':'.
        ++i;
        if (i < text.size() && text[i] == ':') {
            if (gap != -1) return std::nullopt;  // "::" only once
            gap = static_cast<int>(n);
            ++i;
            if (i == text.size()) break;
        } else if (i == text.size()) {
            return std::nullopt;  // trailing single ':'
        }
    }
    if (gap == -1) {
        if (n != 8) return std::nullopt;
    } else {
        // "::" stands for at least one zero group (inet_pton also accepts exactly one).
        if (n == 8) return std::nullopt;
        const std::size_t g = static_cast<std::size_t>(gap);
        const std::size_t tail = n - g;
        std::array<std::uint16_t, 8> out{};
        for (std::size_t k = 0; k < g; ++k)
            out[k] = groups[k];
        for (std::size_t k = 0; k < tail; ++k)
            out[8 - tail + k] = groups[g + k];
        groups = out;
    }
    return from_groups(groups);
}

// ---- IpAddress ----

Bytes IpAddress::bytes() const {
    if (const auto* a = v4()) return a->bytes();
    return v6()->bytes();
}

bool IpAddress::is_unspecified() const {
    return std::visit([](const auto& a) { return a.is_unspecified(); }, addr_);
}
bool IpAddress::is_multicast() const {
    return std::visit([](const auto& a) { return a.is_multicast(); }, addr_);
}
bool IpAddress::is_loopback() const {
    return std::visit([](const auto& a) { return a.is_loopback(); }, addr_);
}

std::size_t IpAddress::format(char* out) const {
    return std::visit([out](const auto& a) { return a.format(out); }, addr_);
}

std::string IpAddress::to_string() const {
    return std::visit([](const auto& a) { return a.to_string(); }, addr_);
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    if (auto a = Ipv4Address::parse(text)) return IpAddress{*a};
    if (auto a = Ipv6Address::parse(text)) return IpAddress{*a};
    return std::nullopt;
}

std::ostream& operator<<(std::ostream& os, const Ipv4Address& a) {
    return os << a.to_string();
}
std::ostream& operator<<(std::ostream& os, const Ipv6Address& a) {
    return os << a.to_string();
}
std::ostream& operator<<(std::ostream& os, const IpAddress& a) {
    return os << a.to_string();
}
std::ostream& operator<<(std::ostream& os, IpProtocol p) {
    if (const char* name = ip_protocol_name(p)) return os << name;
    return os << "proto-" << static_cast<unsigned>(p);
}

}  // namespace ustack::wire
