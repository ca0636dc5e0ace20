#include "stack_pair.h"

#include <cstdint>

#include "workload.h"

namespace ustack::bench {

namespace {

rt::SimLoopConfig loop_config() {
    rt::SimLoopConfig c;
    // Everything happens at one virtual instant (nothing waits): no livelock guard.
    c.max_steps_per_instant = UINT64_MAX;
    return c;
}

dev::SimLinkConfig link_config() {
    dev::LinkConfig link;
    link.delay = Duration::zero();
    link.rate_bps = 0;
    link.mtu = kMtu;
    return dev::SimLinkConfig::symmetric(link, dev::Medium::Ip);
}

stack::StackConfig stack_config(std::uint64_t seed) {
    stack::StackConfig c;
    c.seed = seed;
    return c;
}

void attach(stack::Stack& stack, dev::Device& device, const wire::IpAddress& address) {
    stack::InterfaceConfig ic;
    ic.addresses = {{address, 24}};
    // Cannot fail: a raw-IP device and one valid address.
    (void)stack.add_interface(device, ic);
}

}  // namespace

StackPair::StackPair()
    : loop_(loop_config()),
      link_(link_config()),
      client_address_(wire::Ipv4Address{10, 0, 0, 1}),
      server_address_(wire::Ipv4Address{10, 0, 0, 2}),
      client_(stack_config(1)),
      server_(stack_config(2)) {
    attach(client_, link_.end_a(), client_address_);
    attach(server_, link_.end_b(), server_address_);
    loop_.add(client_);
    loop_.add(server_);
}

bool StackPair::run_until(const std::function<bool()>& done, Duration limit) {
    done_ = &done;
    return loop_.run_until(turn_, loop_.now() + limit);
}

namespace {

// The handshake of one connection, run until the server has accepted it and the client is
// ESTABLISHED (a callable the loop holds by reference, so no closure is allocated per cycle).
struct Opening {
    StackPair& pair;
    stack::ListenerId listener;
    stack::ConnId client;
    std::optional<stack::ConnId> server;

    bool operator()() {
        if (!server) {
            if (auto a = pair.server().accept(listener)) server = *a;
        }
        return server && pair.client().state(client) == tcp::State::Established;
    }
};

}  // namespace

std::optional<stack::ConnId> StackPair::open_connection(stack::ListenerId listener,
                                                        std::uint16_t port, stack::ConnId& server) {
    const auto c = client_.connect({server_address_, port}, now());
    if (!c) return std::nullopt;
    Opening opening{*this, listener, *c, std::nullopt};
    if (!run_until(std::ref(opening), Duration::seconds(10))) return std::nullopt;
    server = *opening.server;
    return *c;
}

bool StackPair::turn() {
    // The applications poll their connections rather than wait for events; the queued events
    // are dropped before every step, as an application that does not look at them would.
    const auto ignore = [](const stack::Event&) {};
    client_.drain_events(ignore);
    server_.drain_events(ignore);
    return (*done_)();
}

}  // namespace ustack::bench
