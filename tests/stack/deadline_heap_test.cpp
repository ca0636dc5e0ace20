// DeadlineHeap: the earliest deadline first, whatever the order of sets, moves and removals.
#include "stack/deadline_heap.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include "base/rng.h"

namespace ustack::stack {
namespace {

Instant at_ms(std::int64_t ms) {
    return Instant::from_micros(ms * 1000);
}

TEST(DeadlineHeap, EmptyHasNoDeadline) {
    DeadlineHeap h;
    EXPECT_TRUE(h.empty());
    EXPECT_EQ(h.earliest(), Instant::never());
    EXPECT_FALSE(h.contains(3));
    EXPECT_EQ(h.at(3), Instant::never());
    std::vector<std::uint32_t> due;
    h.take_due(Instant::never(), due);
    EXPECT_TRUE(due.empty());
}

TEST(DeadlineHeap, EarliestFollowsSetsMovesAndRemovals) {
    DeadlineHeap h;
    h.set(5, at_ms(50));
    h.set(2, at_ms(20));
    h.set(9, at_ms(90));
    EXPECT_EQ(h.size(), 3u);
    EXPECT_EQ(h.earliest(), at_ms(20));
    h.set(2, at_ms(70));  // later
    EXPECT_EQ(h.earliest(), at_ms(50));
    h.set(9, at_ms(10));  // earlier
    EXPECT_EQ(h.earliest(), at_ms(10));
    EXPECT_EQ(h.at(2), at_ms(70));
    h.remove(9);
    EXPECT_FALSE(h.contains(9));
    EXPECT_EQ(h.earliest(), at_ms(50));
    h.set(5, Instant::never());  // never() removes
    EXPECT_FALSE(h.contains(5));
    EXPECT_EQ(h.size(), 1u);
    h.remove(5);  // absent: nothing happens
    h.remove(1000);
    EXPECT_EQ(h.earliest(), at_ms(70));
}

TEST(DeadlineHeap, TakeDueTakesExactlyThoseAtOrBeforeNow) {
    DeadlineHeap h;
    for (std::uint32_t i = 0; i < 10; ++i)
        h.set(i, at_ms(10 * (i % 5)));  // two each at 0, 10, 20, 30, 40 ms
    std::vector<std::uint32_t> due;
    h.take_due(at_ms(20), due);
    std::sort(due.begin(), due.end());
    EXPECT_EQ(due, (std::vector<std::uint32_t>{0, 1, 2, 5, 6, 7}));
    EXPECT_EQ(h.size(), 4u);
    EXPECT_EQ(h.earliest(), at_ms(30));
    for (const std::uint32_t i : due)
        EXPECT_FALSE(h.contains(i));
}

// Random sets, moves and removals against a plain map: the same earliest deadline, the same
// deadline per index, and take_due() the same set, after every operation.
TEST(DeadlineHeap, AgreesWithAMapUnderRandomOperations) {
    Rng rng(7);
    DeadlineHeap h;
    std::map<std::uint32_t, Instant> ref;
    auto earliest = [&] {
        Instant e = Instant::never();
        for (const auto& [i, at] : ref)
            e = std::min(e, at);
        return e;
    };
    for (int op = 0; op < 20000; ++op) {
        const auto index = static_cast<std::uint32_t>(rng.next_u32() % 64);
        const std::uint32_t what = rng.next_u32() % 10;
        if (what < 6) {
            const Instant at = at_ms(static_cast<std::int64_t>(rng.next_u32() % 1000));
            h.set(index, at);
            ref[index] = at;
        } else if (what < 9) {
            h.remove(index);
            ref.erase(index);
        } else {
            const Instant now = at_ms(static_cast<std::int64_t>(rng.next_u32() % 300));
            std::vector<std::uint32_t> due;
            h.take_due(now, due);
            std::sort(due.begin(), due.end());
            std::vector<std::uint32_t> expected;
            for (auto it = ref.begin(); it != ref.end();) {
                if (it->second <= now) {
                    expected.push_back(it->first);
                    it = ref.erase(it);
                } else {
                    ++it;
                }
            }
            ASSERT_EQ(due, expected) << "op " << op;
        }
        ASSERT_EQ(h.size(), ref.size()) << "op " << op;
        ASSERT_EQ(h.earliest(), earliest()) << "op " << op;
        ASSERT_EQ(h.at(index), ref.contains(index) ? ref[index] : Instant::never()) << "op " << op;
    }
}

}  // namespace
}  // namespace ustack::stack
