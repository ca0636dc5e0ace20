// Handles of the socket layer: generation-checked ids of Reactor sockets and servers.
#pragma once

#include <cstdint>

namespace ustack::sock {

// A Reactor socket: a slot index plus the slot's generation when the id was made. Once the
// socket's on_close has been delivered the slot is freed, its generation moves on and every verb
// given the old id returns BadHandle. The default id names no socket.
struct SocketId {
    std::uint32_t index = 0;
    std::uint32_t generation = 0;  // 0 names nothing: a default SocketId is always stale
    constexpr bool operator==(const SocketId&) const = default;
};

// A Reactor server (a listener with handlers); the same scheme in its own slot map.
struct ServerId {
    std::uint32_t index = 0;
    std::uint32_t generation = 0;
    constexpr bool operator==(const ServerId&) const = default;
};

}  // namespace ustack::sock
