// run(): one `ustack sim` run — builds the World from a RunConfig, starts the workload's flows,
// watches every sender with a FlowProbe, runs virtual time until every flow has finished and
// every connection is CLOSED or TIME-WAIT (or the limit), and reports what happened.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "base/errc.h"
#include "base/time.h"
#include "dev/fault_injector.h"
#include "dev/frame_sink.h"
#include "dev/sim_link.h"
#include "sim/flow_probe.h"
#include "sim/run_config.h"
#include "sim/time_series.h"
#include "tcp/state.h"

namespace ustack::sim {

struct FlowResult {
    std::uint64_t sent = 0;            // bytes the sending application handed to TCP
    std::uint64_t expected = 0;        // bytes the receiver should have read (rr/echo: both ways)
    std::uint64_t received = 0;        // bytes the receivers read
    bool byte_identical = false;       // received == expected and every byte matched the pattern
    bool mismatch = false;             // some byte read differed from what was sent
    Instant started;                   // connect()
    std::optional<Instant> completed;  // the last byte read (bulk: the end of stream)
    std::optional<Instant> slow_start_end;
    std::uint64_t delivered_at_slow_start_end = 0;
    // With a duration: bytes read in its second half ([duration / 2, duration]), for fairness.
    std::uint64_t delivered_second_half = 0;
    FlowSample last;  // the sender's connection as last seen
    std::uint32_t longest_rto_chain = 0;
    std::optional<tcp::State> client_state;  // nullopt: never existed
    bool client_connected = false;           // the client's connection reached ESTABLISHED
    std::optional<tcp::State> server_state;
    std::optional<Errc> client_error;
    std::optional<Errc> server_error;

    // Application bytes per second x 8, connect to completion (bulk: bytes the server read).
    double goodput_bps() const;
    // Over [slow_start_end, completed]; nullopt when slow start never ended or no time passed.
    std::optional<double> goodput_after_slow_start_bps() const;
    bool closed_cleanly() const;  // both sides CLOSED or TIME-WAIT, no error
};

struct RunResult {
    std::vector<FlowResult> flows;
    bool finished = false;  // everything finished before the limit
    // Nothing was left to happen (no frame in flight, no timer armed on either side, no flow
    // still to start or stop) before everything finished: the run ended there, not at the limit.
    bool stalled = false;
    bool started = false;  // every listen() and connect() succeeded
    Instant end;           // virtual time when the run stopped
    dev::LinkCounters client_to_server;
    dev::LinkCounters server_to_client;
    dev::FaultCounters faults_at_client;
    dev::FaultCounters faults_at_server;
    std::uint64_t transactions = 0;   // rr
    std::vector<Duration> latencies;  // rr: per transaction
    std::uint64_t loop_steps = 0;
    Duration second_half = Duration::zero();  // its length (zero without a duration)

    bool all_byte_identical() const;
    bool all_closed_cleanly() const;
};

// Called between slices of virtual time (every 100 ms of it), for progress reports.
using ProgressFn = std::function<void(Instant now, const RunConfig& config)>;

// `sink` gets every frame seen where the client meets the link (nullptr: no capture); `csv`,
// when given, is sampled every `csv_interval` of virtual time.
RunResult run(const RunConfig& config, dev::FrameSink* sink = nullptr, TimeSeries* csv = nullptr,
              Duration csv_interval = Duration::millis(100), const ProgressFn& progress = {});

}  // namespace ustack::sim
