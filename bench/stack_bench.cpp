// stack_bench: two ustack Stacks in one process over StackPair's zero-delay, infinite-rate link
// on virtual time (one core, no I/O), the workloads of workload.h: (a) bulk transfer at MTU 1500
// in Gbit/s and segments/s, (b) handshake + data-less close + TIME-WAIT per second. A heap
// counter checks that the data path does not allocate per packet (allocs_per_segment). The lwIP
// baseline's cases (lwip_bench.cpp) join the same binary.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "alloc_counter.h"
#include "connection_cycle.h"
#include "stack/stack.h"
#include "stack_pair.h"
#include "workload.h"

namespace ustack::bench {
namespace {

// The sending and receiving applications of one bulk connection, as lwip_bench's: the sender
// queues as much as the send buffer takes (copied in), and closes once everything is queued; the
// receiver copies every byte out and closes at the end of stream.
struct Bulk : BulkApps {
    stack::ConnId client{};
    stack::ConnId server{};

    // One turn of both applications; true once the server has read the end of stream.
    bool run(StackPair& pair) {
        while (!client_closed && sent < total) {
            const auto k = pair.client().send(client, next_chunk(kAppBuffer));
            if (!k || *k == 0) break;  // WouldBlock: the send ring is full until the next ACK
            sent += *k;
        }
        if (!client_closed && sent == total) {
            client_closed = true;
            if (!pair.client().close(client)) failed = true;
        }
        while (!server_eof) {
            const auto n = pair.server().recv(server, rx);
            if (!n) break;  // WouldBlock
            if (*n == 0) {
                server_eof = true;
                if (!pair.server().close(server)) failed = true;
            }
            received += *n;
        }
        return server_eof || failed;
    }
};

// (a) One connection moves kBulkBytes client -> server per iteration, then both ends close.
void BM_BulkTransfer(benchmark::State& state) {
    std::uint64_t total_bytes = 0;
    std::uint64_t data_segments = 0;
    std::uint64_t ack_segments = 0;
    std::uint64_t allocations = 0;
    for (auto _ : state) {
        state.PauseTiming();
        StackPair pair;
        Bulk b;
        const auto listener = pair.server().listen({pair.server_address(), kPort}, 8);
        // The handshake is not part of the transfer.
        const auto c = listener ? pair.open_connection(*listener, kPort, b.server) : std::nullopt;
        if (!c) {
            state.SkipWithError("listen, connect or handshake failed");
            return;
        }
        b.client = *c;
        const auto segs_before = pair.frames_to_server();
        const auto acks_before = pair.frames_to_client();
        const std::function<bool()> done = [&] { return b.run(pair); };
        const std::uint64_t allocs_before = allocation_count();
        state.ResumeTiming();

        const bool ok = pair.run_until(done, Duration::seconds(3600));

        state.PauseTiming();
        allocations += allocation_count() - allocs_before;
        if (!ok || b.failed || b.received != kBulkBytes) {
            state.SkipWithError("the transfer did not complete");
            return;
        }
        total_bytes += kBulkBytes;
        data_segments += pair.frames_to_server() - segs_before;
        ack_segments += pair.frames_to_client() - acks_before;
        state.ResumeTiming();
    }
    set_bulk_counters(state, total_bytes, data_segments, ack_segments);
    state.counters["allocs_per_segment"] =
        data_segments == 0
            ? 0.0
            : static_cast<double>(allocations) / static_cast<double>(data_segments + ack_segments);
}
BENCHMARK(BM_BulkTransfer)->Unit(benchmark::kMillisecond);

// (b) Per iteration: connect, accept, the client closes, the server reads the end of stream and
// closes (FIN, FIN, ACK); the server's end is freed at the last ACK, the client's waits in
// TIME-WAIT. After every kTimeWaitBatch connections the virtual clock jumps past TIME-WAIT (60 s)
// and frees the batch's slots, as lwIP's case does. allocs_per_connection counts the heap
// allocations of a cycle (both ends).
void BM_HandshakeAndClose(benchmark::State& state) {
    StackPair pair;
    ConnectionCycle cycle(pair);
    if (!cycle.ready()) {
        state.SkipWithError("listen failed");
        return;
    }
    std::uint64_t cycles = 0;
    const std::uint64_t frames_before = pair.frames_to_server() + pair.frames_to_client();
    const std::uint64_t allocs_before = allocation_count();
    for (auto _ : state) {
        if (const char* failed = cycle.run_one()) {
            state.SkipWithError(failed);
            return;
        }
        ++cycles;
    }
    const std::uint64_t allocations = allocation_count() - allocs_before;
    set_connection_counters(state, cycles,
                            pair.frames_to_server() + pair.frames_to_client() - frames_before);
    state.counters["allocs_per_connection"] =
        cycles == 0 ? 0.0 : static_cast<double>(allocations) / static_cast<double>(cycles);
}
BENCHMARK(BM_HandshakeAndClose);

}  // namespace
}  // namespace ustack::bench

BENCHMARK_MAIN();
