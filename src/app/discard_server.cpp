// DiscardServer: the shell counts what arrives; the peer's FIN ends our side.
#include "app/discard_server.h"

namespace ustack::app {

Result<sock::ServerId> DiscardServer::listen(const stack::Endpoint& local) {
    // RFC 863: "Any data received is thrown away. No response is sent." (The shell counts it.)
    return shell_.listen(local, 128, sock::ServerHandlers{});
}

}  // namespace ustack::app
