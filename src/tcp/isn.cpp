// Initial sequence numbers per RFC 6528.
#include "tcp/isn.h"

#include <algorithm>
#include <array>

namespace ustack::tcp {
namespace {

constexpr std::size_t kMaxAddrLen = 16;

}  // namespace

IsnGenerator::IsnGenerator(Rng& rng) : key_{rng.next_u64(), rng.next_u64()} {}

wire::SeqNum IsnGenerator::generate(Bytes local_addr, std::uint16_t local_port, Bytes remote_addr,
                                    std::uint16_t remote_port, Instant now) const {
    // F's input: the connection-id (RFC 6528 §3) as whole words, hashed without a byte buffer.
    // Two addresses of at most 4 bytes share one word, longer ones take two each; the last word
    // holds both ports and both address lengths, so (v4 local, v6 remote) never reads as another
    // split.
    const std::uint64_t tail = (std::uint64_t{local_port} << 48) |
                               (std::uint64_t{remote_port} << 32) |
                               (std::uint64_t{std::min(local_addr.size(), kMaxAddrLen)} << 8) |
                               std::uint64_t{std::min(remote_addr.size(), kMaxAddrLen)};
    const std::array<std::uint64_t, 2> l = load_le_words16(local_addr);
    const std::array<std::uint64_t, 2> r = load_le_words16(remote_addr);
    std::uint64_t f = 0;
    if (local_addr.size() <= 4 && remote_addr.size() <= 4) {
        const std::array<std::uint64_t, 2> w{l[0] | (r[0] << 32), tail};
        f = siphash24_words(key_, w);
    } else {
        const std::array<std::uint64_t, 5> w{l[0], l[1], r[0], r[1], tail};
        f = siphash24_words(key_, w);
    }
    // RFC 6528 §3: "M is the 4 microsecond timer", taken modulo 2^32 like the ISN itself.
    const auto m = static_cast<std::uint32_t>(static_cast<std::uint64_t>(now.as_micros()) / 4);
    return wire::SeqNum(m) + static_cast<std::uint32_t>(f);
}

}  // namespace ustack::tcp
