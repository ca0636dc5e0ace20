// LinePrinter against the real tcpdump's text for crafted packets (capture_cases.cpp), plus
// relative-sequence and robustness checks.
#include "capture/line_printer.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "capture/dissect.h"
#include "capture_cases.h"

namespace ustack::capture {
namespace {

std::vector<std::uint8_t> from_hex(const char* hex) {
    std::vector<std::uint8_t> out;
    for (const char* p = hex; p[0] && p[1]; p += 2) {
        auto nib = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
        out.push_back(static_cast<std::uint8_t>(nib(p[0]) * 16 + nib(p[1])));
    }
    return out;
}

PrintOptions parse_flags(const std::string& flags) {
    PrintOptions o;
    std::istringstream in(flags);
    std::string f;
    while (in >> f) {
        if (f == "-n")
            o.numeric = 1;
        else if (f == "-nn")
            o.numeric = 2;
        else if (f == "-v")
            o.verbose = 1;
        else if (f == "-vv")
            o.verbose = 2;
        else if (f == "-S")
            o.absolute_seq = true;
        else if (f == "-e")
            o.link_header = true;
        else if (f == "-q")
            o.quiet = true;
        else if (f == "-t")
            o.time = TimeFormat::None;
        else if (f == "-tt")
            o.time = TimeFormat::Epoch;
        else if (f == "-ttt")
            o.time = TimeFormat::DeltaPrevious;
        else if (f == "-tttt")
            o.time = TimeFormat::DateTime;
        else if (f == "-ttttt")
            o.time = TimeFormat::DeltaFirst;
    }
    return o;
}

std::string print_case(const test::GoldenCase& c, const PrintOptions& o) {
    LinePrinter printer(c.link, o);
    std::string out;
    std::uint64_t n = 0;
    for (const auto& r : c.records) {
        const auto bytes = from_hex(r.hex);
        Record rec;
        rec.number = ++n;
        rec.ts = Timestamp{r.sec, r.usec * 1000u};
        rec.caplen = static_cast<std::uint32_t>(bytes.size());
        rec.origlen = r.origlen;
        rec.data = Bytes{bytes};
        printer.print(rec, out);
    }
    return out;
}

class CraftedCase : public ::testing::TestWithParam<std::size_t> {};

TEST_P(CraftedCase, MatchesTcpdump) {
    setenv("TZ", "UTC", 1);
    tzset();
    const auto& c = test::crafted_cases()[GetParam()];
    EXPECT_EQ(print_case(c, parse_flags(c.flags)), c.expected) << c.name << " " << c.flags;
}

INSTANTIATE_TEST_SUITE_P(Tcpdump, CraftedCase,
                         ::testing::Range<std::size_t>(0, test::crafted_cases().size()),
                         [](const auto& info) {
                             return std::string(test::crafted_cases()[info.param].name);
                         });

// Every prefix of every crafted packet, and every flag set: never crashes, always one line per
// packet at least, and truncation never reads past the captured bytes (ASan checks that).
TEST(LinePrinterRobustness, EveryPrefixOfEveryPacket) {
    const char* flag_sets[] = {"-nn", "-nn -v", "-nn -vv -e", "-nn -q -e", "-S -v", ""};
    for (const auto& c : test::crafted_cases()) {
        for (const char* flags : flag_sets) {
            LinePrinter printer(c.link, parse_flags(flags));
            std::string out;
            for (const auto& r : c.records) {
                const auto bytes = from_hex(r.hex);
                for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
                    Record rec;
                    rec.caplen = static_cast<std::uint32_t>(cut);
                    rec.origlen = r.origlen;
                    rec.data = Bytes{bytes.data(), cut};
                    out.clear();
                    printer.print(rec, out);
                    ASSERT_FALSE(out.empty());
                    ASSERT_EQ(out.back(), '\n');
                }
            }
        }
    }
}

}  // namespace
}  // namespace ustack::capture
