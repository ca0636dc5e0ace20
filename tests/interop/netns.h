// Test helpers for the Linux kernel as a peer: a fresh network namespace for the test process
// (so every test has its own TUN device, addresses and routes, and the kernel deletes all of it
// when the test ends, also when it fails or crashes), child processes (ping, python3) run
// inside it while the test drives our stack, and KernelLink, the TUN link with our Stack on it
// that the in-process tests start from.
#pragma once

#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/pollable.h"
#include "base/time.h"
#include "dev/tun.h"
#include "rt/real_loop.h"
#include "stack/stack.h"
#include "wire/ip_address.h"

extern char** environ;

namespace ustack::testing {

// Why kernel-peer tests cannot run here, or nullopt when they can (root, and namespaces work).
inline std::optional<std::string> netns_unavailable() {
    if (::geteuid() != 0)
        return std::string(
            "needs root: creates a network namespace and a TUN device "
            "(CAP_SYS_ADMIN and CAP_NET_ADMIN); run the tests as root");
    if (::access("/dev/net/tun", R_OK | W_OK) != 0)
        return std::string("needs /dev/net/tun (modprobe tun)");
    return std::nullopt;
}

// Moves the calling thread (the whole test process: GoogleTest runs tests on one thread) into a
// new, empty network namespace, and back on destruction. Nothing is named, so nothing can be
// left behind: the namespace, its TUN devices and addresses vanish with the last reference to
// it (our TUN fd and child processes), whatever way the test ends. Children started while the
// scope is alive run inside the namespace. The namespace's loopback is brought up.
class NetnsScope {
  public:
    NetnsScope() {
        original_ = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (original_ < 0) {
            error_ = std::string("open /proc/self/ns/net: ") + std::strerror(errno);
            return;
        }
        if (::unshare(CLONE_NEWNET) != 0) {
            error_ = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
            ::close(original_);
            original_ = -1;
            return;
        }
        // The namespace's links hold no other host, so duplicate address detection (RFC 4862
        // §5.4) only delays the first use of an IPv6 address by a second or so: switch it off
        // for every interface made from here on, before the test makes any.
        for (const char* conf : {"all", "default"}) {
            const std::string path = std::string("/proc/sys/net/ipv6/conf/") + conf + "/accept_dad";
            if (FILE* f = std::fopen(path.c_str(), "w")) {
                std::fputs("0", f);
                std::fclose(f);
            }
        }
        if (!loopback_up()) return;
        ok_ = true;
    }
    ~NetnsScope() {
        if (original_ >= 0) {
            (void)::setns(original_, CLONE_NEWNET);
            ::close(original_);
        }
    }
    NetnsScope(const NetnsScope&) = delete;
    NetnsScope& operator=(const NetnsScope&) = delete;

    bool ok() const { return ok_; }
    const std::string& error() const { return error_; }

  private:
    // A new namespace's lo is down; SIOCSIFFLAGS brings it up (as `ip link set lo up`).
    bool loopback_up() {
        const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            error_ = std::string("socket(AF_INET): ") + std::strerror(errno);
            return false;
        }
        ifreq ifr{};
        std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
        bool up = ::ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
        if (up) {
            ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
            up = ::ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
        }
        if (!up) error_ = std::string("bringing lo up: ") + std::strerror(errno);
        ::close(fd);
        return up;
    }

    int original_ = -1;
    bool ok_ = false;
    std::string error_;
};

// A child process with its stdout and stderr going to a pipe, and a pidfd (readable when the
// child exits) a RealLoop can watch. Killed and reaped on destruction if still running.
class Child {
  public:
    // argv[0] is looked up in PATH.
    explicit Child(const std::vector<std::string>& argv) {
        int out[2];
        if (::pipe2(out, O_CLOEXEC) != 0) return;
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, out[1], 1);
        posix_spawn_file_actions_adddup2(&actions, out[1], 2);
        std::vector<char*> args;
        for (const std::string& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        const int rc = ::posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(out[1]);
        out_fd_ = out[0];
        if (rc != 0) {
            pid_ = -1;
            return;
        }
        (void)::fcntl(out_fd_, F_SETFL, O_NONBLOCK);
        pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    }
    ~Child() {
        if (running()) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            ::waitpid(pid_, &status, 0);
        }
        if (pidfd_ >= 0) ::close(pidfd_);
        if (out_fd_ >= 0) ::close(out_fd_);
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    bool started() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }
    int pidfd() const { return pidfd_; }
    bool running() const { return pid_ > 0 && !exit_status_; }

    // Reaps the child if it has exited (never blocks); true once it has.
    bool poll_exit() {
        drain_output();
        if (pid_ <= 0) return true;
        if (exit_status_) return true;
        int status = 0;
        const pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            drain_output();
        }
        return exit_status_.has_value();
    }
    std::optional<int> exit_status() const { return exit_status_; }
    // Sends `sig` to the child if it still runs.
    void signal(int sig) {
        if (running()) ::kill(pid_, sig);
    }
    // Waits (in poll on the pidfd, draining output meanwhile) until the child exits or
    // `timeout_ms` passes; the exit status, or nullopt on timeout.
    std::optional<int> wait(int timeout_ms) {
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (!poll_exit() && std::chrono::steady_clock::now() < deadline) {
            // Only the pidfd: the output pipe stays readable at EOF and would spin.
            pollfd fd{pidfd_, POLLIN, 0};
            (void)::poll(&fd, 1, 20);
        }
        return exit_status_;
    }
    const std::string& output() {
        drain_output();
        return output_;
    }

  private:
    void drain_output() {
        if (out_fd_ < 0) return;
        char buf[4096];
        for (;;) {
            const ssize_t n = ::read(out_fd_, buf, sizeof buf);
            if (n <= 0) break;
            output_.append(buf, static_cast<std::size_t>(n));
        }
    }

    pid_t pid_ = -1;
    int pidfd_ = -1;
    int out_fd_ = -1;
    std::optional<int> exit_status_;
    std::string output_;
};

// KernelLink's addresses: the kernel's side of the TUN link and our stack's.
inline constexpr const char* kKernel4 = "10.7.0.1";
inline constexpr const char* kOurs4 = "10.7.0.2";
inline constexpr const char* kKernel6 = "fd07::1";
inline constexpr const char* kOurs6 = "fd07::2";

// Polls a child process's exit on a loop (its pidfd is readable once it has exited).
class ChildWatch : public Pollable {
  public:
    explicit ChildWatch(Child& child) : child_(child) {}
    Instant poll_at() const override { return Instant::never(); }
    void poll(Instant) override { child_.poll_exit(); }

  private:
    Child& child_;
};

// How a KernelLink is made.
struct KernelLinkOptions {
    // The kernel's side is also our IPv4 default route (for hosts beyond it).
    bool kernel_is_gateway_v4 = false;
    // The TUN's offloads (TunConfig::offload), on as in the commands unless a test needs the
    // plain device.
    bool offload = true;
    // Our Stack's configuration.
    stack::StackConfig stack = [] {
        stack::StackConfig c;
        c.seed = 42;
        return c;
    }();
};

// In a fresh network namespace (a NetnsScope): a TUN device ust0 whose kernel side has
// kKernel4/24 and kKernel6/64 and is up, our Stack (KernelLinkOptions::stack) on it with kOurs4/24
// and kOurs6/64, and a RealLoop that polls the Stack when the TUN is readable. Check
// netns_unavailable() first.
class KernelLink {
  public:
    KernelLink() = default;
    ~KernelLink() {
        if (stack_) loop_.remove(*stack_);
        if (tun_) loop_.unwatch_fd(tun_->fd());
    }
    KernelLink(const KernelLink&) = delete;
    KernelLink& operator=(const KernelLink&) = delete;

    // Makes all of it; what failed, or nullopt.
    std::optional<std::string> open(const KernelLinkOptions& options = {}) {
        ns_.emplace();
        if (!ns_->ok()) return ns_->error();
        auto tun = dev::Tun::open(dev::TunConfig{.name = "ust0", .offload = options.offload});
        if (!tun) return "open ust0: " + tun.error().message();
        tun_.emplace(std::move(*tun));
        if (tun_->offload() != options.offload)
            return std::string("ust0: TUNSETOFFLOAD refused (the offloads are off)");
        if (auto r = tun_->add_address_v4(kKernel4, 24); !r)
            return std::string("add ") + kKernel4 + ": " + r.error().message();
        if (auto r = tun_->add_address_v6(kKernel6, 64); !r)
            return std::string("add ") + kKernel6 + ": " + r.error().message();
        if (auto r = tun_->set_up(); !r) return "set ust0 up: " + r.error().message();
        // The kernel's IPv6 address stays tentative a moment after the link comes up (longer on
        // a loaded machine): until it is usable, ping -6 fails with "Cannot assign requested
        // address". Wait for it, at most 5 s.
        for (int i = 0; i < 500 && !dev::Tun::kernel_address_v6_ready("ust0", kKernel6); ++i)
            ::usleep(10 * 1000);
        if (!dev::Tun::kernel_address_v6_ready("ust0", kKernel6))
            return std::string(kKernel6) + " on ust0 is still tentative after 5 s";
        stack_.emplace(options.stack);
        stack::InterfaceConfig ic;
        ic.addresses = {{*wire::IpAddress::parse(kOurs4), 24},
                        {*wire::IpAddress::parse(kOurs6), 64}};
        if (options.kernel_is_gateway_v4) ic.gateway_v4 = *wire::Ipv4Address::parse(kKernel4);
        if (!stack_->add_interface(*tun_, ic)) return std::string("add_interface failed");
        loop_.add(*stack_);
        if (!loop_.watch_fd(tun_->fd(), *stack_)) return std::string("watch_fd(ust0) failed");
        return std::nullopt;
    }

    stack::Stack& stack() { return *stack_; }
    rt::RealLoop& loop() { return loop_; }
    dev::Tun& tun() { return *tun_; }

    // The kernel's capture of ust0: start `Child dump(KernelLink::tcpdump_argv(pcap))`, then
    // wait_capturing() runs the loop until tcpdump has written the file's header (at once, with
    // -U), and stop_capture() sends SIGINT and runs the loop until it has exited; each at most
    // 10 s, and says whether it happened.
    static std::vector<std::string> tcpdump_argv(const std::string& pcap) {
        return {"tcpdump", "-i", "ust0", "-n", "-B", "65536", "-U", "-w", pcap};
    }
    bool wait_capturing(Child& dump, const std::string& pcap) {
        if (!dump.started()) return false;
        loop_.run_until([&] { return std::filesystem::exists(pcap) || dump.poll_exit(); },
                        loop_.now() + Duration::seconds(10));
        return std::filesystem::exists(pcap);
    }
    bool stop_capture(Child& dump) {
        dump.signal(SIGINT);
        loop_.run_until([&] { return dump.poll_exit(); }, loop_.now() + Duration::seconds(10));
        return dump.exit_status().has_value();
    }

    // Runs `argv` in the namespace while the loop drives our stack, at most `limit`, calling
    // `each_step` (if any) before each check for its exit; its exit status (nullopt: it could
    // not start or did not finish). `output`, when given, gets its stdout and stderr.
    std::optional<int> run(const std::vector<std::string>& argv, std::string* output,
                           Duration limit, const std::function<void()>& each_step = {}) {
        Child child(argv);
        if (!child.started()) return std::nullopt;
        ChildWatch watch(child);
        if (child.pidfd() >= 0) loop_.watch_fd(child.pidfd(), watch);
        loop_.run_until(
            [&] {
                if (each_step) each_step();
                return child.poll_exit();
            },
            loop_.now() + limit);
        if (child.pidfd() >= 0) loop_.unwatch_fd(child.pidfd());
        if (output != nullptr) *output = child.output();
        return child.exit_status();
    }

  private:
    std::optional<NetnsScope> ns_;
    std::optional<dev::Tun> tun_;
    std::optional<stack::Stack> stack_;
    rt::RealLoop loop_;
};

}  // namespace ustack::testing
