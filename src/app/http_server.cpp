// HttpServer: one Conn per socket; process() is the whole request/response cycle.
#include "app/http_server.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "app/byte_pattern.h"

namespace ustack::app {
namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr std::string_view kBytesPrefix = "/bytes/";

std::string head(int status, int minor_version, bool keep_alive, std::string_view content_type,
                 std::uint64_t length, std::string_view extra = {}) {
    std::string h = fmt::format(
        "HTTP/1.1 {} {}\r\nServer: ustack\r\nContent-Type: {}\r\n"
        "Content-Length: {}\r\n",
        status, reason_phrase(status), content_type, length);
    h += extra;
    // RFC 9112 §9.6: "close" when we will close; HTTP/1.0 clients need "keep-alive" to persist.
    if (!keep_alive)
        h += "Connection: close\r\n";
    else if (minor_version == 0)
        h += "Connection: keep-alive\r\n";
    h += "\r\n";
    return h;
}

}  // namespace

HttpServer::HttpServer(sock::Reactor& reactor, const HttpServerConfig& config)
    : reactor_(reactor), config_(config), shell_(reactor), chunk_(kChunk) {}

std::string HttpServer::index_page() {
    return "<!DOCTYPE html>\n<html><head><title>ustack</title></head>\n<body>\n"
           "<h1>ustack</h1>\n<p>This page comes from a user-space TCP/IP stack.</p>\n"
           "<p><a href=\"/bytes/1048576\">/bytes/N</a> answers N bytes of a fixed pattern.</p>\n"
           "</body></html>\n";
}

Result<sock::ServerId> HttpServer::listen(const stack::Endpoint& local) {
    sock::ServerHandlers h;
    h.on_connection = [this](sock::ServerId, sock::SocketId s) { conns_[key(s)]; };
    h.socket.on_data = [this](sock::SocketId s, Bytes data) {
        const auto it = conns_.find(key(s));
        if (it == conns_.end()) return;
        Conn& c = it->second;
        if (c.closing) return;  // after an error or Connection: close, input is ignored
        c.in.append(reinterpret_cast<const char*>(data.data()), data.size());
        process(s, c);
    };
    h.socket.on_end = [this](sock::SocketId s) {
        const auto it = conns_.find(key(s));
        if (it == conns_.end()) return;
        it->second.peer_ended = true;
        process(s, it->second);
    };
    h.socket.on_drain = [this](sock::SocketId s) {
        const auto it = conns_.find(key(s));
        if (it == conns_.end()) return;
        it->second.waiting_drain = false;
        process(s, it->second);
    };
    h.socket.on_close = [this](sock::SocketId s, bool) { conns_.erase(key(s)); };
    sock::SocketOptions options;
    // We end our side ourselves once every response owed is queued.
    options.allow_half_open = true;
    return shell_.listen(local, 1024, std::move(h), options);
}

void HttpServer::set_paused(sock::SocketId s, Conn& c, bool paused) {
    if (c.paused == paused) return;
    c.paused = paused;
    (void)(paused ? reactor_.pause(s) : reactor_.resume(s));
}

bool HttpServer::write(sock::SocketId s, Conn& c, std::string_view text) {
    const auto more =
        reactor_.write(s, Bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    if (!more) {
        (void)reactor_.destroy(s);
        return false;
    }
    shell_.count_out(text.size());
    if (!*more) c.waiting_drain = true;
    return true;
}

bool HttpServer::pump(sock::SocketId s, Conn& c) {
    while (c.body_left > 0) {
        if (c.waiting_drain) return false;
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(c.body_left, kChunk));
        fill_pattern(c.body_offset, MutBytes(chunk_.data(), n));
        const auto more = reactor_.write(s, Bytes(chunk_.data(), n));
        if (!more) {
            (void)reactor_.destroy(s);
            return false;
        }
        shell_.count_out(n);
        c.body_offset += n;
        c.body_left -= n;
        if (!*more) c.waiting_drain = true;
    }
    return true;
}

void HttpServer::process(sock::SocketId s, Conn& c) {
    // The socket may be destroyed inside; `c` lives until on_close, which runs later from poll().
    for (;;) {
        if (c.ended) return;
        if (c.waiting_drain) return;
        if (!pump(s, c)) return;
        if (c.closing) {
            c.ended = true;
            (void)reactor_.end(s);
            return;
        }
        if (c.discard_left > 0) {
            const std::size_t n =
                static_cast<std::size_t>(std::min<std::uint64_t>(c.discard_left, c.in.size()));
            c.in.erase(0, n);
            c.discard_left -= n;
            if (c.discard_left > 0) {
                set_paused(s, c, false);
                if (c.peer_ended)
                    c.closing = true;
                else
                    return;
                continue;
            }
        }
        const RequestParse p = parse_request(c.in, config_.limits);
        if (p.status == ParseStatus::Incomplete) {
            if (c.peer_ended) {
                // Nothing more will come: a partial request is dropped with the connection.
                c.closing = true;
                continue;
            }
            set_paused(s, c, false);
            return;
        }
        if (p.status == ParseStatus::Invalid) {
            respond_error(s, c, p.error_status, p.error);
            continue;
        }
        ++http_.requests;
        c.in.erase(0, p.consumed);
        c.discard_left = p.request.content_length;
        respond(s, c, p.request);
        // Pipelined requests wait in `in`; bound what is held while this response goes out.
        if (c.in.size() > config_.max_buffered_input) set_paused(s, c, true);
    }
}

void HttpServer::respond_error(sock::SocketId s, Conn& c, int status, const std::string& why) {
    ++http_.bad;
    c.closing = true;
    c.in.clear();
    set_paused(s, c, true);  // stop reading: the rest of the input is not trusted
    const std::string body = fmt::format("{} {}: {}\n", status, reason_phrase(status), why);
    const std::string text = head(status, 1, false, "text/plain", body.size()) + body;
    (void)write(s, c, text);
}

void HttpServer::respond(sock::SocketId s, Conn& c, const HttpRequest& req) {
    const bool keep = req.keep_alive;
    if (!keep) c.closing = true;
    const bool head_only = req.method == "HEAD";
    if (req.method != "GET" && !head_only) {
        // RFC 9110 §15.5.6: 405 carries Allow. The connection stays usable (the body, if any,
        // is skipped by Content-Length).
        ++http_.bad;
        const std::string body = "405 Method Not Allowed: only GET and HEAD\n";
        std::string text =
            head(405, req.minor_version, keep, "text/plain", body.size(), "Allow: GET, HEAD\r\n");
        (void)write(s, c, text + body);
        return;
    }
    if (req.path == "/") {
        ++http_.ok;
        const std::string body = index_page();
        std::string text =
            head(200, req.minor_version, keep, "text/html; charset=utf-8", body.size());
        if (!head_only) text += body;
        (void)write(s, c, text);
        return;
    }
    if (req.path.size() > kBytesPrefix.size() && req.path.starts_with(kBytesPrefix)) {
        const std::string_view digits = std::string_view(req.path).substr(kBytesPrefix.size());
        std::uint64_t n = 0;
        const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), n);
        if (r.ec == std::errc() && r.ptr == digits.data() + digits.size()) {
            if (n > config_.max_bytes) {
                ++http_.bad;
                const std::string body =
                    fmt::format("400 Bad Request: at most {} bytes\n", config_.max_bytes);
                (void)write(s, c,
                            head(400, req.minor_version, keep, "text/plain", body.size()) + body);
                return;
            }
            ++http_.ok;
            if (!write(s, c, head(200, req.minor_version, keep, "application/octet-stream", n)))
                return;
            if (!head_only) {
                c.body_offset = 0;
                c.body_left = n;
            }
            return;
        }
    }
    ++http_.not_found;
    const std::string body = "404 Not Found\n";
    std::string text = head(404, req.minor_version, keep, "text/plain", body.size());
    if (!head_only) text += body;
    (void)write(s, c, text);
}

}  // namespace ustack::app
