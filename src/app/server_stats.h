// ServerStats: what an application server counts, the same for every service.
#pragma once

#include <cstdint>

namespace ustack::app {

struct ServerStats {
    std::uint64_t accepted = 0;   // connections accepted
    std::uint64_t closed = 0;     // connections ended (orderly or not)
    std::uint64_t errors = 0;     // connections that ended in an error (reset, timeout)
    std::uint64_t bytes_in = 0;   // application bytes received
    std::uint64_t bytes_out = 0;  // application bytes queued for sending
};

}  // namespace ustack::app
