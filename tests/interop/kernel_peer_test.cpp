// The Linux kernel as the peer: our Stack on a TUN device in a fresh network namespace, driven by
// a RealLoop, answers the kernel's ping (IPv4, IPv6, and 4000-byte pings that arrive fragmented)
// and echoes "hello" to a kernel TCP client. Root only; skipped with the reason otherwise.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dev/tun.h"
#include "netns.h"
#include "rt/real_loop.h"
#include "stack/stack.h"

namespace ustack {
namespace {

using testing::kKernel4;
using testing::kKernel6;
using testing::kOurs4;
using testing::kOurs6;

// The application: accepts on a listener, echoes what it reads, closes when the peer does.
// Written against stack::Stack's verbs directly (the socket layer is not needed for this).
class EchoApp : public Pollable {
  public:
    EchoApp(stack::Stack& stack, stack::ListenerId listener) : stack_(stack), listener_(listener) {}
    // Due whenever the Stack has queued events.
    Instant poll_at() const override {
        return stack_.has_events() ? Instant::from_micros(0) : Instant::never();
    }
    void poll(Instant) override {
        stack_.drain_events([&](const stack::Event& e) {
            if (e.kind == stack::EventKind::Acceptable) {
                while (const auto c = stack_.accept(listener_))
                    ++accepted;
                return;
            }
            const stack::ConnId* id = e.conn();
            if (id == nullptr) return;
            if (e.kind == stack::EventKind::Readable || e.kind == stack::EventKind::PeerFin) {
                std::array<std::uint8_t, 4096> buf{};
                for (;;) {
                    const auto n = stack_.recv(*id, buf);
                    if (!n || *n == 0) break;
                    echoed.append(reinterpret_cast<const char*>(buf.data()), *n);
                    (void)stack_.send(*id, Bytes(buf.data(), *n));
                }
            }
            if (e.kind == stack::EventKind::PeerFin) (void)stack_.close(*id);
        });
    }
    int accepted = 0;
    std::string echoed;

  private:
    stack::Stack& stack_;
    stack::ListenerId listener_;
};

class KernelPeer : public ::testing::Test {
  protected:
    void SetUp() override {
        if (const auto why = testing::netns_unavailable()) GTEST_SKIP() << *why;
        if (const auto error = link_.open()) FAIL() << *error;
    }

    stack::Stack& stack() { return link_.stack(); }
    rt::RealLoop& loop() { return link_.loop(); }
    // Runs `argv` in the namespace while the loop drives our stack; returns its exit status.
    std::optional<int> run(const std::vector<std::string>& argv, std::string* output,
                           Duration limit = Duration::seconds(20)) {
        return link_.run(argv, output, limit);
    }

    testing::KernelLink link_;
};

TEST_F(KernelPeer, PingV4IsAnswered) {
    std::string out;
    const auto rc = run({"ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", kOurs4}, &out);
    ASSERT_TRUE(rc) << "could not run ping";
    EXPECT_EQ(*rc, 0) << out;
    EXPECT_NE(out.find("3 received"), std::string::npos) << out;
    EXPECT_EQ(stack().counters().icmp_echo_replies, 3u);
}

TEST_F(KernelPeer, PingV6IsAnswered) {
    std::string out;
    const auto rc = run({"ping", "-6", "-n", "-c", "3", "-i", "0.2", "-W", "2", kOurs6}, &out);
    ASSERT_TRUE(rc) << "could not run ping";
    EXPECT_EQ(*rc, 0) << out;
    EXPECT_NE(out.find("3 received"), std::string::npos) << out;
}

TEST_F(KernelPeer, FragmentedPingV4Of4000BytesIsAnswered) {
    // The kernel fragments the 4028-byte datagram for the 1500-byte TUN; we reassemble it and
    // answer in fragments, which the kernel reassembles in turn.
    std::string out;
    const auto rc =
        run({"ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", "-s", "4000", kOurs4}, &out);
    ASSERT_TRUE(rc);
    EXPECT_EQ(*rc, 0) << out;
    EXPECT_NE(out.find("2 received"), std::string::npos) << out;
    EXPECT_EQ(stack().counters().ip_reassembled, 2u);
    EXPECT_EQ(stack().counters().ip_fragments_out, 6u);
}

TEST_F(KernelPeer, FragmentedPingV6Of4000BytesIsAnswered) {
    std::string out;
    const auto rc =
        run({"ping", "-6", "-n", "-c", "2", "-i", "0.2", "-W", "2", "-s", "4000", kOurs6}, &out);
    ASSERT_TRUE(rc);
    EXPECT_EQ(*rc, 0) << out;
    EXPECT_NE(out.find("2 received"), std::string::npos) << out;
    EXPECT_EQ(stack().counters().ip_reassembled, 2u);
}

// A kernel TCP client (python3) connects, sends "hello" and expects it back.
std::vector<std::string> hello_client(const char* host) {
    const std::string script =
        "import socket,sys\n"
        "s=socket.create_connection((sys.argv[1],7),timeout=5)\n"
        "s.sendall(b'hello')\n"
        "d=b''\n"
        "while len(d)<5:\n"
        "    c=s.recv(100)\n"
        "    if not c: break\n"
        "    d+=c\n"
        "s.shutdown(socket.SHUT_WR)\n"
        "while s.recv(100): pass\n"
        "s.close()\n"
        "sys.stdout.write(d.decode())\n";
    return {"python3", "-c", script, host};
}

TEST_F(KernelPeer, TcpHelloIsEchoedOverIpv4) {
    const auto l = stack().listen({*wire::IpAddress::parse("0.0.0.0"), 7}, 8);
    ASSERT_TRUE(l);
    EchoApp app(stack(), *l);
    loop().add(app);
    std::string out;
    const auto rc = run(hello_client(kOurs4), &out);
    loop().remove(app);
    ASSERT_TRUE(rc) << "could not run python3";
    EXPECT_EQ(*rc, 0) << out;
    EXPECT_EQ(out, "hello");
    EXPECT_EQ(app.accepted, 1);
    EXPECT_EQ(app.echoed, "hello");
}

TEST_F(KernelPeer, TcpHelloIsEchoedOverIpv6) {
    const auto l = stack().listen({*wire::IpAddress::parse("::"), 7}, 8);
    ASSERT_TRUE(l);
    EchoApp app(stack(), *l);
    loop().add(app);
    std::string out;
    const auto rc = run(hello_client(kOurs6), &out);
    loop().remove(app);
    ASSERT_TRUE(rc) << "could not run python3";
    EXPECT_EQ(*rc, 0) << out;
    EXPECT_EQ(out, "hello");
    EXPECT_EQ(app.echoed, "hello");
}

}  // namespace
}  // namespace ustack
