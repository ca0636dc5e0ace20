// stack_cycles: stack_bench's two ustack workloads as a plain loop with a fixed count, for
// instruction counts under callgrind (which Google Benchmark's timed, adaptive runs do not give):
//   stack_cycles handshake N   N handshake + data-less close + TIME-WAIT cycles (a TIME-WAIT
//                              batch of kTimeWaitBatch, as BM_HandshakeAndClose)
//   stack_cycles bulk N        N transfers of kBulkBytes, each on a new StackPair (BM_BulkTransfer)
// Instructions per cycle (or per MiB) are the difference of two runs' totals over the difference
// of their counts, so the set-up and the process's start fall out. Prints the heap allocations.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>

#include "alloc_counter.h"
#include "stack/stack.h"
#include "stack_pair.h"
#include "workload.h"

namespace ustack::bench {
namespace {

// The handshake of one connection, as stack_bench's Opening: held by reference through
// std::ref, so no closure is allocated per cycle.
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

// Connects and runs the handshake until the server accepted and the client is ESTABLISHED.
std::optional<stack::ConnId> open_connection(StackPair& pair, stack::ListenerId listener,
                                             stack::ConnId& server) {
    const auto c = pair.client().connect({pair.server_address(), kPort}, pair.now());
    if (!c) return std::nullopt;
    Opening opening{pair, listener, *c, std::nullopt};
    if (!pair.run_until(std::ref(opening), Duration::seconds(10))) return std::nullopt;
    server = *opening.server;
    return *c;
}

int handshakes(std::uint64_t n) {
    StackPair pair;
    stack::Stack& client = pair.client();
    stack::Stack& server = pair.server();
    const auto listener = server.listen({pair.server_address(), kPort}, 128);
    if (!listener) return 1;
    stack::ConnId c{};
    stack::ConnId s{};
    std::uint8_t buf[64];
    bool server_closed = false;
    const std::function<bool()> closed_down = [&] {
        if (!server_closed) {
            const auto r = server.recv(s, buf);
            if (r && *r == 0) {
                (void)server.close(s);
                server_closed = true;
            }
        }
        return server_closed && server.connection_count() == 0 &&
               client.state(c) == tcp::State::TimeWait;
    };
    const std::function<bool()> time_wait_over = [&] { return client.connection_count() == 0; };
    int in_batch = 0;
    const std::uint64_t allocs_before = allocation_count();
    for (std::uint64_t i = 0; i < n; ++i) {
        const auto opened = open_connection(pair, *listener, s);
        if (!opened) return 1;
        c = *opened;
        server_closed = false;
        (void)client.close(c);
        if (!pair.run_until(closed_down, Duration::seconds(600))) return 1;
        if (++in_batch == kTimeWaitBatch) {
            if (!pair.run_until(time_wait_over, Duration::seconds(600))) return 1;
            in_batch = 0;
        }
    }
    const std::uint64_t allocs = allocation_count() - allocs_before;
    std::printf("handshakes %llu allocations %llu (%.4f per cycle)\n",
                static_cast<unsigned long long>(n), static_cast<unsigned long long>(allocs),
                n == 0 ? 0.0 : static_cast<double>(allocs) / static_cast<double>(n));
    return 0;
}

int bulk(std::uint64_t n) {
    for (std::uint64_t i = 0; i < n; ++i) {
        StackPair pair;
        BulkApps b;
        const auto listener = pair.server().listen({pair.server_address(), kPort}, 8);
        if (!listener) return 1;
        stack::ConnId server{};
        const auto client = open_connection(pair, *listener, server);
        if (!client) return 1;
        const std::function<bool()> done = [&] {
            while (!b.client_closed && b.sent < b.total) {
                const auto k = pair.client().send(*client, b.next_chunk(kAppBuffer));
                if (!k || *k == 0) break;
                b.sent += *k;
            }
            if (!b.client_closed && b.sent == b.total) {
                b.client_closed = true;
                if (!pair.client().close(*client)) b.failed = true;
            }
            while (!b.server_eof) {
                const auto r = pair.server().recv(server, b.rx);
                if (!r) break;
                if (*r == 0) {
                    b.server_eof = true;
                    if (!pair.server().close(server)) b.failed = true;
                }
                b.received += *r;
            }
            return b.server_eof || b.failed;
        };
        if (!pair.run_until(done, Duration::seconds(3600)) || b.failed || b.received != kBulkBytes)
            return 1;
    }
    std::printf("bulk %llu x %llu bytes\n", static_cast<unsigned long long>(n),
                static_cast<unsigned long long>(kBulkBytes));
    return 0;
}

}  // namespace
}  // namespace ustack::bench

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: stack_cycles handshake|bulk N\n");
        return 2;
    }
    const std::uint64_t n = std::strtoull(argv[2], nullptr, 10);
    if (std::strcmp(argv[1], "handshake") == 0) return ustack::bench::handshakes(n);
    if (std::strcmp(argv[1], "bulk") == 0) return ustack::bench::bulk(n);
    std::fprintf(stderr, "usage: stack_cycles handshake|bulk N\n");
    return 2;
}
