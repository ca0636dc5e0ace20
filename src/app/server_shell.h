// ServerShell: what every application server on the Reactor does alike — listening, counting
// what it accepts, receives and loses (ServerStats), and holding the set of sockets still open
// (SocketSet, for `ustack stat`) — around the handlers that make it echo, discard or chargen.
#pragma once

#include <cstddef>

#include "app/server_stats.h"
#include "app/socket_set.h"
#include "base/errc.h"
#include "sock/reactor.h"
#include "sock/socket_options.h"
#include "stack/handles.h"

namespace ustack::app {

class ServerShell {
  public:
    explicit ServerShell(sock::Reactor& reactor) : reactor_(reactor) {}
    ServerShell(const ServerShell&) = delete;
    ServerShell& operator=(const ServerShell&) = delete;

    // Listens on `local` (reuse_addr is always set) with the service's handlers wrapped: a new
    // socket is counted and joins the set before service.on_connection runs; received bytes are
    // counted before service.socket.on_data; an error is counted before service.socket.on_error;
    // a closed socket is counted and leaves the set before service.socket.on_close. The other
    // socket handlers are the service's as given.
    Result<sock::ServerId> listen(const stack::Endpoint& local, std::size_t backlog,
                                  sock::ServerHandlers service, sock::SocketOptions options = {});

    // The service counts what it queues for sending (ServerStats::bytes_out).
    void count_out(std::size_t bytes) { stats_.bytes_out += bytes; }

    const ServerStats& stats() const { return stats_; }
    const SocketSet& sockets() const { return sockets_; }

  private:
    sock::Reactor& reactor_;
    ServerStats stats_;
    SocketSet sockets_;
};

}  // namespace ustack::app
