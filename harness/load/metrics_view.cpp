// The thresholds' view over a load run's merged metrics (LoadMetricsView, metrics.hpp): each
// metric name of docs/load-profile.md "Metrics" read from WorkerMetrics with its labels and
// statistic checked. Durations are microseconds (Dimension::duration), rates per second of the
// measured phase, ratios in [0, 1].
#include <memory>
#include <string>
#include <utility>

#include "harness/load/metrics.hpp"

namespace agentwork::load {

namespace {

double ratio(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

MetricValue ok(double v, Dimension d) {
  return {MetricValue::Status::ok, v, d, {}};
}
MetricValue failure(MetricValue::Status status, std::string detail) {
  return {status, 0.0, Dimension::number, std::move(detail)};
}
MetricValue no_data(std::string why) {
  return failure(MetricValue::Status::no_data, std::move(why));
}

std::string statistic_name(const Statistic& s) {
  switch (s.kind) {
    case StatKind::value:
      return "(none)";
    case StatKind::percentile: {
      MetricRef r;
      r.statistic = s;
      return to_string(r).substr(1);
    }
    case StatKind::mean:
      return "mean";
    case StatKind::max:
      return "max";
    case StatKind::min:
      return "min";
    case StatKind::count:
      return "count";
    case StatKind::rate:
      return "rate";
  }
  return "?";
}

MetricValue bad_statistic(const Statistic& s) {
  return failure(MetricValue::Status::unknown_statistic, statistic_name(s));
}

// The value of the one label `allowed` (nullopt: not given); an error for any other label.
struct LabelLookup {
  std::optional<std::string> value;
  std::optional<MetricValue> error;
};
LabelLookup label_of(const MetricRef& ref, std::string_view allowed) {
  LabelLookup out;
  for (const Label& l : ref.labels) {
    if (l.name != allowed) {
      out.error = failure(
          MetricValue::Status::unknown_label,
          l.name + " (" + ref.metric +
              (allowed.empty() ? " takes no labels)" : " takes " + std::string(allowed) + ")"));
      return out;
    }
    out.value = l.value;
  }
  return out;
}

MetricValue histogram_value(const Histogram& h, const Statistic& s) {
  if (s.kind == StatKind::count) return ok(static_cast<double>(h.count()), Dimension::number);
  if (s.kind == StatKind::value || s.kind == StatKind::rate) return bad_statistic(s);
  if (h.count() == 0) return no_data("nothing recorded");
  switch (s.kind) {
    case StatKind::percentile:
      return ok(static_cast<double>(h.value_at_percentile(s.percentile)), Dimension::duration);
    case StatKind::mean:
      return ok(h.mean(), Dimension::duration);
    case StatKind::max:
      return ok(static_cast<double>(h.max()), Dimension::duration);
    case StatKind::min:
      return ok(static_cast<double>(h.min()), Dimension::duration);
    default:
      return bad_statistic(s);
  }
}

MetricValue count_value(std::uint64_t n, const Statistic& s) {
  if (s.kind != StatKind::count) return bad_statistic(s);
  return ok(static_cast<double>(n), Dimension::number);
}

// For metrics taking an optional endpoint label: the endpoints it selects (all without it).
struct EndpointSelection {
  std::vector<Endpoint> endpoints;
  std::optional<MetricValue> error;
};
EndpointSelection select_endpoints(const MetricRef& ref) {
  EndpointSelection out;
  LabelLookup label = label_of(ref, "endpoint");
  if (label.error) {
    out.error = std::move(label.error);
  } else if (label.value) {
    if (auto e = endpoint_from_name(*label.value)) {
      out.endpoints.push_back(*e);
    } else {
      out.error = failure(MetricValue::Status::unknown_label, "endpoint=" + *label.value);
    }
  } else {
    for (std::size_t i = 0; i < kEndpointCount; ++i)
      out.endpoints.push_back(static_cast<Endpoint>(i));
  }
  return out;
}

// latency and latency_uncorrected: one endpoint's histogram, or all endpoints merged.
MetricValue latency_value(const WorkerMetrics& m, const MetricRef& ref) {
  EndpointSelection sel = select_endpoints(ref);
  if (sel.error) return *sel.error;
  const bool corrected = ref.metric == "latency";
  const auto of = [&](Endpoint e) -> const Histogram& {
    return corrected ? m.latency(e) : m.latency_uncorrected(e);
  };
  if (sel.endpoints.size() == 1) return histogram_value(of(sel.endpoints[0]), ref.statistic);
  auto all = std::make_unique<Histogram>();  // all endpoints: a temporary merge, on the heap
  for (Endpoint e : sel.endpoints) all->merge(of(e));
  return histogram_value(*all, ref.statistic);
}

// errors and requests: a count, or a rate (errors per request; requests per second).
MetricValue request_value(const WorkerMetrics& m, std::int64_t duration_us, const MetricRef& ref) {
  EndpointSelection sel = select_endpoints(ref);
  if (sel.error) return *sel.error;
  const Statistic& s = ref.statistic;
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  for (Endpoint e : sel.endpoints) {
    requests += m.requests(e);
    errors += m.errors(e);
  }
  const bool of_errors = ref.metric == "errors";
  if (s.kind == StatKind::count) {
    return ok(static_cast<double>(of_errors ? errors : requests), Dimension::number);
  }
  if (s.kind != StatKind::rate) return bad_statistic(s);
  if (of_errors) {
    if (requests == 0) return no_data("no requests");
    return ok(ratio(errors, requests), Dimension::ratio);
  }
  if (duration_us <= 0) return no_data("the run has no duration");
  return ok(static_cast<double>(requests) * 1e6 / static_cast<double>(duration_us),
            Dimension::number);
}

// polls_per_task: the tasks ended (count), or the polls per ended task (mean, max, min).
MetricValue polls_per_task_value(const WorkerMetrics& m, const Statistic& s) {
  const std::uint64_t tasks = m.tasks_ended();
  if (s.kind == StatKind::count) return ok(static_cast<double>(tasks), Dimension::number);
  if (s.kind != StatKind::mean && s.kind != StatKind::max && s.kind != StatKind::min) {
    return bad_statistic(s);
  }
  if (tasks == 0) return no_data("no task ended");
  if (s.kind == StatKind::mean) return ok(ratio(m.polls_per_task_sum(), tasks), Dimension::number);
  return ok(static_cast<double>(s.kind == StatKind::max ? m.polls_per_task_max()
                                                        : m.polls_per_task_min()),
            Dimension::number);
}

// polls_per_transition (mean or plain) and wasted_polls (count, or rate: a share of the polls).
MetricValue poll_value(const WorkerMetrics& m, const MetricRef& ref) {
  const Statistic& s = ref.statistic;
  if (ref.metric == "polls_per_transition") {
    if (s.kind != StatKind::mean && s.kind != StatKind::value) return bad_statistic(s);
    if (m.transitions() == 0) return no_data("no transition observed");
    return ok(ratio(m.polls(), m.transitions()), Dimension::number);
  }
  if (s.kind == StatKind::count)
    return ok(static_cast<double>(m.wasted_polls()), Dimension::number);
  if (s.kind != StatKind::rate) return bad_statistic(s);
  if (m.polls() == 0) return no_data("no polls");
  return ok(ratio(m.wasted_polls(), m.polls()), Dimension::ratio);
}

// The plain counters without labels; nullopt for another name.
std::optional<std::uint64_t> counter(const WorkerMetrics& m, const std::string& name) {
  if (name == "late_polls") return m.late_polls();
  if (name == "dropped_polls") return m.dropped_polls();
  if (name == "polls") return m.polls();
  if (name == "transitions") return m.transitions();
  if (name == "negative_transition_delays") return m.negative_transition_delays();
  return std::nullopt;
}

// tasks: ended (all or by outcome=...), or created (outcome=created).
MetricValue tasks_value(const WorkerMetrics& m, const MetricRef& ref) {
  LabelLookup label = label_of(ref, "outcome");
  if (label.error) return *label.error;
  if (!label.value) return count_value(m.tasks_ended(), ref.statistic);
  if (*label.value == "created") return count_value(m.tasks_created(), ref.statistic);
  const auto outcome = task_outcome_from_name(*label.value);
  if (!outcome) return failure(MetricValue::Status::unknown_label, "outcome=" + *label.value);
  return count_value(m.tasks_ended(*outcome), ref.statistic);
}

// The metrics that take no label.
MetricValue unlabelled_value(const WorkerMetrics& m, const MetricRef& ref) {
  LabelLookup label = label_of(ref, "");
  if (label.error) return *label.error;
  const std::string& name = ref.metric;
  if (name == "transition_delay") return histogram_value(m.transition_delay(), ref.statistic);
  if (name == "task_duration") return histogram_value(m.task_duration(), ref.statistic);
  if (name == "polls_per_task") return polls_per_task_value(m, ref.statistic);
  if (name == "polls_per_transition" || name == "wasted_polls") return poll_value(m, ref);
  return count_value(*counter(m, name), ref.statistic);
}

bool takes_no_label(const WorkerMetrics& m, const std::string& name) {
  return name == "transition_delay" || name == "task_duration" || name == "polls_per_task" ||
         name == "polls_per_transition" || name == "wasted_polls" || counter(m, name).has_value();
}

}  // namespace

MetricValue LoadMetricsView::value(const MetricRef& ref) const {
  const std::string& name = ref.metric;
  if (name == "latency" || name == "latency_uncorrected") return latency_value(metrics_, ref);
  if (name == "errors" || name == "requests") return request_value(metrics_, duration_us_, ref);
  if (takes_no_label(metrics_, name)) return unlabelled_value(metrics_, ref);
  if (name == "tasks") return tasks_value(metrics_, ref);
  return failure(MetricValue::Status::unknown_metric, name);
}

}  // namespace agentwork::load
