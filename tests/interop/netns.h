// Test helpers for the Linux kernel as a peer: a fresh network namespace for the test process
// (so every test has its own TUN device, addresses and routes, and the kernel deletes all of it
// when the test ends, also when it fails or crashes), and child processes (ping, python3) run
// inside it while the test drives our stack.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

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

}  // namespace ustack::testing
