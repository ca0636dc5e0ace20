// The replacements of the global operator new and delete that count allocations. They live in
// their own translation unit so the compiler never pairs an inlined new with a free(). This is a
// bench binary's instrument, not part of any library: the core keeps no global state.
#include "alloc_counter.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::uint64_t> g_allocations{0};

void* counted_malloc(std::size_t size) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
}  // namespace

namespace ustack::bench {
std::uint64_t allocation_count() {
    return g_allocations.load(std::memory_order_relaxed);
}
}  // namespace ustack::bench

void* operator new(std::size_t size) {
    return counted_malloc(size);
}
void* operator new[](std::size_t size) {
    return counted_malloc(size);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}
