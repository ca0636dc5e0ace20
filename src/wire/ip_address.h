// IPv4 and IPv6 addresses and IP protocol numbers: RFC 791, RFC 4291, text forms per RFC 5952.
#pragma once

#include <algorithm>
#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "base/bytes.h"

namespace ustack::wire {

// IANA "Assigned Internet Protocol Numbers": the IPv4 Protocol and IPv6 Next Header values.
// Every 8-bit value is a valid enumerator value; the named ones are those the stack knows.
enum class IpProtocol : std::uint8_t {
    HopByHop = 0,  // IPv6 Hop-by-Hop Options (RFC 8200 §4.3)
    Icmp = 1,
    Igmp = 2,
    IpIp = 4,  // IPv4 in IP
    Tcp = 6,
    Udp = 17,
    Ipv6 = 41,       // IPv6 in IP
    Ipv6Route = 43,  // RFC 8200 §4.4
    Ipv6Frag = 44,   // RFC 8200 §4.5
    Gre = 47,
    Esp = 50,  // RFC 4303
    Ah = 51,   // RFC 4302
    Icmpv6 = 58,
    Ipv6NoNxt = 59,  // RFC 8200 §4.7
    Ipv6Opts = 60,   // Destination Options, RFC 8200 §4.6
    Sctp = 132,
    Mobility = 135,  // RFC 6275
    Hip = 139,       // RFC 7401
    Shim6 = 140,     // RFC 5533
};

// Lower-case protocol name ("tcp", "udp", "icmp", "ipv6-icmp" is not used: this gives "icmp6"),
// or nullptr for a number without a name here.
const char* ip_protocol_name(IpProtocol p);

// An IPv4 address, the four octets in network order.
struct Ipv4Address {
    std::array<std::uint8_t, 4> octets{};

    constexpr Ipv4Address() = default;
    constexpr Ipv4Address(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d)
        : octets{a, b, c, d} {}
    // Precondition: bytes.size() >= 4 (the caller has bounds-checked, as with load_be32).
    static Ipv4Address from_bytes(Bytes bytes) {
        return Ipv4Address{bytes[0], bytes[1], bytes[2], bytes[3]};
    }
    // From / to a host-order integer (0xc0a80001 is 192.168.0.1).
    static constexpr Ipv4Address from_u32(std::uint32_t v) {
        return Ipv4Address{static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
                           static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
    }
    constexpr std::uint32_t to_u32() const {
        return (std::uint32_t{octets[0]} << 24) | (std::uint32_t{octets[1]} << 16) |
               (std::uint32_t{octets[2]} << 8) | std::uint32_t{octets[3]};
    }
    Bytes bytes() const { return Bytes{octets}; }

    constexpr bool is_unspecified() const { return to_u32() == 0; }             // 0.0.0.0
    constexpr bool is_broadcast() const { return to_u32() == 0xffffffff; }      // limited
    constexpr bool is_loopback() const { return octets[0] == 127; }             // 127/8
    constexpr bool is_multicast() const { return (octets[0] & 0xf0) == 0xe0; }  // 224/4
    constexpr bool is_link_local() const { return octets[0] == 169 && octets[1] == 254; }

    // Dotted quad, as inet_ntop(AF_INET) prints it.
    std::string to_string() const;
    // Writes the dotted quad into out (at least kMaxTextLen bytes, no NUL); returns its length.
    static constexpr std::size_t kMaxTextLen = 15;
    std::size_t format(char* out) const;
    // Parses a dotted quad as inet_pton(AF_INET) does: exactly four decimal parts 0..255, no
    // leading zeros, nothing else.
    static std::optional<Ipv4Address> parse(std::string_view text);

    friend constexpr auto operator<=>(const Ipv4Address&, const Ipv4Address&) = default;
};

// An IPv6 address, the sixteen octets in network order.
struct Ipv6Address {
    std::array<std::uint8_t, 16> octets{};

    constexpr Ipv6Address() = default;
    constexpr explicit Ipv6Address(const std::array<std::uint8_t, 16>& o) : octets(o) {}
    // From eight 16-bit groups, as written in text: {0x2001, 0xdb8, 0, 0, 0, 0, 0, 1}.
    static constexpr Ipv6Address from_groups(const std::array<std::uint16_t, 8>& g) {
        Ipv6Address a;
        for (std::size_t i = 0; i < 8; ++i) {
            a.octets[2 * i] = static_cast<std::uint8_t>(g[i] >> 8);
            a.octets[2 * i + 1] = static_cast<std::uint8_t>(g[i]);
        }
        return a;
    }
    // Precondition: bytes.size() >= 16.
    static Ipv6Address from_bytes(Bytes bytes) {
        Ipv6Address a;
        std::copy_n(bytes.begin(), 16, a.octets.begin());
        return a;
    }
    // RFC 4291 §2.5.5.2: the IPv4-mapped address ::ffff:a.b.c.d.
    static constexpr Ipv6Address ipv4_mapped(const Ipv4Address& v4) {
        Ipv6Address a;
        a.octets[10] = 0xff;
        a.octets[11] = 0xff;
        for (std::size_t i = 0; i < 4; ++i)
            a.octets[12 + i] = v4.octets[i];
        return a;
    }
    Bytes bytes() const { return Bytes{octets}; }
    constexpr std::uint16_t group(std::size_t i) const {
        return static_cast<std::uint16_t>((octets[2 * i] << 8) | octets[2 * i + 1]);
    }

    // RFC 4291 §2.5.2, §2.5.3, §2.7, §2.5.6.
    constexpr bool is_unspecified() const { return *this == Ipv6Address{}; }
    constexpr bool is_loopback() const {
        Ipv6Address one;
        one.octets[15] = 1;
        return *this == one;
    }
    constexpr bool is_multicast() const { return octets[0] == 0xff; }
    constexpr bool is_link_local() const { return octets[0] == 0xfe && (octets[1] & 0xc0) == 0x80; }
    constexpr bool is_ipv4_mapped() const {
        for (std::size_t i = 0; i < 10; ++i)
            if (octets[i] != 0) return false;
        return octets[10] == 0xff && octets[11] == 0xff;
    }
    // The embedded IPv4 address of an IPv4-mapped address, else nullopt.
    constexpr std::optional<Ipv4Address> to_ipv4_mapped() const {
        if (!is_ipv4_mapped()) return std::nullopt;
        return Ipv4Address{octets[12], octets[13], octets[14], octets[15]};
    }
    // RFC 4291 §2.7.1: ff02::1:ffXX:XXXX from the low 24 bits of this address.
    constexpr Ipv6Address solicited_node_multicast() const {
        Ipv6Address a = from_groups({0xff02, 0, 0, 0, 0, 1, 0xff00, 0});
        a.octets[13] = octets[13];
        a.octets[14] = octets[14];
        a.octets[15] = octets[15];
        return a;
    }

    // Text as inet_ntop(AF_INET6) (glibc) prints it: RFC 5952 §4 lower-case hex, no leading
    // zeros, the first longest run of two or more zero groups as "::"; ::ffff:a.b.c.d for
    // IPv4-mapped and, as glibc does, ::a.b.c.d for the deprecated IPv4-compatible form.
    std::string to_string() const;
    static constexpr std::size_t kMaxTextLen = 45;
    std::size_t format(char* out) const;  // out: at least kMaxTextLen bytes, no NUL written
    // Parses RFC 4291 §2.2 text as inet_pton(AF_INET6) does (one "::", 1-4 hex digits a group,
    // an optional trailing dotted quad). No zone ("%eth0"), no prefix length.
    static std::optional<Ipv6Address> parse(std::string_view text);

    friend constexpr auto operator<=>(const Ipv6Address&, const Ipv6Address&) = default;
};

// Either an IPv4 or an IPv6 address.
class IpAddress {
  public:
    constexpr IpAddress() = default;                         // 0.0.0.0
    constexpr IpAddress(const Ipv4Address& a) : addr_(a) {}  // NOLINT: implicit on purpose
    constexpr IpAddress(const Ipv6Address& a) : addr_(a) {}  // NOLINT: implicit on purpose

    constexpr bool is_v4() const { return addr_.index() == 0; }
    constexpr bool is_v6() const { return addr_.index() == 1; }
    // The held address, or nullptr for the other family.
    constexpr const Ipv4Address* v4() const { return std::get_if<Ipv4Address>(&addr_); }
    constexpr const Ipv6Address* v6() const { return std::get_if<Ipv6Address>(&addr_); }
    // The address octets (4 or 16 bytes), e.g. for a pseudo-header.
    Bytes bytes() const;

    bool is_unspecified() const;
    bool is_multicast() const;
    bool is_loopback() const;

    std::string to_string() const;
    static constexpr std::size_t kMaxTextLen = Ipv6Address::kMaxTextLen;
    std::size_t format(char* out) const;
    // Dotted quad if it parses as IPv4, else IPv6 text.
    static std::optional<IpAddress> parse(std::string_view text);

    // IPv4 addresses order before IPv6 ones.
    friend constexpr bool operator==(const IpAddress&, const IpAddress&) = default;
    friend constexpr auto operator<=>(const IpAddress& a, const IpAddress& b) {
        return a.addr_ <=> b.addr_;
    }

  private:
    std::variant<Ipv4Address, Ipv6Address> addr_;
};

// For test failure messages.
std::ostream& operator<<(std::ostream& os, const Ipv4Address& a);
std::ostream& operator<<(std::ostream& os, const Ipv6Address& a);
std::ostream& operator<<(std::ostream& os, const IpAddress& a);
std::ostream& operator<<(std::ostream& os, IpProtocol p);

namespace detail {
// The part of `bytes` in [begin, end), clipped so it never leaves the span: an end before begin
// gives an empty span. Shared by every view in the wire room to expose clipped regions.
template <class B>
constexpr B clip(B bytes, std::size_t begin, std::size_t end) {
    begin = std::min(begin, bytes.size());
    end = std::clamp(end, begin, bytes.size());
    return bytes.subspan(begin, end - begin);
}
}  // namespace detail

}  // namespace ustack::wire
