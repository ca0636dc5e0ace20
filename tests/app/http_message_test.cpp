// HTTP/1.1 head parsing (RFC 9112): requests for the server, responses for the client, the
// chunked decoder, URLs and the byte pattern.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/byte_pattern.h"
#include "app/chargen_server.h"
#include "app/chunked_decoder.h"
#include "app/http_message.h"
#include "app/url.h"
#include "base/rng.h"

namespace ustack::app {
namespace {

TEST(HttpRequest, SimpleGetIsComplete) {
    const std::string text = "GET /bytes/10 HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\n";
    const RequestParse p = parse_request(text);
    ASSERT_EQ(p.status, ParseStatus::Complete);
    EXPECT_EQ(p.consumed, text.find("GET /", 4));
    EXPECT_EQ(p.request.method, "GET");
    EXPECT_EQ(p.request.path, "/bytes/10");
    EXPECT_EQ(p.request.minor_version, 1);
    EXPECT_TRUE(p.request.keep_alive);
    ASSERT_EQ(p.request.headers.size(), 1u);
    EXPECT_EQ(p.request.headers[0].name, "Host");
    EXPECT_EQ(p.request.headers[0].value, "x");
}

TEST(HttpRequest, EveryPrefixIsIncomplete) {
    const std::string text = "GET /a?b=c HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\n";
    for (std::size_t n = 0; n < text.size(); ++n)
        EXPECT_EQ(parse_request(text.substr(0, n)).status, ParseStatus::Incomplete) << n;
    const RequestParse p = parse_request(text);
    ASSERT_EQ(p.status, ParseStatus::Complete);
    EXPECT_EQ(p.request.path, "/a");
    EXPECT_EQ(p.request.target, "/a?b=c");
}

TEST(HttpRequest, BareLfEndsLinesAndLeadingEmptyLinesAreSkipped) {
    // RFC 9112 §2.2.
    const RequestParse p = parse_request("\r\n\nGET / HTTP/1.1\nHost: h\n\n");
    ASSERT_EQ(p.status, ParseStatus::Complete);
    EXPECT_EQ(p.request.path, "/");
}

TEST(HttpRequest, ConnectionCloseAndHttp10KeepAlive) {
    EXPECT_FALSE(
        parse_request("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").request.keep_alive);
    EXPECT_FALSE(parse_request("GET / HTTP/1.1\r\nHost: h\r\nconnection: Upgrade, CLOSE\r\n\r\n")
                     .request.keep_alive);
    EXPECT_FALSE(parse_request("GET / HTTP/1.0\r\n\r\n").request.keep_alive);
    EXPECT_TRUE(
        parse_request("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").request.keep_alive);
}

TEST(HttpRequest, ContentLengthIsTaken) {
    const RequestParse p =
        parse_request("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello");
    ASSERT_EQ(p.status, ParseStatus::Complete);
    EXPECT_EQ(p.request.content_length, 5u);
    EXPECT_EQ(parse_request("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n")
                  .request.content_length,
              5u);
}

struct BadCase {
    const char* text;
    int status;
};

TEST(HttpRequest, MalformedHeadsGetTheirStatus) {
    const std::vector<BadCase> cases = {
        {"GET /\r\n\r\n", 400},                                   // no version
        {"GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400},              // two spaces
        {"GET / HTTP/1.1 x\r\nHost: h\r\n\r\n", 400},             // extra field
        {"G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400},               // not a token
        {"GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505},               // major 2
        {"GET / HTTX/1.1\r\nHost: h\r\n\r\n", 400},               //
        {"GET nopath HTTP/1.1\r\nHost: h\r\n\r\n", 400},          // not origin-form
        {"GET / HTTP/1.1\r\n\r\n", 400},                          // Host missing in 1.1
        {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},    // two Hosts
        {"GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400},              // space before colon
        {"GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", 400},    // obs-fold
        {"GET / HTTP/1.1\r\nHost h\r\n\r\n", 400},                // no colon
        {"GET / HTTP/1.1\r\nHost: h\r\nX: a\x01z\r\n\r\n", 400},  // control char
        {"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 2\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
        {"GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n", 400},
    };
    for (const BadCase& c : cases) {
        const RequestParse p = parse_request(c.text);
        EXPECT_EQ(p.status, ParseStatus::Invalid) << c.text;
        EXPECT_EQ(p.error_status, c.status) << c.text << " -> " << p.error;
        EXPECT_FALSE(p.error.empty());
    }
}

TEST(HttpRequest, HeadOverTheLimitIs431EvenWhenIncomplete) {
    HttpLimits limits;
    limits.max_head_bytes = 1024;
    const std::string big = "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(2000, 'a');
    const RequestParse p = parse_request(big, limits);
    EXPECT_EQ(p.status, ParseStatus::Invalid);
    EXPECT_EQ(p.error_status, 431);
    // Exactly at the limit is fine.
    std::string exact = "GET / HTTP/1.1\r\nHost: h\r\nX: ";
    exact += std::string(1024 - exact.size() - 4, 'b') + "\r\n\r\n";
    ASSERT_EQ(exact.size(), 1024u);
    EXPECT_EQ(parse_request(exact, limits).status, ParseStatus::Complete);
    EXPECT_EQ(parse_request(exact + "x", limits).status, ParseStatus::Complete);
    exact.insert(30, "c");
    EXPECT_EQ(parse_request(exact, limits).error_status, 431);
}

TEST(HttpRequest, TooManyHeadersIs431) {
    HttpLimits limits;
    limits.max_headers = 3;
    std::string text = "GET / HTTP/1.1\r\nHost: h\r\n";
    for (int i = 0; i < 3; ++i)
        text.append("X").append(std::to_string(i)).append(": v\r\n");
    EXPECT_EQ(parse_request(text + "\r\n", limits).error_status, 431);
}

TEST(HttpRequest, RandomGarbageNeverCrashes) {
    // Whatever arrives gives one of the three outcomes, and Complete consumes within the input.
    Rng rng(5);
    static constexpr char kAlphabet[] = "GET /HTP1.0\r\n: \tHost,close\x00\x7f\xff";
    const std::string alphabet(kAlphabet, sizeof kAlphabet - 1);
    for (int round = 0; round < 20000; ++round) {
        std::string s;
        const std::size_t n = rng.next_u32() % 200;
        for (std::size_t i = 0; i < n; ++i)
            s += alphabet[rng.next_u32() % alphabet.size()];
        const RequestParse p = parse_request(s);
        if (p.status == ParseStatus::Complete) {
            EXPECT_LE(p.consumed, s.size());
        }
        if (p.status == ParseStatus::Invalid) {
            EXPECT_NE(p.error_status, 0);
        }
        (void)parse_response(s);
    }
}

TEST(HttpResponse, StatusLineHeadersAndFraming) {
    const ResponseParse p =
        parse_response("HTTP/1.0 200 OK\r\nContent-Length: 12\r\nServer: x\r\n\r\nbody");
    ASSERT_EQ(p.status, ParseStatus::Complete);
    EXPECT_EQ(p.head.status, 200);
    EXPECT_EQ(p.head.reason, "OK");
    EXPECT_EQ(p.head.content_length, 12u);
    EXPECT_FALSE(p.head.keep_alive);
    EXPECT_FALSE(p.head.chunked);
    const ResponseParse c =
        parse_response("HTTP/1.1 404 Not Found\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
    ASSERT_EQ(c.status, ParseStatus::Complete);
    EXPECT_EQ(c.head.status, 404);
    EXPECT_TRUE(c.head.chunked);
    EXPECT_TRUE(c.head.keep_alive);
    EXPECT_EQ(parse_response("HTTP/1.1 204\r\n\r\n").head.status, 204);
    EXPECT_EQ(parse_response("HTTP/1.1 20 OK\r\n\r\n").status, ParseStatus::Invalid);
    EXPECT_EQ(parse_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n").status,
              ParseStatus::Invalid);
    EXPECT_EQ(parse_response("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n").status,
              ParseStatus::Invalid);
    EXPECT_EQ(parse_response("HTTP/1.1 200 OK\r\n").status, ParseStatus::Incomplete);
}

std::string decode_all(const std::string& in, std::size_t piece, ChunkedDecoder& d,
                       std::size_t* consumed) {
    std::string out;
    *consumed = 0;
    for (std::size_t at = 0; at < in.size() && !d.done() && d.error().empty(); at += piece) {
        const std::string part = in.substr(at, piece);
        const auto n =
            d.feed(Bytes(reinterpret_cast<const std::uint8_t*>(part.data()), part.size()),
                   [&](Bytes b) { out.append(b.begin(), b.end()); });
        *consumed += n;
        if (n < part.size()) break;
    }
    return out;
}

TEST(Chunked, DecodesInAnyPiecesAndStopsAtTheEnd) {
    const std::string body = "5\r\nhello\r\nA;ext=1\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nNEXT";
    for (std::size_t piece : {1u, 2u, 3u, 7u, 100u}) {
        ChunkedDecoder d;
        std::size_t consumed = 0;
        EXPECT_EQ(decode_all(body, piece, d, &consumed), "hello0123456789") << piece;
        EXPECT_TRUE(d.done());
        EXPECT_EQ(consumed, body.size() - 4) << piece;
    }
}

TEST(Chunked, ErrorsAreReported) {
    for (const char* bad : {"x\r\n", "5\r\nhelloX\r\n", "5\rX", "fffffffffffffffff\r\n"}) {
        ChunkedDecoder d;
        std::size_t consumed = 0;
        decode_all(bad, 100, d, &consumed);
        EXPECT_FALSE(d.error().empty()) << bad;
        EXPECT_FALSE(d.done());
    }
}

TEST(Url, ParsesIpv4Ipv6AndPorts) {
    auto u = parse_url("http://10.7.0.1:8000/path/x?y=1#frag");
    ASSERT_TRUE(u) << u.error();
    EXPECT_EQ(u->host, *wire::IpAddress::parse("10.7.0.1"));
    EXPECT_EQ(u->port, 8000);
    EXPECT_EQ(u->target, "/path/x?y=1");
    EXPECT_EQ(u->host_text, "10.7.0.1:8000");
    auto v = parse_url("http://[fd07::1]/");
    ASSERT_TRUE(v) << v.error();
    EXPECT_EQ(v->port, 80);
    EXPECT_EQ(v->host_text, "[fd07::1]");
    EXPECT_EQ(parse_url("http://10.0.0.1")->target, "/");
    EXPECT_EQ(parse_url("http://10.0.0.1?q")->target, "/?q");
    for (const char* bad :
         {"https://10.0.0.1/", "http://example.com/", "http://10.0.0.1:0/",
          "http://10.0.0.1:70000/", "http://[fd07::1/", "http://u@10.0.0.1/", "http://10.0.0.1:x/"})
        EXPECT_FALSE(parse_url(bad)) << bad;
}

TEST(BytePattern, AnyRangeMatchesTheWholeStream) {
    std::vector<std::uint8_t> whole(1000);
    fill_pattern(0, whole);
    // The first word, as documented: splitmix64(0) little-endian.
    const std::uint64_t w0 = pattern_word(0);
    EXPECT_EQ(whole[0], static_cast<std::uint8_t>(w0));
    EXPECT_EQ(whole[7], static_cast<std::uint8_t>(w0 >> 56));
    // SplitMix64 with seed 0 starts 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4.
    EXPECT_EQ(pattern_word(0), 0xe220a8397b1dcdafULL);
    EXPECT_EQ(pattern_word(1), 0x6e789e6aa1b965f4ULL);
    for (std::size_t off : {0u, 1u, 7u, 8u, 13u, 500u}) {
        std::vector<std::uint8_t> part(333);
        fill_pattern(off, part);
        EXPECT_TRUE(std::equal(part.begin(), part.end(), whole.begin() + off)) << off;
    }
}

TEST(Chargen, LinesFollowRfc864) {
    std::vector<std::uint8_t> v(kChargenLineLen * 96);
    fill_chargen(0, v);
    const std::string s(v.begin(), v.end());
    EXPECT_EQ(s.substr(0, 72),
              " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefg");
    EXPECT_EQ(s.substr(72, 2), "\r\n");
    EXPECT_EQ(s.substr(74, 72),
              "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefgh");
    EXPECT_EQ(s.substr(95 * 74, 74), s.substr(0, 74));  // period 95 lines
}

}  // namespace
}  // namespace ustack::app
