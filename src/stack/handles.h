// Handles the Stack gives out (generation-checked slot-map ids) and transport endpoints.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>

#include "wire/ip_address.h"

namespace ustack::stack {

// A connection. Index into the Stack's slot map plus the slot's generation when the id was
// made: once the slot is reused the generation differs and every verb returns BadHandle.
struct ConnId {
    std::uint32_t index = 0;
    std::uint32_t generation = 0;  // 0 names no connection: a default ConnId is always stale
    constexpr bool operator==(const ConnId&) const = default;
};

// A listening socket; the same scheme in its own slot map.
struct ListenerId {
    std::uint32_t index = 0;
    std::uint32_t generation = 0;
    constexpr bool operator==(const ListenerId&) const = default;
};

// An interface, in the order add_interface() added them. Interfaces are never removed.
struct InterfaceId {
    std::uint32_t value = 0;
    constexpr bool operator==(const InterfaceId&) const = default;
};

// An IP address and a TCP port. An unspecified address (0.0.0.0 or ::) is the wildcard.
struct Endpoint {
    wire::IpAddress address;
    std::uint16_t port = 0;
    constexpr bool operator==(const Endpoint&) const = default;
};

// An address assigned to an interface, with the length of its on-link prefix.
struct InterfaceAddress {
    wire::IpAddress address;
    std::uint8_t prefix_len = 0;  // 0..32 for IPv4, 0..128 for IPv6
};

std::ostream& operator<<(std::ostream& os, const ConnId& id);
std::ostream& operator<<(std::ostream& os, const ListenerId& id);
std::ostream& operator<<(std::ostream& os, const Endpoint& ep);

}  // namespace ustack::stack
