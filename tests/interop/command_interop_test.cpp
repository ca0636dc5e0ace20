// Our commands against the Linux kernel, each in a fresh network namespace: `ustack get` from
// `python3 -m http.server` (100 MB, sha256), `ustack connect` to a closed port (refused at once)
// and to a dropped one (timeout), `ustack ping` and `ping -6`, and `ustack serve` with
// `ustack stat` and SIGTERM. The commands make the TUN device themselves (--create). Root only.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "interop_util.h"
#include "netns.h"

namespace ustack {
namespace {

using testing::Child;
using testing::NetnsScope;
using testing::ScratchDir;

constexpr std::uint64_t kMiB = 1024 * 1024;

std::vector<std::string> ustack(std::vector<std::string> args) {
    std::vector<std::string> argv = {testing::ustack_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    for (const char* a :
         {"--dev", "ust0", "--create", "--addr", "10.7.0.2/24", "--addr", "fd07::2/64"})
        argv.push_back(a);
    return argv;
}

// True once something accepts TCP connections on 127.0.0.1:port (bounded: 10 s).
bool wait_for_listener(std::uint16_t port) {
    for (int i = 0; i < 200; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        ::close(fd);
        if (ok) return true;
        ::usleep(50 * 1000);
    }
    return false;
}

// Waits for a path to appear (bounded: 10 s), as long as `child` runs.
bool wait_for_path(const std::string& path, Child& child) {
    for (int i = 0; i < 200 && !child.poll_exit(); ++i) {
        if (std::filesystem::exists(path)) return true;
        ::usleep(50 * 1000);
    }
    return std::filesystem::exists(path);
}

class CommandPeer : public ::testing::Test {
  protected:
    void SetUp() override {
        if (const auto why = testing::netns_unavailable()) GTEST_SKIP() << *why;
        ns_.emplace();
        ASSERT_TRUE(ns_->ok()) << ns_->error();  // lo is up: wait_for_listener() probes it
        ASSERT_TRUE(dir_.ok());
    }
    std::optional<NetnsScope> ns_;
    ScratchDir dir_;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST_F(CommandPeer, GetDownloads100MbFromPythonHttpServer) {
    const std::string file = dir_.path() + "/file.bin";
    const std::string got = dir_.path() + "/got.bin";
    ASSERT_TRUE(testing::write_pattern_file(file, 100 * kMiB));
    Child server(
        {"python3", "-m", "http.server", "8000", "--bind", "0.0.0.0", "--directory", dir_.path()});
    ASSERT_TRUE(server.started());
    ASSERT_TRUE(wait_for_listener(8000)) << server.output();
    Child get(ustack({"get", "http://10.7.0.1:8000/file.bin", "-o", got}));
    const auto rc = get.wait(180000);
    ASSERT_TRUE(rc) << "ustack get did not finish: " << get.output();
    ASSERT_EQ(*rc, 0) << get.output();
    EXPECT_NE(get.output().find("HTTP 200"), std::string::npos) << get.output();
    EXPECT_EQ(std::filesystem::file_size(got), 100 * kMiB);
    const auto a = testing::sha256_of(got);
    const auto b = testing::sha256_of(file);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(*a, *b);
    std::printf("%s", get.output().c_str());
}

TEST_F(CommandPeer, GetReports404AndRefused) {
    Child server(
        {"python3", "-m", "http.server", "8000", "--bind", "0.0.0.0", "--directory", dir_.path()});
    ASSERT_TRUE(wait_for_listener(8000)) << server.output();
    Child missing(ustack({"get", "http://10.7.0.1:8000/nothing", "-o", dir_.path() + "/x"}));
    ASSERT_EQ(missing.wait(30000), 1) << missing.output();
    EXPECT_NE(missing.output().find("HTTP 404"), std::string::npos) << missing.output();
    Child refused(ustack({"get", "http://10.7.0.1:8001/", "-o", dir_.path() + "/y"}));
    ASSERT_EQ(refused.wait(30000), 1) << refused.output();
    EXPECT_NE(refused.output().find("connection refused"), std::string::npos) << refused.output();
}

TEST_F(CommandPeer, ConnectToAClosedPortIsRefusedAtOnce) {
    const auto t0 = std::chrono::steady_clock::now();
    Child c({"sh", "-c",
             testing::ustack_binary() +
                 " connect 10.7.0.1 9999 --timeout 20 --dev ust0 --create --addr 10.7.0.2/24"
                 " < /dev/null"});
    const auto rc = c.wait(30000);
    ASSERT_TRUE(rc) << c.output();
    EXPECT_EQ(*rc, 1) << c.output();
    EXPECT_NE(c.output().find("Connection refused"), std::string::npos) << c.output();
    // Refused by the kernel's RST, not by the 20 s handshake timeout.
    EXPECT_LT(seconds_since(t0), 10.0);
}

TEST_F(CommandPeer, ConnectToADroppedPortTimesOut) {
    // The kernel drops SYNs to port 9998 silently (nftables, in this namespace only).
    Child nft({"nft",
               "add table inet drop_test; add chain inet drop_test in "
               "{ type filter hook input priority 0; }; add rule inet drop_test in "
               "tcp dport 9998 drop"});
    ASSERT_EQ(nft.wait(10000), 0) << nft.output();
    const auto t0 = std::chrono::steady_clock::now();
    Child c({"sh", "-c",
             testing::ustack_binary() +
                 " connect 10.7.0.1 9998 --timeout 3 --dev ust0 --create --addr 10.7.0.2/24"
                 " < /dev/null"});
    const auto rc = c.wait(30000);
    ASSERT_TRUE(rc) << c.output();
    EXPECT_EQ(*rc, 1) << c.output();
    EXPECT_NE(c.output().find("Connection timed out"), std::string::npos) << c.output();
    EXPECT_GE(seconds_since(t0), 3.0);
}

TEST_F(CommandPeer, ConnectCarriesStdinAndStdoutLikeNc) {
    // A kernel echo server (python3) on 10.7.0.1:7000; `ustack connect` sends a file and prints
    // what comes back.
    const std::string in = dir_.path() + "/in.bin";
    const std::string out = dir_.path() + "/out.bin";
    ASSERT_TRUE(testing::write_pattern_file(in, 200000));
    // Serves one connection after another (the readiness probe is the first).
    Child echo({"python3", "-c",
                "import socket\n"
                "l=socket.create_server(('0.0.0.0',7001))\n"
                "while True:\n"
                "    c,_=l.accept()\n"
                "    while True:\n"
                "        d=c.recv(65536)\n"
                "        if not d: break\n"
                "        c.sendall(d)\n"
                "    c.close()\n"});
    ASSERT_TRUE(wait_for_listener(7001)) << echo.output();
    Child c({"sh", "-c",
             testing::ustack_binary() +
                 " connect 10.7.0.1 7001 --dev ust0 --create --addr 10.7.0.2/24 < " + in + " > " +
                 out});
    const auto rc = c.wait(60000);
    ASSERT_TRUE(rc) << c.output();
    EXPECT_EQ(*rc, 0) << c.output();
    EXPECT_EQ(testing::sha256_of(out), testing::sha256_of(in));
}

TEST_F(CommandPeer, PingAndPing6FromOurStackAreAnswered) {
    Child p4(ustack({"ping", "10.7.0.1", "-c", "3", "-i", "0.2"}));
    ASSERT_EQ(p4.wait(20000), 0) << p4.output();
    EXPECT_NE(p4.output().find("3 packets transmitted, 3 received"), std::string::npos)
        << p4.output();
    EXPECT_NE(p4.output().find("icmp_seq=3 ttl=64"), std::string::npos) << p4.output();
    Child p6(ustack({"ping", "fd07::1", "-c", "3", "-i", "0.2"}));
    ASSERT_EQ(p6.wait(20000), 0) << p6.output();
    EXPECT_NE(p6.output().find("3 packets transmitted, 3 received"), std::string::npos)
        << p6.output();
    EXPECT_EQ(p6.output().find("wrong data"), std::string::npos) << p6.output();
}

TEST_F(CommandPeer, ServeAnswersCurlShowsStatAndStopsOnSigterm) {
    const std::string control = dir_.path() + "/ctl.sock";
    const std::string pcap = dir_.path() + "/serve.pcap";
    Child serve(
        ustack({"serve", "--http", "80", "--echo", "7", "--control", control, "--pcap", pcap}));
    ASSERT_TRUE(wait_for_path(control, serve)) << serve.output();
    // A slow download keeps a connection open while stat looks.
    Child curl({"curl", "-sS", "--limit-rate", "200k", "-o", "/dev/null", "-w", "%{http_code}",
                "http://10.7.0.2/bytes/1000000"});
    std::string table;
    for (int i = 0; i < 100 && table.find("ESTAB") == std::string::npos; ++i) {
        ::usleep(50 * 1000);
        Child stat({testing::ustack_binary(), "stat", "--control", control});
        ASSERT_EQ(stat.wait(10000), 0) << stat.output();
        table = stat.output();
    }
    EXPECT_NE(table.find("ESTAB"), std::string::npos) << table;
    EXPECT_NE(table.find("10.7.0.2:80"), std::string::npos) << table;
    EXPECT_NE(table.find("LISTEN"), std::string::npos) << table;  // the HTTP and echo listeners
    EXPECT_NE(table.find("srtt:"), std::string::npos) << table;
    EXPECT_NE(table.find("cwnd:"), std::string::npos) << table;
    ASSERT_EQ(curl.wait(60000), 0) << curl.output();
    EXPECT_EQ(curl.output(), "200");
    serve.signal(SIGTERM);
    ASSERT_EQ(serve.wait(10000), 0) << serve.output();
    EXPECT_NE(serve.output().find("stopping on signal 15"), std::string::npos) << serve.output();
    EXPECT_NE(serve.output().find("http requests: 1 (1 ok"), std::string::npos) << serve.output();
    EXPECT_FALSE(std::filesystem::exists(control)) << "the control socket was not removed";
    EXPECT_GT(std::filesystem::file_size(pcap), 1000000u);
}

TEST_F(CommandPeer, ServePcapLimitStopsTheCaptureWithOneWarning) {
    const std::string control = dir_.path() + "/ctl.sock";
    const std::string pcap = dir_.path() + "/serve.pcap";
    Child serve(ustack(
        {"serve", "--http", "80", "--control", control, "--pcap", pcap, "--pcap-limit", "64Ki"}));
    ASSERT_TRUE(wait_for_path(control, serve)) << serve.output();
    Child curl(
        {"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "http://10.7.0.2/bytes/2000000"});
    ASSERT_EQ(curl.wait(60000), 0) << curl.output();
    EXPECT_EQ(curl.output(), "200");
    serve.signal(SIGTERM);
    ASSERT_EQ(serve.wait(10000), 0) << serve.output();
    const std::string out = serve.output();
    const auto warning = out.find("reached --pcap-limit 64Ki");
    EXPECT_NE(warning, std::string::npos) << out;
    EXPECT_EQ(out.find("reached --pcap-limit", warning + 1), std::string::npos) << out;
    EXPECT_LE(std::filesystem::file_size(pcap), 64u * 1024u);
    EXPECT_GT(std::filesystem::file_size(pcap), 32u * 1024u);
}

TEST_F(CommandPeer, ABadPcapLimitIsAClearError) {
    Child c({testing::ustack_binary(), "serve", "--http", "80", "--addr", "10.7.0.2/24",
             "--no-control", "--pcap", dir_.path() + "/x.pcap", "--pcap-limit", "12"});
    ASSERT_EQ(c.wait(10000), 1) << c.output();
    EXPECT_NE(c.output().find("--pcap-limit 12: not a size of at least 1Ki"), std::string::npos)
        << c.output();
}

TEST_F(CommandPeer, WithoutCreateAMissingDeviceIsAClearError) {
    Child c({testing::ustack_binary(), "serve", "--http", "80", "--dev", "nosuch0", "--addr",
             "10.7.0.2/24", "--no-control"});
    ASSERT_EQ(c.wait(10000), 1) << c.output();
    EXPECT_NE(c.output().find("no network interface named nosuch0"), std::string::npos)
        << c.output();
    EXPECT_NE(c.output().find("ip tuntap add"), std::string::npos) << c.output();
}

}  // namespace
}  // namespace ustack
