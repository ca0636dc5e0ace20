// BytePattern: the deterministic content of the HTTP server's GET /bytes/N (and the tests'
// expected downloads): any range of the stream can be made without making what comes before it.
#pragma once

#include <cstdint>

#include "base/bytes.h"

namespace ustack::app {

// Byte i of the pattern is byte (i % 8) — least significant first — of splitmix64(i / 8), the
// (i / 8)-th output of SplitMix64 seeded with 0: z = (x + 1) * 0x9e3779b97f4a7c15 (mod 2^64); z =
// (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9; z = (z ^ (z >> 27)) * 0x94d049bb133111eb; z ^ (z >> 31). It
// never repeats within 2^67 bytes, so a shifted, dropped or duplicated range changes the digest. In
// Python: `b''.join(splitmix64(k).to_bytes(8, 'little') for k in range(...))`.
std::uint64_t pattern_word(std::uint64_t index);

// Fills `out` with the pattern bytes at offsets [offset, offset + out.size()).
void fill_pattern(std::uint64_t offset, MutBytes out);

}  // namespace ustack::app
