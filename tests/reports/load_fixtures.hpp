// LoadResults shared by the report tests: one with a non-default value in every field, and one
// that passed.
#pragma once

#include <cstddef>
#include <optional>

#include "harness/load/load_result.hpp"

namespace agentwork::reports::fixtures {

using load::EndpointSummary;
using load::LoadResult;
using load::StopReason;

// A run with a non-default value in every field: two endpoints, a passed, a failed and an
// unanswerable threshold, a contract failure with evidence, a cleanup that left two tasks.
inline LoadResult full_result() {
  LoadResult r;
  r.profile_name = "smoke";
  r.profile_file = "profiles/smoke.json";
  r.executor = "open, 5 tasks/s";
  r.client = "policy";
  r.workers = 4;
  r.poll_interval_s = 0.5;
  r.rate_cap = 200;
  r.warmup_s = 10;
  r.stop_reason = StopReason::duration_elapsed;
  r.stop_detail = "60 s measured";

  auto& s = r.summary;
  s.duration_s = 60;
  EndpointSummary status;
  status.endpoint = Endpoint::task_status;
  status.requests = 10995;
  status.requests_per_s = 10995 / 60.0;
  status.errors = 11;
  status.error_rate = 11 / 10995.0;
  status.status_classes = {0, 10975, 0, 9, 6};
  status.transport_errors[load::error_slot(ErrorClass::timeout)] = 5;
  status.corrected = {10990, 2345.6, 42, 1234, 4567, 45600, 123456, 1234567};
  status.uncorrected = {10990, 1000.25, 40, 1100, 3000, 9870, 20000, 500000};
  status.corrected_histogram = {{42, 10}, {1234, 9000}, {1900, 1980}};
  status.uncorrected_histogram = {{40, 10990}};
  EndpointSummary create;
  create.endpoint = Endpoint::create_task;
  create.requests = 300;
  create.requests_per_s = 5;
  create.status_classes = {0, 300, 0, 0, 0};
  create.corrected = {300, 15000.5, 8000, 12000, 20000, 31000, 32000, 32000};
  create.uncorrected = {300, 14000, 7900, 11900, 19000, 30000, 31900, 31900};
  create.corrected_histogram = {{8000, 300}};
  create.uncorrected_histogram = {{7900, 300}};
  s.endpoints = {status, create};
  s.requests = 11295;
  s.requests_per_s = 11295 / 60.0;
  s.errors = 11;
  s.error_rate = 11 / 11295.0;
  s.status_classes = {0, 11275, 0, 9, 6};
  s.transport_errors = status.transport_errors;
  s.polls = 10995;
  s.wasted_polls = 9000;
  s.wasted_poll_share = 9000 / 10995.0;
  s.late_polls = 3;
  s.dropped_polls = 1;
  s.transitions = 1995;
  s.polls_per_transition = 10995 / 1995.0;
  s.transition_delay = {1993, 250000.5, 1000, 200000, 400000, 900000, 1500000, 2000000};
  s.transition_delay_histogram = {{1000, 1993}};
  s.negative_transition_delays = 2;
  s.tasks_created = 300;
  s.tasks_ended = {280, 10, 4, 6};
  s.polls_per_task_mean = 36.65;
  s.polls_per_task_sum = 10262;
  s.polls_per_task_min = 2;
  s.polls_per_task_max = 120;
  s.task_duration = {300, 18000000.25, 5000000, 17000000, 25000000, 29000000, 30000000, 30000000};
  s.task_duration_histogram = {{4997120, 300}};
  s.rate_series = {180, 190, 188, 0, 187};
  s.rate_slot_width_s = 2;
  s.error_series = {1, 0, 6, 0, 4};
  s.latency_series = {{1152, 4608, 46080}, {1152, 4608, 40960}, {1280, 5120, 81920}, {0, 0, 0},
                      {1152, 4608, 45056}};
  // The slots' buckets (their mergeable form): one value per slot, at bucket 4k + j.
  s.latency_buckets.resize(s.latency_series.size());
  for (std::size_t i = 0; i < s.latency_buckets.size(); ++i) {
    if (s.latency_series[i].p50 > 0) s.latency_buckets[i].add_count(40 + i, 180);
  }

  r.thresholds = {
      {agentwork::Verdict::passed, 45600.0, "latency{endpoint=status}.p99 < 200ms: 45.6ms ✓"},
      {agentwork::Verdict::failed, 11 / 11295.0, "errors.rate < 0.05%: 0.097% ✗"},
      {agentwork::Verdict::error, std::nullopt,
       "latency{endpoint=cancel}.p99 < 1s: error: no data for latency{endpoint=cancel}.p99"},
  };
  r.responses_checked = 11295;
  r.check_failures = {{"G.status.enum",
                       3,
                       "got \"done\"",
                       {"GET", "/api/v1/tasks/abc", 200, "{\"status\":\"done\"}", "", 3.5}}};
  r.arrivals = 1234;
  r.reused_verdicts = 77;
  r.dropped_arrivals = 7;
  r.connections_opened = 16;
  r.retry_after_pauses = 1;
  r.rate_capped_waits = 42;
  r.cleanup = {12, 2, {"t-1", "t-2"}};
  return r;
}

// A run that passed: one endpoint, one passed threshold, nothing broken, nothing left.
inline LoadResult passed_result() {
  LoadResult r = full_result();
  r.thresholds.resize(1);
  r.check_failures.clear();
  r.cleanup = {12, 0, {}};
  return r;
}

}  // namespace agentwork::reports::fixtures
