// Two flows through one bottleneck, the second starting some time after the first, converge to
// a fair share: Jain's index of their goodput over the second half of a 60 s virtual run >= 0.95.
//
// The link has a little jitter (up to 500 us per frame, each way). Without it the simulated
// drop-tail link is exactly periodic, and for some start offsets two flows lock into a cycle in
// which one flow's packets always reach the full queue just after a departure and the other's
// just before (the phase effects of Floyd and Jacobson, 1992): two CUBIC flows at 10 Mbit/s x
// 20 ms, the second 1.5 s later, then share at Jain 0.92, with or without HyStart++. Real paths
// have such small variations; with them the flows must be fair for every offset tried.
#include <gtest/gtest.h>

#include "sim/run_config.h"
#include "sim/run_summary.h"
#include "sim/runner.h"

namespace ustack::sim {
namespace {

RunConfig two_flows(tcp::CongestionControl cc, std::uint64_t rate_bps = 10'000'000,
                    Duration stagger = Duration::seconds(1)) {
    RunConfig c;
    c.link.rate_bps = rate_bps;
    c.link.one_way_delay = Duration::millis(10);  // RTT 20 ms, queue one BDP
    c.link.jitter = Duration::micros(500);
    c.cc = cc;
    c.flows = 2;
    c.stagger = stagger;
    c.duration = Duration::seconds(60);
    return c;
}

// The second flow's start offsets tried at 10 Mbit/s (each run is cheap there).
constexpr std::int64_t kStaggersMs[] = {500, 1000, 1500, 2000, 3000, 5000};

void expect_fair(const RunConfig& c) {
    const RunResult r = run(c);
    ASSERT_TRUE(r.finished);
    EXPECT_TRUE(r.all_byte_identical());
    EXPECT_TRUE(r.all_closed_cleanly());
    const auto j = second_half_fairness(r);
    ASSERT_TRUE(j);
    EXPECT_GE(*j, 0.95) << format_summary(c, r);
    // And together they use the link (not fair by both starving).
    const double total =
        static_cast<double>(r.flows[0].delivered_second_half + r.flows[1].delivered_second_half) *
        8 / r.second_half.as_seconds();
    EXPECT_GE(total, 0.8 * static_cast<double>(c.link.rate_bps)) << format_summary(c, r);
}

TEST(Fairness, TwoCubicFlowsConverge) {
    for (const std::int64_t ms : kStaggersMs) {
        SCOPED_TRACE(::testing::Message() << "second flow " << ms << " ms later");
        expect_fair(two_flows(tcp::CongestionControl::Cubic, 10'000'000, Duration::millis(ms)));
    }
}

TEST(Fairness, TwoNewRenoFlowsConverge) {
    for (const std::int64_t ms : kStaggersMs) {
        SCOPED_TRACE(::testing::Message() << "second flow " << ms << " ms later");
        expect_fair(two_flows(tcp::CongestionControl::NewReno, 10'000'000, Duration::millis(ms)));
    }
}

// HyStart++ off (RFC 5681 slow start to the first loss) is fair too.
TEST(Fairness, TwoCubicFlowsConvergeWithoutHyStart) {
    for (const std::int64_t ms : kStaggersMs) {
        SCOPED_TRACE(::testing::Message() << "second flow " << ms << " ms later");
        RunConfig c = two_flows(tcp::CongestionControl::Cubic, 10'000'000, Duration::millis(ms));
        c.hystart = false;
        expect_fair(c);
    }
}

// The same at 100 Mbit/s (a bandwidth-delay product of 167 segments rather than 17).
TEST(Fairness, TwoCubicFlowsConvergeAt100Mbits) {
    expect_fair(two_flows(tcp::CongestionControl::Cubic, 100'000'000));
}

TEST(Fairness, TwoNewRenoFlowsConvergeAt100Mbits) {
    expect_fair(two_flows(tcp::CongestionControl::NewReno, 100'000'000));
}

}  // namespace
}  // namespace ustack::sim
