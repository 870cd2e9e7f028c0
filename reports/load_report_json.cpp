// The "load" object of the run result JSON (docs/run-result.md, "The load object"): writing
// it and reading it back.
#include "reports/load_report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

#include "reports/json_reader.hpp"
#include "reports/json_report.hpp"

namespace agentwork::reports {
namespace {

using load::CheckFailure;
using load::CleanupFigures;
using load::EndpointSummary;
using load::HistogramSlot;
using load::LatencySummary;
using load::LoadResult;
using load::LoadSummary;
using load::StopReason;
using load::TaskOutcome;
using load::ThresholdResult;
using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Names of the enums, as the JSON writes them.

constexpr std::array<std::string_view, 5> kStatusClassNames = {"1xx", "2xx", "3xx", "4xx", "5xx"};

std::string_view name_of(Endpoint e) {
  return agentwork::to_string(e);
}
std::string_view name_of(TaskOutcome o) {
  return load::to_string(o);
}
std::string_view name_of(StopReason r) {
  return load::to_string(r);
}
std::string_view name_of(Verdict v) {
  return to_string(v);
}

// Every value of an enum whose values are 0 .. N-1.
template <typename Enum, std::size_t N>
constexpr std::array<Enum, N> all_values() {
  std::array<Enum, N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = static_cast<Enum>(i);
  return out;
}
constexpr auto kEndpoints = load::kFigureOrder;
constexpr auto kTaskOutcomes = all_values<TaskOutcome, load::kTaskOutcomeCount>();
constexpr std::array kStopReasons = {StopReason::duration_elapsed, StopReason::iterations_done,
                                     StopReason::max_tasks,        StopReason::interrupted,
                                     StopReason::circuit_breaker,  StopReason::threshold_failed};
constexpr std::array kVerdicts = {Verdict::passed, Verdict::failed,
                                  Verdict::error};

// ---------------------------------------------------------------------------------------------
// Writing the "load" object.

// The summary, and the histogram's non-empty slots as [[value_us, count], ...]. A summary read
// from a file without a histogram (written before there was one) is written without one too: an
// empty histogram under a count would not read again (found by fuzz_result_files).
json latency_json(const LatencySummary& l, const std::vector<HistogramSlot>& slots) {
  json out = {{"count", l.count},    {"mean_us", l.mean}, {"min_us", l.min},
              {"p50_us", l.p50},     {"p90_us", l.p90},   {"p99_us", l.p99},
              {"p99_9_us", l.p99_9}, {"max_us", l.max}};
  if (slots.empty() && l.count > 0) return out;
  json histogram = json::array();
  for (const auto& s : slots) histogram.push_back({s.value, s.count});
  out["histogram"] = std::move(histogram);
  return out;
}

// {"<name>": count, ...} over every value of the enum (zeros included).
template <typename Enum, std::size_t N>
json counts_json(const std::array<Enum, N>& values, const std::array<std::uint64_t, N>& counts) {
  json o = json::object();
  for (std::size_t i = 0; i < N; ++i) o[std::string(name_of(values[i]))] = counts[i];
  return o;
}

// {"dns": count, ..., "other": count}: every slot of load::error_slot.
json transport_errors_json(const std::array<std::uint64_t, load::kErrorSlots>& counts) {
  json o = json::object();
  for (std::size_t i = 0; i < counts.size(); ++i) o[std::string(load::error_slot_name(i))] = counts[i];
  return o;
}

json status_classes_json(const std::array<std::uint64_t, 5>& counts) {
  json o = json::object();
  for (std::size_t i = 0; i < counts.size(); ++i) o[std::string(kStatusClassNames[i])] = counts[i];
  return o;
}

json endpoint_json(const EndpointSummary& e) {
  return {{"endpoint", name_of(e.endpoint)},
          {"requests", e.requests},
          {"requests_per_s", e.requests_per_s},
          {"errors", e.errors},
          {"error_rate", e.error_rate},
          {"status_classes", status_classes_json(e.status_classes)},
          {"transport_errors", transport_errors_json(e.transport_errors)},
          {"latency", latency_json(e.corrected, e.corrected_histogram)},
          {"latency_uncorrected", latency_json(e.uncorrected, e.uncorrected_histogram)}};
}

json latency_series_json(const std::vector<LoadSummary::LatencyPoint>& points) {
  json out = json::array();
  for (const auto& p : points) out.push_back({p.p50, p.p90, p.p99});
  return out;
}

// Each slot's non-empty latency buckets as [[bucket, count], ...].
json latency_buckets_json(const std::vector<load::SlotLatency>& slots) {
  json out = json::array();
  for (const auto& slot : slots) {
    json buckets = json::array();
    for (std::size_t b = 0; b < load::SlotLatency::kBuckets; ++b) {
      if (slot.count_at(b) > 0) buckets.push_back({b, slot.count_at(b)});
    }
    out.push_back(std::move(buckets));
  }
  return out;
}

json summary_json(const LoadSummary& s) {
  json endpoints = json::array();
  for (const auto& e : s.endpoints) endpoints.push_back(endpoint_json(e));
  return {{"duration_s", s.duration_s},
          {"requests", s.requests},
          {"requests_per_s", s.requests_per_s},
          {"errors", s.errors},
          {"error_rate", s.error_rate},
          {"status_classes", status_classes_json(s.status_classes)},
          {"transport_errors", transport_errors_json(s.transport_errors)},
          {"endpoints", std::move(endpoints)},
          {"polls", s.polls},
          {"wasted_polls", s.wasted_polls},
          {"wasted_poll_share", s.wasted_poll_share},
          {"late_polls", s.late_polls},
          {"dropped_polls", s.dropped_polls},
          {"transitions", s.transitions},
          {"polls_per_transition", s.polls_per_transition},
          {"transition_delay", latency_json(s.transition_delay, s.transition_delay_histogram)},
          {"negative_transition_delays", s.negative_transition_delays},
          {"tasks_created", s.tasks_created},
          {"tasks_ended", counts_json(kTaskOutcomes, s.tasks_ended)},
          {"polls_per_task_mean", s.polls_per_task_mean},
          {"polls_per_task_sum", s.polls_per_task_sum},
          {"polls_per_task_min", s.polls_per_task_min},
          {"polls_per_task_max", s.polls_per_task_max},
          {"task_duration", latency_json(s.task_duration, s.task_duration_histogram)},
          {"rate_series", s.rate_series},
          {"rate_slot_width_s", s.rate_slot_width_s},
          {"error_series", s.error_series},
          {"latency_series", latency_series_json(s.latency_series)},
          {"latency_buckets", latency_buckets_json(s.latency_buckets)}};
}

json shard_json(const load::ShardInfo& s) {
  return {{"index", s.shard.index},
          {"count", s.shard.count},
          {"run_id", s.run_id},
          {"profile", s.profile},
          {"overrides", s.overrides},
          {"thresholds", s.thresholds},
          {"rate_cap", s.rate_cap ? json(*s.rate_cap) : json(nullptr)},
          {"executor", s.executor}};
}

json merged_shards_json(const std::vector<load::ShardOutcome>& shards) {
  json out = json::array();
  for (const auto& s : shards) {
    out.push_back({{"index", s.index},
                   {"stop_reason", name_of(s.stop_reason)},
                   {"stop_detail", s.stop_detail},
                   {"requests", s.requests},
                   {"duration_s", s.duration_s},
                   {"exit_code", s.exit_code}});
  }
  return out;
}

json check_failure_json(const CheckFailure& f) {
  const harness::Evidence& e = f.evidence;
  return {{"rule_id", f.rule_id},
          {"count", f.count},
          {"detail", f.detail},
          {"evidence",
           {{"method", e.method},
            {"path", e.path},
            {"status", e.status},
            {"body_excerpt", e.body_excerpt},
            {"error", e.error},
            {"duration_ms", e.duration_ms}}}};
}

json threshold_json(const ThresholdResult& t) {
  return {{"verdict", name_of(t.verdict)},
          {"observed", t.observed ? json(*t.observed) : json(nullptr)},
          {"line", t.line}};
}

json cleanup_json(const CleanupFigures& c) {
  return {{"cancelled", c.cancelled}, {"failed", c.failed}, {"left_task_ids", c.left_task_ids}};
}

// ---------------------------------------------------------------------------------------------
// Reading it back (reports/json_reader.hpp).

using Reader = JsonReader;
constexpr auto kNameOf = [](auto v) { return name_of(v); };

// The latency at `key`, and its histogram when the file has one (files written before it was
// added have none): ascending values in the histogram's range whose counts add up to `count`.
void read_latency(Reader& in, const json& o, const std::string& path, const char* key,
                  LatencySummary& l, std::vector<HistogramSlot>& slots) {
  const json* v = in.object(o, path, key);
  if (v == nullptr) return;
  const std::string p = path + "." + key;
  slots.clear();
  if (v->contains("histogram")) {
    const json* h = in.array(*v, p, "histogram");
    if (h == nullptr) return;
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < h->size(); ++i) {
      const json& pair = (*h)[i];
      const std::string at = Reader::index_path(p, "histogram", i);
      // Parsed non-negative integers are unsigned; ones built in code may be signed.
      const auto natural = [](const json& v) {
        return v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0);
      };
      const bool shape = pair.is_array() && pair.size() == 2 && pair[0].is_number_integer() &&
                         natural(pair[1]);
      if (!shape) {
        in.fail(at, "expected [value_us, count], integers >= 0");
        return;
      }
      const auto value = pair[0].get<std::int64_t>();
      if (value < 0 || value > load::Histogram::kHighest ||
          (!slots.empty() && value <= slots.back().value)) {
        in.fail(at, "expected values ascending from 0 to 3600000000");
        return;
      }
      slots.push_back({value, pair[1].get<std::uint64_t>()});
      total += slots.back().count;
    }
    in.get(*v, p, "count", l.count);
    if (in.ok() && total != l.count)
      in.fail(p + ".histogram", "its counts add up to " + std::to_string(total) + ", not count " +
                                    std::to_string(l.count));
  }
  in.get(*v, p, "count", l.count);
  in.get(*v, p, "mean_us", l.mean);
  in.get(*v, p, "min_us", l.min);
  in.get(*v, p, "p50_us", l.p50);
  in.get(*v, p, "p90_us", l.p90);
  in.get(*v, p, "p99_us", l.p99);
  in.get(*v, p, "p99_9_us", l.p99_9);
  in.get(*v, p, "max_us", l.max);
}

void read_status_classes(Reader& in, const json& o, const std::string& path,
                         std::array<std::uint64_t, 5>& out) {
  in.get_counts(
      o, path, "status_classes", [](std::size_t i) { return kStatusClassNames[i]; }, out);
}

void read_transport_errors(Reader& in, const json& o, const std::string& path,
                           std::array<std::uint64_t, load::kErrorSlots>& out) {
  in.get_counts(
      o, path, "transport_errors", load::error_slot_name, out);
}

EndpointSummary read_endpoint(Reader& in, const json& o, const std::string& path) {
  EndpointSummary e;
  in.get_enum(o, path, "endpoint", kEndpoints, kNameOf, e.endpoint);
  in.get(o, path, "requests", e.requests);
  in.get(o, path, "requests_per_s", e.requests_per_s);
  in.get(o, path, "errors", e.errors);
  in.get(o, path, "error_rate", e.error_rate);
  read_status_classes(in, o, path, e.status_classes);
  read_transport_errors(in, o, path, e.transport_errors);
  read_latency(in, o, path, "latency", e.corrected, e.corrected_histogram);
  read_latency(in, o, path, "latency_uncorrected", e.uncorrected, e.uncorrected_histogram);
  return e;
}

// [[[bucket, count], ...], ...]: one array per slot of latency_series, buckets ascending.
void read_latency_buckets(Reader& in, const json& o, const std::string& path, LoadSummary& s) {
  const json* a = in.array(o, path, "latency_buckets");
  if (a == nullptr) return;
  for (std::size_t i = 0; i < a->size(); ++i) {
    const json& slot = (*a)[i];
    const std::string at = Reader::index_path(path, "latency_buckets", i);
    if (!slot.is_array()) {
      in.fail(at, "expected an array of [bucket, count]");
      return;
    }
    load::SlotLatency latency;
    for (std::size_t k = 0; k < slot.size(); ++k) {
      const json& pair = slot[k];
      const bool shape = pair.is_array() && pair.size() == 2 && pair[0].is_number_unsigned() &&
                         pair[1].is_number_unsigned() &&
                         pair[0].get<std::uint64_t>() < load::SlotLatency::kBuckets &&
                         pair[1].get<std::uint64_t>() <= std::numeric_limits<std::uint32_t>::max();
      if (!shape) {
        in.fail(at + "[" + std::to_string(k) + "]",
                "expected [bucket, count]: a bucket from 0 to " +
                    std::to_string(load::SlotLatency::kBuckets - 1) + " and a count >= 0");
        return;
      }
      latency.add_count(pair[0].get<std::size_t>(), pair[1].get<std::uint32_t>());
    }
    s.latency_buckets.push_back(latency);
  }
  if (s.latency_buckets.size() != s.latency_series.size()) {
    in.fail(path + ".latency_buckets", "expected " + std::to_string(s.latency_series.size()) +
                                           " slots, as latency_series; got " +
                                           std::to_string(s.latency_buckets.size()));
  }
}

LoadSummary read_summary(Reader& in, const json& o, const std::string& path) {
  LoadSummary s;
  in.get(o, path, "duration_s", s.duration_s);
  in.get(o, path, "requests", s.requests);
  in.get(o, path, "requests_per_s", s.requests_per_s);
  in.get(o, path, "errors", s.errors);
  in.get(o, path, "error_rate", s.error_rate);
  read_status_classes(in, o, path, s.status_classes);
  read_transport_errors(in, o, path, s.transport_errors);
  if (const json* endpoints = in.array(o, path, "endpoints")) {
    for (std::size_t i = 0; i < endpoints->size() && in.ok(); ++i)
      s.endpoints.push_back(
          read_endpoint(in, (*endpoints)[i], Reader::index_path(path, "endpoints", i)));
  }
  in.get(o, path, "polls", s.polls);
  in.get(o, path, "wasted_polls", s.wasted_polls);
  in.get(o, path, "wasted_poll_share", s.wasted_poll_share);
  in.get(o, path, "late_polls", s.late_polls);
  in.get(o, path, "dropped_polls", s.dropped_polls);
  in.get(o, path, "transitions", s.transitions);
  in.get(o, path, "polls_per_transition", s.polls_per_transition);
  read_latency(in, o, path, "transition_delay", s.transition_delay,
               s.transition_delay_histogram);
  in.get(o, path, "negative_transition_delays", s.negative_transition_delays);
  in.get(o, path, "tasks_created", s.tasks_created);
  in.get_counts(
      o, path, "tasks_ended", [](std::size_t i) { return name_of(kTaskOutcomes[i]); },
      s.tasks_ended);
  in.get(o, path, "polls_per_task_mean", s.polls_per_task_mean);
  // Files written before the sum was kept: the nearest integer to mean * tasks ended.
  if (o.is_object() && o.contains("polls_per_task_sum")) {
    in.get(o, path, "polls_per_task_sum", s.polls_per_task_sum);
    in.get(o, path, "polls_per_task_min", s.polls_per_task_min);
  }
  in.get(o, path, "polls_per_task_max", s.polls_per_task_max);
  read_latency(in, o, path, "task_duration", s.task_duration, s.task_duration_histogram);
  in.get(o, path, "rate_series", s.rate_series);
  in.get(o, path, "rate_slot_width_s", s.rate_slot_width_s);
  // The time series of errors and latency: absent in files written before they were kept.
  if (o.is_object() && o.contains("error_series")) in.get(o, path, "error_series", s.error_series);
  if (o.is_object() && o.contains("latency_series")) {
    if (const json* a = in.array(o, path, "latency_series")) {
      for (std::size_t i = 0; i < a->size() && in.ok(); ++i) {
        const json& p = (*a)[i];
        const bool shape = p.is_array() && p.size() == 3 &&
                           std::all_of(p.begin(), p.end(), [](const json& v) {
                             return v.is_number_integer() && v.get<std::int64_t>() >= 0;
                           });
        if (!shape) {
          in.fail(Reader::index_path(path, "latency_series", i),
                  "expected [p50_us, p90_us, p99_us], integers >= 0");
          break;
        }
        s.latency_series.push_back(
            {p[0].get<std::int64_t>(), p[1].get<std::int64_t>(), p[2].get<std::int64_t>()});
      }
    }
  }
  if (o.is_object() && o.contains("latency_buckets")) read_latency_buckets(in, o, path, s);
  if (o.is_object() && !o.contains("polls_per_task_sum")) {
    std::uint64_t ended = 0;
    for (const auto n : s.tasks_ended) ended += n;
    s.polls_per_task_sum =
        static_cast<std::uint64_t>(std::llround(s.polls_per_task_mean * static_cast<double>(ended)));
  }
  return s;
}

CheckFailure read_check_failure(Reader& in, const json& o, const std::string& path) {
  CheckFailure f;
  in.get(o, path, "rule_id", f.rule_id);
  in.get(o, path, "count", f.count);
  in.get(o, path, "detail", f.detail);
  if (const json* e = in.object(o, path, "evidence")) {
    const std::string p = path + ".evidence";
    in.get(*e, p, "method", f.evidence.method);
    in.get(*e, p, "path", f.evidence.path);
    in.get(*e, p, "status", f.evidence.status);
    in.get(*e, p, "body_excerpt", f.evidence.body_excerpt);
    in.get(*e, p, "error", f.evidence.error);
    in.get(*e, p, "duration_ms", f.evidence.duration_ms);
  }
  return f;
}

ThresholdResult read_threshold(Reader& in, const json& o, const std::string& path) {
  ThresholdResult t;
  in.get_enum(o, path, "verdict", kVerdicts, kNameOf, t.verdict);
  in.get(o, path, "observed", t.observed);
  in.get(o, path, "line", t.line);
  return t;
}

void read_shard(Reader& in, const json& j, const std::string& path, LoadResult& r) {
  const json* o = in.object(j, path, "shard");
  if (o == nullptr) return;
  const std::string p = path + ".shard";
  load::ShardInfo s;
  in.get(*o, p, "index", s.shard.index);
  in.get(*o, p, "count", s.shard.count);
  if (in.ok() && (s.shard.count < 1 || s.shard.count > load::kMaxShards || s.shard.index < 0 ||
                  s.shard.index >= s.shard.count)) {
    in.fail(p, "expected 0 <= index < count <= " + std::to_string(load::kMaxShards) + "; got " +
                   std::to_string(s.shard.index) + " of " + std::to_string(s.shard.count));
    return;
  }
  in.get(*o, p, "run_id", s.run_id);
  if (const json* profile = in.object(*o, p, "profile")) s.profile = *profile;
  in.get(*o, p, "overrides", s.overrides);
  in.get(*o, p, "thresholds", s.thresholds);
  in.get(*o, p, "rate_cap", s.rate_cap);
  in.get(*o, p, "executor", s.executor);
  r.shard = std::move(s);
}

}  // namespace

json load_to_json(const LoadResult& r) {
  json thresholds = json::array(), check_failures = json::array();
  for (const auto& t : r.thresholds) thresholds.push_back(threshold_json(t));
  for (const auto& f : r.check_failures) check_failures.push_back(check_failure_json(f));
  return {{"profile_name", r.profile_name},
          {"profile_file", r.profile_file},
          {"executor", r.executor},
          {"client", r.client},
          {"workers", r.workers},
          {"poll_interval_s", r.poll_interval_s},
          {"rate_cap", r.rate_cap ? json(*r.rate_cap) : json(nullptr)},
          {"warmup_s", r.warmup_s},
          {"stop_reason", name_of(r.stop_reason)},
          {"stop_detail", r.stop_detail},
          {"exit_code", r.shard ? load::shard_exit_code(r) : load::exit_code(r)},
          {"summary", summary_json(r.summary)},
          {"thresholds", std::move(thresholds)},
          {"responses_checked", r.responses_checked},
          {"reused_verdicts", r.reused_verdicts},
          {"check_failures", std::move(check_failures)},
          {"arrivals", r.arrivals},
          {"dropped_arrivals", r.dropped_arrivals},
          {"connections_opened", r.connections_opened},
          {"retry_after_pauses", r.retry_after_pauses},
          {"rate_capped_waits", r.rate_capped_waits},
          {"cleanup", cleanup_json(r.cleanup)},
          {"started_unix_us", r.started_unix_us},
          {"shard", r.shard ? shard_json(*r.shard) : json(nullptr)},
          {"merged_shards", merged_shards_json(r.merged_shards)}};
}

std::optional<LoadResult> load_from_json(const json& j, std::string& error) {
  Reader in(error);
  LoadResult r;
  const std::string p = "$.load";
  if (!j.is_object()) {
    in.fail(p, "expected an object");
    return std::nullopt;
  }
  in.get(j, p, "profile_name", r.profile_name);
  in.get(j, p, "profile_file", r.profile_file);
  in.get(j, p, "executor", r.executor);
  in.get(j, p, "client", r.client);
  in.get(j, p, "workers", r.workers);
  in.get(j, p, "poll_interval_s", r.poll_interval_s);
  in.get(j, p, "rate_cap", r.rate_cap);
  in.get(j, p, "warmup_s", r.warmup_s);
  in.get_enum(j, p, "stop_reason", kStopReasons, kNameOf, r.stop_reason);
  in.get(j, p, "stop_detail", r.stop_detail);
  if (const json* s = in.object(j, p, "summary")) r.summary = read_summary(in, *s, p + ".summary");
  if (const json* thresholds = in.array(j, p, "thresholds")) {
    for (std::size_t i = 0; i < thresholds->size() && in.ok(); ++i)
      r.thresholds.push_back(
          read_threshold(in, (*thresholds)[i], Reader::index_path(p, "thresholds", i)));
  }
  in.get(j, p, "responses_checked", r.responses_checked);
  in.get(j, p, "reused_verdicts", r.reused_verdicts);
  if (const json* failures = in.array(j, p, "check_failures")) {
    for (std::size_t i = 0; i < failures->size() && in.ok(); ++i)
      r.check_failures.push_back(
          read_check_failure(in, (*failures)[i], Reader::index_path(p, "check_failures", i)));
  }
  in.get(j, p, "arrivals", r.arrivals);
  in.get(j, p, "dropped_arrivals", r.dropped_arrivals);
  in.get(j, p, "connections_opened", r.connections_opened);
  in.get(j, p, "retry_after_pauses", r.retry_after_pauses);
  in.get(j, p, "rate_capped_waits", r.rate_capped_waits);
  if (const json* c = in.object(j, p, "cleanup")) {
    const std::string cp = p + ".cleanup";
    in.get(*c, cp, "cancelled", r.cleanup.cancelled);
    in.get(*c, cp, "failed", r.cleanup.failed);
    in.get(*c, cp, "left_task_ids", r.cleanup.left_task_ids);
  }
  // Kept since sharded runs: absent in older files.
  if (j.contains("started_unix_us")) in.get(j, p, "started_unix_us", r.started_unix_us);
  if (j.contains("shard") && !j["shard"].is_null()) read_shard(in, j, p, r);
  if (j.contains("merged_shards")) {
    if (const json* a = in.array(j, p, "merged_shards")) {
      for (std::size_t i = 0; i < a->size() && in.ok(); ++i) {
        const json& o = (*a)[i];
        const std::string at = Reader::index_path(p, "merged_shards", i);
        load::ShardOutcome s;
        in.get(o, at, "index", s.index);
        in.get_enum(o, at, "stop_reason", kStopReasons, kNameOf, s.stop_reason);
        in.get(o, at, "stop_detail", s.stop_detail);
        in.get(o, at, "requests", s.requests);
        in.get(o, at, "duration_s", s.duration_s);
        in.get(o, at, "exit_code", s.exit_code);
        r.merged_shards.push_back(std::move(s));
      }
    }
  }
  if (!in.ok()) return std::nullopt;
  return r;
}

std::string render_load_result_json(const harness::RunResult& run, const LoadResult& r) {
  auto document = to_ordered_json(run);  // the run's keys in their documented order
  document["load"] = nlohmann::ordered_json::parse(
      load_to_json(r).dump(-1, ' ', false, json::error_handler_t::replace));
  return document.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace agentwork::reports
