// EchoServer: on_data writes back; pause/resume on the high-water mark.
#include "app/echo_server.h"

namespace ustack::app {

Result<sock::ServerId> EchoServer::listen(const stack::Endpoint& local) {
    sock::ServerHandlers h;
    h.socket.on_data = [this](sock::SocketId s, Bytes data) {
        // RFC 862: "Once a connection is established any data received is sent back."
        const auto more = reactor_.write(s, data);
        if (!more) {
            (void)reactor_.destroy(s);
            return;
        }
        shell_.count_out(data.size());
        if (!*more) (void)reactor_.pause(s);
    };
    h.socket.on_drain = [this](sock::SocketId s) { (void)reactor_.resume(s); };
    return shell_.listen(local, 128, std::move(h));
}

}  // namespace ustack::app
