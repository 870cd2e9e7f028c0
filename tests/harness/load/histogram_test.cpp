// The latency histogram: exact figures on tiny inputs, the 0.1% bound against a brute-force sort,
// merge, the bounds of its range and its fixed size.
#include "harness/load/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <vector>

namespace agentwork::load {
namespace {

// 181 KiB: on the heap, as a worker would hold it.
std::unique_ptr<Histogram> make() {
  return std::make_unique<Histogram>();
}

TEST(PercentileRank, SmallestRankCoveringThePercentage) {
  EXPECT_EQ(percentile_rank(50, 100), 50u);
  EXPECT_EQ(percentile_rank(50, 3), 2u);
  EXPECT_EQ(percentile_rank(99.4, 100), 100u);
  EXPECT_EQ(percentile_rank(99.9, 1000), 999u);
  EXPECT_EQ(percentile_rank(99.99, 10000), 9999u);
  EXPECT_EQ(percentile_rank(0.01, 10000), 1u);
  EXPECT_EQ(percentile_rank(0, 10), 1u);
  EXPECT_EQ(percentile_rank(100, 10), 10u);
  EXPECT_EQ(percentile_rank(150, 10), 10u);
  EXPECT_EQ(percentile_rank(-1, 10), 1u);
  EXPECT_EQ(percentile_rank(50, 0), 0u);
}

TEST(Histogram, OneToHundredIsExact) {
  auto h = make();
  for (std::int64_t v = 1; v <= 100; ++v) h->record(v);
  EXPECT_EQ(h->count(), 100u);
  EXPECT_EQ(h->min(), 1);
  EXPECT_EQ(h->max(), 100);
  EXPECT_EQ(h->value_at_percentile(0), 1);
  EXPECT_EQ(h->value_at_percentile(1), 1);
  EXPECT_EQ(h->value_at_percentile(50), 50);
  EXPECT_EQ(h->value_at_percentile(50.5), 51);
  EXPECT_EQ(h->value_at_percentile(90), 90);
  EXPECT_EQ(h->value_at_percentile(99), 99);
  EXPECT_EQ(h->value_at_percentile(99.9), 100);
  EXPECT_EQ(h->value_at_percentile(100), 100);
  EXPECT_DOUBLE_EQ(h->mean(), 50.5);
  EXPECT_DOUBLE_EQ(h->stddev(), std::sqrt((100.0 * 100.0 - 1.0) / 12.0));
}

TEST(Histogram, EmptyGivesZeros) {
  auto h = make();
  EXPECT_EQ(h->count(), 0u);
  EXPECT_EQ(h->min(), 0);
  EXPECT_EQ(h->max(), 0);
  EXPECT_EQ(h->value_at_percentile(50), 0);
  EXPECT_EQ(h->mean(), 0.0);
  EXPECT_EQ(h->stddev(), 0.0);
  EXPECT_EQ(h->percentiles_summary(), PercentilesSummary{});
}

// 1..10000: above 2048 us a slot is 2, 4 or 8 us wide; the percentile is the slot's highest
// value: 5000 is in [5000, 5003], 9900 in [9896, 9903], 9990 in [9984, 9991].
TEST(Histogram, SummaryOfOneToTenThousandGivesSlotHighestValues) {
  auto h = make();
  for (std::int64_t v = 1; v <= 10000; ++v) h->record(v);
  const PercentilesSummary expected{5003, 9007, 9903, 9991, 9999, 10000};
  EXPECT_EQ(h->percentiles_summary(), expected);
}

TEST(Histogram, SlotEdges) {
  EXPECT_EQ(Histogram::lowest_equivalent(2047), 2047);
  EXPECT_EQ(Histogram::highest_equivalent(2047), 2047);
  EXPECT_EQ(Histogram::lowest_equivalent(2049), 2048);
  EXPECT_EQ(Histogram::highest_equivalent(2049), 2049);
  EXPECT_EQ(Histogram::lowest_equivalent(4097), 4096);
  EXPECT_EQ(Histogram::highest_equivalent(4097), 4099);
  EXPECT_EQ(Histogram::index_of(Histogram::kHighest), Histogram::kSlotCount - 1);
  // 3.6e9 lies in bucket 21 (slots 2^21 = 2,097,152 us wide).
  EXPECT_EQ(Histogram::lowest_equivalent(Histogram::kHighest), 1716LL << 21);
  EXPECT_EQ(Histogram::highest_equivalent(Histogram::kHighest), (1717LL << 21) - 1);
}

// Every value's slot extends less than 1/1024 (0.0977%) above it: exhaustive to 2^22, then
// the edges of every bucket up to one hour.
TEST(Histogram, SlotWidthWithinThreeSignificantDigits) {
  for (std::int64_t v = 1; v < (1 << 22); ++v) {
    const std::int64_t high = Histogram::highest_equivalent(v);
    ASSERT_LE(Histogram::lowest_equivalent(v), v);
    ASSERT_GE(high, v);
    ASSERT_LT(static_cast<double>(high - v), static_cast<double>(v) / 1024.0) << v;
  }
  for (std::int64_t edge = 2048; edge <= Histogram::kHighest; edge *= 2) {
    for (std::int64_t v : {edge - 1, edge, edge + 1}) {
      const std::int64_t high = Histogram::highest_equivalent(v);
      ASSERT_LT(static_cast<double>(high - v), static_cast<double>(v) / 1024.0) << v;
    }
  }
}

TEST(Histogram, RangeBounds) {
  auto h = make();
  h->record(1);
  h->record(Histogram::kHighest);
  EXPECT_EQ(h->underflow(), 0u);
  EXPECT_EQ(h->overflow(), 0u);
  EXPECT_EQ(h->min(), 1);
  EXPECT_EQ(h->max(), 3'600'000'000);
  EXPECT_EQ(h->value_at_percentile(50), 1);
  EXPECT_EQ(h->value_at_percentile(100), 3'600'000'000);
  EXPECT_EQ(h->value_at_percentile(99), 3'600'000'000);  // slot top clamped to max()
}

TEST(Histogram, AboveOneHourIsClampedAndCounted) {
  auto h = make();
  h->record(Histogram::kHighest + 1);
  h->record(std::numeric_limits<std::int64_t>::max(), 3);
  EXPECT_EQ(h->count(), 4u);
  EXPECT_EQ(h->overflow(), 4u);
  EXPECT_EQ(h->max(), Histogram::kHighest);
  EXPECT_EQ(h->min(), Histogram::kHighest);
  EXPECT_EQ(h->value_at_percentile(50), Histogram::kHighest);
}

TEST(Histogram, ZeroAndNegativeAreRecordedAsOneAndCounted) {
  auto h = make();
  h->record(0);
  h->record(-7, 2);
  h->record(5);
  EXPECT_EQ(h->count(), 4u);
  EXPECT_EQ(h->underflow(), 3u);
  EXPECT_EQ(h->min(), 1);
  EXPECT_EQ(h->value_at_percentile(75), 1);
  EXPECT_EQ(h->value_at_percentile(100), 5);
}

TEST(Histogram, RecordWithCountEqualsRepeatedRecord) {
  auto a = make();
  auto b = make();
  a->record(123456, 5);
  a->record(7, 0);  // nothing
  for (int i = 0; i < 5; ++i) b->record(123456);
  EXPECT_TRUE(*a == *b);
  EXPECT_EQ(a->count(), 5u);
}

// Log-uniform values from 1 us to 1 h.
std::vector<std::int64_t> log_uniform(std::mt19937_64& rng, std::size_t n) {
  std::uniform_real_distribution<double> exponent(0.0, std::log(3.6e9));
  std::vector<std::int64_t> values(n);
  for (auto& v : values) v = std::llround(std::exp(exponent(rng)));
  return values;
}

TEST(Histogram, PercentilesWithinOneThousandthOfTheSortedArray) {
  std::mt19937_64 rng(20261128);
  for (int round = 0; round < 5; ++round) {
    const std::vector<std::int64_t> values = log_uniform(rng, 10'000);
    auto h = make();
    for (std::int64_t v : values) h->record(v);
    std::vector<std::int64_t> sorted = values;
    std::sort(sorted.begin(), sorted.end());

    std::vector<double> ps{0, 0.01, 0.1, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100};
    std::uniform_real_distribution<double> any(0.0, 100.0);
    for (int i = 0; i < 2000; ++i) ps.push_back(any(rng));
    for (double p : ps) {
      const std::int64_t exact = sorted[percentile_rank(p, sorted.size()) - 1];
      const std::int64_t got = h->value_at_percentile(p);
      ASSERT_GE(got, exact) << "p" << p;
      ASSERT_LE(static_cast<double>(got - exact), static_cast<double>(exact) * 0.001) << "p" << p;
    }
    EXPECT_EQ(h->value_at_percentile(0), sorted.front());
    EXPECT_EQ(h->value_at_percentile(100), sorted.back());

    double sum = 0;
    for (std::int64_t v : values) sum += static_cast<double>(v);
    const double mean = sum / static_cast<double>(values.size());
    EXPECT_NEAR(h->mean(), mean, mean / 2048.0);
  }
}

TEST(Histogram, SummaryEqualsValueAtPercentile) {
  std::mt19937_64 rng(99);
  auto h = make();
  for (std::size_t n : {1u, 7u, 1000u, 54321u}) {
    h->reset();
    for (std::int64_t v : log_uniform(rng, n)) h->record(v);
    const PercentilesSummary s = h->percentiles_summary();
    EXPECT_EQ(s.p50, h->value_at_percentile(50)) << n;
    EXPECT_EQ(s.p90, h->value_at_percentile(90)) << n;
    EXPECT_EQ(s.p99, h->value_at_percentile(99)) << n;
    EXPECT_EQ(s.p99_9, h->value_at_percentile(99.9)) << n;
    EXPECT_EQ(s.p99_99, h->value_at_percentile(99.99)) << n;
    EXPECT_EQ(s.max, h->max()) << n;
  }
}

TEST(Histogram, MergeEqualsRecordingBothSets) {
  std::mt19937_64 rng(7);
  const std::vector<std::int64_t> first = log_uniform(rng, 5000);
  const std::vector<std::int64_t> second = log_uniform(rng, 3000);
  auto a = make();
  auto b = make();
  auto both = make();
  for (std::int64_t v : first) a->record(v), both->record(v);
  for (std::int64_t v : second) b->record(v), both->record(v);
  b->record(0);
  both->record(0);
  b->record(Histogram::kHighest * 2);
  both->record(Histogram::kHighest * 2);
  a->merge(*b);
  EXPECT_TRUE(*a == *both);
  EXPECT_EQ(a->count(), 8002u);
  EXPECT_EQ(a->underflow(), 1u);
  EXPECT_EQ(a->overflow(), 1u);
  EXPECT_EQ(a->percentiles_summary(), both->percentiles_summary());
  EXPECT_EQ(a->mean(), both->mean());
  EXPECT_EQ(a->stddev(), both->stddev());
}

TEST(Histogram, SlotsAreTheNonEmptySlotsByLowestValue) {
  auto h = make();
  EXPECT_TRUE(h->slots().empty());
  h->record(5, 2);
  h->record(2047);
  h->record(4097);  // slot [4096, 4097] (2 us wide)
  h->record(4096);
  h->record(1'000'000, 3);
  const std::vector<HistogramSlot> expected = {
      {5, 2}, {2047, 1}, {4096, 2}, {Histogram::lowest_equivalent(1'000'000), 3}};
  EXPECT_EQ(h->slots(), expected);
}

// The slots are the mergeable form: recorded again, and added slot by slot, they give the
// histograms back.
TEST(Histogram, SlotsRecordBackAndAddUp) {
  std::mt19937_64 rng(11);
  auto a = make();
  auto b = make();
  auto both = make();
  for (std::int64_t v : log_uniform(rng, 4000)) a->record(v), both->record(v);
  for (std::int64_t v : log_uniform(rng, 2500)) b->record(v), both->record(v);
  auto again = make();
  for (const auto& slot : a->slots()) again->record(slot.value, slot.count);
  EXPECT_EQ(again->slots(), a->slots());
  EXPECT_EQ(again->percentiles_summary().p99, a->percentiles_summary().p99);
  auto added = make();
  for (const auto* h : {a.get(), b.get()}) {
    for (const auto& slot : h->slots()) added->record(slot.value, slot.count);
  }
  EXPECT_EQ(added->slots(), both->slots());
  EXPECT_EQ(added->count(), 6500u);
}

TEST(Histogram, MergeWithEmptyKeepsMinAndMax) {
  auto a = make();
  auto empty = make();
  a->record(500);
  a->record(900);
  a->merge(*empty);
  EXPECT_EQ(a->min(), 500);
  EXPECT_EQ(a->max(), 900);
  empty->merge(*a);
  EXPECT_TRUE(*empty == *a);
}

TEST(Histogram, ResetEqualsNew) {
  auto h = make();
  h->record(42, 10);
  h->record(-1);
  h->reset();
  EXPECT_TRUE(*h == Histogram{});
}

TEST(Histogram, FixedMemory) {
  // The counts are in the object: no allocation, whatever is recorded.
  EXPECT_EQ(sizeof(Histogram), 185'808u);
  EXPECT_LT(sizeof(Histogram), 192u * 1024u);
}

}  // namespace
}  // namespace agentwork::load
