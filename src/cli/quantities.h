// Quantities the `ustack` subcommands read from their options: times ("20ms"), rates ("10M"),
// sizes ("64Ki") and probabilities ("1%"), each all of its text or nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/time.h"

namespace ustack::cli {

// A non-negative decimal number, all of `text` (digits, ".", an exponent; no "inf" or "nan").
std::optional<double> parse_number(std::string_view text);

// "20ms", "250us", "1.5s", "0"; a bare number is milliseconds. At most `max`.
std::optional<Duration> parse_time(std::string_view text, Duration max);

// Bits per second: "10M", "1G", "1.5G", "100k", "64000"; "0" or "inf" for an infinite rate (0).
// An optional "bit/s" or "bps" may follow the prefix. From 1k to 100G.
std::optional<std::uint64_t> parse_rate(std::string_view text);

// Bytes: "10M" (10^7), "64Ki" (65536), "1G", "1500"; decimal k/M/G, binary Ki/Mi/Gi. At most
// `max`.
std::optional<std::uint64_t> parse_bytes(std::string_view text, double max);

// "0.01" or "1%": a probability in [0, 1).
std::optional<double> parse_fraction(std::string_view text);

}  // namespace ustack::cli
