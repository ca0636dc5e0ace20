// The workloads stack_bench runs on both stacks, defined once so the figures divide: the sizes,
// and the counters bench/compare.sh reads (the same names for ustack's and lwIP's cases).
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/bytes.h"

namespace ustack::bench {

// (a) Bulk: one connection moves kBulkBytes client -> server at MTU 1500, the sender writing
// from a kAppBuffer-byte buffer, the receiver copying every byte out into another.
constexpr std::uint64_t kBulkBytes = 64 << 20;
constexpr std::size_t kAppBuffer = 64 * 1024;
constexpr std::size_t kMtu = 1500;
// The server's port in both benches.
constexpr std::uint16_t kPort = 5001;

// The two applications of one bulk connection, as far as both benches share them: what they
// have done and their buffers. Each bench adds its stack's handles and callbacks.
struct BulkApps {
    std::uint64_t total = kBulkBytes;
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
    bool client_closed = false;
    bool server_eof = false;
    bool failed = false;
    std::vector<std::uint8_t> tx = std::vector<std::uint8_t>(kAppBuffer, 0x5a);
    std::vector<std::uint8_t> rx = std::vector<std::uint8_t>(kAppBuffer);

    // The sender's next piece of tx: at most `limit` bytes of what is left, wrapping at the
    // buffer's end.
    Bytes next_chunk(std::uint64_t limit) const {
        const auto at = static_cast<std::size_t>(sent % kAppBuffer);
        const auto n = static_cast<std::size_t>(std::min({total - sent, limit, kAppBuffer - at}));
        return Bytes(tx).subspan(at, n);
    }
};

// Gbit/s, data segments/s and ACK segments/s, per CPU second of the timed part.
inline void set_bulk_counters(benchmark::State& state, std::uint64_t bytes,
                              std::uint64_t data_segments, std::uint64_t ack_segments) {
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
    state.counters["Gbit"] =
        benchmark::Counter(static_cast<double>(bytes) * 8 / 1e9, benchmark::Counter::kIsRate);
    state.counters["segments"] =
        benchmark::Counter(static_cast<double>(data_segments), benchmark::Counter::kIsRate);
    state.counters["acks"] =
        benchmark::Counter(static_cast<double>(ack_segments), benchmark::Counter::kIsRate);
}

// (b) Handshake + data-less close + TIME-WAIT: connections per CPU second. The client closes
// first, so its end waits in TIME-WAIT; kTimeWaitBatch connections are made before the virtual
// clock moves past TIME-WAIT and frees them all, so both stacks hold up to kTimeWaitBatch
// connections in TIME-WAIT while new ones are made (lwIP's timers only move in ticks, which
// would cost it far more per connection than TIME-WAIT does, were the clock moved each time).
constexpr int kTimeWaitBatch = 1024;

// Connections per CPU second, and the segments each cycle put on the link (both directions).
inline void set_connection_counters(benchmark::State& state, std::uint64_t connections,
                                    std::uint64_t segments) {
    state.counters["connections"] =
        benchmark::Counter(static_cast<double>(connections), benchmark::Counter::kIsRate);
    state.counters["segments_per_connection"] =
        connections == 0 ? 0.0 : static_cast<double>(segments) / static_cast<double>(connections);
}

}  // namespace ustack::bench
