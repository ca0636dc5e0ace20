// Time as data: Duration and Instant, strong int64 microsecond types. Only a loop reads a clock.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>

namespace ustack {

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

    constexpr Duration operator+(Duration o) const { return Duration(us_ + o.us_); }
    constexpr Duration operator-(Duration o) const { return Duration(us_ - o.us_); }
    constexpr Duration operator*(std::int64_t k) const { return Duration(us_ * k); }
    constexpr Duration operator/(std::int64_t k) const { return Duration(us_ / k); }
    constexpr Duration& operator+=(Duration o) {
        us_ += o.us_;
        return *this;
    }
    constexpr Duration& operator-=(Duration o) {
        us_ -= o.us_;
        return *this;
    }
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

    constexpr Instant operator+(Duration d) const { return Instant(us_ + d.as_micros()); }
    constexpr Instant operator-(Duration d) const { return Instant(us_ - d.as_micros()); }
    constexpr Duration operator-(Instant o) const { return Duration::micros(us_ - o.us_); }
    constexpr Instant& operator+=(Duration d) {
        us_ += d.as_micros();
        return *this;
    }
    constexpr auto operator<=>(const Instant&) const = default;

  private:
    constexpr explicit Instant(std::int64_t us) : us_(us) {}
    std::int64_t us_ = 0;
};

}  // namespace ustack
