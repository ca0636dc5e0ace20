// The TUN offloads against the Linux kernel: with IFF_VNET_HDR, TSO and checksum offload on, curl
// downloads 100 MB from our HTTP server intact (our segments leave joined, the kernel cuts them),
// the kernel sends 200 MB to our discard server (its TSO packets arrive whole, up to 64 KB, with
// the checksum left partial), and the kernel's capture of such traffic holds no bad checksum:
// every TCP checksum is either complete and right, or exactly the pseudo-header sum a checksum
// offload leaves (which tshark, not knowing the capture point, would call bad). The same runs
// with --no-offload's plain device serve as the control. Our Stack and servers run in this
// process on a RealLoop over a TUN in a fresh network namespace. Root only; skipped otherwise.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/discard_server.h"
#include "app/http_server.h"
#include "base/checksum.h"
#include "capture/pcap_reader.h"
#include "dev/tun.h"
#include "interop_util.h"
#include "netns.h"
#include "rt/real_loop.h"
#include "sock/reactor.h"
#include "stack/stack.h"

namespace ustack {
namespace {

using testing::Child;
using testing::ScratchDir;

constexpr std::uint64_t kMiB = 1024 * 1024;

// How the TCP checksums of a capture look.
struct ChecksumCensus {
    std::size_t complete = 0;   // the checksum verifies
    std::size_t offloaded = 0;  // the field holds the pseudo-header sum (checksum offload)
    std::size_t bad = 0;        // neither
    std::size_t largest_ip = 0;
    std::vector<std::uint64_t> bad_frames;
};

// Reads a raw-IP capture (tcpdump -i on a TUN) and classifies every TCP segment's checksum.
std::optional<ChecksumCensus> census(const std::string& pcap) {
    auto reader = capture::PcapReader::open(pcap);
    if (!reader) return std::nullopt;
    ChecksumCensus c;
    for (;;) {
        auto r = reader->next();
        if (!r) return std::nullopt;
        if (!*r) break;
        const Bytes d = (*r)->data;
        if (d.size() < 20) continue;
        std::size_t ip_len = 0;
        std::size_t total = 0;
        Checksum pseudo;
        if ((d[0] >> 4) == 4) {
            ip_len = static_cast<std::size_t>(d[0] & 0x0f) * 4;
            total = load_be16(d.data() + 2);
            if (d[9] != 6 || total > d.size() || ip_len + 20 > total) continue;
            pseudo = pseudo_header_v4(d.subspan(12, 4), d.subspan(16, 4), 6,
                                      static_cast<std::uint32_t>(total - ip_len));
        } else if ((d[0] >> 4) == 6 && d.size() >= 60) {
            ip_len = 40;
            total = 40 + load_be16(d.data() + 4);
            if (d[6] != 6 || total > d.size()) continue;
            pseudo = pseudo_header_v6(d.subspan(8, 16), d.subspan(24, 16), 6,
                                      static_cast<std::uint32_t>(total - ip_len));
        } else {
            continue;
        }
        c.largest_ip = std::max(c.largest_ip, total);
        const Bytes tcp = d.subspan(ip_len, total - ip_len);
        Checksum all = pseudo;
        if (all.add(tcp).folded() == 0xffff) {
            ++c.complete;
        } else if (load_be16(tcp.data() + 16) == pseudo.folded()) {
            ++c.offloaded;
        } else {
            ++c.bad;
            if (c.bad_frames.size() < 10) c.bad_frames.push_back((*r)->number);
        }
    }
    return c;
}

class TunOffload : public ::testing::Test {
  protected:
    void SetUp() override {
        if (const auto why = testing::netns_unavailable()) GTEST_SKIP() << *why;
    }
    // The namespace, the device (offloads on or off), our stack and its servers.
    void open(bool offload) {
        testing::KernelLinkOptions options;
        options.offload = offload;
        options.stack.seed = 7;
        // Room for the kernel's TSO packets in the window, as `ustack serve` has.
        options.stack.tcp.send_buffer = kMiB;
        options.stack.tcp.recv_buffer_max = 4 * kMiB;
        if (const auto error = link_.open(options)) FAIL() << *error;
        reactor_.emplace(loop(), stack());
        http_.emplace(*reactor_);
        discard_.emplace(*reactor_);
        for (const wire::IpAddress any :
             {wire::IpAddress(wire::Ipv4Address{}), wire::IpAddress(wire::Ipv6Address{})}) {
            ASSERT_TRUE(http_->listen({any, 80}));
            ASSERT_TRUE(discard_->listen({any, 9}));
        }
        ASSERT_TRUE(dir_.ok());
    }
    void TearDown() override {
        http_.reset();
        discard_.reset();
        reactor_.reset();
    }

    stack::Stack& stack() { return link_.stack(); }
    rt::RealLoop& loop() { return link_.loop(); }
    dev::Tun& tun() { return link_.tun(); }

    // Runs `argv` in the namespace while the loop drives our stack, at most `limit`; its exit
    // status (nullopt: could not start or did not finish).
    std::optional<int> run(const std::vector<std::string>& argv, std::string* output,
                           Duration limit = Duration::seconds(120)) {
        const auto status = link_.run(argv, output, limit);
        if (!status) ADD_FAILURE() << argv[0] << " did not finish in time";
        return status;
    }

    void curl_downloads_100mb_intact(const std::string& url) {
        testing::expect_curl_gets_pattern(
            [&](const auto& argv, std::string* out) { return run(argv, out); }, url, dir_.path(),
            100 * kMiB);
        EXPECT_EQ(http_->http_stats().ok, 1u);
    }

    void kernel_sends_200mb_to_discard() {
        std::string out;
        const auto rc =
            run({"sh", "-c", "head -c 209715200 /dev/zero | nc -N -w 30 10.7.0.2 9"}, &out);
        ASSERT_TRUE(rc);
        ASSERT_EQ(*rc, 0) << out;
        // The loop runs until the discard server has seen the FIN after the last byte.
        loop().run_until([&] { return discard_->stats().bytes_in >= 200 * kMiB; },
                         loop().now() + Duration::seconds(10));
        EXPECT_EQ(discard_->stats().bytes_in, 200 * kMiB);
        EXPECT_EQ(stack().counters().tcp_bad_checksum, 0u);
    }

    testing::KernelLink link_;
    std::optional<sock::Reactor> reactor_;
    std::optional<app::HttpServer> http_;
    std::optional<app::DiscardServer> discard_;
    ScratchDir dir_;
};

TEST_F(TunOffload, CurlDownloads100MbIntactOverIpv4) {
    ASSERT_NO_FATAL_FAILURE(open(true));
    curl_downloads_100mb_intact("http://10.7.0.2/bytes/104857600");
    // Our segments left joined: far fewer writes than segments.
    const dev::TunCounters& c = tun().counters();
    EXPECT_GT(c.gso_writes, 0u);
    EXPECT_LT(c.writes * 4, c.frames_out) << c.writes << " writes for " << c.frames_out;
    EXPECT_EQ(c.tx_dropped, 0u);
}

TEST_F(TunOffload, CurlDownloads100MbIntactOverIpv6) {
    ASSERT_NO_FATAL_FAILURE(open(true));
    curl_downloads_100mb_intact("http://[fd07::2]/bytes/104857600");
    EXPECT_GT(tun().counters().gso_writes, 0u);
}

TEST_F(TunOffload, KernelSends200MbToDiscard) {
    ASSERT_NO_FATAL_FAILURE(open(true));
    kernel_sends_200mb_to_discard();
    // The kernel's TSO packets arrived whole: far fewer reads than 200 MB of MSS-sized segments.
    const dev::TunCounters& c = tun().counters();
    EXPECT_GT(c.gso_frames_in, 0u);
    EXPECT_LT(c.frames_in, 200 * kMiB / 1448 / 4);
}

// The control: the plain device moves the same data one MTU-sized packet per system call.
TEST_F(TunOffload, WithoutOffloadTheSameTransfersUseOnePacketPerCall) {
    ASSERT_NO_FATAL_FAILURE(open(false));
    curl_downloads_100mb_intact("http://10.7.0.2/bytes/104857600");
    kernel_sends_200mb_to_discard();
    const dev::TunCounters& c = tun().counters();
    EXPECT_EQ(c.gso_writes, 0u);
    EXPECT_EQ(c.gso_frames_in, 0u);
    EXPECT_EQ(c.writes, c.frames_out);
    EXPECT_GT(c.frames_in, 200 * kMiB / 1500);
}

TEST_F(TunOffload, KernelCaptureHasNoBadChecksum) {
    ASSERT_NO_FATAL_FAILURE(open(true));
    const std::string pcap = dir_.path() + "/tun.pcap";
    Child dump(testing::KernelLink::tcpdump_argv(pcap));
    ASSERT_TRUE(link_.wait_capturing(dump, pcap)) << dump.output();
    std::string out;
    auto rc = run({"curl", "-sS", "-g", "-o", "/dev/null", "http://10.7.0.2/bytes/20000000", "-o",
                   "/dev/null", "http://[fd07::2]/bytes/5000000"},
                  &out);
    ASSERT_TRUE(rc);
    EXPECT_EQ(*rc, 0) << out;
    rc = run({"sh", "-c", "head -c 20000000 /dev/zero | nc -N -w 30 10.7.0.2 9"}, &out);
    ASSERT_TRUE(rc);
    EXPECT_EQ(*rc, 0) << out;
    rc = run({"sh", "-c", "head -c 5000000 /dev/zero | nc -N -w 30 fd07::2 9"}, &out);
    ASSERT_TRUE(rc);
    EXPECT_EQ(*rc, 0) << out;
    ASSERT_TRUE(link_.stop_capture(dump)) << "tcpdump did not stop";

    // Every TCP checksum is complete and right, or exactly what a checksum offload leaves. Both
    // kinds are there: the kernel's segments (ACKs too) and our joined ones are offloaded, our
    // ACKs and handshake segments complete (one ACK per batch of TSO packets read, so tens).
    const auto c = census(pcap);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->bad, 0u) << "first bad frames: " << ::testing::PrintToString(c->bad_frames);
    EXPECT_GT(c->offloaded, 100u);
    EXPECT_GT(c->complete, 20u);
    EXPECT_GT(c->largest_ip, 1500u * 4);
    // tshark finds nothing malformed and no IP checksum wrong (verification on), and no segment
    // acknowledged that the capture never saw.
    for (const char* filter :
         {"_ws.malformed", "ip.checksum.status == 0", "tcp.analysis.ack_lost_segment"}) {
        const auto n = testing::tshark_count(pcap, filter);
        ASSERT_TRUE(n) << filter;
        EXPECT_EQ(*n, 0) << filter << ":\n" << testing::tshark_lines(pcap, filter);
    }
    // The kernel found no segment of ours with a bad checksum, and we none of its.
    EXPECT_EQ(testing::snmp_counter("Tcp", "InCsumErrors"), 0);
    EXPECT_EQ(testing::snmp_counter("Ip", "InHdrErrors"), 0);
    EXPECT_EQ(stack().counters().tcp_bad_checksum, 0u);
}

}  // namespace
}  // namespace ustack
