// One captured packet as a capture file holds it: timestamp, lengths, link type and bytes.
#pragma once

#include <cstdint>

#include "base/bytes.h"

namespace ustack::capture {

// Link-layer header types (LINKTYPE_* values of the pcap and pcapng formats).
enum class LinkType : std::uint32_t {
    Null = 0,        // BSD loopback: 4-byte address family in host byte order
    Ethernet = 1,    // Ethernet II / 802.3, possibly 802.1Q tagged
    Raw = 101,       // raw IPv4 or IPv6, version from the first nibble (DLT_RAW is 12 or 14)
    Loop = 108,      // OpenBSD loopback: 4-byte address family in network byte order
    LinuxSll = 113,  // Linux "cooked" capture v1 (tcpdump -i any before libpcap 1.10)
    Ipv4 = 228,      // raw IPv4
    Ipv6 = 229,      // raw IPv6
    LinuxSll2 = 276  // Linux "cooked" capture v2 (tcpdump -i any with libpcap >= 1.10)
};

// Seconds and nanoseconds since the Unix epoch, as the capture stores them.
struct Timestamp {
    std::int64_t sec = 0;
    std::uint32_t nsec = 0;
};

struct Record {
    std::uint64_t number = 0;  // 1-based position in the file
    Timestamp ts;
    std::uint32_t caplen = 0;   // bytes captured (== data.size())
    std::uint32_t origlen = 0;  // bytes on the wire
    Bytes data;                 // valid until the next read from the same reader
};

}  // namespace ustack::capture
