// Initial sequence numbers per RFC 6528.
#include "tcp/isn.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace ustack::tcp {
namespace {

constexpr std::size_t kMaxAddrLen = 16;

// Appends a length-prefixed address, so (v4 local, v6 remote) can never read as another split.
std::size_t put_addr(std::uint8_t* p, Bytes addr) {
    const std::size_t n = std::min(addr.size(), kMaxAddrLen);
    p[0] = static_cast<std::uint8_t>(n);
    if (n > 0) std::memcpy(p + 1, addr.data(), n);
    return 1 + n;
}

}  // namespace

IsnGenerator::IsnGenerator(Rng& rng) : key_{rng.next_u64(), rng.next_u64()} {}

wire::SeqNum IsnGenerator::generate(Bytes local_addr, std::uint16_t local_port, Bytes remote_addr,
                                    std::uint16_t remote_port, Instant now) const {
    // F's input: the connection-id (RFC 6528 §3), laid out as len|addr|port twice.
    std::array<std::uint8_t, 2 * (1 + kMaxAddrLen + 2)> msg{};
    std::size_t n = put_addr(msg.data(), local_addr);
    store_be16(msg.data() + n, local_port);
    n += 2;
    n += put_addr(msg.data() + n, remote_addr);
    store_be16(msg.data() + n, remote_port);
    n += 2;
    const auto f = static_cast<std::uint32_t>(siphash24(key_, Bytes(msg.data(), n)));
    // RFC 6528 §3: "M is the 4 microsecond timer", taken modulo 2^32 like the ISN itself.
    const auto m = static_cast<std::uint32_t>(static_cast<std::uint64_t>(now.as_micros()) / 4);
    return wire::SeqNum(m) + f;
}

}  // namespace ustack::tcp
