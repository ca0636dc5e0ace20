// `ustack connect`: a Reactor socket; stdin is a Pollable (epoll when it is a pipe or a
// terminal, read eagerly when it is a regular file, which epoll refuses).
#include "cli/connect_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>

#include <fmt/format.h>

namespace ustack::cli {
namespace {

class StdinPump : public Pollable {
  public:
    StdinPump(sock::Reactor& reactor, sock::SocketId sock) : reactor_(reactor), sock_(sock) {}
    bool eager = false;   // not watchable: poll whenever it may read
    bool paused = false;  // the socket's write queue is over its high-water mark
    bool eof = false;
    bool connected = false;  // reading starts once the handshake is done
    Instant poll_at() const override {
        return eager && connected && !paused && !eof ? Instant::from_micros(0) : Instant::never();
    }
    void poll(Instant) override {
        if (!connected || paused || eof) return;
        // A bounded number of reads per step, so the stack runs in between.
        for (int i = 0; i < 16 && !paused; ++i) {
            const ssize_t n = ::read(0, buf_.data(), buf_.size());
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno != EAGAIN && errno != EWOULDBLOCK) finish_input();
                return;
            }
            if (n == 0) {
                finish_input();
                return;
            }
            const auto more =
                reactor_.write(sock_, Bytes(buf_.data(), static_cast<std::size_t>(n)));
            if (!more) {
                eof = true;
                return;
            }
            if (!*more) paused = true;
        }
    }

  private:
    void finish_input() {
        eof = true;
        (void)reactor_.end(sock_);  // nc -N: our FIN after stdin's end
    }
    sock::Reactor& reactor_;
    sock::SocketId sock_;
    std::array<std::uint8_t, 64 * 1024> buf_{};
};

std::string capitalised(Errc e) {
    std::string s(to_string(e));
    if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    return s;
}

}  // namespace

CLI::App* add_connect_command(CLI::App& app, ConnectArgs& args) {
    auto* cmd = app.add_subcommand(
        "connect",
        "Open a TCP connection from our stack over a TUN device, like nc: stdin goes to the "
        "connection (our FIN at its end), what arrives goes to stdout; ends when the peer "
        "closes. A RST gives \"Connection refused\" at once; silence, a timeout.");
    cmd->add_option("host", args.host, "IP address to connect to")->required();
    cmd->add_option("port", args.port, "TCP port")->required();
    cmd->add_option("--timeout", args.timeout, "seconds to wait for the handshake (default 10)");
    add_net_options(*cmd, args.net);
    return cmd;
}

int run_connect(const ConnectArgs& args) {
    const auto host = wire::IpAddress::parse(args.host);
    if (!host) {
        fmt::print(stderr, "ustack connect: '{}' is not an IP address\n", args.host);
        return 1;
    }
    if (args.port == 0) {
        std::fputs("ustack connect: port 0 is not a port\n", stderr);
        return 1;
    }
    auto session = NetSession::open(args.net);
    if (!session) {
        fmt::print(stderr, "ustack connect: {}\n", session.error());
        return 1;
    }
    NetSession& net = **session;
    std::optional<Errc> error;
    bool closed = false;
    StdinPump* pump_ptr = nullptr;
    sock::SocketHandlers h;
    h.on_connect = [&](sock::SocketId) {
        if (pump_ptr) pump_ptr->connected = true;
    };
    h.on_data = [&](sock::SocketId, Bytes b) {
        (void)std::fwrite(b.data(), 1, b.size(), stdout);
        std::fflush(stdout);
    };
    h.on_drain = [&](sock::SocketId) {
        if (pump_ptr) pump_ptr->paused = false;
    };
    h.on_error = [&](sock::SocketId, Errc e) { error = e; };
    h.on_close = [&](sock::SocketId, bool) { closed = true; };
    sock::SocketOptions options;
    options.connect_timeout = Duration::micros(static_cast<std::int64_t>(args.timeout * 1e6));
    const auto sock = net.reactor().connect({*host, args.port}, h, options);
    if (!sock) {
        fmt::print(stderr, "ustack connect: {} port {}: {}\n", args.host, args.port,
                   capitalised(sock.error()));
        return 1;
    }
    StdinPump pump(net.reactor(), *sock);
    pump_ptr = &pump;
    const int flags = ::fcntl(0, F_GETFL);
    if (flags >= 0) (void)::fcntl(0, F_SETFL, flags | O_NONBLOCK);
    net.loop().add(pump);
    pump.eager = !net.loop().watch_fd(0, pump);
    while (!closed && !net.stop_requested()) {
        net.loop().run_until([&] { return closed || net.stop_requested(); }, Instant::never());
        if (net.loop().stop_reason() != rt::StopReason::Done) break;
    }
    if (!pump.eager) net.loop().unwatch_fd(0);
    net.loop().remove(pump);
    if (flags >= 0) (void)::fcntl(0, F_SETFL, flags);
    if (net.stop_requested()) return 128 + net.stop_signal();
    if (error) {
        fmt::print(stderr, "ustack connect: {} port {}: {}\n", args.host, args.port,
                   capitalised(*error));
        return 1;
    }
    return 0;
}

}  // namespace ustack::cli
