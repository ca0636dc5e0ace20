// Fuzz target: Icmpv6View, the NDP option walker, Icmpv6Repr::parse and the emit/parse round
// trip with the IPv6 pseudo-header.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/checksum.h"
#include "wire/icmpv6.h"

using namespace ustack;
using namespace ustack::wire;

namespace {
void check(bool ok) {
    if (!ok) __builtin_trap();
}
constexpr std::uint8_t kSrc[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
constexpr std::uint8_t kDst[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
Checksum pseudo(std::size_t len) {
    return pseudo_header_v6(kSrc, kDst, 58, static_cast<std::uint32_t>(len));
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto v = Icmpv6View<Bytes>::checked(Bytes{data, size});
    if (!v) return 0;
    std::uint32_t acc = static_cast<std::uint8_t>(v->type()) ^ v->code() ^ v->checksum() ^
                        v->mtu() ^ v->pointer() ^ v->identifier() ^ v->sequence_number() ^
                        v->ra_cur_hop_limit() ^ v->ra_managed() ^ v->ra_router_lifetime() ^
                        v->ra_reachable_time().value_or(0) ^ v->ra_retrans_timer().value_or(0) ^
                        v->na_router() ^ v->target_address().value_or(Ipv6Address{}).octets[3] ^
                        v->redirect_destination().has_value() ^ v->verify_checksum(pseudo(size));
    NdpOptionWalker opts{v->ndp_options()};
    std::size_t total = 0;
    while (auto o = opts.next()) {
        check(o->bytes.size() >= 8 && o->bytes.size() % 8 == 0);
        total += o->bytes.size();
        acc += o->link_layer_address().has_value() + o->mtu().value_or(0);
    }
    check(total <= v->ndp_options().size());
    (void)acc;
    if (Icmpv6Repr::parse(*v, pseudo(size))) check(v->verify_checksum(pseudo(size)));
    auto r = Icmpv6Repr::parse(*v, pseudo(size), Icmpv6Repr::ChecksumCheck::Skip);
    if (!r) return 0;
    std::vector<std::uint8_t> buf(r->buffer_len());
    auto w = Icmpv6View<MutBytes>::unchecked(buf);
    r->emit(w, pseudo(buf.size()));
    auto again = Icmpv6View<Bytes>::checked(buf);
    check(again.has_value() && again->verify_checksum(pseudo(buf.size())));
    auto r2 = Icmpv6Repr::parse(*again, pseudo(buf.size()));
    check(r2.has_value() && *r2 == *r);
    return 0;
}
