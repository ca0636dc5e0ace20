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
    : config_(config),
      chunk_(kChunk),
      rx_buf_(kChunk),
      expected_(config.verify ? kChunk : 0),
      pair_(world, config.port,
            {.client_writable = [this](Instant) { pump_send(); },
             .client_readable = {},
             .server_readable = [this](Instant) { drain_receive(); },
             .server_writable = {}}) {}

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
    stack::Stack& s = pair_.client_stack();
    while (!pair_.client_released() && sent_ < config_.bytes) {
        if (sent_ >= chunk_at_ + chunk_len_) {
            fill(sent_,
                 static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, config_.bytes - sent_)));
        }
        const std::size_t skip = static_cast<std::size_t>(sent_ - chunk_at_);
        std::size_t len = chunk_len_ - skip;
        if (config_.queue_cwnds != 0) {
            const tcp::Connection* c = s.connection(*pair_.client());
            if (c == nullptr) return;
            const std::size_t cap =
                std::max<std::size_t>(kMinQueue, std::size_t{config_.queue_cwnds} * c->cwnd());
            if (c->send_queue() >= cap) return;
            len = std::min(len, cap - c->send_queue());
        }
        const auto n = s.send(*pair_.client(), Bytes(chunk_.data() + skip, len));
        if (!n || *n == 0) return;  // WouldBlock: wait for Writable
        sent_ += *n;
    }
    if (sent_ == config_.bytes) pair_.release_client();  // FIN after the queued data
}

void BulkTransfer::stop() {
    if (pair_.client_released() || !pair_.client()) return;
    config_.bytes = sent_;
    pump_send();
}

void BulkTransfer::drain_receive() {
    stack::Stack& s = pair_.server_stack();
    while (pair_.server() && !pair_.server_released()) {
        const auto n = s.recv(*pair_.server(), rx_buf_);
        if (!n) return;
        if (*n == 0) {
            server_eof_ = true;
            pair_.release_server();
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

}  // namespace ustack::sim
