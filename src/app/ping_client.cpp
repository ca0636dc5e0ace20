// PingClient: builds IPv4/IPv6 + ICMP echo requests with the wire Reprs; matches replies by
// identifier.
#include "app/ping_client.h"

#include <algorithm>

#include "app/byte_pattern.h"
#include "base/checksum.h"
#include "wire/icmpv4.h"
#include "wire/icmpv6.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

namespace ustack::app {

PingClient::PingClient(dev::Device& inner, std::uint16_t identifier)
    : inner_(inner), identifier_(identifier) {}

bool PingClient::matches(std::uint16_t sequence, Bytes data) {
    expect_.resize(data.size());
    fill_pattern(std::uint64_t{sequence} * 8, expect_);
    return std::equal(data.begin(), data.end(), expect_.begin());
}

bool PingClient::send_request(const wire::IpAddress& src, const wire::IpAddress& dst,
                              std::uint16_t sequence, std::size_t data_len, Instant now) {
    if (src.is_v4() != dst.is_v4()) return false;
    const std::size_t ip_len =
        src.is_v4() ? wire::Ipv4Repr::buffer_len() : wire::Ipv6Repr::buffer_len();
    const std::size_t total = ip_len + 8 + data_len;
    if (total > inner_.caps().mtu) return false;
    frame_.assign(total, 0);
    MutBytes data = MutBytes(frame_).subspan(ip_len + 8);
    fill_pattern(std::uint64_t{sequence} * 8, data);
    MutBytes icmp_bytes = MutBytes(frame_).subspan(ip_len);
    if (src.is_v4()) {
        wire::Ipv4Repr ip;
        ip.src = *src.v4();
        ip.dst = *dst.v4();
        ip.protocol = wire::IpProtocol::Icmp;
        ip.payload_len = 8 + data_len;
        ip.identification = sequence;
        auto ipv = wire::Ipv4View<MutBytes>::unchecked(MutBytes(frame_));
        ip.emit(ipv);
        auto view = wire::Icmpv4View<MutBytes>::unchecked(icmp_bytes);
        wire::Icmpv4Repr::echo_request(identifier_, sequence, data).emit(view);
    } else {
        wire::Ipv6Repr ip;
        ip.src = *src.v6();
        ip.dst = *dst.v6();
        ip.next_header = wire::IpProtocol::Icmpv6;
        ip.payload_len = 8 + data_len;
        auto ipv = wire::Ipv6View<MutBytes>::unchecked(MutBytes(frame_));
        ip.emit(ipv);
        wire::Icmpv6Repr req;
        req.type = wire::Icmpv6Type::EchoRequest;
        req.identifier = identifier_;
        req.sequence_number = sequence;
        req.data = data;
        auto view = wire::Icmpv6View<MutBytes>::unchecked(icmp_bytes);
        req.emit(view, pseudo_header_v6(ip.src.bytes(), ip.dst.bytes(), 58,
                                        static_cast<std::uint32_t>(8 + data_len)));
    }
    return inner_.transmit(frame_, now);
}

std::vector<EchoReply> PingClient::take_replies() {
    std::vector<EchoReply> out;
    out.swap(replies_);
    return out;
}

bool PingClient::take(Bytes frame, Instant now) {
    if (frame.empty()) return false;
    if ((frame[0] >> 4) == 4) {
        const auto ip = wire::Ipv4View<Bytes>::checked(frame);
        if (!ip || !ip->is_complete() || ip->is_fragment() ||
            ip->protocol() != wire::IpProtocol::Icmp || !ip->verify_checksum())
            return false;
        const auto icmp = wire::Icmpv4View<Bytes>::checked(ip->payload());
        if (!icmp || icmp->type() != wire::Icmpv4Type::EchoReply ||
            icmp->identifier() != identifier_ || !icmp->verify_checksum())
            return false;
        replies_.push_back({ip->source(), icmp->sequence_number(), icmp->data().size(), ip->ttl(),
                            matches(icmp->sequence_number(), icmp->data()), now});
        return true;
    }
    if ((frame[0] >> 4) == 6) {
        const auto ip = wire::Ipv6View<Bytes>::checked(frame);
        if (!ip || !ip->is_complete() || ip->next_header() != wire::IpProtocol::Icmpv6)
            return false;
        const Bytes payload = ip->payload();
        const auto icmp = wire::Icmpv6View<Bytes>::checked(payload);
        if (!icmp || icmp->type() != wire::Icmpv6Type::EchoReply ||
            icmp->identifier() != identifier_)
            return false;
        const Checksum pseudo = pseudo_header_v6(ip->source().bytes(), ip->destination().bytes(),
                                                 58, static_cast<std::uint32_t>(payload.size()));
        if (!icmp->verify_checksum(pseudo)) return false;
        replies_.push_back({ip->source(), icmp->sequence_number(), icmp->data().size(),
                            ip->hop_limit(), matches(icmp->sequence_number(), icmp->data()), now});
        return true;
    }
    return false;
}

std::optional<Bytes> PingClient::receive(Instant now) {
    for (;;) {
        const auto frame = inner_.receive(now);
        if (!frame) return std::nullopt;
        if (!take(*frame, now)) return frame;
    }
}

}  // namespace ustack::app
