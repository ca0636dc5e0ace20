// Crafted capture test cases: literal records and the real tcpdump 4.99.3's text for them.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "capture/record.h"

namespace ustack::capture::test {

struct CaseRecord {
    std::int64_t sec;
    std::uint32_t usec;
    std::uint32_t origlen;
    const char* hex;  // the captured bytes
};

struct GoldenCase {
    const char* name;
    LinkType link;
    const char* flags;  // tcpdump flags the expected text was made with
    std::span<const CaseRecord> records;
    const char* expected;
};

const std::vector<GoldenCase>& crafted_cases();

}  // namespace ustack::capture::test
