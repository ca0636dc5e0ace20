// Url: the http:// URLs `ustack get` takes (RFC 3986 §3), with an IP literal for the host
// (there is no DNS resolver in the stack): http://10.7.0.1:8000/path, http://[fd07::1]/x.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "wire/ip_address.h"

namespace ustack::app {

struct Url {
    wire::IpAddress host;
    std::string host_text;  // as written (brackets kept for IPv6), for the Host header
    std::uint16_t port = 80;
    std::string target = "/";  // path and query, as sent in the request line
};

// Parses `text`; the error says what is wrong in one phrase.
tl::expected<Url, std::string> parse_url(std::string_view text);

}  // namespace ustack::app
