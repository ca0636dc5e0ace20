// TcpStream: the BSD-like face of one TCP connection — connect, read, write, shutdown, close —
// where blocking means running the loop (sock/blocking.h), on virtual or real time.
#pragma once

#include <cstddef>

#include "base/bytes.h"
#include "base/errc.h"
#include "base/time.h"
#include "sock/reactor.h"
#include "sock/socket_options.h"
#include "stack/handles.h"
#include "tcp/state.h"

namespace ustack::sock {

// A connected stream. Move-only; the destructor closes it (without waiting: a linger time only
// makes an explicit close() block). A default-constructed or moved-from stream holds nothing and
// every operation on it returns BadHandle, as do operations after close().
//
// It is built on a Reactor (the consumer of the Stack's events, which leaves this connection
// alone); the Reactor, its loop and its Stack must outlive the stream. Blocking calls run the
// Reactor's loop; from inside a loop callback (a Reactor handler, a timer) they cannot, and
// return WouldBlock when they would have to wait.
class TcpStream {
  public:
    // Opens a connection to `remote` and waits until it is ESTABLISHED. Errors:
    // ConnectionRefused (RST answered the SYN), TimedOut (options.connect_timeout, or the SYN
    // retries ran out), WouldBlock (the loop could not run), and Stack::connect's own
    // (HostUnreachable, InvalidArgument, AddressInUse, AddressNotAvailable).
    static Result<TcpStream> connect(Reactor& reactor, const stack::Endpoint& remote,
                                     const SocketOptions& options = {});

    TcpStream() = default;
    TcpStream(TcpStream&& other) noexcept;
    TcpStream& operator=(TcpStream&& other) noexcept;
    TcpStream(const TcpStream&) = delete;
    TcpStream& operator=(const TcpStream&) = delete;
    ~TcpStream();

    // Reads what has arrived, at most out.size() bytes, waiting until something has. 0 at the
    // end of the stream (the peer's FIN). Errors: TimedOut (read_timeout passed),
    // ConnectionReset / TimedOut (the connection failed), WouldBlock, BadHandle.
    Result<std::size_t> read(MutBytes out);
    // Reads until `out` is full; fewer bytes (the count says how many) only when the stream
    // ended first. Errors as read().
    Result<std::size_t> read_exact(MutBytes out);
    // Queues all of `data` in the send ring, waiting while it is full; returns data.size().
    // Errors: TimedOut (write_timeout passed; part of the data may be queued), BrokenPipe
    // (after shutdown()), the connection's error (ConnectionReset, ...), WouldBlock, BadHandle.
    Result<std::size_t> write(Bytes data);
    // Half-close: FIN after the queued data; reading goes on.
    Result<void> shutdown();
    // Closes the stream (FIN after the queued data; RST with linger {on, 0}, or when received
    // data was left unread, as Linux). With linger {on, N > 0} it waits until the data and the
    // FIN are acknowledged, or returns TimedOut after N seconds (the close then goes on in the
    // background, as BSD's EWOULDBLOCK). The stream holds nothing afterwards.
    Result<void> close();

    // Whether the stream holds a connection (not default, moved-from or closed).
    bool is_open() const { return reactor_ != nullptr; }
    Result<stack::Endpoint> local_endpoint() const;
    Result<stack::Endpoint> peer_endpoint() const;
    // The connection's RFC 9293 state.
    Result<tcp::State> state() const;
    // TCP_NODELAY at run time.
    Result<void> set_no_delay(bool on);
    // SO_RCVTIMEO / SO_SNDTIMEO at run time (zero: wait without limit).
    void set_read_timeout(Duration timeout) { options_.read_timeout = timeout; }
    void set_write_timeout(Duration timeout) { options_.write_timeout = timeout; }
    // The Stack's handle (for looks through Stack::connection()); a stale id when not open.
    stack::ConnId conn_id() const { return conn_; }

  private:
    friend class TcpListener;
    TcpStream(Reactor& reactor, stack::ConnId conn, const SocketOptions& options);
    void release();

    Reactor* reactor_ = nullptr;  // non-null iff the stream holds conn_
    stack::ConnId conn_;          // ours (user-owned in the Stack) while reactor_ != nullptr
    SocketOptions options_;       // timeouts; the TCB options were applied at open
};

}  // namespace ustack::sock
