// lwip_bench: the lwIP baseline beside stack_bench's ustack cases, on the workloads of workload.h
// — (a) one connection moves kBulkBytes client -> server at MTU 1500 (64 KiB window, lwIP's
// packaged TCP_WND), the sender writing from a kAppBuffer-byte buffer, the receiver copying every
// byte out into another; (b) handshake + data-less three-packet close + TIME-WAIT expiry per
// connection. Raw TCP API over LwipPair's in-memory link; the counters are ustack's (workload.h).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include "lwip_pair.h"
#include "workload.h"

extern "C" {
#include <lwip/tcp.h>
}

namespace ustack::bench {
namespace {

// The sending and receiving applications of one bulk connection.
struct Bulk : BulkApps {
    bool started = false;  // the timed part has begun: the connected callback does not send
    bool connected = false;
    tcp_pcb* client = nullptr;
    tcp_pcb* server = nullptr;
};

// Queues as much as lwIP's send buffer takes (copied in, as ustack's send copies into its ring),
// then a FIN once everything is queued.
void pump(Bulk& b) {
    if (b.client_closed || !b.connected || !b.started) return;
    while (b.sent < b.total) {
        const Bytes chunk = b.next_chunk(std::min<std::uint64_t>(tcp_sndbuf(b.client), 0xffffu));
        if (chunk.empty()) break;
        if (tcp_write(b.client, chunk.data(), static_cast<u16_t>(chunk.size()),
                      TCP_WRITE_FLAG_COPY) != ERR_OK)
            break;  // ERR_MEM: the segment queue is full until the next ACK
        b.sent += chunk.size();
    }
    tcp_output(b.client);
    if (b.sent == b.total) {
        tcp_sent(b.client, nullptr);
        tcp_arg(b.client, nullptr);
        b.client_closed = true;
        if (tcp_close(b.client) != ERR_OK) b.failed = true;
    }
}

err_t bulk_sent(void* arg, tcp_pcb*, u16_t) {
    pump(*static_cast<Bulk*>(arg));
    return ERR_OK;
}

err_t bulk_connected(void* arg, tcp_pcb*, err_t) {
    auto& b = *static_cast<Bulk*>(arg);
    b.connected = true;
    pump(b);
    return ERR_OK;
}

void bulk_error(void* arg, err_t) {
    if (arg != nullptr) static_cast<Bulk*>(arg)->failed = true;
}

err_t bulk_recv(void* arg, tcp_pcb* pcb, pbuf* p, err_t) {
    auto& b = *static_cast<Bulk*>(arg);
    if (p == nullptr) {  // the peer's FIN: end of stream
        b.server_eof = true;
        tcp_recv(pcb, nullptr);
        tcp_arg(pcb, nullptr);
        if (tcp_close(pcb) != ERR_OK) b.failed = true;
        return ERR_OK;
    }
    const u16_t len = p->tot_len;
    for (u16_t off = 0; off < len;) {  // the application reads every byte
        const u16_t n = static_cast<u16_t>(std::min<std::size_t>(len - off, kAppBuffer));
        off = static_cast<u16_t>(off + pbuf_copy_partial(p, b.rx.data(), n, off));
    }
    b.received += len;
    tcp_recved(pcb, len);
    pbuf_free(p);
    return ERR_OK;
}

err_t bulk_accept(void* arg, tcp_pcb* pcb, err_t err) {
    if (err != ERR_OK || pcb == nullptr) return ERR_VAL;
    auto& b = *static_cast<Bulk*>(arg);
    b.server = pcb;
    tcp_arg(pcb, &b);
    tcp_recv(pcb, bulk_recv);
    tcp_err(pcb, bulk_error);
    return ERR_OK;
}

tcp_pcb* listen_on(LwipPair& pair, void* arg, tcp_accept_fn on_accept) {
    tcp_pcb* l = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (l == nullptr) return nullptr;
    tcp_bind_netif(l, pair.server_netif());
    if (tcp_bind(l, &pair.server_address(), kPort) != ERR_OK) {
        tcp_abort(l);
        return nullptr;
    }
    tcp_pcb* listener = tcp_listen_with_backlog(l, 128);
    if (listener == nullptr) {
        tcp_abort(l);
        return nullptr;
    }
    tcp_arg(listener, arg);
    tcp_accept(listener, on_accept);
    return listener;
}

tcp_pcb* connect_from(LwipPair& pair, void* arg, tcp_connected_fn on_connected) {
    tcp_pcb* c = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (c == nullptr) return nullptr;
    tcp_bind_netif(c, pair.client_netif());
    tcp_arg(c, arg);
    tcp_err(c, bulk_error);
    if (tcp_bind(c, &pair.client_address(), 0) != ERR_OK ||
        tcp_connect(c, &pair.server_address(), kPort, on_connected) != ERR_OK) {
        tcp_abort(c);
        return nullptr;
    }
    return c;
}

// lwIP's TIME-WAIT is 2 * TCP_MSL = 120 s; the clock moves a little past it to free the pcbs.
constexpr std::uint32_t kPastTimeWaitMs = 121 * 1000;

void BM_LwipBulkTransfer(benchmark::State& state) {
    const std::uint64_t bytes = kBulkBytes;
    std::uint64_t total_bytes = 0;
    std::uint64_t data_segments = 0;
    std::uint64_t ack_segments = 0;
    for (auto _ : state) {
        state.PauseTiming();
        LwipPair pair;
        Bulk b;
        tcp_pcb* listener = listen_on(pair, &b, bulk_accept);
        b.client = listener ? connect_from(pair, &b, bulk_connected) : nullptr;
        if (b.client == nullptr) {
            state.SkipWithError("lwIP listen or connect failed");
            return;
        }
        tcp_sent(b.client, bulk_sent);
        // The handshake is not part of the transfer.
        if (!pair.run_until([&] { return b.connected && b.server; }, 10000)) {
            state.SkipWithError("lwIP handshake failed");
            return;
        }
        const auto segs_before = pair.frames_to_server();
        const auto acks_before = pair.frames_to_client();
        state.ResumeTiming();

        b.started = true;
        pump(b);
        const bool ok = pair.run_until([&] { return b.server_eof || b.failed; }, 3600 * 1000);

        state.PauseTiming();
        if (!ok || b.failed || b.received != bytes) {
            state.SkipWithError("the lwIP transfer did not complete");
            return;
        }
        total_bytes += bytes;
        data_segments += pair.frames_to_server() - segs_before;
        ack_segments += pair.frames_to_client() - acks_before;
        pair.drain();  // the last ACKs
        tcp_close(listener);
        pair.advance(kPastTimeWaitMs);  // the client's TIME-WAIT pcb goes before the next round
        state.ResumeTiming();
    }
    set_bulk_counters(state, total_bytes, data_segments, ack_segments);
}
BENCHMARK(BM_LwipBulkTransfer)->Unit(benchmark::kMillisecond);

// One connection of the handshake bench: the server reads the end of stream and closes.
struct Cycle {
    tcp_pcb* client = nullptr;
    tcp_pcb* server = nullptr;
    bool connected = false;
    bool server_closed = false;
    bool failed = false;
};

void cycle_error(void* arg, err_t) {
    if (arg != nullptr) static_cast<Cycle*>(arg)->failed = true;
}

err_t cycle_recv(void* arg, tcp_pcb* pcb, pbuf* p, err_t) {
    auto& c = *static_cast<Cycle*>(arg);
    if (p != nullptr) {
        tcp_recved(pcb, p->tot_len);
        pbuf_free(p);
        return ERR_OK;
    }
    tcp_recv(pcb, nullptr);
    tcp_arg(pcb, nullptr);
    c.server_closed = true;
    if (tcp_close(pcb) != ERR_OK) c.failed = true;
    return ERR_OK;
}

err_t cycle_accept(void* arg, tcp_pcb* pcb, err_t err) {
    if (err != ERR_OK || pcb == nullptr) return ERR_VAL;
    auto& c = *static_cast<Cycle*>(arg);
    c.server = pcb;
    tcp_arg(pcb, &c);
    tcp_recv(pcb, cycle_recv);
    tcp_err(pcb, cycle_error);
    return ERR_OK;
}

err_t cycle_connected(void* arg, tcp_pcb*, err_t) {
    static_cast<Cycle*>(arg)->connected = true;
    return ERR_OK;
}

// Per iteration, as BM_HandshakeAndClose: connect, accept, the client closes, the server reads the
// end of stream and closes (FIN, FIN+ACK, ACK). TIME-WAIT expiry is included and batched as in
// BM_HandshakeAndClose: after every kTimeWaitBatch connections the clock moves 121 s in lwIP's
// 250 ms ticks (its cyclic timers do not catch up after a jump), which frees the batch's
// TIME-WAIT pcbs — cheaper for lwIP than one walk of the timers per connection.
void BM_LwipHandshakeAndClose(benchmark::State& state) {
    LwipPair pair;
    Cycle c;
    tcp_pcb* listener = listen_on(pair, &c, cycle_accept);
    if (listener == nullptr) {
        state.SkipWithError("lwIP listen failed");
        return;
    }
    std::uint64_t cycles = 0;
    int in_batch = 0;
    const std::uint64_t frames_before = pair.frames_to_server() + pair.frames_to_client();
    for (auto _ : state) {
        c = Cycle{};
        c.client = connect_from(pair, &c, cycle_connected);
        if (c.client == nullptr) {
            state.SkipWithError("lwIP connect failed");
            return;
        }
        tcp_err(c.client, cycle_error);
        if (!pair.run_until([&] { return (c.connected && c.server) || c.failed; }, 10000) ||
            c.failed) {
            state.SkipWithError("lwIP: no handshake");
            return;
        }
        tcp_arg(c.client, nullptr);
        tcp_err(c.client, nullptr);
        if (tcp_close(c.client) != ERR_OK) {
            state.SkipWithError("lwIP close failed");
            return;
        }
        // Done when the server has closed and the link has carried the last ACK.
        pair.drain();
        if (c.failed || !c.server_closed) {
            state.SkipWithError("lwIP: the connections did not end");
            return;
        }
        if (++in_batch == kTimeWaitBatch) {
            pair.advance(kPastTimeWaitMs);
            in_batch = 0;
        }
        ++cycles;
    }
    const std::uint64_t frames = pair.frames_to_server() + pair.frames_to_client() - frames_before;
    pair.advance(kPastTimeWaitMs);
    tcp_close(listener);
    set_connection_counters(state, cycles, frames);
}
BENCHMARK(BM_LwipHandshakeAndClose);

}  // namespace
}  // namespace ustack::bench
