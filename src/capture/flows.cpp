// TCP relative sequence numbers, as tcpdump 4.99's print-tcp.c computes them.
#include "capture/flows.h"

#include <algorithm>
#include <cstring>

#include "wire/tcp.h"

namespace ustack::capture {

std::size_t FlowTable::KeyHash::operator()(const Key& k) const {
    // FNV-1a over the key bytes.
    std::uint64_t h = 1469598103934665603ull;
    auto mix = [&h](std::uint8_t b) { h = (h ^ b) * 1099511628211ull; };
    for (auto b : k.src)
        mix(b);
    for (auto b : k.dst)
        mix(b);
    for (int i = 0; i < 4; ++i)
        mix(static_cast<std::uint8_t>(k.ports >> (8 * i)));
    mix(k.v6 ? 1 : 0);
    return static_cast<std::size_t>(h);
}

void FlowTable::apply(const IpPacketSummary& ip, TcpSummary& tcp, bool absolute) {
    tcp.shown_seq = tcp.seq;
    tcp.shown_ack = tcp.ack;
    tcp.sack_base = 0;
    // tcpdump: only with the ACK flag and without -S.
    if (absolute || (tcp.flags & wire::TcpFlags::kAck) == 0) return;

    Key key;
    std::array<std::uint8_t, 16> src{};
    std::array<std::uint8_t, 16> dst{};
    std::size_t addr_len = 4;
    if (ip.kind == NetKind::Ipv6) {
        key.v6 = true;
        addr_len = 16;
        src = ip.v6.src.octets;
        dst = ip.v6.dst.octets;
    } else {
        std::copy_n(ip.v4.src.octets.begin(), 4, src.begin());
        std::copy_n(ip.v4.dst.octets.begin(), 4, dst.begin());
    }
    const std::uint16_t sport = tcp.src_port;
    const std::uint16_t dport = tcp.dst_port;
    bool rev = false;
    if (sport > dport) {
        rev = true;
    } else if (sport == dport) {
        rev = std::memcmp(src.data(), dst.data(), addr_len) > 0;
    }
    if (rev) {
        key.src = dst;
        key.dst = src;
        key.ports = (std::uint32_t{dport} << 16) | sport;
    } else {
        key.src = src;
        key.dst = dst;
        key.ports = (std::uint32_t{sport} << 16) | dport;
    }

    std::uint32_t seq = tcp.seq;
    std::uint32_t ack = tcp.ack;
    auto it = table_.find(key);
    if (it == table_.end() || (tcp.flags & wire::TcpFlags::kSyn) != 0) {
        // A new conversation (or a SYN restarting it): record the anchors, print absolute.
        Anchors a;
        if (rev) {
            a.ack = seq;
            a.seq = ack - 1;
        } else {
            a.seq = seq;
            a.ack = ack - 1;
        }
        it = table_.insert_or_assign(key, a).first;
    } else if (rev) {
        seq -= it->second.ack;
        ack -= it->second.seq;
    } else {
        seq -= it->second.seq;
        ack -= it->second.ack;
    }
    tcp.shown_seq = seq;
    tcp.shown_ack = ack;
    // SACK edges are relative to the peer's anchor.
    tcp.sack_base = rev ? it->second.seq : it->second.ack;
}

}  // namespace ustack::capture
