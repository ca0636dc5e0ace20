// ByteQueue: a FIFO of bytes for data the send ring could not take yet (the Reactor's write queue).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/bytes.h"

namespace ustack::sock {

// Contiguous storage with a read offset: front() is every queued byte in one span, so a flush is
// one send() call. Memory grows with the largest backlog and is then reused.
class ByteQueue {
  public:
    // Bytes queued.
    std::size_t size() const { return buf_.size() - head_; }
    bool empty() const { return size() == 0; }
    // Every queued byte, oldest first; valid until the next append() or consume().
    Bytes front() const { return Bytes(buf_.data() + head_, size()); }
    // Queues `data` after what is there.
    void append(Bytes data);
    // Drops the oldest `n` bytes (n <= size()).
    void consume(std::size_t n);
    // Drops everything (keeps the memory).
    void clear();

  private:
    std::vector<std::uint8_t> buf_;  // [head_, size) is the queue
    std::size_t head_ = 0;           // head_ <= buf_.size()
};

}  // namespace ustack::sock
