// Fuzz target: TcpView (both levels), TcpRepr::parse and the emit/parse round trip.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "base/checksum.h"
#include "wire/tcp.h"

using namespace ustack;
using namespace ustack::wire;

namespace {

constexpr std::uint8_t kSrc[] = {192, 0, 2, 1};
constexpr std::uint8_t kDst[] = {198, 51, 100, 7};

void check(bool ok) {
    if (!ok) __builtin_trap();
}

bool same(const TcpRepr& a, const TcpRepr& b) {
    return a.src_port == b.src_port && a.dst_port == b.dst_port && a.control == b.control &&
           a.psh == b.psh && a.seq == b.seq && a.ack == b.ack && a.window == b.window &&
           a.urgent == b.urgent && a.ece == b.ece && a.cwr == b.cwr && a.ae == b.ae &&
           a.options == b.options && a.payload.size() == b.payload.size() &&
           std::equal(a.payload.begin(), a.payload.end(), b.payload.begin());
}

// Touches every accessor of the lenient view: none may read out of bounds.
std::uint32_t touch(const TcpView<Bytes>& v) {
    std::uint32_t acc = v.src_port() ^ v.dst_port() ^ v.seq().raw() ^ v.ack().raw() ^
                        v.data_offset() ^ v.flags().bits() ^ v.window() ^ v.checksum() ^ v.urgent();
    for (auto b : v.options())
        acc += b;
    for (auto b : v.payload())
        acc += b;
    check(v.options().size() + v.payload().size() + kTcpFixedHeaderLen == v.bytes().size());
    check(v.options().size() <= v.options_len() || v.options_len() == 0);
    TcpOptionWalker walk(v.options(), v.options_len());
    while (auto opt = walk.next()) {
        for (auto b : opt->data)
            acc += b;
        check(opt->offset + opt->length <= v.options().size());
    }
    return acc;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const Bytes bytes(data, size);
    const auto fixed = TcpView<Bytes>::checked_fixed_header(bytes);
    const auto full = TcpView<Bytes>::checked(bytes);
    check(fixed.has_value() == (size >= kTcpFixedHeaderLen));
    check(full.has_value() == (fixed && fixed->header_complete()));
    if (!fixed) return 0;
    volatile std::uint32_t sink = touch(*fixed);
    (void)sink;

    const Checksum pseudo = pseudo_header_v4(kSrc, kDst, kIpProtoTcp, size);
    (void)compute_checksum(*fixed, pseudo);
    (void)verify_checksum(*fixed, pseudo);
    (void)TcpRepr::parse(*fixed, pseudo, true);
    const auto repr = TcpRepr::parse(*fixed, pseudo, false);
    check(!repr || full);
    if (!repr) return 0;

    // Whatever parsed must emit (the options came from at most 40 bytes) and parse back equal.
    check(repr->options.fits());
    std::array<std::uint8_t, 65536 + kTcpMaxHeaderLen> out;
    check(repr->buffer_len() <= out.size());
    const MutBytes segment = std::span(out).first(repr->buffer_len());
    auto out_view = TcpView<MutBytes>::checked_fixed_header(segment);
    check(out_view.has_value());
    const Checksum out_pseudo = pseudo_header_v4(kSrc, kDst, kIpProtoTcp, segment.size());
    check(repr->emit(*out_view, out_pseudo));
    const auto again_view = TcpView<Bytes>::checked(segment);
    check(again_view.has_value());
    check(verify_checksum(*again_view, out_pseudo));
    const auto again = TcpRepr::parse(*again_view, out_pseudo, true);
    check(again.has_value());
    check(same(*repr, *again));
    return 0;
}
