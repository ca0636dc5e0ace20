// EchoServer: on_data writes back; pause/resume on the high-water mark.
#include "app/echo_server.h"

namespace ustack::app {

Result<sock::ServerId> EchoServer::listen(const stack::Endpoint& local) {
    sock::ServerHandlers h;
    h.on_connection = [this](sock::ServerId, sock::SocketId s) {
        ++stats_.accepted;
        sockets_.insert(s);
    };
    h.socket.on_data = [this](sock::SocketId s, Bytes data) {
        stats_.bytes_in += data.size();
        // RFC 862: "Once a connection is established any data received is sent back."
        const auto more = reactor_.write(s, data);
        if (!more) {
            (void)reactor_.destroy(s);
            return;
        }
        stats_.bytes_out += data.size();
        if (!*more) (void)reactor_.pause(s);
    };
    h.socket.on_drain = [this](sock::SocketId s) { (void)reactor_.resume(s); };
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
