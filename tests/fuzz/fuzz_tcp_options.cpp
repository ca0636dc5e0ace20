// Fuzz target: the TCP option walker never reads out of bounds; TcpOptions parse/emit round trip.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include "wire/tcp_options.h"

using namespace ustack;
using namespace ustack::wire;

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    // First byte: how many more bytes the (simulated) data offset declares than were captured.
    const std::size_t extra = data[0] % 16;
    const Bytes area(data + 1, size - 1);

    TcpOptionWalker walk(area, area.size() + extra);
    std::size_t end = 0;
    std::uint32_t acc = 0;
    while (auto opt = walk.next()) {
        check(opt->offset == end);
        end = opt->offset + opt->length;
        check(end <= area.size());
        check(opt->data.size() == (opt->length >= 2 ? opt->length - 2u : 0u));
        for (auto b : opt->data)
            acc += b;
    }
    check(walk.offset() <= area.size());
    check(walk.error() == TcpOptionError::None || walk.offset() == end);
    for (auto b : walk.padding())
        acc += b;
    volatile std::uint32_t sink = acc;
    (void)sink;

    // A real options area is at most 40 bytes; anything parse() accepts from it must emit
    // within 40 bytes and parse back to the same value.
    const auto parsed = TcpOptions::parse(area.first(std::min(area.size(), kTcpMaxOptionsLen)));
    if (!parsed) return 0;
    check(parsed->fits());
    check(parsed->buffer_len() % 4 == 0);
    std::array<std::uint8_t, kTcpMaxOptionsLen> out;
    check(parsed->emit(out));
    const auto again = TcpOptions::parse(std::span(out).first(parsed->buffer_len()));
    check(again.has_value());
    check(*again == *parsed);
    return 0;
}
