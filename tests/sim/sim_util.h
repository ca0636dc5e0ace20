// Helpers of the sim tests: flags sequences from the Timeline, temporary directories that survive
// a failing test, and running external programs.
#pragma once

#include <string>
#include <vector>

#include "sim/timeline.h"

namespace ustack::sim::testing {

// The TCP flags of every captured packet in order, with the direction seen from the tapped host:
// "> S" (sent), "< S." (received), as tcpdump prints them ("[S]", "[S.]", "[FP.]", "[R.]").
std::vector<std::string> flags_of(const Timeline& timeline);

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
