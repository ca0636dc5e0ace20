// DemuxTable: finds what was inserted and nothing else, through growth, probe clusters and
// backward-shift deletions, against a std::map model.
#include "stack/demux_table.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <tuple>
#include <vector>

#include "base/rng.h"

namespace ustack::stack {
namespace {

FourTuple v4_tuple(std::uint16_t local_port, std::uint16_t remote_port) {
    return FourTuple{wire::Ipv4Address{10, 0, 0, 1}, local_port, wire::Ipv4Address{10, 0, 0, 2},
                     remote_port};
}

FourTuple v6_tuple(std::uint16_t local_port, std::uint16_t remote_port) {
    const auto a = wire::Ipv6Address::from_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1});
    const auto b = wire::Ipv6Address::from_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2});
    return FourTuple{a, local_port, b, remote_port};
}

// A total order, for the model map.
auto as_key(const FourTuple& t) {
    return std::make_tuple(t.local, t.local_port, t.remote, t.remote_port);
}

TEST(DemuxTable, EmptyFindsNothing) {
    const DemuxTable t(SipHashKey{1, 2});
    EXPECT_EQ(t.size(), 0u);
    EXPECT_FALSE(t.find(v4_tuple(1, 2)));
    EXPECT_FALSE(t.contains(v6_tuple(1, 2)));
}

TEST(DemuxTable, InsertFindErase) {
    DemuxTable t(SipHashKey{1, 2});
    const FourTuple a = v4_tuple(49152, 80);
    t.insert(a, t.hash(a), 7);
    EXPECT_EQ(t.size(), 1u);
    EXPECT_EQ(t.find(a), 7u);
    EXPECT_EQ(t.find(a, t.hash(a)), 7u);
    // Each field of the tuple counts.
    EXPECT_FALSE(t.find(v4_tuple(49153, 80)));
    EXPECT_FALSE(t.find(v4_tuple(80, 49152)));
    EXPECT_FALSE(t.find(FourTuple{a.remote, a.local_port, a.local, a.remote_port}));
    EXPECT_TRUE(t.erase(a, t.hash(a)));
    EXPECT_FALSE(t.erase(a, t.hash(a)));
    EXPECT_EQ(t.size(), 0u);
    EXPECT_FALSE(t.find(a));
}

TEST(DemuxTable, FamiliesAreKeptApart) {
    DemuxTable t(SipHashKey{3, 4});
    const FourTuple four = v4_tuple(1000, 2000);
    // The IPv4-mapped form of the same addresses is another tuple.
    const FourTuple mapped{wire::Ipv6Address::ipv4_mapped(*four.local.v4()), 1000,
                           wire::Ipv6Address::ipv4_mapped(*four.remote.v4()), 2000};
    t.insert(four, t.hash(four), 1);
    t.insert(mapped, t.hash(mapped), 2);
    t.insert(v6_tuple(1000, 2000), t.hash(v6_tuple(1000, 2000)), 3);
    EXPECT_EQ(t.find(four), 1u);
    EXPECT_EQ(t.find(mapped), 2u);
    EXPECT_EQ(t.find(v6_tuple(1000, 2000)), 3u);
}

TEST(DemuxTable, HashDependsOnTheKey) {
    const DemuxTable a(SipHashKey{1, 2});
    const DemuxTable b(SipHashKey{1, 3});
    EXPECT_NE(a.hash(v4_tuple(1, 2)), b.hash(v4_tuple(1, 2)));
    EXPECT_EQ(a.hash(v4_tuple(1, 2)), DemuxTable(SipHashKey{1, 2}).hash(v4_tuple(1, 2)));
}

TEST(DemuxTable, GrowsAndStaysAtMostHalfFull) {
    DemuxTable t(SipHashKey{5, 6});
    for (std::uint16_t p = 1; p <= 5000; ++p) {
        const FourTuple k = p % 2 ? v4_tuple(p, 443) : v6_tuple(p, 443);
        t.insert(k, t.hash(k), p);
        ASSERT_LE(2 * t.size(), t.capacity());
    }
    EXPECT_EQ(t.size(), 5000u);
    for (std::uint16_t p = 1; p <= 5000; ++p)
        ASSERT_EQ(t.find(p % 2 ? v4_tuple(p, 443) : v6_tuple(p, 443)), p);
    // Deleting never shrinks; reinserting as many needs no more room.
    const std::size_t cap = t.capacity();
    for (std::uint16_t p = 1; p <= 5000; ++p) {
        const FourTuple k = p % 2 ? v4_tuple(p, 443) : v6_tuple(p, 443);
        ASSERT_TRUE(t.erase(k, t.hash(k)));
    }
    EXPECT_EQ(t.size(), 0u);
    for (std::uint16_t p = 1; p <= 5000; ++p) {
        const FourTuple k = v4_tuple(p, 8080);
        t.insert(k, t.hash(k), p);
    }
    EXPECT_EQ(t.capacity(), cap);
}

// Colliding hashes: the caller's h decides the home entry, so equal h values make one long
// cluster (and wrap around the end of the table), where backward shifts must keep every
// remaining entry reachable.
TEST(DemuxTable, ClustersSurviveDeletionsAnywhere) {
    for (std::uint64_t home = 0; home < 16; ++home) {
        for (std::uint16_t victim = 0; victim < 7; ++victim) {
            DemuxTable t(SipHashKey{7, 8});
            for (std::uint16_t p = 0; p < 7; ++p)
                t.insert(v4_tuple(p, 1), home + (p % 3) * 16, p);  // homes all equal mod 16
            ASSERT_TRUE(t.erase(v4_tuple(victim, 1), home + (victim % 3) * 16));
            for (std::uint16_t p = 0; p < 7; ++p) {
                const auto found = t.find(v4_tuple(p, 1), home + (p % 3) * 16);
                if (p == victim) {
                    EXPECT_FALSE(found) << "home " << home << " victim " << victim;
                } else {
                    EXPECT_EQ(found, p) << "home " << home << " victim " << victim;
                }
            }
        }
    }
}

// Random inserts and erases against a std::map, with small hashes forced to collide often.
TEST(DemuxTable, MatchesAMapUnderChurn) {
    Rng rng(99);
    for (const bool real_hash : {true, false}) {
        DemuxTable t(SipHashKey{9, 10});
        std::map<decltype(as_key(FourTuple{})), std::uint32_t> model;
        const auto h_of = [&](const FourTuple& k) {
            return real_hash ? t.hash(k) : static_cast<std::uint64_t>(k.local_port % 13);
        };
        for (std::uint32_t step = 0; step < 20000; ++step) {
            const auto port = static_cast<std::uint16_t>(rng.next_u32() % 600);
            const FourTuple k = rng.next_u32() % 4 == 0 ? v6_tuple(port, 80) : v4_tuple(port, 80);
            const auto mk = as_key(k);
            if (model.contains(mk)) {
                ASSERT_TRUE(t.erase(k, h_of(k)));
                model.erase(mk);
            } else {
                t.insert(k, h_of(k), step);
                model[mk] = step;
            }
            ASSERT_EQ(t.size(), model.size());
        }
        for (std::uint16_t port = 0; port < 600; ++port) {
            for (const FourTuple& k : {v4_tuple(port, 80), v6_tuple(port, 80)}) {
                const auto it = model.find(as_key(k));
                const auto found = t.find(k, h_of(k));
                if (it == model.end()) {
                    EXPECT_FALSE(found);
                } else {
                    EXPECT_EQ(found, it->second);
                }
            }
        }
    }
}

}  // namespace
}  // namespace ustack::stack
