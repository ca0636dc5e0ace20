// Stack counters, as `ustack stat` will print them (in the spirit of netstat -s / nstat).
#pragma once

#include <cstdint>

namespace ustack::stack {

// Every frame received lands in exactly one of the "dropped" counters or is delivered (to ICMP or
// TCP). Plain counts that only grow.
struct StackCounters {
    // Link.
    std::uint64_t frames_in = 0;
    std::uint64_t frames_out = 0;
    std::uint64_t frames_tx_dropped = 0;  // Device::transmit refused (queue full, too long)
    // IP.
    std::uint64_t ip_in = 0;                   // parsed and addressed to us
    std::uint64_t ip_malformed = 0;            // failed to parse (bad version, lengths, truncated)
    std::uint64_t ip_bad_checksum = 0;         // IPv4 header checksum wrong
    std::uint64_t ip_not_for_us = 0;           // destination is none of our addresses
    std::uint64_t ip_fragments_in = 0;         // fragments handed to reassembly
    std::uint64_t ip_fragments_dropped = 0;    // fragments reassembly refused (invalid, overlap..)
    std::uint64_t ip_reassembled = 0;          // datagrams reassembled and delivered
    std::uint64_t ip_reassembly_timeouts = 0;  // datagrams given up at the reassembly timeout
    std::uint64_t ip_fragments_out = 0;        // fragments sent (large echo replies)
    std::uint64_t ip_unknown_protocol = 0;     // neither TCP nor ICMP
    std::uint64_t ip_unsupported_medium = 0;   // frames from an Ethernet device (no ARP/NDP yet)
    std::uint64_t ip_no_route = 0;             // an outgoing packet with no route
    // ICMP (v4 and v6 together).
    std::uint64_t icmp_in = 0;
    std::uint64_t icmp_bad_checksum = 0;
    std::uint64_t icmp_malformed = 0;
    std::uint64_t icmp_echo_replies = 0;       // echo replies sent
    std::uint64_t icmp_errors_in = 0;          // error messages received (unreachable, ...)
    std::uint64_t icmp_errors_ignored = 0;     // no connection, sequence not in flight, no news
    std::uint64_t icmp_time_exceeded_out = 0;  // reassembly timeouts reported to the source
    // TCP.
    std::uint64_t tcp_segments_in = 0;   // valid segments handed to a connection or listener
    std::uint64_t tcp_segments_out = 0;  // segments emitted (connections and resets)
    std::uint64_t tcp_bad_checksum = 0;
    std::uint64_t tcp_malformed = 0;              // bad header / options
    std::uint64_t tcp_no_listener_resets = 0;     // RSTs sent for segments with no connection
    std::uint64_t tcp_dropped_no_connection = 0;  // no connection and no RST owed (e.g. a RST)
    std::uint64_t tcp_syn_dropped_backlog = 0;    // SYNs a listener's full backlog turned away
    std::uint64_t tcp_connections_opened = 0;     // connect() and accepted SYNs
    std::uint64_t tcp_connections_reaped = 0;     // slots freed
    std::uint64_t tcp_path_mtu_lowered = 0;       // RFC 1191 / RFC 8201 PMTU decreases applied
    std::uint64_t tcp_soft_errors = 0;            // ICMP soft errors recorded on a connection
    std::uint64_t tcp_aborted_by_icmp = 0;        // SYN-SENT connections ended by a hard error
};

}  // namespace ustack::stack
