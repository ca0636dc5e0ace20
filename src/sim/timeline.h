// Timeline: what happened in a World, in time order — the packets one Tap printed, interleaved
// with each host's state changes and socket calls — and its rendering as aligned text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"
#include "dev/frame_sink.h"
#include "sim/host.h"

namespace ustack::sim {

enum class EntryKind : std::uint8_t {
    Packet,  // one packet's text as the printer made it (tcpdump format, no timestamp)
    State,   // a connection's state change on one host, "FROM -> TO"
    Call,    // a socket call or what an application saw, "write("hello") = 5"
    Note,    // a remark of the narrator
};

struct Entry {
    Instant at;
    EntryKind kind = EntryKind::Note;
    std::string host;                               // State and Call: the host's name
    dev::Direction direction = dev::Direction::In;  // Packet: as seen from the tapped host
    std::string text;
};

// Order within one instant follows causality inside a Stack's poll, which first receives every
// frame and then transmits: a state change a poll caused is placed after the packets that poll
// received and before the packets it sent. Entries outside any poll (socket calls made by event
// handlers or timers) are appended as they come.
class Timeline {
  public:
    Timeline() = default;
    Timeline(const Timeline&) = delete;
    Timeline& operator=(const Timeline&) = delete;

    // Records the host's state changes (hooks it; the Timeline must outlive the host's polls).
    // Attach before adding the applications' handlers, so a state change precedes the calls it
    // prompts.
    void attach(Host& host);

    // A packet the Tap saw (feed it from a PrintSink's callback).
    void packet(dev::Direction direction, Instant at, std::string_view text);
    void call(const Host& host, Instant at, std::string text);
    void note(Instant at, std::string text);

    const std::vector<Entry>& entries() const { return entries_; }
    std::size_t packet_count() const;

    // The text: packets after their virtual time stamp (HH:MM:SS.ffffff, as `TZ=UTC tcpdump -r`
    // shows a capture that starts at the epoch), the other entries indented to the packets'
    // column, each line "host  text". Where virtual time jumps by half a second or more a note
    // says so, naming TIME-WAIT when the entry is a TIME-WAIT -> CLOSED transition.
    std::string render() const;

  private:
    void begin_poll();
    void state(const Host& host, Instant at, std::string text);

    std::vector<Entry> entries_;
    std::size_t poll_begin_ = 0;  // entries_.size() when the current poll began
    std::size_t insert_at_ = 0;   // where the current poll's state changes go (>= poll_begin_)
    bool in_poll_ = false;        // between a host's poll hook and its events' delivery
};

// "HH:MM:SS.ffffff" of an instant's time since the origin (hours grow past 24).
std::string format_virtual_time(Instant at);

// Data as a short quoted literal: printable ASCII as is, \n \r \t and \xNN escapes, at most
// `max_chars` characters of it and "..." after.
std::string quote(std::string_view data, std::size_t max_chars = 48);

}  // namespace ustack::sim
