#include "wire/ethernet.h"

#include <ostream>

namespace ustack::wire {

namespace {
int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

void MacAddress::format(char* out) const {
    static constexpr char kDigits[] = "0123456789abcdef";
    for (std::size_t i = 0; i < kLen; ++i) {
        out[3 * i] = kDigits[octets[i] >> 4];
        out[3 * i + 1] = kDigits[octets[i] & 0xf];
        if (i + 1 < kLen) out[3 * i + 2] = ':';
    }
}

std::string MacAddress::to_string() const {
    char buf[kTextLen];
    format(buf);
    return std::string(buf, kTextLen);
}

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
    MacAddress m;
    char sep = 0;
    std::size_t i = 0;
    for (std::size_t b = 0; b < kLen; ++b) {
        if (b != 0) {
            if (i >= text.size()) return std::nullopt;
            if (sep == 0 && (text[i] == ':' || text[i] == '-')) sep = text[i];
            if (text[i] != sep) return std::nullopt;
            ++i;
        }
        unsigned v = 0;
        std::size_t digits = 0;
        while (i < text.size() && digits < 2 && hex_value(text[i]) >= 0) {
            v = (v << 4) | static_cast<unsigned>(hex_value(text[i]));
            ++i;
            ++digits;
        }
        if (digits == 0) return std::nullopt;
        m.octets[b] = static_cast<std::uint8_t>(v);
    }
    if (i != text.size()) return std::nullopt;
    return m;
}

std::ostream& operator<<(std::ostream& os, const MacAddress& m) {
    return os << m.to_string();
}

const char* ether_type_name(EtherType t) {
    switch (t) {
        case EtherType::Ipv4:
            return "IPv4";
        case EtherType::Arp:
            return "ARP";
        case EtherType::Vlan:
            return "802.1Q";
        case EtherType::Ipv6:
            return "IPv6";
        case EtherType::QinQ:
            return "802.1Q-QinQ";
        case EtherType::Lldp:
            return "LLDP";
        case EtherType::QinQOld:
            return "802.1Q-9100";
    }
    return nullptr;
}

std::optional<EthernetRepr> EthernetRepr::parse(const EthernetView<Bytes>& view) {
    if (!view.tags_complete()) return std::nullopt;
    const std::size_t count = view.vlan_count();
    if (count > kMaxVlanTags) return std::nullopt;
    // IEEE 802.3 §3.2.6: a value below 0x0600 is a length (802.2 LLC follows), not a protocol.
    if (!is_ether_type(static_cast<std::uint16_t>(view.ether_type()))) return std::nullopt;
    EthernetRepr r;
    r.dst = view.destination();
    r.src = view.source();
    r.ether_type = view.ether_type();
    r.vlan_count = static_cast<std::uint8_t>(count);
    for (std::size_t i = 0; i < count; ++i)
        r.vlans[i] = view.vlan_tag(i);
    return r;
}

void EthernetRepr::emit(EthernetView<MutBytes>& view) const {
    view.set_destination(dst);
    view.set_source(src);
    std::uint8_t* p = view.bytes().data() + 12;
    for (std::size_t i = 0; i < vlan_count && i < kMaxVlanTags; ++i) {
        const VlanTag& t = vlans[i];
        store_be16(p, static_cast<std::uint16_t>(t.tpid));
        store_be16(p + 2, static_cast<std::uint16_t>(((t.pcp & 0x7) << 13) | (t.dei ? 0x1000 : 0) |
                                                     (t.vid & 0x0fff)));
        p += 4;
    }
    store_be16(p, static_cast<std::uint16_t>(ether_type));
}

bool operator==(const EthernetRepr& a, const EthernetRepr& b) {
    if (a.src != b.src || a.dst != b.dst || a.ether_type != b.ether_type ||
        a.vlan_count != b.vlan_count)
        return false;
    for (std::size_t i = 0; i < a.vlan_count && i < EthernetRepr::kMaxVlanTags; ++i)
        if (!(a.vlans[i] == b.vlans[i])) return false;
    return true;
}

}  // namespace ustack::wire
