// ICMP for IPv4 (RFC 792; RFC 1191 next-hop MTU; RFC 1812 §5.2.7 / RFC 1122 §3.2.2 codes).
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>

#include "base/bytes.h"
#include "base/checksum.h"
#include "wire/ip_address.h"

namespace ustack::wire {

enum class Icmpv4Type : std::uint8_t {
    EchoReply = 0,
    DestUnreachable = 3,
    SourceQuench = 4,  // deprecated by RFC 6633
    Redirect = 5,
    EchoRequest = 8,
    RouterAdvertisement = 9,  // RFC 1256
    RouterSolicitation = 10,
    TimeExceeded = 11,
    ParameterProblem = 12,
    Timestamp = 13,
    TimestampReply = 14,
};

// Destination Unreachable codes: RFC 792, RFC 1122 §3.2.2.1, RFC 1812 §5.2.7.1.
enum class Icmpv4Unreachable : std::uint8_t {
    NetUnreachable = 0,
    HostUnreachable = 1,
    ProtocolUnreachable = 2,
    PortUnreachable = 3,
    FragmentationNeeded = 4,  // with next-hop MTU, RFC 1191
    SourceRouteFailed = 5,
    DestNetUnknown = 6,
    DestHostUnknown = 7,
    SourceHostIsolated = 8,
    NetProhibited = 9,
    HostProhibited = 10,
    NetUnreachableForTos = 11,
    HostUnreachableForTos = 12,
    CommProhibited = 13,  // RFC 1812
    HostPrecedenceViolation = 14,
    PrecedenceCutoff = 15,
};
// Short English name of a Destination Unreachable code ("port unreachable", ...), or nullptr.
const char* icmpv4_unreachable_name(std::uint8_t code);

enum class Icmpv4TimeExceeded : std::uint8_t { TtlExceeded = 0, FragmentReassembly = 1 };

// Name of a type ("echo request", "echo reply", "time exceeded", ...) or nullptr.
const char* icmpv4_type_name(Icmpv4Type t);
// Whether a type is an error message that quotes the offending datagram (RFC 792).
constexpr bool is_icmpv4_error(Icmpv4Type t) {
    return t == Icmpv4Type::DestUnreachable || t == Icmpv4Type::SourceQuench ||
           t == Icmpv4Type::Redirect || t == Icmpv4Type::TimeExceeded ||
           t == Icmpv4Type::ParameterProblem;
}

// A view of an ICMPv4 message; the bytes are the IP payload (the message has no length field).
// checked() guarantees the 8-byte header (type, code, checksum, 4 type-specific bytes).
// The type-specific accessors read those 4 bytes whatever the type is; use the one that matches.
template <class B>
class Icmpv4View {
  public:
    static constexpr bool kMutable = std::same_as<B, MutBytes>;
    static constexpr std::size_t kHeaderLen = 8;

    static std::optional<Icmpv4View> checked(B bytes) {
        if (bytes.size() < kHeaderLen) return std::nullopt;
        return Icmpv4View{bytes};
    }
    // For emit only: the caller provides at least the Repr's buffer_len() bytes.
    static Icmpv4View unchecked(B bytes) { return Icmpv4View{bytes}; }

    B bytes() const { return bytes_; }
    Icmpv4View<Bytes> as_const() const { return Icmpv4View<Bytes>::unchecked(bytes_); }

    Icmpv4Type type() const { return Icmpv4Type{bytes_[0]}; }
    std::uint8_t code() const { return bytes_[1]; }
    std::uint16_t checksum() const { return load_be16(bytes_.data() + 2); }
    std::uint32_t rest_of_header() const { return load_be32(bytes_.data() + 4); }
    // Echo, timestamp: identifier and sequence number.
    std::uint16_t identifier() const { return load_be16(bytes_.data() + 4); }
    std::uint16_t sequence_number() const { return load_be16(bytes_.data() + 6); }
    // Destination unreachable, fragmentation needed: RFC 1191 §4 next-hop MTU (low 16 bits).
    std::uint16_t next_hop_mtu() const { return load_be16(bytes_.data() + 6); }
    // Parameter problem: RFC 792 pointer to the octet in error.
    std::uint8_t pointer() const { return bytes_[4]; }
    // Redirect: the gateway address.
    Ipv4Address gateway() const { return Ipv4Address::from_bytes(bytes_.subspan(4, 4)); }
    // RFC 4884 §4.1: length of the original datagram in 32-bit words (0 = not given).
    std::uint8_t rfc4884_length() const { return bytes_[5]; }

    // Everything after the 8-byte header: echo data, or for errors the quoted original datagram
    // ("internet header + 64 bits of data", RFC 792; as much as fits, RFC 1812 §4.3.2.3).
    B data() const { return bytes_.subspan(kHeaderLen); }
    B quoted() const { return data(); }

    // RFC 792: the checksum over the whole message verifies (sums to zero).
    bool verify_checksum() const { return internet_checksum(bytes_) == 0; }
    std::uint16_t compute_checksum() const {
        return Checksum{}.add(bytes_.subspan(0, 2)).add(bytes_.subspan(4)).finish();
    }

    void set_type(Icmpv4Type t) requires kMutable { bytes_[0] = static_cast<std::uint8_t>(t); }
    void set_code(std::uint8_t c) requires kMutable { bytes_[1] = c; }
    void set_checksum(std::uint16_t v) requires kMutable { store_be16(bytes_.data() + 2, v); }
    void set_rest_of_header(std::uint32_t v) requires kMutable { store_be32(bytes_.data() + 4, v); }
    void set_echo(std::uint16_t identifier, std::uint16_t sequence_number) requires kMutable {
        store_be16(bytes_.data() + 4, identifier);
        store_be16(bytes_.data() + 6, sequence_number);
    }
    void fill_checksum() requires kMutable { set_checksum(compute_checksum()); }

  private:
    explicit Icmpv4View(B bytes) : bytes_(bytes) {}
    B bytes_;
};

// An ICMPv4 message as a value: echo request/reply, destination unreachable, time exceeded,
// parameter problem. Fields that do not apply to the type are zero (parse sets them so).
struct Icmpv4Repr {
    Icmpv4Type type = Icmpv4Type::EchoRequest;
    std::uint8_t code = 0;
    std::uint16_t identifier = 0;       // echo
    std::uint16_t sequence_number = 0;  // echo
    std::uint16_t next_hop_mtu = 0;     // DestUnreachable / FragmentationNeeded (RFC 1191)
    std::uint8_t pointer = 0;           // ParameterProblem
    Bytes data;                         // echo data, or the quoted datagram for errors

    static Icmpv4Repr echo_request(std::uint16_t ident, std::uint16_t seq, Bytes data) {
        return Icmpv4Repr{Icmpv4Type::EchoRequest, 0, ident, seq, 0, 0, data};
    }
    static Icmpv4Repr echo_reply(std::uint16_t ident, std::uint16_t seq, Bytes data) {
        return Icmpv4Repr{Icmpv4Type::EchoReply, 0, ident, seq, 0, 0, data};
    }
    static Icmpv4Repr dest_unreachable(Icmpv4Unreachable code, Bytes quoted,
                                       std::uint16_t next_hop_mtu = 0) {
        return Icmpv4Repr{Icmpv4Type::DestUnreachable,
                          static_cast<std::uint8_t>(code),
                          0,
                          0,
                          next_hop_mtu,
                          0,
                          quoted};
    }

    enum class ChecksumCheck : std::uint8_t { Verify, Skip };
    // Strict: one of the five types above, a code defined for it (unreachable 0..15, time
    // exceeded 0..1, parameter problem 0..2, echo 0), the checksum verifies.
    static std::optional<Icmpv4Repr> parse(const Icmpv4View<Bytes>& view,
                                           ChecksumCheck check = ChecksumCheck::Verify);
    std::size_t buffer_len() const { return 8 + data.size(); }
    // Writes the header, copies data (unless it already sits in place) and the checksum.
    // Precondition: view.bytes().size() >= buffer_len(); the checksum covers the first
    // buffer_len() bytes.
    void emit(Icmpv4View<MutBytes>& view) const;

    // Data compares by content.
    friend bool operator==(const Icmpv4Repr& a, const Icmpv4Repr& b);
};

}  // namespace ustack::wire
