#include "wire/icmpv6.h"

#include <algorithm>
#include <cstring>

namespace ustack::wire {

const char* icmpv6_type_name(Icmpv6Type t) {
    switch (t) {
        case Icmpv6Type::DestUnreachable:
            return "destination unreachable";
        case Icmpv6Type::PacketTooBig:
            return "packet too big";
        case Icmpv6Type::TimeExceeded:
            return "time exceeded";
        case Icmpv6Type::ParameterProblem:
            return "parameter problem";
        case Icmpv6Type::EchoRequest:
            return "echo request";
        case Icmpv6Type::EchoReply:
            return "echo reply";
        case Icmpv6Type::MldQuery:
            return "multicast listener query";
        case Icmpv6Type::MldReport:
            return "multicast listener report";
        case Icmpv6Type::MldDone:
            return "multicast listener done";
        case Icmpv6Type::RouterSolicitation:
            return "router solicitation";
        case Icmpv6Type::RouterAdvertisement:
            return "router advertisement";
        case Icmpv6Type::NeighborSolicitation:
            return "neighbor solicitation";
        case Icmpv6Type::NeighborAdvertisement:
            return "neighbor advertisement";
        case Icmpv6Type::Redirect:
            return "redirect";
        case Icmpv6Type::Mldv2Report:
            return "multicast listener report v2";
    }
    return nullptr;
}

const char* icmpv6_unreachable_name(std::uint8_t code) {
    switch (Icmpv6Unreachable{code}) {
        case Icmpv6Unreachable::NoRoute:
            return "no route to destination";
        case Icmpv6Unreachable::AdminProhibited:
            return "administratively prohibited";
        case Icmpv6Unreachable::BeyondScope:
            return "beyond scope of source address";
        case Icmpv6Unreachable::AddressUnreachable:
            return "address unreachable";
        case Icmpv6Unreachable::PortUnreachable:
            return "port unreachable";
        case Icmpv6Unreachable::SourcePolicyFailed:
            return "source address failed policy";
        case Icmpv6Unreachable::RejectRoute:
            return "reject route to destination";
        case Icmpv6Unreachable::SourceRoutingHeaderError:
            return "error in source routing header";
    }
    return nullptr;
}

std::size_t ndp_fixed_len(Icmpv6Type t) {
    switch (t) {
        case Icmpv6Type::RouterSolicitation:
            return 8;  // RFC 4861 §4.1
        case Icmpv6Type::RouterAdvertisement:
            return 16;  // RFC 4861 §4.2
        case Icmpv6Type::NeighborSolicitation:
            return 24;  // RFC 4861 §4.3
        case Icmpv6Type::NeighborAdvertisement:
            return 24;  // RFC 4861 §4.4
        case Icmpv6Type::Redirect:
            return 40;  // RFC 4861 §4.5
        default:
            return 0;
    }
}

std::optional<MacAddress> NdpOption::link_layer_address() const {
    // RFC 2464 §6: on Ethernet the option is 8 bytes: type, length 1, six address bytes.
    if (type != NdpOptionType::SourceLinkLayerAddress &&
        type != NdpOptionType::TargetLinkLayerAddress)
        return std::nullopt;
    if (bytes.size() != 8) return std::nullopt;
    return MacAddress::from_bytes(bytes.subspan(2, 6));
}

std::optional<std::uint32_t> NdpOption::mtu() const {
    // RFC 4861 §4.6.4: type 5, length 1, 2 reserved bytes, 32-bit MTU.
    if (type != NdpOptionType::Mtu || bytes.size() != 8) return std::nullopt;
    return load_be32(bytes.data() + 4);
}

std::optional<NdpOption> NdpOptionWalker::next() {
    if (malformed_ || cursor_.empty()) return std::nullopt;
    const Bytes rest = cursor_.rest();
    // RFC 4861 §4.6: Length is in units of 8 octets and counts type and length; "The value 0 is
    // invalid. Nodes MUST silently discard an ND packet that contains an option with length
    // zero."
    if (rest.size() < 2 || rest[1] == 0 || std::size_t{rest[1]} * 8 > rest.size()) {
        malformed_ = true;
        return std::nullopt;
    }
    auto bytes = cursor_.take(std::size_t{rest[1]} * 8);
    return NdpOption{NdpOptionType{rest[0]}, *bytes};
}

namespace {
bool is_ndp(Icmpv6Type t) {
    return ndp_fixed_len(t) != 0 && t != Icmpv6Type::Redirect;
}

std::size_t options_len(const Icmpv6Repr& r) {
    std::size_t n = r.link_layer_address ? 8 : 0;
    if (r.type == Icmpv6Type::RouterAdvertisement && r.mtu_option) n += 8;
    return n;
}
}  // namespace

std::optional<Icmpv6Repr> Icmpv6Repr::parse(const Icmpv6View<Bytes>& view, const Checksum& pseudo,
                                            ChecksumCheck check) {
    // RFC 4443 §2.3: the checksum covers the pseudo-header and the whole ICMPv6 message.
    if (check == ChecksumCheck::Verify && !view.verify_checksum(pseudo)) return std::nullopt;
    Icmpv6Repr r;
    r.type = view.type();
    r.code = view.code();
    switch (view.type()) {
        case Icmpv6Type::EchoRequest:
        case Icmpv6Type::EchoReply:
            // RFC 4443 §4.1, §4.2: Code 0.
            if (view.code() != 0) return std::nullopt;
            r.identifier = view.identifier();
            r.sequence_number = view.sequence_number();
            r.data = view.data();
            return r;
        case Icmpv6Type::DestUnreachable:
            // RFC 4443 §3.1 codes 0-6, RFC 6550 §20.17 code 7.
            if (view.code() > 7) return std::nullopt;
            r.data = view.data();
            return r;
        case Icmpv6Type::PacketTooBig:
            // RFC 4443 §3.2: Code "set to 0 by the originator and ignored by the receiver".
            r.mtu = view.mtu();
            r.data = view.data();
            return r;
        case Icmpv6Type::TimeExceeded:
            if (view.code() > 1) return std::nullopt;  // RFC 4443 §3.3
            r.data = view.data();
            return r;
        case Icmpv6Type::ParameterProblem:
            // RFC 4443 §3.4 codes 0-2; RFC 7112 code 3; RFC 8883 codes 4-10.
            if (view.code() > 10) return std::nullopt;
            r.pointer = view.pointer();
            r.data = view.data();
            return r;
        case Icmpv6Type::RouterSolicitation:
        case Icmpv6Type::RouterAdvertisement:
        case Icmpv6Type::NeighborSolicitation:
        case Icmpv6Type::NeighborAdvertisement:
            break;
        default:
            return std::nullopt;
    }

    // NDP. RFC 4861 §6.1.1, §6.1.2, §7.1.1, §7.1.2: "ICMP Code is 0", "ICMP length (derived
    // from the IP length) is N or more octets", "All included options have a length that is
    // greater than zero".
    if (view.code() != 0 || !view.has_ndp_fixed_part()) return std::nullopt;
    const bool na = view.type() == Icmpv6Type::NeighborAdvertisement;
    NdpOptionWalker options{view.ndp_options()};
    while (auto opt = options.next()) {
        // The first link-layer address option of the kind this message carries (RFC 4861 §4).
        const NdpOptionType want =
            na ? NdpOptionType::TargetLinkLayerAddress : NdpOptionType::SourceLinkLayerAddress;
        if (opt->type == want && !r.link_layer_address)
            r.link_layer_address = opt->link_layer_address();
        if (view.type() == Icmpv6Type::RouterAdvertisement && !r.mtu_option)
            r.mtu_option = opt->mtu();
    }
    if (options.malformed()) return std::nullopt;

    switch (view.type()) {
        case Icmpv6Type::RouterAdvertisement:
            r.cur_hop_limit = view.ra_cur_hop_limit();
            r.managed_flag = view.ra_managed();
            r.other_flag = view.ra_other();
            r.router_lifetime = view.ra_router_lifetime();
            r.reachable_time = view.ra_reachable_time().value_or(0);
            r.retrans_timer = view.ra_retrans_timer().value_or(0);
            break;
        case Icmpv6Type::NeighborSolicitation:
        case Icmpv6Type::NeighborAdvertisement:
            r.target = view.target_address().value_or(Ipv6Address{});
            // RFC 4861 §7.1.1, §7.1.2: "Target Address is not a multicast address."
            if (r.target.is_multicast()) return std::nullopt;
            if (na) {
                r.router_flag = view.na_router();
                r.solicited_flag = view.na_solicited();
                r.override_flag = view.na_override();
            }
            break;
        default:
            break;
    }
    return r;
}

std::size_t Icmpv6Repr::buffer_len() const {
    if (is_ndp(type)) return ndp_fixed_len(type) + options_len(*this);
    return 8 + data.size();
}

void Icmpv6Repr::emit(Icmpv6View<MutBytes>& view, const Checksum& pseudo) const {
    const std::size_t len = buffer_len();
    MutBytes out = view.bytes().subspan(0, len);
    view.set_type(type);
    view.set_code(code);
    std::uint32_t rest = 0;
    switch (type) {
        case Icmpv6Type::EchoRequest:
        case Icmpv6Type::EchoReply:
            rest = (std::uint32_t{identifier} << 16) | sequence_number;
            break;
        case Icmpv6Type::PacketTooBig:
            rest = mtu;
            break;
        case Icmpv6Type::ParameterProblem:
            rest = pointer;
            break;
        case Icmpv6Type::RouterAdvertisement:
            rest = (std::uint32_t{cur_hop_limit} << 24) | (managed_flag ? 0x800000u : 0) |
                   (other_flag ? 0x400000u : 0) | router_lifetime;
            break;
        case Icmpv6Type::NeighborAdvertisement:
            rest = (router_flag ? 0x80000000u : 0) | (solicited_flag ? 0x40000000u : 0) |
                   (override_flag ? 0x20000000u : 0);
            break;
        default:
            break;
    }
    view.set_rest_of_header(rest);

    if (!is_ndp(type)) {
        if (!data.empty() && data.data() != out.data() + 8)
            std::memmove(out.data() + 8, data.data(), data.size());
    } else {
        std::uint8_t* p = out.data() + 8;
        if (type == Icmpv6Type::RouterAdvertisement) {
            store_be32(p, reachable_time);
            store_be32(p + 4, retrans_timer);
            p += 8;
        } else if (type == Icmpv6Type::NeighborSolicitation ||
                   type == Icmpv6Type::NeighborAdvertisement) {
            std::copy(target.octets.begin(), target.octets.end(), p);
            p += 16;
        }
        if (link_layer_address) {
            // RFC 4861 §4.6.1 with RFC 2464 §6: type, length 1, the MAC address.
            p[0] = static_cast<std::uint8_t>(type == Icmpv6Type::NeighborAdvertisement
                                                 ? NdpOptionType::TargetLinkLayerAddress
                                                 : NdpOptionType::SourceLinkLayerAddress);
            p[1] = 1;
            std::copy(link_layer_address->octets.begin(), link_layer_address->octets.end(), p + 2);
            p += 8;
        }
        if (type == Icmpv6Type::RouterAdvertisement && mtu_option) {
            // RFC 4861 §4.6.4: type 5, length 1, reserved, MTU.
            p[0] = static_cast<std::uint8_t>(NdpOptionType::Mtu);
            p[1] = 1;
            p[2] = p[3] = 0;
            store_be32(p + 4, *mtu_option);
        }
    }
    auto exact = Icmpv6View<MutBytes>::unchecked(out);
    exact.fill_checksum(pseudo);
}

bool operator==(const Icmpv6Repr& a, const Icmpv6Repr& b) {
    return a.type == b.type && a.code == b.code && a.identifier == b.identifier &&
           a.sequence_number == b.sequence_number && a.mtu == b.mtu && a.pointer == b.pointer &&
           std::ranges::equal(a.data, b.data) && a.target == b.target &&
           a.router_flag == b.router_flag && a.solicited_flag == b.solicited_flag &&
           a.override_flag == b.override_flag && a.cur_hop_limit == b.cur_hop_limit &&
           a.managed_flag == b.managed_flag && a.other_flag == b.other_flag &&
           a.router_lifetime == b.router_lifetime && a.reachable_time == b.reachable_time &&
           a.retrans_timer == b.retrans_timer && a.link_layer_address == b.link_layer_address &&
           a.mtu_option == b.mtu_option;
}

}  // namespace ustack::wire
