// ICMPv6 (RFC 4443) and Neighbor Discovery messages and options (RFC 4861).
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "base/checksum.h"
#include "wire/ethernet.h"
#include "wire/ip_address.h"

namespace ustack::wire {

enum class Icmpv6Type : std::uint8_t {
    DestUnreachable = 1,
    PacketTooBig = 2,
    TimeExceeded = 3,
    ParameterProblem = 4,
    EchoRequest = 128,
    EchoReply = 129,
    MldQuery = 130,  // RFC 2710
    MldReport = 131,
    MldDone = 132,
    RouterSolicitation = 133,  // RFC 4861 §4.1
    RouterAdvertisement = 134,
    NeighborSolicitation = 135,
    NeighborAdvertisement = 136,
    Redirect = 137,
    Mldv2Report = 143,  // RFC 3810
};
// Name of a type ("echo request", "neighbor solicitation", ...) or nullptr.
const char* icmpv6_type_name(Icmpv6Type t);
// RFC 4443 §2.1: error messages have the high bit of the type clear.
constexpr bool is_icmpv6_error(Icmpv6Type t) {
    return static_cast<std::uint8_t>(t) < 128;
}

// RFC 4443 §3.1 Destination Unreachable codes.
enum class Icmpv6Unreachable : std::uint8_t {
    NoRoute = 0,
    AdminProhibited = 1,
    BeyondScope = 2,
    AddressUnreachable = 3,
    PortUnreachable = 4,
    SourcePolicyFailed = 5,
    RejectRoute = 6,
    SourceRoutingHeaderError = 7,  // RFC 6550
};
const char* icmpv6_unreachable_name(std::uint8_t code);
// RFC 4443 §3.3 Time Exceeded codes.
enum class Icmpv6TimeExceeded : std::uint8_t { HopLimitExceeded = 0, FragmentReassembly = 1 };
// RFC 4443 §3.4 Parameter Problem codes.
enum class Icmpv6ParamProblem : std::uint8_t {
    ErroneousHeaderField = 0,
    UnrecognizedNextHeader = 1,
    UnrecognizedOption = 2,
};

// NDP option types (RFC 4861 §4.6, RFC 8106 for RDNSS/DNSSL).
enum class NdpOptionType : std::uint8_t {
    SourceLinkLayerAddress = 1,
    TargetLinkLayerAddress = 2,
    PrefixInformation = 3,
    RedirectedHeader = 4,
    Mtu = 5,
    Rdnss = 25,
    Dnssl = 31,
};

// One NDP option: its type and all its bytes (length * 8, type and length octets included).
struct NdpOption {
    NdpOptionType type{};
    Bytes bytes;
    // Source/Target Link-Layer Address holding a 6-byte Ethernet address (RFC 2464 §6).
    std::optional<MacAddress> link_layer_address() const;
    // MTU option (RFC 4861 §4.6.4).
    std::optional<std::uint32_t> mtu() const;
};

// Walks an NDP options area. RFC 4861 §4.6: "Nodes MUST silently discard an ND packet that
// contains an option with length zero"; next() stops with malformed() set on a zero length or
// an option running past the area.
class NdpOptionWalker {
  public:
    explicit NdpOptionWalker(Bytes options) : cursor_(options) {}
    std::optional<NdpOption> next();
    bool malformed() const { return malformed_; }

  private:
    Cursor cursor_;
    bool malformed_ = false;
};

// Bytes before the options in an NDP message of type t, counting the 4-byte ICMPv6 header
// (RS 8, RA 16, NS 24, NA 24, Redirect 40), or 0 for other types.
std::size_t ndp_fixed_len(Icmpv6Type t);

// A view of an ICMPv6 message; the bytes are the upper-layer payload (no length field).
// checked() guarantees the 8-byte header (type, code, checksum, 4 type-specific bytes). The NDP
// fields beyond byte 8 return nullopt (or an empty span) when the message is too short for them.
template <class B>
class Icmpv6View {
  public:
    static constexpr bool kMutable = std::same_as<B, MutBytes>;
    static constexpr std::size_t kHeaderLen = 8;

    static std::optional<Icmpv6View> checked(B bytes) {
        if (bytes.size() < kHeaderLen) return std::nullopt;
        return Icmpv6View{bytes};
    }
    // For emit only: the caller provides at least the Repr's buffer_len() bytes.
    static Icmpv6View unchecked(B bytes) { return Icmpv6View{bytes}; }

    B bytes() const { return bytes_; }
    Icmpv6View<Bytes> as_const() const { return Icmpv6View<Bytes>::unchecked(bytes_); }

    Icmpv6Type type() const { return Icmpv6Type{bytes_[0]}; }
    std::uint8_t code() const { return bytes_[1]; }
    std::uint16_t checksum() const { return load_be16(bytes_.data() + 2); }
    std::uint32_t rest_of_header() const { return load_be32(bytes_.data() + 4); }
    // Echo (RFC 4443 §4.1).
    std::uint16_t identifier() const { return load_be16(bytes_.data() + 4); }
    std::uint16_t sequence_number() const { return load_be16(bytes_.data() + 6); }
    // Packet Too Big (RFC 4443 §3.2).
    std::uint32_t mtu() const { return load_be32(bytes_.data() + 4); }
    // Parameter Problem (RFC 4443 §3.4).
    std::uint32_t pointer() const { return load_be32(bytes_.data() + 4); }
    // Echo data, or for errors the quoted packet ("as much of invoking packet as possible
    // without the ICMPv6 packet exceeding the minimum IPv6 MTU", RFC 4443 §3).
    B data() const { return bytes_.subspan(kHeaderLen); }
    B quoted() const { return data(); }

    // Router Advertisement (RFC 4861 §4.2): byte 4 Cur Hop Limit, byte 5 M/O flags, lifetime.
    std::uint8_t ra_cur_hop_limit() const { return bytes_[4]; }
    bool ra_managed() const { return (bytes_[5] & 0x80) != 0; }
    bool ra_other() const { return (bytes_[5] & 0x40) != 0; }
    std::uint16_t ra_router_lifetime() const { return load_be16(bytes_.data() + 6); }
    std::optional<std::uint32_t> ra_reachable_time() const { return be32_at(8); }
    std::optional<std::uint32_t> ra_retrans_timer() const { return be32_at(12); }
    // Neighbor Advertisement flags (RFC 4861 §4.4).
    bool na_router() const { return (bytes_[4] & 0x80) != 0; }
    bool na_solicited() const { return (bytes_[4] & 0x40) != 0; }
    bool na_override() const { return (bytes_[4] & 0x20) != 0; }
    // NS, NA, Redirect: the target address (bytes 8..23); Redirect: the destination (24..39).
    std::optional<Ipv6Address> target_address() const { return address_at(8); }
    std::optional<Ipv6Address> redirect_destination() const { return address_at(24); }
    // The NDP options of an RS/RA/NS/NA/Redirect, empty for other types or when the fixed part
    // is not all present.
    B ndp_options() const {
        const std::size_t fixed = ndp_fixed_len(type());
        if (fixed == 0 || fixed > bytes_.size()) return B{};
        return bytes_.subspan(fixed);
    }
    bool has_ndp_fixed_part() const {
        const std::size_t fixed = ndp_fixed_len(type());
        return fixed != 0 && fixed <= bytes_.size();
    }

    // RFC 4443 §2.3: the checksum over the pseudo-header and the whole message verifies.
    // `pseudo` is pseudo_header_v6(src, dst, 58, bytes().size()).
    bool verify_checksum(Checksum pseudo) const { return pseudo.add(bytes_).folded() == 0xffff; }
    std::uint16_t compute_checksum(Checksum pseudo) const {
        return pseudo.add(bytes_.subspan(0, 2)).add(bytes_.subspan(4)).finish();
    }

    void set_type(Icmpv6Type t) requires kMutable { bytes_[0] = static_cast<std::uint8_t>(t); }
    void set_code(std::uint8_t c) requires kMutable { bytes_[1] = c; }
    void set_checksum(std::uint16_t v) requires kMutable { store_be16(bytes_.data() + 2, v); }
    void set_rest_of_header(std::uint32_t v) requires kMutable { store_be32(bytes_.data() + 4, v); }
    void fill_checksum(const Checksum& pseudo) requires kMutable {
        set_checksum(compute_checksum(pseudo));
    }

  private:
    explicit Icmpv6View(B bytes) : bytes_(bytes) {}
    std::optional<std::uint32_t> be32_at(std::size_t off) const {
        if (bytes_.size() < off + 4) return std::nullopt;
        return load_be32(bytes_.data() + off);
    }
    std::optional<Ipv6Address> address_at(std::size_t off) const {
        if (bytes_.size() < off + 16) return std::nullopt;
        return Ipv6Address::from_bytes(bytes_.subspan(off, 16));
    }
    B bytes_;
};

// An ICMPv6 message as a value: echo request/reply, the four error messages, and the NDP router
// and neighbor solicitation/advertisement. Fields that do not apply to the type are zero / empty
// (parse sets them so). NDP options other than the link-layer address and (RA) MTU are skipped
// by parse and not emitted; read them from the view with NdpOptionWalker.
struct Icmpv6Repr {
    Icmpv6Type type = Icmpv6Type::EchoRequest;
    std::uint8_t code = 0;
    std::uint16_t identifier = 0;       // echo
    std::uint16_t sequence_number = 0;  // echo
    std::uint32_t mtu = 0;              // PacketTooBig
    std::uint32_t pointer = 0;          // ParameterProblem
    Bytes data;                         // echo data, or the quoted packet for errors

    // NDP (RFC 4861 §4).
    Ipv6Address target;                                                       // NS, NA
    bool router_flag = false, solicited_flag = false, override_flag = false;  // NA
    std::uint8_t cur_hop_limit = 0;                                           // RA
    bool managed_flag = false, other_flag = false;                            // RA
    std::uint16_t router_lifetime = 0;                                        // RA, seconds
    std::uint32_t reachable_time = 0, retrans_timer = 0;                      // RA, milliseconds
    // The Source (RS, RA, NS) or Target (NA) Link-Layer Address option.
    std::optional<MacAddress> link_layer_address;
    std::optional<std::uint32_t> mtu_option;  // RA

    enum class ChecksumCheck : std::uint8_t { Verify, Skip };
    // Strict: a supported type and a code defined for it; for NDP, code 0 and the options well
    // formed (RFC 4861 §4.6); the checksum verifies against `pseudo`, which is
    // pseudo_header_v6(src, dst, 58, view.bytes().size()).
    static std::optional<Icmpv6Repr> parse(const Icmpv6View<Bytes>& view, const Checksum& pseudo,
                                           ChecksumCheck check = ChecksumCheck::Verify);
    std::size_t buffer_len() const;
    // Writes the message, copies data (unless it sits in place already) and the checksum over
    // `pseudo` (pseudo_header_v6(src, dst, 58, buffer_len())) and the first buffer_len() bytes.
    // Precondition: view.bytes().size() >= buffer_len().
    void emit(Icmpv6View<MutBytes>& view, const Checksum& pseudo) const;

    // Data compares by content.
    friend bool operator==(const Icmpv6Repr& a, const Icmpv6Repr& b);
};

}  // namespace ustack::wire
