// stack_bench: two ustack Stacks in one process over a zero-delay, infinite-rate SimLink on a
// SimLoop (one core, no I/O): (a) bulk transfer at MTU 1500 in Gbit/s and segments/s, (b)
// handshake + data-less close + TIME-WAIT per second. A heap counter checks that the data path
// does not allocate per packet (the allocs_per_segment counter).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <functional>
#include <optional>

#include "alloc_counter.h"
#include "sim/bulk_transfer.h"
#include "sim/world.h"
#include "stack/stack.h"

namespace ustack {
namespace {

// Zero delay, no rate limit, MTU 1500, no faults, no tap. Everything happens at one virtual
// instant (nothing waits), so the loop's livelock guard is lifted.
sim::WorldConfig bench_world() {
    sim::WorldConfig c;
    dev::LinkConfig link;
    link.delay = Duration::zero();
    link.rate_bps = 0;
    link.mtu = 1500;
    c.link = dev::SimLinkConfig::symmetric(link);
    c.tap = sim::TapPoint::None;
    c.max_steps_per_instant = UINT64_MAX;
    return c;
}

// (a) One connection moves state.range(0) bytes client -> server per iteration, then closes.
void BM_BulkTransfer(benchmark::State& state) {
    const auto bytes = static_cast<std::uint64_t>(state.range(0));
    std::uint64_t total_bytes = 0;
    std::uint64_t data_segments = 0;
    std::uint64_t ack_segments = 0;
    std::uint64_t allocations = 0;
    for (auto _ : state) {
        state.PauseTiming();
        sim::World world(bench_world());
        sim::BulkConfig bc;
        bc.bytes = bytes;
        bc.verify = false;  // the bench measures the stacks, not the pattern check
        sim::BulkTransfer transfer(world, bc);
        if (!transfer.start()) {
            state.SkipWithError("listen or connect failed");
            return;
        }
        // The handshake is not part of the transfer.
        world.run_until(
            [&] {
                return transfer.client_connection() &&
                       world.client().stack().state(*transfer.client_connection()) ==
                           tcp::State::Established;
            },
            Duration::seconds(10));
        const auto segs_before = world.client().stack().counters().tcp_segments_out;
        const auto acks_before = world.server().stack().counters().tcp_segments_out;
        const std::function<bool()> done = [&] { return transfer.done(); };
        const std::uint64_t allocs_before = bench::allocation_count();
        state.ResumeTiming();

        const bool ok = world.run_until(done, Duration::seconds(3600));

        state.PauseTiming();
        allocations += bench::allocation_count() - allocs_before;
        if (!ok || transfer.received() != bytes) {
            state.SkipWithError("the transfer did not complete");
            return;
        }
        total_bytes += bytes;
        data_segments += world.client().stack().counters().tcp_segments_out - segs_before;
        ack_segments += world.server().stack().counters().tcp_segments_out - acks_before;
        state.ResumeTiming();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(total_bytes));
    state.counters["Gbit"] =
        benchmark::Counter(static_cast<double>(total_bytes) * 8 / 1e9, benchmark::Counter::kIsRate);
    state.counters["segments"] =
        benchmark::Counter(static_cast<double>(data_segments), benchmark::Counter::kIsRate);
    state.counters["acks"] =
        benchmark::Counter(static_cast<double>(ack_segments), benchmark::Counter::kIsRate);
    state.counters["allocs_per_segment"] =
        data_segments == 0
            ? 0.0
            : static_cast<double>(allocations) / static_cast<double>(data_segments + ack_segments);
}
BENCHMARK(BM_BulkTransfer)->Arg(64 << 20)->Unit(benchmark::kMillisecond);

// (b) Per iteration: connect, accept, the client closes, the server reads the end of stream and
// closes (FIN, FIN, ACK), TIME-WAIT runs out (virtual time jumps 60 s) and both slots are freed.
void BM_HandshakeAndClose(benchmark::State& state) {
    sim::World world(bench_world());
    stack::Stack& client = world.client().stack();
    stack::Stack& server = world.server().stack();
    const stack::Endpoint where{world.server_address(), 7};
    const auto listener = server.listen(where, 128);
    if (!listener) {
        state.SkipWithError("listen failed");
        return;
    }
    std::optional<stack::ConnId> c;
    std::optional<stack::ConnId> s;
    std::uint8_t buf[64];
    bool server_closed = false;
    const std::function<bool()> established = [&] {
        if (!s) {
            if (auto a = server.accept(*listener)) s = *a;
        }
        return s && client.state(*c) == tcp::State::Established;
    };
    const std::function<bool()> all_gone = [&] {
        if (!server_closed) {
            const auto n = server.recv(*s, buf);
            if (n && *n == 0) {
                (void)server.close(*s);
                server_closed = true;
            }
        }
        return server_closed && client.connection_count() == 0 && server.connection_count() == 0;
    };
    std::uint64_t cycles = 0;
    for (auto _ : state) {
        const auto id = client.connect(where, world.now());
        if (!id) {
            state.SkipWithError("connect failed");
            return;
        }
        c = *id;
        s.reset();
        server_closed = false;
        if (!world.run_until(established, Duration::seconds(10))) {
            state.SkipWithError("no handshake");
            return;
        }
        (void)client.close(*c);
        if (!world.run_until(all_gone, Duration::seconds(600))) {
            state.SkipWithError("the connections did not end");
            return;
        }
        ++cycles;
    }
    state.counters["connections"] =
        benchmark::Counter(static_cast<double>(cycles), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HandshakeAndClose);

}  // namespace
}  // namespace ustack

BENCHMARK_MAIN();
