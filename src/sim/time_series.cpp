#include "sim/time_series.h"

#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>

#include <fmt/format.h>

namespace ustack::sim {

tl::expected<TimeSeries, std::string> TimeSeries::create(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "w");
    if (f == nullptr)
        return tl::make_unexpected(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    TimeSeries t(f, path);
    // ssthresh is empty before the first congestion event ("arbitrarily high").
    if (std::fputs("time_s,flow,cwnd_bytes,ssthresh_bytes,in_flight_bytes,srtt_ms,rwnd_bytes,"
                   "bytes_acked\n",
                   f) < 0)
        t.write_failed_ = true;
    return t;
}

TimeSeries::TimeSeries(TimeSeries&& o) noexcept
    : file_(std::exchange(o.file_, nullptr)),
      path_(std::move(o.path_)),
      loop_(o.loop_),
      interval_(o.interval_),
      probe_(std::move(o.probe_)),
      flows_(o.flows_),
      stopped_(o.stopped_),
      write_failed_(o.write_failed_),
      rows_(o.rows_) {}

TimeSeries::~TimeSeries() {
    if (file_ != nullptr) std::fclose(file_);
}

void TimeSeries::start(rt::SimLoop& loop, Duration interval,
                       std::function<const FlowProbe*(std::size_t)> probe, std::size_t flows) {
    loop_ = &loop;
    interval_ = interval;
    probe_ = std::move(probe);
    flows_ = flows;
    tick(loop.now());
}

void TimeSeries::tick(Instant at) {
    if (stopped_) return;
    for (std::size_t i = 0; i < flows_; ++i) {
        const FlowProbe* p = probe_(i);
        if (p != nullptr && p->seen()) sample(at, i, p->last());
    }
    loop_->call_at(at + interval_, [this](Instant now) { tick(now); });
}

void TimeSeries::sample(Instant at, std::size_t flow, const FlowSample& s) {
    if (file_ == nullptr) return;
    const std::string ssthresh = s.ssthresh == std::numeric_limits<std::uint32_t>::max()
                                     ? ""
                                     : fmt::format("{}", s.ssthresh);
    const std::string row =
        fmt::format("{:.6f},{},{},{},{},{:.3f},{},{}\n", static_cast<double>(at.as_micros()) / 1e6,
                    flow, s.cwnd, ssthresh, s.in_flight,
                    static_cast<double>(s.srtt.as_micros()) / 1e3, s.rwnd, s.bytes_acked);
    if (std::fwrite(row.data(), 1, row.size(), file_) != row.size()) write_failed_ = true;
    ++rows_;
}

tl::expected<void, std::string> TimeSeries::finish() {
    stopped_ = true;
    if (file_ == nullptr) return {};
    const bool flushed = std::fflush(file_) == 0;
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    if (write_failed_ || !flushed || !closed)
        return tl::make_unexpected(fmt::format("cannot write {}: {}", path_, std::strerror(errno)));
    return {};
}

}  // namespace ustack::sim
