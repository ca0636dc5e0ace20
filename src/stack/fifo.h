// Fifo: a first-in first-out queue in one vector (a head index over it, compacted as the head
// passes the middle), so a queue that fills and drains over and over reuses its storage and does
// not allocate once it has grown to its longest length; std::deque frees and allocates a block
// every so many elements as it moves along.
#pragma once

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <vector>

namespace ustack::stack {

template <class T>
class Fifo {
  public:
    bool empty() const { return head_ == items_.size(); }
    std::size_t size() const { return items_.size() - head_; }

    // The oldest element. Precondition: !empty().
    const T& front() const { return items_[head_]; }
    void push_back(const T& v) { items_.push_back(v); }
    // Removes the oldest element. Precondition: !empty(). Amortized O(1).
    void pop_front() {
        ++head_;
        if (head_ == items_.size()) {
            clear();
        } else if (2 * head_ >= items_.size()) {
            items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
            head_ = 0;
        }
    }
    // Removes the first element equal to v; false if there is none. O(size()).
    bool remove(const T& v) {
        const auto it = std::find(begin(), end(), v);
        if (it == end()) return false;
        items_.erase(it);
        if (empty()) clear();
        return true;
    }
    // Keeps the storage.
    void clear() {
        items_.clear();
        head_ = 0;
    }

    // Oldest first.
    typename std::vector<T>::const_iterator begin() const {
        return items_.begin() + static_cast<std::ptrdiff_t>(head_);
    }
    typename std::vector<T>::const_iterator end() const { return items_.end(); }

  private:
    std::vector<T> items_;  // [head_, size) are the queue, oldest first
    std::size_t head_ = 0;  // <= items_.size()
};

}  // namespace ustack::stack
