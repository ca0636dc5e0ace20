#include "sim_util.h"

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace ustack::sim::testing {

std::vector<std::string> flags_of(const Timeline& timeline) {
    std::vector<std::string> out;
    for (const Entry& e : timeline.entries()) {
        if (e.kind != EntryKind::Packet) continue;
        const auto open = e.text.find("Flags [");
        const auto close = e.text.find(']', open);
        if (open == std::string::npos || close == std::string::npos) {
            out.push_back("? " + e.text);
            continue;
        }
        out.push_back(std::string(e.direction == dev::Direction::Out ? "> " : "< ") +
                      e.text.substr(open + 7, close - open - 7));
    }
    return out;
}

WorldConfig faulty_world(std::uint64_t seed, Duration delay, std::uint64_t rate_bps) {
    WorldConfig c;
    c.seed = seed;
    dev::LinkConfig link;
    link.delay = delay;
    link.rate_bps = rate_bps;
    c.link = dev::SimLinkConfig::symmetric(link);
    for (dev::FaultConfig* f : {&c.faults_to_client, &c.faults_to_server}) {
        f->drop = 0.05;
        f->duplicate = 0.02;
        f->reorder = 0.02;
        f->corrupt = 0.01;
    }
    return c;
}

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string templ =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/ustack-sim-XXXXXX";
    if (mkdtemp(templ.data()) != nullptr) path_ = templ;
}

TempDir::~TempDir() {
    if (path_.empty() || keep_) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

CommandResult run_command(const std::string& command) {
    TempDir dir;
    const std::string out = dir.file("stdout");
    const std::string err = dir.file("stderr");
    const int status = std::system((command + " >'" + out + "' 2>'" + err + "'").c_str());
    CommandResult r;
    r.exit_code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_file(out);
    r.err = read_file(err);
    return r;
}

bool have_program(const std::string& program) {
    return run_command("command -v " + program).exit_code == 0;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace ustack::sim::testing
