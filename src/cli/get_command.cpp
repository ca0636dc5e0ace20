// `ustack get`: NetSession + app::http_get, the body streamed to the output file.
#include "cli/get_command.h"

#include <cstdio>

#include <fmt/format.h>

#include "app/http_client.h"

namespace ustack::cli {

CLI::App* add_get_command(CLI::App& app, GetArgs& args) {
    auto* cmd = app.add_subcommand(
        "get",
        "Download an http:// URL with our stack as the HTTP/1.1 client, over a TUN device "
        "(the host must be an IP address: http://10.7.0.1:8000/path, http://[fd07::1]/x).");
    cmd->add_option("url", args.url, "http://HOST[:PORT]/path")->required();
    cmd->add_option("-o,--output", args.output, "write the body to FILE (default -, stdout)");
    cmd->add_option("--timeout", args.timeout,
                    "seconds to wait for the connection and for each read (default 30)");
    add_net_options(*cmd, args.net);
    return cmd;
}

int run_get(const GetArgs& args) {
    const auto url = app::parse_url(args.url);
    if (!url) {
        fmt::print(stderr, "ustack get: {}: {}\n", args.url, url.error());
        return 1;
    }
    auto session = NetSession::open(args.net);
    if (!session) {
        fmt::print(stderr, "ustack get: {}\n", session.error());
        return 1;
    }
    NetSession& net = **session;
    std::FILE* out = args.output == "-" ? stdout : std::fopen(args.output.c_str(), "wb");
    if (out == nullptr) {
        fmt::print(stderr, "ustack get: cannot write {}\n", args.output);
        return 1;
    }
    app::HttpGetOptions options;
    options.connect_timeout = Duration::micros(static_cast<std::int64_t>(args.timeout * 1e6));
    options.read_timeout = options.connect_timeout;
    const Instant start = net.loop().now();
    const auto r = app::http_get(
        net.reactor(), *url,
        [&](Bytes b) { return std::fwrite(b.data(), 1, b.size(), out) == b.size(); }, options);
    const bool write_ok = std::fflush(out) == 0 && (out == stdout || std::fclose(out) == 0);
    if (!r) {
        fmt::print(stderr, "ustack get: {}: {}\n", args.url, r.error());
        return 1;
    }
    if (!write_ok) {
        fmt::print(stderr, "ustack get: writing {} failed\n", args.output);
        return 1;
    }
    const double secs = std::max((net.loop().now() - start).as_seconds(), 1e-6);
    fmt::print(stderr, "ustack get: HTTP {} {}: {} bytes in {:.3f} s ({:.1f} Mbit/s)\n",
               r->head.status, r->head.reason, r->body_bytes, secs,
               static_cast<double>(r->body_bytes) * 8 / secs / 1e6);
    return r->head.status >= 200 && r->head.status < 300 ? 0 : 1;
}

}  // namespace ustack::cli
