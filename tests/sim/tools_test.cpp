// The real tools read our captures: tcpdump and tshark find no malformed packet and no bad
// checksum in the demo's pcap or in a faulty transfer's, and the demo's packet lines are exactly
// what tcpdump prints for that file. Skipped (with the reason) when a tool is not installed.
#include <gtest/gtest.h>

#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "capture/print_options.h"
#include "sim/bulk_transfer.h"
#include "sim/echo_scenario.h"
#include "sim/fan_out_sink.h"
#include "sim/pcap_sink.h"
#include "sim/print_sink.h"
#include "sim/timeline.h"
#include "sim/world.h"
#include "sim_util.h"

namespace ustack::sim {
namespace {

using testing::run_command;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

// What tshark reports as malformed or as an error (bad checksums included), one line each.
// The payload is a pseudo-random pattern, not an application protocol: tshark's heuristic Thrift
// dissector (on by default for TCP) takes some segments of it for Thrift and calls them
// malformed, so it is switched off.
std::string tshark_problems(const std::string& pcap) {
    const auto r =
        run_command("tshark -r '" + pcap +
                    "' --disable-heuristic thrift_tcp"
                    " -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE"
                    " -Y '_ws.malformed || _ws.expert.severity >= error || tcp.checksum.status == 0"
                    " || ip.checksum.status == 0'");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
}

class Tools : public ::testing::Test {
  protected:
    void TearDown() override {
        if (!HasFailure()) return;
        dir_.keep();
        std::printf("kept the captures: %s\n", dir_.path().c_str());
    }
    // The demo's scenario captured to demo.pcap; its timeline in timeline_.
    void demo(Variant v = Variant::ThreePacketClose) {
        auto pcap = PcapSink::create(dir_.file("demo.pcap"));
        ASSERT_TRUE(pcap) << pcap.error();
        timeline_.emplace();
        capture::PrintOptions print;
        print.numeric = 2;
        print.time = capture::TimeFormat::None;
        PrintSink printer(print, [&](dev::Direction d, Instant at, std::string_view text) {
            timeline_->packet(d, at, text);
        });
        FanOutSink tap;
        tap.add(printer);
        tap.add(*pcap);
        ScenarioOptions o;
        o.variant = v;
        ASSERT_TRUE(run_echo_scenario(o, &tap, &*timeline_).finished);
        ASSERT_TRUE(pcap->flush());
    }
    // A 2 MB transfer through drops, duplicates, reordering and 1% corruption, the tap at
    // `tap` (the wire below the client's FaultInjector, or the client Stack above it).
    void faulty_transfer(const std::string& name, TapPoint tap) {
        auto pcap = PcapSink::create(dir_.file(name));
        ASSERT_TRUE(pcap) << pcap.error();
        WorldConfig c = testing::faulty_world(5, Duration::millis(1), 100'000'000);
        c.tap = tap;
        World world(c, &*pcap);
        BulkConfig bc;
        bc.bytes = 2'000'000;
        BulkTransfer t(world, bc);
        ASSERT_TRUE(t.start());
        ASSERT_TRUE(world.run_until([&] { return t.done(); }, Duration::seconds(300)));
        world.run_until_quiet(Duration::seconds(300));
        ASSERT_GT(world.faults_at_client().counters().corrupted, 0u);
        ASSERT_TRUE(pcap->flush());
    }

    testing::TempDir dir_;
    std::optional<Timeline> timeline_;
};

TEST_F(Tools, TcpdumpPrintsTheDemoLinesExactly) {
    if (!testing::have_program("tcpdump")) GTEST_SKIP() << "tcpdump is not installed";
    demo();
    const auto r = run_command("tcpdump -nn -t -r '" + dir_.file("demo.pcap") + "'");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> ours;
    for (const Entry& e : timeline_->entries()) {
        if (e.kind == EntryKind::Packet) ours.push_back(e.text);
    }
    EXPECT_EQ(lines_of(r.out), ours);
}

TEST_F(Tools, TcpdumpFindsEveryChecksumCorrectInDemoAndFaultyTransfer) {
    if (!testing::have_program("tcpdump")) GTEST_SKIP() << "tcpdump is not installed";
    demo();
    faulty_transfer("transfer.pcap", TapPoint::ClientWire);
    for (const char* name : {"demo.pcap", "transfer.pcap"}) {
        const auto r = run_command("tcpdump -nn -vv -r '" + dir_.file(name) + "'");
        ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
        EXPECT_EQ(r.out.find("incorrect"), std::string::npos) << name;
        EXPECT_EQ(r.out.find("[|"), std::string::npos) << name;         // truncated or malformed
        EXPECT_EQ(r.out.find("bad cksum"), std::string::npos) << name;  // IPv4 header checksum
        EXPECT_NE(r.out.find("(correct)"), std::string::npos) << name;
    }
}

TEST_F(Tools, TsharkFindsNoMalformedPacketNorBadChecksum) {
    if (!testing::have_program("tshark")) GTEST_SKIP() << "tshark is not installed";
    demo();
    faulty_transfer("transfer.pcap", TapPoint::ClientWire);
    EXPECT_EQ(tshark_problems(dir_.file("demo.pcap")), "");
    EXPECT_EQ(tshark_problems(dir_.file("transfer.pcap")), "");
    const auto count = run_command("tshark -r '" + dir_.file("demo.pcap") + "'");
    EXPECT_EQ(lines_of(count.out).size(), timeline_->packet_count());
}

// The check above can fail: a Tap above the FaultInjector records the corrupted frames as the
// Stack received them, and tshark reports their checksums.
TEST_F(Tools, TsharkCheckCatchesCorruptedFramesCapturedAboveTheFaultInjector) {
    if (!testing::have_program("tshark")) GTEST_SKIP() << "tshark is not installed";
    faulty_transfer("stack_side.pcap", TapPoint::ClientStack);
    EXPECT_NE(tshark_problems(dir_.file("stack_side.pcap")), "");
}

TEST_F(Tools, TcpdumpAndTsharkReadEveryVariantsCapture) {
    const bool tcpdump = testing::have_program("tcpdump");
    const bool tshark = testing::have_program("tshark");
    if (!tcpdump && !tshark) GTEST_SKIP() << "neither tcpdump nor tshark is installed";
    for (Variant v : {Variant::FourWayClose, Variant::Refused, Variant::Abort, Variant::HalfClose,
                      Variant::SimultaneousOpen, Variant::SimultaneousClose}) {
        demo(v);
        if (tcpdump) {
            const auto r = run_command("tcpdump -nn -vv -r '" + dir_.file("demo.pcap") + "'");
            EXPECT_EQ(r.exit_code, 0) << to_string(v);
            EXPECT_EQ(r.out.find("incorrect"), std::string::npos) << to_string(v);
        }
        if (tshark) {
            EXPECT_EQ(tshark_problems(dir_.file("demo.pcap")), "") << to_string(v);
        }
    }
}

}  // namespace
}  // namespace ustack::sim
