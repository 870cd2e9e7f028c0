#include "harness/load/histogram.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace agentwork::load {

using histogram_layout::bucket_of;
using histogram_layout::kSubBucketHalfCount;
using histogram_layout::kSubBucketHalfCountMagnitude;

std::uint64_t percentile_rank(double p, std::uint64_t n) {
  if (n == 0) return 0;
  if (!(p > 0.0)) return 1;  // also NaN
  if (p >= 100.0) return n;
  const double exact = p * static_cast<double>(n) / 100.0;
  // p * n / 100 is an integer whenever p has few decimals and n is a multiple of the power of
  // ten: a binary p (99.9 is 99.900000000000006) must not push such a rank to the next one.
  const double rank = std::ceil(exact - exact * 1e-12);
  return std::clamp<std::uint64_t>(static_cast<std::uint64_t>(rank), 1, n);
}

std::int64_t Histogram::value_from_index(std::size_t index) {
  auto bucket = static_cast<int>(index >> kSubBucketHalfCountMagnitude) - 1;
  auto sub = static_cast<std::int64_t>(index & (kSubBucketHalfCount - 1)) + kSubBucketHalfCount;
  if (bucket < 0) {
    sub -= kSubBucketHalfCount;
    bucket = 0;
  }
  return sub << bucket;
}

std::int64_t Histogram::lowest_equivalent(std::int64_t v) {
  return value_from_index(index_of(v));
}

std::int64_t Histogram::highest_equivalent(std::int64_t v) {
  return lowest_equivalent(v) + (std::int64_t{1} << bucket_of(v)) - 1;
}

void Histogram::record(std::int64_t v, std::uint64_t count) {
  if (count == 0) return;
  if (v < kLowest) {
    v = kLowest;
    underflow_ += count;
  } else if (v > kHighest) {
    v = kHighest;
    overflow_ += count;
  }
  counts_[index_of(v)] += count;
  total_ += count;
  min_ = std::min(min_, v);
  max_ = std::max(max_, v);
}

void Histogram::merge(const Histogram& other) {
  for (std::size_t i = 0; i < kSlotCount; ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
  underflow_ += other.underflow_;
  overflow_ += other.overflow_;
  if (other.total_ > 0) {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
}

void Histogram::reset() {
  *this = Histogram{};
}

void Histogram::restore(std::span<const HistogramSlot> slots, std::int64_t min, std::int64_t max) {
  reset();
  for (const auto& s : slots) record(std::clamp(s.value, kLowest, kHighest), s.count);
  underflow_ = overflow_ = 0;
  if (total_ == 0) return;
  // record() kept the slots' lowest values; the exact ones lie within the first and last slot.
  min_ = std::clamp(min, min_, highest_equivalent(min_));
  max_ = std::clamp(max, lowest_equivalent(max_), highest_equivalent(max_));
}

namespace {

// The middle of a slot: its lowest value plus half its width (integer, as HdrHistogram).
std::int64_t median_equivalent(std::int64_t lowest, std::int64_t highest) {
  return lowest + (highest - lowest + 1) / 2;
}

}  // namespace

double Histogram::mean() const {
  if (total_ == 0) return 0.0;
  double sum = 0.0;
  for (std::size_t i = 0; i < kSlotCount; ++i) {
    if (counts_[i] == 0) continue;
    const std::int64_t low = value_from_index(i);
    const double mid = static_cast<double>(median_equivalent(low, highest_equivalent(low)));
    sum += mid * static_cast<double>(counts_[i]);
  }
  return sum / static_cast<double>(total_);
}

double Histogram::stddev() const {
  if (total_ == 0) return 0.0;
  const double m = mean();
  double squares = 0.0;
  for (std::size_t i = 0; i < kSlotCount; ++i) {
    if (counts_[i] == 0) continue;
    const std::int64_t low = value_from_index(i);
    const double d = static_cast<double>(median_equivalent(low, highest_equivalent(low))) - m;
    squares += d * d * static_cast<double>(counts_[i]);
  }
  return std::sqrt(squares / static_cast<double>(total_));
}

std::int64_t Histogram::value_at_percentile(double p) const {
  if (total_ == 0) return 0;
  if (!(p > 0.0)) return min_;
  if (p >= 100.0) return max_;
  const std::uint64_t rank = percentile_rank(p, total_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kSlotCount; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(highest_equivalent(value_from_index(i)), min_, max_);
  }
  return max_;  // unreachable: the counts sum to total_
}

// One pass over the slots for the five ranks (in increasing order), as value_at_percentile().
PercentilesSummary Histogram::percentiles_summary() const {
  if (total_ == 0) return {};
  constexpr std::array<double, 5> kPercentiles{50.0, 90.0, 99.0, 99.9, 99.99};
  std::array<std::uint64_t, 5> ranks{};
  for (std::size_t k = 0; k < ranks.size(); ++k) {
    ranks[k] = percentile_rank(kPercentiles[k], total_);
  }
  std::array<std::int64_t, 5> values{};
  std::size_t next = 0;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kSlotCount; ++i) {
    seen += counts_[i];
    if (seen < ranks[next]) continue;
    const std::int64_t value = std::clamp(highest_equivalent(value_from_index(i)), min_, max_);
    while (next < ranks.size() && seen >= ranks[next]) values[next++] = value;
    if (next == ranks.size()) break;
  }
  return {values[0], values[1], values[2], values[3], values[4], max_};
}

std::vector<HistogramSlot> Histogram::slots() const {
  std::vector<HistogramSlot> out;
  for (std::size_t i = 0; i < kSlotCount; ++i) {
    if (counts_[i] != 0) out.push_back({value_from_index(i), counts_[i]});
  }
  return out;
}

}  // namespace agentwork::load
