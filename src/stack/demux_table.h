// DemuxTable: the Stack's TCP demux, 4-tuple -> connection slot index, as one open-addressing
// table (linear probing, backward-shift deletion, no tombstones) under a keyed hash: a lookup is
// a hash of a few fixed words and a probe of adjacent entries, with no node to chase and no
// allocation once the table has grown to the connections it holds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/siphash.h"
#include "wire/ip_address.h"

namespace ustack::stack {

// A connection's addresses and ports, ours first.
struct FourTuple {
    wire::IpAddress local;
    std::uint16_t local_port = 0;
    wire::IpAddress remote;
    std::uint16_t remote_port = 0;
    bool operator==(const FourTuple&) const = default;
};

class DemuxTable {
  public:
    // Keyed (SipHash-1-3, as hash tables use it) so a peer cannot choose 4-tuples that collide.
    explicit DemuxTable(const SipHashKey& key);

    // The keyed hash of a tuple: what find, insert and erase take, so a caller that keeps it (the
    // Stack keeps each connection's) hashes a tuple once.
    std::uint64_t hash(const FourTuple& t) const;

    // The value of `t`, or nullopt; h = hash(t).
    std::optional<std::uint32_t> find(const FourTuple& t, std::uint64_t h) const;
    std::optional<std::uint32_t> find(const FourTuple& t) const { return find(t, hash(t)); }
    bool contains(const FourTuple& t) const { return find(t).has_value(); }
    // Adds t -> value; t must not be in the table yet; h = hash(t). Allocates only to grow
    // (doubling, at half full), so amortized O(1).
    void insert(const FourTuple& t, std::uint64_t h, std::uint32_t value);
    // Removes `t`; false if it was not there. h = hash(t). Never allocates or shrinks.
    bool erase(const FourTuple& t, std::uint64_t h);

    std::size_t size() const { return size_; }
    // Entries allocated (a power of two, at least twice size()).
    std::size_t capacity() const { return entries_.size(); }

  private:
    static constexpr std::uint32_t kEmpty = UINT32_MAX;  // the value of an unused entry
    struct Entry {
        std::uint64_t hash = 0;
        std::uint32_t value = kEmpty;
        FourTuple key;
    };

    void grow();
    std::size_t home(std::uint64_t h) const { return static_cast<std::size_t>(h) & mask_; }

    SipHashKey key_;
    std::vector<Entry> entries_;  // entries_.size() is a power of two
    std::size_t mask_ = 0;        // entries_.size() - 1
    std::size_t size_ = 0;        // used entries; 2 * size_ <= entries_.size()
};

}  // namespace ustack::stack
