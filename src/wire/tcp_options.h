// TCP options area: a checked walker and the TcpOptions value (RFC 9293 §3.1/§3.2, RFC 7323,
// RFC 2018; unknown kinds such as RFC 8684 MPTCP, RFC 7413 TFO and RFC 6994 experiments kept raw).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "base/bytes.h"
#include "wire/seq_num.h"

namespace ustack::wire {

// Option kinds (IANA "TCP Option Kind Numbers"). Not exhaustive: any uint8_t is a valid kind.
namespace tcp_option_kind {
inline constexpr std::uint8_t kEol = 0;              // RFC 9293 §3.2: End of Option List
inline constexpr std::uint8_t kNop = 1;              // RFC 9293 §3.2: No-Operation
inline constexpr std::uint8_t kMss = 2;              // RFC 9293 §3.2: Maximum Segment Size
inline constexpr std::uint8_t kWindowScale = 3;      // RFC 7323 §2.2
inline constexpr std::uint8_t kSackPermitted = 4;    // RFC 2018 §2
inline constexpr std::uint8_t kSack = 5;             // RFC 2018 §3
inline constexpr std::uint8_t kTimestamps = 8;       // RFC 7323 §3.2
inline constexpr std::uint8_t kMd5Signature = 19;    // RFC 2385 §3.0
inline constexpr std::uint8_t kUserTimeout = 28;     // RFC 5482 §2
inline constexpr std::uint8_t kTcpAo = 29;           // RFC 5925 §2.2
inline constexpr std::uint8_t kMptcp = 30;           // RFC 8684 §3
inline constexpr std::uint8_t kFastOpen = 34;        // RFC 7413 §4.1.1
inline constexpr std::uint8_t kExperimental1 = 253;  // RFC 4727, RFC 6994
inline constexpr std::uint8_t kExperimental2 = 254;  // RFC 4727, RFC 6994
}  // namespace tcp_option_kind

// RFC 9293 §3.1: the data offset field counts 32-bit words, at most 15, so the options area
// holds at most 60 - 20 = 40 bytes.
inline constexpr std::size_t kTcpMaxOptionsLen = 40;

// Whether `length` (the option's length byte: kind + length + data) is right for `kind`.
// Known kinds have fixed lengths (MSS 4, WS 3, SACK-permitted 2, TS 10, MD5 18, UTO 4) or, for
// SACK, 2 + 8n with n in 1..4 (RFC 2018 §3). Unknown kinds accept any length >= 2.
// EOL and NOP have no length byte; for them this is true only for length 1.
bool tcp_option_length_ok(std::uint8_t kind, std::uint8_t length);

// One option as it sits in the area, in wire order.
struct TcpOption {
    std::uint8_t kind = 0;
    std::uint8_t length = 1;  // the length byte (kind + length + data); 1 for EOL and NOP
    Bytes data;               // length - 2 bytes after the length byte; empty for EOL and NOP
    std::size_t offset = 0;   // where the kind byte sits, from the start of the options area

    // False when a known kind carries the wrong length (e.g. MSS with length 3): the walk can
    // still go on (the length byte says where the next option starts), but the value is bad.
    bool length_ok() const { return tcp_option_length_ok(kind, length); }
};

// Why a walk stopped early. The walker stops at the first of these, at offset().
enum class TcpOptionError : std::uint8_t {
    None,            // no error (the walk ended at the end of the area or after EOL)
    MissingLength,   // a kind other than EOL/NOP is the last byte of the area: no length byte
    LengthTooSmall,  // the length byte is 0 or 1 (RFC 9293 §3.1 MUST-7: illegal option length)
    LengthPastEnd,   // the length byte runs past the end of the declared options area
    Truncated,       // the option fits the declared area but runs past the captured bytes
};

// Walks a raw options area, yielding each option in wire order, EOL included (the walk ends
// after EOL; the bytes after it are padding, see padding()). Never reads outside `captured`.
//
//   TcpOptionWalker walk(view.options(), view.options_len());
//   while (auto opt = walk.next()) { ... }
//   if (walk.error() != TcpOptionError::None) { ... stopped at walk.offset() ... }
//
// `declared_len` is the options length the data offset claims (header length - 20); when a
// capture was cut short (snaplen) `captured` holds fewer bytes, and an option running past the
// captured bytes but inside the declared area is reported as Truncated, not as LengthPastEnd.
class TcpOptionWalker {
  public:
    explicit TcpOptionWalker(Bytes area) : TcpOptionWalker(area, area.size()) {}
    TcpOptionWalker(Bytes captured, std::size_t declared_len);

    // The next option, or nullopt when the walk is over (end of area, after EOL, or an error).
    std::optional<TcpOption> next();

    TcpOptionError error() const { return error_; }
    // Offset from the start of the area of the next option to read, or of the option that
    // failed (its kind byte) once error() is set.
    std::size_t offset() const { return pos_; }
    // True once an EOL option was yielded.
    bool saw_eol() const { return saw_eol_; }
    // The captured bytes after EOL (padding; RFC 9293 §3.1 says it is zeros). Empty otherwise.
    Bytes padding() const { return saw_eol_ ? captured_.subspan(pos_) : Bytes{}; }

  private:
    Bytes captured_;
    std::size_t declared_len_;
    std::size_t pos_ = 0;
    TcpOptionError error_ = TcpOptionError::None;
    bool saw_eol_ = false;
    bool done_ = false;
};

// RFC 2018 §3: one SACK block, [left, right) — left edge is the first sequence number of the
// block, right edge the sequence number just after its last byte.
struct SackBlock {
    SeqNum left;
    SeqNum right;
    bool operator==(const SackBlock&) const = default;
};

// RFC 7323 §3.2: the Timestamps option.
struct TcpTimestamps {
    std::uint32_t tsval = 0;
    std::uint32_t tsecr = 0;
    bool operator==(const TcpTimestamps&) const = default;
};

// The options this stack understands, as a value. (A plain value struct: fields have no `_`.)
//
// parse() is strict: any malformed option (MissingLength, LengthTooSmall, LengthPastEnd, or a
// known kind with the wrong length) rejects the whole area (RFC 9293 §3.1 MUST-7). Unknown
// kinds with a well-formed length are skipped (RFC 9293 §3.1 MUST-6). A repeated option
// replaces the earlier one (Deviation: RFC 9293 is silent; this is what Linux does). Values
// are kept as sent: a window scale above 14 is kept raw here and the TCB clamps it
// (RFC 7323 §2.3); MSS/WS/SACK-permitted on a non-SYN segment are kept here and the TCB
// ignores them (RFC 9293 §3.7.1, RFC 7323 §2.2, RFC 2018 §2).
//
// emit() uses Linux's layout, where every option is 4-byte aligned and no padding is needed:
//   MSS | SACK-perm,TS (or NOP,NOP,TS; or NOP,NOP,SACK-perm) | NOP,WS | NOP,NOP,SACK blocks
// giving "mss,sackOK,TS,nop,wscale" on a SYN and "nop,nop,TS" / "nop,nop,sack" on data. When
// that layout would exceed 40 bytes it falls back to the packed order MSS, SACK-perm, TS, WS,
// SACK with no NOPs, zero-padded (EOL) to a multiple of 4. Anything parse() accepted from an
// area of at most 40 bytes emits again within 40 bytes.
struct TcpOptions {
    static constexpr std::size_t kMaxSackBlocks = 4;  // RFC 2018 §3: 2 + 8 * 4 = 34 <= 40

    // (In this order the small fields share no padding: 52 bytes, where mss, wscale and
    // sack_permitted in front cost 56. Every segment parsed or sent holds one.)
    std::array<SackBlock, kMaxSackBlocks> sack_blocks{};  // the first sack_count are in use
    std::optional<TcpTimestamps> timestamps;
    std::optional<std::uint16_t> mss;
    std::optional<std::uint8_t> wscale;
    bool sack_permitted = false;
    std::uint8_t sack_count = 0;

    // The SACK blocks in use, in the order sent.
    std::span<const SackBlock> sacks() const { return {sack_blocks.data(), sack_count}; }
    // Appends a block; false when all kMaxSackBlocks are in use.
    bool add_sack(SackBlock block);

    // Strict parse of a whole options area (see above). An empty area gives empty options.
    static std::optional<TcpOptions> parse(Bytes area);
    // The same into `out` (which must be empty options, as default-constructed): true when the
    // area is well formed; `out` is unspecified otherwise.
    static bool parse_into(Bytes area, TcpOptions& out);

    // Bytes emit() writes: a multiple of 4, at most kTcpMaxOptionsLen when fits().
    std::size_t buffer_len() const {
        // A data segment's options (timestamps, SACK blocks) in Linux's layout, asked for several
        // times per segment sent: NOP,NOP,TS and NOP,NOP,SACK (see emit()).
        if (!mss && !wscale && !sack_permitted) {
            const std::size_t n = data_segment_len(timestamps.has_value(), sack_count);
            if (n <= kTcpMaxOptionsLen) return n;
        }
        return any_buffer_len();
    }
    // What buffer_len() is for options of timestamps (or not) and `sack_blocks` SACK blocks
    // alone, as a data segment carries, when that is at most kTcpMaxOptionsLen (Linux's layout:
    // NOP,NOP,TS and NOP,NOP,SACK); more means !fits().
    static constexpr std::size_t data_segment_len(bool timestamps, std::size_t sack_blocks) {
        return (timestamps ? 12 : 0) + (sack_blocks != 0 ? 4 + 8 * sack_blocks : 0);
    }
    // Whether the options can be sent at all (buffer_len() <= 40).
    bool fits() const { return buffer_len() <= kTcpMaxOptionsLen; }
    // Writes exactly buffer_len() bytes at the start of `area`. False (nothing written) when
    // !fits() or `area` is shorter than buffer_len().
    [[nodiscard]] bool emit(MutBytes area) const;

    bool operator==(const TcpOptions& other) const;

  private:
    std::size_t any_buffer_len() const;
};

}  // namespace ustack::wire
