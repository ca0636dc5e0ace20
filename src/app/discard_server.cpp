// DiscardServer: counts what arrives; the peer's FIN ends our side.
#include "app/discard_server.h"

namespace ustack::app {

Result<sock::ServerId> DiscardServer::listen(const stack::Endpoint& local) {
    sock::ServerHandlers h;
    h.on_connection = [this](sock::ServerId, sock::SocketId s) {
        ++stats_.accepted;
        sockets_.insert(s);
    };
    // RFC 863: "Any data received is thrown away. No response is sent."
    h.socket.on_data = [this](sock::SocketId, Bytes data) { stats_.bytes_in += data.size(); };
    h.socket.on_error = [this](sock::SocketId, Errc) { ++stats_.errors; };
    h.socket.on_close = [this](sock::SocketId s, bool) {
        ++stats_.closed;
        sockets_.erase(s);
    };
    sock::SocketOptions options;
    options.reuse_addr = true;
    return reactor_.listen(local, 128, std::move(h), options);
}

}  // namespace ustack::app
