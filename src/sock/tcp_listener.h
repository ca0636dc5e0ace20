// TcpListener: the BSD-like listening socket — bind (with listen) and a blocking accept.
#pragma once

#include <cstddef>

#include "base/errc.h"
#include "sock/reactor.h"
#include "sock/socket_options.h"
#include "sock/tcp_stream.h"
#include "stack/handles.h"

namespace ustack::sock {

// A listening socket. Move-only; the destructor closes it (connections not yet accepted are
// reset). A default-constructed, moved-from or closed listener returns BadHandle from everything.
// The Reactor, its loop and its Stack must outlive it.
class TcpListener {
  public:
    // Listens on `local` with room for `backlog` connections waiting to be accepted.
    // options.reuse_addr is SO_REUSEADDR; options.read_timeout is accept()'s timeout; the other
    // options go to every accepted connection (and its TcpStream's timeouts). Errors:
    // AddressInUse, AddressNotAvailable, InvalidArgument (port 0, backlog 0).
    static Result<TcpListener> bind(Reactor& reactor, const stack::Endpoint& local,
                                    const SocketOptions& options = {}, std::size_t backlog = 128);

    TcpListener() = default;
    TcpListener(TcpListener&& other) noexcept;
    TcpListener& operator=(TcpListener&& other) noexcept;
    TcpListener(const TcpListener&) = delete;
    TcpListener& operator=(const TcpListener&) = delete;
    ~TcpListener();

    // The oldest connection that completed its handshake, waiting for one if none has.
    // Errors: TimedOut (read_timeout passed), WouldBlock (the loop could not run), BadHandle.
    Result<TcpStream> accept();
    // The address and port it listens on.
    Result<stack::Endpoint> local_endpoint() const;
    // Stops listening. BadHandle when not open.
    Result<void> close();
    bool is_open() const { return reactor_ != nullptr; }
    // accept()'s timeout at run time (zero: wait without limit).
    void set_accept_timeout(Duration timeout) { options_.read_timeout = timeout; }

  private:
    TcpListener(Reactor& reactor, stack::ListenerId id, const SocketOptions& options);
    void release();

    Reactor* reactor_ = nullptr;  // non-null iff id_ is our live listener
    stack::ListenerId id_;
    SocketOptions options_;
};

}  // namespace ustack::sock
