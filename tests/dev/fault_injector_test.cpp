#include "dev/fault_injector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "dev/sim_link.h"

namespace ustack::dev {
namespace {

using Frame = std::vector<std::uint8_t>;

// Frames numbered in their first four bytes, the rest a pattern of the number.
Frame numbered(std::uint32_t n, std::size_t len = 64) {
    Frame f(len);
    store_be32(f.data(), n);
    for (std::size_t i = 4; i < len; ++i)
        f[i] = static_cast<std::uint8_t>(n * 31 + i);
    return f;
}

// A zero-delay, unlimited SimLink from a to b, with the injector on b's receive side.
struct Rig {
    explicit Rig(const FaultConfig& faults, std::uint64_t seed = 7)
        : link(SimLinkConfig::symmetric(LinkConfig{.queue_frames = 0})),
          injector(link.end_b(), faults, Rng(seed)) {}

    // Sends n numbered frames one at a time; returns every frame received, in order.
    std::vector<Frame> pump(std::uint32_t n) {
        std::vector<Frame> out;
        for (std::uint32_t i = 0; i < n; ++i) {
            EXPECT_TRUE(link.end_a().transmit(numbered(i), now));
            drain(out);
            now += Duration::micros(1);
        }
        return out;
    }
    void drain(std::vector<Frame>& out) {
        while (auto f = injector.receive(now))
            out.emplace_back(f->begin(), f->end());
    }

    SimLink link;
    FaultInjector injector;
    Instant now = Instant::from_micros(0);
};

TEST(FaultInjector, ZeroProbabilitiesAreTransparent) {
    Rig rig(FaultConfig{});
    auto got = rig.pump(1000);
    ASSERT_EQ(got.size(), 1000u);
    for (std::uint32_t i = 0; i < 1000; ++i)
        EXPECT_EQ(got[i], numbered(i));
    const FaultCounters& k = rig.injector.counters();
    EXPECT_EQ(k.frames_in, 1000u);
    EXPECT_EQ(k.frames_out, 1000u);
    EXPECT_EQ(k.dropped + k.corrupted + k.duplicated + k.reordered, 0u);
    EXPECT_EQ(rig.injector.caps().mtu, rig.link.end_b().caps().mtu);
}

TEST(FaultInjector, FaultRatesAreCloseToConfiguredOverManyFrames) {
    FaultConfig faults{.drop = 0.10, .corrupt = 0.05, .duplicate = 0.02, .reorder = 0.03};
    Rig rig(faults, 99);
    const std::uint32_t n = 40000;
    rig.pump(n);
    const FaultCounters& k = rig.injector.counters();
    EXPECT_EQ(k.frames_in, n);
    EXPECT_NEAR(static_cast<double>(k.dropped) / n, 0.10, 0.01);
    // The others are drawn on the frames that survive the drop.
    const double kept = static_cast<double>(n - k.dropped);
    EXPECT_NEAR(k.corrupted / kept, 0.05, 0.006);
    EXPECT_NEAR(k.duplicated / kept, 0.02, 0.004);
    EXPECT_NEAR(k.reordered / kept, 0.03, 0.005);
}

TEST(FaultInjector, EveryFrameInIsDroppedOrDeliveredOnceDuplicatesAside) {
    FaultConfig faults{.drop = 0.2, .corrupt = 0.0, .duplicate = 0.1, .reorder = 0.2};
    Rig rig(faults, 5);
    auto got = rig.pump(5000);
    rig.now += Duration::seconds(1);  // release a frame still held at the end
    rig.drain(got);
    const FaultCounters& k = rig.injector.counters();
    EXPECT_EQ(got.size(), k.frames_out);
    EXPECT_EQ(k.frames_out, k.frames_in - k.dropped + k.duplicated);
}

TEST(FaultInjector, CorruptionFlipsExactlyOneBit) {
    Rig rig(FaultConfig{.corrupt = 1.0});
    auto got = rig.pump(300);
    ASSERT_EQ(got.size(), 300u);
    std::vector<int> bytes_hit(64, 0);
    for (std::uint32_t i = 0; i < 300; ++i) {
        Frame sent = numbered(i);
        ASSERT_EQ(got[i].size(), sent.size());
        int flipped = 0;
        for (std::size_t j = 0; j < sent.size(); ++j) {
            flipped += std::popcount(static_cast<unsigned>(got[i][j] ^ sent[j]));
            if (got[i][j] != sent[j]) ++bytes_hit[j];
        }
        EXPECT_EQ(flipped, 1) << "frame " << i;
    }
    EXPECT_EQ(rig.injector.counters().corrupted, 300u);
    // The byte is random: no position is always or never chosen.
    EXPECT_EQ(std::count(bytes_hit.begin(), bytes_hit.end(), 0), 0);
}

TEST(FaultInjector, DuplicateDeliversTheFrameTwiceInARow) {
    Rig rig(FaultConfig{.duplicate = 1.0});
    auto got = rig.pump(3);
    ASSERT_EQ(got.size(), 6u);
    for (std::uint32_t i = 0; i < 3; ++i) {
        EXPECT_EQ(got[2 * i], numbered(i));
        EXPECT_EQ(got[2 * i + 1], numbered(i));
    }
}

TEST(FaultInjector, ReorderDeliversAHeldFrameAfterTheNextOne) {
    Rig rig(FaultConfig{.reorder = 1.0});
    auto got = rig.pump(6);
    std::vector<std::uint32_t> order;
    for (const Frame& f : got)
        order.push_back(load_be32(f.data()));
    EXPECT_EQ(order, (std::vector<std::uint32_t>{1, 0, 3, 2, 5, 4}));
    EXPECT_EQ(rig.injector.counters().reordered, 3u);
}

TEST(FaultInjector, ReorderReleasesALoneHeldFrameAfterTheHoldTime) {
    Rig rig(FaultConfig{.reorder = 1.0, .reorder_hold = Duration::millis(10)});
    Instant t0 = Instant::from_micros(500);
    ASSERT_TRUE(rig.link.end_a().transmit(numbered(42), t0));
    EXPECT_EQ(rig.injector.poll_at(), t0);
    EXPECT_FALSE(rig.injector.receive(t0).has_value());
    EXPECT_EQ(rig.injector.poll_at(), t0 + Duration::millis(10));
    EXPECT_FALSE(rig.injector.receive(t0 + Duration::micros(9999)).has_value());
    auto f = rig.injector.receive(t0 + Duration::millis(10));
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(load_be32(f->data()), 42u);
    EXPECT_EQ(rig.injector.poll_at(), Instant::never());
}

TEST(FaultInjector, PollAtSaysNowWhileADuplicateIsPending) {
    Rig rig(FaultConfig{.duplicate = 1.0});
    Instant t = Instant::from_micros(300);
    ASSERT_TRUE(rig.link.end_a().transmit(numbered(1), t));
    ASSERT_TRUE(rig.injector.receive(t).has_value());
    EXPECT_LE(rig.injector.poll_at(), t);
    ASSERT_TRUE(rig.injector.receive(t).has_value());
    EXPECT_EQ(rig.injector.poll_at(), Instant::never());
}

TEST(FaultInjector, SameSeedGivesTheSameFaultSequence) {
    FaultConfig faults{.drop = 0.1, .corrupt = 0.1, .duplicate = 0.1, .reorder = 0.1};
    Rig first(faults, 2024), second(faults, 2024), other(faults, 2025);
    auto a = first.pump(2000);
    auto b = second.pump(2000);
    auto c = other.pump(2000);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
    EXPECT_EQ(first.injector.counters().dropped, second.injector.counters().dropped);
}

TEST(FaultInjector, TransmitPassesThroughUntouched) {
    FaultConfig faults{.drop = 1.0, .corrupt = 1.0};
    SimLink link(SimLinkConfig::symmetric(LinkConfig{}));
    FaultInjector injector(link.end_a(), faults, Rng(1));
    Frame f = numbered(9);
    ASSERT_TRUE(injector.transmit(f, Instant::from_micros(0)));
    auto got = link.end_b().receive(Instant::from_micros(0));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(Frame(got->begin(), got->end()), f);
}

// An inner device that says per frame whether its checksum is trusted, as a TUN with virtio-net
// headers does: here the even-numbered frames are.
class TrustingDevice : public Device {
  public:
    explicit TrustingDevice(std::uint32_t frames) {
        for (std::uint32_t i = 0; i < frames; ++i)
            frames_.push_back(numbered(i));
    }
    DeviceCaps caps() const override { return DeviceCaps{}; }
    std::optional<Bytes> receive(Instant) override {
        if (next_ == frames_.size()) return std::nullopt;
        trusted_ = next_ % 2 == 0;
        return Bytes(frames_[next_++]);
    }
    bool transmit(Bytes, Instant) override { return true; }
    Instant poll_at() const override { return Instant::never(); }
    bool last_frame_checksum_trusted() const override { return trusted_; }

  private:
    std::vector<Frame> frames_;
    std::size_t next_ = 0;
    bool trusted_ = false;
};

// Each frame handed on (number, trusted) until the injector runs dry.
std::vector<std::pair<std::uint32_t, bool>> trust_of_frames(FaultInjector& injector) {
    std::vector<std::pair<std::uint32_t, bool>> out;
    while (auto f = injector.receive(Instant::from_micros(0)))
        out.emplace_back(load_be32(f->data()), injector.last_frame_checksum_trusted());
    return out;
}

TEST(FaultInjector, AFrameKeepsItsTrustWhenHeldOrDuplicated) {
    TrustingDevice inner(4);
    FaultInjector reorder(inner, FaultConfig{.reorder = 1.0}, Rng(3));
    using P = std::pair<std::uint32_t, bool>;
    EXPECT_EQ(trust_of_frames(reorder),
              (std::vector<P>{{1, false}, {0, true}, {3, false}, {2, true}}));
    TrustingDevice inner2(2);
    FaultInjector duplicate(inner2, FaultConfig{.duplicate = 1.0}, Rng(3));
    EXPECT_EQ(trust_of_frames(duplicate),
              (std::vector<P>{{0, true}, {0, true}, {1, false}, {1, false}}));
}

// A flipped bit must reach the checksum check: a corrupted frame is never trusted, even when the
// device vouched for the frame it came from.
TEST(FaultInjector, ACorruptedFrameIsNeverTrusted) {
    TrustingDevice inner(50);
    FaultInjector injector(inner, FaultConfig{.corrupt = 1.0}, Rng(3));
    const auto got = trust_of_frames(injector);
    ASSERT_EQ(got.size(), 50u);
    for (const auto& [n, trusted] : got)
        EXPECT_FALSE(trusted) << "frame " << n;
}

}  // namespace
}  // namespace ustack::dev
