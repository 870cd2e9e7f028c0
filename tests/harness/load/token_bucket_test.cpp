// The request-rate cap: exact times of tokens, no drift over a million takes, the window bound
// over a long random run, rate and burst changes.
#include "harness/load/token_bucket.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

namespace agentwork::load {
namespace {

using Nanos = TokenBucket::Nanos;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(TokenBucket, StartsFullWithTheBurst) {
  TokenBucket bucket(10, 5, Nanos(0));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.try_take(Nanos(0))) << i;
  EXPECT_FALSE(bucket.try_take(Nanos(0)));
  EXPECT_EQ(bucket.available(Nanos(0)), 0.0);
}

TEST(TokenBucket, NextAvailableIsExact) {
  TokenBucket bucket(10, 1, Nanos(1000));
  EXPECT_EQ(bucket.next_available(Nanos(1000)), Nanos(1000));
  ASSERT_TRUE(bucket.try_take(Nanos(1000)));
  const Nanos due = bucket.next_available(Nanos(1000));
  EXPECT_EQ(due, Nanos(1000) + milliseconds(100));
  EXPECT_FALSE(bucket.try_take(due - Nanos(1)));
  EXPECT_EQ(bucket.next_available(due - Nanos(1)), due);
  EXPECT_TRUE(bucket.try_take(due));
}

TEST(TokenBucket, SeveralTokensAtOnce) {
  TokenBucket bucket(4, 3, Nanos(0));
  EXPECT_TRUE(bucket.try_take(Nanos(0), 3));
  EXPECT_EQ(bucket.next_available(Nanos(0), 2), milliseconds(500));
  EXPECT_FALSE(bucket.try_take(milliseconds(499), 2));
  EXPECT_TRUE(bucket.try_take(milliseconds(500), 2));
  // More than the burst: never.
  EXPECT_FALSE(bucket.try_take(seconds(100), 4));
  EXPECT_EQ(bucket.next_available(seconds(100), 4), Nanos::max());
}

// A scheduler that waits exactly until the next token: with burst 2, tokens 0 and 1 are
// granted at once and token k >= 2 is due at ceil((k - 1) * 10^12 / rate_milli) ns, with no
// accumulated rounding. (The second token of room carries the sub-nanosecond remainder of each
// wait; with burst 1 a full bucket drops it: see the header.)
void expect_no_drift(double rate, std::int64_t rate_milli) {
  TokenBucket bucket(rate, 2, Nanos(0));
  Nanos t(0);
  for (std::int64_t k = 0; k < 1'000'000; ++k) {
    t = bucket.next_available(t);
    const std::int64_t n = std::max<std::int64_t>(k - 1, 0);
    const std::int64_t expected = (n * 1'000'000'000'000 + rate_milli - 1) / rate_milli;
    if (t.count() != expected || !bucket.try_take(t)) {
      FAIL() << "rate " << rate << ", token " << k << ": due " << t.count() << " ns, expected "
             << expected;
    }
  }
}

TEST(TokenBucket, NoDriftOverAMillionTakes) {
  expect_no_drift(3, 3000);          // 333,333,333.3 ns apart
  expect_no_drift(7, 7000);          // 142,857,142.857 ns apart
  expect_no_drift(1000.5, 1000500);  // fractional rate
  expect_no_drift(1e6, 1'000'000'000);
}

TEST(TokenBucket, AMillionTakesTakeExactlyTheirTime) {
  TokenBucket bucket(500, 1, Nanos(0));  // 2 ms is a whole number of ns: nothing to drop
  Nanos t(0);
  for (int i = 0; i < 1'000'000; ++i) {
    t = bucket.next_available(t);
    ASSERT_TRUE(bucket.try_take(t));
  }
  // 999,999 intervals of 2 ms after the first token.
  EXPECT_EQ(t, milliseconds(2) * 999'999);
}

// Over any window [t_i, t_j] of granted takes, j - i + 1 <= burst + rate * (t_j - t_i). In
// units: with f(k) = k * U - t_k * rate_milli, f(j) - f(i) <= capacity - U for all i < j.
TEST(TokenBucket, NeverMoreThanRateTimesWindowPlusBurst) {
  constexpr std::int64_t kU = TokenBucket::kUnitsPerToken;
  std::mt19937_64 rng(42);
  for (double rate : {1000.0, 37.5}) {
    const double burst = 20;
    const auto rate_milli = static_cast<std::int64_t>(rate * 1000);
    TokenBucket bucket(rate, burst, Nanos(0));
    // Three times more requests than the rate, in bursts: gaps exponential, sometimes a pause.
    std::exponential_distribution<double> gap(3 * rate / 1e9);
    std::bernoulli_distribution pause(0.001);
    std::vector<std::int64_t> granted;
    std::int64_t t = 0;
    const std::int64_t end = std::chrono::nanoseconds(seconds(100)).count();
    while (t < end) {
      t += static_cast<std::int64_t>(gap(rng));
      if (pause(rng)) t += std::chrono::nanoseconds(milliseconds(50)).count();
      if (bucket.try_take(Nanos(t))) granted.push_back(t);
    }
    std::int64_t min_f = std::numeric_limits<std::int64_t>::max();
    std::int64_t worst = std::numeric_limits<std::int64_t>::min();
    for (std::size_t k = 0; k < granted.size(); ++k) {
      const std::int64_t f = static_cast<std::int64_t>(k) * kU - granted[k] * rate_milli;
      if (k > 0) worst = std::max(worst, f - min_f);
      min_f = std::min(min_f, f);
    }
    EXPECT_LE(worst, static_cast<std::int64_t>(burst) * kU - kU) << rate;
    // And the cap is not much stricter than asked: close to rate * 100 s were granted (each
    // 50 ms pause loses what does not fit in the burst, about 8% of the run at 1000/s).
    EXPECT_GE(static_cast<double>(granted.size()), rate * 100 * 0.85) << rate;
    EXPECT_LE(static_cast<double>(granted.size()), rate * 100 + burst) << rate;
  }
}

TEST(TokenBucket, RateChangeAppliesFromThatTime) {
  TokenBucket bucket(10, 1, Nanos(0));
  ASSERT_TRUE(bucket.try_take(Nanos(0)));
  // Half a token gained at 10/s by 50 ms; the other half at 100/s takes 5 ms.
  bucket.set_rate(100, milliseconds(50));
  EXPECT_EQ(bucket.rate(), 100.0);
  EXPECT_EQ(bucket.next_available(milliseconds(50)), milliseconds(55));
  EXPECT_TRUE(bucket.try_take(milliseconds(55)));
  // Slower again: 1/s from 55 ms.
  bucket.set_rate(1, milliseconds(55));
  EXPECT_EQ(bucket.next_available(milliseconds(55)), milliseconds(1055));
}

TEST(TokenBucket, RateZeroGrantsOnlyTheBurst) {
  TokenBucket bucket(0, 2, Nanos(0));
  EXPECT_TRUE(bucket.try_take(Nanos(0)));
  EXPECT_TRUE(bucket.try_take(seconds(1)));
  EXPECT_FALSE(bucket.try_take(seconds(1000)));
  EXPECT_EQ(bucket.next_available(seconds(1000)), Nanos::max());
  bucket.set_rate(1, seconds(1000));
  EXPECT_EQ(bucket.next_available(seconds(1000)), seconds(1001));
}

TEST(TokenBucket, BurstChangeDropsTheExcess) {
  TokenBucket bucket(1, 10, Nanos(0));
  bucket.set_burst(2, Nanos(0));
  EXPECT_EQ(bucket.burst(), 2.0);
  EXPECT_TRUE(bucket.try_take(Nanos(0)));
  EXPECT_TRUE(bucket.try_take(Nanos(0)));
  EXPECT_FALSE(bucket.try_take(Nanos(0)));
  bucket.set_burst(5, Nanos(0));
  EXPECT_EQ(bucket.available(seconds(60)), 5.0);
}

TEST(TokenBucket, TimeNeverRunsBackwards) {
  TokenBucket bucket(1, 1, seconds(10));
  ASSERT_TRUE(bucket.try_take(seconds(10)));
  EXPECT_FALSE(bucket.try_take(seconds(5)));  // counts as 10 s
  EXPECT_EQ(bucket.next_available(seconds(5)), seconds(11));
  EXPECT_TRUE(bucket.try_take(seconds(11)));
}

TEST(TokenBucket, LongIdleFillsToTheBurstWithoutOverflow) {
  TokenBucket bucket(1e9, 1e6, Nanos(0));
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(bucket.try_take(Nanos(0), 1000));
  EXPECT_EQ(bucket.available(Nanos(0)), 0.0);
  EXPECT_EQ(bucket.available(seconds(1'000'000)), 1e6);
  EXPECT_EQ(bucket.available(milliseconds(1)), 1e6);
  EXPECT_EQ(bucket.available(std::chrono::microseconds(500)), 5e5);
}

TEST(TokenBucket, RejectsImpossibleSettings) {
  EXPECT_THROW(TokenBucket(-1, 1, Nanos(0)), std::invalid_argument);
  EXPECT_THROW(TokenBucket(2e9, 1, Nanos(0)), std::invalid_argument);
  EXPECT_THROW(TokenBucket(10, 0.5, Nanos(0)), std::invalid_argument);
  EXPECT_THROW(TokenBucket(10, 2e6, Nanos(0)), std::invalid_argument);
  EXPECT_THROW(TokenBucket(std::numeric_limits<double>::quiet_NaN(), 1, Nanos(0)),
               std::invalid_argument);
  TokenBucket bucket(10, 1, Nanos(0));
  EXPECT_THROW(bucket.set_rate(-5, Nanos(0)), std::invalid_argument);
  EXPECT_EQ(bucket.rate(), 10.0);
}

}  // namespace
}  // namespace agentwork::load
