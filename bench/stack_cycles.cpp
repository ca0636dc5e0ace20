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
#include "connection_cycle.h"
#include "stack/stack.h"
#include "stack_pair.h"
#include "workload.h"

namespace ustack::bench {
namespace {

int handshakes(std::uint64_t n) {
    StackPair pair;
    ConnectionCycle cycle(pair);
    const std::uint64_t allocs_before = allocation_count();
    for (std::uint64_t i = 0; i < n; ++i) {
        if (const char* failed = cycle.run_one()) {
            std::fprintf(stderr, "stack_cycles: %s\n", failed);
            return 1;
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
        const auto client = pair.open_connection(*listener, kPort, server);
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
