// TcpStream and TcpListener (the BSD-like face) on virtual time: connect, read, write, timeouts,
// linger, reuse_addr, and blocking calls made where the loop cannot run.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sock/blocking.h"
#include "sock/reactor.h"
#include "sock/tcp_listener.h"
#include "sock/tcp_stream.h"
#include "sock_fixture.h"

namespace ustack::sock {
namespace {

using testing::as_bytes;
using testing::Net;
using testing::NetOptions;
using testing::pattern;
using testing::Recorder;
using testing::to_string;

std::string read_string(TcpStream& s, std::size_t n) {
    std::vector<std::uint8_t> buf(n);
    const auto got = s.read_exact(buf);
    EXPECT_TRUE(got);
    return std::string(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(got.value_or(0)));
}

TEST(TcpStreamEcho, BothSidesBlockingInOneThread) {
    Net n;
    auto l = TcpListener::bind(*n.server, Net::server_ep(3001));
    ASSERT_TRUE(l);
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001));
    ASSERT_TRUE(c);
    auto s = l->accept();  // the handshake completed while connect() ran the loop
    ASSERT_TRUE(s);
    ASSERT_EQ(c->write(as_bytes("hello")), 5u);
    const std::string got = read_string(*s, 5);
    EXPECT_EQ(got, "hello");
    ASSERT_EQ(s->write(as_bytes("server: " + got)), 13u);
    EXPECT_EQ(read_string(*c, 13), "server: hello");
    ASSERT_TRUE(c->close());
    std::array<std::uint8_t, 8> buf{};
    EXPECT_EQ(s->read(buf), 0u);  // end of stream
    ASSERT_TRUE(s->close());
    EXPECT_TRUE(n.run_until([&] { return n.server_stack.connection_count() == 0; }));
}

TEST(TcpStreamEcho, EndpointsAreThoseOfTheConnection) {
    Net n;
    auto l = TcpListener::bind(*n.server, Net::server_ep(3001));
    ASSERT_TRUE(l);
    EXPECT_EQ(l->local_endpoint(), Net::server_ep(3001));
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001));
    ASSERT_TRUE(c);
    auto s = l->accept();
    ASSERT_TRUE(s);
    EXPECT_EQ(c->peer_endpoint(), Net::server_ep(3001));
    EXPECT_EQ(c->local_endpoint()->address, wire::IpAddress(testing::kClientAddr));
    EXPECT_EQ(s->peer_endpoint(), c->local_endpoint());
    EXPECT_EQ(s->local_endpoint(), c->peer_endpoint());
    EXPECT_EQ(c->state(), tcp::State::Established);
}

TEST(TcpStreamErrors, ConnectRefused) {
    Net n;
    const auto c = TcpStream::connect(*n.client, Net::server_ep(4444));
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error(), Errc::ConnectionRefused);
    // The failed connection's handle was released: nothing is left behind.
    EXPECT_TRUE(n.run_until([&] { return n.client_stack.connection_count() == 0; }));
}

TEST(TcpStreamErrors, ConnectTimeoutToSilentPeer) {
    NetOptions o;
    o.server_faults = dev::FaultConfig{};
    o.server_faults->drop = 1.0;
    Net n(o);
    SocketOptions so;
    so.connect_timeout = Duration::seconds(5);
    const Instant start = n.loop.now();
    const auto c = TcpStream::connect(*n.client, Net::server_ep(3001), so);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error(), Errc::TimedOut);
    EXPECT_EQ(n.loop.now() - start, Duration::seconds(5));
}

TEST(TcpStreamErrors, ConnectWithoutTimeoutGivesUpAfterTheSynRetries) {
    NetOptions o;
    o.server_faults = dev::FaultConfig{};
    o.server_faults->drop = 1.0;
    Net n(o);
    const Instant start = n.loop.now();
    const auto c = TcpStream::connect(*n.client, Net::server_ep(3001));
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error(), Errc::TimedOut);
    // 6 SYN retries from a 1 s initial RTO, doubling (capped by the TCB's maximum RTO): about
    // two minutes of virtual time, and no hang.
    EXPECT_GE(n.loop.now() - start, Duration::seconds(63));
    EXPECT_LE(n.loop.now() - start, Duration::seconds(127));
}

TEST(TcpStreamErrors, ReadAfterPeerAbortIsConnectionReset) {
    Net n;
    Reactor& server = *n.server;
    ServerHandlers sh;
    sh.socket.on_data = [&](SocketId s, Bytes) { EXPECT_TRUE(server.destroy(s)); };
    ASSERT_TRUE(server.listen(Net::server_ep(3001), 8, sh));
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001));
    ASSERT_TRUE(c);
    ASSERT_EQ(c->write(as_bytes("bye")), 3u);
    std::array<std::uint8_t, 8> buf{};
    EXPECT_EQ(c->read(buf).error(), Errc::ConnectionReset);
    EXPECT_EQ(c->read(buf).error(), Errc::ConnectionReset);  // and stays so
    EXPECT_EQ(c->write(as_bytes("more")).error(), Errc::ConnectionReset);
    EXPECT_EQ(c->state(), tcp::State::Closed);
}

TEST(TcpStreamClose, ShutdownThenStillRead) {
    Net n;
    Reactor& server = *n.server;
    std::string request;
    ServerHandlers sh;
    sh.socket.on_data = [&](SocketId, Bytes b) { request += to_string(b); };
    sh.socket.on_end = [&](SocketId s) {
        EXPECT_TRUE(server.write(s, as_bytes("answer to " + request)));
        EXPECT_TRUE(server.end(s));
    };
    SocketOptions half;
    half.allow_half_open = true;
    ASSERT_TRUE(server.listen(Net::server_ep(3001), 8, sh, half));
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001));
    ASSERT_TRUE(c);
    ASSERT_EQ(c->write(as_bytes("q")), 1u);
    ASSERT_TRUE(c->shutdown());
    EXPECT_EQ(c->write(as_bytes("late")).error(), Errc::BrokenPipe);
    EXPECT_EQ(read_string(*c, 11), "answer to q");
    std::array<std::uint8_t, 4> buf{};
    EXPECT_EQ(c->read(buf), 0u);
    EXPECT_EQ(c->state(), tcp::State::TimeWait);
}

TEST(TcpStreamClose, ReadExactIsShortOnlyAtTheEndOfTheStream) {
    Net n;
    Reactor& server = *n.server;
    ServerHandlers sh;
    sh.on_connection = [&](ServerId, SocketId s) {
        EXPECT_TRUE(server.write(s, as_bytes("abc")));
        EXPECT_TRUE(server.end(s));
    };
    ASSERT_TRUE(server.listen(Net::server_ep(3001), 8, sh));
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001));
    ASSERT_TRUE(c);
    std::array<std::uint8_t, 10> buf{};
    EXPECT_EQ(c->read_exact(buf), 3u);
    EXPECT_EQ(std::string(buf.begin(), buf.begin() + 3), "abc");
}

TEST(TcpStreamClose, DestructorClosesTheConnection) {
    Net n;
    Recorder srv;
    ServerHandlers sh;
    sh.socket = srv.handlers();
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, sh));
    {
        auto c = TcpStream::connect(*n.client, Net::server_ep(3001));
        ASSERT_TRUE(c);
        ASSERT_EQ(c->write(as_bytes("last words")), 10u);
    }
    ASSERT_TRUE(n.run_until([&] { return srv.closed; }));
    EXPECT_EQ(srv.data, "last words");
    EXPECT_EQ(srv.log, (std::vector<std::string>{"data", "end", "close:0"}));
}

TEST(TcpStreamWrite, MegabyteBlocksWhileTheRingIsFullAndArrivesWhole) {
    Net n;
    std::vector<std::uint8_t> got;
    ServerHandlers sh;
    sh.socket.on_data = [&](SocketId, Bytes b) { got.insert(got.end(), b.begin(), b.end()); };
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, sh));
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001));
    ASSERT_TRUE(c);
    const std::vector<std::uint8_t> data = pattern(1 << 20);
    const Instant start = n.loop.now();
    ASSERT_EQ(c->write(data), data.size());
    EXPECT_GT(n.loop.now(), start);  // it had to wait for the ring to drain
    ASSERT_TRUE(c->close());
    ASSERT_TRUE(n.run_until([&] { return got.size() == data.size(); }, Duration::seconds(60)));
    EXPECT_TRUE(got == data);
}

TEST(TcpStreamWrite, WriteTimeoutWhenThePeerStopsReading) {
    Net n;
    Reactor& server = *n.server;
    ServerHandlers sh;
    sh.on_connection = [&](ServerId, SocketId s) { EXPECT_TRUE(server.pause(s)); };
    SocketOptions small;
    small.recv_buffer = 8 * 1024;
    ASSERT_TRUE(server.listen(Net::server_ep(3001), 8, sh, small));
    SocketOptions so;
    so.send_buffer = 16 * 1024;
    so.write_timeout = Duration::seconds(2);
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001), so);
    ASSERT_TRUE(c);
    const std::vector<std::uint8_t> data = pattern(64 * 1024);
    const Instant start = n.loop.now();
    EXPECT_EQ(c->write(data).error(), Errc::TimedOut);
    EXPECT_EQ(n.loop.now() - start, Duration::seconds(2));
}

TEST(TcpStreamRead, ReadTimeoutOnVirtualTime) {
    Net n;
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, ServerHandlers{}));
    SocketOptions so;
    so.read_timeout = Duration::millis(2500);
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001), so);
    ASSERT_TRUE(c);
    std::array<std::uint8_t, 8> buf{};
    const Instant start = n.loop.now();
    EXPECT_EQ(c->read(buf).error(), Errc::TimedOut);
    EXPECT_EQ(n.loop.now() - start, Duration::millis(2500));
    // The stream is still usable: a later read gets data that arrives.
    c->set_read_timeout(Duration::zero());
    EXPECT_EQ(c->state(), tcp::State::Established);
}

TEST(TcpStreamRead, ReadWithoutTimeoutOnAQuietConnectionDoesNotHang) {
    Net n;
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, ServerHandlers{}));
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001));
    ASSERT_TRUE(c);
    std::array<std::uint8_t, 8> buf{};
    // Nothing can ever arrive and no timer is armed: the loop goes idle; a WouldBlock, not a hang.
    EXPECT_EQ(c->read(buf).error(), Errc::WouldBlock);
}

TEST(TcpListenerAccept, AcceptTimeoutOnVirtualTime) {
    Net n;
    SocketOptions so;
    so.read_timeout = Duration::seconds(1);
    auto l = TcpListener::bind(*n.server, Net::server_ep(3001), so);
    ASSERT_TRUE(l);
    const Instant start = n.loop.now();
    EXPECT_EQ(l->accept().error(), Errc::TimedOut);
    EXPECT_EQ(n.loop.now() - start, Duration::seconds(1));
}

TEST(TcpListenerAccept, AcceptsInArrivalOrder) {
    Net n;
    auto l = TcpListener::bind(*n.server, Net::server_ep(3001));
    ASSERT_TRUE(l);
    auto a = TcpStream::connect(*n.client, Net::server_ep(3001));
    auto b = TcpStream::connect(*n.client, Net::server_ep(3001));
    ASSERT_TRUE(a && b);
    auto sa = l->accept();
    auto sb = l->accept();
    ASSERT_TRUE(sa && sb);
    EXPECT_EQ(sa->peer_endpoint(), a->local_endpoint());
    EXPECT_EQ(sb->peer_endpoint(), b->local_endpoint());
}

TEST(TcpStreamLinger, CloseWaitsUntilTheDataIsAcknowledged) {
    NetOptions o;
    o.link.delay = Duration::millis(50);
    Net n(o);
    std::vector<std::uint8_t> got;
    ServerHandlers sh;
    sh.socket.on_data = [&](SocketId, Bytes b) { got.insert(got.end(), b.begin(), b.end()); };
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, sh));
    SocketOptions so;
    so.linger = tcp::Linger{true, 5};
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001), so);
    ASSERT_TRUE(c);
    const std::vector<std::uint8_t> data = pattern(40 * 1000);
    ASSERT_EQ(c->write(data), data.size());
    const stack::ConnId id = c->conn_id();
    const Instant start = n.loop.now();
    ASSERT_TRUE(c->close());
    // At least one round trip (100 ms) passed, and everything was acknowledged.
    EXPECT_GE(n.loop.now() - start, Duration::millis(100));
    EXPECT_LT(n.loop.now() - start, Duration::seconds(5));
    EXPECT_EQ(got.size(), data.size());
    const tcp::Connection* conn = n.client_stack.connection(id);
    ASSERT_NE(conn, nullptr);
    EXPECT_EQ(conn->send_queue(), 0u);
    // Our FIN is acknowledged too (the server's Reactor may already have sent its own FIN).
    EXPECT_TRUE(conn->state() == tcp::State::FinWait2 || conn->state() == tcp::State::TimeWait)
        << tcp::to_string(conn->state());
    EXPECT_FALSE(c->is_open());
}

TEST(TcpStreamLinger, CloseWithoutLingerReturnsAtOnce) {
    NetOptions o;
    o.link.delay = Duration::millis(50);
    Net n(o);
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, ServerHandlers{}));
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001));
    ASSERT_TRUE(c);
    ASSERT_EQ(c->write(pattern(40 * 1000)), 40u * 1000);
    const Instant start = n.loop.now();
    ASSERT_TRUE(c->close());
    EXPECT_EQ(n.loop.now(), start);
}

TEST(TcpStreamLinger, CloseTimesOutWhenThePeerNeverAcknowledges) {
    Net n;
    Reactor& server = *n.server;
    ServerHandlers sh;
    sh.on_connection = [&](ServerId, SocketId s) { EXPECT_TRUE(server.pause(s)); };
    SocketOptions small;
    small.recv_buffer = 4 * 1024;
    ASSERT_TRUE(server.listen(Net::server_ep(3001), 8, sh, small));
    SocketOptions so;
    so.linger = tcp::Linger{true, 2};
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001), so);
    ASSERT_TRUE(c);
    ASSERT_EQ(c->write(pattern(32 * 1024)), 32u * 1024);
    const Instant start = n.loop.now();
    EXPECT_EQ(c->close().error(), Errc::TimedOut);
    EXPECT_EQ(n.loop.now() - start, Duration::seconds(2));
    EXPECT_FALSE(c->is_open());
}

TEST(TcpStreamLinger, LingerZeroResetsThePeer) {
    Net n;
    Recorder srv;
    ServerHandlers sh;
    sh.socket = srv.handlers();
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, sh));
    SocketOptions so;
    so.linger = tcp::Linger{true, 0};
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001), so);
    ASSERT_TRUE(c);
    ASSERT_TRUE(n.run_until([&] { return n.server->socket_count() == 1; }));
    ASSERT_TRUE(c->close());
    ASSERT_TRUE(n.run_until([&] { return srv.closed; }));
    EXPECT_EQ(srv.error, Errc::ConnectionReset);
    EXPECT_EQ(srv.had_error, true);
}

TEST(TcpListenerBind, SecondBindOnTheSamePortIsAddressInUse) {
    Net n;
    auto a = TcpListener::bind(*n.server, Net::server_ep(3001));
    ASSERT_TRUE(a);
    EXPECT_EQ(TcpListener::bind(*n.server, Net::server_ep(3001)).error(), Errc::AddressInUse);
    SocketOptions reuse;
    reuse.reuse_addr = true;
    // Not even with reuse_addr: two listeners on exactly one address and port.
    EXPECT_EQ(TcpListener::bind(*n.server, Net::server_ep(3001), reuse).error(),
              Errc::AddressInUse);
    ASSERT_TRUE(a->close());
    EXPECT_TRUE(TcpListener::bind(*n.server, Net::server_ep(3001)));
}

TEST(TcpListenerBind, ReuseAddrRebindsWhileAConnectionIsInTimeWait) {
    Net n;
    auto l = TcpListener::bind(*n.server, Net::server_ep(3001));
    ASSERT_TRUE(l);
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001));
    ASSERT_TRUE(c);
    auto s = l->accept();
    ASSERT_TRUE(s);
    const stack::ConnId server_conn = s->conn_id();
    // The server closes first, so its side of the connection ends in TIME-WAIT on port 3001.
    ASSERT_TRUE(s->close());
    std::array<std::uint8_t, 4> buf{};
    EXPECT_EQ(c->read(buf), 0u);
    ASSERT_TRUE(c->close());
    ASSERT_TRUE(
        n.run_until([&] { return n.server_stack.state(server_conn) == tcp::State::TimeWait; }));
    ASSERT_TRUE(l->close());
    EXPECT_EQ(TcpListener::bind(*n.server, Net::server_ep(3001)).error(), Errc::AddressInUse);
    SocketOptions reuse;
    reuse.reuse_addr = true;
    EXPECT_TRUE(TcpListener::bind(*n.server, Net::server_ep(3001), reuse));
}

// ---- blocking where the loop cannot run

TEST(Blocking, ReadFromInsideAReactorCallbackReturnsWouldBlock) {
    Net n;
    auto l = TcpListener::bind(*n.server, Net::server_ep(3001));
    ASSERT_TRUE(l);
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001));
    ASSERT_TRUE(c);
    auto s = l->accept();
    ASSERT_TRUE(s);
    // A Reactor callback (inside loop.run_until) tries a blocking read on a stream with nothing.
    std::optional<Result<std::size_t>> inner;
    std::optional<Result<TcpStream>> inner_connect;
    ServerHandlers sh;
    sh.on_connection = [&](ServerId, SocketId) {
        std::array<std::uint8_t, 4> buf{};
        inner = s->read(buf);
        inner_connect = TcpStream::connect(*n.client, Net::server_ep(3001));
    };
    ASSERT_TRUE(n.server->listen(Net::server_ep(3002), 8, sh));
    Recorder rec;
    ASSERT_TRUE(n.client->connect(Net::server_ep(3002), rec.handlers()));
    ASSERT_TRUE(n.run_until([&] { return inner.has_value(); }));
    EXPECT_EQ(inner->error(), Errc::WouldBlock);
    ASSERT_TRUE(inner_connect.has_value());
    EXPECT_EQ(inner_connect->error(), Errc::WouldBlock);
}

TEST(Blocking, ReadyReadFromInsideATimerStillSucceeds) {
    Net n;
    auto l = TcpListener::bind(*n.server, Net::server_ep(3001));
    ASSERT_TRUE(l);
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001));
    ASSERT_TRUE(c);
    auto s = l->accept();
    ASSERT_TRUE(s);
    ASSERT_EQ(c->write(as_bytes("ready")), 5u);
    n.run_for(Duration::millis(50));
    std::string got;
    std::optional<Errc> err;
    n.loop.call_after(Duration::millis(1), [&](Instant) {
        std::array<std::uint8_t, 8> buf{};
        const auto r = s->read(buf);  // data is there: no need to run the loop
        if (r) got.assign(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*r));
        const auto again = s->read(buf);  // nothing more: it would have to wait
        if (!again) err = again.error();
    });
    n.run_for(Duration::millis(5));
    EXPECT_EQ(got, "ready");
    EXPECT_EQ(err, Errc::WouldBlock);
}

TEST(Blocking, WaitUntilReportsTimedOutAtTheDeadline) {
    rt::SimLoop loop(rt::SimLoopConfig{testing::kT0});
    const Instant deadline = loop.now() + Duration::seconds(3);
    bool flag = false;
    loop.call_after(Duration::seconds(5), [&](Instant) { flag = true; });
    EXPECT_EQ(wait_until(
                  loop, [&] { return flag; }, deadline)
                  .error(),
              Errc::TimedOut);
    EXPECT_EQ(loop.now(), deadline);
    EXPECT_TRUE(wait_until(
        loop, [&] { return flag; }, Instant::never()));
    EXPECT_EQ(deadline_after(loop, Duration::zero()), Instant::never());
}

}  // namespace
}  // namespace ustack::sock
