// Errc: the error values a socket user knows (POSIX errno meanings), returned by user operations.
#pragma once

#include <cstdint>
#include <string_view>
#include <tl/expected.hpp>

namespace ustack {

// What a user operation can fail with. Protocol input never produces these directly: they reach
// the user as the value of an operation or as the error of a Closed event.
enum class Errc : std::uint8_t {
    WouldBlock,           // EAGAIN: nothing to read, no room to write, not yet connected
    ConnectionRefused,    // ECONNREFUSED: RST answered our SYN
    ConnectionReset,      // ECONNRESET: the peer reset a synchronized connection
    ConnectionAborted,    // ECONNABORTED: we aborted (user abort, data after close)
    TimedOut,             // ETIMEDOUT: retries, connect timeout or user timeout ran out
    AddressInUse,         // EADDRINUSE
    AddressNotAvailable,  // EADDRNOTAVAIL
    NotConnected,         // ENOTCONN: no connection (closed, or not yet opened)
    AlreadyConnected,     // EISCONN
    InvalidArgument,      // EINVAL
    BrokenPipe,           // EPIPE: write after shutdown_write() or close()
    NotListening,         // EINVAL on accept(): the handle is not a listener
    BadHandle,            // EBADF: a stale or unknown handle
    NoBufferSpace,        // ENOBUFS: a fixed table (slots, queues) is full
    HostUnreachable,      // EHOSTUNREACH: no route
};

constexpr std::string_view to_string(Errc e) {
    switch (e) {
        case Errc::WouldBlock:
            return "operation would block";
        case Errc::ConnectionRefused:
            return "connection refused";
        case Errc::ConnectionReset:
            return "connection reset by peer";
        case Errc::ConnectionAborted:
            return "connection aborted";
        case Errc::TimedOut:
            return "connection timed out";
        case Errc::AddressInUse:
            return "address already in use";
        case Errc::AddressNotAvailable:
            return "address not available";
        case Errc::NotConnected:
            return "not connected";
        case Errc::AlreadyConnected:
            return "already connected";
        case Errc::InvalidArgument:
            return "invalid argument";
        case Errc::BrokenPipe:
            return "broken pipe";
        case Errc::NotListening:
            return "not a listening socket";
        case Errc::BadHandle:
            return "bad handle";
        case Errc::NoBufferSpace:
            return "no buffer space available";
        case Errc::HostUnreachable:
            return "no route to host";
    }
    return "unknown error";
}

// The result of a user operation: a value or an Errc.
template <typename T>
using Result = tl::expected<T, Errc>;

// The failed Result, for `return fail(Errc::WouldBlock);`.
inline tl::unexpected<Errc> fail(Errc e) {
    return tl::unexpected<Errc>(e);
}

}  // namespace ustack
