#include "reports/json_report.hpp"

#include <array>
#include <concepts>
#include <cstdint>
#include <string_view>
#include <utility>

#include "reports/json_reader.hpp"

namespace agentwork::reports {
namespace {

using harness::EndpointLatency;
using harness::Evidence;
using harness::FindingRecord;
using harness::NotSeen;
using harness::RunResult;
using harness::ScenarioResult;
using harness::Severity;
using harness::StepRecord;
using harness::TaskTimeline;
using harness::ThresholdOutcome;
using harness::TimelineEvent;
using agentwork::Verdict;
using nlohmann::json;

constexpr std::array kVerdicts = {Verdict::passed, Verdict::failed, Verdict::error,
                                  Verdict::skipped, Verdict::interrupted};
constexpr std::array kSeverities = {Severity::failure, Severity::observation};

template <typename Json>
Json evidence_json(const std::optional<Evidence>& e) {
  if (!e) return nullptr;
  return {{"method", e->method}, {"path", e->path},
          {"status", e->status}, {"body_excerpt", e->body_excerpt},
          {"error", e->error},   {"duration_ms", e->duration_ms}};
}

template <typename Json>
Json finding_json(const FindingRecord& f) {
  return {{"rule_id", f.rule_id},
          {"tag", std::string(1, f.tag)},
          {"severity", to_string(f.severity)},
          {"step_index", f.step_index},
          {"step_kind", f.step_kind},
          {"task", f.task},
          {"detail", f.detail},
          {"evidence", evidence_json<Json>(f.evidence)}};
}

template <typename Json>
Json step_json(const StepRecord& s) {
  Json j = {{"index", s.index},       {"kind", s.kind},
            {"task", s.task},         {"ok", s.ok},
            {"duration_ms", s.duration_ms}, {"note", s.note}};
  // --via mcp only: a REST run's result (and its goldens) has no such fields.
  if (!s.via.empty()) j["via"] = s.via;
  if (!s.via_reason.empty()) j["reason"] = s.via_reason;
  return j;
}

template <typename Json>
Json timeline_json(const TaskTimeline& t) {
  Json events = Json::array();
  for (const auto& e : t.events) {
    events.push_back(
        Json{{"at_ms", e.at_ms}, {"kind", e.kind}, {"value", e.value}, {"ok", e.ok}});
  }
  return {{"task", t.task}, {"task_id", t.task_id}, {"polls", t.polls}, {"events", std::move(events)}};
}

// An array of `items`, each written by `one`.
template <typename Json, typename T, typename One>
Json array_of(const std::vector<T>& items, One one) {
  Json out = Json::array();
  for (const auto& item : items) out.push_back(one(item));
  return out;
}

template <typename Json>
Json not_seen_json(const NotSeen& n) {
  return {{"rule_id", n.rule_id}, {"reason", n.reason}};
}

template <typename Json>
Json latency_json(const EndpointLatency& e) {
  return {{"endpoint", e.endpoint}, {"count", e.count},   {"p50_ms", e.p50_ms},
          {"p90_ms", e.p90_ms},     {"p99_ms", e.p99_ms}, {"max_ms", e.max_ms}};
}

template <typename Json>
Json threshold_json(const ThresholdOutcome& t) {
  return {{"text", t.text}, {"passed", t.passed}, {"line", t.line}};
}

template <typename Json>
Json scenario_json(const ScenarioResult& s) {
  Json steps = Json::array(), findings = Json::array(), timelines = Json::array();
  for (const auto& step : s.steps) steps.push_back(step_json<Json>(step));
  for (const auto& f : s.findings) findings.push_back(finding_json<Json>(f));
  for (const auto& t : s.timelines) timelines.push_back(timeline_json<Json>(t));
  // Written even when empty, as timelines are: a reader sees that nothing was left unchecked.
  Json not_seen = array_of<Json>(s.not_seen, not_seen_json<Json>);
  Json j = {{"name", s.name},
          {"file", s.file},
          {"tags", s.tags},
          {"verdict", to_string(s.verdict)},
          {"reason", s.reason},
          {"duration_ms", s.duration_ms},
          {"tasks_created", s.tasks_created},
          {"requests", s.requests},
          {"polls", s.polls},
          {"tasks_cancelled", s.tasks_cancelled},
          {"failures", s.failures()},
          {"observations", s.observations()},
          {"steps", std::move(steps)},
          {"findings", std::move(findings)},
          {"not_seen", std::move(not_seen)},
          {"timelines", std::move(timelines)}};
  if (!s.transport.empty()) j["transport"] = s.transport;  // --via mcp only
  return j;
}

template <typename Json>
Json totals_json(const RunResult::Totals& t) {
  return {{"scenarios", t.scenarios}, {"passed", t.passed},
          {"failed", t.failed},       {"errors", t.errors},
          {"skipped", t.skipped},     {"interrupted", t.interrupted},
          {"failures", t.failures},   {"observations", t.observations},
          {"requests", t.requests},   {"polls", t.polls},
          {"tasks", t.tasks},         {"not_seen", t.not_seen}};
}

// Reading it back (reports/json_reader.hpp).
using Reader = JsonReader;
constexpr auto kToString = [](auto v) { return to_string(v); };

std::optional<Evidence> read_evidence(Reader& in, const json& o, const std::string& path) {
  const json* v = in.member(o, path, "evidence");
  if (v == nullptr || v->is_null()) return std::nullopt;
  const std::string p = path + ".evidence";
  Evidence e;
  in.get(*v, p, "method", e.method);
  in.get(*v, p, "path", e.path);
  in.get(*v, p, "status", e.status);
  in.get(*v, p, "body_excerpt", e.body_excerpt);
  in.get(*v, p, "error", e.error);
  in.get(*v, p, "duration_ms", e.duration_ms);
  return e;
}

FindingRecord read_finding(Reader& in, const json& o, const std::string& path) {
  FindingRecord f;
  in.get(o, path, "rule_id", f.rule_id);
  std::string tag;
  if (in.get(o, path, "tag", tag)) {
    if (tag == "G" || tag == "M" || tag == "S") {
      f.tag = tag[0];
    } else {
      in.fail(path + ".tag", "expected \"G\", \"M\" or \"S\", got \"" + tag + "\"");
    }
  }
  in.get_enum(o, path, "severity", kSeverities, kToString, f.severity);
  in.get(o, path, "step_index", f.step_index);
  in.get(o, path, "step_kind", f.step_kind);
  in.get(o, path, "task", f.task);
  in.get(o, path, "detail", f.detail);
  f.evidence = read_evidence(in, o, path);
  return f;
}

StepRecord read_step(Reader& in, const json& o, const std::string& path) {
  StepRecord s;
  in.get(o, path, "index", s.index);
  in.get(o, path, "kind", s.kind);
  in.get(o, path, "task", s.task);
  in.get(o, path, "ok", s.ok);
  in.get(o, path, "duration_ms", s.duration_ms);
  in.get(o, path, "note", s.note);
  if (o.contains("via")) in.get(o, path, "via", s.via);
  if (o.contains("reason")) in.get(o, path, "reason", s.via_reason);
  return s;
}

// Each element of the array `key` of `o` read by `one(in, element, its path)` into `out`. An
// optional array (`required` false) may be absent: files written before it was added lack it.
template <typename T, typename One>
void read_array(Reader& in, const json& o, const std::string& path, const char* key, bool required,
                std::vector<T>& out, One one) {
  if (!required && o.is_object() && !o.contains(key)) return;
  const json* items = in.array(o, path, key);
  if (items == nullptr) return;
  for (std::size_t i = 0; i < items->size() && in.ok(); ++i)
    out.push_back(one(in, (*items)[i], Reader::index_path(path, key, i)));
}

NotSeen read_not_seen(Reader& in, const json& o, const std::string& path) {
  NotSeen n;
  in.get(o, path, "rule_id", n.rule_id);
  in.get(o, path, "reason", n.reason);
  return n;
}

EndpointLatency read_latency(Reader& in, const json& o, const std::string& path) {
  EndpointLatency e;
  in.get(o, path, "endpoint", e.endpoint);
  in.get(o, path, "count", e.count);
  in.get(o, path, "p50_ms", e.p50_ms);
  in.get(o, path, "p90_ms", e.p90_ms);
  in.get(o, path, "p99_ms", e.p99_ms);
  in.get(o, path, "max_ms", e.max_ms);
  return e;
}

ThresholdOutcome read_threshold(Reader& in, const json& o, const std::string& path) {
  ThresholdOutcome t;
  in.get(o, path, "text", t.text);
  in.get(o, path, "passed", t.passed);
  in.get(o, path, "line", t.line);
  return t;
}

// Optional: files written before timelines were kept have none.
TaskTimeline read_timeline(Reader& in, const json& o, const std::string& path) {
  TaskTimeline t;
  in.get(o, path, "task", t.task);
  in.get(o, path, "task_id", t.task_id);
  in.get(o, path, "polls", t.polls);
  if (const json* events = in.array(o, path, "events")) {
    for (std::size_t i = 0; i < events->size() && in.ok(); ++i) {
      const std::string at = Reader::index_path(path, "events", i);
      TimelineEvent e;
      in.get((*events)[i], at, "at_ms", e.at_ms);
      in.get((*events)[i], at, "kind", e.kind);
      in.get((*events)[i], at, "value", e.value);
      in.get((*events)[i], at, "ok", e.ok);
      if (in.ok() && e.kind != "created" && e.kind != "state" && e.kind != "action")
        in.fail(at + ".kind", "expected one of created, state, action, got \"" + e.kind + "\"");
      t.events.push_back(std::move(e));
    }
  }
  return t;
}

ScenarioResult read_scenario(Reader& in, const json& o, const std::string& path) {
  ScenarioResult s;
  in.get(o, path, "name", s.name);
  in.get(o, path, "file", s.file);
  if (const json* tags = in.array(o, path, "tags")) {
    for (std::size_t i = 0; i < tags->size() && in.ok(); ++i) {
      if (!(*tags)[i].is_string())
        in.fail(Reader::index_path(path, "tags", i), "expected a string");
      else
        s.tags.push_back((*tags)[i].get<std::string>());
    }
  }
  in.get_enum(o, path, "verdict", kVerdicts, kToString, s.verdict);
  in.get(o, path, "reason", s.reason);
  if (o.contains("transport")) in.get(o, path, "transport", s.transport);
  in.get(o, path, "duration_ms", s.duration_ms);
  in.get(o, path, "tasks_created", s.tasks_created);
  in.get(o, path, "requests", s.requests);
  in.get(o, path, "polls", s.polls);
  in.get(o, path, "tasks_cancelled", s.tasks_cancelled);
  read_array(in, o, path, "steps", true, s.steps, read_step);
  read_array(in, o, path, "findings", true, s.findings, read_finding);
  read_array(in, o, path, "not_seen", false, s.not_seen, read_not_seen);
  read_array(in, o, path, "timelines", false, s.timelines, read_timeline);
  return s;
}

}  // namespace

namespace {

// The whole document, in the key order of docs/run-result.md when Json keeps insertion order.
template <typename Json>
Json document(const RunResult& r) {
  Json scenarios = Json::array();
  for (const auto& s : r.scenarios) scenarios.push_back(scenario_json<Json>(s));
  return {{"schema_version", r.schema_version},
          {"tool", {{"name", "agentwork"}, {"version", r.tool_version}}},
          {"target", r.target},
          {"profile", r.profile},
          {"mock", r.mock},
          {"time_scale", r.time_scale},
          {"seed", r.seed},
          {"run_id", r.run_id},
          {"started_at", r.started_at},
          {"duration_ms", r.duration_ms},
          {"interrupted", r.interrupted},
          {"exit_code", harness::exit_code(r)},
          {"totals", totals_json<Json>(r.totals())},
          {"latency", array_of<Json>(r.latency, latency_json<Json>)},
          {"thresholds", array_of<Json>(r.thresholds, threshold_json<Json>)},
          {"scenarios", std::move(scenarios)}};
}

}  // namespace

json to_json(const RunResult& r) {
  return document<json>(r);
}

nlohmann::ordered_json to_ordered_json(const RunResult& r) {
  return document<nlohmann::ordered_json>(r);
}

std::string render_json(const RunResult& r) {
  // ordered_json: the file reads in the documented order (schema_version first).
  return document<nlohmann::ordered_json>(r).dump(
             2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
         "\n";
}

std::optional<RunResult> from_json(const json& j, std::string& error) {
  Reader in(error);
  RunResult r;
  if (!in.get(j, "$", "schema_version", r.schema_version)) return std::nullopt;
  if (r.schema_version != harness::kRunResultSchemaVersion) {
    in.fail("$.schema_version", "expected " + std::to_string(harness::kRunResultSchemaVersion) +
                                    ", got " + std::to_string(r.schema_version));
    return std::nullopt;
  }
  if (const json* tool = in.member(j, "$", "tool"))
    in.get(*tool, "$.tool", "version", r.tool_version);
  in.get(j, "$", "target", r.target);
  in.get(j, "$", "profile", r.profile);
  in.get(j, "$", "mock", r.mock);
  in.get(j, "$", "time_scale", r.time_scale);
  in.get(j, "$", "seed", r.seed);
  in.get(j, "$", "run_id", r.run_id);
  in.get(j, "$", "started_at", r.started_at);
  in.get(j, "$", "duration_ms", r.duration_ms);
  in.get(j, "$", "interrupted", r.interrupted);
  read_array(in, j, "$", "latency", false, r.latency, read_latency);
  read_array(in, j, "$", "thresholds", false, r.thresholds, read_threshold);
  read_array(in, j, "$", "scenarios", true, r.scenarios, read_scenario);
  if (!in.ok()) return std::nullopt;
  return r;
}

}  // namespace agentwork::reports
