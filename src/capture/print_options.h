// The tcpdump output options `ustack print` accepts (-n -nn -v -S -e -q -t...-ttttt -c).
#pragma once

#include <cstdint>
#include <optional>

namespace ustack::capture {

// How each line's timestamp is shown: none (-t), as tcpdump does by default (local time of day),
// seconds since the epoch (-tt), delta since the previous packet (-ttt), date and time (-tttt),
// delta since the first packet (-ttttt).
enum class TimeFormat { TimeOfDay, None, Epoch, DeltaPrevious, DateTime, DeltaFirst };

struct PrintOptions {
    int numeric = 0;               // -n: 1 = no host names, 2 (-nn) = no host or port names
    int verbose = 0;               // -v, -vv, -vvv
    bool absolute_seq = false;     // -S: absolute rather than relative TCP sequence numbers
    bool link_header = false;      // -e: print the link-level header
    bool quiet = false;            // -q: less protocol information
    TimeFormat time = TimeFormat::TimeOfDay;
    bool nanoseconds = false;      // timestamps shown with 9 digits (the file's precision)
};

}  // namespace ustack::capture
