// TCP header: TcpFlags, the checked TcpView<B> and the TcpRepr value (RFC 9293 §3.1, RFC 3168
// ECE/CWR, RFC 9768 AE, RFC 1071 checksum over the RFC 9293 §3.1 pseudo-header).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <type_traits>

#include "base/bytes.h"
#include "base/checksum.h"
#include "wire/seq_num.h"
#include "wire/tcp_options.h"

namespace ustack::wire {

inline constexpr std::uint8_t kIpProtoTcp = 6;  // IANA protocol number, for the pseudo-header
inline constexpr std::size_t kTcpFixedHeaderLen = 20;  // RFC 9293 §3.1: data offset >= 5
inline constexpr std::size_t kTcpMaxHeaderLen = 60;    // RFC 9293 §3.1: data offset <= 15

// The 12 bits after the data offset: 3 reserved bits, AE, CWR, ECE, URG, ACK, PSH, RST, SYN, FIN.
class TcpFlags {
  public:
    static constexpr std::uint16_t kFin = 0x001;       // RFC 9293 §3.1
    static constexpr std::uint16_t kSyn = 0x002;       // RFC 9293 §3.1
    static constexpr std::uint16_t kRst = 0x004;       // RFC 9293 §3.1
    static constexpr std::uint16_t kPsh = 0x008;       // RFC 9293 §3.1
    static constexpr std::uint16_t kAck = 0x010;       // RFC 9293 §3.1
    static constexpr std::uint16_t kUrg = 0x020;       // RFC 9293 §3.1
    static constexpr std::uint16_t kEce = 0x040;       // RFC 3168 §6.1
    static constexpr std::uint16_t kCwr = 0x080;       // RFC 3168 §6.1
    static constexpr std::uint16_t kAe = 0x100;        // RFC 9768 §3 (formerly NS, RFC 3540)
    static constexpr std::uint16_t kReserved = 0xe00;  // RFC 9293 §3.1: must be zero when sent
    static constexpr std::uint16_t kAll = 0xfff;

    constexpr TcpFlags() = default;
    constexpr explicit TcpFlags(std::uint16_t bits) : bits_(bits & kAll) {}

    constexpr std::uint16_t bits() const { return bits_; }
    constexpr bool has(std::uint16_t mask) const { return (bits_ & mask) == mask; }
    constexpr bool fin() const { return has(kFin); }
    constexpr bool syn() const { return has(kSyn); }
    constexpr bool rst() const { return has(kRst); }
    constexpr bool psh() const { return has(kPsh); }
    constexpr bool ack() const { return has(kAck); }
    constexpr bool urg() const { return has(kUrg); }
    constexpr bool ece() const { return has(kEce); }
    constexpr bool cwr() const { return has(kCwr); }
    constexpr bool ae() const { return has(kAe); }
    // The three reserved bits, shifted down (0..7).
    constexpr std::uint8_t reserved() const {
        return static_cast<std::uint8_t>((bits_ & kReserved) >> 9);
    }

    constexpr TcpFlags with(std::uint16_t mask, bool on = true) const {
        return TcpFlags(on ? (bits_ | mask) : (bits_ & ~mask));
    }
    constexpr TcpFlags operator|(TcpFlags o) const { return TcpFlags(bits_ | o.bits_); }
    constexpr bool operator==(const TcpFlags&) const = default;

  private:
    std::uint16_t bits_ = 0;
};

// A TCP header over bytes (B = Bytes or MutBytes). Setters exist only when B is mutable.
//
// Two levels of checking, both guaranteeing that no accessor reads out of bounds:
//
//  * checked_fixed_header(bytes): only the 20-byte fixed header is guaranteed. All raw fields
//    are readable. The data offset may be anything (0..15): header_len() is what it declares
//    (possibly < 20 or past the bytes); options() and payload() are clipped to what is present
//    (options: bytes [20, clamp(header_len, 20, size)); payload: the rest). Use it to show
//    snaplen-cut or inconsistent headers ("[bad hdr length 16 - too short, < 20]", options cut
//    mid-way), and to wrap an output buffer for TcpRepr::emit.
//  * checked(bytes): additionally data offset >= 5 and header_len() <= bytes.size(), so
//    options() is the whole declared options area and payload() is everything after it.
//    header_complete() is then true.
//
// A view is always over one segment: the caller passes exactly the TCP bytes (the IP payload,
// already cut to the IP-declared length); checksum helpers sum every byte of the view.
template <typename B>
class TcpView {
  public:
    using Span = B;
    static constexpr bool kMutable = !std::is_const_v<typename B::element_type>;

    // Level 1: at least the fixed 20-byte header is present.
    static std::optional<TcpView> checked_fixed_header(B bytes) {
        if (bytes.size() < kTcpFixedHeaderLen) return std::nullopt;
        return TcpView(bytes);
    }
    // Level 2: fixed header, data offset >= 5 (RFC 9293 §3.1) and the options inside the bytes.
    static std::optional<TcpView> checked(B bytes) {
        auto v = checked_fixed_header(bytes);
        if (!v || !v->header_complete()) return std::nullopt;
        return v;
    }

    B bytes() const { return bytes_; }
    // The same view, read-only (for TcpRepr::parse or checksum helpers over an output buffer).
    TcpView<Bytes> as_const() const { return TcpView<Bytes>(Bytes(bytes_)); }

    std::uint16_t src_port() const { return load_be16(p() + 0); }
    std::uint16_t dst_port() const { return load_be16(p() + 2); }
    SeqNum seq() const { return SeqNum(load_be32(p() + 4)); }
    SeqNum ack() const { return SeqNum(load_be32(p() + 8)); }  // meaningful only with ACK
    // The raw 4-bit data offset, in 32-bit words (RFC 9293 §3.1).
    std::uint8_t data_offset() const { return static_cast<std::uint8_t>(p()[12] >> 4); }
    // The header length the data offset declares, in bytes (0..60; may exceed bytes().size()).
    std::size_t header_len() const { return std::size_t{data_offset()} * 4; }
    TcpFlags flags() const { return TcpFlags(load_be16(p() + 12)); }
    std::uint16_t window() const { return load_be16(p() + 14); }
    std::uint16_t checksum() const { return load_be16(p() + 16); }
    std::uint16_t urgent() const { return load_be16(p() + 18); }

    // True when data offset >= 5 and the declared header fits in the bytes (what checked() adds).
    bool header_complete() const {
        return header_len() >= kTcpFixedHeaderLen && header_len() <= bytes_.size();
    }
    // The options length the data offset declares (0 when it declares less than 20 bytes).
    std::size_t options_len() const {
        return header_len() > kTcpFixedHeaderLen ? header_len() - kTcpFixedHeaderLen : 0;
    }
    // The options bytes present: the declared area, clipped to the bytes we have.
    B options() const {
        return bytes_.subspan(kTcpFixedHeaderLen, options_end() - kTcpFixedHeaderLen);
    }
    // Everything after the (clipped) options area.
    B payload() const { return bytes_.subspan(options_end()); }

    void set_src_port(std::uint16_t v) requires kMutable { store_be16(p() + 0, v); }
    void set_dst_port(std::uint16_t v) requires kMutable { store_be16(p() + 2, v); }
    void set_seq(SeqNum v) requires kMutable { store_be32(p() + 4, v.raw()); }
    void set_ack(SeqNum v) requires kMutable { store_be32(p() + 8, v.raw()); }
    // Sets the 4-bit data offset (words), keeping the flag bits that share its byte.
    void set_data_offset(std::uint8_t words) requires kMutable {
        p()[12] = static_cast<std::uint8_t>(((words & 0x0f) << 4) | (p()[12] & 0x0f));
    }
    // Sets all 12 flag bits (reserved, AE, CWR ... FIN), keeping the data offset.
    void set_flags(TcpFlags f) requires kMutable {
        store_be16(p() + 12, static_cast<std::uint16_t>((p()[12] & 0xf0) << 8 | f.bits()));
    }
    void set_window(std::uint16_t v) requires kMutable { store_be16(p() + 14, v); }
    void set_checksum(std::uint16_t v) requires kMutable { store_be16(p() + 16, v); }
    void set_urgent(std::uint16_t v) requires kMutable { store_be16(p() + 18, v); }

  private:
    template <typename>
    friend class TcpView;
    explicit TcpView(B bytes) : bytes_(bytes) {}
    auto* p() const { return bytes_.data(); }
    std::size_t options_end() const {
        return std::clamp(header_len(), kTcpFixedHeaderLen, bytes_.size());
    }

    B bytes_;
};

// The checksum field value the segment should carry: the one's-complement sum of the
// pseudo-header (built by the IP layer with pseudo_header_v4/v6 over the TCP length) and every
// byte of the view, with the checksum field taken as zero (RFC 9293 §3.1).
template <typename B>
std::uint16_t compute_checksum(const TcpView<B>& view, const Checksum& pseudo_header);
// Whether the checksum field is right: the sum over pseudo-header and all bytes, checksum
// field included, is all ones (RFC 1071 §1). 0x0000 and 0xffff are both accepted for a sum
// of zero (one's-complement has two zeros).
template <typename B>
bool verify_checksum(const TcpView<B>& view, const Checksum& pseudo_header);

extern template std::uint16_t compute_checksum(const TcpView<Bytes>&, const Checksum&);
extern template std::uint16_t compute_checksum(const TcpView<MutBytes>&, const Checksum&);
extern template bool verify_checksum(const TcpView<Bytes>&, const Checksum&);
extern template bool verify_checksum(const TcpView<MutBytes>&, const Checksum&);

// The one control function of a segment; combinations such as SYN+FIN have no meaning and are
// rejected by TcpRepr::parse.
enum class TcpControl : std::uint8_t { None, Syn, Fin, Rst };

// A TCP segment as a value (a plain value struct: fields have no `_`). `payload` points into
// the parsed bytes (or the caller's data when emitting): it lives no longer than they do.
//
// The fields are ordered by size so that none pads another (120 bytes; every segment received
// is parsed into one and every segment sent is built as one).
struct TcpRepr {
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    SeqNum seq;
    std::optional<SeqNum> ack;            // present iff the ACK flag is set
    std::optional<std::uint16_t> urgent;  // present iff the URG flag is set (RFC 9293 §3.1)
    std::uint16_t window = 0;             // raw 16-bit field, not scaled (RFC 7323 §2.3)
    TcpControl control = TcpControl::None;
    bool psh = false;
    bool ece = false;  // RFC 3168 §6.1
    bool cwr = false;  // RFC 3168 §6.1
    bool ae = false;   // RFC 9768 §3
    TcpOptions options;
    Bytes payload;
    // The one's-complement sum of `payload`, when whoever put the payload there summed it on the
    // way (Checksum::add_copy), so emitting the segment need not read the payload again. Never
    // set by parse(); whoever changes `payload` afterwards must reset it.
    std::optional<Checksum> payload_sum;

    // Strict parse. Rejects (nullopt): a view that is not header_complete(); a wrong checksum
    // when `verify_checksum` (RFC 9293 §3.1 MUST-2/MUST-3); SYN together with RST or FIN, and
    // RST with FIN (see tcp.cpp for the reasons); a malformed options area (TcpOptions::parse).
    // Ignores the reserved bits (RFC 9293 §3.1: "must be ignored in received segments"), the
    // acknowledgment field without ACK and the urgent pointer without URG.
    // `pseudo_header` is only used when verify_checksum is true.
    static std::optional<TcpRepr> parse(const TcpView<Bytes>& view, const Checksum& pseudo_header,
                                        bool verify_checksum);

    // Header bytes emit() writes: 20 + options.buffer_len().
    std::size_t header_len() const { return kTcpFixedHeaderLen + options.buffer_len(); }
    // Bytes emit() writes: header and payload.
    std::size_t buffer_len() const { return header_len() + payload.size(); }
    // Sequence space the segment occupies: payload plus one each for SYN and FIN (RFC 9293
    // §3.4: "SEG.LEN ... includes both data and sequence space-occupying controls").
    std::size_t segment_len() const {
        return payload.size() + (control == TcpControl::Syn || control == TcpControl::Fin ? 1 : 0);
    }
    TcpFlags flags() const;

    // Writes the header, options and payload into the first buffer_len() bytes of the view,
    // then the checksum over those bytes with `pseudo_header` (built by the IP layer for a TCP
    // length of buffer_len()); the payload is summed while it is copied. A payload that already
    // sits right after the header in the view is not copied, and with payload_sum not read.
    // Reserved bits are written as zero (RFC 9293 §3.1). Wrap the output buffer with
    // TcpView<MutBytes>::checked_fixed_header(). False (the bytes are then unspecified) when the
    // view is shorter than buffer_len() or !options.fits().
    [[nodiscard]] bool emit(TcpView<MutBytes>& view, const Checksum& pseudo_header) const;
};

}  // namespace ustack::wire
