// UDP datagrams (RFC 768; IPv6 checksum rules RFC 8200 §8.1).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "base/checksum.h"
#include "wire/ip_address.h"

namespace ustack::wire {

// A view of a UDP datagram; the bytes are the IP payload.
// checked() guarantees the 8-byte header. length() is raw; payload() is the captured part of
// [8, length); is_complete() says whether length is sane (>= 8) and all of it is present.
template <class B>
class UdpView {
  public:
    static constexpr bool kMutable = std::same_as<B, MutBytes>;
    static constexpr std::size_t kHeaderLen = 8;

    static std::optional<UdpView> checked(B bytes) {
        if (bytes.size() < kHeaderLen) return std::nullopt;
        return UdpView{bytes};
    }
    // For emit only: the caller provides at least the Repr's buffer_len() bytes.
    static UdpView unchecked(B bytes) { return UdpView{bytes}; }

    B bytes() const { return bytes_; }
    UdpView<Bytes> as_const() const { return UdpView<Bytes>::unchecked(bytes_); }

    std::uint16_t src_port() const { return load_be16(bytes_.data()); }
    std::uint16_t dst_port() const { return load_be16(bytes_.data() + 2); }
    std::uint16_t length() const { return load_be16(bytes_.data() + 4); }
    std::uint16_t checksum() const { return load_be16(bytes_.data() + 6); }
    B payload() const { return detail::clip(bytes_, kHeaderLen, length()); }
    bool is_complete() const { return length() >= kHeaderLen && length() <= bytes_.size(); }

    // RFC 768: the sum over pseudo-header, header and data (the first length() bytes) verifies.
    // `pseudo` is pseudo_header_v4/v6(src, dst, 17, length()). Meaningful when is_complete()
    // (otherwise it sums the bytes present, safely). A zero checksum field means "none" for
    // IPv4; this function does not special-case it.
    bool verify_checksum(Checksum pseudo) const {
        return pseudo.add(detail::clip(bytes_, 0, length())).folded() == 0xffff;
    }
    // The value to store (0 is sent as 0xffff, RFC 768); sums the first length() bytes present.
    std::uint16_t compute_checksum(Checksum pseudo) const {
        const std::uint16_t c =
            pseudo.add(bytes_.subspan(0, 6)).add(detail::clip(bytes_, 8, length())).finish();
        return c == 0 ? 0xffff : c;
    }

    void set_src_port(std::uint16_t v) requires kMutable { store_be16(bytes_.data(), v); }
    void set_dst_port(std::uint16_t v) requires kMutable { store_be16(bytes_.data() + 2, v); }
    void set_length(std::uint16_t v) requires kMutable { store_be16(bytes_.data() + 4, v); }
    void set_checksum(std::uint16_t v) requires kMutable { store_be16(bytes_.data() + 6, v); }
    void fill_checksum(const Checksum& pseudo) requires kMutable {
        set_checksum(compute_checksum(pseudo));
    }

  private:
    explicit UdpView(B bytes) : bytes_(bytes) {}
    B bytes_;
};

// What a zero checksum field means when parsing.
enum class UdpZeroChecksum : std::uint8_t {
    Allowed,    // IPv4, RFC 768: "all zero ... means the transmitter generated no checksum"
    Forbidden,  // IPv6, RFC 8200 §8.1: "a zero UDP checksum ... should be discarded"
};

// A UDP datagram as a value; the payload is a span into the parsed bytes (or the caller's).
struct UdpRepr {
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    Bytes payload;

    enum class ChecksumCheck : std::uint8_t { Verify, Skip };
    // Strict: 8 <= length <= bytes (bytes beyond length are ignored), and the checksum verifies
    // against `pseudo` (pseudo_header_v4/v6(src, dst, 17, view.length())) unless zero and
    // allowed. Port 0 is accepted (a socket layer decides about it).
    static std::optional<UdpRepr> parse(const UdpView<Bytes>& view, const Checksum& pseudo,
                                        UdpZeroChecksum zero = UdpZeroChecksum::Allowed,
                                        ChecksumCheck check = ChecksumCheck::Verify);
    std::size_t buffer_len() const { return 8 + payload.size(); }
    // Writes the header, copies the payload (unless it sits in place already), and the checksum
    // over `pseudo` (pseudo_header_v4/v6(src, dst, 17, buffer_len())). Precondition:
    // view.bytes().size() >= buffer_len() and buffer_len() <= 65535.
    void emit(UdpView<MutBytes>& view, const Checksum& pseudo) const;

    // Payload compares by content.
    friend bool operator==(const UdpRepr& a, const UdpRepr& b);
};

}  // namespace ustack::wire
