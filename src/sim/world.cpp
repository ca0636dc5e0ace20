#include "sim/world.h"

#include "base/rng.h"
#include "stack/stack.h"

namespace ustack::sim {

namespace {

// The n-th draw of an Rng seeded with the World's seed: every random thing in the World takes
// its own draw (0: client Stack, 1: server Stack, 2: client faults, 3: server faults).
std::uint64_t derive(std::uint64_t seed, int n) {
    Rng root(seed);
    for (int i = 0; i < n; ++i)
        root.next_u64();
    return root.next_u64();
}

stack::StackConfig stack_config(std::uint64_t seed, const tcp::Config& tcp) {
    stack::StackConfig c;
    c.seed = seed;
    c.tcp = tcp;
    return c;
}

wire::IpAddress address(bool v6, std::uint8_t host) {
    if (v6) return wire::Ipv6Address::from_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, host});
    return wire::Ipv4Address{10, 0, 0, host};
}

// Stacks add only raw-IP interfaces for now (no ARP/NDP): the link carries bare IP packets.
// Each direction's jitter has its own draw of the World's seed.
dev::SimLinkConfig world_link(const WorldConfig& config) {
    dev::SimLinkConfig link = config.link;
    link.medium = dev::Medium::Ip;
    link.a_to_b.jitter_seed = derive(config.seed, 4);
    link.b_to_a.jitter_seed = derive(config.seed, 5);
    return link;
}

dev::Device& wire_side(std::optional<dev::Tap>& tap, dev::Device& end, bool tapped,
                       dev::FrameSink* sink) {
    if (!tapped || sink == nullptr) return end;
    tap.emplace(end, *sink);
    return *tap;
}

}  // namespace

World::World(const WorldConfig& config, dev::FrameSink* sink)
    : config_(config),
      loop_(rt::SimLoopConfig{config.start, config.max_steps_per_instant}),
      link_(world_link(config)),
      client_address_(address(config.ipv6, 1)),
      server_address_(address(config.ipv6, 2)),
      client_faults_(
          wire_side(client_wire_tap_, link_.end_a(), config.tap == TapPoint::ClientWire, sink),
          config.faults_to_client, Rng(derive(config.seed, 2))),
      server_faults_(
          wire_side(server_wire_tap_, link_.end_b(), config.tap == TapPoint::ServerWire, sink),
          config.faults_to_server, Rng(derive(config.seed, 3))),
      client_("client", stack_config(derive(config.seed, 0), config.tcp)),
      server_("server", stack_config(derive(config.seed, 1), config.tcp)) {
    dev::Device* client_device = &client_faults_;
    dev::Device* server_device = &server_faults_;
    if (sink != nullptr && config.tap == TapPoint::ClientStack) {
        client_stack_tap_.emplace(client_faults_, *sink);
        client_device = &*client_stack_tap_;
    }
    if (sink != nullptr && config.tap == TapPoint::ServerStack) {
        server_stack_tap_.emplace(server_faults_, *sink);
        server_device = &*server_stack_tap_;
    }
    const std::uint8_t prefix = config.ipv6 ? 64 : 24;
    stack::InterfaceConfig ci;
    ci.addresses = {{client_address_, prefix}};
    stack::InterfaceConfig si;
    si.addresses = {{server_address_, prefix}};
    // Cannot fail: a raw-IP device and one valid address each.
    (void)client_.stack().add_interface(*client_device, ci);
    (void)server_.stack().add_interface(*server_device, si);
    loop_.add(client_);
    loop_.add(server_);
}

bool World::run_until(const std::function<bool()>& done, Duration limit) {
    return loop_.run_until(done, loop_.now() + limit);
}

bool World::run_until_quiet(Duration limit) {
    return run_until(
        [&] {
            return client_.stack().connection_count() == 0 &&
                   server_.stack().connection_count() == 0;
        },
        limit);
}

World::~World() {
    loop_.remove(client_);
    loop_.remove(server_);
}

}  // namespace ustack::sim
