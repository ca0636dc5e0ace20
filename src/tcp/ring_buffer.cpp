// A fixed-capacity byte ring for the TCP send and receive buffers.
#include "tcp/ring_buffer.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace ustack::tcp {

RingBuffer::RingBuffer(std::size_t capacity) : capacity_(capacity) {}

std::size_t RingBuffer::enqueue(Bytes data) {
    const std::size_t n = write_at(0, data);
    len_ += n;
    return n;
}

std::size_t RingBuffer::dequeue(MutBytes out) {
    const SpanPair<Bytes> src = peek(0, out.size());
    if (!src.first.empty()) std::memcpy(out.data(), src.first.data(), src.first.size());
    if (!src.second.empty()) {
        std::memcpy(out.data() + src.first.size(), src.second.data(), src.second.size());
    }
    return consume(src.size());
}

SpanPair<Bytes> RingBuffer::peek(std::size_t offset, std::size_t len) const {
    if (offset >= len_) return {};
    len = std::min(len, len_ - offset);
    const std::size_t start = index(offset);
    const std::size_t first = std::min(len, capacity() - start);
    return {Bytes(storage_.get() + start, first), Bytes(storage_.get(), len - first)};
}

SpanPair<MutBytes> RingBuffer::free_spans(std::size_t offset, std::size_t len) {
    if (offset >= free() || len == 0) return {};
    len = std::min(len, free() - offset);
    // The first write allocates the storage (nothing was ever there to keep).
    if (!storage_) storage_ = std::make_unique_for_overwrite<std::uint8_t[]>(capacity_);
    const std::size_t start = index(len_ + offset);
    const std::size_t first = std::min(len, capacity() - start);
    return {MutBytes(storage_.get() + start, first), MutBytes(storage_.get(), len - first)};
}

std::size_t RingBuffer::write_at(std::size_t offset, Bytes data) {
    const SpanPair<MutBytes> dst = free_spans(offset, data.size());
    if (!dst.first.empty()) std::memcpy(dst.first.data(), data.data(), dst.first.size());
    if (!dst.second.empty()) {
        std::memcpy(dst.second.data(), data.data() + dst.first.size(), dst.second.size());
    }
    return dst.size();
}

std::size_t RingBuffer::commit(std::size_t len) {
    len = std::min(len, free());
    len_ += len;
    return len;
}

std::size_t RingBuffer::consume(std::size_t len) {
    len = std::min(len, len_);
    // The head moves even when the ring empties: data placed beyond the committed end by
    // write_at() must stay at its offset.
    head_ = index(len);
    len_ -= len;
    return len;
}

void RingBuffer::clear() {
    head_ = 0;
    len_ = 0;
}

bool RingBuffer::resize(std::size_t new_capacity) {
    if (new_capacity < capacity()) return false;
    if (new_capacity == capacity()) return true;
    if (!storage_) {  // nothing was ever written: the storage comes with the first write
        capacity_ = new_capacity;
        head_ = 0;
        return true;
    }
    // Linearize all of the old storage from the front: committed bytes and the free space
    // (which may hold out-of-order data placed by write_at) keep their offsets.
    auto bigger = std::make_unique_for_overwrite<std::uint8_t[]>(new_capacity);
    if (capacity() > 0) {
        const std::size_t tail = capacity() - head_;
        std::memcpy(bigger.get(), storage_.get() + head_, tail);
        std::memcpy(bigger.get() + tail, storage_.get(), head_);
    }
    storage_ = std::move(bigger);
    capacity_ = new_capacity;
    head_ = 0;
    return true;
}

}  // namespace ustack::tcp
