// IsnGenerator: RFC 6528 ISN = M + F(4-tuple, secret).
#include "tcp/isn.h"

#include <gtest/gtest.h>

#include <array>

namespace ustack::tcp {
namespace {

constexpr std::array<std::uint8_t, 4> kLocal4{10, 0, 0, 1};
constexpr std::array<std::uint8_t, 4> kRemote4{10, 0, 0, 2};
constexpr std::array<std::uint8_t, 16> kLocal6{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                               0,    0,    0,    0,    0, 0, 0, 1};
constexpr Instant kT0 = Instant::from_micros(1'000'000);

TEST(Isn, SameSecretAndInputsGiveTheSameIsn) {
    Rng a(42), b(42);
    const IsnGenerator ga(a), gb(b);
    EXPECT_EQ(ga.generate(kLocal4, 80, kRemote4, 40000, kT0),
              gb.generate(kLocal4, 80, kRemote4, 40000, kT0));
}

TEST(Isn, DiffersPerFourTuple) {
    Rng rng(1);
    const IsnGenerator g(rng);
    const wire::SeqNum base = g.generate(kLocal4, 80, kRemote4, 40000, kT0);
    EXPECT_NE(base, g.generate(kLocal4, 80, kRemote4, 40001, kT0));   // remote port
    EXPECT_NE(base, g.generate(kLocal4, 81, kRemote4, 40000, kT0));   // local port
    EXPECT_NE(base, g.generate(kRemote4, 80, kRemote4, 40000, kT0));  // local address
    EXPECT_NE(base, g.generate(kLocal4, 80, kLocal4, 40000, kT0));    // remote address
    EXPECT_NE(base, g.generate(kRemote4, 40000, kLocal4, 80, kT0));   // the reverse direction
    EXPECT_NE(base, g.generate(kLocal6, 80, kRemote4, 40000, kT0));   // IPv6 local
}

TEST(Isn, AdvancesOneEveryFourMicroseconds) {
    Rng rng(7);
    const IsnGenerator g(rng);
    const wire::SeqNum base = g.generate(kLocal4, 80, kRemote4, 40000, kT0);
    auto at = [&](std::int64_t us) {
        return g.generate(kLocal4, 80, kRemote4, 40000, kT0 + Duration::micros(us));
    };
    EXPECT_EQ(at(3), base);
    EXPECT_EQ(at(4), base + 1);
    EXPECT_EQ(at(4000), base + 1000);
    // One second is 250000 ticks.
    EXPECT_EQ(at(1'000'000), base + 250000);
}

TEST(Isn, WrapsModulo2To32OverTime) {
    Rng rng(7);
    const IsnGenerator g(rng);
    const wire::SeqNum base = g.generate(kLocal4, 80, kRemote4, 40000, kT0);
    // 2^32 ticks of 4 µs (about 4.77 hours) bring the ISN back around.
    const Instant later = kT0 + Duration::micros(std::int64_t{4} << 32);
    EXPECT_EQ(g.generate(kLocal4, 80, kRemote4, 40000, later), base);
}

TEST(Isn, DifferentRngSeedsGiveDifferentIsns) {
    Rng a(1), b(2);
    const IsnGenerator ga(a), gb(b);
    EXPECT_NE(ga.generate(kLocal4, 80, kRemote4, 40000, kT0),
              gb.generate(kLocal4, 80, kRemote4, 40000, kT0));
}

TEST(Isn, IsTheTimerPlusSipHashOfTheConnectionId) {
    // Pins the construction: M = now / 4 µs, F = low 32 bits of SipHash-2-4 over two
    // little-endian words: local addr|remote addr (two IPv4 addresses share one), then
    // remote len, local len, 0, 0, remote port, local port.
    const SipHashKey key{0x0706050403020100u, 0x0f0e0d0c0b0a0908u};
    const IsnGenerator g(key);
    const std::array<std::uint8_t, 16> msg{10, 0, 0, 1, 10, 0, 0, 2, 4, 4, 0, 0, 0x40, 0x9c, 80, 0};
    const auto f = static_cast<std::uint32_t>(siphash24(key, msg));
    EXPECT_EQ(g.generate(kLocal4, 80, kRemote4, 40000, Instant::from_micros(400)),
              wire::SeqNum(100 + f));
}

}  // namespace
}  // namespace ustack::tcp
