#include "dev/sim_link.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace ustack::dev {
namespace {

std::vector<std::uint8_t> frame_of(std::size_t len, std::uint8_t fill) {
    std::vector<std::uint8_t> f(len);
    for (std::size_t i = 0; i < len; ++i)
        f[i] = static_cast<std::uint8_t>(fill + i * 7);
    return f;
}

Instant at_us(std::int64_t us) {
    return Instant::from_micros(us);
}

// 1000 bytes at 8 Mbit/s take exactly 1000 µs to serialise.
LinkConfig eight_megabit(Duration delay) {
    LinkConfig c;
    c.delay = delay;
    c.rate_bps = 8'000'000;
    return c;
}

TEST(SimLink, DeliversAfterExactlyDelayPlusSerialisationTime) {
    SimLink link(SimLinkConfig::symmetric(eight_megabit(Duration::millis(10))));
    auto f = frame_of(1000, 1);
    ASSERT_TRUE(link.end_a().transmit(f, at_us(5000)));
    EXPECT_EQ(link.end_b().poll_at(), at_us(5000 + 1000 + 10000));
    EXPECT_FALSE(link.end_b().receive(at_us(15999)).has_value());
    auto got = link.end_b().receive(at_us(16000));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->size(), 1000u);
    EXPECT_EQ(link.end_b().poll_at(), Instant::never());
}

TEST(SimLink, InfiniteRateDeliversAfterTheDelayAlone) {
    LinkConfig c;
    c.delay = Duration::micros(250);
    SimLink link(SimLinkConfig::symmetric(c));
    auto f = frame_of(1500, 2);
    ASSERT_TRUE(link.end_a().transmit(f, at_us(0)));
    ASSERT_TRUE(link.end_a().transmit(f, at_us(0)));
    EXPECT_EQ(link.end_b().poll_at(), at_us(250));
    EXPECT_TRUE(link.end_b().receive(at_us(250)).has_value());
    EXPECT_EQ(link.end_b().poll_at(), at_us(250));  // the second was not serialised behind it
    EXPECT_TRUE(link.end_b().receive(at_us(250)).has_value());
}

TEST(SimLink, QueuesFramesBehindEachOtherAtTheBitRate) {
    SimLink link(SimLinkConfig::symmetric(eight_megabit(Duration::millis(5))));
    auto f = frame_of(1000, 3);
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(link.end_a().transmit(f, at_us(0)));
    // Each frame leaves 1000 µs after the one before it, then propagates for 5 ms.
    std::vector<std::int64_t> arrivals;
    for (int i = 0; i < 3; ++i) {
        Instant t = link.end_b().poll_at();
        EXPECT_FALSE(link.end_b().receive(t - Duration::micros(1)).has_value());
        ASSERT_TRUE(link.end_b().receive(t).has_value());
        arrivals.push_back(t.as_micros());
    }
    EXPECT_EQ(arrivals, (std::vector<std::int64_t>{6000, 7000, 8000}));
    // After the link has gone idle a frame starts serialising at once again.
    ASSERT_TRUE(link.end_a().transmit(f, at_us(20000)));
    EXPECT_EQ(link.end_b().poll_at(), at_us(26000));
}

TEST(SimLink, SerialisationTimeScalesWithFrameLength) {
    SimLink link(SimLinkConfig::symmetric(eight_megabit(Duration::zero())));
    auto small = frame_of(100, 4);
    auto big = frame_of(1500, 4);
    ASSERT_TRUE(link.end_a().transmit(small, at_us(0)));
    ASSERT_TRUE(link.end_a().transmit(big, at_us(0)));
    EXPECT_EQ(link.end_b().poll_at(), at_us(100));
    ASSERT_TRUE(link.end_b().receive(at_us(100)).has_value());
    EXPECT_EQ(link.end_b().poll_at(), at_us(1600));
}

TEST(SimLink, SmallFramesKeepTheExactRateBackToBack) {
    LinkConfig c;
    c.rate_bps = 1'000'000'000;  // 100 bytes: 0.8 µs each
    c.queue_frames = 0;
    SimLink link(SimLinkConfig::symmetric(c));
    auto f = frame_of(100, 11);
    for (int i = 0; i < 10; ++i)
        ASSERT_TRUE(link.end_a().transmit(f, at_us(0)));
    std::vector<std::int64_t> arrivals;
    for (int i = 0; i < 10; ++i) {
        Instant t = link.end_b().poll_at();
        ASSERT_TRUE(link.end_b().receive(t).has_value());
        arrivals.push_back(t.as_micros());
    }
    // Exact times 0.8, 1.6, ... 8.0 µs, each seen at the next whole microsecond.
    EXPECT_EQ(arrivals, (std::vector<std::int64_t>{1, 2, 3, 4, 4, 5, 6, 7, 8, 8}));
}

TEST(SimLink, TailDropsPastTheQueueFrameLimitAndCounts) {
    LinkConfig c = eight_megabit(Duration::millis(50));
    c.queue_frames = 3;
    SimLink link(SimLinkConfig::symmetric(c));
    auto f = frame_of(1000, 5);
    std::vector<bool> accepted;
    for (int i = 0; i < 5; ++i)
        accepted.push_back(link.end_a().transmit(f, at_us(0)));
    EXPECT_EQ(accepted, (std::vector<bool>{true, true, true, false, false}));
    const LinkCounters& k = link.counters_a_to_b();
    EXPECT_EQ(k.frames_sent, 3u);
    EXPECT_EQ(k.bytes_sent, 3000u);
    EXPECT_EQ(k.frames_dropped_queue, 2u);
    EXPECT_EQ(k.bytes_dropped_queue, 2000u);
    // Once the first frame is on the wire, the queue has room for one more.
    EXPECT_FALSE(link.end_a().transmit(f, at_us(999)));
    EXPECT_TRUE(link.end_a().transmit(f, at_us(1000)));
    EXPECT_EQ(link.counters_a_to_b().frames_dropped_queue, 3u);
    EXPECT_EQ(link.counters_b_to_a().frames_dropped_queue, 0u);
}

TEST(SimLink, TailDropsPastTheQueueByteLimit) {
    LinkConfig c = eight_megabit(Duration::zero());
    c.queue_frames = 0;
    c.queue_bytes = 2500;
    SimLink link(SimLinkConfig::symmetric(c));
    auto f = frame_of(1000, 6);
    auto tiny = frame_of(500, 6);
    EXPECT_TRUE(link.end_a().transmit(f, at_us(0)));
    EXPECT_TRUE(link.end_a().transmit(f, at_us(0)));
    EXPECT_FALSE(link.end_a().transmit(f, at_us(0)));
    EXPECT_TRUE(link.end_a().transmit(tiny, at_us(0)));
    EXPECT_EQ(link.counters_a_to_b().frames_dropped_queue, 1u);
    EXPECT_EQ(link.counters_a_to_b().bytes_dropped_queue, 1000u);
}

TEST(SimLink, FramesPropagatingDoNotOccupyTheQueue) {
    LinkConfig c = eight_megabit(Duration::seconds(1));
    c.queue_frames = 1;
    SimLink link(SimLinkConfig::symmetric(c));
    auto f = frame_of(1000, 7);
    for (int i = 0; i < 10; ++i)
        EXPECT_TRUE(link.end_a().transmit(f, at_us(1000 * i)));
    EXPECT_EQ(link.counters_a_to_b().frames_sent, 10u);
    EXPECT_EQ(link.counters_a_to_b().frames_dropped_queue, 0u);
}

TEST(SimLink, DropsWhenEverySlotIsInUseAndCountsApart) {
    LinkConfig c;
    c.delay = Duration::millis(1);
    c.queue_frames = 0;
    c.slots = 4;
    SimLink link(SimLinkConfig::symmetric(c));
    auto f = frame_of(100, 8);
    for (int i = 0; i < 4; ++i)
        EXPECT_TRUE(link.end_a().transmit(f, at_us(0)));
    EXPECT_FALSE(link.end_a().transmit(f, at_us(0)));
    EXPECT_EQ(link.counters_a_to_b().frames_dropped_slots, 1u);
    EXPECT_EQ(link.counters_a_to_b().frames_dropped_queue, 0u);
}

TEST(SimLink, ReceivedFrameStaysValidUntilTheNextReceive) {
    LinkConfig c;
    c.slots = 1;
    SimLink link(SimLinkConfig::symmetric(c));
    auto first = frame_of(64, 9);
    auto second = frame_of(64, 200);
    ASSERT_TRUE(link.end_a().transmit(first, at_us(0)));
    auto got = link.end_b().receive(at_us(0));
    ASSERT_TRUE(got.has_value());
    // Its slot is still lent out, so the only slot cannot be overwritten.
    EXPECT_FALSE(link.end_a().transmit(second, at_us(0)));
    EXPECT_TRUE(std::equal(got->begin(), got->end(), first.begin(), first.end()));
    EXPECT_FALSE(link.end_b().receive(at_us(0)).has_value());  // gives the slot back
    EXPECT_TRUE(link.end_a().transmit(second, at_us(0)));
}

TEST(SimLink, BothDirectionsAreIndependent) {
    SimLinkConfig config;
    config.a_to_b.delay = Duration::millis(1);
    config.b_to_a.delay = Duration::millis(7);
    config.b_to_a.rate_bps = 1'000'000;  // 100 bytes: 800 µs
    SimLink link(config);
    auto to_b = frame_of(100, 10);
    auto to_a = frame_of(100, 20);
    ASSERT_TRUE(link.end_a().transmit(to_b, at_us(0)));
    ASSERT_TRUE(link.end_b().transmit(to_a, at_us(0)));
    EXPECT_EQ(link.end_b().poll_at(), at_us(1000));
    EXPECT_EQ(link.end_a().poll_at(), at_us(7800));
    auto at_b = link.end_b().receive(at_us(1000));
    ASSERT_TRUE(at_b.has_value());
    EXPECT_EQ((*at_b)[0], to_b[0]);
    EXPECT_FALSE(link.end_a().receive(at_us(7799)).has_value());
    auto at_a = link.end_a().receive(at_us(7800));
    ASSERT_TRUE(at_a.has_value());
    EXPECT_EQ((*at_a)[0], to_a[0]);
    EXPECT_EQ(link.counters_a_to_b().frames_sent, 1u);
    EXPECT_EQ(link.counters_a_to_b().frames_delivered, 1u);
    EXPECT_EQ(link.counters_b_to_a().frames_sent, 1u);
    EXPECT_EQ(link.counters_b_to_a().bytes_delivered, 100u);
}

TEST(SimLink, DeliversFramesByteIdenticalAndInOrder) {
    LinkConfig c;
    c.rate_bps = 100'000'000;
    c.delay = Duration::micros(30);
    c.queue_frames = 0;
    c.slots = 8;  // the ring wraps many times
    SimLink link(SimLinkConfig::symmetric(c));
    std::uint64_t state = 12345;
    Instant now = at_us(0);
    for (int i = 0; i < 500; ++i) {
        std::vector<std::uint8_t> f(static_cast<std::size_t>(i * 37 % 1501));
        for (auto& b : f) {
            state = state * 6364136223846793005u + 1442695040888963407u;
            b = static_cast<std::uint8_t>(state >> 56);
        }
        ASSERT_TRUE(link.end_a().transmit(f, now));
        now = link.end_b().poll_at();
        auto got = link.end_b().receive(now);
        ASSERT_TRUE(got.has_value());
        ASSERT_TRUE(std::equal(got->begin(), got->end(), f.begin(), f.end())) << "frame " << i;
    }
    EXPECT_EQ(link.counters_a_to_b().frames_delivered, 500u);
    EXPECT_EQ(link.counters_a_to_b().bytes_delivered, link.counters_a_to_b().bytes_sent);
}

TEST(SimLink, EverySlotInUseAtOnceKeepsEachFrameApartAcrossWraps) {
    // All slots hold a frame at once, round after round, with a slot count that is a power of
    // two (slots found by a mask) and one that is not (by division): no two frames in the link
    // may share a slot, and each comes out as it went in.
    for (std::size_t slots : {8u, 6u}) {
        LinkConfig c;
        c.queue_frames = 0;
        c.slots = slots;
        SimLink link(SimLinkConfig::symmetric(c));
        for (int round = 0; round < 7; ++round) {
            std::vector<std::vector<std::uint8_t>> sent;
            for (std::size_t k = 0; k < slots; ++k) {
                sent.push_back(frame_of(60 + k, static_cast<std::uint8_t>(round * 16 + k)));
                ASSERT_TRUE(link.end_a().transmit(sent.back(), at_us(0)));
            }
            for (std::size_t k = 0; k < slots; ++k) {
                auto got = link.end_b().receive(at_us(0));
                ASSERT_TRUE(got.has_value());
                EXPECT_TRUE(std::equal(got->begin(), got->end(), sent[k].begin(), sent[k].end()))
                    << slots << " slots, round " << round << ", frame " << k;
            }
            EXPECT_FALSE(link.end_b().receive(at_us(0)).has_value());
        }
    }
}

TEST(SimLink, RejectsFramesLongerThanTheMtuAndReportsCaps) {
    LinkConfig c;
    c.mtu = 1280;
    SimLink ip(SimLinkConfig::symmetric(c));
    EXPECT_EQ(ip.end_a().caps().mtu, 1280u);
    EXPECT_EQ(ip.end_a().caps().medium, Medium::Ip);
    EXPECT_EQ(ip.end_a().fd(), -1);
    EXPECT_TRUE(ip.end_a().transmit(frame_of(1280, 1), at_us(0)));
    EXPECT_FALSE(ip.end_a().transmit(frame_of(1281, 1), at_us(0)));
    EXPECT_EQ(ip.counters_a_to_b().frames_dropped_oversize, 1u);

    SimLink eth(SimLinkConfig::symmetric(c, Medium::Ethernet));
    EXPECT_EQ(eth.end_b().caps().max_frame_len(), 1294u);
    EXPECT_TRUE(eth.end_b().transmit(frame_of(1294, 1), at_us(0)));
    EXPECT_FALSE(eth.end_b().transmit(frame_of(1295, 1), at_us(0)));
}

// Sends `n` frames 100 µs apart at infinite rate; returns each one's arrival (poll_at when it
// is next), in the order received, and checks each arrives as the frame sent in that place.
std::vector<std::int64_t> jittered_arrivals(const LinkConfig& c, int n) {
    SimLink link(SimLinkConfig::symmetric(c));
    for (int i = 0; i < n; ++i)
        EXPECT_TRUE(
            link.end_a().transmit(frame_of(64, static_cast<std::uint8_t>(i)), at_us(100 * i)));
    std::vector<std::int64_t> arrivals;
    for (int i = 0; i < n; ++i) {
        const Instant at = link.end_b().poll_at();
        const auto got = link.end_b().receive(at);
        EXPECT_TRUE(got.has_value());
        if (!got) break;
        EXPECT_EQ(std::vector<std::uint8_t>(got->begin(), got->end()),
                  frame_of(64, static_cast<std::uint8_t>(i)));
        arrivals.push_back(at.as_micros());
    }
    return arrivals;
}

TEST(SimLink, JitterDelaysEachFrameWithinItsBoundAndKeepsTheOrder) {
    LinkConfig c;
    c.delay = Duration::millis(1);
    c.jitter = Duration::micros(500);
    c.jitter_seed = 9;
    const auto arrivals = jittered_arrivals(c, 400);
    ASSERT_EQ(arrivals.size(), 400u);
    std::vector<std::int64_t> extra;
    for (std::size_t i = 0; i < arrivals.size(); ++i) {
        const std::int64_t sent = 100 * static_cast<std::int64_t>(i);
        // Never before delay; a frame held behind a later-drawn predecessor may wait past its own
        // draw, but never past the predecessor's.
        EXPECT_GE(arrivals[i], sent + 1000) << i;
        if (i > 0) {
            EXPECT_GE(arrivals[i], arrivals[i - 1]) << i;
        }
        if (i == 0 || arrivals[i] > arrivals[i - 1]) {
            EXPECT_LE(arrivals[i], sent + 1500) << i;
        }
        extra.push_back(arrivals[i] - sent - 1000);
    }
    // The extra delays spread over the range: not all equal, some in each half.
    const auto low = std::count_if(extra.begin(), extra.end(), [](auto e) { return e < 250; });
    EXPECT_GT(low, 50);
    EXPECT_LT(low, 350);
    // Seeded: the same seed gives the same arrivals, another seed others.
    EXPECT_EQ(jittered_arrivals(c, 400), arrivals);
    c.jitter_seed = 10;
    EXPECT_NE(jittered_arrivals(c, 400), arrivals);
}

TEST(SimLink, NoJitterMeansExactlyTheDelay) {
    LinkConfig c;
    c.delay = Duration::millis(1);
    const auto arrivals = jittered_arrivals(c, 10);
    for (std::size_t i = 0; i < arrivals.size(); ++i)
        EXPECT_EQ(arrivals[i], 100 * static_cast<std::int64_t>(i) + 1000) << i;
}

}  // namespace
}  // namespace ustack::dev
