#include "base/checksum.h"

#include <bit>
#include <cstring>

namespace ustack {

Checksum& Checksum::add(Bytes bytes) {
    // RFC 1071 §2(B): the one's-complement sum does not depend on byte order, so the words are
    // summed as the machine loads them (no swap per word) and the folded 16-bit result is put into
    // network order once. 32-bit words go into a 64-bit accumulator, so no carry is lost before
    // 2^32 words; the compiler turns the wide loop into vector adds.
    const std::uint8_t* p = bytes.data();
    std::size_t n = bytes.size();
    std::uint64_t sum = 0;
    while (n >= 32) {
        std::uint32_t w[8];
        std::memcpy(w, p, sizeof w);
        for (std::uint32_t x : w)
            sum += x;
        p += 32;
        n -= 32;
    }
    while (n >= 4) {
        std::uint32_t x;
        std::memcpy(&x, p, 4);
        sum += x;
        p += 4;
        n -= 4;
    }
    if (n >= 2) {
        std::uint16_t x;
        std::memcpy(&x, p, 2);
        sum += x;
        p += 2;
        n -= 2;
    }
    // RFC 1071: an odd last byte is padded with zero; it is the high byte of its big-endian word,
    // which is where it lands in a machine-order word on either byte order once swapped back.
    if (n == 1) {
        std::uint16_t x = 0;
        std::memcpy(&x, p, 1);
        sum += x;
    }
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    auto folded = static_cast<std::uint16_t>(sum);
    if constexpr (std::endian::native == std::endian::little)
        folded = static_cast<std::uint16_t>((folded >> 8) | (folded << 8));
    sum_ += folded;
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
