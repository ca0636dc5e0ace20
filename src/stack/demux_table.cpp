// DemuxTable: open addressing with linear probing (Knuth, TAOCP vol. 3, §6.4 algorithm L) and
// deletion by backward shift (algorithm R), so no tombstones pile up under connection churn.
#include "stack/demux_table.h"

#include <array>
#include <span>

#include "base/bytes.h"

namespace ustack::stack {
namespace {

constexpr std::size_t kInitialCapacity = 16;

}  // namespace

DemuxTable::DemuxTable(const SipHashKey& key)
    : key_(key), entries_(kInitialCapacity), mask_(kInitialCapacity - 1) {}

std::uint64_t DemuxTable::hash(const FourTuple& t) const {
    // The ports and the two families in one word; an IPv4 pair's addresses share another, so the
    // common case hashes two words. IPv6 addresses take two words each.
    const std::uint64_t families = (t.local.is_v6() ? 1u : 0u) | (t.remote.is_v6() ? 2u : 0u);
    const std::uint64_t ports =
        (families << 32) | (std::uint64_t{t.local_port} << 16) | t.remote_port;
    const std::array<std::uint64_t, 2> l = load_le_words16(t.local.bytes());
    const std::array<std::uint64_t, 2> r = load_le_words16(t.remote.bytes());
    if (families == 0) {
        const std::array<std::uint64_t, 2> w{(l[0] << 32) | r[0], ports};
        return siphash13_words(key_, w);
    }
    const std::array<std::uint64_t, 5> w{l[0], l[1], r[0], r[1], ports};
    return siphash13_words(key_, w);
}

std::optional<std::uint32_t> DemuxTable::find(const FourTuple& t, std::uint64_t h) const {
    // The load factor stays at or below 1/2, so an empty entry always ends the probe.
    for (std::size_t i = home(h);; i = (i + 1) & mask_) {
        const Entry& e = entries_[i];
        if (e.value == kEmpty) return std::nullopt;
        if (e.hash == h && e.key == t) return e.value;
    }
}

void DemuxTable::insert(const FourTuple& t, std::uint64_t h, std::uint32_t value) {
    if (2 * (size_ + 1) > entries_.size()) grow();
    std::size_t i = home(h);
    while (entries_[i].value != kEmpty)
        i = (i + 1) & mask_;
    entries_[i] = Entry{h, value, t};
    ++size_;
}

bool DemuxTable::erase(const FourTuple& t, std::uint64_t h) {
    std::size_t i = home(h);
    for (;; i = (i + 1) & mask_) {
        const Entry& e = entries_[i];
        if (e.value == kEmpty) return false;
        if (e.hash == h && e.key == t) break;
    }
    // Backward shift: walk the cluster after the hole; an entry whose home is not cyclically in
    // (hole, j] would be cut off from its home by the hole, so it moves into it.
    std::size_t hole = i;
    for (std::size_t j = (hole + 1) & mask_; entries_[j].value != kEmpty; j = (j + 1) & mask_) {
        const std::size_t k = home(entries_[j].hash);
        const bool stays = hole <= j ? (hole < k && k <= j) : (hole < k || k <= j);
        if (stays) continue;
        entries_[hole] = entries_[j];
        hole = j;
    }
    entries_[hole].value = kEmpty;
    --size_;
    return true;
}

void DemuxTable::grow() {
    std::vector<Entry> old(entries_.size() * 2);
    old.swap(entries_);
    mask_ = entries_.size() - 1;
    for (const Entry& e : old) {
        if (e.value == kEmpty) continue;
        std::size_t i = home(e.hash);
        while (entries_[i].value != kEmpty)
            i = (i + 1) & mask_;
        entries_[i] = e;
    }
}

}  // namespace ustack::stack
