// Fuzz target: wire ipv6 parsing never reads out of bounds or crashes.
#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t) { return 0; }
