// A log-linear (HdrHistogram-style) histogram of latencies in microseconds, from 1 us to 1 hour,
// with 3 significant decimal digits: fixed memory, mergeable, no allocation on record().
//
// Layout (as HdrHistogram with lowest value 1 and 2048 sub-buckets): bucket 0 holds 0..2047 at
// unit resolution; bucket b >= 1 holds [1024 * 2^b, 2048 * 2^b) in 1024 slots of width 2^b.
// Precision: a value v in bucket b >= 1 has v >= 1024 * 2^b, and its slot is 2^b wide, so every
// value of that slot lies within (2^b - 1) / v < 1 / 1024 = 0.0977% of v; bucket 0 is exact.
// Pure: no clock, no threads; one histogram per worker, merged after the workers join. The
// counts live in the object (181.5 KiB, see below): hold it in a heap-allocated worker, and
// pass it by reference.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace agentwork::load {

// The percentiles a report prints, each as value_at_percentile() returns it.
struct PercentilesSummary {
  std::int64_t p50 = 0;
  std::int64_t p90 = 0;
  std::int64_t p99 = 0;
  std::int64_t p99_9 = 0;
  std::int64_t p99_99 = 0;
  std::int64_t max = 0;
  bool operator==(const PercentilesSummary&) const = default;
};

// The 1-based rank of the value at percentile p among n sorted values: the smallest rank r with
// r >= p% of n (at least 1, at most n). Robust to the rounding of p * n / 100 in binary
// floating point, so that rank(99.9, 1000) is 999, not 1000.
std::uint64_t percentile_rank(double p, std::uint64_t n);

namespace histogram_layout {

inline constexpr std::int64_t kLowest = 1;               // 1 us
inline constexpr std::int64_t kHighest = 3'600'000'000;  // 1 hour in us
inline constexpr int kSubBucketHalfCountMagnitude = 10;  // 1024 slots per bucket b >= 1
inline constexpr std::int64_t kSubBucketCount = 2048;
inline constexpr std::int64_t kSubBucketHalfCount = 1024;

// The bucket of a value in [0, kHighest]: 0 below 2048, else floor(log2(v)) - 10.
constexpr int bucket_of(std::int64_t v) {
  const auto u = static_cast<std::uint64_t>(v);
  return 63 - std::countl_zero(u | (kSubBucketCount - 1)) - kSubBucketHalfCountMagnitude;
}

// The slot of a value in [0, kHighest]; see the layout above.
constexpr std::size_t index_of(std::int64_t v) {
  const int bucket = bucket_of(v);
  const auto sub = static_cast<std::int64_t>(static_cast<std::uint64_t>(v) >> bucket);
  return static_cast<std::size_t>(((bucket + 1) << kSubBucketHalfCountMagnitude) +
                                  (sub - kSubBucketHalfCount));
}

}  // namespace histogram_layout

// A non-empty slot of a Histogram: `value` is its lowest value (every value of the slot records
// into it) and `count` the values it holds. The slots are a histogram's mergeable form: recording
// each value `count` times into an empty Histogram gives the same counts, and adding the counts
// of equal values adds two histograms.
struct HistogramSlot {
  std::int64_t value = 0;
  std::uint64_t count = 0;
  bool operator==(const HistogramSlot&) const = default;
};

class Histogram {
 public:
  static constexpr std::int64_t kLowest = histogram_layout::kLowest;
  static constexpr std::int64_t kHighest = histogram_layout::kHighest;
  static constexpr std::size_t index_of(std::int64_t v) { return histogram_layout::index_of(v); }
  static constexpr std::size_t kSlotCount = histogram_layout::index_of(kHighest) + 1;  // 23,221

  // The lowest and highest value sharing v's slot (v in [0, kHighest]).
  static std::int64_t lowest_equivalent(std::int64_t v);
  static std::int64_t highest_equivalent(std::int64_t v);

  // Records v once or `count` times. v < 1 (zero or negative: a sub-microsecond or clock-skewed
  // measurement) is recorded as 1 and counted in underflow(); v > 1 hour is recorded as 1 hour
  // and counted in overflow(). Every figure below (min, max, mean, percentiles) is over the
  // recorded, clamped values.
  void record(std::int64_t v) { record(v, 1); }
  void record(std::int64_t v, std::uint64_t count);
  // Adds every value of `other`, as if recorded here.
  void merge(const Histogram& other);
  void reset();
  // Replaces the contents with a histogram whose non-empty slots are `slots` (as slots() lists
  // them; a value is taken as the slot holding it) and whose exact minimum and maximum are `min`
  // and `max` (as a summary keeps them, clamped to the slots' range): what a result file holds,
  // back as a histogram that reads and merges like the one that wrote it. underflow() and
  // overflow() are not in the files and read 0.
  void restore(std::span<const HistogramSlot> slots, std::int64_t min, std::int64_t max);

  std::uint64_t count() const { return total_; }
  std::uint64_t underflow() const { return underflow_; }  // recorded as 1, subset of count()
  std::uint64_t overflow() const { return overflow_; }    // recorded as 1 h, subset of count()
  // Exact; 0 when empty.
  std::int64_t min() const { return total_ == 0 ? 0 : min_; }
  std::int64_t max() const { return max_; }
  // Over the slots, each value taken as its slot's middle: exact below 2048 us, else within
  // 0.05%; 0 when empty. Computed from the counts alone, so merge() gives identical figures.
  double mean() const;
  double stddev() const;  // population standard deviation, same convention
  // The value at percentile p in [0, 100] (clamped): the highest value of the slot holding the
  // value of rank percentile_rank(p, count()), limited to [min(), max()]. So p = 0 gives min(),
  // p = 100 gives max(), and any other p is at most 0.0977% above the exact sorted-array value
  // (never below). 0 when empty.
  std::int64_t value_at_percentile(double p) const;
  PercentilesSummary percentiles_summary() const;
  // The non-empty slots, by ascending value.
  std::vector<HistogramSlot> slots() const;

  bool operator==(const Histogram&) const = default;

 private:
  static std::int64_t value_from_index(std::size_t index);

  std::array<std::uint64_t, kSlotCount> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t underflow_ = 0;
  std::uint64_t overflow_ = 0;
  std::int64_t min_ = kHighest;  // meaningful only when total_ > 0
  std::int64_t max_ = 0;
};

// Memory is fixed: 23,221 slots of 8 bytes plus 40 bytes of counters, 185,808 bytes (181.5 KiB).
static_assert(Histogram::kSlotCount == 23'221);
static_assert(sizeof(Histogram) == Histogram::kSlotCount * 8 + 40);

}  // namespace agentwork::load
