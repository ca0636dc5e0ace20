// LinePrinter: turns capture records into tcpdump 4.99 text, one packet at a time (stateful).
#pragma once

#include <memory>
#include <string>

#include "capture/flows.h"
#include "capture/format.h"
#include "capture/packet_summary.h"
#include "capture/print_options.h"
#include "capture/record.h"

namespace ustack::capture {

// Owns what tcpdump keeps between packets: the TCP relative-sequence table, the first and
// previous timestamps (-ttt, -ttttt), the cached local time of day and the port-name cache.
// Independent of files and libpcap: feed it records in file order.
class LinePrinter {
  public:
    LinePrinter(LinkType link, const PrintOptions& options);

    // Appends the full text for one packet to `out`: one line (or, with -v, the lines tcpdump
    // prints for it), each ending in '\n'.
    void print(const Record& record, std::string& out);

    const PrintOptions& options() const { return options_; }

  private:
    LinkType link_;
    PrintOptions options_;
    FlowTable flows_;
    FormatState state_;
    std::unique_ptr<PacketSummary> summary_;  // reused for every packet (it is large)
};

}  // namespace ustack::capture
