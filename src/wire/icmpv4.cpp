#include "wire/icmpv4.h"

#include <algorithm>
#include <cstring>

namespace ustack::wire {

const char* icmpv4_unreachable_name(std::uint8_t code) {
    switch (Icmpv4Unreachable{code}) {
        case Icmpv4Unreachable::NetUnreachable:
            return "net unreachable";
        case Icmpv4Unreachable::HostUnreachable:
            return "host unreachable";
        case Icmpv4Unreachable::ProtocolUnreachable:
            return "protocol unreachable";
        case Icmpv4Unreachable::PortUnreachable:
            return "port unreachable";
        case Icmpv4Unreachable::FragmentationNeeded:
            return "fragmentation needed";
        case Icmpv4Unreachable::SourceRouteFailed:
            return "source route failed";
        case Icmpv4Unreachable::DestNetUnknown:
            return "net unknown";
        case Icmpv4Unreachable::DestHostUnknown:
            return "host unknown";
        case Icmpv4Unreachable::SourceHostIsolated:
            return "source host isolated";
        case Icmpv4Unreachable::NetProhibited:
            return "net prohibited";
        case Icmpv4Unreachable::HostProhibited:
            return "host prohibited";
        case Icmpv4Unreachable::NetUnreachableForTos:
            return "net unreachable for tos";
        case Icmpv4Unreachable::HostUnreachableForTos:
            return "host unreachable for tos";
        case Icmpv4Unreachable::CommProhibited:
            return "communication prohibited";
        case Icmpv4Unreachable::HostPrecedenceViolation:
            return "host precedence violation";
        case Icmpv4Unreachable::PrecedenceCutoff:
            return "precedence cutoff";
    }
    return nullptr;
}

const char* icmpv4_type_name(Icmpv4Type t) {
    switch (t) {
        case Icmpv4Type::EchoReply:
            return "echo reply";
        case Icmpv4Type::DestUnreachable:
            return "destination unreachable";
        case Icmpv4Type::SourceQuench:
            return "source quench";
        case Icmpv4Type::Redirect:
            return "redirect";
        case Icmpv4Type::EchoRequest:
            return "echo request";
        case Icmpv4Type::RouterAdvertisement:
            return "router advertisement";
        case Icmpv4Type::RouterSolicitation:
            return "router solicitation";
        case Icmpv4Type::TimeExceeded:
            return "time exceeded";
        case Icmpv4Type::ParameterProblem:
            return "parameter problem";
        case Icmpv4Type::Timestamp:
            return "time stamp request";
        case Icmpv4Type::TimestampReply:
            return "time stamp reply";
    }
    return nullptr;
}

std::optional<Icmpv4Repr> Icmpv4Repr::parse(const Icmpv4View<Bytes>& view, ChecksumCheck check) {
    // RFC 792: "The checksum is the 16-bit ones's complement of the one's complement sum of the
    // ICMP message starting with the ICMP Type."
    if (check == ChecksumCheck::Verify && !view.verify_checksum()) return std::nullopt;
    Icmpv4Repr r;
    r.type = view.type();
    r.code = view.code();
    r.data = view.data();
    switch (view.type()) {
        case Icmpv4Type::EchoRequest:
        case Icmpv4Type::EchoReply:
            // RFC 792 Echo: code 0.
            if (view.code() != 0) return std::nullopt;
            r.identifier = view.identifier();
            r.sequence_number = view.sequence_number();
            return r;
        case Icmpv4Type::DestUnreachable:
            if (view.code() > static_cast<std::uint8_t>(Icmpv4Unreachable::PrecedenceCutoff))
                return std::nullopt;
            // RFC 1191 §4: the next-hop MTU in the low 16 bits of the unused field (code 4).
            if (view.code() == static_cast<std::uint8_t>(Icmpv4Unreachable::FragmentationNeeded))
                r.next_hop_mtu = view.next_hop_mtu();
            return r;
        case Icmpv4Type::TimeExceeded:
            if (view.code() > 1) return std::nullopt;
            return r;
        case Icmpv4Type::ParameterProblem:
            // RFC 792 code 0 (pointer), RFC 1122 §3.2.2.5 code 1 (missing option), RFC 1812
            // §5.2.7.3 code 2 (bad length).
            if (view.code() > 2) return std::nullopt;
            r.pointer = view.pointer();
            return r;
        default:
            return std::nullopt;
    }
}

void Icmpv4Repr::emit(Icmpv4View<MutBytes>& view) const {
    view.set_type(type);
    view.set_code(code);
    std::uint32_t rest = 0;
    switch (type) {
        case Icmpv4Type::EchoRequest:
        case Icmpv4Type::EchoReply:
            rest = (std::uint32_t{identifier} << 16) | sequence_number;
            break;
        case Icmpv4Type::DestUnreachable:
            rest = next_hop_mtu;
            break;
        case Icmpv4Type::ParameterProblem:
            rest = std::uint32_t{pointer} << 24;
            break;
        default:
            break;
    }
    view.set_rest_of_header(rest);
    MutBytes out = view.bytes().subspan(0, buffer_len());
    if (!data.empty() && data.data() != out.data() + 8)
        std::memmove(out.data() + 8, data.data(), data.size());
    auto exact = Icmpv4View<MutBytes>::unchecked(out);
    view.set_checksum(0);
    view.set_checksum(exact.compute_checksum());
}

bool operator==(const Icmpv4Repr& a, const Icmpv4Repr& b) {
    return a.type == b.type && a.code == b.code && a.identifier == b.identifier &&
           a.sequence_number == b.sequence_number && a.next_hop_mtu == b.next_hop_mtu &&
           a.pointer == b.pointer && std::ranges::equal(a.data, b.data);
}

}  // namespace ustack::wire
