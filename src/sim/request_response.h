// RequestResponse: the echo and request/response workloads on a World — the client writes
// (a seeded pattern), the server answers, and both check every byte they read.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/errc.h"
#include "base/time.h"
#include "sim/connection_pair.h"
#include "sim/world.h"
#include "stack/handles.h"

namespace ustack::sim {

struct RequestResponseConfig {
    // Echo: the client streams `request_bytes` once; the server writes back every byte it reads
    // as soon as it reads it; the client checks that what comes back is what it sent.
    // Otherwise: `count` transactions; the client writes a request of request_bytes, the server
    // reads all of it and writes response_bytes, the client reads all of it, then the next.
    bool echo = false;
    std::uint64_t request_bytes = 100;
    std::uint64_t response_bytes = 1000;
    std::uint64_t count = 1;
    std::uint16_t port = 7;
    std::uint64_t pattern_seed = 1;  // requests use this seed, responses seed + 1
};

// The server listens and the client connects at start(). When the client has everything it
// waited for it closes; the server closes when it reads the end of the stream.
class RequestResponse {
  public:
    RequestResponse(World& world, const RequestResponseConfig& config);
    RequestResponse(const RequestResponse&) = delete;
    RequestResponse& operator=(const RequestResponse&) = delete;

    bool start() { return pair_.start(); }
    // Both applications are finished with their connections (which may be in TIME-WAIT).
    bool done() const { return pair_.client_released() && pair_.server_released(); }

    // Bytes the client wrote and read back / the server read and wrote.
    std::uint64_t client_sent() const { return c_sent_; }
    std::uint64_t client_received() const { return c_recv_; }
    std::uint64_t server_received() const { return s_recv_; }
    std::uint64_t server_sent() const { return s_sent_; }
    // What each side should have read, and whether every byte it read was right.
    std::uint64_t expected_at_server() const;
    std::uint64_t expected_at_client() const;
    bool data_intact() const { return !mismatch_; }
    std::uint64_t transactions() const { return transactions_; }
    // Request written (first byte) to response read (last byte), per transaction.
    const std::vector<Duration>& latencies() const { return latencies_; }
    std::optional<Errc> client_error() const { return pair_.client_error(); }
    std::optional<Errc> server_error() const { return pair_.server_error(); }
    std::optional<stack::ConnId> client_connection() const { return pair_.client(); }
    std::optional<stack::ConnId> server_connection() const { return pair_.server(); }
    std::optional<Instant> completed_at() const { return completed_at_; }

  private:
    void client_write(Instant now);
    void client_read(Instant now);
    void server_read();
    void server_write();
    void client_close(Instant now);
    // Checks `data` against the pattern stream `seed` at `offset`.
    void check(std::uint64_t seed, std::uint64_t offset, const std::uint8_t* data, std::size_t n);

    RequestResponseConfig config_;
    std::vector<std::uint8_t> buf_;
    std::vector<std::uint8_t> expect_;
    std::vector<std::uint8_t> echo_backlog_;  // read by the server, not yet written back
    std::size_t echo_backlog_at_ = 0;
    std::uint64_t c_sent_ = 0;
    std::uint64_t c_recv_ = 0;
    std::uint64_t s_recv_ = 0;
    std::uint64_t s_sent_ = 0;
    std::uint64_t s_owed_ = 0;  // response bytes the server has yet to write (rr)
    std::uint64_t transactions_ = 0;
    Instant request_started_;
    std::vector<Duration> latencies_;
    bool mismatch_ = false;
    std::optional<Instant> completed_at_;
    ConnectionPair pair_;  // last: its handlers use the members above
};

}  // namespace ustack::sim
