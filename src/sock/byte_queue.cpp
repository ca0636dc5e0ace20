#include "sock/byte_queue.h"

#include <algorithm>
#include <iterator>

namespace ustack::sock {

void ByteQueue::append(Bytes data) {
    // Compact before growing, so a queue that drains as fast as it fills stays small.
    if (head_ > 0 && buf_.size() + data.size() > buf_.capacity()) {
        buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
    }
    buf_.insert(buf_.end(), data.begin(), data.end());
}

void ByteQueue::consume(std::size_t n) {
    head_ += std::min(n, size());
    if (head_ == buf_.size()) clear();
}

void ByteQueue::clear() {
    buf_.clear();
    head_ = 0;
}

}  // namespace ustack::sock
