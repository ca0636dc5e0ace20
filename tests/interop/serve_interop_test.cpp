// The Linux kernel's tools against our application servers: curl downloads (IPv4, IPv6, 100 MB,
// sha256), 200 requests on one keep-alive connection, 100 concurrent connections, discard and
// chargen with 200 MB each way, nc through echo, a kernel capture read by tshark, and a path MTU
// lowered by a kernel router's ICMP. Our Stack and servers run in this process on a RealLoop over
// a TUN in a fresh network namespace. Root only; skipped with the reason otherwise.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "app/byte_pattern.h"
#include "app/chargen_server.h"
#include "app/discard_server.h"
#include "app/echo_server.h"
#include "app/http_server.h"
#include "dev/tun.h"
#include "interop_util.h"
#include "netns.h"
#include "rt/real_loop.h"
#include "sock/reactor.h"
#include "stack/stack.h"

namespace ustack {
namespace {

using testing::Child;
using testing::kOurs4;
using testing::ScratchDir;

constexpr std::uint64_t kMiB = 1024 * 1024;

class ServePeer : public ::testing::Test {
  protected:
    void SetUp() override {
        if (const auto why = testing::netns_unavailable()) GTEST_SKIP() << *why;
        if (const auto error = link_.open({.kernel_is_gateway_v4 = true, .offload = offload()}))
            FAIL() << *error;
        reactor_.emplace(loop(), stack());
        ASSERT_TRUE(dir_.ok());
    }
    void TearDown() override {
        http_.reset();
        echo_.reset();
        discard_.reset();
        chargen_.reset();
        reactor_.reset();
    }

    // Whether the TUN uses its offloads (the default, as `ustack serve` does).
    virtual bool offload() const { return true; }

    stack::Stack& stack() { return link_.stack(); }
    rt::RealLoop& loop() { return link_.loop(); }
    template <class Server>
    void listen_both(Server& s, std::uint16_t port) {
        ASSERT_TRUE(s.listen({wire::IpAddress(wire::Ipv4Address{}), port}));
        ASSERT_TRUE(s.listen({wire::IpAddress(wire::Ipv6Address{}), port}));
    }
    void start_http() {
        http_.emplace(*reactor_);
        listen_both(*http_, 80);
    }

    // Runs `argv` in the namespace while the loop drives our stack, at most `limit`; its exit
    // status (nullopt: could not start or did not finish).
    std::optional<int> run(const std::vector<std::string>& argv, std::string* output,
                           Duration limit = Duration::seconds(120),
                           const std::function<void()>& each_step = {}) {
        const auto status = link_.run(argv, output, limit, each_step);
        if (!status) ADD_FAILURE() << argv[0] << " did not finish in time";
        return status;
    }

    testing::KernelLink link_;
    std::optional<sock::Reactor> reactor_;
    std::optional<app::HttpServer> http_;
    std::optional<app::EchoServer> echo_;
    std::optional<app::DiscardServer> discard_;
    std::optional<app::ChargenServer> chargen_;
    ScratchDir dir_;
};

TEST_F(ServePeer, CurlDownloads100MbOverIpv4) {
    start_http();
    testing::expect_curl_gets_pattern(
        [&](const auto& argv, std::string* out) { return run(argv, out); },
        "http://10.7.0.2/bytes/104857600", dir_.path(), 100 * kMiB);
    EXPECT_EQ(http_->http_stats().ok, 1u);
}

TEST_F(ServePeer, CurlDownloads100MbOverIpv6) {
    start_http();
    testing::expect_curl_gets_pattern(
        [&](const auto& argv, std::string* out) { return run(argv, out); },
        "http://[fd07::2]/bytes/104857600", dir_.path(), 100 * kMiB);
    EXPECT_EQ(http_->http_stats().ok, 1u);
}

TEST_F(ServePeer, TwoHundredCurlRequestsShareOneKeepAliveConnection) {
    start_http();
    std::vector<std::string> argv = {"curl", "-sS", "--max-time", "60"};
    for (int i = 0; i < 200; ++i) {
        argv.push_back("-o");
        argv.push_back("/dev/null");
        argv.push_back("-w");
        argv.push_back("%{http_code} %{size_download} %{num_connects}\\n");
        argv.push_back("http://10.7.0.2/bytes/" + std::to_string(1000 + i));
    }
    std::string out;
    const auto rc = run(argv, &out);
    ASSERT_TRUE(rc);
    ASSERT_EQ(*rc, 0) << out;
    std::istringstream lines(out);
    int n = 0;
    int connects = 0;
    for (std::string code, size, conn; lines >> code >> size >> conn; ++n) {
        EXPECT_EQ(code, "200");
        EXPECT_EQ(size, std::to_string(1000 + n));
        connects += std::stoi(conn);
    }
    EXPECT_EQ(n, 200);
    EXPECT_EQ(connects, 1) << "curl opened more than one connection";
    EXPECT_EQ(http_->stats().accepted, 1u);
    EXPECT_EQ(http_->http_stats().requests, 200u);
}

TEST_F(ServePeer, HundredConcurrentConnectionsEachMoveOneMegabyteIntact) {
    start_http();
    // 100 kernel threads connect together (a barrier), each GETs 1 MiB and checks its sha256
    // against the pattern computed in Python from the documented definition.
    const std::string script = testing::kSplitmixPython + R"(
import hashlib, socket, sys, threading
want = hashlib.sha256(pattern(1 << 20)).hexdigest()
barrier = threading.Barrier(100)
ok = []
def one(i):
    s = socket.create_connection(('10.7.0.2', 80), timeout=60)
    barrier.wait(timeout=60)
    s.sendall(b'GET /bytes/1048576 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    parts = []
    while True:
        c = s.recv(1 << 16)
        if not c: break
        parts.append(c)
    head, _, body = b''.join(parts).partition(b'\r\n\r\n')
    if head.startswith(b'HTTP/1.1 200') and hashlib.sha256(body).hexdigest() == want:
        ok.append(i)
ts = [threading.Thread(target=one, args=(i,)) for i in range(100)]
for t in ts: t.start()
for t in ts: t.join(90)
print(len(ok))
)";
    std::size_t peak = 0;
    std::string out;
    const auto rc = run({"python3", "-c", script}, &out, Duration::seconds(120),
                        [&] { peak = std::max(peak, http_->sockets().size()); });
    ASSERT_TRUE(rc);
    ASSERT_EQ(*rc, 0) << out;
    EXPECT_EQ(out, "100\n");
    EXPECT_EQ(http_->stats().accepted, 100u);
    EXPECT_EQ(peak, 100u) << "the connections were not all open at once";
}

TEST_F(ServePeer, KernelSends200MbToDiscardAndReads200MbFromChargen) {
    discard_.emplace(*reactor_);
    listen_both(*discard_, 9);
    chargen_.emplace(*reactor_);
    listen_both(*chargen_, 19);
    // Sends 200 MiB to discard; then reads 200 MiB from chargen and checks every byte against
    // RFC 864's rotating lines (95 lines of 72 characters + CRLF, period 7030 bytes).
    const std::string script = R"(
import socket
total = 200 << 20
s = socket.create_connection(('10.7.0.2', 9), timeout=60)
block = bytes(range(256)) * 256
sent = 0
while sent < total:
    s.sendall(block)
    sent += len(block)
s.shutdown(socket.SHUT_WR)
assert s.recv(1) == b''
s.close()
line = bytes(range(32, 127))
period = b''.join((line[k:] + line[:k])[:72] + b'\r\n' for k in range(95))
ref = period * (2 + (1 << 16) // len(period))
c = socket.create_connection(('10.7.0.2', 19), timeout=60)
got = 0
bad = 0
while got < total:
    d = c.recv(min(1 << 16, total - got))
    if not d: break
    off = got % len(period)
    if d != ref[off:off + len(d)]: bad += 1
    got += len(d)
c.close()
print(sent, got, bad)
)";
    std::string out;
    const auto rc = run({"python3", "-c", script}, &out);
    ASSERT_TRUE(rc);
    ASSERT_EQ(*rc, 0) << out;
    EXPECT_EQ(out, std::to_string(200 * kMiB) + " " + std::to_string(200 * kMiB) + " 0\n");
    EXPECT_EQ(discard_->stats().bytes_in, 200 * kMiB);
    EXPECT_GE(chargen_->stats().bytes_out, 200 * kMiB);
}

TEST_F(ServePeer, NcRoundTripsOneMegabyteThroughEcho) {
    echo_.emplace(*reactor_);
    listen_both(*echo_, 7);
    const std::string in = dir_.path() + "/in.bin";
    const std::string back = dir_.path() + "/back.bin";
    ASSERT_TRUE(testing::write_pattern_file(in, kMiB));
    std::string out;
    const auto rc = run({"sh", "-c", "nc -N -w 30 10.7.0.2 7 < " + in + " > " + back}, &out);
    ASSERT_TRUE(rc);
    ASSERT_EQ(*rc, 0) << out;
    EXPECT_EQ(std::filesystem::file_size(back), kMiB);
    EXPECT_EQ(testing::sha256_of(back), testing::sha256_of(in));
    EXPECT_EQ(echo_->stats().bytes_in, kMiB);
}

// The same servers on the plain device (no virtio-net header, every checksum complete on the
// wire). With the offloads the kernel's own segments carry only the partial sum a checksum offload
// leaves, as in any Linux capture with offloads, and tshark's verification calls them bad;
// tun_offload_interop_test checks such captures checksum by checksum instead.
class ServePeerPlainDevice : public ServePeer {
  protected:
    bool offload() const override { return false; }
};

TEST_F(ServePeerPlainDevice, KernelCaptureShowsWellFormedTcp) {
    start_http();
    echo_.emplace(*reactor_);
    listen_both(*echo_, 7);
    const std::string pcap = dir_.path() + "/tun.pcap";
    Child dump(testing::KernelLink::tcpdump_argv(pcap));
    ASSERT_TRUE(link_.wait_capturing(dump, pcap)) << dump.output();
    std::string out;
    auto rc =
        run({"curl", "-sS", "-o", "/dev/null", "http://10.7.0.2/bytes/20000000", "-o", "/dev/null",
             "http://10.7.0.2/", "-g", "-o", "/dev/null", "http://[fd07::2]/bytes/5000000"},
            &out);
    ASSERT_TRUE(rc);
    EXPECT_EQ(*rc, 0) << out;
    rc = run({"sh", "-c", "head -c 300000 /dev/zero | nc -N -w 30 10.7.0.2 7 | wc -c"}, &out);
    ASSERT_TRUE(rc);
    EXPECT_EQ(out, "300000\n");
    rc = run({"ping", "-n", "-c", "2", "-i", "0.2", "-s", "4000", kOurs4}, &out);
    ASSERT_TRUE(rc);
    EXPECT_EQ(*rc, 0) << out;
    ASSERT_TRUE(link_.stop_capture(dump)) << "tcpdump did not stop";

    // The capture holds the transfers ...
    const auto total = testing::tshark_count(pcap, "tcp");
    ASSERT_TRUE(total);
    EXPECT_GT(*total, 5000);
    // ... and nothing tshark flags: malformed packets, bad checksums (verification on), or
    // segments acknowledged that the capture never saw. (Not "previous segment not captured":
    // a frame the TUN queue refused is a real loss, and our retransmission repairs it.)
    // One exception is the kernel's, not ours: now and then its TCP writes 0xffff where 0x0000
    // is computed (ones' complement minus zero: valid for a receiver, which sums to 0xffff
    // either way; tshark marks it, citing RFC 1624). Our own segments may not carry it.
    for (const char* filter : {"_ws.malformed", "_ws.expert.severity == error",
                               "tcp.checksum.status == 0 && !tcp.checksum.ffff",
                               "tcp.checksum.ffff && !(ip.src == 10.7.0.1 || ipv6.src == fd07::1)",
                               "ip.checksum.status == 0", "icmp.checksum.status == 0",
                               "tcp.analysis.ack_lost_segment"}) {
        const auto n = testing::tshark_count(pcap, filter);
        ASSERT_TRUE(n) << filter;
        EXPECT_EQ(*n, 0) << filter << ":\n" << testing::tshark_lines(pcap, filter);
    }
    // The kernel itself found no TCP segment of ours with a bad checksum (it would drop it).
    EXPECT_EQ(testing::snmp_counter("Tcp", "InCsumErrors"), 0);
    EXPECT_EQ(testing::snmp_counter("Ip", "InHdrErrors"), 0);
    // The checks are live: checksum verification classified the segments as good.
    const auto good = testing::tshark_count(pcap, "tcp.checksum.status == 1");
    ASSERT_TRUE(good);
    EXPECT_GT(*good, 5000);
}

TEST_F(ServePeer, PathMtuLoweredByAKernelRouterShrinksOurSegments) {
    // The kernel of this namespace routes between the TUN and a veth pair whose near end has
    // MTU 1000; the client sits in a second namespace behind it (MTU 1500, so its SYN announces
    // MSS 1460). Our 1500-byte DF segments draw ICMP "fragmentation needed, MTU 1000" (RFC 1191)
    // from the router; our TCP must shrink to it and finish the transfer.
    start_http();
    std::string out;
    // The far namespace lives as long as this holder process (no name: nothing to leave behind).
    Child holder({"unshare", "-n", "sleep", "300"});
    ASSERT_TRUE(holder.started());
    const std::string pid = std::to_string(holder.pid());
    // unshare has made its namespace once /proc/PID/ns/net differs from ours (bounded wait).
    for (int i = 0; i < 100; ++i) {
        std::error_code ec;
        if (std::filesystem::read_symlink("/proc/" + pid + "/ns/net", ec) !=
            std::filesystem::read_symlink("/proc/self/ns/net", ec))
            break;
        loop().run_for(Duration::millis(20));
    }
    const std::string setup =
        "set -e\n"
        "ip link add vpm0 type veth peer name vpm1\n"
        "ip link set vpm1 netns " +
        pid +
        "\n"
        "ip addr add 10.8.0.1/24 dev vpm0\n"
        "ip link set vpm0 mtu 1000 up\n"
        "echo 1 > /proc/sys/net/ipv4/ip_forward\n"
        "nsenter -t " +
        pid +
        " -n sh -c 'ip link set lo up; ip addr add 10.8.0.2/24 dev vpm1; "
        "ip link set vpm1 up; ip route add 10.7.0.0/24 via 10.8.0.1'\n";
    auto rc = run({"sh", "-c", setup}, &out, Duration::seconds(20));
    ASSERT_TRUE(rc);
    ASSERT_EQ(*rc, 0) << out;
    const std::string got = dir_.path() + "/got.bin";
    const std::string want = dir_.path() + "/want.bin";
    ASSERT_TRUE(testing::write_pattern_file(want, 20'000'000));
    rc = run({"nsenter", "-t", pid, "-n", "curl", "-sS", "--max-time", "60", "-o", got,
              "http://10.7.0.2/bytes/20000000"},
             &out);
    ASSERT_TRUE(rc);
    ASSERT_EQ(*rc, 0) << out;
    EXPECT_EQ(testing::sha256_of(got), testing::sha256_of(want));
    EXPECT_GE(stack().counters().tcp_path_mtu_lowered, 1u);
    EXPECT_EQ(http_->http_stats().ok, 1u);
}

}  // namespace
}  // namespace ustack
