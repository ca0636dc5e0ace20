// SocketOptions: the socket options users know from POSIX and Java, mapped onto tcp::Config.
#pragma once

#include <cstddef>
#include <optional>

#include "base/time.h"
#include "stack/handles.h"
#include "stack/stack.h"
#include "tcp/config.h"

namespace ustack::sock {

// What one socket (Reactor socket, TcpStream or TcpListener) asks for. Options left unset keep
// the Stack's own StackConfig::tcp values. Zero durations mean "no limit".
struct SocketOptions {
    // TCP_NODELAY: send small segments at once instead of waiting under Nagle's algorithm.
    std::optional<bool> no_delay;
    // SO_KEEPALIVE with TCP_KEEPIDLE / TCP_KEEPINTVL / TCP_KEEPCNT (RFC 1122 §4.2.3.6).
    std::optional<tcp::Keepalive> keepalive;
    // SO_LINGER. {on, 0}: close() resets the connection (RST). {on, N > 0}: TcpStream::close()
    // blocks until the data is acknowledged or N seconds pass.
    std::optional<tcp::Linger> linger;
    // SO_SNDBUF / SO_RCVBUF: the sizes of the connection's send and receive rings, in bytes.
    std::optional<std::size_t> send_buffer;
    std::optional<std::size_t> recv_buffer;
    // SO_REUSEADDR: listen although connections (say in TIME-WAIT) still use the port, or a
    // wildcard listener holds it (listeners only).
    bool reuse_addr = false;
    // Give up a connect after this long (TimedOut). The TCB enforces it, so it holds whichever
    // face opened the connection.
    Duration connect_timeout = Duration::zero();
    // SO_RCVTIMEO (Java's setSoTimeout): a blocking read, or a listener's accept, returns
    // TimedOut after this long. TcpStream and TcpListener only.
    Duration read_timeout = Duration::zero();
    // SO_SNDTIMEO: a blocking write that cannot queue its bytes for this long returns TimedOut.
    // TcpStream only.
    Duration write_timeout = Duration::zero();
    // RFC 5482 user timeout (TCP_USER_TIMEOUT): abort when sent data stays unacknowledged this
    // long.
    Duration user_timeout = Duration::zero();
    // Reactor only (Node's allowHalfOpen): keep our side open after the peer's FIN. By default
    // the Reactor ends our side too, once the queued writes are sent.
    bool allow_half_open = false;
    // Bind the connecting side to this local address and/or port (port 0: ephemeral).
    std::optional<stack::Endpoint> local;
};

// The connection config: `base` (normally the Stack's StackConfig::tcp) with `options` applied.
tcp::Config apply_options(const SocketOptions& options, tcp::Config base);

// The Stack's ConnectOptions for an active open with `options`.
stack::ConnectOptions connect_options(const stack::Stack& stack, const SocketOptions& options);

// The Stack's ListenOptions for a listener with `options`; accepted connections get its config.
stack::ListenOptions listen_options(const stack::Stack& stack, const SocketOptions& options);

}  // namespace ustack::sock
