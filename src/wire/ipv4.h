// IPv4 header (RFC 791, with RFC 1122 host rules, RFC 2474/3168 DS and ECN fields, RFC 6864 ID).
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

// A view of an IPv4 datagram.
//
// Two levels of checking, so that a packet printer can show cut and inconsistent datagrams:
//  - checked(): the 20-byte fixed header is present, IHL >= 5, and the whole header IHL declares
//    (options included) is inside the bytes. Nothing is checked about total_length, the version,
//    or the checksum: accessors return the fields as they are on the wire.
//  - checked_fixed(): only the 20-byte fixed header is present; IHL may be below 5 or point past
//    the bytes. header_len() still returns the raw IHL * 4, while options(), header() and
//    payload() are clipped to the bytes present (options() is empty when IHL < 5).
// After either, no accessor reads out of bounds whatever the bytes are.
//
// payload() is the part of [header_len, total_length) that was captured. is_complete() says
// whether the whole datagram total_length declares is present and consistent.
template <class B>
class Ipv4View {
  public:
    static constexpr bool kMutable = std::same_as<B, MutBytes>;
    static constexpr std::size_t kHeaderLen = 20;     // RFC 791 §3.1: IHL minimum is 5
    static constexpr std::size_t kMaxHeaderLen = 60;  // IHL is 4 bits of 32-bit words

    static std::optional<Ipv4View> checked(B bytes) {
        auto v = checked_fixed(bytes);
        if (!v) return std::nullopt;
        // RFC 791 §3.1: "the minimum value for a correct header is 5".
        if (v->header_len() < kHeaderLen || v->header_len() > bytes.size()) return std::nullopt;
        return v;
    }
    static std::optional<Ipv4View> checked_fixed(B bytes) {
        if (bytes.size() < kHeaderLen) return std::nullopt;
        return Ipv4View{bytes};
    }
    // For emit only: the caller provides at least the Repr's buffer_len() bytes.
    static Ipv4View unchecked(B bytes) { return Ipv4View{bytes}; }

    B bytes() const { return bytes_; }
    Ipv4View<Bytes> as_const() const { return Ipv4View<Bytes>::unchecked(bytes_); }

    std::uint8_t version() const { return bytes_[0] >> 4; }
    std::uint8_t ihl() const { return bytes_[0] & 0x0f; }  // in 32-bit words
    std::size_t header_len() const { return std::size_t{ihl()} * 4; }
    std::uint8_t tos() const { return bytes_[1]; }         // the whole second byte
    std::uint8_t dscp() const { return bytes_[1] >> 2; }   // RFC 2474
    std::uint8_t ecn() const { return bytes_[1] & 0x03; }  // RFC 3168
    std::uint16_t total_length() const { return load_be16(bytes_.data() + 2); }
    std::uint16_t identification() const { return load_be16(bytes_.data() + 4); }
    // RFC 791 §3.1 flags: bit 0 reserved (must be zero), DF, MF.
    bool reserved_flag() const { return (bytes_[6] & 0x80) != 0; }
    bool dont_fragment() const { return (bytes_[6] & 0x40) != 0; }
    bool more_fragments() const { return (bytes_[6] & 0x20) != 0; }
    // Fragment offset, raw in 8-octet units, and in bytes.
    std::uint16_t fragment_offset_units() const { return load_be16(bytes_.data() + 6) & 0x1fff; }
    std::uint32_t fragment_offset() const { return std::uint32_t{fragment_offset_units()} * 8; }
    // A fragment is any datagram with MF set or a non-zero offset (RFC 791 §3.2).
    bool is_fragment() const { return more_fragments() || fragment_offset_units() != 0; }
    std::uint8_t ttl() const { return bytes_[8]; }
    IpProtocol protocol() const { return IpProtocol{bytes_[9]}; }
    std::uint16_t header_checksum() const { return load_be16(bytes_.data() + 10); }
    Ipv4Address source() const { return Ipv4Address::from_bytes(bytes_.subspan(12, 4)); }
    Ipv4Address destination() const { return Ipv4Address::from_bytes(bytes_.subspan(16, 4)); }

    // The header (clipped to the bytes), its options, and the captured part of the payload.
    B header() const { return detail::clip(bytes_, 0, header_len()); }
    B options() const { return detail::clip(bytes_, kHeaderLen, header_len()); }
    B payload() const {
        const std::size_t begin = std::max(header_len(), kHeaderLen);
        return detail::clip(bytes_, begin, total_length());
    }
    // The header is well formed and total_length bytes (at least the header) are all present.
    bool is_complete() const {
        return header_len() >= kHeaderLen && total_length() >= header_len() &&
               total_length() <= bytes_.size();
    }
    // Bytes the datagram declares but the capture does not have (0 when complete or when
    // total_length is below the header length).
    std::size_t missing_len() const {
        return total_length() > bytes_.size() ? total_length() - bytes_.size() : 0;
    }
    // RFC 791 §3.1: the header checksum over the header verifies (sums to zero). False when the
    // declared header is not all present or IHL < 5.
    bool verify_checksum() const {
        if (header_len() < kHeaderLen || header_len() > bytes_.size()) return false;
        return internet_checksum(header()) == 0;
    }
    // The checksum the header should carry: the sum over the header with the checksum field
    // taken as zero. Safe on any view: it sums the header bytes present, and at least the fixed
    // 20 (so with IHL < 5 or a cut header it is what a printer shows as "should be").
    std::uint16_t compute_checksum() const {
        const std::size_t end = std::clamp(header_len(), kHeaderLen, bytes_.size());
        return Checksum{}.add(bytes_.subspan(0, 10)).add(bytes_.subspan(12, end - 12)).finish();
    }

    // Setters (mutable views only). set_version_and_header_len writes version 4 and the IHL.
    void set_version_and_header_len(std::size_t header_len) requires kMutable {
        bytes_[0] = static_cast<std::uint8_t>(0x40 | ((header_len / 4) & 0x0f));
    }
    void set_tos(std::uint8_t dscp, std::uint8_t ecn) requires kMutable {
        bytes_[1] = static_cast<std::uint8_t>((dscp << 2) | (ecn & 0x03));
    }
    void set_total_length(std::uint16_t v) requires kMutable { store_be16(bytes_.data() + 2, v); }
    void set_identification(std::uint16_t v) requires kMutable { store_be16(bytes_.data() + 4, v); }
    // offset_bytes must be a multiple of 8 below 65536.
    void set_fragment(bool dont_fragment, bool more_fragments,
                      std::uint32_t offset_bytes) requires kMutable {
        std::uint16_t v = static_cast<std::uint16_t>((offset_bytes / 8) & 0x1fff);
        if (dont_fragment) v |= 0x4000;
        if (more_fragments) v |= 0x2000;
        store_be16(bytes_.data() + 6, v);
    }
    void set_ttl(std::uint8_t v) requires kMutable { bytes_[8] = v; }
    void set_protocol(IpProtocol p) requires kMutable { bytes_[9] = static_cast<std::uint8_t>(p); }
    void set_header_checksum(std::uint16_t v) requires kMutable {
        store_be16(bytes_.data() + 10, v);
    }
    void set_source(const Ipv4Address& a) requires kMutable {
        std::copy(a.octets.begin(), a.octets.end(), bytes_.begin() + 12);
    }
    void set_destination(const Ipv4Address& a) requires kMutable {
        std::copy(a.octets.begin(), a.octets.end(), bytes_.begin() + 16);
    }
    // Computes and stores the header checksum (over the declared header when present).
    void fill_checksum() requires kMutable { set_header_checksum(compute_checksum()); }
    // RFC 1624: decrement the TTL and patch the checksum incrementally (for forwarding).
    void decrement_ttl() requires kMutable {
        const std::uint16_t old_word = load_be16(bytes_.data() + 8);
        bytes_[8] = static_cast<std::uint8_t>(bytes_[8] - 1);
        set_header_checksum(
            checksum_update16(header_checksum(), old_word, load_be16(bytes_.data() + 8)));
    }

  private:
    explicit Ipv4View(B bytes) : bytes_(bytes) {}
    B bytes_;
};

// RFC 791 §3.1 option kinds.
enum class Ipv4OptionType : std::uint8_t {
    EndOfList = 0,
    NoOperation = 1,
    RecordRoute = 7,
    Timestamp = 68,
    LooseSourceRoute = 131,
    Security = 130,
    StrictSourceRoute = 137,
    StreamId = 136,
    RouterAlert = 148,  // RFC 2113
};

// One IPv4 option: its type and all its bytes (type, length, data; one byte for NOP/EOL).
struct Ipv4Option {
    Ipv4OptionType type{};
    Bytes bytes;
    Bytes data() const { return bytes.size() > 2 ? bytes.subspan(2) : Bytes{}; }
};

// Walks the options area of a header (Ipv4View::options()). next() yields each option until
// End-of-List or the end of the bytes; it stops with malformed() set when a length is below 2 or
// runs past the area (RFC 791 §3.1: "the option-length octet counts the option-type octet and
// the option-length octet as well as the option-data octets").
class Ipv4OptionWalker {
  public:
    explicit Ipv4OptionWalker(Bytes options) : cursor_(options) {}
    std::optional<Ipv4Option> next();
    bool malformed() const { return malformed_; }

  private:
    Cursor cursor_;
    bool done_ = false;
    bool malformed_ = false;
};

// An IPv4 header as a value. Options are not carried: parse skips (but checks) them, emit writes
// a 20-byte header (RFC 1122 §3.2.1.8 lets a host ignore options it does not implement).
// The payload is not part of the Repr: emit writes the header, the caller the payload.
struct Ipv4Repr {
    Ipv4Address src;
    Ipv4Address dst;
    IpProtocol protocol = IpProtocol::Tcp;
    std::size_t payload_len = 0;  // total_length - header_len
    std::uint8_t ttl = 64;
    std::uint8_t dscp = 0;
    std::uint8_t ecn = 0;
    std::uint16_t identification = 0;
    bool dont_fragment = false;
    bool more_fragments = false;
    std::uint32_t fragment_offset = 0;  // bytes, a multiple of 8

    enum class ChecksumCheck : std::uint8_t { Verify, Skip };  // Skip: the device verified it

    // Strict: version 4, IHL >= 5, options well formed, header_len <= total_length <= captured
    // bytes (bytes past total_length are link padding and ignored), the header checksum
    // verifies, and the fragment does not end past 65535.
    static std::optional<Ipv4Repr> parse(const Ipv4View<Bytes>& view,
                                         ChecksumCheck check = ChecksumCheck::Verify);
    // The header only; add payload_len for the whole datagram.
    static constexpr std::size_t buffer_len() { return 20; }
    std::size_t total_len() const { return buffer_len() + payload_len; }
    // Writes the 20-byte header and its checksum. Precondition: view.bytes().size() >= 20 and
    // total_len() <= 65535.
    void emit(Ipv4View<MutBytes>& view) const;
    // The RFC 9293 §3.1 / RFC 768 pseudo-header sum for the upper-layer payload of this datagram.
    Checksum pseudo_header() const {
        return pseudo_header_v4(src.bytes(), dst.bytes(), static_cast<std::uint8_t>(protocol),
                                static_cast<std::uint32_t>(payload_len));
    }

    friend constexpr bool operator==(const Ipv4Repr&, const Ipv4Repr&) = default;
};

}  // namespace ustack::wire
