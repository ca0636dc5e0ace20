// StackPair: the ustack side's harness — two Stacks in one process joined by a zero-delay,
// infinite-rate in-memory link (SimLink, which copies each frame as a device's DMA would) on a
// SimLoop's virtual clock, as LwipPair joins two lwIP netifs. Nothing else is in the path: no
// fault injector, no tap, no event log; the applications run between the loop's steps.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "base/time.h"
#include "dev/sim_link.h"
#include "rt/sim_loop.h"
#include "stack/stack.h"
#include "wire/ip_address.h"

namespace ustack::bench {

class StackPair {
  public:
    // The client owns 10.0.0.1, the server 10.0.0.2 (/24), MTU kMtu, default TCP
    // configuration (window scaling, timestamps, SACK, CUBIC), fixed seeds.
    StackPair();
    StackPair(const StackPair&) = delete;
    StackPair& operator=(const StackPair&) = delete;

    stack::Stack& client() { return client_; }
    stack::Stack& server() { return server_; }
    const wire::IpAddress& server_address() const { return server_address_; }
    Instant now() const { return loop_.now(); }

    // Steps the loop (the virtual clock jumps to the next deadline when nothing is due) until
    // `done` holds; false if `limit` of virtual time passes first. `done` runs before every
    // step: the applications call the Stacks' verbs there. The Stacks' events are dropped.
    bool run_until(const std::function<bool()>& done, Duration limit);

    // Connects from the client to the server's listener on `port` and runs the handshake until
    // the server accepted it and the client is ESTABLISHED; the accepted connection's id lands
    // in `server`. nullopt if connect() failed or 10 s of virtual time passed.
    std::optional<stack::ConnId> open_connection(stack::ListenerId listener, std::uint16_t port,
                                                 stack::ConnId& server);

    // Frames put on the link client -> server and server -> client since construction.
    std::uint64_t frames_to_server() const { return link_.counters_a_to_b().frames_sent; }
    std::uint64_t frames_to_client() const { return link_.counters_b_to_a().frames_sent; }

  private:
    // What the loop checks before every step: the events dropped, then *done_.
    bool turn();

    rt::SimLoop loop_;
    dev::SimLink link_;
    wire::IpAddress client_address_;
    wire::IpAddress server_address_;
    stack::Stack client_;
    stack::Stack server_;
    const std::function<bool()>* done_ = nullptr;                   // run_until's, while it runs
    const std::function<bool()> turn_ = [this] { return turn(); };  // built once: no allocation
};

}  // namespace ustack::bench
