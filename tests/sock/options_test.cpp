// SocketOptions reach the TCB: set on connect, inherited by accepted connections, left at the
// Stack's own values when unset, and changed at run time.
#include <gtest/gtest.h>

#include "sock/reactor.h"
#include "sock/socket_options.h"
#include "sock/tcp_listener.h"
#include "sock/tcp_stream.h"
#include "sock_fixture.h"

namespace ustack::sock {
namespace {

using testing::Net;
using testing::NetOptions;

SocketOptions everything() {
    SocketOptions o;
    o.no_delay = true;
    o.keepalive = tcp::Keepalive{true, Duration::seconds(10), Duration::seconds(2), 3};
    o.linger = tcp::Linger{true, 7};
    o.send_buffer = 32 * 1024;
    o.recv_buffer = 16 * 1024;
    o.connect_timeout = Duration::seconds(4);
    o.user_timeout = Duration::seconds(30);
    return o;
}

void expect_everything(const tcp::Config& c) {
    EXPECT_TRUE(c.no_delay);
    EXPECT_TRUE(c.keepalive.on);
    EXPECT_EQ(c.keepalive.idle, Duration::seconds(10));
    EXPECT_EQ(c.keepalive.interval, Duration::seconds(2));
    EXPECT_EQ(c.keepalive.count, 3u);
    EXPECT_TRUE(c.linger.on);
    EXPECT_EQ(c.linger.seconds, 7u);
    EXPECT_EQ(c.send_buffer, 32u * 1024);
    EXPECT_EQ(c.recv_buffer, 16u * 1024);
    EXPECT_EQ(c.connect_timeout, Duration::seconds(4));
    EXPECT_EQ(c.user_timeout, Duration::seconds(30));
}

TEST(Options, ApplyOptionsSetsOnlyWhatWasAskedFor) {
    tcp::Config base;
    base.time_wait = Duration::seconds(3);
    base.no_delay = true;
    const tcp::Config same = apply_options(SocketOptions{}, base);
    EXPECT_EQ(same.time_wait, Duration::seconds(3));
    EXPECT_TRUE(same.no_delay);
    EXPECT_EQ(same.send_buffer, base.send_buffer);
    EXPECT_FALSE(same.keepalive.on);
    SocketOptions off;
    off.no_delay = false;
    EXPECT_FALSE(apply_options(off, base).no_delay);
    expect_everything(apply_options(everything(), base));
}

TEST(Options, TcpStreamConnectPassesThemToTheConnection) {
    Net n;
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, ServerHandlers{}));
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001), everything());
    ASSERT_TRUE(c);
    const tcp::Connection* conn = n.client_stack.connection(c->conn_id());
    ASSERT_NE(conn, nullptr);
    expect_everything(conn->config());
}

TEST(Options, ReactorConnectPassesThemToTheConnection) {
    Net n;
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, ServerHandlers{}));
    const auto s = n.client->connect(Net::server_ep(3001), SocketHandlers{}, everything());
    ASSERT_TRUE(s);
    const tcp::Connection* conn = n.client_stack.connection(*n.client->conn_id(*s));
    ASSERT_NE(conn, nullptr);
    expect_everything(conn->config());
}

TEST(Options, AcceptedConnectionsGetTheListenersOptions) {
    Net n;
    auto l = TcpListener::bind(*n.server, Net::server_ep(3001), everything());
    ASSERT_TRUE(l);
    std::optional<SocketId> accepted;
    ServerHandlers sh;
    sh.on_connection = [&](ServerId, SocketId s) { accepted = s; };
    ASSERT_TRUE(n.server->listen(Net::server_ep(3002), 8, sh, everything()));
    auto c1 = TcpStream::connect(*n.client, Net::server_ep(3001));
    auto c2 = TcpStream::connect(*n.client, Net::server_ep(3002));
    ASSERT_TRUE(c1 && c2);
    auto s = l->accept();
    ASSERT_TRUE(s);
    expect_everything(n.server_stack.connection(s->conn_id())->config());
    ASSERT_TRUE(n.run_until([&] { return accepted.has_value(); }));
    expect_everything(n.server_stack.connection(*n.server->conn_id(*accepted))->config());
    // And the client's connections kept the Stack's defaults.
    EXPECT_FALSE(n.client_stack.connection(c1->conn_id())->config().keepalive.on);
}

TEST(Options, UnsetOptionsKeepTheStacksConfig) {
    NetOptions o;
    o.tcp.time_wait = Duration::seconds(2);
    o.tcp.delayed_ack = Duration::millis(10);
    Net n(o);
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, ServerHandlers{}));
    SocketOptions so;
    so.no_delay = true;
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001), so);
    ASSERT_TRUE(c);
    const tcp::Config& cfg = n.client_stack.connection(c->conn_id())->config();
    EXPECT_EQ(cfg.time_wait, Duration::seconds(2));
    EXPECT_EQ(cfg.delayed_ack, Duration::millis(10));
    EXPECT_TRUE(cfg.no_delay);
}

TEST(Options, NoDelayAtRunTimeOnBothFaces) {
    Net n;
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, ServerHandlers{}));
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001));
    ASSERT_TRUE(c);
    EXPECT_FALSE(n.client_stack.connection(c->conn_id())->config().no_delay);
    ASSERT_TRUE(c->set_no_delay(true));
    EXPECT_TRUE(n.client_stack.connection(c->conn_id())->config().no_delay);
    const auto s = n.client->connect(Net::server_ep(3001), SocketHandlers{});
    ASSERT_TRUE(s);
    ASSERT_TRUE(n.client->set_no_delay(*s, true));
    EXPECT_TRUE(n.client_stack.connection(*n.client->conn_id(*s))->config().no_delay);
}

TEST(Options, LocalEndpointBindsTheConnectingSide) {
    Net n;
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, ServerHandlers{}));
    SocketOptions so;
    so.local = stack::Endpoint{wire::IpAddress(testing::kClientAddr), 40000};
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001), so);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->local_endpoint()->port, 40000);
    // The same 4-tuple again is in use.
    EXPECT_EQ(TcpStream::connect(*n.client, Net::server_ep(3001), so).error(), Errc::AddressInUse);
}

}  // namespace
}  // namespace ustack::sock
