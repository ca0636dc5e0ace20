// HttpServer: a small HTTP/1.1 origin server (RFC 9110, RFC 9112) on the Reactor. GET /bytes/N
// answers N bytes of the BytePattern (app/byte_pattern.h), GET / a small HTML page, anything else
// 404; HEAD as GET without the body. Persistent connections and pipelining (RFC 9112 §9.3).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "app/http_message.h"
#include "app/server_shell.h"
#include "app/server_stats.h"
#include "app/socket_set.h"
#include "base/errc.h"
#include "sock/reactor.h"
#include "stack/handles.h"

namespace ustack::app {

struct HttpServerConfig {
    HttpLimits limits;
    // The largest N of /bytes/N (larger: 400).
    std::uint64_t max_bytes = std::uint64_t{1} << 40;
    // Received bytes held while a response is being sent (pipelined requests); past this the
    // socket is paused, so the peer's window closes instead of our memory growing.
    std::size_t max_buffered_input = 64 * 1024;
};

struct HttpStats {
    std::uint64_t requests = 0;  // complete request heads parsed
    std::uint64_t ok = 0;        // 200 responses
    std::uint64_t not_found = 0;
    std::uint64_t bad = 0;  // 400, 405, 431, 501, 505: the connection closes after 4xx/5xx
                            // parse errors (405 keeps it)
};

// Requests on one connection are answered in order, one at a time: the next request is parsed
// only once the previous response is entirely queued, and the Reactor's write queue is kept under
// its high-water mark (on_drain resumes), so a 100 GB /bytes/N costs no more memory than 1 KB.
// A request head that cannot be parsed gets 400 (431, 501, 505 as parse_request says) with
// `Connection: close`, and the connection ends after it; nothing the peer sends can crash it.
// Request bodies (Content-Length) are read and ignored. Connections end when the peer ends its
// side (after the responses owed) or after a response with Connection: close.
// Deviation: no Date header (RFC 9110 §6.6.1 wants one from servers with a clock; protocol code
// here reads no wall clock).
class HttpServer {
  public:
    explicit HttpServer(sock::Reactor& reactor, const HttpServerConfig& config = {});
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    Result<sock::ServerId> listen(const stack::Endpoint& local);

    const ServerStats& stats() const { return shell_.stats(); }
    const HttpStats& http_stats() const { return http_; }
    const SocketSet& sockets() const { return shell_.sockets(); }

    // The page GET / answers.
    static std::string index_page();

  private:
    struct Conn {
        std::string in;                  // received, not yet consumed
        std::uint64_t discard_left = 0;  // request body bytes still to skip
        std::uint64_t body_offset = 0;   // pattern bytes queued of the current /bytes/N
        std::uint64_t body_left = 0;     // pattern bytes still to queue
        bool waiting_drain = false;      // write() said the queue is full; on_drain resumes
        bool paused = false;             // we paused the socket (input over the bound)
        bool closing = false;            // no more requests: end once the response is queued
        bool ended = false;              // we called end()
        bool peer_ended = false;         // the peer's FIN arrived
    };
    static std::uint64_t key(sock::SocketId s) {
        return (std::uint64_t{s.index} << 32) | s.generation;
    }
    // Answers what can be answered now; returns when waiting for input or for the queue to drain.
    void process(sock::SocketId s, Conn& c);
    void respond(sock::SocketId s, Conn& c, const HttpRequest& req);
    void respond_error(sock::SocketId s, Conn& c, int status, const std::string& why);
    // Queues `text`; false when the socket failed (destroyed) — the caller stops.
    bool write(sock::SocketId s, Conn& c, std::string_view text);
    // Queues pattern bytes until the body is done (true) or the queue is full or failed (false).
    bool pump(sock::SocketId s, Conn& c);
    void set_paused(sock::SocketId s, Conn& c, bool paused);

    sock::Reactor& reactor_;
    HttpServerConfig config_;
    ServerShell shell_;
    HttpStats http_;
    std::unordered_map<std::uint64_t, Conn> conns_;
    std::vector<std::uint8_t> chunk_;
};

}  // namespace ustack::app
