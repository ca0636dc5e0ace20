// A small soak: 30 seeded runs with random links, faults (loss up to 20%, reordering,
// duplication, corruption) and workloads, each intact and closed; soak configs are reproducible.
#include <gtest/gtest.h>

#include "sim/soak.h"

namespace ustack::sim {
namespace {

TEST(Soak, ThirtySeedsEndIntactAndClosed) {
    for (std::uint64_t seed = 1; seed <= 30; ++seed) {
        const SoakOutcome o = soak_one(seed);
        EXPECT_TRUE(o.passed) << "seed " << seed << ": " << o.why
                              << "\n  replay: " << soak_config(seed).command_line();
    }
}

TEST(Soak, ConfigsArePureFunctionsOfTheSeedAndCoverTheFaults) {
    EXPECT_EQ(soak_config(7).command_line(), soak_config(7).command_line());
    bool lossy = false, reordered = false, duplicated = false, corrupted = false;
    for (std::uint64_t seed = 1; seed <= 100; ++seed) {
        const RunConfig c = soak_config(seed);
        EXPECT_LE(c.link.loss, 0.20);
        lossy |= c.link.loss > 0.1;
        reordered |= c.link.reorder > 0;
        duplicated |= c.link.duplicate > 0;
        corrupted |= c.link.corrupt > 0;
    }
    EXPECT_TRUE(lossy && reordered && duplicated && corrupted);
}

TEST(Soak, AFailureIsReportedWithItsReason) {
    RunResult r;  // never started
    const SoakOutcome o = judge_soak(r);
    EXPECT_FALSE(o.passed);
    EXPECT_FALSE(o.why.empty());
}

TEST(Soak, AStalledRunIsReportedAsStalled) {
    RunResult r;
    r.started = true;
    r.stalled = true;
    r.end = Instant::from_micros(0) + Duration::millis(3100);
    r.flows.emplace_back();
    const SoakOutcome o = judge_soak(r);
    EXPECT_FALSE(o.passed);
    EXPECT_EQ(o.why.rfind("stalled at 3100 ms: nothing was left to happen", 0), 0u) << o.why;
}

}  // namespace
}  // namespace ustack::sim
