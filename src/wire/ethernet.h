// Ethernet II frames (IEEE 802.3), with IEEE 802.1Q / 802.1ad VLAN tags; MAC addresses.
#pragma once

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "wire/ip_address.h"

namespace ustack::wire {

// A 48-bit IEEE 802 MAC address.
struct MacAddress {
    std::array<std::uint8_t, 6> octets{};

    static constexpr std::size_t kLen = 6;
    // Precondition: bytes.size() >= 6.
    static MacAddress from_bytes(Bytes bytes) {
        MacAddress m;
        std::copy_n(bytes.begin(), kLen, m.octets.begin());
        return m;
    }
    static constexpr MacAddress broadcast() {
        return MacAddress{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
    }
    // RFC 7042 §2.3.1: the multicast MAC for an IPv6 multicast address, 33:33 + low 32 bits.
    static constexpr MacAddress ipv6_multicast(const Ipv6Address& a) {
        return MacAddress{{0x33, 0x33, a.octets[12], a.octets[13], a.octets[14], a.octets[15]}};
    }
    Bytes bytes() const { return Bytes{octets}; }

    constexpr bool is_broadcast() const { return *this == broadcast(); }
    constexpr bool is_multicast() const { return (octets[0] & 0x01) != 0; }  // I/G bit
    constexpr bool is_unicast() const { return !is_multicast(); }
    constexpr bool is_zero() const { return *this == MacAddress{}; }

    // "aa:bb:cc:dd:ee:ff", lower-case, two digits a byte, as tcpdump -e prints it.
    std::string to_string() const;
    static constexpr std::size_t kTextLen = 17;
    void format(char* out) const;  // writes exactly kTextLen bytes, no NUL
    // Six hex bytes of one or two digits separated by ':' (or all by '-').
    static std::optional<MacAddress> parse(std::string_view text);

    friend constexpr auto operator<=>(const MacAddress&, const MacAddress&) = default;
};
std::ostream& operator<<(std::ostream& os, const MacAddress& m);

// IEEE EtherType values. A type/length field below 0x0600 is an IEEE 802.3 length instead.
enum class EtherType : std::uint16_t {
    Ipv4 = 0x0800,
    Arp = 0x0806,
    Vlan = 0x8100,  // IEEE 802.1Q customer tag (C-TAG)
    Ipv6 = 0x86dd,
    QinQ = 0x88a8,  // IEEE 802.1ad service tag (S-TAG)
    Lldp = 0x88cc,
    QinQOld = 0x9100,  // pre-standard double tagging, still seen
};
// Name as tcpdump -e prints it ("IPv4", "ARP", "IPv6", "802.1Q", "802.1Q-QinQ", ...), or nullptr.
const char* ether_type_name(EtherType t);
// IEEE 802.3 §3.2.6: values of 0x0600 and more are EtherTypes; below 1536 they are a length.
constexpr bool is_ether_type(std::uint16_t type_or_length) {
    return type_or_length >= 0x0600;
}
// Whether this EtherType announces a VLAN tag (TPID) rather than a payload.
constexpr bool is_vlan_tpid(EtherType t) {
    return t == EtherType::Vlan || t == EtherType::QinQ || t == EtherType::QinQOld;
}

// One IEEE 802.1Q tag: the TPID that announced it and the TCI fields.
struct VlanTag {
    EtherType tpid = EtherType::Vlan;
    std::uint8_t pcp = 0;   // priority code point, 3 bits
    bool dei = false;       // drop eligible indicator
    std::uint16_t vid = 0;  // VLAN identifier, 12 bits
    friend constexpr bool operator==(const VlanTag&, const VlanTag&) = default;
};

// A view of an Ethernet II frame: destination, source, type, then zero or more 4-byte VLAN tags
// (each a TPID 0x8100/0x88a8/0x9100 in the type position followed by a TCI), then the inner
// EtherType and the payload. The FCS is not part of the bytes.
//
// checked() guarantees the 14-byte header and every VLAN tag (at most kMaxVlanTags) with the
// inner EtherType are inside the bytes. checked_fixed() guarantees only the 14-byte header; the
// tag accessors then report only the tags that are fully present, and tags_complete() says
// whether the walk reached the inner EtherType.
template <class B>
class EthernetView {
  public:
    static constexpr bool kMutable = std::same_as<B, MutBytes>;
    static constexpr std::size_t kHeaderLen = 14;
    static constexpr std::size_t kVlanTagLen = 4;
    static constexpr std::size_t kMaxVlanTags = 8;

    static std::optional<EthernetView> checked(B bytes) {
        auto v = checked_fixed(bytes);
        if (!v || !v->tags_complete()) return std::nullopt;
        return v;
    }
    static std::optional<EthernetView> checked_fixed(B bytes) {
        if (bytes.size() < kHeaderLen) return std::nullopt;
        return EthernetView{bytes};
    }
    // For emit only: the caller provides at least the Repr's buffer_len() bytes.
    static EthernetView unchecked(B bytes) { return EthernetView{bytes}; }

    B bytes() const { return bytes_; }
    EthernetView<Bytes> as_const() const { return EthernetView<Bytes>::unchecked(bytes_); }

    MacAddress destination() const { return MacAddress::from_bytes(bytes_.subspan(0, 6)); }
    MacAddress source() const { return MacAddress::from_bytes(bytes_.subspan(6, 6)); }
    // The outer type/length field at offset 12 (a TPID when the frame is tagged).
    EtherType outer_ether_type() const { return EtherType{load_be16(bytes_.data() + 12)}; }

    // Number of VLAN tags fully present (up to kMaxVlanTags).
    std::size_t vlan_count() const { return walk().count; }
    // Tag i (0 = outermost); precondition i < vlan_count().
    VlanTag vlan_tag(std::size_t i) const {
        const std::uint8_t* p = bytes_.data() + 12 + i * kVlanTagLen;
        const std::uint16_t tci = load_be16(p + 2);
        return VlanTag{EtherType{load_be16(p)}, static_cast<std::uint8_t>(tci >> 13),
                       (tci & 0x1000) != 0, static_cast<std::uint16_t>(tci & 0x0fff)};
    }
    // Whether the inner EtherType is present (always true after checked()).
    bool tags_complete() const { return walk().complete; }
    // The EtherType after all VLAN tags; the last one present when !tags_complete().
    EtherType ether_type() const { return walk().inner; }
    // Bytes of header including tags (14 + 4 * vlan_count()).
    std::size_t header_len() const { return kHeaderLen + kVlanTagLen * vlan_count(); }
    // Everything after the header and tags, including any padding to the 60-byte minimum.
    B payload() const { return detail::clip(bytes_, header_len(), bytes_.size()); }

    void set_destination(const MacAddress& m) requires kMutable {
        std::copy(m.octets.begin(), m.octets.end(), bytes_.begin());
    }
    void set_source(const MacAddress& m) requires kMutable {
        std::copy(m.octets.begin(), m.octets.end(), bytes_.begin() + 6);
    }
    // Writes the type field at offset 12 (the outer one).
    void set_outer_ether_type(EtherType t) requires kMutable {
        store_be16(bytes_.data() + 12, static_cast<std::uint16_t>(t));
    }

  private:
    explicit EthernetView(B bytes) : bytes_(bytes) {}
    struct Walk {
        std::size_t count = 0;
        bool complete = false;
        EtherType inner{};
    };
    Walk walk() const {
        Walk w;
        std::size_t off = 12;  // position of the current type field
        w.inner = EtherType{load_be16(bytes_.data() + off)};
        while (is_vlan_tpid(w.inner)) {
            // IEEE 802.1Q §9.5: a tag is the TPID (already read) plus a 2-byte TCI, followed by
            // the next type field.
            if (w.count == kMaxVlanTags || bytes_.size() < off + kVlanTagLen + 2) return w;
            ++w.count;
            off += kVlanTagLen;
            w.inner = EtherType{load_be16(bytes_.data() + off)};
        }
        w.complete = true;
        return w;
    }
    B bytes_;
};

// An Ethernet header as a value: addresses, up to two VLAN tags (802.1ad S-TAG then 802.1Q
// C-TAG, or one 802.1Q tag), and the inner EtherType. The payload is not part of the Repr: emit
// writes the header, the caller writes the payload at view.payload().
struct EthernetRepr {
    static constexpr std::size_t kMaxVlanTags = 2;

    MacAddress src;
    MacAddress dst;
    EtherType ether_type = EtherType::Ipv4;
    std::array<VlanTag, kMaxVlanTags> vlans{};
    std::uint8_t vlan_count = 0;

    // Rejects frames with more than kMaxVlanTags tags, an incomplete tag stack, or an 802.3
    // length in place of the EtherType.
    static std::optional<EthernetRepr> parse(const EthernetView<Bytes>& view);
    std::size_t buffer_len() const { return 14 + 4 * std::size_t{vlan_count}; }
    // Precondition: view.bytes().size() >= buffer_len().
    void emit(EthernetView<MutBytes>& view) const;

    friend bool operator==(const EthernetRepr& a, const EthernetRepr& b);
};

}  // namespace ustack::wire
