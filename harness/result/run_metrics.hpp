// The figures of a conformance run (`agentwork run`) that thresholds judge and reports show: the
// latency of every request per endpoint, and the requests and server errors behind them. Small
// runs (thousands of requests), so latencies are kept as exact samples: percentiles are exact
// (nearest rank). Pure: durations are passed in; single-threaded (one run's io_context).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "harness/checks/contract_checks.hpp"
#include "harness/result/thresholds.hpp"
#include "harness/result/run_result.hpp"

namespace agentwork::harness {

class RunMetrics final : public load::MetricsView {
 public:
  // One exchange: `duration_us` from its start to its whole response (retries included);
  // `server_errors` its attempts that got a 5xx or failed on the wire (retried ones included).
  void record(Endpoint e, std::int64_t duration_us, int attempts, int server_errors);

  // Thresholds' names: latency{endpoint=...}.p50|mean|max|min|count (microseconds),
  // requests{endpoint=...}.count, errors{endpoint=...}.count|rate (errors per attempt).
  load::MetricValue value(const load::MetricRef& ref) const override;

  // Per endpoint that was called, in Endpoint order.
  std::vector<EndpointLatency> summary() const;

 private:
  struct PerEndpoint {
    std::vector<std::int64_t> latency_us;  // one per exchange
    std::uint64_t attempts = 0;            // requests sent: retries included, >= exchanges
    std::uint64_t errors = 0;              // attempts with a 5xx or a transport failure
  };
  std::array<PerEndpoint, kEndpointCount> endpoints_;
};

// Nearest-rank percentile (0 < p <= 100) of `samples` (need not be sorted; 0 when empty).
std::int64_t percentile(std::vector<std::int64_t> samples, double p);

}  // namespace agentwork::harness
