#include "harness/result/run_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <string>

namespace agentwork::harness {

using load::Dimension;
using load::MetricValue;
using load::StatKind;

namespace {

MetricValue ok(double v, Dimension d) {
  return {MetricValue::Status::ok, v, d, {}};
}
MetricValue failure(MetricValue::Status status, std::string detail) {
  return {status, 0.0, Dimension::number, std::move(detail)};
}

}  // namespace

std::int64_t percentile(std::vector<std::int64_t> samples, double p) {
  if (samples.empty()) return 0;
  const double rank = std::ceil(std::clamp(p, 0.0, 100.0) / 100.0 * samples.size());
  const std::size_t k = std::clamp<std::size_t>(static_cast<std::size_t>(rank), 1, samples.size());
  std::nth_element(samples.begin(), samples.begin() + (k - 1), samples.end());
  return samples[k - 1];
}

namespace {

// A statistic of latency samples (not empty), in microseconds; nullopt for a statistic latency
// does not have.
std::optional<MetricValue> latency_statistic(StatKind kind, double p,
                                             std::vector<std::int64_t> samples) {
  const auto duration = [](auto us) { return ok(static_cast<double>(us), Dimension::duration); };
  switch (kind) {
    case StatKind::percentile:
      return duration(percentile(std::move(samples), p));
    case StatKind::mean:
      return ok(static_cast<double>(std::accumulate(samples.begin(), samples.end(),
                                                    std::int64_t{0})) /
                    static_cast<double>(samples.size()),
                Dimension::duration);
    case StatKind::max:
      return duration(*std::max_element(samples.begin(), samples.end()));
    case StatKind::min:
      return duration(*std::min_element(samples.begin(), samples.end()));
    default:
      return std::nullopt;
  }
}

}  // namespace

void RunMetrics::record(Endpoint e, std::int64_t duration_us, int attempts, int server_errors) {
  auto& m = endpoints_[static_cast<std::size_t>(e)];
  m.latency_us.push_back(std::max<std::int64_t>(0, duration_us));
  m.attempts += static_cast<std::uint64_t>(std::max(1, attempts));
  m.errors += static_cast<std::uint64_t>(std::max(0, server_errors));
}

MetricValue RunMetrics::value(const load::MetricRef& ref) const {
  if (ref.metric != "latency" && ref.metric != "requests" && ref.metric != "errors") {
    return failure(MetricValue::Status::unknown_metric, ref.metric);
  }
  std::vector<const PerEndpoint*> chosen;
  for (const auto& label : ref.labels) {
    if (label.name != "endpoint") {
      return failure(MetricValue::Status::unknown_label, label.name + " (" + ref.metric +
                                                             " takes endpoint)");
    }
    const auto e = endpoint_from_name(label.value);
    if (!e) return failure(MetricValue::Status::unknown_label, "endpoint=" + label.value);
    chosen.push_back(&endpoints_[static_cast<std::size_t>(*e)]);
  }
  if (chosen.empty()) {
    for (const auto& m : endpoints_) chosen.push_back(&m);
  }
  std::vector<std::int64_t> samples;
  std::uint64_t attempts = 0, errors = 0;
  for (const auto* m : chosen) {
    samples.insert(samples.end(), m->latency_us.begin(), m->latency_us.end());
    attempts += m->attempts;
    errors += m->errors;
  }
  const StatKind kind = ref.statistic.kind;
  const auto bad_statistic = [&] {
    return failure(MetricValue::Status::unknown_statistic,
                   load::to_string(ref).substr(ref.metric.size()));
  };
  if (ref.metric == "requests") {
    if (kind != StatKind::count) return bad_statistic();
    return ok(static_cast<double>(samples.size()), Dimension::number);
  }
  if (ref.metric == "errors") {
    if (kind == StatKind::count) return ok(static_cast<double>(errors), Dimension::number);
    if (kind != StatKind::rate) return bad_statistic();
    if (attempts == 0) return failure(MetricValue::Status::no_data, "no requests");
    return ok(static_cast<double>(errors) / static_cast<double>(attempts), Dimension::ratio);
  }
  if (kind == StatKind::count) return ok(static_cast<double>(samples.size()), Dimension::number);
  if (kind == StatKind::value || kind == StatKind::rate) return bad_statistic();
  if (samples.empty()) return failure(MetricValue::Status::no_data, "nothing recorded");
  if (auto v = latency_statistic(kind, ref.statistic.percentile, std::move(samples))) return *v;
  return bad_statistic();
}

std::vector<EndpointLatency> RunMetrics::summary() const {
  std::vector<EndpointLatency> out;
  for (std::size_t i = 0; i < kEndpointCount; ++i) {
    const auto& samples = endpoints_[i].latency_us;
    if (samples.empty()) continue;
    EndpointLatency l;
    l.endpoint = std::string(to_string(static_cast<Endpoint>(i)));
    l.count = samples.size();
    l.p50_ms = static_cast<double>(percentile(samples, 50)) / 1000.0;
    l.p90_ms = static_cast<double>(percentile(samples, 90)) / 1000.0;
    l.p99_ms = static_cast<double>(percentile(samples, 99)) / 1000.0;
    l.max_ms = static_cast<double>(percentile(samples, 100)) / 1000.0;
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace agentwork::harness
