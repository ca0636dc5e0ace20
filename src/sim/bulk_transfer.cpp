#include "sim/bulk_transfer.h"

#include <algorithm>

#include "tcp/connection.h"

namespace ustack::sim {

namespace {

constexpr std::size_t kChunk = 64 * 1024;
// queue_cwnds never holds the send ring below this (the smallest buffer RunConfig sizes).
constexpr std::size_t kMinQueue = 256 * 1024;

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

}  // namespace

std::uint8_t pattern_byte(std::uint64_t seed, std::uint64_t offset) {
    const std::uint64_t block = splitmix64(seed * 0x100000001b3ull + offset / 8);
    return static_cast<std::uint8_t>(block >> (8 * (offset % 8)));
}

void pattern_fill(std::uint64_t seed, std::uint64_t offset, MutBytes out) {
    std::size_t i = 0;
    while (i < out.size()) {
        const std::uint64_t at = offset + i;
        const std::uint64_t block = splitmix64(seed * 0x100000001b3ull + at / 8);
        for (std::uint64_t b = at % 8; b < 8 && i < out.size(); ++b, ++i)
            out[i] = static_cast<std::uint8_t>(block >> (8 * b));
    }
}

BulkTransfer::BulkTransfer(World& world, const BulkConfig& config)
    : world_(world),
      config_(config),
      chunk_(kChunk),
      rx_buf_(kChunk),
      expected_(config.verify ? kChunk : 0) {
    world_.client().add_event_handler([this](const stack::Event& e, Instant) { on_client(e); });
    world_.server().add_event_handler([this](const stack::Event& e, Instant) { on_server(e); });
}

bool BulkTransfer::start() {
    const stack::Endpoint server{world_.server_address(), config_.port};
    const auto l = world_.server().stack().listen(server, 16);
    if (!l) return false;
    listener_ = *l;
    const auto c = world_.client().stack().connect(server, world_.now());
    if (!c) return false;
    client_conn_ = *c;
    return true;
}

void BulkTransfer::fill(std::uint64_t offset, std::size_t len) {
    // Unverified (bench) runs fill the chunk once and send it over and over: generating the
    // pattern costs more than moving the bytes through both stacks, and nobody checks them.
    if (config_.verify || !chunk_filled_) {
        pattern_fill(config_.pattern_seed, offset,
                     MutBytes(chunk_.data(), config_.verify ? len : chunk_.size()));
        chunk_filled_ = true;
    }
    chunk_at_ = offset;
    chunk_len_ = len;
}

void BulkTransfer::pump_send() {
    stack::Stack& s = world_.client().stack();
    while (!client_released_ && sent_ < config_.bytes) {
        if (sent_ >= chunk_at_ + chunk_len_) {
            fill(sent_,
                 static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, config_.bytes - sent_)));
        }
        const std::size_t skip = static_cast<std::size_t>(sent_ - chunk_at_);
        std::size_t len = chunk_len_ - skip;
        if (config_.queue_cwnds != 0) {
            const tcp::Connection* c = s.connection(*client_conn_);
            if (c == nullptr) return;
            const std::size_t cap =
                std::max<std::size_t>(kMinQueue, std::size_t{config_.queue_cwnds} * c->cwnd());
            if (c->send_queue() >= cap) return;
            len = std::min(len, cap - c->send_queue());
        }
        const auto n = s.send(*client_conn_, Bytes(chunk_.data() + skip, len));
        if (!n || *n == 0) return;  // WouldBlock: wait for Writable
        sent_ += *n;
    }
    if (!client_released_ && sent_ == config_.bytes) {
        client_released_ = true;
        (void)s.close(*client_conn_);  // FIN after the queued data
    }
}

void BulkTransfer::stop() {
    if (client_released_ || !client_conn_) return;
    config_.bytes = sent_;
    pump_send();
}

void BulkTransfer::drain_receive() {
    stack::Stack& s = world_.server().stack();
    while (server_conn_ && !server_released_) {
        const auto n = s.recv(*server_conn_, rx_buf_);
        if (!n) return;
        if (*n == 0) {
            server_eof_ = true;
            server_released_ = true;
            (void)s.close(*server_conn_);
            return;
        }
        if (config_.verify && !first_mismatch_) {
            pattern_fill(config_.pattern_seed, received_, MutBytes(expected_.data(), *n));
            const auto diff =
                std::mismatch(rx_buf_.begin(), rx_buf_.begin() + *n, expected_.begin());
            if (diff.first != rx_buf_.begin() + *n)
                first_mismatch_ =
                    received_ + static_cast<std::uint64_t>(diff.first - rx_buf_.begin());
        }
        received_ += *n;
    }
}

void BulkTransfer::on_client(const stack::Event& e) {
    if (!client_conn_ || e.conn() == nullptr || *e.conn() != *client_conn_) return;
    switch (e.kind) {
        case stack::EventKind::Connected:
        case stack::EventKind::Writable:
            pump_send();
            break;
        case stack::EventKind::Closed:
            if (e.error) client_error_ = e.error;
            if (!client_released_) {
                client_released_ = true;
                (void)world_.client().stack().close(*client_conn_);
            }
            break;
        default:
            break;
    }
}

void BulkTransfer::on_server(const stack::Event& e) {
    if (e.kind == stack::EventKind::Acceptable) {
        if (!listener_ || server_conn_ || e.listener() == nullptr || *e.listener() != *listener_)
            return;
        if (const auto c = world_.server().stack().accept(*listener_)) server_conn_ = *c;
        drain_receive();
        return;
    }
    if (!server_conn_ || e.conn() == nullptr || *e.conn() != *server_conn_) return;
    switch (e.kind) {
        case stack::EventKind::Readable:
        case stack::EventKind::PeerFin:
            drain_receive();
            break;
        case stack::EventKind::Closed:
            if (e.error) server_error_ = e.error;
            if (!server_released_) {
                server_released_ = true;
                (void)world_.server().stack().close(*server_conn_);
            }
            break;
        default:
            break;
    }
}

}  // namespace ustack::sim
