// Runs `ustack print` on every case in cases.tsv and compares its output with what the real
// tcpdump printed for the same capture and flags (made by make_corpus.sh and make_malformed.py).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace {

struct GoldenCase {
    std::string name;       // test name, made from the expected file's name
    std::string capture;    // relative to the golden directory
    std::string arguments;  // shell words after the file
    std::string expected;   // relative to the golden directory
    int exit_code = 0;
};

std::string golden_path(const std::string& relative) {
    return std::string(USTACK_GOLDEN_DIR) + "/" + relative;
}

std::vector<std::string> split(const std::string& line, char sep) {
    std::vector<std::string> fields;
    std::stringstream ss(line);
    std::string field;
    while (std::getline(ss, field, sep))
        fields.push_back(field);
    return fields;
}

std::string test_name(const std::string& expected) {
    std::string name;
    auto slash = expected.find_last_of('/');
    std::string base = expected.substr(slash == std::string::npos ? 0 : slash + 1);
    if (base.size() > 4 && base.ends_with(".txt")) base.resize(base.size() - 4);
    for (char c : base)
        name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return name;
}

std::vector<GoldenCase> load_cases() {
    std::vector<GoldenCase> cases;
    std::ifstream in(golden_path("cases.tsv"));
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        auto f = split(line, '\t');
        if (f.size() < 4) continue;
        cases.push_back({test_name(f[2]), f[0], f[1], f[2], std::stoi(f[3])});
    }
    return cases;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// tcpdump's stderr for a capture: expected/STEM.stderr.txt, where the stdout file is
// expected/STEM.FLAGS.txt.
std::string expected_stderr_path(const GoldenCase& c) {
    std::string name = c.expected.substr(0, c.expected.size() - 4);  // drop ".txt"
    return golden_path(name.substr(0, name.rfind('.')) + ".stderr.txt");
}

std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

struct RunResult {
    std::string out;
    std::string err;
    int exit_code = -1;
};

RunResult run_print(const GoldenCase& c) {
    // The pid keeps two test runs on one machine (two build trees) from sharing the file.
    std::string err_path =
        fmt::format("{}/ustack_golden_{}_{}.stderr", testing::TempDir(), getpid(), c.name);
    std::string command =
        fmt::format("cd '{}' && TZ=UTC '{}' print '{}' {} 2>'{}'", USTACK_GOLDEN_DIR, USTACK_BINARY,
                    c.capture, c.arguments, err_path);
    RunResult r;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return r;
    char buf[1 << 16];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0)
        r.out.append(buf, n);
    int status = pclose(pipe);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.err = read_text(err_path);
    return r;
}

void PrintTo(const GoldenCase& c, std::ostream* os) {
    *os << "ustack print " << c.capture << " " << c.arguments << " (vs " << c.expected << ")";
}

class Golden : public testing::TestWithParam<GoldenCase> {};

TEST_P(Golden, MatchesTcpdump) {
    const GoldenCase& c = GetParam();
    RunResult got = run_print(c);
    std::string want = read_text(golden_path(c.expected));
    EXPECT_EQ(got.exit_code, c.exit_code) << "ustack print " << c.capture << " " << c.arguments;
    auto got_lines = split(got.out, '\n');
    auto want_lines = split(want, '\n');
    std::size_t same = 0, shown = 0;
    std::string report;
    for (std::size_t i = 0; i < std::max(got_lines.size(), want_lines.size()); ++i) {
        const std::string* g = i < got_lines.size() ? &got_lines[i] : nullptr;
        const std::string* w = i < want_lines.size() ? &want_lines[i] : nullptr;
        if (g && w && *g == *w) {
            ++same;
        } else if (shown++ < 5) {
            report += fmt::format("line {}:\n  tcpdump: {}\n  ustack:  {}\n", i + 1,
                                  w ? *w : "<none>", g ? *g : "<none>");
        }
    }
    // stderr: tcpdump's "reading from file ..." line when the file opens; when it cannot be
    // read, one message naming the file (tcpdump's own wording differs and is not compared).
    std::string tcpdump_err = read_text(expected_stderr_path(c));
    EXPECT_FALSE(tcpdump_err.empty()) << "missing " << expected_stderr_path(c);
    if (tcpdump_err.starts_with("reading from file")) {
        EXPECT_EQ(first_line(got.err), first_line(tcpdump_err));
    }
    if (c.exit_code != 0) {
        EXPECT_NE(got.err.find("ustack print: " + c.capture), std::string::npos) << got.err;
    }
    RecordProperty("identical_lines", static_cast<int>(same));
    RecordProperty("tcpdump_lines", static_cast<int>(want_lines.size()));
    EXPECT_EQ(got.out, want) << fmt::format("{} of {} lines identical; first differences:\n{}",
                                            same, want_lines.size(), report);
}

INSTANTIATE_TEST_SUITE_P(Corpus, Golden, testing::ValuesIn(load_cases()),
                         [](const testing::TestParamInfo<GoldenCase>& info) {
                             return info.param.name;
                         });

// The corpus itself must be there: an empty cases.tsv would make every check above vacuous.
TEST(GoldenCorpus, HasCasesForEveryCaptureKind) {
    auto cases = load_cases();
    EXPECT_GE(cases.size(), 40u) << "tests/golden/cases.tsv is missing or nearly empty";
}

}  // namespace
