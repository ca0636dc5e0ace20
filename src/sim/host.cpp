#include "sim/host.h"

#include <utility>

namespace ustack::sim {

Host::Host(std::string name, const stack::StackConfig& config)
    : name_(std::move(name)), stack_(config) {}

void Host::poll(Instant now) {
    for (const PollHook& hook : hooks_)
        hook(now);
    stack_.poll(now);
    deliver_events(now);
}

void Host::deliver_events(Instant now) {
    stack_.drain_events([&](const stack::Event& e) {
        if (e.kind == stack::EventKind::StateChanged && e.conn() != nullptr) {
            transitions_.push_back(std::string(tcp::to_string(e.from)) + " -> " +
                                   std::string(tcp::to_string(e.to)));
        }
        for (const EventHandler& h : handlers_)
            h(e, now);
    });
}

}  // namespace ustack::sim
