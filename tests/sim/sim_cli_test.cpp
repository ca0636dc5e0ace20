// `ustack sim` as a user runs it: the summary of each workload, the pcap and CSV it writes, the
// exit codes, and one clear message with exit code 1 for bad input.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "sim_util.h"

namespace ustack::sim {
namespace {

using testing::CommandResult;
using testing::run_command;

class SimCli : public ::testing::Test {
  protected:
    CommandResult sim(const std::string& args) {
        return run_command("cd '" + dir_.path() + "' && '" USTACK_BINARY "' sim " + args);
    }
    void TearDown() override {
        if (!HasFailure()) return;
        dir_.keep();
        std::printf("kept the sim's directory: %s\n", dir_.path().c_str());
    }
    testing::TempDir dir_;
};

bool has(const std::string& text, const std::string& what) {
    return text.find(what) != std::string::npos;
}

// The summary line that starts with `label` (e.g. "  final cwnd"), or "" when there is none.
std::string summary_line(const std::string& out, const std::string& label) {
    const auto at = out.find(label);
    if (at == std::string::npos) return "";
    return out.substr(at, out.find('\n', at) - at);
}

TEST_F(SimCli, BulkSummary) {
    const CommandResult r = sim("--bytes 1M --rate 10M --rtt 20ms --loss 1% --seed 3");
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    for (const char* line : {
             "ustack sim: bulk over 10 Mbit/s, RTT 20 ms (one-way delay 10 ms), queue 16 frames, "
             "loss 1% (each way)\n",
             "  CUBIC, SACK on, tail loss probes on, HyStart++ on, buffers ",
             "seed 3\n",
             "  data           1000000 of 1000000 bytes read, byte-identical: yes\n",
             "  completion     ",
             "  goodput        ",
             " Mbit/s (connect to last byte)\n",
             "  retransmits    ",
             " segments resent, ",
             " resends lost again; ",
             " fast retransmits; ",
             " tail loss probes; ",
             "  final cwnd     ",
             "smoothed RTT ",
             "  final states   client TIME-WAIT, server CLOSED\n",
         }) {
        EXPECT_TRUE(has(r.out, line)) << "missing: " << line << "\n" << r.out;
    }
}

// Seed 3 loses the SYN twice: the 3 s of sending end while the client is still in SYN-SENT, so
// the flow closes before it ever connected. The run ends at once (not at the 3600 s limit) and
// the summary says what happened.
TEST_F(SimCli, AFlowThatNeverConnectedEndsTheRunAndIsExplained) {
    const CommandResult r = sim("--duration 3s --rate 100M --rtt 1ms --loss 10% --seed 3");
    EXPECT_EQ(r.exit_code, 2) << r.err << r.out;
    EXPECT_TRUE(has(r.out,
                    "  virtual time 3100 ms; the run stalled before everything finished: "
                    "nothing was left to happen"))
        << r.out;
    EXPECT_TRUE(has(r.out,
                    "  handshake      never completed: the client's connection did not "
                    "reach ESTABLISHED (its SYN resent 2 times, 2 RTO events) before "
                    "--duration ended the flow\n"))
        << r.out;
    EXPECT_TRUE(has(r.out, "  final states   client CLOSED, server never opened\n")) << r.out;
}

// --limit ending the run while the client still resends its SYN: the handshake line says so
// (the client neither gave up nor was closed).
TEST_F(SimCli, ALimitThatEndsTheHandshakeIsNamed) {
    const CommandResult r = sim("--bytes 10k --loss 99% --limit 2s --seed 1");
    const std::string& out = r.out;
    const std::string handshake =
        "ESTABLISHED (its SYN resent 1 time, 1 RTO event) before the run ended, with the client "
        "still resending its SYN\n";
    EXPECT_TRUE(r.exit_code == 2 && has(out, "the time limit stopped the run") &&
                has(out, handshake) && has(out, "  final states   client SYN-SENT"))
        << r.err << out;
}

TEST_F(SimCli, DelayIsOneWay) {
    const CommandResult r = sim("--bytes 10k --delay 30ms --cc newreno --no-sack");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(has(r.out, "RTT 60 ms (one-way delay 30 ms)")) << r.out;
    EXPECT_TRUE(has(r.out, "  NewReno, SACK off,")) << r.out;
}

// --hystart and --no-hystart choose RFC 9406 HyStart++ for the initial slow start, the summary
// says which, and it changes the run (the slow start ends before the queue overflows).
TEST_F(SimCli, HyStartSwitches) {
    const CommandResult on = sim("--bytes 20M --rate 100M --rtt 40ms --hystart");
    ASSERT_EQ(on.exit_code, 0) << on.err;
    EXPECT_TRUE(has(on.out, "  CUBIC, SACK on, tail loss probes on, HyStart++ on, ")) << on.out;
    const CommandResult off = sim("--bytes 20M --rate 100M --rtt 40ms --no-hystart");
    ASSERT_EQ(off.exit_code, 0) << off.err;
    EXPECT_TRUE(has(off.out, "  CUBIC, SACK on, tail loss probes on, HyStart++ off, ")) << off.out;
    ASSERT_TRUE(has(on.out, "  final cwnd") && has(off.out, "  final cwnd"));
    EXPECT_NE(summary_line(on.out, "  final cwnd"), summary_line(off.out, "  final cwnd"));
    const CommandResult both = sim("--hystart --no-hystart");
    EXPECT_EQ(both.exit_code, 1);
    EXPECT_TRUE(has(both.err, "excludes")) << both.err;
}

TEST_F(SimCli, TailLossProbesCanBeSwitchedOff) {
    // 10% loss each way at 1 ms: now and then every ACK of a flight's tail is lost. With probes
    // the sender sends again after about two RTTs; without them only the RTO helps. (At 5% the
    // receiver's quick ACKs after a hole leave too few such tails in 3 s to count on.)
    const std::string args = "--duration 3s --rate 100M --rtt 1ms --loss 10%";
    const CommandResult on = sim(args);
    const CommandResult off = sim(args + " --no-tlp");
    ASSERT_EQ(on.exit_code, 0) << on.err;
    ASSERT_EQ(off.exit_code, 0) << off.err;
    EXPECT_TRUE(has(on.out, ", tail loss probes on, ")) << on.out;
    EXPECT_TRUE(has(off.out, ", tail loss probes off, ")) << off.out;
    EXPECT_FALSE(has(on.out, "; 0 tail loss probes; ")) << on.out;
    EXPECT_TRUE(has(off.out, "; 0 tail loss probes; ")) << off.out;
    const CommandResult no_sack = sim(args + " --no-sack");
    ASSERT_EQ(no_sack.exit_code, 0) << no_sack.err;
    EXPECT_TRUE(has(no_sack.out, ", tail loss probes off, ")) << no_sack.out;
}

TEST_F(SimCli, JitterIsNamedInTheSummaryAndChangesTheRun) {
    const std::string args = "--bytes 2M --rate 10M --rtt 20ms";
    const CommandResult plain = sim(args);
    const CommandResult jittered = sim(args + " --jitter 500us");
    ASSERT_EQ(plain.exit_code, 0) << plain.err;
    ASSERT_EQ(jittered.exit_code, 0) << jittered.err;
    EXPECT_TRUE(has(jittered.out, "jitter up to 500 us")) << jittered.out;
    EXPECT_FALSE(has(plain.out, "jitter")) << plain.out;
    ASSERT_TRUE(has(plain.out, "  completion") && has(jittered.out, "  completion"));
    EXPECT_NE(summary_line(plain.out, "  completion"), summary_line(jittered.out, "  completion"));
}

TEST_F(SimCli, EchoAndRequestResponse) {
    CommandResult r = sim("--workload echo --bytes 100k --loss 0.02");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(has(r.out, "200000 of 200000 bytes read (both ways), byte-identical: yes"))
        << r.out;
    r = sim("--workload rr --request 200 --response 3000 --count 10");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(has(r.out, "transactions: 10 of 10; latency mean ")) << r.out;
}

TEST_F(SimCli, FlowsWithDurationReportFairness) {
    const CommandResult r = sim("--flows 2 --duration 2s --rate 10M");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(has(r.out, "flow 0:\n")) << r.out;
    EXPECT_TRUE(has(r.out, "flow 1:\n")) << r.out;
    EXPECT_TRUE(has(r.out, "fairness: Jain index ")) << r.out;
}

TEST_F(SimCli, WritesPcapAndCsv) {
    const CommandResult r = sim("--bytes 200k --pcap s.pcap --csv s.csv --interval 5ms");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(has(r.out, "frames written to s.pcap\n")) << r.out;
    EXPECT_FALSE(has(r.out + r.err, "pcap-limit")) << r.out << r.err;
    EXPECT_TRUE(has(r.out, "rows written to s.csv")) << r.out;
    const std::string csv = testing::read_file(dir_.file("s.csv"));
    EXPECT_TRUE(
        csv.starts_with("time_s,flow,cwnd_bytes,ssthresh_bytes,in_flight_bytes,srtt_ms,"
                        "rwnd_bytes,bytes_acked\n0.000000,0,"))
        << csv.substr(0, 200);
    EXPECT_GT(std::filesystem::file_size(dir_.file("s.pcap")), 200'000u);
}

// A 1 MB transfer makes a capture of about 1.1 MB; a 100 KiB bound stops it after some 70
// frames, with one warning, while the run itself goes on to the end.
TEST_F(SimCli, PcapLimitStopsTheCaptureWithOneWarning) {
    const CommandResult r = sim("--bytes 1M --pcap t.pcap --pcap-limit 100Ki");
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_TRUE(has(r.out, "  data           1000000 of 1000000 bytes read")) << r.out;
    const std::string warning = "ustack sim: warning: t.pcap reached --pcap-limit 100Ki after ";
    ASSERT_TRUE(has(r.err, warning)) << r.err;
    EXPECT_EQ(r.err.find(warning), r.err.rfind(warning)) << "more than one warning:\n" << r.err;
    const std::uintmax_t size = std::filesystem::file_size(dir_.file("t.pcap"));
    EXPECT_LE(size, 100u * 1024);
    EXPECT_GT(size, 100u * 1024 - 1500 - 16);  // stopped at the first frame that did not fit
    // The summary says where: N frames written, and the rest counted.
    const std::string prefix = "capture: ";
    const auto at = r.out.find(prefix);
    ASSERT_NE(at, std::string::npos) << r.out;
    const std::uint64_t frames = std::stoull(r.out.substr(at + prefix.size()));
    EXPECT_TRUE(has(r.out, std::to_string(frames) +
                               " frames written to t.pcap; truncated there at --pcap-limit "
                               "100Ki ("))
        << r.out;
    EXPECT_GT(frames, 50u);
    // The file is whole: every one of those frames reads back.
    const CommandResult lines =
        run_command("'" USTACK_BINARY "' print -nn '" + dir_.file("t.pcap") + "' | wc -l");
    ASSERT_EQ(lines.exit_code, 0) << lines.err;
    EXPECT_EQ(std::stoull(lines.out), frames) << lines.err;
}

TEST_F(SimCli, SameSeedSameOutputAndCapture) {
    const std::string args =
        "--bytes 300k --loss 3% --reorder 2% --dup 1% --corrupt 1% --pcap d.pcap";
    const CommandResult a = sim(args + " --seed 9");
    ASSERT_EQ(a.exit_code, 0) << a.err;
    const std::string first = testing::read_file(dir_.file("d.pcap"));
    EXPECT_GT(first.size(), 300'000u);
    EXPECT_EQ(a.out, sim(args + " --seed 9").out);
    EXPECT_TRUE(first == testing::read_file(dir_.file("d.pcap")));
    const CommandResult other = sim(args + " --seed 10");
    ASSERT_EQ(other.exit_code, 0) << other.err;
    EXPECT_NE(a.out, other.out);
}

TEST_F(SimCli, BadInputIsOneClearMessageAndExitCodeOne) {
    for (const auto& [args, message] : std::initializer_list<std::pair<const char*, const char*>>{
             {"--loss 150%", "ustack sim: --loss 150%: not a probability"},
             {"--loss 1", "ustack sim: --loss 1: not a probability"},
             {"--reorder abc", "ustack sim: --reorder abc: not a probability"},
             {"--corrupt -0.1", "ustack sim: --corrupt -0.1: not a probability"},
             {"--rate fast", "ustack sim: --rate fast: not a rate"},
             {"--delay 1h", "ustack sim: --delay 1h: not a time"},
             {"--rtt 30s", "ustack sim: --rtt 30s: not a time"},
             {"--jitter soon", "ustack sim: --jitter soon: not a time"},
             {"--bytes lots", "ustack sim: --bytes lots: not a size"},
             {"--queue 0", "ustack sim: --queue 0: not a number of frames"},
             {"--workload echo --flows 2", "ustack sim: --flows is for --workload bulk"},
             {"--flows 3 --duration 2s --stagger 1s", "every flow must start before --duration"},
             {"--csv /nonexistent-dir/x.csv", "ustack sim: cannot write /nonexistent-dir/x.csv"},
             {"--pcap-limit 100", "ustack sim: --pcap-limit 100: not a size of at least 1Ki"},
         }) {
        const CommandResult r = sim(std::string(args) + " --count 1");
        EXPECT_EQ(r.exit_code, 1) << args;
        EXPECT_TRUE(has(r.err, message)) << args << ": " << r.err;
        EXPECT_EQ(r.out, "") << args;
    }
    const CommandResult both = sim("--delay 1ms --rtt 2ms");
    EXPECT_EQ(both.exit_code, 1);
    EXPECT_TRUE(has(both.err, "excludes")) << both.err;
    const CommandResult cc = sim("--cc vegas");
    EXPECT_EQ(cc.exit_code, 1);
}

TEST_F(SimCli, HelpNamesTheOptions) {
    const CommandResult r = sim("--help");
    ASSERT_EQ(r.exit_code, 0);
    for (const char* option :
         {"--workload", "--bytes",   "--request",  "--response", "--count",      "--rate",
          "--delay",    "ONE-WAY",   "--rtt",      "--queue",    "--loss",       "--reorder",
          "--dup",      "--corrupt", "--cc",       "--no-sack",  "--hystart",    "--no-hystart",
          "--seed",     "--flows",   "--duration", "--pcap",     "--pcap-limit", "--csv",
          "--table",    "--soak"})
        EXPECT_TRUE(has(r.out, option)) << option;
}

TEST_F(SimCli, SmallSoakPasses) {
    const CommandResult r = sim("--soak 3 --soak-from 100");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_TRUE(has(r.out, "soak: 3 seeds from 100: 3 passed, 0 failed")) << r.out;
}

}  // namespace
}  // namespace ustack::sim
