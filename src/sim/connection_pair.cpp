// ConnectionPair: listen and connect, then route each host's events to the workload's handlers.
#include "sim/connection_pair.h"

#include <utility>

namespace ustack::sim {

ConnectionPair::ConnectionPair(World& world, std::uint16_t port, ConnectionPairHandlers handlers)
    : world_(world), port_(port), handlers_(std::move(handlers)) {
    world_.client().add_event_handler(
        [this](const stack::Event& e, Instant now) { on_client(e, now); });
    world_.server().add_event_handler(
        [this](const stack::Event& e, Instant now) { on_server(e, now); });
}

bool ConnectionPair::start() {
    const stack::Endpoint server{world_.server_address(), port_};
    const auto l = server_stack().listen(server, 16);
    if (!l) return false;
    listener_ = *l;
    const auto c = client_stack().connect(server, world_.now());
    if (!c) return false;
    client_conn_ = *c;
    return true;
}

void ConnectionPair::release_client() {
    if (client_released_ || !client_conn_) return;
    client_released_ = true;
    (void)client_stack().close(*client_conn_);
}

void ConnectionPair::release_server() {
    if (server_released_ || !server_conn_) return;
    server_released_ = true;
    (void)server_stack().close(*server_conn_);
}

void ConnectionPair::on_client(const stack::Event& e, Instant now) {
    if (!client_conn_ || e.conn() == nullptr || *e.conn() != *client_conn_) return;
    switch (e.kind) {
        case stack::EventKind::Connected:
        case stack::EventKind::Writable:
            call(handlers_.client_writable, now);
            break;
        case stack::EventKind::Readable:
        case stack::EventKind::PeerFin:
            call(handlers_.client_readable, now);
            break;
        case stack::EventKind::Closed:
            if (e.error) client_error_ = e.error;
            release_client();
            break;
        default:
            break;
    }
}

void ConnectionPair::on_server(const stack::Event& e, Instant now) {
    if (e.kind == stack::EventKind::Acceptable) {
        if (!listener_ || server_conn_ || e.listener() == nullptr || *e.listener() != *listener_)
            return;
        if (const auto c = server_stack().accept(*listener_)) server_conn_ = *c;
        call(handlers_.server_readable, now);
        return;
    }
    if (!server_conn_ || e.conn() == nullptr || *e.conn() != *server_conn_) return;
    switch (e.kind) {
        case stack::EventKind::Readable:
        case stack::EventKind::PeerFin:
            call(handlers_.server_readable, now);
            break;
        case stack::EventKind::Writable:
            call(handlers_.server_writable, now);
            break;
        case stack::EventKind::Closed:
            if (e.error) server_error_ = e.error;
            release_server();
            break;
        default:
            break;
    }
}

}  // namespace ustack::sim
