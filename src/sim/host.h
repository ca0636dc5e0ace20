// Host: one simulated machine — a named Stack on a loop that hands its events to handlers (the
// applications, a narrator) after every poll, from the loop, never inside protocol processing.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/pollable.h"
#include "base/time.h"
#include "stack/event.h"
#include "stack/stack.h"

namespace ustack::sim {

// Add the Host (not its Stack) to the loop. Each poll: the poll hooks run, the Stack polls, then
// every queued event goes to every event handler, in the order they were added. Handlers may
// call the Stack's verbs; the events those queue come with the next poll (the Stack reports a
// deadline of `now` when the verb left something to send).
class Host final : public Pollable {
  public:
    using EventHandler = std::function<void(const stack::Event& event, Instant now)>;
    using PollHook = std::function<void(Instant now)>;

    Host(std::string name, const stack::StackConfig& config);
    Host(const Host&) = delete;
    Host& operator=(const Host&) = delete;

    const std::string& name() const { return name_; }
    stack::Stack& stack() { return stack_; }
    const stack::Stack& stack() const { return stack_; }

    void add_event_handler(EventHandler handler) { handlers_.push_back(std::move(handler)); }
    // Runs before each poll of the Stack (a narrator marks where this poll's output begins).
    void add_poll_hook(PollHook hook) { hooks_.push_back(std::move(hook)); }

    Instant poll_at() const override { return stack_.poll_at(); }
    void poll(Instant now) override;

    // Hands the queued events to the handlers now (for verbs called outside any poll).
    void deliver_events(Instant now);

    // Every StateChanged of every connection, "FROM -> TO", oldest first.
    const std::vector<std::string>& transitions() const { return transitions_; }

  private:
    std::string name_;
    stack::Stack stack_;
    std::vector<EventHandler> handlers_;
    std::vector<PollHook> hooks_;
    std::vector<std::string> transitions_;
};

}  // namespace ustack::sim
