// `ustack serve`: the services on a NetSession; the control socket answers each connection with
// the connection table and the counters, then closes it.
#include "cli/serve_command.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "app/chargen_server.h"
#include "app/connection_table.h"
#include "app/discard_server.h"
#include "app/echo_server.h"
#include "app/http_server.h"

namespace ustack::cli {
namespace {

// The services that run, for the table and the summary.
struct Services {
    std::optional<app::EchoServer> echo;
    std::optional<app::DiscardServer> discard;
    std::optional<app::ChargenServer> chargen;
    std::optional<app::HttpServer> http;

    std::vector<sock::SocketId> sockets() const {
        std::vector<sock::SocketId> all;
        auto add = [&](const app::SocketSet& s) {
            all.insert(all.end(), s.ids().begin(), s.ids().end());
        };
        if (echo) add(echo->sockets());
        if (discard) add(discard->sockets());
        if (chargen) add(chargen->sockets());
        if (http) add(http->sockets());
        return all;
    }
};

std::string stats_line(const char* name, std::uint16_t port, const app::ServerStats& s) {
    return fmt::format(
        "{} (port {}): {} accepted, {} closed, {} errors, {} bytes in, {} bytes out\n", name, port,
        s.accepted, s.closed, s.errors, s.bytes_in, s.bytes_out);
}

std::string report(NetSession& net, const ServeArgs& args, const Services& sv) {
    std::string out = app::format_rows(app::collect_rows(net.reactor(), sv.sockets()));
    out += "\n";
    if (sv.echo) out += stats_line("echo", *args.echo, sv.echo->stats());
    if (sv.discard) out += stats_line("discard", *args.discard, sv.discard->stats());
    if (sv.chargen) out += stats_line("chargen", *args.chargen, sv.chargen->stats());
    if (sv.http) {
        out += stats_line("http", *args.http, sv.http->stats());
        const auto& h = sv.http->http_stats();
        out += fmt::format("http requests: {} ({} ok, {} not found, {} bad)\n", h.requests, h.ok,
                           h.not_found, h.bad);
    }
    const auto& c = net.stack().counters();
    out += fmt::format(
        "stack: {} frames in, {} frames out, {} tcp segments in, {} out, {} resets for no "
        "connection, {} fragments reassembled, {} path MTU decreases, {} echo replies\n",
        c.frames_in, c.frames_out, c.tcp_segments_in, c.tcp_segments_out, c.tcp_no_listener_resets,
        c.ip_reassembled, c.tcp_path_mtu_lowered, c.icmp_echo_replies);
    return out;
}

// A listening unix stream socket polled by the loop; each client gets report() and EOF.
class ControlSocket : public Pollable {
  public:
    ControlSocket(std::function<std::string()> make_report)
        : make_report_(std::move(make_report)) {}
    ~ControlSocket() override {
        if (fd_ >= 0) {
            ::close(fd_);
            ::unlink(path_.c_str());
        }
    }
    tl::expected<void, std::string> open(const std::string& path) {
        sockaddr_un addr{};
        if (path.size() >= sizeof addr.sun_path)
            return tl::unexpected("control socket path too long: " + path);
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd_ < 0) return tl::unexpected(std::string("socket(AF_UNIX): ") + std::strerror(errno));
        addr.sun_family = AF_UNIX;
        std::memcpy(addr.sun_path, path.data(), path.size());
        // A socket file left by a serve that died is replaced; a live one is refused.
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
            ::close(fd_);
            fd_ = -1;
            return tl::unexpected("another ustack serve answers on " + path +
                                  " (use --control PATH)");
        }
        ::unlink(path.c_str());
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::listen(fd_, 8) != 0) {
            const std::string why = std::strerror(errno);
            ::close(fd_);
            fd_ = -1;
            return tl::unexpected("control socket " + path + ": " + why);
        }
        path_ = path;
        return {};
    }
    int fd() const { return fd_; }
    Instant poll_at() const override { return Instant::never(); }
    void poll(Instant) override {
        for (;;) {
            const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) return;
            // A short blocking write; a client that does not read loses its report, not us.
            timeval tv{1, 0};
            ::setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
            const std::string text = make_report_();
            std::size_t off = 0;
            while (off < text.size()) {
                const ssize_t n = ::send(c, text.data() + off, text.size() - off, MSG_NOSIGNAL);
                if (n <= 0) break;
                off += static_cast<std::size_t>(n);
            }
            ::close(c);
        }
    }

  private:
    std::function<std::string()> make_report_;
    int fd_ = -1;
    std::string path_;
};

}  // namespace

std::string default_control_path(const std::string& dev) {
    return "/tmp/ustack-" + dev + ".sock";
}

CLI::App* add_serve_command(CLI::App& app, ServeArgs& args) {
    auto* cmd = app.add_subcommand(
        "serve",
        "Run echo (RFC 862), discard (RFC 863), chargen (RFC 864) and HTTP/1.1 servers on our "
        "stack over a TUN device, until SIGINT or SIGTERM. The HTTP server answers GET "
        "/bytes/N with N bytes of a fixed pattern, GET / with a small page, 404 otherwise. "
        "`ustack stat` shows the connection table while it runs.");
    add_net_options(*cmd, args.net);
    cmd->add_option("--echo", args.echo, "serve echo on this TCP port (7 is the standard one)");
    cmd->add_option("--discard", args.discard, "serve discard on this TCP port (9)");
    cmd->add_option("--chargen", args.chargen, "serve chargen on this TCP port (19)");
    cmd->add_option("--http", args.http, "serve HTTP/1.1 on this TCP port (80)");
    cmd->add_option("--control", args.control,
                    "unix socket `ustack stat` reads the table from (default "
                    "/tmp/ustack-DEV.sock)");
    cmd->add_flag("--no-control", args.no_control, "open no control socket");
    cmd->add_option("--duration", args.duration, "stop after this many seconds (default: never)");
    return cmd;
}

int run_serve(const ServeArgs& args) {
    if (!args.echo && !args.discard && !args.chargen && !args.http) {
        std::fputs("ustack serve: nothing to serve (give --echo, --discard, --chargen or --http)\n",
                   stderr);
        return 1;
    }
    auto session = NetSession::open(args.net);
    if (!session) {
        fmt::print(stderr, "ustack serve: {}\n", session.error());
        return 1;
    }
    NetSession& net = **session;
    Services sv;
    // Every service listens on the wildcard address of each family we have an address of.
    auto listen_all = [&](auto& server, std::uint16_t port, const char* name) -> bool {
        bool v4 = false;
        bool v6 = false;
        for (const auto& a : net.addresses()) {
            (a.address.is_v4() ? v4 : v6) = true;
        }
        for (const bool is_v4 : {true, false}) {
            if (is_v4 ? !v4 : !v6) continue;
            const wire::IpAddress any =
                is_v4 ? wire::IpAddress(wire::Ipv4Address{}) : wire::IpAddress(wire::Ipv6Address{});
            if (auto r = server.listen({any, port}); !r) {
                fmt::print(stderr, "ustack serve: {} on port {}: {}\n", name, port,
                           to_string(r.error()));
                return false;
            }
        }
        return true;
    };
    if (args.echo) {
        sv.echo.emplace(net.reactor());
        if (!listen_all(*sv.echo, *args.echo, "echo")) return 1;
    }
    if (args.discard) {
        sv.discard.emplace(net.reactor());
        if (!listen_all(*sv.discard, *args.discard, "discard")) return 1;
    }
    if (args.chargen) {
        sv.chargen.emplace(net.reactor());
        if (!listen_all(*sv.chargen, *args.chargen, "chargen")) return 1;
    }
    if (args.http) {
        sv.http.emplace(net.reactor());
        if (!listen_all(*sv.http, *args.http, "http")) return 1;
    }
    std::optional<ControlSocket> control;
    if (!args.no_control) {
        control.emplace([&] { return report(net, args, sv); });
        const std::string path =
            args.control.empty() ? default_control_path(net.tun().name()) : args.control;
        if (auto r = control->open(path); !r) {
            fmt::print(stderr, "ustack serve: {}\n", r.error());
            return 1;
        }
        net.loop().add(*control);
        net.loop().watch_fd(control->fd(), *control);
    }
    std::string addrs;
    for (const auto& a : net.addresses())
        addrs += fmt::format(" {}/{}", a.address.to_string(), a.prefix_len);
    fmt::print(stderr, "ustack serve: on {} (mtu {}) as{}; SIGINT or SIGTERM stops\n",
               net.tun().name(), net.tun().caps().mtu, addrs);
    const Instant limit =
        args.duration > 0
            ? net.loop().now() + Duration::micros(static_cast<std::int64_t>(args.duration * 1e6))
            : Instant::never();
    // The loop returns when a signal arrives (its fd is watched), at the limit, or on a fault.
    while (!net.stop_requested()) {
        net.loop().run_until([&] { return net.stop_requested(); }, limit);
        const rt::StopReason why = net.loop().stop_reason();
        if (why == rt::StopReason::Limit) break;
        if (why == rt::StopReason::Livelock) {
            std::fputs("ustack serve: the loop livelocked (a bug); stopping\n", stderr);
            break;
        }
    }
    if (control) {
        net.loop().unwatch_fd(control->fd());
        net.loop().remove(*control);
    }
    fmt::print(stderr, "ustack serve: stopping{}\n{}",
               net.stop_requested() ? fmt::format(" on signal {}", net.stop_signal()) : "",
               report(net, args, sv));
    return 0;
}

}  // namespace ustack::cli
