// `ustack demo` as a user runs it: the built binary, its key lines, its pcap, its variants, and
// a clear error with exit code 1 for bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "sim_util.h"

namespace ustack::sim {
namespace {

using testing::CommandResult;
using testing::run_command;

class DemoCli : public ::testing::Test {
  protected:
    // Runs `ustack demo ARGS` in the temporary directory.
    CommandResult demo(const std::string& args) {
        return run_command("cd '" + dir_.path() + "' && TZ=UTC '" USTACK_BINARY "' demo " + args);
    }
    void TearDown() override {
        if (!HasFailure()) return;
        dir_.keep();
        std::printf("kept the demo's directory: %s\n", dir_.path().c_str());
    }
    testing::TempDir dir_;
};

bool has(const std::string& text, const std::string& what) {
    return text.find(what) != std::string::npos;
}

TEST_F(DemoCli, DefaultShowsHandshakeEchoThreePacketCloseAndTimeWait) {
    const CommandResult r = demo("");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    for (const char* line : {
             "                client  CLOSED -> SYN-SENT\n00:00:00.000000 IP 10.0.0.1.",
             " > 10.0.0.2.3001: Flags [S], seq ",
             "                server  LISTEN -> SYN-RECEIVED\n",
             "Flags [S.], seq ",
             "                client  write(\"hello\") = 5\n",
             "Flags [P.], seq 1:6, ack 1, win ",
             ", length 5\n",
             "                server  write(\"server: hello\") = 13\n",
             "Flags [P.], seq 1:14, ack 6,",
             "                client  ESTABLISHED -> FIN-WAIT-1\n",
             "                server  CLOSE-WAIT -> LAST-ACK\n",
             "                client  FIN-WAIT-1 -> TIME-WAIT\n",
             "                (60 s of TIME-WAIT pass in virtual time)\n"
             "                client  TIME-WAIT -> CLOSED\n",
             "  client  wrote 5 bytes, read 13; final state CLOSED (after TIME-WAIT)\n",
             "  server  wrote 13 bytes, read 5; final state CLOSED\n",
             "8 packets captured on the client, written to demo.pcap",
         }) {
        EXPECT_TRUE(has(r.out, line)) << "missing: " << line << "\n" << r.out;
    }
    EXPECT_TRUE(std::filesystem::exists(dir_.file("demo.pcap")));
}

TEST_F(DemoCli, PcapOptionNamesTheFileAndUstackPrintReadsIt) {
    const CommandResult r = demo("--pcap other.pcap --seed 3");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(has(r.out, "written to other.pcap"));
    const CommandResult p =
        run_command("TZ=UTC '" USTACK_BINARY "' print -nn -t '" + dir_.file("other.pcap") + "'");
    ASSERT_EQ(p.exit_code, 0) << p.err;
    // Every packet line of the demo, without its timestamp, is what `ustack print -t` prints.
    std::size_t packets = 0;
    for (std::size_t at = 0; (at = p.out.find('\n', at)) != std::string::npos; ++at)
        ++packets;
    EXPECT_EQ(packets, 8u);
    EXPECT_TRUE(has(r.out, p.out.substr(0, p.out.find('\n'))));
}

TEST_F(DemoCli, NoPcapWritesNoFile) {
    const CommandResult r = demo("--no-pcap");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir_.file("demo.pcap")));
    EXPECT_FALSE(has(r.out, "written to"));
}

TEST_F(DemoCli, EveryVariantShowsItsSignature) {
    const std::pair<const char*, const char*> cases[] = {
        {"--close four-way", "client  FIN-WAIT-1 -> FIN-WAIT-2"},
        {"--refused", "client  connect(): connection refused"},
        {"--abort", "client  close() with SO_LINGER {on, 0}: abort"},
        {"--half-close", "client  shutdown(SHUT_WR)"},
        {"--simultaneous-open", "server  SYN-SENT -> SYN-RECEIVED"},
        {"--simultaneous-close", "server  FIN-WAIT-1 -> CLOSING"},
        {"--loss 0.3 --seed 4", "% loss each way"},
        {"--ipv6", "IP6 2001:db8::1."},
        {"--delay 250us", "00:00:00.000500 IP 10.0.0.2.3001 > 10.0.0.1."},
    };
    for (const auto& [args, signature] : cases) {
        const CommandResult r = demo(std::string(args) + " --no-pcap");
        EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
        EXPECT_TRUE(has(r.out, signature)) << args << " lacks " << signature << "\n" << r.out;
    }
}

TEST_F(DemoCli, RefusedFlagsAreSynThenRstAck) {
    const CommandResult r = demo("--refused --no-pcap");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto syn = r.out.find("Flags [S]");
    const auto rst = r.out.find("Flags [R.], seq 0, ack ");
    EXPECT_NE(syn, std::string::npos);
    EXPECT_NE(rst, std::string::npos);
    EXPECT_LT(syn, rst);
    EXPECT_TRUE(has(r.out, "final state CLOSED; error: connection refused"));
}

TEST_F(DemoCli, BadInputGetsAClearErrorAndExitCodeOne) {
    const std::pair<const char*, const char*> cases[] = {
        {"--loss 2", "--loss"},
        {"--loss lots", "--loss"},
        {"--delay 5parsecs", "--delay 5parsecs"},
        {"--delay -1ms", "--delay"},
        {"--delay 11s", "--delay"},
        {"--refused --abort", "--refused and --abort are different variants"},
        {"--close four-way --simultaneous-close", "choose one"},
        {"--close three-packet --half-close", "choose one"},
        {"--close sideways", "--close"},
        {"--seed -3", "--seed"},
        {"--message ''", "--message"},
        {"--bogus", "--bogus"},
        {"--pcap /nonexistent-dir/demo.pcap", "/nonexistent-dir/demo.pcap"},
    };
    for (const auto& [args, mention] : cases) {
        const CommandResult r = demo(args);
        EXPECT_EQ(r.exit_code, 1) << args;
        EXPECT_TRUE(has(r.err, mention)) << args << ": stderr was: " << r.err;
        EXPECT_EQ(r.out, "") << args;
    }
}

TEST_F(DemoCli, HelpExplainsEveryVariant) {
    const CommandResult r = demo("--help");
    ASSERT_EQ(r.exit_code, 0);
    for (const char* option :
         {"--close", "--refused", "--abort", "--half-close", "--simultaneous-open",
          "--simultaneous-close", "--loss", "--seed", "--delay", "--pcap", "--no-pcap"}) {
        EXPECT_TRUE(has(r.out, option)) << option;
    }
}

}  // namespace
}  // namespace ustack::sim
