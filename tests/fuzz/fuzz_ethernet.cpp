// Fuzz target: EthernetView (both levels) with its VLAN walk, EthernetRepr::parse and the
// emit/parse round trip.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "wire/ethernet.h"

using namespace ustack;
using namespace ustack::wire;

namespace {
void check(bool ok) {
    if (!ok) __builtin_trap();
}
std::uint32_t touch(const EthernetView<Bytes>& v) {
    std::uint32_t acc = v.destination().octets[0] ^ v.source().octets[5] ^
                        static_cast<std::uint16_t>(v.outer_ether_type()) ^
                        static_cast<std::uint16_t>(v.ether_type()) ^ v.tags_complete();
    for (std::size_t i = 0; i < v.vlan_count(); ++i)
        acc += v.vlan_tag(i).vid;
    check(v.header_len() <= v.bytes().size());
    check(v.header_len() + v.payload().size() == v.bytes().size());
    return acc;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const Bytes bytes{data, size};
    if (auto f = EthernetView<Bytes>::checked_fixed(bytes)) touch(*f);
    auto v = EthernetView<Bytes>::checked(bytes);
    if (!v) return 0;
    touch(*v);
    check(v->tags_complete() && v->header_len() + 2 <= size + 2);
    auto r = EthernetRepr::parse(*v);
    if (!r) return 0;
    std::vector<std::uint8_t> buf(r->buffer_len());
    auto w = EthernetView<MutBytes>::unchecked(buf);
    r->emit(w);
    check(std::equal(buf.begin(), buf.end(), data));
    auto again = EthernetView<Bytes>::checked(buf);
    check(again.has_value());
    auto r2 = EthernetRepr::parse(*again);
    check(r2.has_value() && *r2 == *r);
    return 0;
}
