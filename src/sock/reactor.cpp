#include "sock/reactor.h"

#include <algorithm>
#include <utility>

namespace ustack::sock {

Reactor::Reactor(rt::Loop& loop, stack::Stack& stack, const ReactorConfig& config)
    : loop_(loop), stack_(stack), config_(config) {
    read_buf_.resize(std::max<std::size_t>(config_.read_chunk, 1));
    loop_.add(*this);
}

Reactor::~Reactor() {
    loop_.remove(*this);
    for (Socket& s : sockets_) {
        if (s.live && s.conn_open) (void)stack_.abort(s.conn);
    }
    for (Server& v : servers_) {
        if (v.live) (void)stack_.close_listener(v.listener);
    }
}

// ---- slots and maps

Reactor::Socket* Reactor::find(SocketId id) {
    if (id.index >= sockets_.size()) return nullptr;
    Socket& s = sockets_[id.index];
    return (s.live && s.generation == id.generation) ? &s : nullptr;
}

const Reactor::Socket* Reactor::find(SocketId id) const {
    if (id.index >= sockets_.size()) return nullptr;
    const Socket& s = sockets_[id.index];
    return (s.live && s.generation == id.generation) ? &s : nullptr;
}

Reactor::Server* Reactor::find(ServerId id) {
    if (id.index >= servers_.size()) return nullptr;
    Server& v = servers_[id.index];
    return (v.live && v.generation == id.generation) ? &v : nullptr;
}

const Reactor::Server* Reactor::find(ServerId id) const {
    if (id.index >= servers_.size()) return nullptr;
    const Server& v = servers_[id.index];
    return (v.live && v.generation == id.generation) ? &v : nullptr;
}

SocketId Reactor::id_of(std::uint32_t index) const {
    return SocketId{index, sockets_[index].generation};
}

SocketId Reactor::allocate_socket(stack::ConnId conn, SocketHandlers handlers,
                                  bool allow_half_open) {
    std::uint32_t index = 0;
    if (!free_sockets_.empty()) {
        index = free_sockets_.back();
        free_sockets_.pop_back();
    } else {
        sockets_.emplace_back();
        index = static_cast<std::uint32_t>(sockets_.size() - 1);
    }
    Socket& s = sockets_[index];
    const std::uint32_t generation = s.generation;
    s = Socket{};
    s.generation = generation;
    s.live = true;
    s.conn = conn;
    s.conn_open = true;
    s.allow_half_open = allow_half_open;
    s.handlers = std::make_unique<SocketHandlers>(std::move(handlers));
    ++live_sockets_;
    map_conn(conn, index);
    return SocketId{index, generation};
}

void Reactor::map_conn(stack::ConnId conn, std::uint32_t index) {
    if (conn.index >= by_conn_.size()) by_conn_.resize(conn.index + 1);
    by_conn_[conn.index] = Ref{conn.generation, index};
}

void Reactor::unmap_conn(stack::ConnId conn) {
    if (conn.index < by_conn_.size() && by_conn_[conn.index].generation == conn.generation)
        by_conn_[conn.index] = Ref{};
}

std::optional<SocketId> Reactor::socket_of(stack::ConnId conn) const {
    if (conn.index >= by_conn_.size()) return std::nullopt;
    const Ref& r = by_conn_[conn.index];
    if (r.generation == 0 || r.generation != conn.generation) return std::nullopt;
    return id_of(r.index);
}

// ---- servers

Result<ServerId> Reactor::listen(const stack::Endpoint& local, std::size_t backlog,
                                 ServerHandlers handlers, const SocketOptions& options) {
    const auto l = stack_.listen(local, backlog, listen_options(stack_, options));
    if (!l) return fail(l.error());
    std::uint32_t index = 0;
    while (index < servers_.size() && servers_[index].live)
        ++index;
    if (index == servers_.size()) servers_.emplace_back();
    Server& v = servers_[index];
    v.live = true;
    v.listener = *l;
    v.handlers = std::make_unique<ServerHandlers>(std::move(handlers));
    v.options = options;
    if (l->index >= by_listener_.size()) by_listener_.resize(l->index + 1);
    by_listener_[l->index] = Ref{l->generation, index};
    return ServerId{index, v.generation};
}

Result<void> Reactor::close_server(ServerId server) {
    Server* v = find(server);
    if (v == nullptr) return fail(Errc::BadHandle);
    (void)stack_.close_listener(v->listener);
    by_listener_[v->listener.index] = Ref{};
    v->live = false;
    retired_servers_.push_back(std::move(v->handlers));  // on_connection may be running
    if (!polling_) retired_servers_.clear();
    if (++v->generation == 0) v->generation = 1;
    return {};
}

Result<stack::Endpoint> Reactor::server_endpoint(ServerId server) const {
    const Server* v = find(server);
    if (v == nullptr) return fail(Errc::BadHandle);
    return stack_.listener_endpoint(v->listener);
}

// ---- sockets

Result<SocketId> Reactor::connect(const stack::Endpoint& remote, SocketHandlers handlers,
                                  const SocketOptions& options) {
    const auto c = stack_.connect(remote, loop_.now(), connect_options(stack_, options));
    if (!c) return fail(c.error());
    return allocate_socket(*c, std::move(handlers), options.allow_half_open);
}

Result<void> Reactor::set_handlers(SocketId sock, SocketHandlers handlers) {
    Socket* s = find(sock);
    if (s == nullptr) return fail(Errc::BadHandle);
    // The handler being replaced may be the one running: keep it alive until poll() ends.
    retired_.push_back(std::move(s->handlers));
    s->handlers = std::make_unique<SocketHandlers>(std::move(handlers));
    if (!polling_) retired_.clear();
    return {};
}

Result<bool> Reactor::write(SocketId sock, Bytes data) {
    Socket* s = find(sock);
    if (s == nullptr) return fail(Errc::BadHandle);
    if (s->closed || s->end_requested) return fail(Errc::BrokenPipe);
    std::size_t taken = 0;
    if (s->connected && s->out.empty()) {
        const tcp::Connection* c = stack_.connection(s->conn);
        const std::size_t room = c == nullptr ? 0 : c->send_space();
        if (s->out.size() + (data.size() - std::min(room, data.size())) > config_.max_write_queue)
            return fail(Errc::NoBufferSpace);
        if (!data.empty()) {
            const auto n = stack_.send(s->conn, data);
            if (!n && n.error() != Errc::WouldBlock) return fail(n.error());
            if (n) taken = *n;
        }
    } else if (s->out.size() + data.size() > config_.max_write_queue) {
        return fail(Errc::NoBufferSpace);
    }
    s->out.append(data.subspan(taken));
    if (s->out.size() >= config_.high_water_mark) {
        s->need_drain = true;
        return false;
    }
    return true;
}

Result<void> Reactor::end(SocketId sock) {
    Socket* s = find(sock);
    if (s == nullptr) return fail(Errc::BadHandle);
    if (s->closed) return fail(Errc::BrokenPipe);
    if (s->end_requested) return {};
    s->end_requested = true;
    if (s->connected && s->out.empty()) {
        s->fin_sent = true;
        (void)stack_.shutdown(s->conn);  // a failure here shows as the connection's Closed event
    }
    return {};
}

Result<void> Reactor::close(SocketId sock) {
    Socket* s = find(sock);
    if (s == nullptr) return fail(Errc::BadHandle);
    if (s->closed || s->close_requested) return {};
    s->close_requested = true;
    s->end_requested = true;
    s->paused = true;
    // Still connecting (nothing to flush yet) or nothing queued: close now.
    if (!s->connected || s->out.empty()) finish(sock, std::nullopt, Release::Close);
    return {};
}

Result<void> Reactor::destroy(SocketId sock) {
    Socket* s = find(sock);
    if (s == nullptr) return fail(Errc::BadHandle);
    if (s->closed) return {};
    s->out.clear();
    finish(sock, std::nullopt, Release::Abort);
    return {};
}

Result<void> Reactor::pause(SocketId sock) {
    Socket* s = find(sock);
    if (s == nullptr) return fail(Errc::BadHandle);
    s->paused = true;
    return {};
}

Result<void> Reactor::resume(SocketId sock) {
    Socket* s = find(sock);
    if (s == nullptr) return fail(Errc::BadHandle);
    if (s->closed || s->close_requested) return fail(Errc::NotConnected);
    if (s->paused) {
        s->paused = false;
        to_service_.push_back(sock);
    }
    return {};
}

Result<void> Reactor::set_no_delay(SocketId sock, bool on) {
    Socket* s = find(sock);
    if (s == nullptr) return fail(Errc::BadHandle);
    tcp::Connection* c = s->conn_open ? stack_.connection(s->conn) : nullptr;
    if (c == nullptr) return fail(Errc::NotConnected);
    c->set_no_delay(on);
    return {};
}

Result<tcp::State> Reactor::state(SocketId sock) const {
    const Socket* s = find(sock);
    if (s == nullptr) return fail(Errc::BadHandle);
    if (s->closed) return tcp::State::Closed;
    return stack_.state(s->conn);
}

Result<stack::Endpoint> Reactor::local_endpoint(SocketId sock) const {
    const Socket* s = find(sock);
    if (s == nullptr) return fail(Errc::BadHandle);
    return stack_.local_endpoint(s->conn);
}

Result<stack::Endpoint> Reactor::remote_endpoint(SocketId sock) const {
    const Socket* s = find(sock);
    if (s == nullptr) return fail(Errc::BadHandle);
    return stack_.remote_endpoint(s->conn);
}

Result<std::size_t> Reactor::buffered(SocketId sock) const {
    const Socket* s = find(sock);
    if (s == nullptr) return fail(Errc::BadHandle);
    return s->out.size();
}

Result<stack::ConnId> Reactor::conn_id(SocketId sock) const {
    const Socket* s = find(sock);
    if (s == nullptr) return fail(Errc::BadHandle);
    return s->conn;
}

// ---- the loop's face

Instant Reactor::poll_at() const {
    const bool owed = stack_.has_events() || !pending_close_.empty() || !to_service_.empty();
    return owed ? loop_.now() : Instant::never();
}

void Reactor::poll(Instant) {
    polling_ = true;
    // Resumed sockets first: their data arrived before anything in this batch.
    for (std::size_t i = 0; i < to_service_.size(); ++i)
        service(to_service_[i]);
    to_service_.clear();
    events_.clear();
    stack_.drain_events(events_);
    for (const stack::Event& e : events_)
        dispatch(e);
    deliver_closes();
    polling_ = false;
    retired_.clear();
    retired_servers_.clear();
}

void Reactor::dispatch(const stack::Event& e) {
    if (e.kind == stack::EventKind::StateChanged && trace_) trace_(e);
    if (const stack::ListenerId* l = e.listener()) {
        if (e.kind == stack::EventKind::Acceptable) on_acceptable(*l);
        return;
    }
    const std::optional<SocketId> found = socket_of(*e.conn());
    if (!found) return;  // a connection no socket holds (TcpStream's, or one we released)
    const SocketId id = *found;
    Socket* s = find(id);
    if (s == nullptr || s->closed) return;
    switch (e.kind) {
        case stack::EventKind::StateChanged:
            if (s->handlers->on_state) s->handlers->on_state(id, e.from, e.to);
            // Both FINs are through: the connection waits out TIME-WAIT in the Stack, but for the
            // user the socket is finished (as a Node socket emits 'close' then).
            if (e.to == tcp::State::TimeWait) {
                read(id);
                if (find(id) != nullptr) finish(id, std::nullopt, Release::Close);
            }
            return;
        case stack::EventKind::Connected:
            if (!s->connected) {
                s->connected = true;
                if (s->handlers->on_connect) s->handlers->on_connect(id);
                flush(id);
            }
            return;
        case stack::EventKind::Readable:
        case stack::EventKind::PeerFin:
            read(id);
            return;
        case stack::EventKind::Writable:
            flush(id);
            return;
        case stack::EventKind::Closed:
            read(id);
            if (find(id) != nullptr) finish(id, e.error, Release::Close);
            return;
        case stack::EventKind::Acceptable:
            return;
    }
}

void Reactor::on_acceptable(stack::ListenerId listener) {
    if (listener.index >= by_listener_.size()) return;
    const Ref ref = by_listener_[listener.index];
    if (ref.generation == 0 || ref.generation != listener.generation) return;
    const ServerId server{ref.index, servers_[ref.index].generation};
    for (;;) {
        Server* v = find(server);
        if (v == nullptr) return;  // closed by a callback
        const auto conn = stack_.accept(v->listener);
        if (!conn) return;
        const SocketId id = allocate_socket(*conn, v->handlers->socket, v->options.allow_half_open);
        sockets_[id.index].connected = true;
        if (v->handlers->on_connection) v->handlers->on_connection(server, id);
        service(id);
    }
}

void Reactor::service(SocketId id) {
    read(id);
    flush(id);
    const Socket* s = find(id);
    if (s == nullptr || s->closed) return;
    // An ending the socket missed the events of (it was not accepted yet, or paused).
    const auto st = stack_.state(s->conn);
    if (!st) return;
    if (*st == tcp::State::TimeWait) {
        finish(id, std::nullopt, Release::Close);
    } else if (*st == tcp::State::Closed) {
        const tcp::Connection* c = stack_.connection(s->conn);
        finish(id, c == nullptr ? std::nullopt : c->error(), Release::Close);
    }
}

void Reactor::read(SocketId id) {
    for (;;) {
        Socket* s = find(id);
        if (s == nullptr || s->closed || s->paused) return;
        const auto n = stack_.recv(s->conn, read_buf_);
        // WouldBlock, or the connection's error: its Closed event reports that.
        if (!n) return;
        if (*n == 0) {
            if (s->ended) return;
            s->ended = true;
            if (s->handlers->on_end) s->handlers->on_end(id);
            s = find(id);
            // Node's allowHalfOpen = false: end our side too once the peer has ended.
            if (s != nullptr && !s->closed && !s->allow_half_open) (void)end(id);
            return;
        }
        if (s->handlers->on_data) s->handlers->on_data(id, Bytes(read_buf_.data(), *n));
    }
}

void Reactor::flush(SocketId id) {
    Socket* s = find(id);
    if (s == nullptr || s->closed || !s->connected) return;
    while (!s->out.empty()) {
        const auto n = stack_.send(s->conn, s->out.front());
        if (!n || *n == 0) break;  // ring full (WouldBlock) or the connection failed
        s->out.consume(*n);
    }
    if (!s->out.empty()) return;
    if (s->close_requested) {
        finish(id, std::nullopt, Release::Close);
        return;
    }
    if (s->end_requested && !s->fin_sent) {
        s->fin_sent = true;
        (void)stack_.shutdown(s->conn);
    }
    if (s->need_drain) {
        s->need_drain = false;
        if (s->handlers->on_drain) s->handlers->on_drain(id);
    }
}

void Reactor::finish(SocketId id, std::optional<Errc> error, Release how) {
    Socket* s = find(id);
    if (s == nullptr || s->closed) return;
    if (s->conn_open) {
        s->conn_open = false;
        unmap_conn(s->conn);
        // Releases the Stack's handle; the Stack finishes the close (FIN, TIME-WAIT) and frees
        // the connection itself.
        if (how == Release::Abort) {
            (void)stack_.abort(s->conn);
        } else {
            (void)stack_.close(s->conn);
        }
    }
    s->closed = true;
    s->error = error;
    pending_close_.push_back(id);
}

void Reactor::deliver_closes() {
    // on_close may end other sockets, which appends to the list: walk it by index.
    for (std::size_t i = 0; i < pending_close_.size(); ++i) {
        const SocketId id = pending_close_[i];
        Socket* s = find(id);
        if (s == nullptr) continue;
        const std::unique_ptr<SocketHandlers> handlers = std::move(s->handlers);
        const std::optional<Errc> error = s->error;
        // Free the slot first: the id is stale by the time on_close runs.
        s->live = false;
        s->out.clear();
        if (++s->generation == 0) s->generation = 1;
        free_sockets_.push_back(id.index);
        --live_sockets_;
        if (error && handlers->on_error) handlers->on_error(id, *error);
        if (handlers->on_close) handlers->on_close(id, error.has_value());
    }
    pending_close_.clear();
}

}  // namespace ustack::sock
