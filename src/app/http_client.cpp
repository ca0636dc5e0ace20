// HttpClient: head parse over a growing buffer, then the body by its framing.
#include "app/http_client.h"

#include <fmt/format.h>

#include "app/chunked_decoder.h"
#include "sock/tcp_stream.h"

namespace ustack::app {
namespace {

std::string read_error(Errc e) {
    if (e == Errc::TimedOut) return "timed out reading the response";
    return std::string(to_string(e));
}

}  // namespace

tl::expected<HttpGetResult, std::string> http_get(sock::Reactor& reactor, const Url& url,
                                                  const std::function<bool(Bytes)>& sink,
                                                  const HttpGetOptions& options) {
    sock::SocketOptions so;
    so.connect_timeout = options.connect_timeout;
    so.read_timeout = options.read_timeout;
    so.write_timeout = options.read_timeout;
    auto stream = sock::TcpStream::connect(reactor, {url.host, url.port}, so);
    if (!stream)
        return tl::unexpected(fmt::format("connect to {}: {}", url.host_text,
                                          stream.error() == Errc::TimedOut
                                              ? std::string("timed out")
                                              : std::string(to_string(stream.error()))));
    const std::string request = fmt::format(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: ustack\r\nAccept: */*\r\n"
        "Connection: close\r\n\r\n",
        url.target, url.host_text);
    if (auto w = stream->write(
            Bytes(reinterpret_cast<const std::uint8_t*>(request.data()), request.size()));
        !w)
        return tl::unexpected("sending the request: " + std::string(to_string(w.error())));

    std::vector<std::uint8_t> buf(64 * 1024);
    std::string pending;  // received, not yet consumed (the head, then leftovers)
    HttpGetResult result;
    // The response head (skipping interim 1xx responses, RFC 9110 §15.2).
    for (;;) {
        const ResponseParse p = parse_response(pending, options.limits);
        if (p.status == ParseStatus::Invalid) return tl::unexpected("bad response: " + p.error);
        if (p.status == ParseStatus::Complete) {
            pending.erase(0, p.consumed);
            if (p.head.status >= 100 && p.head.status < 200) continue;
            result.head = p.head;
            break;
        }
        const auto n = stream->read(buf);
        if (!n) return tl::unexpected(read_error(n.error()));
        if (*n == 0) return tl::unexpected(std::string("connection closed before a response"));
        pending.append(reinterpret_cast<const char*>(buf.data()), *n);
    }

    bool stopped = false;
    auto deliver = [&](Bytes b) {
        if (stopped || b.empty()) return;
        result.body_bytes += b.size();
        if (!sink(b)) stopped = true;
    };
    const int status = result.head.status;
    // RFC 9112 §6.3 rule 1: 204 and 304 have no body.
    if (status == 204 || status == 304) return result;
    if (result.head.chunked) {
        ChunkedDecoder decoder;
        Bytes first(reinterpret_cast<const std::uint8_t*>(pending.data()), pending.size());
        decoder.feed(first, deliver);
        while (!decoder.done() && decoder.error().empty() && !stopped) {
            const auto n = stream->read(buf);
            if (!n) return tl::unexpected(read_error(n.error()));
            if (*n == 0) return tl::unexpected(std::string("connection closed inside a chunk"));
            decoder.feed(Bytes(buf.data(), *n), deliver);
        }
        if (!decoder.error().empty()) return tl::unexpected("bad chunked body: " + decoder.error());
    } else if (result.head.content_length) {
        const std::uint64_t want = *result.head.content_length;
        auto take = [&](Bytes b) {
            const std::uint64_t left = want - result.body_bytes;
            deliver(b.first(static_cast<std::size_t>(std::min<std::uint64_t>(left, b.size()))));
        };
        take(Bytes(reinterpret_cast<const std::uint8_t*>(pending.data()), pending.size()));
        while (result.body_bytes < want && !stopped) {
            const auto n = stream->read(buf);
            if (!n) return tl::unexpected(read_error(n.error()));
            if (*n == 0)
                return tl::unexpected(fmt::format("response ended after {} of {} body bytes",
                                                  result.body_bytes, want));
            take(Bytes(buf.data(), *n));
        }
    } else {
        // RFC 9112 §6.3 rule 8: the body runs to the end of the connection.
        deliver(Bytes(reinterpret_cast<const std::uint8_t*>(pending.data()), pending.size()));
        while (!stopped) {
            const auto n = stream->read(buf);
            if (!n) return tl::unexpected(read_error(n.error()));
            if (*n == 0) break;
            deliver(Bytes(buf.data(), *n));
        }
    }
    if (stopped) return tl::unexpected(std::string("the output could not take the body"));
    (void)stream->close();
    return result;
}

}  // namespace ustack::app
