// The seed articles' scenario on a World: a server on port 3001 echoing "server: <data>", a
// client that connects, writes "hello", reads the echo and closes — and the variants that show
// the rest of RFC 9293's state diagram (four-way and simultaneous close, refused, abort,
// half-close, simultaneous open), optionally over a lossy link.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/errc.h"
#include "base/time.h"
#include "dev/fault_injector.h"
#include "dev/frame_sink.h"
#include "sim/timeline.h"
#include "sim/world.h"
#include "stack/counters.h"
#include "tcp/state.h"

namespace ustack::sim {

enum class Variant : std::uint8_t {
    // The client closes once it has read the echo; the server closes as soon as it reads the end
    // of the stream, so its FIN carries the ACK delayed ACK held back: FIN, FIN, ACK.
    ThreePacketClose,
    // The server closes a second after the client: its delayed ACK goes out alone first (FIN,
    // ACK, FIN, ACK); the client passes through FIN-WAIT-2.
    FourWayClose,
    // No listener: the SYN draws RST+ACK and the client's connect fails with connection refused.
    Refused,
    // The client closes with SO_LINGER {on, 0}: RST instead of FIN; the server sees a reset.
    Abort,
    // The client writes and shuts down its write side; the server echoes, sends two more
    // messages 100 ms apart (the client in FIN-WAIT-2 still reads), then closes.
    HalfClose,
    // No listener: both sides connect() to each other's fixed port (3000 <-> 3001) at the same
    // instant; the SYNs cross (SYN-SENT -> SYN-RECEIVED on both), then the echo runs as usual.
    SimultaneousOpen,
    // After the echo both sides close at the same instant: the FINs cross, CLOSING on both, then
    // TIME-WAIT on both.
    SimultaneousClose,
};

// "three-packet-close", "four-way-close", "refused", "abort", "half-close", "simultaneous-open",
// "simultaneous-close".
std::string_view to_string(Variant v);

struct ScenarioOptions {
    Variant variant = Variant::ThreePacketClose;
    std::uint64_t seed = 1;                // the World's seed: ISNs, ports, losses
    Duration delay = Duration::millis(1);  // link propagation delay, each way
    double loss = 0.0;                     // drop probability per frame, each way, in [0, 1]
    bool ipv6 = false;
    std::uint16_t port = 3001;  // the server's port (the client's is 3000 in SimultaneousOpen)
    std::string message = "hello";
    Duration limit = Duration::seconds(600);  // virtual time allowed for everything, TIME-WAIT too
    TapPoint tap = TapPoint::ClientWire;
    tcp::Config tcp;  // both sides' connection settings
};

struct SideResult {
    std::string received;                         // what the application read, in order
    std::uint64_t sent = 0;                       // bytes the application's writes handed to TCP
    std::vector<std::string> transitions;         // every "FROM -> TO" of the side's connection(s)
    tcp::State final_state = tcp::State::Closed;  // the last transition's target
    bool reached_time_wait = false;
    std::optional<Errc> error;  // why the connection closed, when not in order
    stack::StackCounters counters;
    dev::FaultCounters faults;  // what the FaultInjector did to frames this side received
};

struct ScenarioResult {
    // Every connection closed and freed on both sides (TIME-WAIT over) within the limit.
    bool finished = false;
    Instant end;  // the virtual time when the run stopped
    SideResult client;
    SideResult server;
};

// Runs the scenario on a fresh World (both directions lose `loss` of their frames). Every frame
// the Tap sees goes to `sink` (when not null); `timeline` (when not null) is attached to both
// hosts and gets every socket call.
ScenarioResult run_echo_scenario(const ScenarioOptions& options, dev::FrameSink* sink,
                                 Timeline* timeline);

}  // namespace ustack::sim
