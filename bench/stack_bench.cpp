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

// Connects from the client to the server's listener and runs the handshake; the accepted
// connection's id lands in *server.
std::optional<stack::ConnId> open_connection(StackPair& pair, stack::ListenerId listener,
                                             stack::ConnId& server) {
    const auto c = pair.client().connect({pair.server_address(), kPort}, pair.now());
    if (!c) return std::nullopt;
    Opening opening{pair, listener, *c, std::nullopt};
    if (!pair.run_until(std::ref(opening), Duration::seconds(10))) return std::nullopt;
    server = *opening.server;
    return *c;
}

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
        const auto c = listener ? open_connection(pair, *listener, b.server) : std::nullopt;
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
    stack::Stack& client = pair.client();
    stack::Stack& server = pair.server();
    const auto listener = server.listen({pair.server_address(), kPort}, 128);
    if (!listener) {
        state.SkipWithError("listen failed");
        return;
    }
    stack::ConnId c{};
    stack::ConnId s{};
    std::uint8_t buf[64];
    bool server_closed = false;
    const std::function<bool()> closed_down = [&] {
        if (!server_closed) {
            const auto n = server.recv(s, buf);
            if (n && *n == 0) {
                (void)server.close(s);
                server_closed = true;
            }
        }
        return server_closed && server.connection_count() == 0 &&
               client.state(c) == tcp::State::TimeWait;
    };
    const std::function<bool()> time_wait_over = [&] { return client.connection_count() == 0; };
    std::uint64_t cycles = 0;
    int in_batch = 0;
    const std::uint64_t frames_before = pair.frames_to_server() + pair.frames_to_client();
    const std::uint64_t allocs_before = allocation_count();
    for (auto _ : state) {
        const auto opened = open_connection(pair, *listener, s);
        if (!opened) {
            state.SkipWithError("connect or handshake failed");
            return;
        }
        c = *opened;
        server_closed = false;
        (void)client.close(c);
        if (!pair.run_until(closed_down, Duration::seconds(600))) {
            state.SkipWithError("the connections did not close");
            return;
        }
        if (++in_batch == kTimeWaitBatch) {
            if (!pair.run_until(time_wait_over, Duration::seconds(600))) {
                state.SkipWithError("TIME-WAIT did not end");
                return;
            }
            in_batch = 0;
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
