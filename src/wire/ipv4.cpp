#include "wire/ipv4.h"

#include <cstring>

namespace ustack::wire {

std::optional<Ipv4Option> Ipv4OptionWalker::next() {
    if (done_ || cursor_.empty()) return std::nullopt;
    const Bytes rest = cursor_.rest();
    const auto type = Ipv4OptionType{rest[0]};
    // RFC 791 §3.1: End of Option List and No Operation are a single octet.
    if (type == Ipv4OptionType::EndOfList) {
        done_ = true;
        cursor_.skip(1);
        return Ipv4Option{type, rest.subspan(0, 1)};
    }
    if (type == Ipv4OptionType::NoOperation) {
        cursor_.skip(1);
        return Ipv4Option{type, rest.subspan(0, 1)};
    }
    // RFC 791 §3.1: the option-length octet counts type and length octets too, so it is >= 2.
    if (rest.size() < 2 || rest[1] < 2 || rest[1] > rest.size()) {
        done_ = true;
        malformed_ = true;
        return std::nullopt;
    }
    auto bytes = cursor_.take(rest[1]);
    return Ipv4Option{type, *bytes};
}

std::optional<Ipv4Repr> Ipv4Repr::parse(const Ipv4View<Bytes>& view, ChecksumCheck check) {
    // RFC 791 §3.1: Version 4.
    if (view.version() != 4) return std::nullopt;
    // RFC 791 §3.1: "the minimum value for a correct header is 5" (and it must be present).
    const std::size_t header_len = view.header_len();
    if (header_len < Ipv4View<Bytes>::kHeaderLen || header_len > view.bytes().size())
        return std::nullopt;
    // RFC 1122 §3.2.1.1 (silently discard): total length covers the header and fits the bytes.
    const std::size_t total = view.total_length();
    if (total < header_len || total > view.bytes().size()) return std::nullopt;
    // RFC 1122 §3.2.1.2: "A host MUST verify the IP header checksum on every received datagram
    // and silently discard every datagram that has a bad checksum."
    if (check == ChecksumCheck::Verify && !view.verify_checksum()) return std::nullopt;
    // Options must be well formed to be skipped safely.
    Ipv4OptionWalker options{view.options()};
    while (options.next()) {
    }
    if (options.malformed()) return std::nullopt;
    // RFC 791 §3.2: a fragment may not end past the 65535-byte maximum datagram ("ping of
    // death").
    if (view.fragment_offset() + (total - header_len) > 65535) return std::nullopt;

    Ipv4Repr r;
    r.src = view.source();
    r.dst = view.destination();
    r.protocol = view.protocol();
    r.payload_len = total - header_len;
    r.ttl = view.ttl();
    r.dscp = view.dscp();
    r.ecn = view.ecn();
    r.identification = view.identification();
    r.dont_fragment = view.dont_fragment();
    r.more_fragments = view.more_fragments();
    r.fragment_offset = view.fragment_offset();
    return r;
}

void Ipv4Repr::emit(Ipv4View<MutBytes>& view) const {
    view.set_version_and_header_len(buffer_len());
    view.set_tos(dscp, ecn);
    view.set_total_length(static_cast<std::uint16_t>(total_len()));
    view.set_identification(identification);
    view.set_fragment(dont_fragment, more_fragments, fragment_offset);
    view.set_ttl(ttl);
    view.set_protocol(protocol);
    // The addresses as fixed-size copies, and the checksum over the 20 bytes in one piece with
    // its field zero (what set_source(), set_destination() and fill_checksum() do, without a
    // call to memmove per address and two pieces for the sum): every datagram sent comes here.
    std::uint8_t* const p = view.bytes().data();
    std::memcpy(p + 12, src.octets.data(), 4);
    std::memcpy(p + 16, dst.octets.data(), 4);
    view.set_header_checksum(0);
    view.set_header_checksum(internet_checksum(Bytes(p, buffer_len())));
}

}  // namespace ustack::wire
