// HTTP/1.1 message heads (RFC 9110, RFC 9112): parsing a request head for the server and a
// response head for the client, bounded in size and header count, never trusting the bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ustack::app {

struct HttpHeader {
    std::string name;   // as received (compare case-insensitively: RFC 9110 §5.1)
    std::string value;  // leading and trailing whitespace removed (RFC 9110 §5.5)
};

struct HttpLimits {
    // The request line (or status line) and every header line with their line ends, and the
    // empty line that ends the head. A longer head is refused with 431 (RFC 6585 §5).
    std::size_t max_head_bytes = 16 * 1024;
    std::size_t max_headers = 100;
};

// Where a parse stands: the head is complete, more bytes are needed, or it is invalid.
enum class ParseStatus : std::uint8_t { Complete, Incomplete, Invalid };

struct HttpRequest {
    std::string method;
    std::string target;     // the request-target as sent
    std::string path;       // origin-form path without the query (or "*"; absolute-form's path)
    int minor_version = 1;  // HTTP/1.<minor_version>
    std::vector<HttpHeader> headers;
    std::uint64_t content_length = 0;  // the body that follows the head (0: none)
    // RFC 9112 §9.3: HTTP/1.1 persists unless "close" is in Connection; HTTP/1.0 only with
    // "keep-alive".
    bool keep_alive = true;
};

struct RequestParse {
    ParseStatus status = ParseStatus::Incomplete;
    std::size_t consumed = 0;  // Complete: the bytes of the head (the body, if any, follows)
    HttpRequest request;       // Complete only
    int error_status = 0;      // Invalid: 400, 431, 501 or 505
    std::string error;         // Invalid: why, for the response body and logs
};

// Parses the head of the first request in `buffered` (the bytes received and not yet consumed).
// RFC 9112 §2.2: empty lines before the request line are skipped, and a bare LF ends a line as
// CRLF does. Invalid: 400 (malformed request line, header or Content-Length, whitespace before a
// header's colon, obsolete line folding, missing Host in HTTP/1.1), 431 (head or header count
// over the limits), 501 (a Transfer-Encoding: request bodies are only taken with a
// Content-Length), 505 (a major version other than 1).
RequestParse parse_request(std::string_view buffered, const HttpLimits& limits = {});

struct HttpResponseHead {
    int minor_version = 1;
    int status = 0;
    std::string reason;
    std::vector<HttpHeader> headers;
    std::optional<std::uint64_t> content_length;
    bool chunked = false;    // Transfer-Encoding ends in "chunked" (RFC 9112 §6.3 rule 4)
    bool keep_alive = true;  // as for requests
};

struct ResponseParse {
    ParseStatus status = ParseStatus::Incomplete;
    std::size_t consumed = 0;
    HttpResponseHead head;
    std::string error;
};

// Parses a response head (status line and headers) at the start of `buffered`.
ResponseParse parse_response(std::string_view buffered, const HttpLimits& limits = {});

// The value of the first header named `name` (case-insensitive), or nullopt.
std::optional<std::string_view> find_header(const std::vector<HttpHeader>& headers,
                                            std::string_view name);
// Whether a comma-separated header list (Connection, Transfer-Encoding) holds `token`
// (case-insensitive) in any of the headers named `name`.
bool header_has_token(const std::vector<HttpHeader>& headers, std::string_view name,
                      std::string_view token);
// The standard reason phrase of a status code ("OK", "Not Found", ...).
std::string_view reason_phrase(int status);

}  // namespace ustack::app
