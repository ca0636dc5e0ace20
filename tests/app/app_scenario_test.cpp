// The application servers and clients over two Stacks on a SimLink in a SimLoop (virtual time):
// HTTP keep-alive, pipelining, Connection: close, bad input, the GET client, echo, discard,
// chargen, the connection table and the ping client.
#include <gtest/gtest.h>

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "../sock/sock_fixture.h"
#include "app/byte_pattern.h"
#include "app/chargen_server.h"
#include "app/connection_table.h"
#include "app/discard_server.h"
#include "app/echo_server.h"
#include "app/http_client.h"
#include "app/http_message.h"
#include "app/http_server.h"
#include "app/ping_client.h"
#include "sock/tcp_stream.h"

namespace ustack::app {
namespace {

using sock::testing::as_bytes;
using sock::testing::Net;

stack::Endpoint any_port(std::uint16_t port) {
    return {wire::IpAddress(wire::Ipv4Address{}), port};
}

std::vector<std::uint8_t> pattern_bytes(std::size_t n) {
    std::vector<std::uint8_t> v(n);
    fill_pattern(0, v);
    return v;
}

// Reads everything until the server's FIN.
std::string read_to_end(sock::TcpStream& s) {
    std::string out;
    std::vector<std::uint8_t> buf(65536);
    for (;;) {
        const auto n = s.read(buf);
        if (!n || *n == 0) break;
        out.append(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
    }
    return out;
}

// Splits `text` into responses; each body by its Content-Length, except the responses to HEAD
// (their indices in `heads`), which have none.
struct Response {
    HttpResponseHead head;
    std::string body;
};
std::vector<Response> split_responses(std::string text, std::vector<std::size_t> heads = {}) {
    std::vector<Response> out;
    while (!text.empty()) {
        const ResponseParse p = parse_response(text);
        if (p.status != ParseStatus::Complete) break;
        Response r{p.head, {}};
        const bool is_head = std::find(heads.begin(), heads.end(), out.size()) != heads.end();
        const std::size_t len = is_head ? 0 : p.head.content_length.value_or(0);
        r.body = text.substr(p.consumed, len);
        text.erase(0, p.consumed + len);
        out.push_back(std::move(r));
    }
    return out;
}

class HttpScenario : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_TRUE(server_.listen(any_port(80))); }
    sock::TcpStream connect() {
        auto s = sock::TcpStream::connect(*net_.client, Net::server_ep(80));
        EXPECT_TRUE(s);
        return s ? std::move(*s) : sock::TcpStream{};
    }
    void send(sock::TcpStream& s, const std::string& text) { ASSERT_TRUE(s.write(as_bytes(text))); }

    Net net_;
    HttpServer server_{*net_.server};
};

TEST_F(HttpScenario, PipelinedRequestsAreAnsweredInOrderOnOneConnection) {
    auto s = connect();
    send(s,
         "GET /bytes/300000 HTTP/1.1\r\nHost: a\r\n\r\n"
         "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
         "GET /missing HTTP/1.1\r\nHost: a\r\n\r\n"
         "HEAD /bytes/5 HTTP/1.1\r\nHost: a\r\n\r\n"
         "GET /bytes/7 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    const auto responses = split_responses(read_to_end(s), {3});
    ASSERT_EQ(responses.size(), 5u);
    const auto big = pattern_bytes(300000);
    EXPECT_EQ(responses[0].head.status, 200);
    EXPECT_EQ(responses[0].body, std::string(big.begin(), big.end()));
    EXPECT_EQ(responses[1].head.status, 200);
    EXPECT_EQ(responses[1].body, HttpServer::index_page());
    EXPECT_EQ(responses[2].head.status, 404);
    EXPECT_EQ(responses[3].head.status, 200);
    EXPECT_EQ(responses[3].head.content_length, 5u);
    EXPECT_EQ(responses[4].head.status, 200);
    EXPECT_FALSE(responses[4].head.keep_alive);
    // HEAD has no body: the 7 bytes after it belong to the last response.
    EXPECT_EQ(responses[4].body, std::string(big.begin(), big.begin() + 7));
    EXPECT_EQ(server_.http_stats().requests, 5u);
    EXPECT_EQ(server_.stats().accepted, 1u);
}

TEST_F(HttpScenario, KeepAliveServesManyRequestsThenPeerCloses) {
    auto s = connect();
    std::vector<std::uint8_t> buf(65536);
    for (int i = 0; i < 50; ++i) {
        send(s, "GET /bytes/" + std::to_string(1000 + i) + " HTTP/1.1\r\nHost: a\r\n\r\n");
        std::string got;
        ResponseParse p;
        while (true) {
            p = parse_response(got);
            if (p.status == ParseStatus::Complete &&
                got.size() >= p.consumed + *p.head.content_length)
                break;
            ASSERT_NE(p.status, ParseStatus::Invalid);
            const auto n = s.read(buf);
            ASSERT_TRUE(n);
            ASSERT_GT(*n, 0u);
            got.append(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
        }
        EXPECT_EQ(*p.head.content_length, 1000u + i);
        EXPECT_EQ(got.size(), p.consumed + 1000 + i) << "nothing extra on the connection";
    }
    ASSERT_TRUE(s.shutdown());
    EXPECT_EQ(read_to_end(s), "");  // the server ends its side after our FIN
    EXPECT_TRUE(net_.run_until([&] { return server_.stats().closed == 1; }));
    EXPECT_EQ(server_.stats().accepted, 1u);
}

TEST_F(HttpScenario, RequestThenFinStillGetsTheWholeBody) {
    auto s = connect();
    send(s, "GET /bytes/2000000 HTTP/1.1\r\nHost: a\r\n\r\n");
    ASSERT_TRUE(s.shutdown());
    const auto responses = split_responses(read_to_end(s));
    ASSERT_EQ(responses.size(), 1u);
    const auto big = pattern_bytes(2000000);
    EXPECT_EQ(responses[0].body, std::string(big.begin(), big.end()));
}

TEST_F(HttpScenario, GarbageGets400AndTheConnectionCloses) {
    auto s = connect();
    send(s, std::string("\x16\x03\x01\x02\x00garbage\xff\r\n\r\nGET / HTTP/1.1\r\n\r\n", 32));
    const auto responses = split_responses(read_to_end(s));
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].head.status, 400);
    EXPECT_FALSE(responses[0].head.keep_alive);
    EXPECT_EQ(server_.http_stats().bad, 1u);
}

TEST_F(HttpScenario, OversizedHeadGets431) {
    auto s = connect();
    send(s, "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(40000, 'x'));
    const auto responses = split_responses(read_to_end(s));
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].head.status, 431);
}

TEST_F(HttpScenario, BodiesAreSkippedAndOtherMethodsGet405) {
    auto s = connect();
    send(s,
         "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world"
         "GET /bytes/3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    const auto responses = split_responses(read_to_end(s));
    ASSERT_EQ(responses.size(), 2u);
    EXPECT_EQ(responses[0].head.status, 405);
    EXPECT_EQ(find_header(responses[0].head.headers, "allow"), "GET, HEAD");
    EXPECT_EQ(responses[1].head.status, 200);
    EXPECT_EQ(responses[1].body.size(), 3u);
}

TEST_F(HttpScenario, Http10ClosesUnlessKeepAlive) {
    auto s = connect();
    send(s, "GET /bytes/4 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /bytes/5 HTTP/1.0\r\n\r\n");
    const auto responses = split_responses(read_to_end(s));
    ASSERT_EQ(responses.size(), 2u);
    EXPECT_TRUE(responses[0].head.keep_alive);
    EXPECT_FALSE(responses[1].head.keep_alive);
}

TEST_F(HttpScenario, RandomBytesNeverCrashTheServer) {
    Rng rng(3);
    for (int round = 0; round < 20; ++round) {
        auto s = connect();
        std::string junk;
        for (int i = 0; i < 3000; ++i)
            junk += static_cast<char>(rng.next_u32() % 4 == 0 ? '\n' : rng.next_u32());
        send(s, junk);
        (void)s.shutdown();
        (void)read_to_end(s);
    }
    EXPECT_TRUE(net_.run_until([&] { return server_.stats().closed == 20; }));
    // The server still answers.
    auto s = connect();
    send(s, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    const auto responses = split_responses(read_to_end(s));
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].head.status, 200);
}

TEST_F(HttpScenario, TheGetClientDownloadsAndChecksFraming) {
    auto url = parse_url("http://10.0.0.1:80/bytes/3000000");
    ASSERT_TRUE(url);
    std::vector<std::uint8_t> got;
    const auto r = http_get(*net_.client, *url, [&](Bytes b) {
        got.insert(got.end(), b.begin(), b.end());
        return true;
    });
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(r->head.status, 200);
    EXPECT_EQ(r->body_bytes, 3000000u);
    EXPECT_EQ(got, pattern_bytes(3000000));
    auto missing = parse_url("http://10.0.0.1/nothing");
    const auto r404 = http_get(*net_.client, *missing, [](Bytes) { return true; });
    ASSERT_TRUE(r404) << r404.error();
    EXPECT_EQ(r404->head.status, 404);
}

TEST_F(HttpScenario, TheGetClientReportsRefused) {
    auto refused = parse_url("http://10.0.0.1:81/");
    const auto r = http_get(*net_.client, *refused, [](Bytes) { return true; });
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("connection refused"), std::string::npos) << r.error();
}

// A server that answers chunked, as many real servers do, for the client's decoder.
TEST(HttpClient, ReadsAChunkedBodyAndABodyToTheEnd) {
    Net net;
    auto url = parse_url("http://10.0.0.1:8000/");
    ASSERT_TRUE(url);
    // A Reactor server that answers `reply` once a request head arrived, then ends its side.
    int served = 0;
    std::string in;
    std::string reply =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n";
    sock::ServerHandlers handlers;
    handlers.socket.on_data = [&](sock::SocketId s, Bytes b) {
        in.append(b.begin(), b.end());
        if (in.find("\r\n\r\n") != std::string::npos) {
            (void)net.server->write(s, as_bytes(reply));
            (void)net.server->end(s);
            ++served;
        }
    };
    ASSERT_TRUE(net.server->listen(Net::server_ep(8000), 8, handlers));
    std::string body;
    auto r = http_get(*net.client, *url, [&](Bytes b) {
        body.append(b.begin(), b.end());
        return true;
    });
    ASSERT_TRUE(r) << r.error();
    EXPECT_TRUE(r->head.chunked);
    EXPECT_EQ(body, "abcdefg");
    // And an HTTP/1.0 body without a length: up to the FIN.
    in.clear();
    body.clear();
    reply = "HTTP/1.0 200 OK\r\n\r\nuntil the end";
    r = http_get(*net.client, *url, [&](Bytes b) {
        body.append(b.begin(), b.end());
        return true;
    });
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(body, "until the end");
    // And one that stops short of its Content-Length.
    in.clear();
    reply = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort";
    r = http_get(*net.client, *url, [&](Bytes) { return true; });
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("after 5 of 100"), std::string::npos) << r.error();
    EXPECT_EQ(served, 3);
}

TEST(EchoScenario, OneMegabyteRoundTrips) {
    Net net;
    EchoServer echo(*net.server);
    ASSERT_TRUE(echo.listen(any_port(7)));
    const auto data = sock::testing::pattern(1 << 20, 9);
    std::string got;
    bool closed = false;
    sock::SocketHandlers h;
    h.on_data = [&](sock::SocketId, Bytes b) { got.append(b.begin(), b.end()); };
    h.on_close = [&](sock::SocketId, bool) { closed = true; };
    const auto s = net.client->connect(Net::server_ep(7), h);
    ASSERT_TRUE(s);
    ASSERT_TRUE(net.client->write(*s, data));
    ASSERT_TRUE(net.client->end(*s));
    ASSERT_TRUE(net.run_until([&] { return closed; }, Duration::seconds(60)));
    EXPECT_EQ(got, std::string(data.begin(), data.end()));
    EXPECT_EQ(echo.stats().bytes_in, data.size());
    EXPECT_EQ(echo.stats().bytes_out, data.size());
}

TEST(DiscardScenario, CountsEverything) {
    Net net;
    DiscardServer discard(*net.server);
    ASSERT_TRUE(discard.listen(any_port(9)));
    auto s = sock::TcpStream::connect(*net.client, Net::server_ep(9));
    ASSERT_TRUE(s);
    const auto data = sock::testing::pattern(3 << 20, 4);
    ASSERT_TRUE(s->write(data));
    ASSERT_TRUE(s->shutdown());
    EXPECT_EQ(read_to_end(*s), "");
    EXPECT_EQ(discard.stats().bytes_in, data.size());
    EXPECT_EQ(discard.stats().bytes_out, 0u);
}

TEST(ChargenScenario, SendsRfc864LinesUntilThePeerCloses) {
    Net net;
    ChargenServer chargen(*net.server);
    ASSERT_TRUE(chargen.listen(any_port(19)));
    auto s = sock::TcpStream::connect(*net.client, Net::server_ep(19));
    ASSERT_TRUE(s);
    std::vector<std::uint8_t> got(1 << 20);
    const auto n = s->read_exact(got);
    ASSERT_TRUE(n);
    ASSERT_EQ(*n, got.size());
    std::vector<std::uint8_t> want(got.size());
    fill_chargen(0, want);
    EXPECT_EQ(got, want);
    ASSERT_TRUE(s->close());
    EXPECT_TRUE(net.run_until([&] { return chargen.stats().closed == 1; }));
}

TEST(ConnectionTable, ListsTheServersConnections) {
    Net net;
    EchoServer echo(*net.server);
    ASSERT_TRUE(echo.listen(any_port(7)));
    auto a = sock::TcpStream::connect(*net.client, Net::server_ep(7));
    auto b = sock::TcpStream::connect(*net.client, Net::server_ep(7));
    ASSERT_TRUE(a && b);
    ASSERT_TRUE(a->write(as_bytes("hi")));
    std::array<std::uint8_t, 2> buf{};
    ASSERT_TRUE(a->read_exact(buf));
    ASSERT_TRUE(net.run_until([&] { return echo.sockets().size() == 2; }));
    const auto rows = collect_rows(*net.server, echo.sockets().ids());
    // The listener first (Recv-Q: nothing waits for accept(); Send-Q: its backlog), then the two.
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].state, tcp::State::Listen);
    EXPECT_EQ(rows[0].local.port, 7);
    EXPECT_EQ(rows[0].recv_q, 0u);
    EXPECT_GT(rows[0].send_q, 0u);
    for (const ConnectionRow& r : std::span(rows).subspan(1)) {
        EXPECT_EQ(r.state, tcp::State::Established);
        EXPECT_EQ(r.local.port, 7);
        EXPECT_EQ(r.peer.address, wire::IpAddress(sock::testing::kClientAddr));
        EXPECT_GT(r.mss, 0);
        EXPECT_GE(r.cwnd, r.mss);
    }
    const std::string text = format_rows(rows);
    EXPECT_NE(text.find("State"), std::string::npos);
    EXPECT_NE(text.find("ESTAB"), std::string::npos);
    EXPECT_NE(text.find("LISTEN"), std::string::npos);
    EXPECT_NE(text.find("0.0.0.0:*"), std::string::npos) << text;
    EXPECT_NE(text.find("10.0.0.1:7"), std::string::npos) << text;
    EXPECT_NE(text.find("10.0.0.2:" + std::to_string(a->local_endpoint()->port)), std::string::npos)
        << text;
    EXPECT_NE(text.find("srtt:"), std::string::npos);
    EXPECT_NE(text.find("cwnd:" + std::to_string(rows[1].cwnd)), std::string::npos) << text;
}

// `ss -tan` also lists the connections the kernel still finishes after the application let go;
// so does the table. The HTTP server ends a `Connection: close` exchange itself (the active
// close), so once the client has closed too, the server's end waits in TIME-WAIT for 2 MSL
// (RFC 9293 §3.6) with no socket holding it.
TEST(ConnectionTable, ListsTimeWaitAfterTheServerClosesFirst) {
    Net net;
    HttpServer http(*net.server);
    const auto server = http.listen(any_port(80));
    ASSERT_TRUE(server);
    auto s = sock::TcpStream::connect(*net.client, Net::server_ep(80));
    ASSERT_TRUE(s);
    const std::uint16_t client_port = s->local_endpoint()->port;
    ASSERT_TRUE(s->write(as_bytes("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")));
    EXPECT_NE(read_to_end(*s).find("200 OK"), std::string::npos);
    ASSERT_TRUE(s->close());
    ASSERT_TRUE(net.run_until([&] { return http.stats().closed == 1; }));
    EXPECT_EQ(http.sockets().size(), 0u);
    const auto rows = collect_rows(*net.server, http.sockets().ids());
    ASSERT_EQ(rows.size(), 2u);  // the listener, then the connection
    EXPECT_EQ(rows[0].state, tcp::State::Listen);
    EXPECT_EQ(rows[1].state, tcp::State::TimeWait);
    EXPECT_EQ(rows[1].local, Net::server_ep(80));
    EXPECT_EQ(rows[1].peer.port, client_port);
    EXPECT_EQ(rows[1].send_q, 0u);
    EXPECT_NE(format_rows(rows).find("TIME-WAIT"), std::string::npos) << format_rows(rows);
    // Once 2 MSL have passed the Stack frees it, and the row is gone; the listener stays until
    // it is closed.
    net.run_for(Duration::seconds(300));
    const auto later = collect_rows(*net.server, http.sockets().ids());
    ASSERT_EQ(later.size(), 1u);
    EXPECT_EQ(later[0].state, tcp::State::Listen);
    ASSERT_TRUE(net.server->close_server(*server));
    EXPECT_TRUE(collect_rows(*net.server, http.sockets().ids()).empty());
}

TEST(PingClientScenario, TheOtherStackAnswersOurEchoRequests) {
    dev::LinkConfig lc;
    lc.delay = Duration::millis(5);
    dev::SimLink link(dev::SimLinkConfig::symmetric(lc));
    rt::SimLoop loop(rt::SimLoopConfig{sock::testing::kT0});
    PingClient ping(link.end_a(), 0x4242);
    stack::Stack ours(Net::stack_config(1, {}));
    stack::Stack peer(Net::stack_config(2, {}));
    Net::add(ours, ping, sock::testing::kClientAddr);
    Net::add(peer, link.end_b(), sock::testing::kServerAddr);
    loop.add(ours);
    loop.add(peer);
    const wire::IpAddress src(sock::testing::kClientAddr);
    const wire::IpAddress dst(sock::testing::kServerAddr);
    std::vector<EchoReply> replies;
    for (std::uint16_t seq = 1; seq <= 3; ++seq) {
        ASSERT_TRUE(ping.send_request(src, dst, seq, 56, loop.now()));
        loop.run_for(Duration::millis(100));
        for (const EchoReply& r : ping.take_replies())
            replies.push_back(r);
    }
    ASSERT_EQ(replies.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(replies[i].sequence, i + 1);
        EXPECT_EQ(replies[i].data_len, 56u);
        EXPECT_TRUE(replies[i].data_intact);
        EXPECT_EQ(replies[i].from, dst);
        EXPECT_EQ(replies[i].ttl, 64);
    }
    EXPECT_EQ(peer.counters().icmp_echo_replies, 3u);
    // Too big for the link: refused, nothing sent.
    EXPECT_FALSE(ping.send_request(src, dst, 9, 1500, loop.now()));
    loop.remove(ours);
    loop.remove(peer);
}

}  // namespace
}  // namespace ustack::app
