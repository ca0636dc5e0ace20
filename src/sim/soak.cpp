#include "sim/soak.h"

#include <fmt/format.h>

#include "base/rng.h"
#include "tcp/state.h"

namespace ustack::sim {

namespace {

// Uniform in [0, max) with a resolution of 1e-4.
double fraction(Rng& rng, double max) {
    return static_cast<double>(rng.below(static_cast<std::uint64_t>(max * 10000))) / 10000.0;
}

}  // namespace

RunConfig soak_config(std::uint64_t seed) {
    Rng rng(seed ^ 0x5eed5eed5eed5eedull);
    RunConfig c;
    c.seed = seed;
    static constexpr std::uint64_t kRates[] = {0, 1'000'000, 10'000'000, 100'000'000,
                                               1'000'000'000};
    c.link.rate_bps = kRates[rng.below(5)];
    c.link.one_way_delay = Duration::micros(static_cast<std::int64_t>(rng.below(50'001)));
    c.link.queue_frames = rng.chance(0.5) ? 0 : static_cast<std::size_t>(4 + rng.below(200));
    c.link.loss = rng.chance(0.2) ? 0.0 : fraction(rng, 0.20);
    c.link.reorder = rng.chance(0.5) ? 0.0 : fraction(rng, 0.10);
    c.link.duplicate = rng.chance(0.5) ? 0.0 : fraction(rng, 0.05);
    c.link.corrupt = rng.chance(0.5) ? 0.0 : fraction(rng, 0.05);
    c.cc = rng.chance(0.5) ? tcp::CongestionControl::Cubic : tcp::CongestionControl::NewReno;
    c.sack = rng.chance(0.75);
    const std::uint64_t w = rng.below(10);
    if (w < 6) {
        c.workload = Workload::Bulk;
        c.bytes = rng.below(1'000'001);
        c.flows = static_cast<std::uint32_t>(1 + rng.below(3));
    } else if (w < 8) {
        c.workload = Workload::Echo;
        c.bytes = 1 + rng.below(200'000);
    } else {
        c.workload = Workload::RequestResponse;
        c.request_bytes = 1 + rng.below(2000);
        c.response_bytes = 1 + rng.below(20'000);
        c.count = 1 + rng.below(20);
    }
    c.limit = Duration::seconds(3600);
    return c;
}

SoakOutcome judge_soak(RunResult result) {
    SoakOutcome o;
    if (!result.started) {
        o.why = "a listen() or connect() failed";
    } else if (!result.finished) {
        o.why = result.stalled ? fmt::format("stalled at {} ms: nothing was left to happen",
                                             (result.end - Instant::from_micros(0)).as_millis())
                               : "not finished within the time limit";
        for (std::size_t i = 0; i < result.flows.size(); ++i) {
            const FlowResult& f = result.flows[i];
            if (f.byte_identical && f.closed_cleanly()) continue;
            o.why += fmt::format(
                "; flow {}: {} of {} bytes read, client {}, server {}, smoothed RTT {} ms, {} RTO "
                "events",
                i, f.received, f.expected,
                f.client_state ? tcp::to_string(*f.client_state) : "never opened",
                f.server_state ? tcp::to_string(*f.server_state) : "never opened",
                f.last.srtt.as_millis(), f.last.rto_events);
            break;
        }
    }
    for (std::size_t i = 0; i < result.flows.size() && o.why.empty(); ++i) {
        const FlowResult& f = result.flows[i];
        if (!f.byte_identical) {
            o.why = fmt::format("flow {}: data not byte-identical ({} of {} bytes read)", i,
                                f.received, f.expected);
        } else if (!f.closed_cleanly()) {
            o.why = fmt::format(
                "flow {}: ended client {}, server {}{}{}", i,
                f.client_state ? tcp::to_string(*f.client_state) : "never opened",
                f.server_state ? tcp::to_string(*f.server_state) : "never opened",
                f.client_error ? fmt::format(", client error {}", to_string(*f.client_error)) : "",
                f.server_error ? fmt::format(", server error {}", to_string(*f.server_error)) : "");
        }
    }
    o.passed = o.why.empty();
    o.result = std::move(result);
    return o;
}

SoakOutcome soak_one(std::uint64_t seed) {
    return judge_soak(run(soak_config(seed)));
}

}  // namespace ustack::sim
