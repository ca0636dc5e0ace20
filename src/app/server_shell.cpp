// ServerShell: the service's handlers, each behind the shell's own bookkeeping.
#include "app/server_shell.h"

#include <utility>

namespace ustack::app {

Result<sock::ServerId> ServerShell::listen(const stack::Endpoint& local, std::size_t backlog,
                                           sock::ServerHandlers service,
                                           sock::SocketOptions options) {
    sock::ServerHandlers h;
    h.socket = service.socket;  // on_end, on_drain, on_connect, on_state as given
    h.on_connection = [this, next = std::move(service.on_connection)](sock::ServerId server,
                                                                      sock::SocketId s) {
        ++stats_.accepted;
        sockets_.insert(s);
        if (next) next(server, s);
    };
    h.socket.on_data = [this, next = std::move(service.socket.on_data)](sock::SocketId s,
                                                                        Bytes data) {
        stats_.bytes_in += data.size();
        if (next) next(s, data);
    };
    h.socket.on_error = [this, next = std::move(service.socket.on_error)](sock::SocketId s,
                                                                          Errc e) {
        ++stats_.errors;
        if (next) next(s, e);
    };
    h.socket.on_close = [this, next = std::move(service.socket.on_close)](sock::SocketId s,
                                                                          bool had_error) {
        ++stats_.closed;
        sockets_.erase(s);
        if (next) next(s, had_error);
    };
    options.reuse_addr = true;
    return reactor_.listen(local, backlog, std::move(h), options);
}

}  // namespace ustack::app
