#include "wire/ipv6.h"

namespace ustack::wire {

bool is_ipv6_extension_header(IpProtocol p) {
    switch (p) {
        case IpProtocol::HopByHop:
        case IpProtocol::Ipv6Route:
        case IpProtocol::Ipv6Frag:
        case IpProtocol::Ipv6Opts:
        case IpProtocol::Ah:
        case IpProtocol::Mobility:
        case IpProtocol::Hip:
        case IpProtocol::Shim6:
            return true;
        default:
            return false;
    }
}

std::optional<Ipv6ExtHeader> Ipv6ExtHeaderWalker::next() {
    if (status_ != Status::Walking) return std::nullopt;
    if (next_ == IpProtocol::Ipv6NoNxt) {
        status_ = Status::NoNextHeader;
        return std::nullopt;
    }
    if (!is_ipv6_extension_header(next_)) {
        status_ = Status::UpperLayer;
        return std::nullopt;
    }
    // RFC 8200 §4.1: "The Hop-by-Hop Options header ... is restricted to appear immediately
    // after an IPv6 header only."
    if (next_ == IpProtocol::HopByHop && count_ != 0) {
        status_ = Status::Malformed;
        return std::nullopt;
    }
    const Bytes rest = cursor_.rest();
    if (rest.size() < 2) {
        status_ = Status::Truncated;
        return std::nullopt;
    }
    std::size_t len = 0;
    if (next_ == IpProtocol::Ipv6Frag) {
        // RFC 8200 §4.5: the Fragment header is 8 octets; its second octet is reserved.
        len = 8;
    } else if (next_ == IpProtocol::Ah) {
        // RFC 4302 §2.2: Payload Len is the AH length in 32-bit words, minus 2.
        len = (std::size_t{rest[1]} + 2) * 4;
    } else {
        // RFC 8200 §4.3-4.6: Hdr Ext Len in 8-octet units, not including the first 8 octets.
        len = (std::size_t{rest[1]} + 1) * 8;
    }
    auto bytes = cursor_.take(len);
    if (!bytes) {
        status_ = Status::Truncated;
        return std::nullopt;
    }
    Ipv6ExtHeader h;
    h.type = next_;
    h.next_header = IpProtocol{(*bytes)[0]};
    h.bytes = *bytes;
    if (next_ == IpProtocol::Ipv6Frag) {
        // RFC 8200 §4.5: Fragment Offset (13 bits, 8-octet units), Res (2), M flag, then the
        // 32-bit Identification.
        const std::uint16_t off_flags = load_be16(bytes->data() + 2);
        h.fragment_offset = std::uint32_t{static_cast<std::uint16_t>(off_flags >> 3)} * 8;
        h.more_fragments = (off_flags & 1) != 0;
        h.identification = load_be32(bytes->data() + 4);
    } else if (next_ == IpProtocol::Ipv6Route) {
        // RFC 8200 §4.4: Routing Type, Segments Left.
        h.routing_type = (*bytes)[2];
        h.segments_left = (*bytes)[3];
    }
    ++count_;
    next_ = h.next_header;
    // A non-first fragment: the bytes after the fragment header are fragment data, not headers.
    if (h.type == IpProtocol::Ipv6Frag && h.fragment_offset != 0) status_ = Status::Fragment;
    return h;
}

Ipv6ExtHeaderWalker::Status Ipv6ExtHeaderWalker::finish() {
    while (next()) {
    }
    return status_;
}

std::optional<Ipv6Option> Ipv6OptionWalker::next() {
    if (malformed_ || cursor_.empty()) return std::nullopt;
    const Bytes rest = cursor_.rest();
    // RFC 8200 §4.2: Pad1 is a single octet with no length or data.
    if (rest[0] == kIpv6OptionPad1) {
        cursor_.skip(1);
        return Ipv6Option{kIpv6OptionPad1, Bytes{}};
    }
    // RFC 8200 §4.2: Opt Data Len is the data length in octets (0 is allowed).
    if (rest.size() < 2 || std::size_t{rest[1]} + 2 > rest.size()) {
        malformed_ = true;
        return std::nullopt;
    }
    auto bytes = cursor_.take(std::size_t{rest[1]} + 2);
    return Ipv6Option{rest[0], bytes->subspan(2)};
}

std::optional<Ipv6Repr> Ipv6Repr::parse(const Ipv6View<Bytes>& view) {
    // RFC 8200 §3: Version 6.
    if (view.version() != 6) return std::nullopt;
    // RFC 8200 §3: Payload Length counts the rest of the packet; it must all be present.
    if (!view.is_complete()) return std::nullopt;
    Ipv6Repr r;
    r.src = view.source();
    r.dst = view.destination();
    r.next_header = view.next_header();
    r.payload_len = view.payload_length();
    r.hop_limit = view.hop_limit();
    r.traffic_class = view.traffic_class();
    r.flow_label = view.flow_label();
    return r;
}

void Ipv6Repr::emit(Ipv6View<MutBytes>& view) const {
    view.set_version_class_flow(traffic_class, flow_label);
    view.set_payload_length(static_cast<std::uint16_t>(payload_len));
    view.set_next_header(next_header);
    view.set_hop_limit(hop_limit);
    view.set_source(src);
    view.set_destination(dst);
}

std::optional<Ipv6FragmentRepr> Ipv6FragmentRepr::parse(const Ipv6ExtHeader& header) {
    if (header.type != IpProtocol::Ipv6Frag || header.bytes.size() != 8) return std::nullopt;
    return Ipv6FragmentRepr{header.next_header, header.fragment_offset, header.more_fragments,
                            header.identification};
}

void Ipv6FragmentRepr::emit(MutBytes out) const {
    out[0] = static_cast<std::uint8_t>(next_header);
    out[1] = 0;
    // RFC 8200 §4.5: offset in 8-octet units in the high 13 bits, M flag in the low bit.
    store_be16(out.data() + 2,
               static_cast<std::uint16_t>(((fragment_offset / 8) << 3) | (more_fragments ? 1 : 0)));
    store_be32(out.data() + 4, identification);
}

}  // namespace ustack::wire
