// TimeSeries: samples every flow's FlowProbe at a fixed virtual interval and writes one CSV row
// per flow per sample (time, flow, cwnd, ssthresh, in flight, srtt, rwnd, bytes acked).
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "base/time.h"
#include "rt/sim_loop.h"
#include "sim/flow_probe.h"

namespace ustack::sim {

class TimeSeries {
  public:
    // Creates (truncates) `path` and writes the header; the error names the file.
    static tl::expected<TimeSeries, std::string> create(const std::string& path);
    TimeSeries(TimeSeries&& o) noexcept;
    TimeSeries& operator=(TimeSeries&&) = delete;
    TimeSeries(const TimeSeries&) = delete;
    ~TimeSeries();

    // Samples `probes` (flow i is probes[i]) every `interval` from loop.now() on, as timers on
    // the loop; the first row is at loop.now(). `probes` must outlive the sampling.
    void start(rt::SimLoop& loop, Duration interval,
               std::function<const FlowProbe*(std::size_t)> probe, std::size_t flows);
    // Writes the rows for one instant (what start() does at every tick).
    void sample(Instant at, std::size_t flow, const FlowSample& s);
    // Stops sampling and flushes; the error names the file.
    tl::expected<void, std::string> finish();
    std::uint64_t rows() const { return rows_; }
    const std::string& path() const { return path_; }

  private:
    TimeSeries(std::FILE* file, std::string path) : file_(file), path_(std::move(path)) {}
    void tick(Instant at);

    std::FILE* file_ = nullptr;
    std::string path_;
    rt::SimLoop* loop_ = nullptr;
    Duration interval_;
    std::function<const FlowProbe*(std::size_t)> probe_;
    std::size_t flows_ = 0;
    bool stopped_ = false;
    bool write_failed_ = false;
    std::uint64_t rows_ = 0;
};

}  // namespace ustack::sim
