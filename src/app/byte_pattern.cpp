// BytePattern: splitmix64 words laid out little-endian; whole words are stored 8 bytes at a time
// (the HTTP server makes every /bytes/N body with this, so it is on the data path).
#include "app/byte_pattern.h"

#include <bit>
#include <cstring>

namespace ustack::app {

std::uint64_t pattern_word(std::uint64_t index) {
    // SplitMix64's k-th output for seed 0: the state after k + 1 increments of the golden gamma.
    std::uint64_t z = (index + 1) * 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void fill_pattern(std::uint64_t offset, MutBytes out) {
    std::size_t i = 0;
    // The partial word at the start, byte by byte.
    while (i < out.size() && (offset + i) % 8 != 0) {
        const std::uint64_t pos = offset + i;
        out[i++] = static_cast<std::uint8_t>(pattern_word(pos / 8) >> (8 * (pos % 8)));
    }
    // Whole words.
    std::uint64_t word_index = (offset + i) / 8;
    for (; i + 8 <= out.size(); i += 8, ++word_index) {
        std::uint64_t w = pattern_word(word_index);
        if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
        std::memcpy(out.data() + i, &w, 8);
    }
    // The partial word at the end.
    for (std::size_t b = 0; i < out.size(); ++i, ++b)
        out[i] = static_cast<std::uint8_t>(pattern_word(word_index) >> (8 * b));
}

}  // namespace ustack::app
