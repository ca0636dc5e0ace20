// RawPeer: the far end of a SimLink for Stack tests — builds IPv4/IPv6 packets carrying TCP or
// ICMP byte by byte and parses what the Stack sends back.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "base/checksum.h"
#include "dev/device.h"
#include "wire/icmpv4.h"
#include "wire/icmpv6.h"
#include "wire/ip_address.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp.h"

namespace ustack::stack::testing {

// One packet the Stack sent, copied out of the link and parsed.
struct Sent {
    std::vector<std::uint8_t> bytes;
    wire::IpAddress src;
    wire::IpAddress dst;
    wire::IpProtocol protocol{};
    std::size_t transport_offset = 0;
    std::uint8_t ttl = 0;

    Bytes transport() const { return Bytes(bytes).subspan(transport_offset); }
    // The TCP segment, with its checksum verified over the pseudo-header (nullopt if wrong).
    std::optional<wire::TcpRepr> tcp() const {
        const auto view = wire::TcpView<Bytes>::checked(transport());
        if (!view) return std::nullopt;
        return wire::TcpRepr::parse(*view, pseudo(wire::IpProtocol::Tcp), true);
    }
    std::optional<wire::Icmpv4Repr> icmpv4() const {
        const auto view = wire::Icmpv4View<Bytes>::checked(transport());
        if (!view) return std::nullopt;
        return wire::Icmpv4Repr::parse(*view);
    }
    std::optional<wire::Icmpv6Repr> icmpv6() const {
        const auto view = wire::Icmpv6View<Bytes>::checked(transport());
        if (!view) return std::nullopt;
        return wire::Icmpv6Repr::parse(*view, pseudo(wire::IpProtocol::Icmpv6));
    }
    Checksum pseudo(wire::IpProtocol p) const {
        const auto len = static_cast<std::uint32_t>(transport().size());
        if (src.is_v6())
            return pseudo_header_v6(src.bytes(), dst.bytes(), static_cast<std::uint8_t>(p), len);
        return pseudo_header_v4(src.bytes(), dst.bytes(), static_cast<std::uint8_t>(p), len);
    }
};

class RawPeer {
  public:
    explicit RawPeer(dev::Device& device) : device_(device) {}

    // Wraps `transport` in an IP header from src to dst and transmits it.
    void send_ip(const wire::IpAddress& src, const wire::IpAddress& dst, wire::IpProtocol proto,
                 Bytes transport, Instant now) {
        std::vector<std::uint8_t> frame;
        if (src.is_v4()) {
            wire::Ipv4Repr ip;
            ip.src = *src.v4();
            ip.dst = *dst.v4();
            ip.protocol = proto;
            ip.payload_len = transport.size();
            frame.resize(ip.total_len());
            auto view = wire::Ipv4View<MutBytes>::unchecked(frame);
            ip.emit(view);
            std::copy(transport.begin(), transport.end(), frame.begin() + 20);
        } else {
            wire::Ipv6Repr ip;
            ip.src = *src.v6();
            ip.dst = *dst.v6();
            ip.next_header = proto;
            ip.payload_len = transport.size();
            frame.resize(ip.total_len());
            auto view = wire::Ipv6View<MutBytes>::unchecked(frame);
            ip.emit(view);
            std::copy(transport.begin(), transport.end(), frame.begin() + 40);
        }
        last_frame = frame;
        ASSERT_TRUE(device_.transmit(frame, now));
    }

    // The TCP segment's bytes with a correct checksum.
    static std::vector<std::uint8_t> tcp_bytes(const wire::IpAddress& src,
                                               const wire::IpAddress& dst,
                                               const wire::TcpRepr& seg) {
        std::vector<std::uint8_t> out(seg.buffer_len());
        auto view = wire::TcpView<MutBytes>::checked_fixed_header(out);
        const auto len = static_cast<std::uint32_t>(out.size());
        const Checksum pseudo = src.is_v6() ? pseudo_header_v6(src.bytes(), dst.bytes(), 6, len)
                                            : pseudo_header_v4(src.bytes(), dst.bytes(), 6, len);
        EXPECT_TRUE(seg.emit(*view, pseudo));
        return out;
    }

    void send_tcp(const wire::IpAddress& src, const wire::IpAddress& dst, const wire::TcpRepr& seg,
                  Instant now) {
        const auto bytes = tcp_bytes(src, dst, seg);
        send_ip(src, dst, wire::IpProtocol::Tcp, bytes, now);
    }

    void send_echo_v4(const wire::Ipv4Address& src, const wire::Ipv4Address& dst,
                      std::uint16_t ident, std::uint16_t seq, Bytes data, Instant now) {
        const auto req = wire::Icmpv4Repr::echo_request(ident, seq, data);
        std::vector<std::uint8_t> out(req.buffer_len());
        auto view = wire::Icmpv4View<MutBytes>::unchecked(out);
        req.emit(view);
        send_ip(src, dst, wire::IpProtocol::Icmp, out, now);
    }

    void send_echo_v6(const wire::Ipv6Address& src, const wire::Ipv6Address& dst,
                      std::uint16_t ident, std::uint16_t seq, Bytes data, Instant now) {
        wire::Icmpv6Repr req;
        req.type = wire::Icmpv6Type::EchoRequest;
        req.identifier = ident;
        req.sequence_number = seq;
        req.data = data;
        std::vector<std::uint8_t> out(req.buffer_len());
        auto view = wire::Icmpv6View<MutBytes>::unchecked(out);
        req.emit(view, pseudo_header_v6(src.bytes(), dst.bytes(), 58,
                                        static_cast<std::uint32_t>(out.size())));
        send_ip(src, dst, wire::IpProtocol::Icmpv6, out, now);
    }

    // Everything the Stack has sent that has arrived by `now`.
    std::vector<Sent> receive(Instant now) {
        std::vector<Sent> out;
        while (const auto frame = device_.receive(now)) {
            Sent s;
            s.bytes.assign(frame->begin(), frame->end());
            if ((s.bytes[0] >> 4) == 4) {
                const auto view = wire::Ipv4View<Bytes>::checked(s.bytes);
                EXPECT_TRUE(view && view->verify_checksum());
                if (!view) continue;
                const auto ip = wire::Ipv4Repr::parse(*view);
                EXPECT_TRUE(ip);
                if (!ip) continue;
                s.src = ip->src;
                s.dst = ip->dst;
                s.protocol = ip->protocol;
                s.ttl = ip->ttl;
                s.transport_offset = view->header_len();
                EXPECT_EQ(ip->total_len(), s.bytes.size());
            } else {
                const auto view = wire::Ipv6View<Bytes>::checked(s.bytes);
                EXPECT_TRUE(view);
                if (!view) continue;
                const auto ip = wire::Ipv6Repr::parse(*view);
                EXPECT_TRUE(ip);
                if (!ip) continue;
                s.src = ip->src;
                s.dst = ip->dst;
                s.protocol = ip->next_header;
                s.ttl = ip->hop_limit;
                s.transport_offset = 40;
                EXPECT_EQ(ip->total_len(), s.bytes.size());
            }
            out.push_back(std::move(s));
        }
        return out;
    }

    std::vector<std::uint8_t> last_frame;  // the last frame sent, for corruption tests

  private:
    dev::Device& device_;
};

}  // namespace ustack::stack::testing
