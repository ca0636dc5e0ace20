// RunConfig: everything one `ustack sim` run is made of — workload, link, faults, TCP options and
// seed — and how it becomes a WorldConfig (link sizing, buffers for the bandwidth-delay product).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/time.h"
#include "sim/world.h"
#include "tcp/config.h"

namespace ustack::sim {

enum class Workload : std::uint8_t {
    Bulk,             // each flow moves bytes (or runs for a duration) client -> server
    Echo,             // the client streams bytes; the server writes back everything it reads
    RequestResponse,  // count transactions: a request of request_bytes, a response_bytes reply
};

// "bulk", "echo", "rr".
std::string_view to_string(Workload w);

// The bottleneck: the same in both directions. Faults are applied to frames as each side
// receives them (so in both directions), with the same probabilities.
struct LinkParams {
    std::uint64_t rate_bps = 100'000'000;  // 0 = infinite (no serialisation delay)
    Duration one_way_delay = Duration::millis(10);
    std::size_t queue_frames = 0;  // tail-drop queue; 0 = one bandwidth-delay product (>= 16)
    double loss = 0.0;
    double reorder = 0.0;
    double duplicate = 0.0;
    double corrupt = 0.0;
    // Extra one-way delay per frame, uniform in [0, jitter] (dev::LinkConfig::jitter); 0: none.
    Duration jitter = Duration::zero();

    Duration rtt() const { return one_way_delay * 2; }
    // rate x RTT in bytes (0 for an infinite rate).
    std::uint64_t bdp_bytes() const;
    // The queue in frames after applying the default.
    std::size_t queue() const;
};

struct RunConfig {
    std::uint64_t seed = 1;
    Workload workload = Workload::Bulk;
    LinkParams link;
    tcp::CongestionControl cc = tcp::CongestionControl::Cubic;
    bool sack = true;
    // RFC 9406 HyStart++ for the initial slow start (tcp::Config::hystart).
    bool hystart = tcp::Config{}.hystart;
    // RFC 8985 §7 tail loss probes (tcp::Config::tail_loss_probe; they need SACK).
    bool tail_loss_probe = tcp::Config{}.tail_loss_probe;

    // Bulk: bytes per flow, unless `duration` is non-zero (then each flow sends as fast as it
    // can for that long, then closes). Echo: the bytes the client streams (and gets back).
    std::uint64_t bytes = 10'000'000;
    Duration duration = Duration::zero();
    std::uint32_t flows = 1;              // bulk only: parallel flows through the bottleneck
    Duration stagger = Duration::zero();  // bulk only: flow i starts at i x stagger
    std::size_t request_bytes = 100;      // rr
    std::size_t response_bytes = 1000;    // rr
    std::uint64_t count = 100;            // rr: transactions
    // Send and receive buffer (auto-tuning maximum) of every connection; 0 = sized from the
    // bandwidth-delay product: max(256 KiB, 2 x (BDP + queue)), so the window never limits.
    std::size_t buffer_bytes = 0;
    // Virtual time allowed for the whole run; the run stops there, finished or not.
    Duration limit = Duration::seconds(3600);

    // Every connection's settings (buffers, congestion control, SACK) for this run.
    tcp::Config tcp_config() const;
    // The World this run happens in (seeded, link sized, faults both ways).
    WorldConfig world_config(TapPoint tap) const;
    // `ustack sim ...` options that reproduce this run exactly.
    std::string command_line() const;
};

}  // namespace ustack::sim
