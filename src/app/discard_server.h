// DiscardServer: the Discard Protocol (RFC 863) on the Reactor — reads and throws away.
#pragma once

#include "app/server_shell.h"
#include "app/server_stats.h"
#include "app/socket_set.h"
#include "base/errc.h"
#include "sock/reactor.h"
#include "stack/handles.h"

namespace ustack::app {

class DiscardServer {
  public:
    explicit DiscardServer(sock::Reactor& reactor) : shell_(reactor) {}
    DiscardServer(const DiscardServer&) = delete;
    DiscardServer& operator=(const DiscardServer&) = delete;

    Result<sock::ServerId> listen(const stack::Endpoint& local);

    const ServerStats& stats() const { return shell_.stats(); }
    const SocketSet& sockets() const { return shell_.sockets(); }

  private:
    ServerShell shell_;
};

}  // namespace ustack::app
