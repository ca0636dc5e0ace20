#include "base/checksum.h"

#include <cstring>

namespace ustack {

Checksum& Checksum::add(Bytes bytes) {
    // RFC 1071 §2(C): sum 32-bit big-endian words into a 64-bit accumulator; carries are folded
    // once at the end, so the loop is branch-free. Byte order of the words does not matter for a
    // one's-complement sum as long as we swap back once, but summing big-endian keeps it plain.
    const std::uint8_t* p = bytes.data();
    std::size_t n = bytes.size();
    std::uint64_t sum = 0;
    while (n >= 8) {
        sum += load_be32(p);
        sum += load_be32(p + 4);
        p += 8;
        n -= 8;
    }
    while (n >= 2) {
        sum += load_be16(p);
        p += 2;
        n -= 2;
    }
    if (n == 1) sum += std::uint64_t{p[0]} << 8;  // RFC 1071: pad an odd byte with zero
    sum_ += (sum >> 32) + (sum & 0xffffffff);
    return *this;
}

std::uint16_t Checksum::folded() const {
    std::uint64_t s = sum_;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return static_cast<std::uint16_t>(s);
}

Checksum pseudo_header_v4(Bytes src4, Bytes dst4, std::uint8_t proto, std::uint32_t length) {
    Checksum c;
    c.add(src4).add(dst4).add16(proto).add16(static_cast<std::uint16_t>(length));
    return c;
}

Checksum pseudo_header_v6(Bytes src16, Bytes dst16, std::uint8_t proto, std::uint32_t length) {
    Checksum c;
    c.add(src16).add(dst16).add32(length).add16(proto);
    return c;
}

std::uint16_t checksum_update16(std::uint16_t checksum, std::uint16_t old_word,
                                std::uint16_t new_word) {
    // RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')
    std::uint32_t sum = static_cast<std::uint16_t>(~checksum);
    sum += static_cast<std::uint16_t>(~old_word);
    sum += new_word;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

std::uint16_t checksum_update32(std::uint16_t checksum, std::uint32_t old_value,
                                std::uint32_t new_value) {
    checksum = checksum_update16(checksum, static_cast<std::uint16_t>(old_value >> 16),
                                 static_cast<std::uint16_t>(new_value >> 16));
    return checksum_update16(checksum, static_cast<std::uint16_t>(old_value),
                             static_cast<std::uint16_t>(new_value));
}

}  // namespace ustack
