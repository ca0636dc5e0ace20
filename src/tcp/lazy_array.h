// LazyArray<T, N>: a fixed array of N elements kept on the heap and allocated at the first
// write, so an owner that never writes (a connection that never sees a SACK block or sends a
// retransmission) never pays for N elements: not in its size, its construction or its moves.
#pragma once

#include <array>
#include <cstddef>
#include <memory>

namespace ustack::tcp {

template <class T, std::size_t N>
class LazyArray {
  public:
    LazyArray() = default;
    // Copies hold their own elements (allocated only if the original's are).
    LazyArray(const LazyArray& other)
        : items_(other.items_ ? std::make_unique<std::array<T, N>>(*other.items_) : nullptr) {}
    LazyArray& operator=(const LazyArray& other) {
        if (this != &other) {
            items_ = other.items_ ? std::make_unique<std::array<T, N>>(*other.items_) : nullptr;
        }
        return *this;
    }
    LazyArray(LazyArray&&) noexcept = default;
    LazyArray& operator=(LazyArray&&) noexcept = default;

    static constexpr std::size_t size() { return N; }
    // Whether the elements exist (a non-const access has been made).
    bool allocated() const { return items_ != nullptr; }

    // Non-const access allocates the elements (value-initialized) the first time.
    T& operator[](std::size_t i) { return (*storage())[i]; }
    T* data() { return storage()->data(); }
    T* begin() { return data(); }

    // Const access reads what was written: an element exists only once allocated() (the owner
    // reads only indices it wrote). data() is nullptr before, so [data(), data() + 0) is a valid
    // empty range.
    const T& operator[](std::size_t i) const { return (*items_)[i]; }
    const T* data() const { return items_ ? items_->data() : nullptr; }

  private:
    std::array<T, N>* storage() {
        if (!items_) items_ = std::make_unique<std::array<T, N>>();
        return items_.get();
    }

    std::unique_ptr<std::array<T, N>> items_;  // nullptr until the first non-const access
};

}  // namespace ustack::tcp
