#include "dev/tap.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "dev/sim_link.h"

namespace ustack::dev {
namespace {

struct Seen {
    Direction direction;
    std::int64_t at_us;
    std::vector<std::uint8_t> bytes;
    bool operator==(const Seen&) const = default;
};

class RecordingSink : public FrameSink {
  public:
    void on_frame(Direction direction, Instant at, Bytes frame) override {
        seen.push_back({direction, at.as_micros(), {frame.begin(), frame.end()}});
    }
    std::vector<Seen> seen;
};

std::vector<std::uint8_t> bytes_of(std::uint8_t tag, std::size_t len) {
    return std::vector<std::uint8_t>(len, tag);
}

TEST(Tap, SeesEveryFrameInBothDirectionsWithTimestamps) {
    LinkConfig c;
    c.delay = Duration::millis(2);
    SimLink link(SimLinkConfig::symmetric(c));
    RecordingSink sink;
    Tap tap(link.end_a(), sink);

    ASSERT_TRUE(tap.transmit(bytes_of(1, 40), Instant::from_micros(100)));
    ASSERT_TRUE(tap.transmit(bytes_of(2, 60), Instant::from_micros(300)));
    ASSERT_TRUE(link.end_b().transmit(bytes_of(3, 80), Instant::from_micros(1000)));
    EXPECT_EQ(tap.poll_at(), Instant::from_micros(3000));
    EXPECT_FALSE(tap.receive(Instant::from_micros(2999)).has_value());
    auto got = tap.receive(Instant::from_micros(3000));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->size(), 80u);

    std::vector<Seen> expected{
        {Direction::Out, 100, bytes_of(1, 40)},
        {Direction::Out, 300, bytes_of(2, 60)},
        {Direction::In, 3000, bytes_of(3, 80)},
    };
    EXPECT_EQ(sink.seen, expected);
    EXPECT_EQ(tap.frames_out(), 2u);
    EXPECT_EQ(tap.frames_in(), 1u);
    // The frames really went through: b got both.
    EXPECT_TRUE(link.end_b().receive(Instant::from_micros(2300)).has_value());
    EXPECT_TRUE(link.end_b().receive(Instant::from_micros(2300)).has_value());
}

TEST(Tap, RecordsOutgoingFramesTheDeviceThenDrops) {
    LinkConfig c;
    c.rate_bps = 1'000'000;
    c.queue_frames = 1;
    SimLink link(SimLinkConfig::symmetric(c));
    RecordingSink sink;
    Tap tap(link.end_a(), sink);
    EXPECT_TRUE(tap.transmit(bytes_of(1, 100), Instant::from_micros(0)));
    EXPECT_FALSE(tap.transmit(bytes_of(2, 100), Instant::from_micros(0)));  // queue full
    ASSERT_EQ(sink.seen.size(), 2u);
    EXPECT_EQ(sink.seen[1].bytes, bytes_of(2, 100));
    EXPECT_EQ(link.counters_a_to_b().frames_dropped_queue, 1u);
}

TEST(Tap, PassesCapsAndDeadlinesThrough) {
    LinkConfig c;
    c.mtu = 9000;
    SimLink link(SimLinkConfig::symmetric(c, Medium::Ethernet));
    RecordingSink sink;
    Tap tap(link.end_b(), sink);
    EXPECT_EQ(tap.caps().mtu, 9000u);
    EXPECT_EQ(tap.caps().medium, Medium::Ethernet);
    EXPECT_EQ(tap.fd(), -1);
    EXPECT_EQ(tap.poll_at(), Instant::never());
    EXPECT_FALSE(tap.receive(Instant::from_micros(0)).has_value());
    EXPECT_TRUE(sink.seen.empty());
}

}  // namespace
}  // namespace ustack::dev
