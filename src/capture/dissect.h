// dissect: the only code that reads captured bytes; turns one Record into a PacketSummary,
// keeping "truncated" (cut by the snapshot length) apart from "invalid" (inconsistent fields).
#pragma once

#include "capture/packet_summary.h"
#include "capture/record.h"

namespace ustack::capture {

struct DissectOptions {
    int verbose = 0;     // -v level: decides which checksums are worth computing, as in tcpdump
    bool quiet = false;  // -q
};

// Fills `out` (reused between packets: no allocation) from the record's bytes.
void dissect(const Record& record, LinkType link, const DissectOptions& options,
             PacketSummary& out);

// Convenience form returning the summary by value.
PacketSummary dissect(const Record& record, LinkType link, const DissectOptions& options = {});

}  // namespace ustack::capture
