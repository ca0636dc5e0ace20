// Fuzz target: Ipv4View (both levels), the option walker, Ipv4Repr::parse and the emit/parse
// round trip.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "wire/ipv4.h"

using namespace ustack;
using namespace ustack::wire;

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

// Touches every accessor: none may read out of bounds, and the clipped regions stay inside.
std::uint32_t touch(const Ipv4View<Bytes>& v) {
    std::uint32_t acc = v.version() ^ v.ihl() ^ v.tos() ^ v.total_length() ^ v.identification() ^
                        v.fragment_offset() ^ v.ttl() ^ static_cast<std::uint8_t>(v.protocol()) ^
                        v.header_checksum() ^ v.source().to_u32() ^ v.destination().to_u32() ^
                        v.dont_fragment() ^ v.more_fragments() ^ v.reserved_flag() ^
                        v.is_complete() ^ v.verify_checksum() ^ v.missing_len() ^
                        v.compute_checksum();
    for (auto b : v.options())
        acc += b;
    for (auto b : v.payload())
        acc += b;
    check(v.header().size() <= v.bytes().size());
    check(v.options().size() <= 40);
    check(v.payload().size() <= v.bytes().size() - std::min<std::size_t>(v.bytes().size(), 20));
    Ipv4OptionWalker walk{v.options()};
    while (auto opt = walk.next())
        acc += static_cast<std::uint8_t>(opt->type) + opt->data().size();
    return acc;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const Bytes bytes{data, size};
    if (auto f = Ipv4View<Bytes>::checked_fixed(bytes)) touch(*f);
    auto v = Ipv4View<Bytes>::checked(bytes);
    if (!v) return 0;
    touch(*v);
    auto r = Ipv4Repr::parse(*v, Ipv4Repr::ChecksumCheck::Skip);
    if (Ipv4Repr::parse(*v)) check(r.has_value());
    if (!r) return 0;
    check(r->payload_len == v->payload().size());
    std::vector<std::uint8_t> buf(r->total_len());
    auto w = Ipv4View<MutBytes>::unchecked(buf);
    r->emit(w);
    std::copy(v->payload().begin(), v->payload().end(), w.payload().begin());
    auto again = Ipv4View<Bytes>::checked(buf);
    check(again.has_value());
    auto r2 = Ipv4Repr::parse(*again);
    check(r2.has_value() && *r2 == *r);
    return 0;
}
