// A fixed-capacity byte ring for the TCP send and receive buffers (RFC 9293 §3.3.1, §3.10.7.4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

#include "base/bytes.h"

namespace ustack::tcp {

// Up to two contiguous pieces of the ring, in order; `second` is empty unless the range wraps.
template <typename Span>
struct SpanPair {
    Span first;
    Span second;

    std::size_t size() const { return first.size() + second.size(); }
    bool empty() const { return size() == 0; }
};

// A byte ring of fixed capacity, allocated at the first write (or in resize() once written); no
// other operation allocates, and a ring never written to (the rings of a connection that carries
// no data) never allocates at all. The ring holds `size()` committed bytes at its front. Beyond
// them lies free space where out-of-order data can be placed with write_at() and later made part of
// the committed bytes with commit(). All offsets are counted from the front for the committed bytes
// (peek, consume) and from the end of the committed bytes for the free space (write_at, commit).
//
// Send buffer:    enqueue(app bytes); peek(SEG.SEQ - SND.UNA, len) to build a segment;
//                 consume(acked) when SND.UNA advances.
// Receive buffer: write_at(SEG.SEQ - RCV.NXT, payload); commit(bytes the assembler made
//                 contiguous); dequeue() or peek()+consume() by the reader.
// Every operation clamps to what is there and returns how many bytes it handled.
class RingBuffer {
  public:
    explicit RingBuffer(std::size_t capacity = 0);
    // A moved-from ring is empty with capacity 0.
    RingBuffer(RingBuffer&& other) noexcept { *this = std::move(other); }
    RingBuffer& operator=(RingBuffer&& other) noexcept {
        storage_ = std::move(other.storage_);
        capacity_ = std::exchange(other.capacity_, 0);
        head_ = std::exchange(other.head_, 0);
        len_ = std::exchange(other.len_, 0);
        return *this;
    }

    std::size_t capacity() const { return capacity_; }
    // Committed bytes at the front.
    std::size_t size() const { return len_; }
    // Room after the committed bytes: the receive window this buffer can still offer.
    std::size_t free() const { return capacity() - len_; }
    bool empty() const { return len_ == 0; }
    bool full() const { return len_ == capacity(); }

    // Copies as much of `data` as fits after the committed bytes and commits it.
    std::size_t enqueue(Bytes data);
    // Copies up to out.size() bytes from the front into `out` and consumes them.
    std::size_t dequeue(MutBytes out);

    // Up to `len` committed bytes starting `offset` bytes after the front, without copying.
    // Empty when offset >= size(). The spans stay valid until the next non-const call.
    SpanPair<Bytes> peek(std::size_t offset, std::size_t len) const;

    // Copies `data` into the free space starting `offset` bytes after the committed end, without
    // committing it. Bytes that would not fit in free() are dropped; returns how many were written
    // (0 when offset >= free()).
    std::size_t write_at(std::size_t offset, Bytes data);
    // The free space from `offset` after the committed end, up to `len` bytes, for callers that
    // fill it in place (e.g. a device reading straight into the ring) before commit().
    SpanPair<MutBytes> free_spans(std::size_t offset, std::size_t len);

    // Makes the first `len` bytes after the committed end part of the committed bytes.
    std::size_t commit(std::size_t len);
    // Drops `len` bytes from the front.
    std::size_t consume(std::size_t len);
    // Drops everything, committed or not.
    void clear();

    // Grows the capacity to new_capacity, keeping the committed bytes and anything written
    // beyond them at the same offsets. Allocates and copies: for buffer auto-tuning, not for the
    // per-segment path. Returns false (and changes nothing) when new_capacity < capacity().
    bool resize(std::size_t new_capacity);

  private:
    // Storage index of the byte `offset` bytes after the front; offset <= capacity().
    std::size_t index(std::size_t offset) const {
        const std::size_t i = head_ + offset;
        return i >= capacity() ? i - capacity() : i;
    }

    // capacity_ bytes, fixed between resize() calls; nullptr until the first free_spans() (and so
    // enqueue() or write_at()) with something to write. Not zero-filled: only bytes written by
    // enqueue()/write_at() (or a caller through free_spans()) are ever read, and clearing 4 x 64
    // KiB for every connection was most of the cost of opening one.
    std::unique_ptr<std::uint8_t[]> storage_;
    std::size_t capacity_ = 0;
    std::size_t head_ = 0;  // index of the front byte; < capacity() unless capacity() == 0
    std::size_t len_ = 0;   // committed bytes; len_ <= capacity()
};

}  // namespace ustack::tcp
