// Fifo: first in, first out, whatever the mix of pushes, pops and removals, against std::deque;
// a queue that fills and drains keeps its storage.
#include "stack/fifo.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <vector>

#include "base/rng.h"

namespace ustack::stack {
namespace {

std::vector<int> contents(const Fifo<int>& q) {
    return std::vector<int>(q.begin(), q.end());
}

TEST(Fifo, FirstInFirstOut) {
    Fifo<int> q;
    EXPECT_TRUE(q.empty());
    for (int i = 0; i < 5; ++i)
        q.push_back(i);
    EXPECT_EQ(q.size(), 5u);
    for (int i = 0; i < 5; ++i) {
        ASSERT_FALSE(q.empty());
        EXPECT_EQ(q.front(), i);
        q.pop_front();
    }
    EXPECT_TRUE(q.empty());
}

TEST(Fifo, RemoveTakesOutOneElementAnywhere) {
    Fifo<int> q;
    for (int i = 0; i < 6; ++i)
        q.push_back(i);
    q.pop_front();
    EXPECT_TRUE(q.remove(3));
    EXPECT_FALSE(q.remove(3));
    EXPECT_FALSE(q.remove(0));  // already popped
    EXPECT_EQ(contents(q), (std::vector<int>{1, 2, 4, 5}));
    q.clear();
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.size(), 0u);
}

TEST(Fifo, MatchesADequeUnderChurn) {
    Rng rng(5);
    Fifo<int> q;
    std::deque<int> model;
    for (int step = 0; step < 20000; ++step) {
        const std::uint32_t op = rng.next_u32() % 8;
        if (op < 4) {
            q.push_back(step);
            model.push_back(step);
        } else if (op < 7) {
            if (model.empty()) continue;
            ASSERT_EQ(q.front(), model.front());
            q.pop_front();
            model.pop_front();
        } else if (!model.empty()) {
            const int v = model[rng.next_u32() % model.size()];
            ASSERT_TRUE(q.remove(v));
            model.erase(std::find(model.begin(), model.end(), v));
        }
        ASSERT_EQ(q.size(), model.size());
        ASSERT_EQ(q.empty(), model.empty());
    }
    EXPECT_EQ(contents(q), std::vector<int>(model.begin(), model.end()));
}

}  // namespace
}  // namespace ustack::stack
