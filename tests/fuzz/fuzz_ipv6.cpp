// Fuzz target: Ipv6View, the extension header and option walkers, Ipv6Repr::parse and the
// emit/parse round trip.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "wire/ipv6.h"

using namespace ustack;
using namespace ustack::wire;

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

std::uint32_t walk(const Ipv6View<Bytes>& v) {
    std::uint32_t acc = 0;
    const Bytes payload = v.payload();
    Ipv6ExtHeaderWalker w{v.next_header(), payload};
    std::size_t total = 0;
    while (auto h = w.next()) {
        check(h->bytes.size() >= 8);
        total += h->bytes.size();
        check(total <= payload.size());
        acc += h->fragment_offset + h->identification + h->routing_type + h->segments_left;
        Ipv6OptionWalker opts{h->options()};
        while (auto o = opts.next())
            acc += o->type + o->data.size();
        if (auto f = Ipv6FragmentRepr::parse(*h)) {
            std::uint8_t out[8];
            f->emit(out);
            // Emit zeroes the reserved bits; otherwise the header comes back byte for byte.
            const bool reserved_zero = h->bytes[1] == 0 && (h->bytes[3] & 0x06) == 0;
            check(std::equal(out, out + 8, h->bytes.begin()) == reserved_zero);
        }
    }
    check(w.status() != Ipv6ExtHeaderWalker::Status::Walking);
    check(w.offset() == total && w.offset() + w.upper_payload().size() == payload.size());
    return acc;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto v = Ipv6View<Bytes>::checked(Bytes{data, size});
    if (!v) return 0;
    std::uint32_t acc = v->version() ^ v->traffic_class() ^ v->flow_label() ^ v->payload_length() ^
                        v->hop_limit() ^ v->source().octets[15] ^ v->destination().octets[0] ^
                        v->is_complete() ^ v->missing_len();
    (void)acc;
    check(v->payload().size() <= size - 40);
    walk(*v);
    auto r = Ipv6Repr::parse(*v);
    if (!r) return 0;
    std::vector<std::uint8_t> buf(r->total_len());
    auto w = Ipv6View<MutBytes>::unchecked(buf);
    r->emit(w);
    std::copy(v->payload().begin(), v->payload().end(), w.payload().begin());
    auto again = Ipv6View<Bytes>::checked(buf);
    check(again.has_value());
    auto r2 = Ipv6Repr::parse(*again);
    check(r2.has_value() && *r2 == *r);
    check(std::equal(buf.begin(), buf.end(), data));  // the fixed header has no free bits
    return 0;
}
