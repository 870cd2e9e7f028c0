// The hard request-rate cap: a token bucket of `rate` tokens per second holding at most `burst`
// tokens, full at its start. Exact integer arithmetic (no drift): one token is 10^12 units and
// the bucket gains rate_milli units per nanosecond, where rate_milli is the rate in thousandths
// of a token per second. So over any interval [t0, t1] it grants at most
// burst + rate * (t1 - t0) tokens, and the k-th token after an empty bucket is due exactly at
// ceil(k * 10^9 / rate) ns as long as the bucket has room for the remainder: a scheduler that
// wakes at next_available() holds a sub-nanosecond excess which a full bucket of burst 1 drops
// (at most 1 ns per token); with burst >= 2 nothing is lost. Time is passed in (nanoseconds since
// any fixed origin, e.g. a steady_clock epoch): no clock is read here. Not thread-safe: one bucket
// per worker, each with its share of the rate.
#pragma once

#include <chrono>
#include <cstdint>

namespace agentwork::load {

class TokenBucket {
 public:
  using Nanos = std::chrono::nanoseconds;
  static constexpr std::int64_t kUnitsPerToken = 1'000'000'000'000;
  static constexpr double kMaxRate = 1e9;   // tokens per second
  static constexpr double kMaxBurst = 1e6;  // tokens

  // rate in [0, 1e9] tokens/s, resolution 0.001 (rounded to nearest); burst in [1, 1e6]
  // tokens, resolution 10^-12. Throws std::invalid_argument otherwise (a start-up error).
  // A rate of 0 grants only the initial burst.
  TokenBucket(double rate, double burst, Nanos start);

  // Takes `n` tokens if the bucket holds them at `now`. A `now` earlier than a time already
  // seen counts as that time (the bucket never runs backwards).
  bool try_take(Nanos now, std::int64_t n = 1);
  // The earliest time >= now at which try_take(t, n) succeeds, assuming nothing else takes;
  // Nanos::max() when it never will (rate 0, or n above the burst).
  Nanos next_available(Nanos now, std::int64_t n = 1) const;
  // Tokens held at `now`, for display (may be fractional).
  double available(Nanos now) const;

  // From `now` on, the new rate applies; tokens gained before `now` were at the old rate.
  void set_rate(double rate, Nanos now);
  // The new burst; tokens above it are dropped.
  void set_burst(double burst, Nanos now);

  double rate() const { return static_cast<double>(rate_milli_) / 1000.0; }
  double burst() const { return static_cast<double>(capacity_) / kUnitsPerToken; }

 private:
  // The level (units) at `now`, refilled from last_ and capped at the capacity.
  std::int64_t level_at(Nanos now) const;
  void advance(Nanos now);

  std::int64_t rate_milli_;  // thousandths of a token per second == units per nanosecond
  std::int64_t capacity_;    // burst, in units
  std::int64_t level_;       // tokens held at last_, in units, in [0, capacity_]
  Nanos last_;               // the latest time seen
};

}  // namespace agentwork::load
