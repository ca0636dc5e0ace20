// The `ustack sim` engine: workloads over faulty links end byte-identical with the right final
// states, runs are reproduced by their seed, probes and time series see the sender, Jain's index.
#include <gtest/gtest.h>

#include <limits>
#include <sstream>
#include <string>

#include "sim/run_config.h"
#include "sim/run_summary.h"
#include "sim/runner.h"
#include "sim/time_series.h"
#include "sim_util.h"

namespace ustack::sim {
namespace {

RunConfig small_bulk() {
    RunConfig c;
    c.link.rate_bps = 10'000'000;
    c.link.one_way_delay = Duration::millis(5);
    c.bytes = 300'000;
    return c;
}

void expect_clean(const RunResult& r) {
    EXPECT_TRUE(r.finished);
    EXPECT_TRUE(r.all_byte_identical());
    EXPECT_TRUE(r.all_closed_cleanly());
    for (const FlowResult& f : r.flows) {
        EXPECT_EQ(f.received, f.expected);
        ASSERT_TRUE(f.client_state);
        ASSERT_TRUE(f.server_state);
        EXPECT_TRUE(*f.client_state == tcp::State::TimeWait ||
                    *f.client_state == tcp::State::Closed);
        EXPECT_TRUE(*f.server_state == tcp::State::TimeWait ||
                    *f.server_state == tcp::State::Closed);
    }
}

TEST(SimRun, BulkCleanLinkDeliversEveryByte) {
    const RunResult r = run(small_bulk());
    expect_clean(r);
    ASSERT_EQ(r.flows.size(), 1u);
    EXPECT_EQ(r.flows[0].expected, 300'000u);
    EXPECT_GT(r.flows[0].goodput_bps(), 0.0);
    EXPECT_LT(r.flows[0].goodput_bps(), 10e6);  // never above the link rate
    EXPECT_GT(r.flows[0].last.srtt, Duration::millis(10));
    EXPECT_EQ(r.flows[0].last.bytes_acked, 300'000u);
}

// A connect that times out (every SYN lost) leaves nothing to happen: the run ends there as
// stalled, long before its limit, and says the client never connected.
TEST(SimRun, ARunWithNothingLeftToHappenEndsAsStalled) {
    RunConfig c = small_bulk();
    c.link.loss = 1.0;
    const RunResult r = run(c);
    EXPECT_FALSE(r.finished);
    EXPECT_TRUE(r.stalled);
    EXPECT_LT(r.end - Instant::from_micros(0), Duration::seconds(200));  // the limit is 3600 s
    ASSERT_EQ(r.flows.size(), 1u);
    EXPECT_FALSE(r.flows[0].client_connected);
    EXPECT_EQ(r.flows[0].client_error, Errc::TimedOut);
    const std::string summary = format_summary(c, r);
    EXPECT_NE(summary.find("the run stalled"), std::string::npos) << summary;
    EXPECT_NE(summary.find("did not reach ESTABLISHED"), std::string::npos) << summary;
    EXPECT_NE(summary.find("before the connect failed"), std::string::npos) << summary;
}

TEST(SimRun, ACleanRunIsNeitherStalledNorUnconnected) {
    const RunResult r = run(small_bulk());
    expect_clean(r);
    EXPECT_FALSE(r.stalled);
    EXPECT_TRUE(r.flows[0].client_connected);
}

TEST(SimRun, BulkOverLossReorderDuplicationCorruptionIsByteIdentical) {
    RunConfig c = small_bulk();
    c.link.loss = 0.05;
    c.link.reorder = 0.05;
    c.link.duplicate = 0.02;
    c.link.corrupt = 0.02;
    const RunResult r = run(c);
    expect_clean(r);
    EXPECT_GT(r.faults_at_server.dropped, 0u);
    EXPECT_GT(r.faults_at_server.corrupted, 0u);
    EXPECT_GT(r.flows[0].last.fast_retransmits + r.flows[0].last.rto_events, 0u);
}

TEST(SimRun, NewRenoWithoutSackIsByteIdentical) {
    RunConfig c = small_bulk();
    c.cc = tcp::CongestionControl::NewReno;
    c.sack = false;
    c.link.loss = 0.02;
    expect_clean(run(c));
}

TEST(SimRun, SeveralFlowsShareTheLink) {
    RunConfig c = small_bulk();
    c.flows = 3;
    c.stagger = Duration::millis(50);
    const RunResult r = run(c);
    expect_clean(r);
    ASSERT_EQ(r.flows.size(), 3u);
    EXPECT_EQ(r.flows[2].started, Instant::from_micros(100'000));
}

TEST(SimRun, DurationEndsTheFlowsAndMeasuresTheSecondHalf) {
    RunConfig c = small_bulk();
    c.duration = Duration::seconds(2);
    c.flows = 2;
    const RunResult r = run(c);
    expect_clean(r);
    EXPECT_EQ(r.second_half, Duration::seconds(1));
    for (const FlowResult& f : r.flows) {
        EXPECT_GT(f.delivered_second_half, 0u);
        EXPECT_EQ(f.received, f.sent);
    }
    ASSERT_TRUE(second_half_fairness(r));
}

TEST(SimRun, EchoComesBackIntact) {
    RunConfig c = small_bulk();
    c.workload = Workload::Echo;
    c.bytes = 200'000;
    c.link.loss = 0.02;
    const RunResult r = run(c);
    expect_clean(r);
    EXPECT_EQ(r.flows[0].expected, 400'000u);  // both ways
}

TEST(SimRun, RequestResponseCountsTransactions) {
    RunConfig c = small_bulk();
    c.workload = Workload::RequestResponse;
    c.request_bytes = 300;
    c.response_bytes = 5000;
    c.count = 20;
    const RunResult r = run(c);
    expect_clean(r);
    EXPECT_EQ(r.transactions, 20u);
    ASSERT_EQ(r.latencies.size(), 20u);
    for (Duration l : r.latencies)
        EXPECT_GE(l, Duration::millis(10));  // at least one RTT each
}

TEST(SimRun, SameSeedSameRunOtherSeedOtherRun) {
    RunConfig c = small_bulk();
    c.link.loss = 0.03;
    c.link.reorder = 0.03;
    const std::string a = format_summary(c, run(c));
    EXPECT_EQ(a, format_summary(c, run(c)));
    c.seed = 2;
    EXPECT_NE(a, format_summary(c, run(c)));
}

TEST(SimRun, LossyRunsRecordRtoChains) {
    RunConfig c = small_bulk();
    // Half the frames lost each way: even with lost-retransmission detection (SACK recovery
    // no longer needs the timer for a lost retransmission, so 30% loss no longer forces one)
    // the sender has to time out, and the chain must be recorded.
    c.link.loss = 0.5;
    c.bytes = 50'000;
    const RunResult r = run(c);
    EXPECT_TRUE(r.all_byte_identical());
    EXPECT_GE(r.flows[0].longest_rto_chain, 1u);
    EXPECT_LE(r.flows[0].longest_rto_chain, r.flows[0].last.rto_events);
}

TEST(SimRun, TimeSeriesSamplesTheSender) {
    testing::TempDir dir;
    auto ts = TimeSeries::create(dir.file("t.csv"));
    ASSERT_TRUE(ts);
    RunConfig c = small_bulk();
    const RunResult r = run(c, nullptr, &*ts, Duration::millis(10));
    ASSERT_TRUE(ts->finish());
    expect_clean(r);
    std::istringstream in(testing::read_file(dir.file("t.csv")));
    std::string line;
    ASSERT_TRUE(std::getline(in, line));
    EXPECT_EQ(line,
              "time_s,flow,cwnd_bytes,ssthresh_bytes,in_flight_bytes,srtt_ms,rwnd_bytes,"
              "bytes_acked");
    int rows = 0;
    std::string last;
    while (std::getline(in, line)) {
        ++rows;
        last = line;
    }
    // One row per 10 ms while the flow runs, plus the final one.
    EXPECT_GE(rows, static_cast<int>((r.end - Instant::from_micros(0)).as_micros() / 10'000));
    EXPECT_TRUE(last.ends_with(",300000")) << last;
}

TEST(SimRun, CannotWriteTimeSeriesNamesTheFile) {
    const auto ts = TimeSeries::create("/nonexistent-dir/t.csv");
    ASSERT_FALSE(ts);
    EXPECT_NE(ts.error().find("/nonexistent-dir/t.csv"), std::string::npos);
}

TEST(SimRun, BuffersCoverTheBandwidthDelayProduct) {
    RunConfig c;
    c.link.rate_bps = 1'000'000'000;
    c.link.one_way_delay = Duration::millis(150);
    EXPECT_EQ(c.link.bdp_bytes(), 37'500'000u);
    EXPECT_EQ(c.link.queue(), 25'000u);
    const tcp::Config t = c.tcp_config();
    EXPECT_GE(t.send_buffer, 2 * 37'500'000u);
    EXPECT_GE(t.recv_buffer_max, 2 * 37'500'000u);
    EXPECT_GE(c.world_config(TapPoint::None).link.a_to_b.slots, 25'000u + 12'500u);
}

TEST(Jain, EqualSharesAreOneAndOneTakingAllIsOneOverN) {
    EXPECT_DOUBLE_EQ(jain_index({5, 5}), 1.0);
    EXPECT_DOUBLE_EQ(jain_index({1, 0}), 0.5);
    EXPECT_DOUBLE_EQ(jain_index({3, 0, 0}), 1.0 / 3);
    EXPECT_NEAR(jain_index({1, 2}), 0.9, 1e-12);
}

}  // namespace
}  // namespace ustack::sim
