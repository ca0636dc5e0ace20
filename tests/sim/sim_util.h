// Helpers of the sim tests: flags sequences from the Timeline, the faulty link of the transfer
// tests, temporary directories that survive a failing test, and running external programs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/time.h"
#include "sim/timeline.h"
#include "sim/world.h"

namespace ustack::sim::testing {

// The TCP flags of every captured packet in order, with the direction seen from the tapped host:
// "> S" (sent), "< S." (received), as tcpdump prints them ("[S]", "[S.]", "[FP.]", "[R.]").
std::vector<std::string> flags_of(const Timeline& timeline);

// A World whose link (`delay` one way, `rate_bps`) has every kind of fault in both directions:
// 5% drop, 2% duplication, 2% reordering and 1% corruption.
WorldConfig faulty_world(std::uint64_t seed, Duration delay, std::uint64_t rate_bps);

// A fresh directory under TMPDIR (or /tmp). remove() deletes it; keep it to inspect a failure.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }
    // Keeps the directory (and says where) instead of deleting it.
    void keep() { keep_ = true; }

  private:
    std::string path_;
    bool keep_ = false;
};

struct CommandResult {
    int exit_code = -1;  // -1: did not exit normally
    std::string out;
    std::string err;
};

// Runs `command` with /bin/sh, capturing stdout and stderr.
CommandResult run_command(const std::string& command);

// True when `program` is on the PATH.
bool have_program(const std::string& program);

// The bytes of a file ("" when it cannot be read).
std::string read_file(const std::string& path);

}  // namespace ustack::sim::testing
