// One connection's life on a StackPair, as both ustack benches run it (stack_bench's
// BM_HandshakeAndClose, stack_cycles handshake): connect, accept, the client closes, the server
// reads the end of stream and closes (FIN, FIN, ACK); the server's end is freed at the last ACK,
// the client's waits in TIME-WAIT, and after every kTimeWaitBatch cycles the virtual clock jumps
// past TIME-WAIT to free the batch's slots, as lwIP's case does.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "stack/stack.h"
#include "stack_pair.h"

namespace ustack::bench {

class ConnectionCycle {
  public:
    // Listens on the server's kPort (a backlog of 128).
    explicit ConnectionCycle(StackPair& pair);
    ConnectionCycle(const ConnectionCycle&) = delete;
    ConnectionCycle& operator=(const ConnectionCycle&) = delete;

    // Whether the listen succeeded.
    bool ready() const { return listener_.has_value(); }
    // One cycle; nullptr when it completed, else what went wrong.
    const char* run_one();

  private:
    StackPair& pair_;
    std::optional<stack::ListenerId> listener_;
    stack::ConnId client_{};
    stack::ConnId server_{};
    bool server_closed_ = false;
    int in_batch_ = 0;
    std::uint8_t buf_[64] = {};
    // Built once, so a cycle allocates no closure.
    const std::function<bool()> closed_down_;
    const std::function<bool()> time_wait_over_;
};

}  // namespace ustack::bench
