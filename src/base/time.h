// Time as data: Duration and Instant, strong int64 microsecond types. Only a loop reads a clock.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>

namespace ustack {

namespace detail {
// Saturating int64 arithmetic: a deadline pushed past the end of time stays at the end of time.
constexpr std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? std::numeric_limits<std::int64_t>::max()
                     : std::numeric_limits<std::int64_t>::min();
    return r;
}
constexpr std::int64_t saturating_mul(std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    if (__builtin_mul_overflow(a, b, &r))
        return (a < 0) != (b < 0) ? std::numeric_limits<std::int64_t>::min()
                                  : std::numeric_limits<std::int64_t>::max();
    return r;
}
}  // namespace detail

// A span of time in microseconds. Arithmetic saturates instead of overflowing.
class Duration {
  public:
    constexpr Duration() = default;
    static constexpr Duration micros(std::int64_t us) { return Duration(us); }
    static constexpr Duration millis(std::int64_t ms) { return Duration(ms * 1000); }
    static constexpr Duration seconds(std::int64_t s) { return Duration(s * 1000000); }
    static constexpr Duration zero() { return Duration(0); }

    constexpr std::int64_t as_micros() const { return us_; }
    constexpr std::int64_t as_millis() const { return us_ / 1000; }
    constexpr double as_seconds() const { return static_cast<double>(us_) / 1e6; }

    constexpr Duration operator+(Duration o) const {
        return Duration(detail::saturating_add(us_, o.us_));
    }
    constexpr Duration operator-(Duration o) const {
        return Duration(detail::saturating_add(us_, -o.us_));
    }
    constexpr Duration operator*(std::int64_t k) const {
        return Duration(detail::saturating_mul(us_, k));
    }
    constexpr Duration operator/(std::int64_t k) const { return Duration(us_ / k); }
    constexpr Duration& operator+=(Duration o) { return *this = *this + o; }
    constexpr Duration& operator-=(Duration o) { return *this = *this - o; }
    constexpr auto operator<=>(const Duration&) const = default;

  private:
    constexpr explicit Duration(std::int64_t us) : us_(us) {}
    std::int64_t us_ = 0;
};

// A point on some loop's clock (virtual or steady), in microseconds since that clock's origin.
class Instant {
  public:
    constexpr Instant() = default;
    static constexpr Instant from_micros(std::int64_t us) { return Instant(us); }
    // Later than every real deadline: "no deadline".
    static constexpr Instant never() { return Instant(std::numeric_limits<std::int64_t>::max()); }

    constexpr std::int64_t as_micros() const { return us_; }

    // never() + anything is still never(): deadlines can be computed without special cases.
    constexpr Instant operator+(Duration d) const {
        return Instant(detail::saturating_add(us_, d.as_micros()));
    }
    constexpr Instant operator-(Duration d) const {
        return Instant(detail::saturating_add(us_, -d.as_micros()));
    }
    constexpr Duration operator-(Instant o) const {
        return Duration::micros(detail::saturating_add(us_, -o.us_));
    }
    constexpr Instant& operator+=(Duration d) { return *this = *this + d; }
    constexpr auto operator<=>(const Instant&) const = default;

  private:
    constexpr explicit Instant(std::int64_t us) : us_(us) {}
    std::int64_t us_ = 0;
};

}  // namespace ustack
