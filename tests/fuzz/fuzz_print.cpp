// libFuzzer target: arbitrary bytes as one capture record, printed through LinePrinter for every
// link type and a few option sets (dissect + flows + format must never crash or read out of
// bounds).
#include <cstddef>
#include <cstdint>
#include <string>

#include "capture/line_printer.h"

using namespace ustack::capture;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static constexpr LinkType kLinks[] = {LinkType::Null, LinkType::Ethernet, LinkType::Raw,
                                          LinkType::Loop, LinkType::LinuxSll, LinkType::Ipv4,
                                          LinkType::Ipv6, LinkType::LinuxSll2};
    if (size < 1) return 0;
    // First byte: option bits; the rest is the packet. origlen is sometimes larger (snaplen cut).
    const std::uint8_t sel = data[0];
    PrintOptions o;
    o.numeric = 2;
    o.verbose = sel & 3;
    o.absolute_seq = (sel & 4) != 0;
    o.link_header = (sel & 8) != 0;
    o.quiet = (sel & 16) != 0;
    o.time = static_cast<TimeFormat>((sel >> 5) % 6);
    Record r;
    r.data = ustack::Bytes{data + 1, size - 1};
    r.caplen = static_cast<std::uint32_t>(size - 1);
    r.origlen = r.caplen + ((sel & 0x80) ? 17 : 0);
    std::string out;
    for (LinkType link : kLinks) {
        LinePrinter printer(link, o);
        printer.print(r, out);
        printer.print(r, out);  // a second time: flow-table path
        out.clear();
    }
    return 0;
}
