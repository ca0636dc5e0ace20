#include "wire/tcp_options.h"

#include <algorithm>

namespace ustack::wire {

using namespace tcp_option_kind;  // kEol, kNop, ... in this file only

bool tcp_option_length_ok(std::uint8_t kind, std::uint8_t length) {
    switch (kind) {
        case kEol:
        case kNop:
            return length == 1;  // RFC 9293 §3.2: single-octet options
        case kMss:
            return length == 4;  // RFC 9293 §3.2: Kind 2, Length 4
        case kWindowScale:
            return length == 3;  // RFC 7323 §2.2: Kind 3, Length 3
        case kSackPermitted:
            return length == 2;  // RFC 2018 §2: Kind 4, Length 2
        case kSack:
            // RFC 2018 §3: Kind 5, Length 2 + 8n; at most 4 blocks fit in 40 bytes.
            return length >= 10 && length <= 34 && (length - 2) % 8 == 0;
        case kTimestamps:
            return length == 10;  // RFC 7323 §3.2: Kind 8, Length 10
        case kMd5Signature:
            return length == 18;  // RFC 2385 §3.0: Kind 19, Length 18
        case kUserTimeout:
            return length == 4;  // RFC 5482 §2: Kind 28, Length 4
        default:
            return length >= 2;  // RFC 9293 §3.1: kind, length (counting both), data
    }
}

TcpOptionWalker::TcpOptionWalker(Bytes captured, std::size_t declared_len)
    : captured_(captured.first(std::min(captured.size(), declared_len))),
      declared_len_(declared_len) {}

std::optional<TcpOption> TcpOptionWalker::next() {
    if (done_) return std::nullopt;
    auto stop = [this](TcpOptionError e) -> std::optional<TcpOption> {
        error_ = e;
        done_ = true;
        return std::nullopt;
    };
    if (pos_ >= declared_len_) {
        done_ = true;
        return std::nullopt;
    }
    if (pos_ >= captured_.size()) return stop(TcpOptionError::Truncated);

    const std::uint8_t kind = captured_[pos_];
    // RFC 9293 §3.1: "Case 1: A single octet of option-kind" (EOL and NOP only).
    if (kind == kEol || kind == kNop) {
        TcpOption opt{kind, 1, {}, pos_};
        ++pos_;
        // RFC 9293 §3.2: EOL marks the end of the options; what follows is padding.
        if (kind == kEol) {
            saw_eol_ = true;
            done_ = true;
        }
        return opt;
    }
    // RFC 9293 §3.1: "Case 2: An octet of option-kind, an octet of option-length, and the
    // actual option-data octets" — the length counts kind, length and data.
    if (pos_ + 1 >= declared_len_) return stop(TcpOptionError::MissingLength);
    if (pos_ + 1 >= captured_.size()) return stop(TcpOptionError::Truncated);
    const std::uint8_t length = captured_[pos_ + 1];
    // RFC 9293 §3.1 MUST-7: be prepared for an illegal option length (e.g., zero).
    if (length < 2) return stop(TcpOptionError::LengthTooSmall);
    if (pos_ + length > declared_len_) return stop(TcpOptionError::LengthPastEnd);
    if (pos_ + length > captured_.size()) return stop(TcpOptionError::Truncated);
    TcpOption opt{kind, length, captured_.subspan(pos_ + 2, length - 2u), pos_};
    pos_ += length;
    return opt;
}

bool TcpOptions::add_sack(SackBlock block) {
    if (sack_count >= kMaxSackBlocks) return false;
    sack_blocks[sack_count++] = block;
    return true;
}

namespace {

constexpr std::size_t kMssLen = 4;
constexpr std::size_t kWsLen = 3;
constexpr std::size_t kSackPermLen = 2;
constexpr std::size_t kTsLen = 10;

}  // namespace

std::optional<TcpOptions> TcpOptions::parse(Bytes area) {
    std::optional<TcpOptions> out(std::in_place);
    if (!parse_into(area, *out)) out.reset();
    return out;
}

bool TcpOptions::parse_into(Bytes area, TcpOptions& out) {
    // Nearly every segment of an established connection carries NOP, NOP, Timestamps (RFC 7323
    // Appendix A's layout, which Linux and we send): read it without the walk.
    if (area.size() == 12 && area[0] == kNop && area[1] == kNop && area[2] == kTimestamps &&
        area[3] == kTsLen) {
        out.timestamps = TcpTimestamps{load_be32(area.data() + 4), load_be32(area.data() + 8)};
        return true;
    }
    TcpOptionWalker walk(area);
    while (auto opt = walk.next()) {
        // RFC 9293 §3.1 MUST-7: an illegal length for a known kind rejects the options.
        if (!opt->length_ok()) return false;
        const Bytes d = opt->data;
        switch (opt->kind) {
            case kMss:
                out.mss = load_be16(d.data());  // RFC 9293 §3.2
                break;
            case kWindowScale:
                out.wscale = d[0];  // RFC 7323 §2.2; clamped to 14 by the TCB (§2.3)
                break;
            case kSackPermitted:
                out.sack_permitted = true;  // RFC 2018 §2
                break;
            case kSack:
                out.sack_count = 0;  // RFC 2018 §3: a repeated option replaces the earlier one
                for (std::size_t i = 0; i + 8 <= d.size(); i += 8) {
                    out.add_sack(
                        {SeqNum(load_be32(d.data() + i)), SeqNum(load_be32(d.data() + i + 4))});
                }
                break;
            case kTimestamps:
                out.timestamps = TcpTimestamps{load_be32(d.data()), load_be32(d.data() + 4)};
                break;
            default:
                // RFC 9293 §3.1 MUST-6: ignore without error an option we do not implement
                // (EOL, NOP, MD5, UTO, MPTCP, TFO, experiments, ...).
                break;
        }
    }
    return walk.error() == TcpOptionError::None;
}

namespace {

std::size_t sack_len(std::size_t blocks) {
    return blocks ? 2 + 8 * blocks : 0;
}

// Linux's layout: every option group is 4 bytes aligned.
std::size_t linux_len(const TcpOptions& o) {
    std::size_t n = o.mss ? kMssLen : 0;
    if (o.timestamps) {
        n += 12;  // SACK-perm,TS or NOP,NOP,TS
    } else if (o.sack_permitted) {
        n += 4;  // NOP,NOP,SACK-perm
    }
    if (o.wscale) n += 4;                               // NOP,WS
    if (o.sack_count) n += 2 + sack_len(o.sack_count);  // NOP,NOP,SACK
    return n;
}

// Packed layout, no NOPs, zero padded to a multiple of 4.
std::size_t packed_len(const TcpOptions& o) {
    std::size_t n = (o.mss ? kMssLen : 0) + (o.sack_permitted ? kSackPermLen : 0) +
                    (o.timestamps ? kTsLen : 0) + (o.wscale ? kWsLen : 0) + sack_len(o.sack_count);
    return (n + 3) & ~std::size_t{3};
}

class Writer {
  public:
    explicit Writer(MutBytes out) : out_(out) {}
    void u8(std::uint8_t v) { out_[pos_++] = v; }
    void be16(std::uint16_t v) {
        store_be16(out_.data() + pos_, v);
        pos_ += 2;
    }
    void be32(std::uint32_t v) {
        store_be32(out_.data() + pos_, v);
        pos_ += 4;
    }
    void mss(std::uint16_t v) {
        u8(kMss);
        u8(kMssLen);
        be16(v);
    }
    void sack_perm() {
        u8(kSackPermitted);
        u8(kSackPermLen);
    }
    void ts(const TcpTimestamps& t) {
        u8(kTimestamps);
        u8(kTsLen);
        be32(t.tsval);
        be32(t.tsecr);
    }
    void ws(std::uint8_t v) {
        u8(kWindowScale);
        u8(kWsLen);
        u8(v);
    }
    void sacks(std::span<const SackBlock> blocks) {
        u8(kSack);
        u8(static_cast<std::uint8_t>(sack_len(blocks.size())));
        for (const auto& b : blocks) {
            be32(b.left.raw());
            be32(b.right.raw());
        }
    }
    // RFC 9293 §3.1: the header is padded with zeros (EOL) to a 32-bit boundary.
    void pad_to(std::size_t len) {
        while (pos_ < len)
            u8(kEol);
    }

  private:
    MutBytes out_;
    std::size_t pos_ = 0;
};

}  // namespace

std::size_t TcpOptions::any_buffer_len() const {
    const std::size_t linux = linux_len(*this);
    return linux <= kTcpMaxOptionsLen ? linux : packed_len(*this);
}

bool TcpOptions::emit(MutBytes area) const {
    // Nearly every segment of an established connection carries only NOP, NOP, Timestamps
    // (Linux's layout below, RFC 7323 Appendix A): written without the general walk.
    if (timestamps && !mss && !wscale && !sack_permitted && sack_count == 0) {
        if (area.size() < 12) return false;
        std::uint8_t* p = area.data();
        p[0] = kNop;
        p[1] = kNop;
        p[2] = kTimestamps;
        p[3] = kTsLen;
        store_be32(p + 4, timestamps->tsval);
        store_be32(p + 8, timestamps->tsecr);
        return true;
    }
    const std::size_t len = buffer_len();
    if (len > kTcpMaxOptionsLen || area.size() < len) return false;
    Writer w(area);
    if (linux_len(*this) == len) {
        if (mss) w.mss(*mss);  // RFC 9293 §3.7.1: MSS only on SYN; the caller decides
        if (timestamps) {
            if (sack_permitted) {
                w.sack_perm();
            } else {
                w.u8(kNop);
                w.u8(kNop);
            }
            w.ts(*timestamps);
        } else if (sack_permitted) {
            w.u8(kNop);
            w.u8(kNop);
            w.sack_perm();
        }
        if (wscale) {
            w.u8(kNop);
            w.ws(*wscale);
        }
        if (sack_count) {
            w.u8(kNop);
            w.u8(kNop);
            w.sacks(sacks());
        }
    } else {
        if (mss) w.mss(*mss);
        if (sack_permitted) w.sack_perm();
        if (timestamps) w.ts(*timestamps);
        if (wscale) w.ws(*wscale);
        if (sack_count) w.sacks(sacks());
        w.pad_to(len);
    }
    return true;
}

bool TcpOptions::operator==(const TcpOptions& other) const {
    const auto a = sacks();
    const auto b = other.sacks();
    return mss == other.mss && wscale == other.wscale && sack_permitted == other.sack_permitted &&
           timestamps == other.timestamps && std::equal(a.begin(), a.end(), b.begin(), b.end());
}

}  // namespace ustack::wire
