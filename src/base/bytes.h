// Byte spans, big-endian (network order) loads and stores, and a bounded reading Cursor.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

namespace ustack {

using Bytes = std::span<const std::uint8_t>;
using MutBytes = std::span<std::uint8_t>;

// Loads and stores take a pointer the caller has already bounds-checked.
inline std::uint16_t load_be16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>((std::uint16_t{p[0]} << 8) | p[1]);
}
inline std::uint32_t load_be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           std::uint32_t{p[3]};
}
inline void store_be16(std::uint8_t* p, std::uint16_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}
inline void store_be32(std::uint8_t* p, std::uint32_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 24);
    p[1] = static_cast<std::uint8_t>(v >> 16);
    p[2] = static_cast<std::uint8_t>(v >> 8);
    p[3] = static_cast<std::uint8_t>(v);
}

// The first 16 bytes of `b` (fewer are zero-padded) as two little-endian 64-bit words: how the
// hashes over words (ISNs, port offsets, demux and listener tables) take an address, an IPv4
// one in the low half of the first word.
inline std::array<std::uint64_t, 2> load_le_words16(Bytes b) {
    std::array<std::uint64_t, 2> w{};
    const std::size_t n = std::min<std::size_t>(b.size(), 16);
    if constexpr (std::endian::native == std::endian::little) {
        // The two sizes addresses have, as single loads.
        if (n == 16) {
            std::memcpy(w.data(), b.data(), 16);
            return w;
        }
        if (n == 4) {
            std::uint32_t x;
            std::memcpy(&x, b.data(), 4);
            w[0] = x;
            return w;
        }
    }
    for (std::size_t i = 0; i < n; ++i)
        w[i / 8] |= std::uint64_t{b[i]} << (8 * (i % 8));
    return w;
}

// Reads forward through untrusted bytes. Every read is checked: past the end it returns nullopt
// (or false) and leaves the position where it was, so no caller can read out of bounds.
class Cursor {
  public:
    explicit Cursor(Bytes bytes) : bytes_(bytes) {}

    std::size_t remaining() const { return bytes_.size() - pos_; }
    std::size_t position() const { return pos_; }
    bool empty() const { return remaining() == 0; }
    Bytes rest() const { return bytes_.subspan(pos_); }

    std::optional<std::uint8_t> u8() {
        if (remaining() < 1) return std::nullopt;
        return bytes_[pos_++];
    }
    std::optional<std::uint16_t> be16() {
        if (remaining() < 2) return std::nullopt;
        auto v = load_be16(bytes_.data() + pos_);
        pos_ += 2;
        return v;
    }
    std::optional<std::uint32_t> be32() {
        if (remaining() < 4) return std::nullopt;
        auto v = load_be32(bytes_.data() + pos_);
        pos_ += 4;
        return v;
    }
    // The next n bytes as a span, or nullopt when fewer remain.
    std::optional<Bytes> take(std::size_t n) {
        if (remaining() < n) return std::nullopt;
        auto s = bytes_.subspan(pos_, n);
        pos_ += n;
        return s;
    }
    bool skip(std::size_t n) {
        if (remaining() < n) return false;
        pos_ += n;
        return true;
    }

  private:
    Bytes bytes_;
    std::size_t pos_ = 0;
};

}  // namespace ustack
