// Two flows through one bottleneck, the second starting a second after the first, converge to a
// fair share: Jain's index of their goodput over the second half of a 60 s virtual run >= 0.95.
#include <gtest/gtest.h>

#include "sim/run_config.h"
#include "sim/run_summary.h"
#include "sim/runner.h"

namespace ustack::sim {
namespace {

RunConfig two_flows(tcp::CongestionControl cc, std::uint64_t rate_bps = 10'000'000) {
    RunConfig c;
    c.link.rate_bps = rate_bps;
    c.link.one_way_delay = Duration::millis(10);  // RTT 20 ms, queue one BDP
    c.cc = cc;
    c.flows = 2;
    c.stagger = Duration::seconds(1);
    c.duration = Duration::seconds(60);
    return c;
}

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
    expect_fair(two_flows(tcp::CongestionControl::Cubic));
}

TEST(Fairness, TwoNewRenoFlowsConverge) {
    expect_fair(two_flows(tcp::CongestionControl::NewReno));
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
