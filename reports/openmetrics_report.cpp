#include "reports/openmetrics_report.hpp"

#include <cmath>
#include <map>
#include <utility>

#include "reports/load_report.hpp"
#include "reports/text_format.hpp"

namespace agentwork::reports {

using harness::RunResult;
using harness::Severity;
using agentwork::Verdict;
using load::HistogramSlot;
using load::LatencySummary;
using load::LoadResult;

std::string openmetrics_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<std::uint64_t> cumulative_buckets(const std::vector<HistogramSlot>& slots) {
  std::vector<std::uint64_t> out(kOpenMetricsBuckets.size(), 0);
  for (const auto& slot : slots) {
    const auto highest = load::Histogram::highest_equivalent(slot.value);
    for (std::size_t b = 0; b < kOpenMetricsBuckets.size(); ++b) {
      const auto bound_us = std::llround(kOpenMetricsBuckets[b] * 1e6);
      if (highest <= bound_us) out[b] += slot.count;
    }
  }
  return out;
}

namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

// Families in order: each one's metadata, then its samples.
class Writer {
 public:
  // type: counter, gauge, histogram or info; unit: "" or "seconds" (then `name` ends in it).
  void family(std::string_view name, std::string_view type, std::string_view help,
              std::string_view unit = "") {
    out_ += "# TYPE " + std::string(name) + " " + std::string(type) + "\n";
    if (!unit.empty()) out_ += "# UNIT " + std::string(name) + " " + std::string(unit) + "\n";
    out_ += "# HELP " + std::string(name) + " " + std::string(help) + "\n";
  }

  void sample(std::string_view name, const Labels& labels, const std::string& value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      for (std::size_t i = 0; i < labels.size(); ++i) {
        out_ +=
            (i ? "," : "") + labels[i].first + "=\"" + openmetrics_label(labels[i].second) + "\"";
      }
      out_ += '}';
    }
    out_ += " " + value + "\n";
  }
  void sample(std::string_view name, const Labels& labels, std::uint64_t value) {
    sample(name, labels, std::to_string(value));
  }
  void sample_number(std::string_view name, const Labels& labels, double value) {
    sample(name, labels, text::shortest(value));
  }

  // The samples of one histogram (in seconds) from microsecond slots. Without slots (a result
  // file from before they were written) only +Inf, _count and _sum.
  void histogram(std::string_view name, Labels labels, const LatencySummary& summary,
                 const std::vector<HistogramSlot>& slots) {
    const std::string base(name);
    if (!slots.empty()) {
      const auto buckets = cumulative_buckets(slots);
      for (std::size_t b = 0; b < buckets.size(); ++b) {
        Labels with = labels;
        with.emplace_back("le", text::shortest(kOpenMetricsBuckets[b]));
        sample(base + "_bucket", with, buckets[b]);
      }
    }
    Labels inf = labels;
    inf.emplace_back("le", "+Inf");
    sample(base + "_bucket", inf, summary.count);
    sample(base + "_count", labels, summary.count);
    sample_number(base + "_sum", labels, summary.mean * static_cast<double>(summary.count) / 1e6);
  }

  std::string take() { return std::move(out_) + "# EOF\n"; }

 private:
  std::string out_;
};

void run_families(Writer& w, const RunResult& r) {
  w.family("agentwork_run", "info", "What ran: the tool, the target, the profile and the seed.");
  w.sample("agentwork_run_info",
           {{"tool_version", r.tool_version},
            {"target", r.target},
            {"profile", r.profile},
            {"seed", std::to_string(r.seed)},
            {"run_id", r.run_id},
            {"started_at", r.started_at}},
           "1");
  w.family("agentwork_run_duration_seconds", "gauge", "Wall time of the whole run.", "seconds");
  w.sample_number("agentwork_run_duration_seconds", {}, r.duration_ms / 1000.0);
}

// The latency per endpoint as a summary (exact quantiles of the run's requests; quantile 1 is
// the maximum; no _sum: the run keeps no total) and the thresholds as load's are. A result
// without them (older files, no --threshold) has neither family.
void run_figures(Writer& w, const RunResult& r) {
  if (!r.latency.empty()) {
    w.family("agentwork_run_latency_seconds", "summary",
             "Latency by endpoint over the run's requests, from a request's start to its whole "
             "response.",
             "seconds");
  }
  for (const auto& e : r.latency) {
    const std::pair<const char*, double> quantiles[] = {
        {"0.5", e.p50_ms}, {"0.9", e.p90_ms}, {"0.99", e.p99_ms}, {"1", e.max_ms}};
    for (const auto& [q, ms] : quantiles) {
      w.sample_number("agentwork_run_latency_seconds", {{"endpoint", e.endpoint}, {"quantile", q}},
                      ms / 1000.0);
    }
    w.sample("agentwork_run_latency_seconds_count", {{"endpoint", e.endpoint}}, e.count);
  }
  if (r.thresholds.empty()) return;
  w.family("agentwork_run_threshold_passed", "gauge", "1 when the threshold passed, else 0.");
  for (const auto& t : r.thresholds)
    w.sample("agentwork_run_threshold_passed", {{"threshold", t.text}}, t.passed ? "1" : "0");
}

void conformance_families(Writer& w, const RunResult& r) {
  w.family("agentwork_run_exit_code", "gauge", "The exit code of agentwork run.");
  w.sample("agentwork_run_exit_code", {}, std::to_string(harness::exit_code(r)));
  const auto t = r.totals();
  w.family("agentwork_scenarios", "gauge", "Scenarios by verdict.");
  const std::pair<Verdict, std::size_t> by_verdict[] = {{Verdict::passed, t.passed},
                                                        {Verdict::failed, t.failed},
                                                        {Verdict::error, t.errors},
                                                        {Verdict::skipped, t.skipped},
                                                        {Verdict::interrupted, t.interrupted}};
  for (const auto& [verdict, n] : by_verdict)
    w.sample("agentwork_scenarios", {{"verdict", std::string(agentwork::to_string(verdict))}}, n);
  w.family("agentwork_scenario_duration_seconds", "gauge",
           "Wall time of each scenario, labelled with its verdict.", "seconds");
  for (const auto& s : r.scenarios) {
    w.sample_number("agentwork_scenario_duration_seconds",
                    {{"file", s.file},
                     {"scenario", s.name},
                     {"verdict", std::string(agentwork::to_string(s.verdict))}},
                    s.duration_ms / 1000.0);
  }
  w.family("agentwork_findings", "counter", "Findings by severity.");
  w.sample("agentwork_findings_total", {{"severity", "failure"}}, t.failures);
  w.sample("agentwork_findings_total", {{"severity", "observation"}}, t.observations);
  std::map<std::pair<std::string, std::string>, std::uint64_t> by_rule;
  for (const auto& s : r.scenarios) {
    for (const auto& f : s.findings)
      ++by_rule[{f.rule_id, std::string(harness::to_string(f.severity))}];
  }
  w.family("agentwork_rule_findings", "counter", "Findings by rule id and severity.");
  for (const auto& [key, n] : by_rule)
    w.sample("agentwork_rule_findings_total", {{"rule", key.first}, {"severity", key.second}}, n);
  w.family("agentwork_requests", "counter", "API requests sent by the scenarios' steps.");
  w.sample("agentwork_requests_total", {}, t.requests);
  w.family("agentwork_polls", "counter", "Of those requests, the status polls.");
  w.sample("agentwork_polls_total", {}, t.polls);
  w.family("agentwork_tasks_created", "counter", "Tasks the scenarios created.");
  w.sample("agentwork_tasks_created_total", {}, t.tasks);
  w.family("agentwork_run_not_seen", "gauge",
           "Rules the scenarios meant to check but never had the chance to (not passes).");
  w.sample("agentwork_run_not_seen", {}, t.not_seen);
  run_figures(w, r);
}

// What ran and how it ended.
void load_run_families(Writer& w, const LoadResult& l) {
  const auto& s = l.summary;
  w.family("agentwork_load", "info", "The load profile and how the run ended.");
  w.sample("agentwork_load_info",
           {{"profile", l.profile_name},
            {"profile_file", l.profile_file},
            {"executor", l.executor},
            {"client", l.client},
            {"stop_reason", std::string(load::to_string(l.stop_reason))}},
           "1");
  w.family("agentwork_load_exit_code", "gauge", "The exit code of agentwork load.");
  w.sample("agentwork_load_exit_code", {}, std::to_string(load::exit_code(l)));
  w.family("agentwork_load_duration_seconds", "gauge", "Length of the measured phase.", "seconds");
  w.sample_number("agentwork_load_duration_seconds", {}, s.duration_s);
}

std::string endpoint(const load::EndpointSummary& e) {
  return std::string(agentwork::to_string(e.endpoint));
}

// Requests, errors and responses by endpoint.
void load_request_families(Writer& w, const load::LoadSummary& s) {
  w.family("agentwork_load_requests", "counter",
           "Requests by endpoint (transport errors included).");
  for (const auto& e : s.endpoints)
    w.sample("agentwork_load_requests_total", {{"endpoint", endpoint(e)}}, e.requests);
  w.family("agentwork_load_errors", "counter", "Transport errors and 5xx responses by endpoint.");
  for (const auto& e : s.endpoints)
    w.sample("agentwork_load_errors_total", {{"endpoint", endpoint(e)}}, e.errors);
  static constexpr std::string_view kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  w.family("agentwork_load_responses", "counter", "Responses by endpoint and status class.");
  for (const auto& e : s.endpoints) {
    for (std::size_t c = 0; c < e.status_classes.size(); ++c) {
      w.sample("agentwork_load_responses_total",
               {{"endpoint", endpoint(e)}, {"class", std::string(kClasses[c])}},
               e.status_classes[c]);
    }
  }
  w.family("agentwork_load_transport_errors", "counter", "Transport errors by endpoint and class.");
  for (const auto& e : s.endpoints) {
    for (std::size_t c = 0; c < e.transport_errors.size(); ++c) {
      w.sample("agentwork_load_transport_errors_total",
               {{"endpoint", endpoint(e)},
                {"error", std::string(load::error_slot_name(c))}},
               e.transport_errors[c]);
    }
  }
}

// The corrected and uncorrected latency histograms by endpoint.
void load_latency_families(Writer& w, const load::LoadSummary& s) {
  w.family("agentwork_load_latency_seconds", "histogram",
           "Latency by endpoint: corrected from the intended send time, uncorrected from the "
           "actual send.",
           "seconds");
  for (const auto& e : s.endpoints) {
    w.histogram("agentwork_load_latency_seconds",
                {{"endpoint", endpoint(e)}, {"measure", "corrected"}}, e.corrected,
                e.corrected_histogram);
    w.histogram("agentwork_load_latency_seconds",
                {{"endpoint", endpoint(e)}, {"measure", "uncorrected"}}, e.uncorrected,
                e.uncorrected_histogram);
  }
}

// Polls, transitions and tasks.
void load_polling_families(Writer& w, const load::LoadSummary& s) {
  const std::pair<const char*, std::uint64_t> polling[] = {{"polls", s.polls},
                                                           {"wasted_polls", s.wasted_polls},
                                                           {"late_polls", s.late_polls},
                                                           {"dropped_polls", s.dropped_polls},
                                                           {"transitions", s.transitions}};
  const char* const polling_help[] = {"Status polls answered.", "Polls that saw no change.",
                                      "Polls sent late (the harness behind its schedule).",
                                      "Polls skipped to keep the schedule.",
                                      "State changes the clients saw."};
  for (std::size_t i = 0; i < std::size(polling); ++i) {
    const std::string name = std::string("agentwork_load_") + polling[i].first;
    w.family(name, "counter", polling_help[i]);
    w.sample(name + "_total", {}, polling[i].second);
  }
  w.family("agentwork_load_transition_delay_seconds", "histogram",
           "Time a client saw a new state minus its last_activity_at.", "seconds");
  w.histogram("agentwork_load_transition_delay_seconds", {}, s.transition_delay,
              s.transition_delay_histogram);
  w.family("agentwork_load_tasks_created", "counter", "Tasks the run created.");
  w.sample("agentwork_load_tasks_created_total", {}, s.tasks_created);
  w.family("agentwork_load_tasks_ended", "counter", "Tasks that left the run, by outcome.");
  for (std::size_t o = 0; o < s.tasks_ended.size(); ++o) {
    w.sample("agentwork_load_tasks_ended_total",
             {{"outcome", std::string(load::to_string(static_cast<load::TaskOutcome>(o)))}},
             s.tasks_ended[o]);
  }
  w.family("agentwork_load_task_duration_seconds", "histogram", "Tasks from creation to end.",
           "seconds");
  w.histogram("agentwork_load_task_duration_seconds", {}, s.task_duration,
              s.task_duration_histogram);
}

// Thresholds, contract checks and the cleanup.
void load_verdict_families(Writer& w, const LoadResult& l) {
  w.family("agentwork_load_threshold_passed", "gauge", "1 when the threshold passed, else 0.");
  for (const auto& t : l.thresholds) {
    w.sample("agentwork_load_threshold_passed", {{"threshold", threshold_text(t)}},
             t.verdict == agentwork::Verdict::passed ? "1" : "0");
  }
  w.family("agentwork_load_responses_checked", "counter",
           "Responses checked against the contract.");
  w.sample("agentwork_load_responses_checked_total", {}, l.responses_checked);
  w.family("agentwork_load_check_failures", "counter", "Responses that broke a contract rule.");
  for (const auto& f : l.check_failures)
    w.sample("agentwork_load_check_failures_total", {{"rule", f.rule_id}}, f.count);
  w.family("agentwork_load_cleanup_tasks", "counter",
           "Tasks of the run cancelled on the way out, or left after a failed cancel.");
  w.sample("agentwork_load_cleanup_tasks_total", {{"result", "cancelled"}}, l.cleanup.cancelled);
  w.sample("agentwork_load_cleanup_tasks_total", {{"result", "failed"}}, l.cleanup.failed);
}

void load_families(Writer& w, const LoadResult& l) {
  load_run_families(w, l);
  load_request_families(w, l.summary);
  load_latency_families(w, l.summary);
  load_polling_families(w, l.summary);
  load_verdict_families(w, l);
}

}  // namespace

std::string render_openmetrics(const RunResult& run, const LoadResult* load) {
  Writer w;
  run_families(w, run);
  if (load != nullptr) {
    load_families(w, *load);
  } else {
    conformance_families(w, run);
  }
  return w.take();
}

}  // namespace agentwork::reports
