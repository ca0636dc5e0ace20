// ARP packets (RFC 826); the Repr covers Ethernet/IPv4 request and reply.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "wire/ethernet.h"
#include "wire/ip_address.h"

namespace ustack::wire {

// RFC 826 ar$op; 3 and 4 are RARP (RFC 903).
enum class ArpOperation : std::uint16_t { Request = 1, Reply = 2, RarpRequest = 3, RarpReply = 4 };

// RFC 826 ar$hrd for Ethernet, and ar$pro for IPv4 (an EtherType).
inline constexpr std::uint16_t kArpHardwareEthernet = 1;

// A view of an ARP packet of any hardware/protocol pair.
// checked() guarantees the 8-byte fixed part and the four addresses whose lengths it declares
// (2 * hln + 2 * pln bytes) are inside the bytes.
template <class B>
class ArpView {
  public:
    static constexpr bool kMutable = std::same_as<B, MutBytes>;
    static constexpr std::size_t kFixedLen = 8;
    static constexpr std::size_t kEthernetIpv4Len = 28;

    static std::optional<ArpView> checked(B bytes) {
        if (bytes.size() < kFixedLen) return std::nullopt;
        ArpView v{bytes};
        if (bytes.size() < v.declared_len()) return std::nullopt;
        return v;
    }
    // For emit only: the caller provides at least the Repr's buffer_len() bytes.
    static ArpView unchecked(B bytes) { return ArpView{bytes}; }

    B bytes() const { return bytes_; }
    ArpView<Bytes> as_const() const { return ArpView<Bytes>::unchecked(bytes_); }

    std::uint16_t hardware_type() const { return load_be16(bytes_.data()); }
    EtherType protocol_type() const { return EtherType{load_be16(bytes_.data() + 2)}; }
    std::uint8_t hardware_len() const { return bytes_[4]; }
    std::uint8_t protocol_len() const { return bytes_[5]; }
    ArpOperation operation() const { return ArpOperation{load_be16(bytes_.data() + 6)}; }
    // 8 + 2 * (hln + pln): the length the header declares.
    std::size_t declared_len() const {
        return kFixedLen + 2 * (std::size_t{hardware_len()} + protocol_len());
    }

    // The four addresses as raw bytes (their lengths are hln / pln).
    B sender_hardware_address() const { return bytes_.subspan(8, hardware_len()); }
    B sender_protocol_address() const { return bytes_.subspan(8 + hardware_len(), protocol_len()); }
    B target_hardware_address() const {
        return bytes_.subspan(8 + hardware_len() + protocol_len(), hardware_len());
    }
    B target_protocol_address() const {
        return bytes_.subspan(8 + 2 * std::size_t{hardware_len()} + protocol_len(), protocol_len());
    }
    // Ethernet (hrd 1, hln 6) and IPv4 (pro 0x0800, pln 4): the only pair the typed accessors
    // below and ArpRepr handle.
    bool is_ethernet_ipv4() const {
        return hardware_type() == kArpHardwareEthernet && protocol_type() == EtherType::Ipv4 &&
               hardware_len() == 6 && protocol_len() == 4;
    }
    // Typed addresses; precondition is_ethernet_ipv4().
    MacAddress sender_mac() const { return MacAddress::from_bytes(sender_hardware_address()); }
    Ipv4Address sender_ip() const { return Ipv4Address::from_bytes(sender_protocol_address()); }
    MacAddress target_mac() const { return MacAddress::from_bytes(target_hardware_address()); }
    Ipv4Address target_ip() const { return Ipv4Address::from_bytes(target_protocol_address()); }

    // Writes the fixed part for Ethernet/IPv4 (hrd, pro, hln, pln) and op.
    void set_ethernet_ipv4(ArpOperation op) requires kMutable {
        store_be16(bytes_.data(), kArpHardwareEthernet);
        store_be16(bytes_.data() + 2, static_cast<std::uint16_t>(EtherType::Ipv4));
        bytes_[4] = 6;
        bytes_[5] = 4;
        store_be16(bytes_.data() + 6, static_cast<std::uint16_t>(op));
    }
    // The address setters need the Ethernet/IPv4 layout (set_ethernet_ipv4 first).
    void set_sender(const MacAddress& mac, const Ipv4Address& ip) requires kMutable {
        std::copy(mac.octets.begin(), mac.octets.end(), bytes_.begin() + 8);
        std::copy(ip.octets.begin(), ip.octets.end(), bytes_.begin() + 14);
    }
    void set_target(const MacAddress& mac, const Ipv4Address& ip) requires kMutable {
        std::copy(mac.octets.begin(), mac.octets.end(), bytes_.begin() + 18);
        std::copy(ip.octets.begin(), ip.octets.end(), bytes_.begin() + 24);
    }

  private:
    explicit ArpView(B bytes) : bytes_(bytes) {}
    B bytes_;
};

// An Ethernet/IPv4 ARP request or reply as a value.
struct ArpRepr {
    ArpOperation operation = ArpOperation::Request;
    MacAddress sender_mac;
    Ipv4Address sender_ip;
    MacAddress target_mac;  // RFC 826: ignored (usually zero) in a request
    Ipv4Address target_ip;

    // Rejects anything but Ethernet/IPv4 with op Request or Reply.
    static std::optional<ArpRepr> parse(const ArpView<Bytes>& view);
    static constexpr std::size_t buffer_len() { return 28; }
    // Precondition: view.bytes().size() >= 28.
    void emit(ArpView<MutBytes>& view) const;

    friend constexpr bool operator==(const ArpRepr&, const ArpRepr&) = default;
};

}  // namespace ustack::wire
