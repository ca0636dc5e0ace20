// DeadlineHeap: the Stack's connection deadlines, one per slot index, earliest first (an indexed
// binary min-heap), so a poll visits only the connections that are due instead of every one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/time.h"

namespace ustack::stack {

class DeadlineHeap {
  public:
    // Gives `index` the deadline `at` (adding it, or moving it); Instant::never() removes it.
    // O(log n).
    void set(std::uint32_t index, Instant at);
    // Removes index's deadline if it has one. O(log n).
    void remove(std::uint32_t index);
    bool contains(std::uint32_t index) const {
        return index < pos_.size() && pos_[index] != kAbsent;
    }
    // index's deadline, Instant::never() when it has none.
    Instant at(std::uint32_t index) const {
        return contains(index) ? heap_[pos_[index]].at : Instant::never();
    }
    // The earliest deadline, Instant::never() when there is none. O(1).
    Instant earliest() const { return heap_.empty() ? Instant::never() : heap_.front().at; }
    std::size_t size() const { return heap_.size(); }
    bool empty() const { return heap_.empty(); }

    // Removes every deadline at or before `now` and appends their indices to `out` (in no
    // particular order). O(k log n) for k due.
    void take_due(Instant now, std::vector<std::uint32_t>& out);

  private:
    static constexpr std::uint32_t kAbsent = UINT32_MAX;
    struct Entry {
        Instant at;
        std::uint32_t index = 0;
    };

    void place(std::size_t pos, const Entry& e);
    // Moves `e`, which belongs at the hole `pos`, up or down to its place.
    void sift_up(std::size_t pos, Entry e);
    void sift_down(std::size_t pos, Entry e);
    void erase_at(std::size_t pos);

    std::vector<Entry> heap_;         // heap_[0] earliest; heap_[(p - 1) / 2].at <= heap_[p].at
    std::vector<std::uint32_t> pos_;  // pos_[index]: where index sits in heap_, or kAbsent
};

}  // namespace ustack::stack
