// The quantities: a suffix names the unit, the rest must be a plain decimal number.
#include "cli/quantities.h"

#include <cmath>
#include <cstdlib>
#include <string>
#include <utility>

namespace ustack::cli {

std::optional<double> parse_number(std::string_view text) {
    if (text.empty()) return std::nullopt;
    const std::string s(text);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || !std::isfinite(v) || v < 0) return std::nullopt;
    if (s.find_first_not_of("0123456789.eE+-") != std::string::npos) return std::nullopt;
    return v;
}

std::optional<Duration> parse_time(std::string_view text, Duration max) {
    double unit_us = 1000.0;
    if (text.ends_with("us")) {
        text.remove_suffix(2);
        unit_us = 1.0;
    } else if (text.ends_with("ms")) {
        text.remove_suffix(2);
    } else if (text.ends_with("s")) {
        text.remove_suffix(1);
        unit_us = 1e6;
    }
    const auto v = parse_number(text);
    if (!v) return std::nullopt;
    const double us = *v * unit_us;
    if (us > static_cast<double>(max.as_micros())) return std::nullopt;
    return Duration::micros(static_cast<std::int64_t>(std::llround(us)));
}

std::optional<std::uint64_t> parse_rate(std::string_view text) {
    if (text == "inf" || text == "0") return 0;
    for (std::string_view unit : {"bit/s", "bps", "b"}) {
        if (text.ends_with(unit)) {
            text.remove_suffix(unit.size());
            break;
        }
    }
    double scale = 1;
    if (!text.empty()) {
        switch (text.back()) {
            case 'k':
            case 'K':
                scale = 1e3;
                break;
            case 'M':
                scale = 1e6;
                break;
            case 'G':
                scale = 1e9;
                break;
            default:
                break;
        }
        if (scale != 1) text.remove_suffix(1);
    }
    const auto v = parse_number(text);
    if (!v) return std::nullopt;
    const double bps = *v * scale;
    if (bps < 1000 || bps > 100e9) return std::nullopt;
    return static_cast<std::uint64_t>(std::llround(bps));
}

std::optional<std::uint64_t> parse_bytes(std::string_view text, double max) {
    double scale = 1;
    for (const auto& [suffix, s] : {std::pair<std::string_view, double>{"Ki", 1024.0},
                                    {"Mi", 1048576.0},
                                    {"Gi", 1073741824.0},
                                    {"k", 1e3},
                                    {"K", 1e3},
                                    {"M", 1e6},
                                    {"G", 1e9}}) {
        if (text.ends_with(suffix)) {
            text.remove_suffix(suffix.size());
            scale = s;
            break;
        }
    }
    const auto v = parse_number(text);
    if (!v) return std::nullopt;
    const double b = std::round(*v * scale);
    if (b > max) return std::nullopt;
    return static_cast<std::uint64_t>(b);
}

std::optional<double> parse_fraction(std::string_view text) {
    double scale = 1;
    if (text.ends_with("%")) {
        text.remove_suffix(1);
        scale = 0.01;
    }
    const auto v = parse_number(text);
    if (!v) return std::nullopt;
    const double p = *v * scale;
    if (p >= 1.0) return std::nullopt;
    return p;
}

}  // namespace ustack::cli
