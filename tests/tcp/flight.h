// Helpers for tests of what a sender puts in flight on the peer harness: the sequence numbers of
// full-sized segments, what poll_transmit() sent, the peer's ACKs with and without SACK blocks.
// The peer announces MSS 1460 and no timestamps, so SMSS is 1460.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "harness.h"

namespace ustack::tcp::test::flight {

constexpr std::uint32_t kA = Harness::kIss + 1;      // our first data octet
constexpr std::uint32_t kB = Harness::kPeerIss + 1;  // the peer's
constexpr std::uint32_t kMss = 1460;

// The first sequence number of our i-th full-sized segment.
constexpr std::uint32_t at(std::uint32_t i) {
    return kA + i * kMss;
}

struct Sent {
    std::uint32_t seq = 0;
    std::uint32_t len = 0;
    bool operator==(const Sent&) const = default;
};

// Everything the connection sends now that carries data (pure ACKs are left out).
inline std::vector<Sent> pull(Harness& h) {
    std::vector<Sent> out;
    while (const auto s = h.transmit()) {
        if (!s->payload.empty()) {
            out.push_back(Sent{s->seq.raw(), static_cast<std::uint32_t>(s->payload.size())});
        }
        if (out.size() > 1000) break;
    }
    return out;
}

// Full-sized segments i, i+1, ... i+n-1.
inline std::vector<Sent> segments(std::uint32_t first, std::uint32_t n) {
    std::vector<Sent> v;
    for (std::uint32_t i = 0; i < n; ++i)
        v.push_back(Sent{at(first + i), kMss});
    return v;
}

// `segs` full segments of application data.
inline std::string bulk(std::uint32_t segs) {
    return std::string(std::size_t{segs} * kMss, 'd');
}

// The peer's ACKs: cumulative `a`, optional SACK blocks.
inline Seg ack(std::uint32_t a) {
    return seg().seq(kB).ack(a);
}
inline Seg sack(std::uint32_t a, std::vector<std::pair<std::uint32_t, std::uint32_t>> blocks) {
    return seg().seq(kB).ack(a).sack(std::move(blocks));
}

}  // namespace ustack::tcp::test::flight
