// BytePattern: splitmix64 words laid out little-endian.
#include "app/byte_pattern.h"

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
    while (i < out.size()) {
        const std::uint64_t pos = offset + i;
        const std::uint64_t word = pattern_word(pos / 8);
        for (std::uint64_t b = pos % 8; b < 8 && i < out.size(); ++b, ++i)
            out[i] = static_cast<std::uint8_t>(word >> (8 * b));
    }
}

}  // namespace ustack::app
