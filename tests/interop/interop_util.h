// Helpers of the interop tests: a scratch directory removed afterwards, pattern files, sha256 of
// a file (sha256sum), tshark counts, the byte pattern in Python, and the ustack binary's path.
#pragma once

#include <stdlib.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "app/byte_pattern.h"
#include "netns.h"

namespace ustack::testing {

// A fresh directory under /tmp, removed with everything in it on destruction.
class ScratchDir {
  public:
    ScratchDir() {
        char tmpl[] = "/tmp/ustack-interop-XXXXXX";
        if (::mkdtemp(tmpl) != nullptr) path_ = tmpl;
    }
    ~ScratchDir() {
        if (!path_.empty()) {
            std::error_code ec;
            std::filesystem::remove_all(path_, ec);
        }
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    bool ok() const { return !path_.empty(); }
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

// Writes `size` bytes of app::fill_pattern to `path`.
inline bool write_pattern_file(const std::string& path, std::uint64_t size) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return false;
    std::vector<std::uint8_t> buf(1 << 20);
    bool ok = true;
    for (std::uint64_t off = 0; off < size && ok; off += buf.size()) {
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), size - off));
        app::fill_pattern(off, MutBytes(buf.data(), n));
        ok = std::fwrite(buf.data(), 1, n, f) == n;
    }
    return std::fclose(f) == 0 && ok;
}

// The hex SHA-256 of a file, by sha256sum; nullopt when it failed.
inline std::optional<std::string> sha256_of(const std::string& path) {
    Child c({"sha256sum", path});
    if (!c.started() || c.wait(60000) != 0) return std::nullopt;
    const std::string out = c.output();
    if (out.size() < 64) return std::nullopt;
    return out.substr(0, 64);
}

// How many packets of `pcap` match the display filter, with TCP and IPv4 checksum verification
// on; nullopt when tshark failed.
inline std::optional<int> tshark_count(const std::string& pcap, const std::string& filter) {
    Child c({"tshark", "-n", "-r", pcap, "-o", "tcp.check_checksum:TRUE", "-o",
             "ip.check_checksum:TRUE", "-Y", filter, "-T", "fields", "-e", "frame.number"});
    if (!c.started() || c.wait(120000) != 0) return std::nullopt;
    // Lines of digits are frame numbers; tshark's warnings (running as root) are not.
    int n = 0;
    std::size_t start = 0;
    const std::string& out = c.output();
    while (start < out.size()) {
        std::size_t end = out.find('\n', start);
        if (end == std::string::npos) end = out.size();
        const std::string line = out.substr(start, end - start);
        if (!line.empty() && std::all_of(line.begin(), line.end(), [](char ch) {
                return std::isdigit(static_cast<unsigned char>(ch)) != 0;
            }))
            ++n;
        start = end + 1;
    }
    return n;
}

// app/byte_pattern.h's definition in Python: pattern(n) is the first n bytes.
inline const std::string kSplitmixPython = R"(
M = (1 << 64) - 1
def splitmix64(k):
    z = ((k + 1) * 0x9e3779b97f4a7c15) & M
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M
    return z ^ (z >> 31)
def pattern(n):
    return b''.join(splitmix64(k).to_bytes(8, 'little') for k in range((n + 7) // 8))[:n]
)";

// tshark's dissection (-V) of the packets of `pcap` matching `filter` (for failure messages).
inline std::string tshark_lines(const std::string& pcap, const std::string& filter) {
    Child c({"tshark", "-n", "-r", pcap, "-o", "tcp.check_checksum:TRUE", "-o",
             "ip.check_checksum:TRUE", "-Y", filter, "-V"});
    if (!c.started() || c.wait(120000) != 0) return "(tshark failed)";
    return c.output().substr(0, 20000);
}

// A counter of the calling thread's network namespace from /proc/net/snmp ("Tcp", "InCsumErrors");
// nullopt when not found.
inline std::optional<long long> snmp_counter(const std::string& group, const std::string& name) {
    std::FILE* f = std::fopen("/proc/net/snmp", "r");
    if (f == nullptr) return std::nullopt;
    std::vector<std::string> lines;
    char buf[4096];
    while (std::fgets(buf, sizeof buf, f) != nullptr)
        lines.emplace_back(buf);
    std::fclose(f);
    auto split = [](const std::string& line) {
        std::vector<std::string> words;
        std::size_t i = 0;
        while (i < line.size()) {
            while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i])))
                ++i;
            std::size_t j = i;
            while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j])))
                ++j;
            if (j > i) words.push_back(line.substr(i, j - i));
            i = j;
        }
        return words;
    };
    // Lines come in pairs: "Tcp: names..." then "Tcp: values...".
    for (std::size_t k = 0; k + 1 < lines.size(); ++k) {
        const auto names = split(lines[k]);
        const auto values = split(lines[k + 1]);
        if (names.empty() || names[0] != group + ":" || values.size() != names.size()) continue;
        for (std::size_t c = 1; c < names.size(); ++c)
            if (names[c] == name) return std::stoll(values[c]);
    }
    return std::nullopt;
}

// The ustack command built with these tests.
inline std::string ustack_binary() {
    return USTACK_BINARY;
}

// The run function of a fixture: runs argv in the namespace while its loop drives our stack;
// the exit status, or nullopt when it could not start or did not finish.
using RunFn = std::function<std::optional<int>(const std::vector<std::string>&, std::string*)>;

// curl fetches `url` (GET /bytes/N of our HTTP server) through `run` into a file in `dir`, which
// must be `size` bytes of app::fill_pattern: size and sha256 are checked.
inline void expect_curl_gets_pattern(const RunFn& run, const std::string& url,
                                     const std::string& dir, std::uint64_t size) {
    const std::string got = dir + "/got.bin";
    const std::string want = dir + "/want.bin";
    ASSERT_TRUE(write_pattern_file(want, size));
    std::string out;
    const auto rc = run({"curl", "-sS", "-g", "--max-time", "100", "-o", got, url}, &out);
    ASSERT_TRUE(rc);
    ASSERT_EQ(*rc, 0) << out;
    EXPECT_EQ(std::filesystem::file_size(got), size);
    const auto a = sha256_of(got);
    const auto b = sha256_of(want);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(*a, *b);
}

}  // namespace ustack::testing
