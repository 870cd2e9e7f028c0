// The final figures of a run as OpenMetrics text (application/openmetrics-text 1.0.0, which
// Prometheus scrapes and a Pushgateway or a textfile collector accepts): the run and its scenarios
// by verdict, findings by rule, rules not seen, the latency per endpoint (a summary of exact
// quantiles) and thresholds; for a load run its requests, errors and latency histograms per
// endpoint, polling, tasks, thresholds and contract failures. Histograms have cumulative buckets
// ending in +Inf, then _count and _sum, in seconds. Pure; the families are listed in
// docs/reports.md.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "harness/load/histogram.hpp"
#include "harness/load/load_result.hpp"
#include "harness/result/run_result.hpp"

namespace agentwork::reports {

std::string render_openmetrics(const harness::RunResult& run, const load::LoadResult* load);

// The bucket bounds of every exported histogram, in seconds (1 ms to 1 h).
inline constexpr std::array<double, 18> kOpenMetricsBuckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600};

// The cumulative count of each bucket bound from a histogram's slots: a slot counts under the
// first bound at or above its highest value, so a bound that cuts a slot (never below 2.048 ms;
// slots are at most 0.1% of their value wide) leaves that slot's values to the next bound.
std::vector<std::uint64_t> cumulative_buckets(const std::vector<load::HistogramSlot>& slots);

// A label value escaped for the text format: backslash, double quote and newline.
std::string openmetrics_label(std::string_view value);

}  // namespace agentwork::reports
