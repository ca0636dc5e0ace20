// Soak: seeded runs with random link parameters, faults (loss up to 20%, reordering,
// duplication, corruption) and workloads; each must end with every byte intact and both sides
// CLOSED or TIME-WAIT. A failure names its seed and the `ustack sim` command that replays it.
#pragma once

#include <cstdint>
#include <string>

#include "sim/run_config.h"
#include "sim/runner.h"

namespace ustack::sim {

// The run soak seed `seed` stands for (a pure function of the seed).
RunConfig soak_config(std::uint64_t seed);

struct SoakOutcome {
    bool passed = false;
    std::string why;  // empty when passed: what went wrong, one line
    RunResult result;
};

SoakOutcome soak_one(std::uint64_t seed);
// Judges a finished run by the soak's rule.
SoakOutcome judge_soak(RunResult result);

}  // namespace ustack::sim
