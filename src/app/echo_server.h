// EchoServer: the Echo Protocol (RFC 862) on the Reactor — every byte received is sent back.
#pragma once

#include "app/server_shell.h"
#include "app/server_stats.h"
#include "app/socket_set.h"
#include "base/errc.h"
#include "sock/reactor.h"
#include "stack/handles.h"

namespace ustack::app {

// Flow control: when a socket's write queue passes the Reactor's high-water mark the socket is
// paused (the peer's window closes) until it drains, so a peer that sends without reading cannot
// make us buffer without bound. The peer's FIN ends our side after the echoed bytes.
class EchoServer {
  public:
    explicit EchoServer(sock::Reactor& reactor) : reactor_(reactor), shell_(reactor) {}
    EchoServer(const EchoServer&) = delete;
    EchoServer& operator=(const EchoServer&) = delete;

    // Listens on `local` (may be called for several endpoints, say 0.0.0.0 and ::).
    Result<sock::ServerId> listen(const stack::Endpoint& local);

    const ServerStats& stats() const { return shell_.stats(); }
    const SocketSet& sockets() const { return shell_.sockets(); }

  private:
    sock::Reactor& reactor_;
    ServerShell shell_;
};

}  // namespace ustack::app
