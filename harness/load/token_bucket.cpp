#include "harness/load/token_bucket.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace agentwork::load {

namespace {

std::int64_t to_rate_milli(double rate) {
  if (!(rate >= 0.0 && rate <= TokenBucket::kMaxRate)) {
    throw std::invalid_argument("token bucket: rate must be from 0 to 1e9 per second, got " +
                                std::to_string(rate));
  }
  return std::llround(rate * 1000.0);
}

std::int64_t to_capacity(double burst) {
  if (!(burst >= 1.0 && burst <= TokenBucket::kMaxBurst)) {
    throw std::invalid_argument("token bucket: burst must be from 1 to 1e6 tokens, got " +
                                std::to_string(burst));
  }
  return std::llround(burst * static_cast<double>(TokenBucket::kUnitsPerToken));
}

}  // namespace

TokenBucket::TokenBucket(double rate, double burst, Nanos start)
    : rate_milli_(to_rate_milli(rate)),
      capacity_(to_capacity(burst)),
      level_(capacity_),
      last_(start) {}

std::int64_t TokenBucket::level_at(Nanos now) const {
  if (now <= last_ || rate_milli_ == 0) return level_;
  const std::int64_t elapsed = (now - last_).count();
  const std::int64_t missing = capacity_ - level_;
  // Compare before multiplying: a long idle time times the rate would overflow.
  if (elapsed >= (missing + rate_milli_ - 1) / rate_milli_) return capacity_;
  return level_ + elapsed * rate_milli_;
}

void TokenBucket::advance(Nanos now) {
  level_ = level_at(now);
  last_ = std::max(last_, now);
}

bool TokenBucket::try_take(Nanos now, std::int64_t n) {
  advance(now);
  if (n <= 0) return true;
  if (n > capacity_ / kUnitsPerToken) return false;
  const std::int64_t need = n * kUnitsPerToken;
  if (level_ < need) return false;
  level_ -= need;
  return true;
}

TokenBucket::Nanos TokenBucket::next_available(Nanos now, std::int64_t n) const {
  const Nanos from = std::max(now, last_);
  if (n <= 0) return from;
  if (n > capacity_ / kUnitsPerToken) return Nanos::max();
  const std::int64_t need = n * kUnitsPerToken;
  const std::int64_t level = level_at(from);
  if (level >= need) return from;
  if (rate_milli_ == 0) return Nanos::max();
  return from + Nanos((need - level + rate_milli_ - 1) / rate_milli_);
}

double TokenBucket::available(Nanos now) const {
  return static_cast<double>(level_at(std::max(now, last_))) / kUnitsPerToken;
}

void TokenBucket::set_rate(double rate, Nanos now) {
  const std::int64_t rate_milli = to_rate_milli(rate);
  advance(now);
  rate_milli_ = rate_milli;
}

void TokenBucket::set_burst(double burst, Nanos now) {
  const std::int64_t capacity = to_capacity(burst);
  advance(now);
  capacity_ = capacity;
  level_ = std::min(level_, capacity_);
}

}  // namespace agentwork::load
