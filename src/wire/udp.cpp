#include "wire/udp.h"

#include <algorithm>
#include <cstring>

namespace ustack::wire {

std::optional<UdpRepr> UdpRepr::parse(const UdpView<Bytes>& view, const Checksum& pseudo,
                                      UdpZeroChecksum zero, ChecksumCheck check) {
    // RFC 768: "Length is the length in octets of this user datagram including this header and
    // the data. (This means the minimum value of the length is eight.)"
    if (!view.is_complete()) return std::nullopt;
    if (check == ChecksumCheck::Verify) {
        if (view.checksum() == 0) {
            // RFC 768: zero means no checksum was computed (IPv4). RFC 8200 §8.1: "IPv6
            // receivers must discard UDP packets containing a zero checksum".
            if (zero == UdpZeroChecksum::Forbidden) return std::nullopt;
        } else if (!view.verify_checksum(pseudo)) {
            return std::nullopt;
        }
    }
    return UdpRepr{view.src_port(), view.dst_port(), view.payload()};
}

void UdpRepr::emit(UdpView<MutBytes>& view, const Checksum& pseudo) const {
    view.set_src_port(src_port);
    view.set_dst_port(dst_port);
    view.set_length(static_cast<std::uint16_t>(buffer_len()));
    MutBytes out = view.bytes();
    if (!payload.empty() && payload.data() != out.data() + 8)
        std::memmove(out.data() + 8, payload.data(), payload.size());
    view.set_checksum(0);
    // RFC 768: an all-zero computed checksum is transmitted as all ones.
    view.fill_checksum(pseudo);
}

bool operator==(const UdpRepr& a, const UdpRepr& b) {
    return a.src_port == b.src_port && a.dst_port == b.dst_port &&
           std::ranges::equal(a.payload, b.payload);
}

}  // namespace ustack::wire
