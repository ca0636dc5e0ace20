// Fuzz target: UdpView, UdpRepr::parse and the emit/parse round trip with a pseudo-header.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/checksum.h"
#include "wire/udp.h"

using namespace ustack;
using namespace ustack::wire;

namespace {
void check(bool ok) {
    if (!ok) __builtin_trap();
}
constexpr std::uint8_t kSrc[] = {192, 0, 2, 1};
constexpr std::uint8_t kDst[] = {198, 51, 100, 7};
Checksum pseudo(std::size_t len) {
    return pseudo_header_v4(kSrc, kDst, 17, static_cast<std::uint32_t>(len));
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto v = UdpView<Bytes>::checked(Bytes{data, size});
    if (!v) return 0;
    std::uint32_t acc = v->src_port() ^ v->dst_port() ^ v->length() ^ v->checksum() ^
                        v->verify_checksum(pseudo(size)) ^ v->compute_checksum(pseudo(size));
    for (auto b : v->payload())
        acc += b;
    (void)acc;
    check(v->payload().size() <= size - 8);
    if (v->is_complete()) acc += v->verify_checksum(pseudo(v->length()));
    auto r = UdpRepr::parse(*v, pseudo(v->length()), UdpZeroChecksum::Allowed,
                            UdpRepr::ChecksumCheck::Skip);
    if (!r) return 0;
    std::vector<std::uint8_t> buf(r->buffer_len());
    auto w = UdpView<MutBytes>::unchecked(buf);
    r->emit(w, pseudo(buf.size()));
    auto again = UdpView<Bytes>::checked(buf);
    check(again.has_value());
    auto r2 = UdpRepr::parse(*again, pseudo(buf.size()), UdpZeroChecksum::Forbidden);
    check(r2.has_value() && *r2 == *r);
    return 0;
}
