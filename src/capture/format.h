// format_line: tcpdump 4.99.3's text for one PacketSummary (timestamps, link headers for -e,
// IPv4/IPv6, TCP, UDP, ICMP/ICMPv6, ARP), for the options -n -nn -v -S -e -q -t...-ttttt.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "capture/packet_summary.h"
#include "capture/print_options.h"

namespace ustack::capture {

// What the formatter remembers between packets: reference timestamps for -ttt / -ttttt and
// caches (local time of the current second, port and interface names) that keep the hot path
// free of system calls. Not shared: each LinePrinter owns one.
class FormatState {
  public:
    // Interface name for an ifindex (SLL2), as tcpdump -r prints it: if_indextoname() on the
    // reading machine, "?" when unknown.
    const std::string& interface_name(std::uint32_t ifindex);
    // Service name for a port (without -n), or the number.
    const std::string& port_name(std::uint16_t port, bool udp);

    bool have_first = false;
    Timestamp first;
    Timestamp previous;
    // Local time of day cache (TimeOfDay, DateTime): the second it is for and its text.
    std::int64_t cached_sec = INT64_MIN;
    char cached_hms[32] = {};
    std::size_t cached_hms_len = 0;
    char cached_date[16] = {};
    std::size_t cached_date_len = 0;

  private:
    std::unordered_map<std::uint32_t, std::string> ifnames_;
    std::unordered_map<std::uint32_t, std::string> ports_;
};

// Appends tcpdump's timestamp prefix for `ts` (including its trailing space; nothing for -t) and
// moves the -ttt reference.
void append_timestamp(const Timestamp& ts, const PrintOptions& options, FormatState& state,
                      std::string& out);

// Appends the packet's text after the timestamp, ending in '\n' (more than one line with -v
// where tcpdump continues on indented lines). `summary.ip.tcp.shown_*` must already hold what
// FlowTable::apply computed.
void format_line(const PacketSummary& summary, const PrintOptions& options, FormatState& state,
                 std::string& out);

}  // namespace ustack::capture
