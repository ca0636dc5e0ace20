// `ustack stat`: connect to the unix socket, copy what it says to stdout.
#include "cli/stat_command.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "cli/serve_command.h"

namespace ustack::cli {

CLI::App* add_stat_command(CLI::App& app, StatArgs& args) {
    auto* cmd = app.add_subcommand(
        "stat",
        "Show the connections of a running `ustack serve` like `ss -tan` (State, Recv-Q, Send-Q, "
        "local and peer address) with cwnd, srtt and retransmits, then its counters. As with "
        "ss, connections the servers have closed are listed until the stack is done with them "
        "(LAST-ACK, TIME-WAIT, ...).");
    cmd->add_option("--dev", args.dev, "the device serve runs on (default tun0)");
    cmd->add_option("--control", args.control,
                    "serve's control socket (default /tmp/ustack-DEV.sock)");
    return cmd;
}

int run_stat(const StatArgs& args) {
    const std::string path = args.control.empty() ? default_control_path(args.dev) : args.control;
    sockaddr_un addr{};
    if (path.size() >= sizeof addr.sun_path) {
        fmt::print(stderr, "ustack stat: control socket path too long: {}\n", path);
        return 1;
    }
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fmt::print(stderr, "ustack stat: socket: {}\n", std::strerror(errno));
        return 1;
    }
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.data(), path.size());
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        fmt::print(stderr, "ustack stat: no ustack serve answers on {}: {}\n", path,
                   std::strerror(errno));
        ::close(fd);
        return 1;
    }
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            fmt::print(stderr, "ustack stat: reading {}: {}\n", path, std::strerror(errno));
            ::close(fd);
            return 1;
        }
        if (n == 0) break;
        std::fwrite(buf, 1, static_cast<std::size_t>(n), stdout);
    }
    ::close(fd);
    return 0;
}

}  // namespace ustack::cli
