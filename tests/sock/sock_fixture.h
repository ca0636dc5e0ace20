// Test fixture of the sock room: two Stacks (client, server) over a SimLink on a SimLoop, each
// with its Reactor; optionally a FaultInjector in front of the server's end of the link.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/rng.h"
#include "dev/fault_injector.h"
#include "dev/sim_link.h"
#include "rt/sim_loop.h"
#include "sock/reactor.h"
#include "stack/stack.h"
#include "wire/ip_address.h"

namespace ustack::sock::testing {

inline const wire::Ipv4Address kClientAddr{10, 0, 0, 2};
inline const wire::Ipv4Address kServerAddr{10, 0, 0, 1};
inline constexpr Instant kT0 = Instant::from_micros(1'000'000);

inline Bytes as_bytes(std::string_view s) {
    return Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

inline std::string to_string(Bytes b) {
    return std::string(b.begin(), b.end());
}

// Deterministic test data: byte i of the pattern is a function of i and the seed.
inline std::vector<std::uint8_t> pattern(std::size_t n, std::uint64_t seed = 7) {
    Rng rng(seed);
    std::vector<std::uint8_t> v(n);
    for (auto& b : v)
        b = static_cast<std::uint8_t>(rng.next_u32());
    return v;
}

struct NetOptions {
    dev::LinkConfig link = [] {
        dev::LinkConfig c;
        c.delay = Duration::millis(1);
        return c;
    }();
    // Faults on what the server receives (e.g. drop = 1.0: a silent peer).
    std::optional<dev::FaultConfig> server_faults;
    tcp::Config tcp;  // both Stacks' StackConfig::tcp
    ReactorConfig reactor;
};

struct Net {
    explicit Net(const NetOptions& o = {})
        : link(dev::SimLinkConfig::symmetric(o.link)),
          loop(rt::SimLoopConfig{kT0}),
          client_stack(stack_config(11, o.tcp)),
          server_stack(stack_config(22, o.tcp)) {
        if (o.server_faults) faults.emplace(link.end_b(), *o.server_faults, Rng(99));
        add(client_stack, link.end_a(), kClientAddr);
        add(server_stack, faults ? static_cast<dev::Device&>(*faults) : link.end_b(), kServerAddr);
        // The Stacks first, so each Reactor is polled after them in every step.
        loop.add(client_stack);
        loop.add(server_stack);
        client.emplace(loop, client_stack, o.reactor);
        server.emplace(loop, server_stack, o.reactor);
    }
    static stack::StackConfig stack_config(std::uint64_t seed, const tcp::Config& tcp) {
        stack::StackConfig c;
        c.seed = seed;
        c.tcp = tcp;
        return c;
    }
    static void add(stack::Stack& s, dev::Device& d, const wire::Ipv4Address& a) {
        stack::InterfaceConfig ic;
        ic.addresses = {{wire::IpAddress(a), 24}};
        EXPECT_TRUE(s.add_interface(d, ic));
    }
    static stack::Endpoint server_ep(std::uint16_t port) {
        return {wire::IpAddress(kServerAddr), port};
    }
    bool run_until(const std::function<bool()>& done, Duration limit = Duration::seconds(10)) {
        return loop.run_until(done, loop.now() + limit);
    }
    void run_for(Duration d) { loop.run_for(d); }

    dev::SimLink link;
    std::optional<dev::FaultInjector> faults;
    rt::SimLoop loop;
    stack::Stack client_stack;
    stack::Stack server_stack;
    std::optional<Reactor> client;
    std::optional<Reactor> server;
};

// What happened to one Reactor socket, in order, as text ("connect", "data:hi", "end",
// "error:connection refused", "close:1", "drain").
struct Recorder {
    std::vector<std::string> log;
    std::string data;
    bool closed = false;
    std::optional<bool> had_error;
    std::optional<Errc> error;

    SocketHandlers handlers() {
        SocketHandlers h;
        h.on_connect = [this](SocketId) { log.push_back("connect"); };
        h.on_data = [this](SocketId, Bytes b) {
            data += to_string(b);
            if (log.empty() || log.back() != "data") log.push_back("data");
        };
        h.on_end = [this](SocketId) { log.push_back("end"); };
        h.on_error = [this](SocketId, Errc e) {
            error = e;
            log.push_back("error:" + std::string(ustack::to_string(e)));
        };
        h.on_close = [this](SocketId, bool err) {
            closed = true;
            had_error = err;
            log.push_back(err ? "close:1" : "close:0");
        };
        h.on_drain = [this](SocketId) { log.push_back("drain"); };
        return h;
    }
};

}  // namespace ustack::sock::testing
