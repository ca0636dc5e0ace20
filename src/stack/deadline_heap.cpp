// DeadlineHeap: an indexed binary min-heap of deadlines.
#include "stack/deadline_heap.h"

namespace ustack::stack {

void DeadlineHeap::set(std::uint32_t index, Instant at) {
    if (at == Instant::never()) {
        remove(index);
        return;
    }
    if (index >= pos_.size()) pos_.resize(std::size_t{index} + 1, kAbsent);
    if (pos_[index] == kAbsent) {
        heap_.emplace_back();
        sift_up(heap_.size() - 1, Entry{at, index});
        return;
    }
    const std::size_t p = pos_[index];
    if (at < heap_[p].at) {
        sift_up(p, Entry{at, index});
    } else {
        sift_down(p, Entry{at, index});
    }
}

void DeadlineHeap::remove(std::uint32_t index) {
    if (contains(index)) erase_at(pos_[index]);
}

void DeadlineHeap::take_due(Instant now, std::vector<std::uint32_t>& out) {
    while (!heap_.empty() && heap_.front().at <= now) {
        out.push_back(heap_.front().index);
        erase_at(0);
    }
}

void DeadlineHeap::place(std::size_t pos, const Entry& e) {
    heap_[pos] = e;
    pos_[e.index] = static_cast<std::uint32_t>(pos);
}

// The entry moving travels in registers and is stored once where it lands: building it in heap_
// and reading it back at once (a narrower store than the load) stalls store forwarding.
void DeadlineHeap::sift_up(std::size_t pos, Entry e) {
    while (pos > 0) {
        const std::size_t parent = (pos - 1) / 2;
        if (!(e.at < heap_[parent].at)) break;
        place(pos, heap_[parent]);
        pos = parent;
    }
    place(pos, e);
}

void DeadlineHeap::sift_down(std::size_t pos, Entry e) {
    const std::size_t n = heap_.size();
    for (;;) {
        std::size_t child = 2 * pos + 1;
        if (child >= n) break;
        if (child + 1 < n && heap_[child + 1].at < heap_[child].at) ++child;
        if (!(heap_[child].at < e.at)) break;
        place(pos, heap_[child]);
        pos = child;
    }
    place(pos, e);
}

void DeadlineHeap::erase_at(std::size_t pos) {
    pos_[heap_[pos].index] = kAbsent;
    const Entry last = heap_.back();
    heap_.pop_back();
    if (pos == heap_.size()) return;  // it was the last entry
    // The last entry fills the hole and moves whichever way restores the order.
    if (pos > 0 && last.at < heap_[(pos - 1) / 2].at) {
        sift_up(pos, last);
    } else {
        sift_down(pos, last);
    }
}

}  // namespace ustack::stack
