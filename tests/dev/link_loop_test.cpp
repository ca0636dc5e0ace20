// SimLink and FaultInjector driven by a SimLoop through their poll_at(), as a Stack will drive
// them.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "base/pollable.h"
#include "dev/fault_injector.h"
#include "dev/sim_link.h"
#include "rt/sim_loop.h"

namespace ustack::dev {
namespace {

// Stands in for a Stack: polls one device, optionally echoes what it receives.
class Host : public Pollable {
  public:
    Host(Device& device, bool echo) : device_(device), echo_(echo) {}
    Instant poll_at() const override { return device_.poll_at(); }
    void poll(Instant now) override {
        while (auto frame = device_.receive(now)) {
            arrivals.push_back(now);
            if (echo_) device_.transmit(*frame, now);
        }
    }
    std::vector<Instant> arrivals;

  private:
    Device& device_;
    bool echo_;
};

LinkConfig twenty_ms_eight_megabit() {
    LinkConfig c;
    c.delay = Duration::millis(20);
    c.rate_bps = 8'000'000;
    return c;
}

TEST(LinkLoop, EchoRoundTripTakesTwiceDelayPlusSerialisation) {
    SimLink link(SimLinkConfig::symmetric(twenty_ms_eight_megabit()));
    rt::SimLoop loop;
    Host client(link.end_a(), false), server(link.end_b(), true);
    loop.add(client);
    loop.add(server);
    std::vector<std::uint8_t> ping(1000, 0xab);
    loop.call_at(Instant::from_micros(0), [&](Instant now) { link.end_a().transmit(ping, now); });
    EXPECT_TRUE(loop.run_until([&] { return !client.arrivals.empty(); },
                               Instant::from_micros(0) + Duration::seconds(10)));
    EXPECT_EQ(loop.now(), Instant::from_micros(42000));
    EXPECT_EQ(server.arrivals, std::vector<Instant>{Instant::from_micros(21000)});
}

TEST(LinkLoop, LoopWakesForAFrameTheInjectorHoldsBack) {
    SimLink link(SimLinkConfig::symmetric(twenty_ms_eight_megabit()));
    FaultInjector reorder(link.end_a(), FaultConfig{.reorder = 1.0}, Rng(3));
    rt::SimLoop loop;
    Host client(reorder, false), server(link.end_b(), true);
    loop.add(client);
    loop.add(server);
    std::vector<std::uint8_t> ping(1000, 0xcd);
    loop.call_at(Instant::from_micros(0), [&](Instant now) { link.end_a().transmit(ping, now); });
    EXPECT_TRUE(loop.run_until([&] { return !client.arrivals.empty(); },
                               Instant::from_micros(0) + Duration::seconds(10)));
    // Held for the default 10 ms hold, since no later frame came to release it.
    EXPECT_EQ(loop.now(), Instant::from_micros(52000));
}

}  // namespace
}  // namespace ustack::dev
