// Fuzz target: Icmpv4View, Icmpv4Repr::parse and the emit/parse round trip.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "wire/icmpv4.h"

using namespace ustack;
using namespace ustack::wire;

namespace {
void check(bool ok) {
    if (!ok) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto v = Icmpv4View<Bytes>::checked(Bytes{data, size});
    if (!v) return 0;
    std::uint32_t acc = static_cast<std::uint8_t>(v->type()) ^ v->code() ^ v->checksum() ^
                        v->rest_of_header() ^ v->identifier() ^ v->sequence_number() ^
                        v->next_hop_mtu() ^ v->pointer() ^ v->gateway().to_u32() ^
                        v->rfc4884_length() ^ v->verify_checksum();
    for (auto b : v->quoted())
        acc += b;
    (void)acc;
    check(v->data().size() == size - 8);
    if (Icmpv4Repr::parse(*v)) check(v->verify_checksum());
    auto r = Icmpv4Repr::parse(*v, Icmpv4Repr::ChecksumCheck::Skip);
    if (!r) return 0;
    std::vector<std::uint8_t> buf(r->buffer_len());
    auto w = Icmpv4View<MutBytes>::unchecked(buf);
    r->emit(w);
    auto again = Icmpv4View<Bytes>::checked(buf);
    check(again.has_value() && again->verify_checksum());
    auto r2 = Icmpv4Repr::parse(*again);
    check(r2.has_value() && *r2 == *r);
    return 0;
}
