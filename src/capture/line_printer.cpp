// LinePrinter: dissect, anchor relative sequence numbers, format.
#include "capture/line_printer.h"

#include "capture/dissect.h"

namespace ustack::capture {

LinePrinter::LinePrinter(LinkType link, const PrintOptions& options)
    : link_(link), options_(options), summary_(std::make_unique<PacketSummary>()) {}

void LinePrinter::print(const Record& record, std::string& out) {
    PacketSummary& s = *summary_;
    dissect(record, link_, DissectOptions{options_.verbose, options_.quiet}, s);
    if ((s.net == NetKind::Ipv4 || s.net == NetKind::Ipv6) &&
        s.ip.transport == TransportKind::Tcp) {
        TcpSummary& tcp = s.ip.tcp;
        // tcpdump anchors only segments it got as far as printing the flags of.
        const bool reached_flags = tcp.stop == TcpStop::None || tcp.stop == TcpStop::BadHdrLong;
        if (reached_flags && !options_.quiet) flows_.apply(s.ip, tcp, options_.absolute_seq);
    }
    append_timestamp(record.ts, options_, state_, out);
    format_line(s, options_, state_, out);
}

}  // namespace ustack::capture
