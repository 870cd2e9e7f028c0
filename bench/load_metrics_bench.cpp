// Micro-benchmarks of the load-mode metrics: what a worker pays per response (record, the rate
// cap) and what the report pays at the end (merge, percentiles). The machine is shared: compare
// figures within one run.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "harness/load/histogram.hpp"
#include "harness/result/thresholds.hpp"
#include "harness/load/token_bucket.hpp"

namespace {

using agentwork::load::Histogram;
using agentwork::load::TokenBucket;

// Log-uniform latencies from 1 us to 1 h; a power-of-two count to index with a mask.
std::vector<std::int64_t> latencies(std::size_t n) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> exponent(0.0, std::log(3.6e9));
  std::vector<std::int64_t> values(n);
  for (auto& v : values) v = std::llround(std::exp(exponent(rng)));
  return values;
}

std::unique_ptr<Histogram> filled(std::size_t n) {
  auto h = std::make_unique<Histogram>();
  for (std::int64_t v : latencies(n)) h->record(v);
  return h;
}

void BM_HistogramRecord(benchmark::State& state) {
  const std::vector<std::int64_t> values = latencies(4096);
  auto h = std::make_unique<Histogram>();
  std::size_t i = 0;
  for (auto _ : state) {
    h->record(values[i++ & 4095]);
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(h->count());
}
BENCHMARK(BM_HistogramRecord);

void BM_HistogramMerge(benchmark::State& state) {
  auto a = filled(100'000);
  auto b = filled(100'000);
  for (auto _ : state) {
    a->merge(*b);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_HistogramMerge);

void BM_HistogramValueAtPercentile(benchmark::State& state) {
  auto h = filled(100'000);
  for (auto _ : state) benchmark::DoNotOptimize(h->value_at_percentile(99.9));
}
BENCHMARK(BM_HistogramValueAtPercentile);

void BM_HistogramPercentilesSummary(benchmark::State& state) {
  auto h = filled(100'000);
  for (auto _ : state) benchmark::DoNotOptimize(h->percentiles_summary());
}
BENCHMARK(BM_HistogramPercentilesSummary);

// One request under the cap at 10,000/s, each request arriving when its token is due.
void BM_TokenBucketTake(benchmark::State& state) {
  TokenBucket bucket(10'000, 100, TokenBucket::Nanos(0));
  TokenBucket::Nanos t(0);
  for (auto _ : state) {
    t = bucket.next_available(t);
    benchmark::DoNotOptimize(bucket.try_take(t));
  }
}
BENCHMARK(BM_TokenBucketTake);

void BM_ThresholdParse(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        agentwork::load::parse_threshold("latency{endpoint=status}.p99.9 < 200ms"));
  }
}
BENCHMARK(BM_ThresholdParse);

}  // namespace

BENCHMARK_MAIN();
