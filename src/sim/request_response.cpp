#include "sim/request_response.h"

#include <algorithm>

#include "sim/bulk_transfer.h"

namespace ustack::sim {

namespace {
constexpr std::size_t kChunk = 64 * 1024;
}  // namespace

RequestResponse::RequestResponse(World& world, const RequestResponseConfig& config)
    : config_(config),
      buf_(kChunk),
      expect_(kChunk),
      pair_(world, config.port,
            {.client_writable = [this](Instant now) { client_write(now); },
             .client_readable = [this](Instant now) { client_read(now); },
             .server_readable = [this](Instant) { server_read(); },
             .server_writable =
                 [this](Instant) {
                     server_write();
                     server_read();
                 }}) {
    if (config_.echo) config_.count = 1;
}

std::uint64_t RequestResponse::expected_at_server() const {
    return config_.request_bytes * config_.count;
}

std::uint64_t RequestResponse::expected_at_client() const {
    return config_.echo ? config_.request_bytes : config_.response_bytes * config_.count;
}

void RequestResponse::check(std::uint64_t seed, std::uint64_t offset, const std::uint8_t* data,
                            std::size_t n) {
    if (mismatch_) return;
    pattern_fill(seed, offset, MutBytes(expect_.data(), n));
    if (!std::equal(data, data + n, expect_.begin())) mismatch_ = true;
}

void RequestResponse::client_write(Instant now) {
    stack::Stack& s = pair_.client_stack();
    // The request in progress runs up to (transactions_ + 1) x request_bytes (echo: all of it).
    const std::uint64_t limit =
        config_.echo ? config_.request_bytes : (transactions_ + 1) * config_.request_bytes;
    while (!pair_.client_released() && transactions_ < config_.count && c_sent_ < limit) {
        if (c_sent_ == transactions_ * config_.request_bytes) request_started_ = now;
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, limit - c_sent_));
        pattern_fill(config_.pattern_seed, c_sent_, MutBytes(buf_.data(), n));
        const auto w = s.send(*pair_.client(), Bytes(buf_.data(), n));
        if (!w || *w == 0) return;
        c_sent_ += *w;
    }
}

void RequestResponse::client_close(Instant now) {
    if (pair_.client_released()) return;
    completed_at_ = now;
    pair_.release_client();
}

void RequestResponse::client_read(Instant now) {
    stack::Stack& s = pair_.client_stack();
    while (!pair_.client_released()) {
        const auto n = s.recv(*pair_.client(), MutBytes(buf_.data(), buf_.size()));
        if (!n) return;
        if (*n == 0) {  // the server ended early
            client_close(now);
            return;
        }
        const std::uint64_t seed = config_.echo ? config_.pattern_seed : config_.pattern_seed + 1;
        check(seed, c_recv_, buf_.data(), *n);
        c_recv_ += *n;
        if (c_recv_ > expected_at_client()) mismatch_ = true;
        if (!config_.echo) {
            while (transactions_ < config_.count &&
                   c_recv_ >= (transactions_ + 1) * config_.response_bytes) {
                ++transactions_;
                latencies_.push_back(now - request_started_);
                if (transactions_ < config_.count) client_write(now);
            }
        } else if (c_recv_ >= config_.request_bytes) {
            transactions_ = 1;
        }
        if (transactions_ >= config_.count) {
            client_close(now);
            return;
        }
    }
}

void RequestResponse::server_write() {
    stack::Stack& s = pair_.server_stack();
    if (config_.echo) {
        while (echo_backlog_at_ < echo_backlog_.size()) {
            const auto w = s.send(*pair_.server(), Bytes(echo_backlog_.data() + echo_backlog_at_,
                                                         echo_backlog_.size() - echo_backlog_at_));
            if (!w || *w == 0) return;
            echo_backlog_at_ += *w;
            s_sent_ += *w;
        }
        echo_backlog_.clear();
        echo_backlog_at_ = 0;
        return;
    }
    while (s_owed_ > 0) {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, s_owed_));
        pattern_fill(config_.pattern_seed + 1, s_sent_, MutBytes(expect_.data(), n));
        const auto w = s.send(*pair_.server(), Bytes(expect_.data(), n));
        if (!w || *w == 0) return;
        s_sent_ += *w;
        s_owed_ -= *w;
    }
}

void RequestResponse::server_read() {
    stack::Stack& s = pair_.server_stack();
    while (pair_.server() && !pair_.server_released()) {
        // Echo: read only when everything read so far has been written back (back-pressure).
        if (config_.echo && !echo_backlog_.empty()) return;
        std::vector<std::uint8_t>& into = config_.echo ? echo_backlog_ : buf_;
        if (config_.echo) into.resize(kChunk);
        const auto n = s.recv(*pair_.server(), MutBytes(into.data(), into.size()));
        if (!n) {
            if (config_.echo) into.clear();
            return;
        }
        if (*n == 0) {
            if (config_.echo) into.clear();
            pair_.release_server();
            return;
        }
        check(config_.pattern_seed, s_recv_, into.data(), *n);
        const std::uint64_t before = s_recv_ / std::max<std::uint64_t>(1, config_.request_bytes);
        s_recv_ += *n;
        if (s_recv_ > expected_at_server()) mismatch_ = true;
        if (config_.echo) {
            into.resize(*n);
            server_write();
        } else {
            const std::uint64_t after = s_recv_ / std::max<std::uint64_t>(1, config_.request_bytes);
            s_owed_ += (after - before) * config_.response_bytes;
            server_write();
        }
    }
}

}  // namespace ustack::sim
