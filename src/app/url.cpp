// Url: scheme, authority (IP literal and port), then the rest as the request target.
#include "app/url.h"

#include <charconv>

namespace ustack::app {

tl::expected<Url, std::string> parse_url(std::string_view text) {
    constexpr std::string_view kScheme = "http://";
    if (text.substr(0, kScheme.size()) != kScheme)
        return tl::unexpected(std::string("only http:// URLs are supported"));
    std::string_view rest = text.substr(kScheme.size());
    const std::size_t slash = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, slash);
    std::string_view target = slash == std::string_view::npos ? "/" : rest.substr(slash);
    target = target.substr(0, target.find('#'));  // RFC 3986 §3.5: the fragment is not sent
    if (authority.find('@') != std::string_view::npos)
        return tl::unexpected(std::string("user information in URLs is not supported"));
    Url url;
    std::string_view host;
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos)
            return tl::unexpected(std::string("unterminated IPv6 literal"));
        host = authority.substr(1, close - 1);
        url.host_text = std::string(authority.substr(0, close + 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return tl::unexpected(std::string("junk after IPv6 literal"));
            port = after.substr(1);
        }
    } else {
        const std::size_t colon = authority.find(':');
        host = authority.substr(0, colon);
        url.host_text = std::string(host);
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    }
    const auto address = wire::IpAddress::parse(host);
    if (!address)
        return tl::unexpected("host '" + std::string(host) +
                              "' is not an IP address (there is no DNS resolver)");
    url.host = *address;
    if (!port.empty()) {
        unsigned value = 0;
        const auto r = std::from_chars(port.data(), port.data() + port.size(), value);
        if (r.ec != std::errc() || r.ptr != port.data() + port.size() || value == 0 ||
            value > 65535)
            return tl::unexpected("invalid port '" + std::string(port) + "'");
        url.port = static_cast<std::uint16_t>(value);
        url.host_text += ":" + std::string(port);
    }
    url.target = target.empty() ? "/" : std::string(target);
    if (!target.empty() && target.front() == '?') url.target.insert(url.target.begin(), '/');
    return url;
}

}  // namespace ustack::app
