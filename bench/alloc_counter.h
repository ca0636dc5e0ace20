// A heap counter for the benches: every operator new in the process is counted, so a bench can
// show that a data path does not allocate per packet.
#pragma once

#include <cstdint>

namespace ustack::bench {

// Calls of operator new (all forms) since the program started.
std::uint64_t allocation_count();

}  // namespace ustack::bench
