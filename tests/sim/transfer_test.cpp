// Bulk transfers between two whole stacks over a faulty SimLink: the data arrives byte-identical
// through drops, duplicates, reordering and corruption (which the checksums must catch).
#include <gtest/gtest.h>

#include <cstdio>

#include "sim/bulk_transfer.h"
#include "sim/pcap_sink.h"
#include "sim/world.h"
#include "sim_util.h"

namespace ustack::sim {
namespace {

WorldConfig faulty_world(std::uint64_t seed, bool ipv6) {
    // 100 Mbit/s spaces the segments (120 us apart), so the receiver acknowledges as it goes
    // rather than once per window, and the ACK direction carries thousands of frames too.
    WorldConfig c = testing::faulty_world(seed, Duration::millis(1), 100'000'000);
    c.ipv6 = ipv6;
    return c;
}

struct TransferOutcome {
    bool done = false;
    std::uint64_t received = 0;
    std::optional<std::uint64_t> mismatch;
    std::optional<Errc> client_error;
    std::optional<Errc> server_error;
    stack::StackCounters client;
    stack::StackCounters server;
    dev::FaultCounters faults_at_client;
    dev::FaultCounters faults_at_server;
};

// Runs one transfer with the client's wire captured to `pcap_path`.
TransferOutcome transfer(const WorldConfig& config, std::uint64_t bytes,
                         const std::string& pcap_path) {
    auto pcap = PcapSink::create(pcap_path);
    EXPECT_TRUE(pcap) << pcap.error();
    World world(config, pcap ? &*pcap : nullptr);
    BulkConfig bc;
    bc.bytes = bytes;
    BulkTransfer t(world, bc);
    EXPECT_TRUE(t.start());
    TransferOutcome o;
    o.done = world.run_until([&] { return t.done(); }, Duration::seconds(600));
    world.run_until_quiet(Duration::seconds(600));
    o.received = t.received();
    o.mismatch = t.first_mismatch();
    o.client_error = t.client_error();
    o.server_error = t.server_error();
    o.client = world.client().stack().counters();
    o.server = world.server().stack().counters();
    o.faults_at_client = world.faults_at_client().counters();
    o.faults_at_server = world.faults_at_server().counters();
    if (pcap) {
        EXPECT_TRUE(pcap->flush());
    }
    return o;
}

class Transfer : public ::testing::Test {
  protected:
    void TearDown() override {
        if (!HasFailure()) return;
        dir_.keep();
        std::printf("kept the failing transfer's capture (client wire): %s\n",
                    dir_.file("transfer.pcap").c_str());
    }
    testing::TempDir dir_;
};

void expect_intact(const TransferOutcome& o, std::uint64_t bytes) {
    EXPECT_TRUE(o.done);
    EXPECT_EQ(o.received, bytes);
    EXPECT_FALSE(o.mismatch) << "first wrong byte at offset " << o.mismatch.value_or(0);
    EXPECT_FALSE(o.client_error);
    EXPECT_FALSE(o.server_error);
    // Every kind of fault really happened, in both directions.
    for (const dev::FaultCounters* f : {&o.faults_at_client, &o.faults_at_server}) {
        EXPECT_GT(f->dropped, 0u);
        EXPECT_GT(f->duplicated, 0u);
        EXPECT_GT(f->reordered, 0u);
        EXPECT_GT(f->corrupted, 0u);
    }
    // RFC 9293 §3.1 / RFC 791: corrupted segments are caught by the TCP or IPv4 header checksum
    // (a flipped version or length field fails parsing instead) and never reach the data.
    EXPECT_GT(o.server.tcp_bad_checksum, 0u);
    EXPECT_GT(o.client.tcp_bad_checksum + o.client.ip_bad_checksum + o.client.ip_malformed +
                  o.client.tcp_malformed,
              0u);
}

TEST_F(Transfer, TenMegabytesArriveByteIdenticalThroughDropDuplicateReorderCorrupt) {
    constexpr std::uint64_t kBytes = 10 * 1000 * 1000;
    const TransferOutcome o = transfer(faulty_world(1, false), kBytes, dir_.file("transfer.pcap"));
    expect_intact(o, kBytes);
}

TEST_F(Transfer, TenMegabytesOverIpv6WithAnotherSeed) {
    constexpr std::uint64_t kBytes = 10 * 1000 * 1000;
    const TransferOutcome o = transfer(faulty_world(2, true), kBytes, dir_.file("transfer.pcap"));
    expect_intact(o, kBytes);
}

TEST(TransferPattern, BytesDependOnSeedAndOffsetAndFillMatchesByteByByte) {
    std::vector<std::uint8_t> buf(100);
    pattern_fill(7, 13, buf);
    for (std::size_t i = 0; i < buf.size(); ++i)
        EXPECT_EQ(buf[i], pattern_byte(7, 13 + i)) << i;
    int same = 0;
    for (std::uint64_t i = 0; i < 1000; ++i)
        same += pattern_byte(7, i) == pattern_byte(8, i) ? 1 : 0;
    EXPECT_LT(same, 20);  // about 1000 / 256 by chance
}

}  // namespace
}  // namespace ustack::sim
