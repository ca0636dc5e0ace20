// The one source of randomness (ISN secrets, ephemeral ports, injected faults): seeded, so a
// seed reproduces a run. Each Stack or FaultInjector owns its own Rng; there is no global one.
#pragma once

#include <cstdint>
#include <random>

namespace ustack {

class Rng {
  public:
    explicit Rng(std::uint64_t seed) : engine_(seed) {}

    std::uint64_t next_u64() { return engine_(); }
    std::uint32_t next_u32() { return static_cast<std::uint32_t>(engine_() >> 32); }
    // Uniform in [0, bound); bound must be > 0.
    std::uint64_t below(std::uint64_t bound) {
        return std::uniform_int_distribution<std::uint64_t>(0, bound - 1)(engine_);
    }
    // True with probability p (0 <= p <= 1).
    bool chance(double p) { return std::uniform_real_distribution<double>(0.0, 1.0)(engine_) < p; }
    // A child generator whose stream is independent of this one's later draws.
    Rng fork() { return Rng(next_u64()); }

  private:
    std::mt19937_64 engine_;
};

}  // namespace ustack
