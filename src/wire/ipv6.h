// IPv6 fixed header and extension header chain (RFC 8200; AH length per RFC 4302 §2.2).
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "base/checksum.h"
#include "wire/ip_address.h"

namespace ustack::wire {

// A view of an IPv6 packet.
// checked() guarantees the 40-byte fixed header is inside the bytes; nothing else (the version
// and payload_length are returned raw). payload() is the captured part of the declared payload
// (extension headers included); is_complete() says whether all payload_length bytes are present.
template <class B>
class Ipv6View {
  public:
    static constexpr bool kMutable = std::same_as<B, MutBytes>;
    static constexpr std::size_t kHeaderLen = 40;

    static std::optional<Ipv6View> checked(B bytes) {
        if (bytes.size() < kHeaderLen) return std::nullopt;
        return Ipv6View{bytes};
    }
    // For emit only: the caller provides at least the Repr's buffer_len() bytes.
    static Ipv6View unchecked(B bytes) { return Ipv6View{bytes}; }

    B bytes() const { return bytes_; }
    Ipv6View<Bytes> as_const() const { return Ipv6View<Bytes>::unchecked(bytes_); }

    // RFC 8200 §3: version 4 bits, traffic class 8, flow label 20.
    std::uint8_t version() const { return bytes_[0] >> 4; }
    std::uint8_t traffic_class() const {
        return static_cast<std::uint8_t>((load_be16(bytes_.data()) >> 4) & 0xff);
    }
    std::uint8_t dscp() const { return traffic_class() >> 2; }
    std::uint8_t ecn() const { return traffic_class() & 0x03; }
    std::uint32_t flow_label() const { return load_be32(bytes_.data()) & 0x000fffff; }
    std::uint16_t payload_length() const { return load_be16(bytes_.data() + 4); }
    IpProtocol next_header() const { return IpProtocol{bytes_[6]}; }
    std::uint8_t hop_limit() const { return bytes_[7]; }
    Ipv6Address source() const { return Ipv6Address::from_bytes(bytes_.subspan(8, 16)); }
    Ipv6Address destination() const { return Ipv6Address::from_bytes(bytes_.subspan(24, 16)); }

    B payload() const { return detail::clip(bytes_, kHeaderLen, kHeaderLen + payload_length()); }
    bool is_complete() const { return kHeaderLen + payload_length() <= bytes_.size(); }
    std::size_t missing_len() const {
        const std::size_t want = kHeaderLen + payload_length();
        return want > bytes_.size() ? want - bytes_.size() : 0;
    }

    void set_version_class_flow(std::uint8_t traffic_class,
                                std::uint32_t flow_label) requires kMutable {
        store_be32(bytes_.data(), (std::uint32_t{6} << 28) | (std::uint32_t{traffic_class} << 20) |
                                      (flow_label & 0x000fffff));
    }
    void set_payload_length(std::uint16_t v) requires kMutable { store_be16(bytes_.data() + 4, v); }
    void set_next_header(IpProtocol p) requires kMutable {
        bytes_[6] = static_cast<std::uint8_t>(p);
    }
    void set_hop_limit(std::uint8_t v) requires kMutable { bytes_[7] = v; }
    void set_source(const Ipv6Address& a) requires kMutable {
        std::copy(a.octets.begin(), a.octets.end(), bytes_.begin() + 8);
    }
    void set_destination(const Ipv6Address& a) requires kMutable {
        std::copy(a.octets.begin(), a.octets.end(), bytes_.begin() + 24);
    }

  private:
    explicit Ipv6View(B bytes) : bytes_(bytes) {}
    B bytes_;
};

// Whether a Next Header value names an extension header the walker steps over (RFC 8200 §4,
// plus AH, Mobility, HIP and Shim6 which use the same Next Header / length layout; RFC 7045).
// ESP is not: what follows it is encrypted, so the chain ends there.
bool is_ipv6_extension_header(IpProtocol p);

// One extension header found by Ipv6ExtHeaderWalker.
struct Ipv6ExtHeader {
    IpProtocol type{};         // which header this is (HopByHop, Ipv6Route, Ipv6Frag, ...)
    IpProtocol next_header{};  // its Next Header field
    Bytes bytes;               // the whole header, from Next Header to its end
    // Fragment header fields (RFC 8200 §4.5), meaningful when type == Ipv6Frag.
    std::uint32_t fragment_offset = 0;  // bytes (the 13-bit field times 8)
    bool more_fragments = false;
    std::uint32_t identification = 0;
    // Routing header fields (RFC 8200 §4.4), meaningful when type == Ipv6Route.
    std::uint8_t routing_type = 0;
    std::uint8_t segments_left = 0;

    // Hop-by-hop / destination options: the option area after the 2-byte prefix (walk it with
    // Ipv6OptionWalker). Routing: type-specific data after the 4-byte prefix. Otherwise empty
    // unless meaningful for the type.
    Bytes options() const {
        return (type == IpProtocol::HopByHop || type == IpProtocol::Ipv6Opts) ? bytes.subspan(2)
                                                                              : Bytes{};
    }
};

// Walks the extension header chain of a packet: Ipv6ExtHeaderWalker w{view.next_header(),
// view.payload()}; while (auto h = w.next()) {...}; then w.status() and w.upper_protocol(),
// w.upper_payload(). Every header is checked against the bytes before it is yielded.
class Ipv6ExtHeaderWalker {
  public:
    enum class Status : std::uint8_t {
        Walking,       // next() has more to give
        UpperLayer,    // reached a non-extension Next Header (TCP, UDP, ICMPv6, ESP, unknown...)
        NoNextHeader,  // RFC 8200 §4.7: Next Header 59, nothing follows
        Fragment,      // a non-first fragment (offset != 0): the rest is fragment data
        Truncated,     // a header runs past the bytes (e.g. a snaplen cut)
        Malformed,     // Hop-by-Hop not first (RFC 8200 §4.1)
    };

    Ipv6ExtHeaderWalker(IpProtocol first, Bytes after_fixed_header)
        : next_(first), cursor_(after_fixed_header) {}

    // The next extension header, or nullopt when the walk has ended (see status()).
    std::optional<Ipv6ExtHeader> next();
    // Walks to the end and returns the final status.
    Status finish();

    Status status() const { return status_; }
    // The Next Header value where the walk stopped: the upper-layer protocol when status() is
    // UpperLayer or Fragment, the header that did not fit when Truncated.
    IpProtocol upper_protocol() const { return next_; }
    // The bytes after the last extension header walked.
    Bytes upper_payload() const { return cursor_.rest(); }
    // Bytes of extension headers walked so far.
    std::size_t offset() const { return cursor_.position(); }
    std::size_t count() const { return count_; }

  private:
    IpProtocol next_;
    Cursor cursor_;
    Status status_ = Status::Walking;
    std::size_t count_ = 0;
};

// One option in a Hop-by-Hop or Destination Options header (RFC 8200 §4.2). Pad1 is a single
// byte; every other option is type, data length, data.
struct Ipv6Option {
    std::uint8_t type = 0;
    Bytes data;  // empty for Pad1
    // RFC 8200 §4.2: the two high bits say what a node that does not know the option must do.
    std::uint8_t action() const { return type >> 6; }
};
inline constexpr std::uint8_t kIpv6OptionPad1 = 0;
inline constexpr std::uint8_t kIpv6OptionPadN = 1;
inline constexpr std::uint8_t kIpv6OptionRouterAlert = 5;  // RFC 2711
inline constexpr std::uint8_t kIpv6OptionJumbo = 0xc2;     // RFC 2675

// Walks an options area; stops with malformed() when an option runs past the area.
class Ipv6OptionWalker {
  public:
    explicit Ipv6OptionWalker(Bytes options) : cursor_(options) {}
    std::optional<Ipv6Option> next();
    bool malformed() const { return malformed_; }

  private:
    Cursor cursor_;
    bool malformed_ = false;
};

// The fixed IPv6 header as a value. Extension headers are not part of it: next_header is the
// fixed header's field and payload_len counts the extension headers too. The payload is not
// part of the Repr: emit writes the 40-byte header, the caller the payload.
struct Ipv6Repr {
    Ipv6Address src;
    Ipv6Address dst;
    IpProtocol next_header = IpProtocol::Tcp;
    std::size_t payload_len = 0;
    std::uint8_t hop_limit = 64;
    std::uint8_t traffic_class = 0;
    std::uint32_t flow_label = 0;  // 20 bits

    // Strict: version 6, all payload_length bytes present (more bytes are link padding and
    // ignored). Deviation: a zero payload length with a Jumbo Payload option (RFC 2675) is not
    // supported and parses as an empty payload.
    static std::optional<Ipv6Repr> parse(const Ipv6View<Bytes>& view);
    static constexpr std::size_t buffer_len() { return 40; }
    std::size_t total_len() const { return buffer_len() + payload_len; }
    // Precondition: view.bytes().size() >= 40 and payload_len <= 65535.
    void emit(Ipv6View<MutBytes>& view) const;
    // RFC 8200 §8.1 pseudo-header for an upper-layer packet of `length` bytes (which differs
    // from payload_len when extension headers come first) of protocol `upper`.
    Checksum pseudo_header(IpProtocol upper, std::uint32_t length) const {
        return pseudo_header_v6(src.bytes(), dst.bytes(), static_cast<std::uint8_t>(upper), length);
    }

    friend constexpr bool operator==(const Ipv6Repr&, const Ipv6Repr&) = default;
};

// An IPv6 Fragment header (RFC 8200 §4.5) as a value, for emitting fragments.
struct Ipv6FragmentRepr {
    IpProtocol next_header = IpProtocol::Udp;
    std::uint32_t fragment_offset = 0;  // bytes, a multiple of 8
    bool more_fragments = false;
    std::uint32_t identification = 0;

    static constexpr std::size_t buffer_len() { return 8; }
    static std::optional<Ipv6FragmentRepr> parse(const Ipv6ExtHeader& header);
    // Precondition: out.size() >= 8.
    void emit(MutBytes out) const;
    friend constexpr bool operator==(const Ipv6FragmentRepr&, const Ipv6FragmentRepr&) = default;
};

}  // namespace ustack::wire
