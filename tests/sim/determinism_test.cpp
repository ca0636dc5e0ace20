// House rule 5: one seed reproduces a run — the same seed twice gives byte-identical pcap files,
// another seed another run.
#include <gtest/gtest.h>

#include <string>

#include "sim/bulk_transfer.h"
#include "sim/echo_scenario.h"
#include "sim/pcap_sink.h"
#include "sim/world.h"
#include "sim_util.h"

namespace ustack::sim {
namespace {

// The lossy echo (30% loss each way) captured to `path`.
void lossy_echo(std::uint64_t seed, const std::string& path) {
    auto pcap = PcapSink::create(path);
    ASSERT_TRUE(pcap) << pcap.error();
    ScenarioOptions o;
    o.seed = seed;
    o.loss = 0.3;
    const ScenarioResult r = run_echo_scenario(o, &*pcap, nullptr);
    EXPECT_TRUE(r.finished);
    ASSERT_TRUE(pcap->flush());
}

// A 1 MB transfer through every kind of fault, captured to `path`.
void faulty_transfer(std::uint64_t seed, const std::string& path) {
    auto pcap = PcapSink::create(path);
    ASSERT_TRUE(pcap) << pcap.error();
    World world(testing::faulty_world(seed, Duration::micros(500), 50'000'000), &*pcap);
    BulkConfig bc;
    bc.bytes = 1'000'000;
    BulkTransfer t(world, bc);
    ASSERT_TRUE(t.start());
    EXPECT_TRUE(world.run_until([&] { return t.done(); }, Duration::seconds(300)));
    world.run_until_quiet(Duration::seconds(300));
    EXPECT_EQ(t.received(), bc.bytes);
    ASSERT_TRUE(pcap->flush());
}

class Determinism : public ::testing::Test {
  protected:
    void TearDown() override {
        if (!HasFailure()) return;
        dir_.keep();
        std::printf("kept the captures: %s\n", dir_.path().c_str());
    }
    testing::TempDir dir_;
};

TEST_F(Determinism, SameSeedTwiceGivesByteIdenticalPcapOfLossyEcho) {
    lossy_echo(9, dir_.file("a.pcap"));
    lossy_echo(9, dir_.file("b.pcap"));
    const std::string a = testing::read_file(dir_.file("a.pcap"));
    EXPECT_GT(a.size(), 24u + 8 * 56u);  // the file header and more than eight packets
    EXPECT_TRUE(a == testing::read_file(dir_.file("b.pcap")));
}

TEST_F(Determinism, SameSeedTwiceGivesByteIdenticalPcapOfFaultyTransfer) {
    faulty_transfer(3, dir_.file("a.pcap"));
    faulty_transfer(3, dir_.file("b.pcap"));
    const std::string a = testing::read_file(dir_.file("a.pcap"));
    EXPECT_GT(a.size(), 1'000'000u);
    EXPECT_TRUE(a == testing::read_file(dir_.file("b.pcap")));
}

TEST_F(Determinism, DifferentSeedsGiveDifferentRuns) {
    lossy_echo(9, dir_.file("a.pcap"));
    lossy_echo(10, dir_.file("b.pcap"));
    EXPECT_FALSE(testing::read_file(dir_.file("a.pcap")) ==
                 testing::read_file(dir_.file("b.pcap")));
    faulty_transfer(3, dir_.file("c.pcap"));
    faulty_transfer(4, dir_.file("d.pcap"));
    EXPECT_FALSE(testing::read_file(dir_.file("c.pcap")) ==
                 testing::read_file(dir_.file("d.pcap")));
}

TEST_F(Determinism, SeedChangesIsnsAndPortsEvenWithoutLoss) {
    ScenarioOptions o;
    for (std::uint64_t seed : {1, 2}) {
        o.seed = seed;
        auto pcap = PcapSink::create(dir_.file("seed" + std::to_string(seed) + ".pcap"));
        ASSERT_TRUE(pcap);
        EXPECT_TRUE(run_echo_scenario(o, &*pcap, nullptr).finished);
        ASSERT_TRUE(pcap->flush());
    }
    EXPECT_FALSE(testing::read_file(dir_.file("seed1.pcap")) ==
                 testing::read_file(dir_.file("seed2.pcap")));
}

}  // namespace
}  // namespace ustack::sim
