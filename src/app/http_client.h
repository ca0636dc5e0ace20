// HttpClient: one HTTP/1.1 GET (RFC 9110 §9.3.1, RFC 9112) over a TcpStream, the body handed
// to a sink as it arrives; framing by Content-Length, chunked, or the end of the connection.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <tl/expected.hpp>

#include "app/http_message.h"
#include "app/url.h"
#include "base/bytes.h"
#include "base/time.h"
#include "sock/reactor.h"

namespace ustack::app {

struct HttpGetOptions {
    Duration connect_timeout = Duration::seconds(10);
    // A read that waits longer than this ends the transfer with an error.
    Duration read_timeout = Duration::seconds(30);
    HttpLimits limits;
};

struct HttpGetResult {
    HttpResponseHead head;
    std::uint64_t body_bytes = 0;
};

// Connects to url.host:url.port, sends `GET <target> HTTP/1.1` with Host and
// `Connection: close`, reads the response head and hands every body byte to `sink` (which
// returns false to stop: the result is then an error). Interim 1xx responses are skipped.
// Errors are one phrase ("connection refused", "timed out reading the response",
// "response ended after 12 of 100 body bytes", ...). Any status is a result, not an error.
// Blocks on the Reactor's loop (a SimLoop or a RealLoop).
tl::expected<HttpGetResult, std::string> http_get(sock::Reactor& reactor, const Url& url,
                                                  const std::function<bool(Bytes)>& sink,
                                                  const HttpGetOptions& options = {});

}  // namespace ustack::app
