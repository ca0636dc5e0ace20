// FlowTable: TCP relative sequence numbers exactly as tcpdump 4.99 anchors them (print-tcp.c).
#pragma once

#include <array>
#include <cstdint>
#include <unordered_map>

#include "capture/packet_summary.h"

namespace ustack::capture {

// tcpdump keeps one entry per conversation, keyed by (address, address, port pair) in a
// canonical order: the lower port first (the lower address, by bytes, when the ports are equal).
// Only segments with ACK set take part: the first one of a conversation (or any one with SYN)
// records the anchors and still prints absolute numbers; later ones print seq and ack minus the
// anchors. IPv4 and IPv6 conversations live in separate tables, as in tcpdump.
class FlowTable {
  public:
    // Fills tcp.shown_seq / shown_ack / sack_base for one segment (and updates the table) the
    // way tcpdump does; `absolute` is -S (no table at all).
    void apply(const IpPacketSummary& ip, TcpSummary& tcp, bool absolute);

    std::size_t size() const { return table_.size(); }

  private:
    struct Key {
        std::array<std::uint8_t, 16> src{};
        std::array<std::uint8_t, 16> dst{};
        std::uint32_t ports = 0;
        bool v6 = false;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        std::size_t operator()(const Key& k) const;
    };
    struct Anchors {
        std::uint32_t seq = 0;  // the canonical "src" side's initial sequence number
        std::uint32_t ack = 0;  // the canonical "dst" side's (from the first ack - 1)
    };
    std::unordered_map<Key, Anchors, KeyHash> table_;
};

}  // namespace ustack::capture
