// World: two simulated hosts on one link — a SimLoop, a SimLink, a FaultInjector on each
// receiving side, one Tap, and the client (10.0.0.1) and server (10.0.0.2) Stacks — all seeded
// from one seed, so a run is reproduced exactly by its WorldConfig.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "base/time.h"
#include "dev/fault_injector.h"
#include "dev/frame_sink.h"
#include "dev/sim_link.h"
#include "dev/tap.h"
#include "rt/sim_loop.h"
#include "sim/host.h"
#include "tcp/config.h"
#include "wire/ip_address.h"

namespace ustack::sim {

// Where the one Tap sits, as tcpdump on one host would see the traffic. "Wire" is below that
// host's FaultInjector: the capture shows what the link carried to and from the host (a frame the
// injector then drops or corrupts is recorded intact), so captures of faulty runs still have good
// checksums. "Stack" is above it: the capture shows exactly what the Stack received.
enum class TapPoint : std::uint8_t { None, ClientWire, ClientStack, ServerWire, ServerStack };

struct WorldConfig {
    // The only seed: both Stacks' Rngs (ISN secrets, ports) and both FaultInjectors derive from it.
    std::uint64_t seed = 1;
    // a_to_b carries client -> server, b_to_a server -> client. The medium is always raw IP.
    dev::SimLinkConfig link = dev::SimLinkConfig::symmetric(dev::LinkConfig{});
    dev::FaultConfig faults_to_client;  // applied to frames as the client receives them
    dev::FaultConfig faults_to_server;  // applied to frames as the server receives them
    tcp::Config tcp;                    // both Stacks' connection defaults
    bool ipv6 = false;  // 2001:db8::1/64 and 2001:db8::2/64 instead of 10.0.0.1/24, 10.0.0.2/24
    TapPoint tap = TapPoint::ClientWire;
    Instant start = Instant::from_micros(0);
    // The SimLoop's livelock guard. On a zero-delay, infinite-rate link a whole transfer happens
    // at one instant, so a bench raises it.
    std::uint64_t max_steps_per_instant = 10000;
};

// Owns everything; nothing is global, so many Worlds may live in one process. The Hosts are on
// the loop (client first, then server, so at one instant the client polls first).
class World {
  public:
    // `sink` receives every frame the Tap sees (none when null or TapPoint::None); it must
    // outlive the World.
    explicit World(const WorldConfig& config, dev::FrameSink* sink = nullptr);
    World(const World&) = delete;
    World& operator=(const World&) = delete;
    ~World();

    rt::SimLoop& loop() { return loop_; }
    Instant now() const { return loop_.now(); }
    Host& client() { return client_; }
    Host& server() { return server_; }
    const wire::IpAddress& client_address() const { return client_address_; }
    const wire::IpAddress& server_address() const { return server_address_; }
    dev::SimLink& link() { return link_; }
    const dev::FaultInjector& faults_at_client() const { return client_faults_; }
    const dev::FaultInjector& faults_at_server() const { return server_faults_; }
    const WorldConfig& config() const { return config_; }

    // Runs the loop until done() (checked before and after every step) or until `limit` of
    // virtual time has passed; true when done() became true.
    bool run_until(const std::function<bool()>& done, Duration limit);
    // Runs until neither Stack holds a connection (every one closed and reaped, TIME-WAIT
    // included) or `limit` has passed; true when both are empty.
    bool run_until_quiet(Duration limit);
    void run_for(Duration duration) { loop_.run_for(duration); }

  private:
    WorldConfig config_;
    rt::SimLoop loop_;
    dev::SimLink link_;
    wire::IpAddress client_address_;
    wire::IpAddress server_address_;
    // Device chains, bottom up: link end -> [wire Tap] -> FaultInjector -> [stack Tap] -> Stack.
    std::optional<dev::Tap> client_wire_tap_;
    std::optional<dev::Tap> server_wire_tap_;
    dev::FaultInjector client_faults_;
    dev::FaultInjector server_faults_;
    std::optional<dev::Tap> client_stack_tap_;
    std::optional<dev::Tap> server_stack_tap_;
    Host client_;
    Host server_;
};

}  // namespace ustack::sim
