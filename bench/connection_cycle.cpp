#include "connection_cycle.h"

#include "workload.h"

namespace ustack::bench {

ConnectionCycle::ConnectionCycle(StackPair& pair)
    : pair_(pair),
      closed_down_([this] {
          stack::Stack& server = pair_.server();
          if (!server_closed_) {
              const auto n = server.recv(server_, buf_);
              if (n && *n == 0) {
                  (void)server.close(server_);
                  server_closed_ = true;
              }
          }
          return server_closed_ && server.connection_count() == 0 &&
                 pair_.client().state(client_) == tcp::State::TimeWait;
      }),
      time_wait_over_([this] { return pair_.client().connection_count() == 0; }) {
    if (auto l = pair_.server().listen({pair_.server_address(), kPort}, 128)) listener_ = *l;
}

const char* ConnectionCycle::run_one() {
    if (!listener_) return "listen failed";
    const auto opened = pair_.open_connection(*listener_, kPort, server_);
    if (!opened) return "connect or handshake failed";
    client_ = *opened;
    server_closed_ = false;
    (void)pair_.client().close(client_);
    if (!pair_.run_until(closed_down_, Duration::seconds(600))) {
        return "the connections did not close";
    }
    if (++in_batch_ == kTimeWaitBatch) {
        if (!pair_.run_until(time_wait_over_, Duration::seconds(600))) {
            return "TIME-WAIT did not end";
        }
        in_batch_ = 0;
    }
    return nullptr;
}

}  // namespace ustack::bench
