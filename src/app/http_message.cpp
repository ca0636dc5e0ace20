// HTTP/1.1 message heads: a line splitter over the buffered bytes and the RFC 9112 grammar.
#include "app/http_message.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace ustack::app {
namespace {

char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return lower(x) == lower(y); });
}

// RFC 9110 §5.6.2: tchar.
bool is_tchar(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

std::string_view trim_ows(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

// RFC 9110 §5.5: field-value characters are VCHAR, obs-text, SP and HTAB; CR, LF and NUL never.
bool valid_field_value(std::string_view v) {
    return std::none_of(v.begin(), v.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u == 0 || u == '\r' || u == '\n' || (u < 0x20 && u != '\t') || u == 0x7f;
    });
}

// Splits the head into lines. RFC 9112 §2.2: a line ends in CRLF or a bare LF. Finds the empty
// line that ends the head; `lines` gets every line before it (without line ends).
struct HeadLines {
    ParseStatus status = ParseStatus::Incomplete;
    std::size_t consumed = 0;
    std::vector<std::string_view> lines;
    bool too_long = false;
};

HeadLines split_head(std::string_view buf, const HttpLimits& limits) {
    HeadLines h;
    std::size_t pos = 0;
    // RFC 9112 §2.2: "a server that is expecting to receive and parse a request-line SHOULD
    // ignore at least one empty line (CRLF) received prior to the request-line".
    while (pos < buf.size() && (buf[pos] == '\r' || buf[pos] == '\n')) {
        if (buf[pos] == '\r' && pos + 1 < buf.size() && buf[pos + 1] != '\n') break;
        ++pos;
        if (pos > limits.max_head_bytes) {
            h.status = ParseStatus::Invalid;
            h.too_long = true;
            return h;
        }
    }
    const std::size_t start = pos;
    for (;;) {
        const std::size_t nl = buf.find('\n', pos);
        const std::size_t end = nl == std::string_view::npos ? buf.size() : nl + 1;
        if (end - start > limits.max_head_bytes) {
            h.status = ParseStatus::Invalid;
            h.too_long = true;
            return h;
        }
        if (nl == std::string_view::npos) return h;  // Incomplete
        std::string_view line = buf.substr(pos, nl - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        pos = nl + 1;
        if (line.empty()) {
            h.status = h.lines.empty() ? ParseStatus::Invalid : ParseStatus::Complete;
            h.consumed = pos;
            return h;
        }
        h.lines.push_back(line);
    }
}

enum class HeaderError : std::uint8_t { None, Malformed, TooMany };

HeaderError parse_headers(const std::vector<std::string_view>& lines, std::vector<HttpHeader>& out,
                          const HttpLimits& limits, std::string& why) {
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const std::string_view line = lines[i];
        if (line.front() == ' ' || line.front() == '\t') {
            // RFC 9112 §5.2: obs-fold in a request: reject with 400.
            why = "obsolete line folding";
            return HeaderError::Malformed;
        }
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            why = "header line without a colon";
            return HeaderError::Malformed;
        }
        const std::string_view name = line.substr(0, colon);
        // RFC 9112 §5.1: "No whitespace is allowed between the field name and colon ... MUST
        // reject ... with a response status code of 400".
        if (!is_token(name)) {
            why = "invalid header name";
            return HeaderError::Malformed;
        }
        const std::string_view value = trim_ows(line.substr(colon + 1));
        if (!valid_field_value(value)) {
            why = "invalid character in a header value";
            return HeaderError::Malformed;
        }
        if (out.size() >= limits.max_headers) {
            why = "too many header fields";
            return HeaderError::TooMany;
        }
        out.push_back({std::string(name), std::string(value)});
    }
    return HeaderError::None;
}

// "HTTP/1.1" -> minor 1; nullopt when not HTTP/DIGIT.DIGIT; major kept in *major.
std::optional<int> parse_version(std::string_view v, int* major) {
    if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || v[6] != '.' ||
        !std::isdigit(static_cast<unsigned char>(v[5])) ||
        !std::isdigit(static_cast<unsigned char>(v[7])))
        return std::nullopt;
    *major = v[5] - '0';
    return v[7] - '0';
}

std::optional<std::uint64_t> parse_decimal(std::string_view s) {
    if (s.empty() || s.size() > 19) return std::nullopt;
    std::uint64_t v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

// RFC 9110 §8.6: Content-Length, possibly repeated or a list of identical values.
// Outcome: nullopt none; value; or *bad set.
std::optional<std::uint64_t> content_length(const std::vector<HttpHeader>& headers, bool* bad) {
    std::optional<std::uint64_t> result;
    for (const HttpHeader& h : headers) {
        if (!iequals(h.name, "content-length")) continue;
        std::string_view rest = h.value;
        while (true) {
            const std::size_t comma = rest.find(',');
            const auto v = parse_decimal(trim_ows(rest.substr(0, comma)));
            if (!v || (result && *result != *v)) {
                *bad = true;
                return std::nullopt;
            }
            result = v;
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    return result;
}

RequestParse invalid(int status, std::string why) {
    RequestParse r;
    r.status = ParseStatus::Invalid;
    r.error_status = status;
    r.error = std::move(why);
    return r;
}

}  // namespace

std::optional<std::string_view> find_header(const std::vector<HttpHeader>& headers,
                                            std::string_view name) {
    for (const HttpHeader& h : headers)
        if (iequals(h.name, name)) return std::string_view(h.value);
    return std::nullopt;
}

bool header_has_token(const std::vector<HttpHeader>& headers, std::string_view name,
                      std::string_view token) {
    for (const HttpHeader& h : headers) {
        if (!iequals(h.name, name)) continue;
        std::string_view rest = h.value;
        while (!rest.empty()) {
            const std::size_t comma = rest.find(',');
            if (iequals(trim_ows(rest.substr(0, comma)), token)) return true;
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    return false;
}

RequestParse parse_request(std::string_view buffered, const HttpLimits& limits) {
    HeadLines h = split_head(buffered, limits);
    if (h.status == ParseStatus::Incomplete) return RequestParse{};
    if (h.too_long) return invalid(431, "request head too large");
    if (h.status == ParseStatus::Invalid) return invalid(400, "empty request");

    // RFC 9112 §3: request-line = method SP request-target SP HTTP-version.
    const std::string_view line = h.lines.front();
    const std::size_t sp1 = line.find(' ');
    const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
        return invalid(400, "malformed request line");
    RequestParse r;
    HttpRequest& req = r.request;
    const std::string_view method = line.substr(0, sp1);
    const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = line.substr(sp2 + 1);
    if (!is_token(method)) return invalid(400, "invalid method");
    int major = 0;
    const auto minor = parse_version(version, &major);
    if (!minor) return invalid(400, "invalid HTTP version");
    // RFC 9110 §6.2, RFC 9112 §2.3: only HTTP/1.x is spoken here.
    if (major != 1) return invalid(505, "HTTP version not supported");
    if (target.empty() || std::any_of(target.begin(), target.end(), [](char c) {
            const auto u = static_cast<unsigned char>(c);
            return u <= 0x20 || u >= 0x7f;
        }))
        return invalid(400, "invalid request target");
    // RFC 9112 §3.2: origin-form, absolute-form, authority-form (CONNECT) or asterisk-form.
    std::string_view path = target;
    if (target.front() != '/' && target != "*") {
        const std::size_t scheme = target.find("://");
        if (scheme == std::string_view::npos) {
            if (method != "CONNECT") return invalid(400, "invalid request target");
            path = "";
        } else {
            const std::size_t slash = target.find('/', scheme + 3);
            path = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
        }
    }
    path = path.substr(0, path.find('?'));
    req.method = std::string(method);
    req.target = std::string(target);
    req.path = std::string(path);
    req.minor_version = *minor;

    std::string why;
    switch (parse_headers(h.lines, req.headers, limits, why)) {
        case HeaderError::None:
            break;
        case HeaderError::Malformed:
            return invalid(400, why);
        case HeaderError::TooMany:
            return invalid(431, why);
    }
    // RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code to any
    // HTTP/1.1 request message that lacks a Host header field and to any request message that
    // contains more than one Host header field".
    const auto hosts = std::count_if(req.headers.begin(), req.headers.end(),
                                     [](const HttpHeader& x) { return iequals(x.name, "host"); });
    if (hosts > 1 || (hosts == 0 && req.minor_version >= 1))
        return invalid(400, "missing or repeated Host header");
    // RFC 9112 §6.1: a Transfer-Encoding the server does not take: 501.
    if (find_header(req.headers, "transfer-encoding"))
        return invalid(501, "request bodies with Transfer-Encoding are not supported");
    bool bad = false;
    const auto length = content_length(req.headers, &bad);
    // RFC 9112 §6.3 rule 5: an invalid Content-Length is unrecoverable: 400 and close.
    if (bad) return invalid(400, "invalid Content-Length");
    req.content_length = length.value_or(0);
    req.keep_alive = req.minor_version >= 1
                         ? !header_has_token(req.headers, "connection", "close")
                         : header_has_token(req.headers, "connection", "keep-alive");
    r.status = ParseStatus::Complete;
    r.consumed = h.consumed;
    return r;
}

ResponseParse parse_response(std::string_view buffered, const HttpLimits& limits) {
    ResponseParse r;
    HeadLines h = split_head(buffered, limits);
    if (h.status == ParseStatus::Incomplete) return r;
    r.status = ParseStatus::Invalid;
    if (h.too_long) {
        r.error = "response head too large";
        return r;
    }
    if (h.lines.empty()) {
        r.error = "empty response";
        return r;
    }
    // RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ].
    const std::string_view line = h.lines.front();
    int major = 0;
    const auto minor = parse_version(line.substr(0, 8), &major);
    if (!minor || major != 1 || line.size() < 12 || line[8] != ' ' ||
        (line.size() > 12 && line[12] != ' ')) {
        r.error = "malformed status line";
        return r;
    }
    const auto code = parse_decimal(line.substr(9, 3));
    if (!code || *code < 100 || *code > 999) {
        r.error = "invalid status code";
        return r;
    }
    r.head.minor_version = *minor;
    r.head.status = static_cast<int>(*code);
    r.head.reason = line.size() > 13 ? std::string(line.substr(13)) : std::string();
    std::string why;
    if (parse_headers(h.lines, r.head.headers, limits, why) != HeaderError::None) {
        r.error = why;
        return r;
    }
    // RFC 9112 §6.3 rule 4: chunked is the final coding.
    if (const auto te = find_header(r.head.headers, "transfer-encoding")) {
        std::string_view v = trim_ows(*te);
        const std::size_t comma = v.rfind(',');
        if (comma != std::string_view::npos) v = trim_ows(v.substr(comma + 1));
        if (!iequals(v, "chunked")) {
            r.error = "unsupported Transfer-Encoding";
            return r;
        }
        r.head.chunked = true;
    } else {
        bool bad = false;
        r.head.content_length = content_length(r.head.headers, &bad);
        if (bad) {
            r.error = "invalid Content-Length";
            return r;
        }
    }
    r.head.keep_alive = *minor >= 1 ? !header_has_token(r.head.headers, "connection", "close")
                                    : header_has_token(r.head.headers, "connection", "keep-alive");
    r.status = ParseStatus::Complete;
    r.consumed = h.consumed;
    return r;
}

std::string_view reason_phrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 413:
            return "Content Too Large";
        case 431:
            return "Request Header Fields Too Large";
        case 501:
            return "Not Implemented";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return "Unknown";
    }
}

}  // namespace ustack::app
