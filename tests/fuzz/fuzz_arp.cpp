// Fuzz target: ArpView, ArpRepr::parse and the emit/parse round trip.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include "wire/arp.h"

using namespace ustack;
using namespace ustack::wire;

namespace {
void check(bool ok) {
    if (!ok) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto v = ArpView<Bytes>::checked(Bytes{data, size});
    if (!v) return 0;
    std::uint32_t acc = v->hardware_type() ^ static_cast<std::uint16_t>(v->protocol_type()) ^
                        static_cast<std::uint16_t>(v->operation());
    for (auto b : v->sender_hardware_address())
        acc += b;
    for (auto b : v->sender_protocol_address())
        acc += b;
    for (auto b : v->target_hardware_address())
        acc += b;
    for (auto b : v->target_protocol_address())
        acc += b;
    (void)acc;
    check(v->declared_len() <= size);
    auto r = ArpRepr::parse(*v);
    if (!r) return 0;
    std::array<std::uint8_t, ArpRepr::buffer_len()> buf{};
    auto w = ArpView<MutBytes>::unchecked(buf);
    r->emit(w);
    check(std::equal(buf.begin(), buf.end(), data));
    auto r2 = ArpRepr::parse(*ArpView<Bytes>::checked(buf));
    check(r2.has_value() && *r2 == *r);
    return 0;
}
