// Misuse of both faces returns an Errc and never crashes: stale and default handles, moved-from
// objects, operations after close, end or shutdown, and bad arguments.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <utility>

#include "sock/reactor.h"
#include "sock/tcp_listener.h"
#include "sock/tcp_stream.h"
#include "sock_fixture.h"

namespace ustack::sock {
namespace {

using testing::as_bytes;
using testing::Net;
using testing::Recorder;

TEST(MisuseStream, DefaultConstructedStreamIsBadHandleEverywhere) {
    TcpStream s;
    std::array<std::uint8_t, 4> buf{};
    EXPECT_FALSE(s.is_open());
    EXPECT_EQ(s.read(buf).error(), Errc::BadHandle);
    EXPECT_EQ(s.read_exact(buf).error(), Errc::BadHandle);
    EXPECT_EQ(s.write(as_bytes("x")).error(), Errc::BadHandle);
    EXPECT_EQ(s.shutdown().error(), Errc::BadHandle);
    EXPECT_EQ(s.close().error(), Errc::BadHandle);
    EXPECT_EQ(s.local_endpoint().error(), Errc::BadHandle);
    EXPECT_EQ(s.peer_endpoint().error(), Errc::BadHandle);
    EXPECT_EQ(s.state().error(), Errc::BadHandle);
    EXPECT_EQ(s.set_no_delay(true).error(), Errc::BadHandle);
}

TEST(MisuseStream, MovedFromStreamIsBadHandleAndTheMoveTargetWorks) {
    Net n;
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, ServerHandlers{}));
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001));
    ASSERT_TRUE(c);
    TcpStream moved = std::move(*c);
    std::array<std::uint8_t, 4> buf{};
    EXPECT_EQ(c->read(buf).error(), Errc::BadHandle);  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(c->write(as_bytes("x")).error(), Errc::BadHandle);
    EXPECT_EQ(moved.write(as_bytes("x")), 1u);
    TcpStream assigned;
    assigned = std::move(moved);
    EXPECT_FALSE(moved.is_open());  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(assigned.state(), tcp::State::Established);
}

TEST(MisuseStream, EveryOperationAfterCloseIsBadHandle) {
    Net n;
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, ServerHandlers{}));
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001));
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->close());
    std::array<std::uint8_t, 4> buf{};
    EXPECT_EQ(c->write(as_bytes("after")).error(), Errc::BadHandle);
    EXPECT_EQ(c->read(buf).error(), Errc::BadHandle);
    EXPECT_EQ(c->shutdown().error(), Errc::BadHandle);
    EXPECT_EQ(c->close().error(), Errc::BadHandle);
}

TEST(MisuseStream, WriteAfterShutdownIsBrokenPipe) {
    Net n;
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, ServerHandlers{}));
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001));
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->shutdown());
    EXPECT_EQ(c->write(as_bytes("x")).error(), Errc::BrokenPipe);
}

TEST(MisuseStream, ConnectWithBadArgumentsFailsAtOnce) {
    Net n;
    EXPECT_EQ(TcpStream::connect(*n.client, Net::server_ep(0)).error(), Errc::InvalidArgument);
    const stack::Endpoint elsewhere{wire::IpAddress(wire::Ipv4Address{192, 168, 9, 9}), 80};
    EXPECT_EQ(TcpStream::connect(*n.client, elsewhere).error(), Errc::HostUnreachable);
    EXPECT_EQ(n.client_stack.connection_count(), 0u);
}

TEST(MisuseListener, DefaultClosedAndMovedFromListenersAreBadHandle) {
    Net n;
    TcpListener none;
    EXPECT_EQ(none.accept().error(), Errc::BadHandle);
    EXPECT_EQ(none.close().error(), Errc::BadHandle);
    EXPECT_EQ(none.local_endpoint().error(), Errc::BadHandle);

    auto l = TcpListener::bind(*n.server, Net::server_ep(3001));
    ASSERT_TRUE(l);
    TcpListener moved = std::move(*l);
    EXPECT_EQ(l->accept().error(), Errc::BadHandle);  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(moved.local_endpoint(), Net::server_ep(3001));
    ASSERT_TRUE(moved.close());
    EXPECT_EQ(moved.accept().error(), Errc::BadHandle);
    EXPECT_EQ(moved.close().error(), Errc::BadHandle);
}

TEST(MisuseListener, ClosedListenerRefusesNewConnections) {
    Net n;
    auto l = TcpListener::bind(*n.server, Net::server_ep(3001));
    ASSERT_TRUE(l);
    ASSERT_TRUE(l->close());
    EXPECT_EQ(TcpStream::connect(*n.client, Net::server_ep(3001)).error(), Errc::ConnectionRefused);
}

TEST(MisuseListener, BindToAnAddressNotOursOrPortZero) {
    Net n;
    const stack::Endpoint foreign{wire::IpAddress(wire::Ipv4Address{10, 0, 0, 77}), 80};
    EXPECT_EQ(TcpListener::bind(*n.server, foreign).error(), Errc::AddressNotAvailable);
    EXPECT_EQ(TcpListener::bind(*n.server, Net::server_ep(0)).error(), Errc::InvalidArgument);
    EXPECT_EQ(TcpListener::bind(*n.server, Net::server_ep(80), {}, 0).error(),
              Errc::InvalidArgument);
}

void expect_all_bad_handle(Reactor& r, SocketId s) {
    EXPECT_EQ(r.write(s, as_bytes("x")).error(), Errc::BadHandle);
    EXPECT_EQ(r.end(s).error(), Errc::BadHandle);
    EXPECT_EQ(r.close(s).error(), Errc::BadHandle);
    EXPECT_EQ(r.destroy(s).error(), Errc::BadHandle);
    EXPECT_EQ(r.pause(s).error(), Errc::BadHandle);
    EXPECT_EQ(r.resume(s).error(), Errc::BadHandle);
    EXPECT_EQ(r.set_no_delay(s, true).error(), Errc::BadHandle);
    EXPECT_EQ(r.set_handlers(s, SocketHandlers{}).error(), Errc::BadHandle);
    EXPECT_EQ(r.state(s).error(), Errc::BadHandle);
    EXPECT_EQ(r.local_endpoint(s).error(), Errc::BadHandle);
    EXPECT_EQ(r.remote_endpoint(s).error(), Errc::BadHandle);
    EXPECT_EQ(r.buffered(s).error(), Errc::BadHandle);
    EXPECT_EQ(r.conn_id(s).error(), Errc::BadHandle);
}

TEST(MisuseReactor, DefaultAndUnknownSocketIdsAreBadHandle) {
    Net n;
    expect_all_bad_handle(*n.client, SocketId{});
    expect_all_bad_handle(*n.client, SocketId{12345, 1});
}

TEST(MisuseReactor, StaleSocketIdAfterOnCloseIsBadHandle) {
    Net n;
    Recorder rec;
    const auto s = n.client->connect(Net::server_ep(4444), rec.handlers());  // refused
    ASSERT_TRUE(s);
    ASSERT_TRUE(n.run_until([&] { return rec.closed; }));
    expect_all_bad_handle(*n.client, *s);
}

TEST(MisuseReactor, ReusedSlotDoesNotRespondToTheOldId) {
    Net n;
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, ServerHandlers{}));
    Recorder first;
    const auto a = n.client->connect(Net::server_ep(3001), first.handlers());
    ASSERT_TRUE(a);
    ASSERT_TRUE(n.client->destroy(*a));
    n.run_for(Duration::millis(1));
    ASSERT_TRUE(first.closed);
    const auto b = n.client->connect(Net::server_ep(3001), SocketHandlers{});
    ASSERT_TRUE(b);
    EXPECT_EQ(b->index, a->index);  // the slot was reused...
    EXPECT_NE(*b, *a);              // ...under a new generation
    expect_all_bad_handle(*n.client, *a);
    EXPECT_TRUE(n.client->buffered(*b));
}

TEST(MisuseReactor, WriteAfterEndIsBrokenPipeAndEndIsIdempotent) {
    Net n;
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, ServerHandlers{}));
    const auto s = n.client->connect(Net::server_ep(3001), SocketHandlers{});
    ASSERT_TRUE(s);
    ASSERT_TRUE(n.run_until([&] { return n.client->state(*s) == tcp::State::Established; }));
    ASSERT_TRUE(n.client->end(*s));
    EXPECT_TRUE(n.client->end(*s));
    EXPECT_EQ(n.client->write(*s, as_bytes("x")).error(), Errc::BrokenPipe);
}

TEST(MisuseReactor, VerbsAfterDestroyBeforeOnClose) {
    Net n;
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, ServerHandlers{}));
    const auto s = n.client->connect(Net::server_ep(3001), SocketHandlers{});
    ASSERT_TRUE(s);
    ASSERT_TRUE(n.client->destroy(*s));
    // on_close is owed: the id still answers, but nothing more can be done with it.
    EXPECT_EQ(n.client->write(*s, as_bytes("x")).error(), Errc::BrokenPipe);
    EXPECT_EQ(n.client->end(*s).error(), Errc::BrokenPipe);
    EXPECT_TRUE(n.client->destroy(*s));
    EXPECT_TRUE(n.client->close(*s));
    EXPECT_EQ(n.client->resume(*s).error(), Errc::NotConnected);
    EXPECT_EQ(n.client->set_no_delay(*s, true).error(), Errc::NotConnected);
    n.run_for(Duration::millis(1));
    expect_all_bad_handle(*n.client, *s);
}

TEST(MisuseReactor, StaleServerIdAndListenConflicts) {
    Net n;
    const auto a = n.server->listen(Net::server_ep(3001), 8, ServerHandlers{});
    ASSERT_TRUE(a);
    EXPECT_EQ(n.server->listen(Net::server_ep(3001), 8, ServerHandlers{}).error(),
              Errc::AddressInUse);
    // A wildcard listener on the same port only with reuse_addr.
    const stack::Endpoint any{wire::IpAddress(wire::Ipv4Address{}), 3001};
    EXPECT_EQ(n.server->listen(any, 8, ServerHandlers{}).error(), Errc::AddressInUse);
    SocketOptions reuse;
    reuse.reuse_addr = true;
    EXPECT_TRUE(n.server->listen(any, 8, ServerHandlers{}, reuse));
    ASSERT_TRUE(n.server->close_server(*a));
    EXPECT_EQ(n.server->close_server(*a).error(), Errc::BadHandle);
    EXPECT_EQ(n.server->server_endpoint(*a).error(), Errc::BadHandle);
    EXPECT_EQ(n.server->close_server(ServerId{}).error(), Errc::BadHandle);
}

TEST(MisuseReactor, CloseServerFromInsideOnConnection) {
    Net n;
    Reactor& server = *n.server;
    std::optional<ServerId> id;
    int connections = 0;
    ServerHandlers sh;
    sh.on_connection = [&](ServerId v, SocketId) {
        ++connections;
        EXPECT_EQ(v, *id);
        EXPECT_TRUE(server.close_server(v));
    };
    id = *server.listen(Net::server_ep(3001), 8, sh);
    Recorder a, b;
    ASSERT_TRUE(n.client->connect(Net::server_ep(3001), a.handlers()));
    ASSERT_TRUE(n.client->connect(Net::server_ep(3001), b.handlers()));
    n.run_for(Duration::seconds(1));
    EXPECT_EQ(connections, 1);
    // The first was accepted; the second was reset with the listener (or refused after it).
    ASSERT_FALSE(a.log.empty());
    EXPECT_EQ(a.log.front(), "connect");
    EXPECT_TRUE(b.closed);
    EXPECT_EQ(b.had_error, true);
}

TEST(MisuseReactor, ConnectErrorsCreateNoSocket) {
    Net n;
    const stack::Endpoint elsewhere{wire::IpAddress(wire::Ipv4Address{192, 168, 9, 9}), 80};
    EXPECT_EQ(n.client->connect(elsewhere, SocketHandlers{}).error(), Errc::HostUnreachable);
    EXPECT_EQ(n.client->connect(Net::server_ep(0), SocketHandlers{}).error(),
              Errc::InvalidArgument);
    EXPECT_EQ(n.client->socket_count(), 0u);
}

}  // namespace
}  // namespace ustack::sock
