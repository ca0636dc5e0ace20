// The Reactor (Node-style event face) over two Stacks on a SimLink: echo, refused, reset,
// half-close, backpressure, callbacks that close, many connections, two Reactors.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sock/reactor.h"
#include "sock/tcp_listener.h"
#include "sock/tcp_stream.h"
#include "sock_fixture.h"

namespace ustack::sock {
namespace {

using testing::as_bytes;
using testing::kT0;
using testing::Net;
using testing::NetOptions;
using testing::pattern;
using testing::Recorder;
using testing::to_string;

// A server that writes back what it receives (and, as Node's default, ends when the peer ends).
ServerHandlers echo(Reactor& r) {
    ServerHandlers h;
    h.socket.on_data = [&r](SocketId s, Bytes b) { EXPECT_TRUE(r.write(s, b)); };
    return h;
}

TEST(ReactorEcho, ServerEchoesToTcpStreamClient) {
    Net n;
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, echo(*n.server)));
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001));
    ASSERT_TRUE(c) << to_string(c.error());
    EXPECT_EQ(c->write(as_bytes("hello")), 5u);
    std::array<std::uint8_t, 5> buf{};
    EXPECT_EQ(c->read_exact(buf), 5u);
    EXPECT_EQ(to_string(buf), "hello");
    EXPECT_EQ(n.server->socket_count(), 1u);
    // Our FIN: the server's socket ends its side too (allowHalfOpen false) and closes.
    ASSERT_TRUE(c->shutdown());
    EXPECT_EQ(c->read(buf), 0u);
    ASSERT_TRUE(c->close());
    EXPECT_TRUE(n.run_until([&] { return n.server->socket_count() == 0; }));
}

TEST(ReactorEcho, ClientAgainstTcpListenerServer) {
    Net n;
    auto l = TcpListener::bind(*n.server, Net::server_ep(3001));
    ASSERT_TRUE(l);
    Recorder rec;
    SocketHandlers h = rec.handlers();
    Reactor& r = *n.client;
    h.on_connect = [&](SocketId s) {
        rec.log.push_back("connect");
        EXPECT_EQ(r.write(s, as_bytes("ping")), true);
    };
    ASSERT_TRUE(r.connect(Net::server_ep(3001), h));
    auto s = l->accept();
    ASSERT_TRUE(s);
    std::array<std::uint8_t, 4> buf{};
    ASSERT_EQ(s->read_exact(buf), 4u);
    EXPECT_EQ(to_string(buf), "ping");
    ASSERT_EQ(s->write(as_bytes("pong")), 4u);
    ASSERT_TRUE(s->close());
    ASSERT_TRUE(n.run_until([&] { return rec.closed; }));
    EXPECT_EQ(rec.data, "pong");
    EXPECT_EQ(rec.log, (std::vector<std::string>{"connect", "data", "end", "close:0"}));
}

TEST(ReactorErrors, RefusedConnectionReportsErrorThenCloseWithError) {
    Net n;
    Recorder rec;
    ASSERT_TRUE(n.client->connect(Net::server_ep(4444), rec.handlers()));
    ASSERT_TRUE(n.run_until([&] { return rec.closed; }));
    EXPECT_EQ(rec.error, Errc::ConnectionRefused);
    EXPECT_EQ(rec.log, (std::vector<std::string>{"error:connection refused", "close:1"}));
    EXPECT_EQ(n.client->socket_count(), 0u);
}

TEST(ReactorErrors, PeerAbortGivesConnectionResetAndCloseWithError) {
    Net n;
    Recorder srv;
    ServerHandlers sh;
    sh.socket = srv.handlers();
    Reactor& server = *n.server;
    sh.on_connection = [&](ServerId, SocketId s) { EXPECT_TRUE(server.destroy(s)); };
    ASSERT_TRUE(server.listen(Net::server_ep(3001), 8, sh));
    Recorder rec;
    ASSERT_TRUE(n.client->connect(Net::server_ep(3001), rec.handlers()));
    ASSERT_TRUE(n.run_until([&] { return rec.closed && srv.closed; }));
    EXPECT_EQ(rec.log,
              (std::vector<std::string>{"connect", "error:connection reset by peer", "close:1"}));
    // destroy() is not an error on the side that called it.
    EXPECT_EQ(srv.log, (std::vector<std::string>{"close:0"}));
}

TEST(ReactorErrors, ConnectTimeoutToSilentPeer) {
    NetOptions o;
    o.server_faults = dev::FaultConfig{};
    o.server_faults->drop = 1.0;  // every SYN vanishes
    Net n(o);
    Recorder rec;
    SocketOptions so;
    so.connect_timeout = Duration::seconds(3);
    Instant failed_at;
    SocketHandlers h = rec.handlers();
    h.on_error = [&](SocketId, Errc e) {
        rec.error = e;
        failed_at = n.loop.now();
    };
    const Instant start = n.loop.now();
    ASSERT_TRUE(n.client->connect(Net::server_ep(3001), h, so));
    ASSERT_TRUE(n.run_until([&] { return rec.closed; }, Duration::seconds(60)));
    EXPECT_EQ(rec.error, Errc::TimedOut);
    EXPECT_EQ(rec.had_error, true);
    EXPECT_EQ(failed_at - start, Duration::seconds(3));
    EXPECT_GT(n.faults->counters().dropped, 1u);  // the SYN was retransmitted, and dropped again
}

TEST(ReactorClose, HalfCloseEndThenStillReceive) {
    Net n;
    Reactor& server = *n.server;
    std::string request;
    ServerHandlers sh;
    sh.socket.on_data = [&](SocketId, Bytes b) { request += to_string(b); };
    sh.socket.on_end = [&](SocketId s) {
        // The client has ended; we may still write (allow_half_open) and end later.
        EXPECT_EQ(server.write(s, as_bytes("reply to " + request)), true);
        EXPECT_TRUE(server.end(s));
    };
    SocketOptions half;
    half.allow_half_open = true;
    ASSERT_TRUE(server.listen(Net::server_ep(3001), 8, sh, half));

    Recorder rec;
    SocketHandlers h = rec.handlers();
    Reactor& client = *n.client;
    h.on_connect = [&](SocketId s) {
        rec.log.push_back("connect");
        EXPECT_TRUE(client.write(s, as_bytes("question")));
        EXPECT_TRUE(client.end(s));
    };
    const auto id = client.connect(Net::server_ep(3001), h);
    ASSERT_TRUE(id);
    ASSERT_TRUE(n.run_until([&] { return rec.closed; }));
    EXPECT_EQ(request, "question");
    EXPECT_EQ(rec.data, "reply to question");
    EXPECT_EQ(rec.log, (std::vector<std::string>{"connect", "data", "end", "close:0"}));
}

TEST(ReactorClose, PeerEndWithoutHalfOpenEndsOurSideAndBothClose) {
    Net n;
    Recorder srv;
    ServerHandlers sh;
    sh.socket = srv.handlers();
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, sh));
    Recorder rec;
    SocketHandlers h = rec.handlers();
    Reactor& client = *n.client;
    h.on_connect = [&](SocketId s) { EXPECT_TRUE(client.end(s)); };
    const auto id = client.connect(Net::server_ep(3001), h);
    ASSERT_TRUE(id);
    ASSERT_TRUE(n.run_until([&] { return rec.closed && srv.closed; }));
    EXPECT_EQ(srv.log, (std::vector<std::string>{"end", "close:0"}));
    EXPECT_EQ(rec.log, (std::vector<std::string>{"end", "close:0"}));
    // The client closed first: its connection waits out TIME-WAIT in the Stack, not the socket.
    EXPECT_EQ(n.client_stack.connection_count(), 1u);
    EXPECT_EQ(client.state(*id).error(), Errc::BadHandle);
}

TEST(ReactorBackpressure, MegabyteThroughA64KiBRingDrainsAndArrivesWhole) {
    Net n;
    std::vector<std::uint8_t> got;
    ServerHandlers sh;
    sh.socket.on_data = [&](SocketId, Bytes b) { got.insert(got.end(), b.begin(), b.end()); };
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, sh));

    const std::vector<std::uint8_t> data = pattern(1 << 20);
    std::size_t offset = 0;
    int drains = 0;
    int falses = 0;
    Reactor& client = *n.client;
    auto pump = [&](SocketId s) {
        while (offset < data.size()) {
            const std::size_t len = std::min<std::size_t>(16 * 1024, data.size() - offset);
            const auto ok = client.write(s, Bytes(data.data() + offset, len));
            ASSERT_TRUE(ok);
            offset += len;
            if (!*ok) {
                ++falses;
                return;  // wait for on_drain
            }
        }
        EXPECT_TRUE(client.end(s));
    };
    SocketHandlers h;
    h.on_connect = pump;
    h.on_drain = [&](SocketId s) {
        ++drains;
        EXPECT_EQ(client.buffered(s), 0u);
        pump(s);
    };
    ASSERT_TRUE(client.connect(Net::server_ep(3001), h));
    ASSERT_TRUE(n.run_until([&] { return got.size() == data.size(); }, Duration::seconds(60)));
    EXPECT_TRUE(got == data);
    EXPECT_GT(falses, 0);
    EXPECT_EQ(drains, falses);
}

TEST(ReactorBackpressure, WritePastTheQueueBoundIsNoBufferSpaceAndQueuesNothing) {
    NetOptions o;
    o.reactor.max_write_queue = 100 * 1024;
    Net n(o);
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, ServerHandlers{}));
    const auto s = n.client->connect(Net::server_ep(3001), SocketHandlers{});
    ASSERT_TRUE(s);
    const std::vector<std::uint8_t> chunk = pattern(64 * 1024);
    // Not connected yet: everything waits in the queue; 64 KiB reaches the high-water mark.
    EXPECT_EQ(n.client->write(*s, chunk), false);
    EXPECT_EQ(n.client->write(*s, chunk).error(), Errc::NoBufferSpace);
    EXPECT_EQ(n.client->buffered(*s), 64u * 1024);
    EXPECT_EQ(n.client->write(*s, Bytes(chunk.data(), 1000)), false);
    EXPECT_EQ(n.client->buffered(*s), 64u * 1024 + 1000);
}

TEST(ReactorWrite, WritesBeforeTheHandshakeAreSentAfterIt) {
    Net n;
    std::string got;
    ServerHandlers sh;
    sh.socket.on_data = [&](SocketId, Bytes b) { got += to_string(b); };
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, sh));
    const auto s = n.client->connect(Net::server_ep(3001), SocketHandlers{});
    ASSERT_TRUE(s);
    EXPECT_EQ(n.client->write(*s, as_bytes("early")), true);
    EXPECT_EQ(n.client->buffered(*s), 5u);
    ASSERT_TRUE(n.run_until([&] { return got == "early"; }));
    EXPECT_EQ(n.client->buffered(*s), 0u);
}

TEST(ReactorClose, CloseSendsQueuedWritesFirst) {
    Net n;
    std::vector<std::uint8_t> got;
    Recorder srv;
    ServerHandlers sh;
    sh.socket = srv.handlers();
    sh.socket.on_data = [&](SocketId, Bytes b) { got.insert(got.end(), b.begin(), b.end()); };
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, sh));
    Recorder rec;
    const std::vector<std::uint8_t> data = pattern(300 * 1000);
    Reactor& client = *n.client;
    SocketHandlers h = rec.handlers();
    h.on_connect = [&](SocketId s) {
        EXPECT_EQ(client.write(s, data), false);
        EXPECT_TRUE(client.close(s));
        EXPECT_EQ(client.write(s, data).error(), Errc::BrokenPipe);
    };
    ASSERT_TRUE(client.connect(Net::server_ep(3001), h));
    ASSERT_TRUE(n.run_until([&] { return srv.closed && rec.closed; }, Duration::seconds(30)));
    EXPECT_TRUE(got == data);
    EXPECT_EQ(srv.log.back(), "close:0");
    EXPECT_EQ(rec.log, (std::vector<std::string>{"close:0"}));
}

TEST(ReactorCallbacks, CloseFromInsideOnDataStopsFurtherData) {
    NetOptions o;
    o.reactor.read_chunk = 4;  // "abcdefgh" arrives as two on_data calls unless closed
    Net n(o);
    Reactor& server = *n.server;
    int data_calls = 0;
    int closes = 0;
    ServerHandlers sh;
    sh.socket.on_data = [&](SocketId s, Bytes) {
        ++data_calls;
        EXPECT_TRUE(server.close(s));
        EXPECT_TRUE(server.close(s));  // twice is fine
    };
    sh.socket.on_close = [&](SocketId, bool) { ++closes; };
    ASSERT_TRUE(server.listen(Net::server_ep(3001), 8, sh));
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001));
    ASSERT_TRUE(c);
    ASSERT_EQ(c->write(as_bytes("abcdefgh")), 8u);
    std::array<std::uint8_t, 16> buf{};
    // Closed with "efgh" unread: a reset, as Linux does.
    EXPECT_EQ(c->read(buf).error(), Errc::ConnectionReset);
    n.run_for(Duration::seconds(1));
    EXPECT_EQ(data_calls, 1);
    EXPECT_EQ(closes, 1);
    EXPECT_EQ(server.socket_count(), 0u);
}

TEST(ReactorCallbacks, DestroyFromInsideOnDataResetsThePeer) {
    Net n;
    Reactor& server = *n.server;
    ServerHandlers sh;
    sh.socket.on_data = [&](SocketId s, Bytes) { EXPECT_TRUE(server.destroy(s)); };
    ASSERT_TRUE(server.listen(Net::server_ep(3001), 8, sh));
    Recorder rec;
    Reactor& client = *n.client;
    SocketHandlers h = rec.handlers();
    h.on_connect = [&](SocketId s) { EXPECT_TRUE(client.write(s, as_bytes("x"))); };
    ASSERT_TRUE(client.connect(Net::server_ep(3001), h));
    ASSERT_TRUE(n.run_until([&] { return rec.closed; }));
    EXPECT_EQ(rec.error, Errc::ConnectionReset);
}

TEST(ReactorCallbacks, HandlersReplacedFromInsideAHandler) {
    Net n;
    Reactor& server = *n.server;
    std::string first, second;
    ServerHandlers sh;
    const std::string big_capture(200, 'x');  // larger than std::function's inline buffer
    sh.socket.on_data = [&, big_capture](SocketId s, Bytes b) {
        first += to_string(b);
        SocketHandlers next;
        next.on_data = [&](SocketId, Bytes b2) { second += to_string(b2); };
        EXPECT_TRUE(server.set_handlers(s, next));
        first += big_capture.substr(0, 1);  // the replaced handler is still alive
    };
    ASSERT_TRUE(server.listen(Net::server_ep(3001), 8, sh));
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001));
    ASSERT_TRUE(c);
    ASSERT_EQ(c->write(as_bytes("one")), 3u);
    ASSERT_TRUE(n.run_until([&] { return !first.empty(); }));
    ASSERT_EQ(c->write(as_bytes("two")), 3u);
    ASSERT_TRUE(n.run_until([&] { return !second.empty(); }));
    EXPECT_EQ(first, "onex");
    EXPECT_EQ(second, "two");
}

TEST(ReactorCallbacks, OnCloseMayOpenANewConnection) {
    Net n;
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, echo(*n.server)));
    Reactor& client = *n.client;
    int closes = 0;
    std::string got;
    SocketHandlers h;
    h.on_connect = [&](SocketId s) {
        EXPECT_TRUE(client.write(s, as_bytes("hi")));
        EXPECT_TRUE(client.end(s));
    };
    h.on_data = [&](SocketId, Bytes b) { got += to_string(b); };
    h.on_close = [&](SocketId old, bool) {
        if (++closes < 3) {
            const auto again = client.connect(Net::server_ep(3001), h);
            ASSERT_TRUE(again);
            EXPECT_NE(*again, old);  // the slot may be reused, the id never
        }
    };
    ASSERT_TRUE(client.connect(Net::server_ep(3001), h));
    ASSERT_TRUE(n.run_until([&] { return closes == 3; }));
    EXPECT_EQ(got, "hihihi");
}

TEST(ReactorFlow, PauseHoldsDataBackAndResumeDeliversIt) {
    Net n;
    Reactor& server = *n.server;
    std::string got;
    std::optional<SocketId> accepted;
    ServerHandlers sh;
    sh.on_connection = [&](ServerId, SocketId s) {
        accepted = s;
        EXPECT_TRUE(server.pause(s));
    };
    sh.socket.on_data = [&](SocketId, Bytes b) { got += to_string(b); };
    ASSERT_TRUE(server.listen(Net::server_ep(3001), 8, sh));
    auto c = TcpStream::connect(*n.client, Net::server_ep(3001));
    ASSERT_TRUE(c);
    ASSERT_EQ(c->write(as_bytes("held")), 4u);
    n.run_for(Duration::millis(200));
    ASSERT_TRUE(accepted);
    EXPECT_EQ(got, "");
    EXPECT_EQ(n.server_stack.connection(*server.conn_id(*accepted))->recv_queue(), 4u);
    ASSERT_TRUE(server.resume(*accepted));
    ASSERT_TRUE(n.run_until([&] { return got == "held"; }));
}

TEST(ReactorScale, HundredConcurrentConnectionsThroughOneReactor) {
    Net n;
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 128, echo(*n.server)));
    Reactor& client = *n.client;
    constexpr int kCount = 100;
    std::vector<std::string> got(kCount);
    std::vector<bool> closed(kCount, false);
    std::vector<std::optional<bool>> had_error(kCount);
    for (int i = 0; i < kCount; ++i) {
        SocketHandlers h;
        const std::string msg = "message " + std::to_string(i);
        h.on_connect = [&client, msg](SocketId s) {
            EXPECT_TRUE(client.write(s, as_bytes(msg)));
            EXPECT_TRUE(client.end(s));
        };
        h.on_data = [&got, i](SocketId, Bytes b) { got[i] += to_string(b); };
        h.on_close = [&closed, &had_error, i](SocketId, bool e) {
            closed[i] = true;
            had_error[i] = e;
        };
        ASSERT_TRUE(client.connect(Net::server_ep(3001), h));
    }
    EXPECT_EQ(client.socket_count(), 100u);
    ASSERT_TRUE(n.run_until([&] { return client.socket_count() == 0; }, Duration::seconds(30)));
    for (int i = 0; i < kCount; ++i) {
        EXPECT_EQ(got[i], "message " + std::to_string(i));
        EXPECT_TRUE(closed[i]);
        EXPECT_EQ(had_error[i], false);
    }
    EXPECT_TRUE(n.run_until([&] { return n.server->socket_count() == 0; }));
}

TEST(ReactorScale, TwoReactorsOnTwoStacksServeEachOther) {
    Net n;
    // Both Stacks listen and both connect to the other: two Reactors in one process.
    ASSERT_TRUE(n.server->listen(Net::server_ep(7), 8, echo(*n.server)));
    ASSERT_TRUE(n.client->listen({wire::IpAddress(testing::kClientAddr), 7}, 8, echo(*n.client)));
    Recorder to_server, to_client;
    auto hello = [](Reactor& r, Recorder& rec, const std::string& msg) {
        SocketHandlers h = rec.handlers();
        h.on_connect = [&r, &rec, msg](SocketId s) {
            rec.log.push_back("connect");
            EXPECT_TRUE(r.write(s, as_bytes(msg)));
            EXPECT_TRUE(r.end(s));
        };
        return h;
    };
    ASSERT_TRUE(n.client->connect(Net::server_ep(7), hello(*n.client, to_server, "from a")));
    ASSERT_TRUE(n.server->connect({wire::IpAddress(testing::kClientAddr), 7},
                                  hello(*n.server, to_client, "from b")));
    ASSERT_TRUE(n.run_until([&] { return to_server.closed && to_client.closed; }));
    EXPECT_EQ(to_server.data, "from a");
    EXPECT_EQ(to_client.data, "from b");
    EXPECT_EQ(to_server.log, (std::vector<std::string>{"connect", "data", "end", "close:0"}));
    EXPECT_EQ(to_client.log, to_server.log);
}

TEST(ReactorTrace, OnStateAndTraceShowEveryTransition) {
    Net n;
    std::vector<std::string> server_trace;
    n.server->set_trace([&](const stack::Event& e) {
        server_trace.push_back(std::string(tcp::to_string(e.from)) + " -> " +
                               std::string(tcp::to_string(e.to)));
    });
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, echo(*n.server)));
    std::vector<std::string> client_states;
    Reactor& client = *n.client;
    bool closed = false;
    SocketHandlers h;
    h.on_state = [&](SocketId, tcp::State from, tcp::State to) {
        client_states.push_back(std::string(tcp::to_string(from)) + " -> " +
                                std::string(tcp::to_string(to)));
    };
    h.on_connect = [&](SocketId s) { EXPECT_TRUE(client.end(s)); };
    h.on_close = [&](SocketId, bool) { closed = true; };
    ASSERT_TRUE(client.connect(Net::server_ep(3001), h));
    ASSERT_TRUE(n.run_until([&] { return closed; }));
    // The server's Reactor ends its side as soon as it reads our FIN, so its FIN carries the
    // ACK of ours (the three-packet close): FIN-WAIT-1 goes straight to TIME-WAIT.
    EXPECT_EQ(client_states,
              (std::vector<std::string>{"CLOSED -> SYN-SENT", "SYN-SENT -> ESTABLISHED",
                                        "ESTABLISHED -> FIN-WAIT-1", "FIN-WAIT-1 -> TIME-WAIT"}));
    ASSERT_TRUE(n.run_until([&] { return n.server->socket_count() == 0; }));
    EXPECT_EQ(server_trace,
              (std::vector<std::string>{"CLOSED -> LISTEN", "LISTEN -> SYN-RECEIVED",
                                        "SYN-RECEIVED -> ESTABLISHED", "ESTABLISHED -> CLOSE-WAIT",
                                        "CLOSE-WAIT -> LAST-ACK", "LAST-ACK -> CLOSED"}));
}

TEST(ReactorLoop, PollAtIsNowOnlyWhenTheStackHasEvents) {
    Net n;
    EXPECT_EQ(n.server->poll_at(), Instant::never());
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, ServerHandlers{}));
    EXPECT_TRUE(n.server_stack.has_events());  // CLOSED -> LISTEN
    EXPECT_EQ(n.server->poll_at(), n.loop.now());
    n.run_for(Duration::millis(1));
    EXPECT_FALSE(n.server_stack.has_events());
    EXPECT_EQ(n.server->poll_at(), Instant::never());
}

TEST(ReactorLoop, CallbacksRunFromTheLoopNotFromVerbs) {
    Net n;
    Recorder rec;
    ASSERT_TRUE(n.server->listen(Net::server_ep(3001), 8, ServerHandlers{}));
    const auto s = n.client->connect(Net::server_ep(3001), rec.handlers());
    ASSERT_TRUE(s);
    ASSERT_TRUE(n.run_until([&] { return !rec.log.empty(); }));
    ASSERT_TRUE(n.client->destroy(*s));
    EXPECT_FALSE(rec.closed);  // on_close is owed, not run inside destroy()
    EXPECT_EQ(n.client->state(*s), tcp::State::Closed);
    EXPECT_EQ(n.client->poll_at(), n.loop.now());
    n.run_for(Duration::zero());
    EXPECT_TRUE(rec.closed);
    EXPECT_EQ(rec.log, (std::vector<std::string>{"connect", "close:0"}));
}

TEST(ReactorDeterminism, SameSeedSameRunTwice) {
    auto run = [] {
        Net n;
        std::vector<std::string> log;
        n.client->set_trace([&](const stack::Event& e) {
            log.push_back(std::to_string(n.loop.now().as_micros()) + " " +
                          std::string(tcp::to_string(e.to)));
        });
        EXPECT_TRUE(n.server->listen(Net::server_ep(3001), 8, echo(*n.server)));
        bool closed = false;
        Reactor& client = *n.client;
        SocketHandlers h;
        h.on_connect = [&](SocketId s) {
            EXPECT_TRUE(client.write(s, pattern(200000)));
            EXPECT_TRUE(client.end(s));
        };
        h.on_data = [&](SocketId, Bytes b) {
            log.push_back(std::to_string(n.loop.now().as_micros()) + " data " +
                          std::to_string(b.size()));
        };
        h.on_close = [&](SocketId, bool) { closed = true; };
        EXPECT_TRUE(client.connect(Net::server_ep(3001), h));
        EXPECT_TRUE(n.run_until([&] { return closed; }, Duration::seconds(30)));
        return log;
    };
    const auto a = run();
    EXPECT_GT(a.size(), 5u);
    EXPECT_EQ(a, run());
}

}  // namespace
}  // namespace ustack::sock
