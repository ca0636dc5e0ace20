// BulkTransfer: an application pair on a World that moves N bytes from the client to the server
// (a seeded, non-repeating pattern), checks every byte on arrival, and closes in order.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "base/errc.h"
#include "base/time.h"
#include "sim/connection_pair.h"
#include "sim/world.h"
#include "stack/handles.h"

namespace ustack::sim {

struct BulkConfig {
    std::uint64_t bytes = 10 * 1000 * 1000;
    std::uint16_t port = 5001;
    std::uint64_t pattern_seed = 1;  // the data: byte i of the stream is pattern_byte(seed, i)
    // Check every byte received. When false (a bench), the first 64 KiB of the pattern repeats
    // instead, as nobody checks it.
    bool verify = true;
    // When non-zero, the client keeps at most max(256 KiB, this x cwnd) bytes queued in the send
    // ring (as Linux sizes its send buffer from cwnd), so stop() leaves little to drain; the
    // World's client poll hook must then call pump() (no Writable event comes while the ring
    // has room).
    std::uint32_t queue_cwnds = 0;
};

// The byte at `offset` of the pattern stream: 8-byte blocks of SplitMix64 over the block index,
// so the stream never repeats and any byte is computed without the rest.
std::uint8_t pattern_byte(std::uint64_t seed, std::uint64_t offset);
// Writes the pattern bytes [offset, offset + out.size()) to `out`.
void pattern_fill(std::uint64_t seed, std::uint64_t offset, MutBytes out);

// The server listens and the client connects when start() is called; the client writes the
// whole stream as fast as TCP takes it, then closes; the server reads until the end of stream,
// checking each byte, then closes. Event handlers on the World's hosts do all of it (a
// ConnectionPair's: they stay registered for the World's life). Several BulkTransfers may share a
// World when their ports differ: each accepts only from its own listener. Nothing is allocated
// per segment.
class BulkTransfer {
  public:
    BulkTransfer(World& world, const BulkConfig& config);
    BulkTransfer(const BulkTransfer&) = delete;
    BulkTransfer& operator=(const BulkTransfer&) = delete;

    // Listen and connect at the World's current time. False when either call failed.
    bool start() { return pair_.start(); }
    // Every byte arrived, the end of stream was read and both sides closed their handles (the
    // connections may still be in TIME-WAIT or LAST-ACK).
    bool done() const { return server_eof_ && pair_.client_released() && pair_.server_released(); }
    // Ends the stream where it is now: no more bytes are queued, and the client closes once the
    // bytes already accepted by send() are sent (a run of fixed duration ends its flows so).
    void stop();
    // Writes what the send ring (and queue_cwnds) allows now.
    void pump() {
        if (pair_.client()) pump_send();
    }

    std::uint64_t sent() const { return sent_; }
    std::uint64_t received() const { return received_; }
    // The first offset whose byte differed from the pattern, if any.
    std::optional<std::uint64_t> first_mismatch() const { return first_mismatch_; }
    std::optional<Errc> client_error() const { return pair_.client_error(); }
    std::optional<Errc> server_error() const { return pair_.server_error(); }
    std::optional<stack::ConnId> client_connection() const { return pair_.client(); }
    std::optional<stack::ConnId> server_connection() const { return pair_.server(); }
    // The server has read the end of the stream.
    bool server_eof() const { return server_eof_; }

  private:
    void pump_send();
    void drain_receive();
    void fill(std::uint64_t offset, std::size_t len);

    BulkConfig config_;
    std::vector<std::uint8_t> chunk_;  // the next bytes to send: chunk_[0] is offset chunk_at_
    std::uint64_t chunk_at_ = 0;
    std::size_t chunk_len_ = 0;
    bool chunk_filled_ = false;  // verify off: chunk_ holds the pattern's first 64 KiB
    std::vector<std::uint8_t> rx_buf_;
    std::vector<std::uint8_t> expected_;  // the pattern for what rx_buf_ holds (verify only)
    std::uint64_t sent_ = 0;              // bytes send() accepted; <= config_.bytes
    std::uint64_t received_ = 0;          // bytes recv() returned
    std::optional<std::uint64_t> first_mismatch_;
    bool server_eof_ = false;
    ConnectionPair pair_;  // last: its handlers use the members above
};

}  // namespace ustack::sim
