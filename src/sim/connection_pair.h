// ConnectionPair: the one connection a workload opens between a World's two hosts — the server's
// listener, the client's handle and the handle the server accepted — and the sorting of each
// host's events into the few the workload acts on.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "base/errc.h"
#include "base/time.h"
#include "sim/world.h"
#include "stack/event.h"
#include "stack/handles.h"
#include "stack/stack.h"

namespace ustack::sim {

// What the workload does when its connection may move data; any may be empty.
struct ConnectionPairHandlers {
    std::function<void(Instant now)> client_writable;  // Connected, Writable
    std::function<void(Instant now)> client_readable;  // Readable, PeerFin
    std::function<void(Instant now)> server_readable;  // accepted, Readable, PeerFin
    std::function<void(Instant now)> server_writable;  // Writable
};

// The server listens on `port` and the client connects at start(). The first connection accepted
// from that listener is the server's end; others wait in its queue. Events of other connections
// and listeners are ignored, so several pairs may share a World when their ports differ. A Closed
// event records its error (if any) and releases that end's handle, as release_client() /
// release_server() do. The event handlers stay registered on the hosts for the World's life.
class ConnectionPair {
  public:
    ConnectionPair(World& world, std::uint16_t port, ConnectionPairHandlers handlers);
    ConnectionPair(const ConnectionPair&) = delete;
    ConnectionPair& operator=(const ConnectionPair&) = delete;

    // Listen and connect at the World's current time. False when either call failed.
    bool start();

    // Closes the end's handle (FIN after the queued data) unless it was released already.
    void release_client();
    void release_server();
    bool client_released() const { return client_released_; }
    bool server_released() const { return server_released_; }

    stack::Stack& client_stack() { return world_.client().stack(); }
    stack::Stack& server_stack() { return world_.server().stack(); }
    std::optional<stack::ConnId> client() const { return client_conn_; }
    std::optional<stack::ConnId> server() const { return server_conn_; }
    std::optional<Errc> client_error() const { return client_error_; }
    std::optional<Errc> server_error() const { return server_error_; }

  private:
    void on_client(const stack::Event& e, Instant now);
    void on_server(const stack::Event& e, Instant now);
    static void call(const std::function<void(Instant)>& f, Instant now) {
        if (f) f(now);
    }

    World& world_;
    std::uint16_t port_;
    ConnectionPairHandlers handlers_;
    std::optional<stack::ListenerId> listener_;
    std::optional<stack::ConnId> client_conn_;
    std::optional<stack::ConnId> server_conn_;
    bool client_released_ = false;
    bool server_released_ = false;
    std::optional<Errc> client_error_;
    std::optional<Errc> server_error_;
};

}  // namespace ustack::sim
