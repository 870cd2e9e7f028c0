// Small RunResults shared by the report tests: a tiny run with one passed (with an observation),
// one failed and one skipped scenario, builders for the other verdicts, and a run against a live
// deployment with what only such runs have: rules not seen, a [G] observation with its evidence,
// latency per endpoint and thresholds.
#pragma once

#include <locale>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/rules.hpp"
#include "harness/result/run_result.hpp"

namespace agentwork::reports::fixtures {

using harness::Evidence;
using harness::FindingRecord;
using harness::RunResult;
using harness::ScenarioResult;
using harness::Severity;
using harness::StepRecord;
using agentwork::Verdict;

inline ScenarioResult passed_scenario() {
  ScenarioResult s;
  s.name = "create and approve";
  s.file = "scenarios/examples/approve.json";
  s.tags = {"live"};
  s.verdict = Verdict::passed;
  s.duration_ms = 1234.5;
  s.tasks_created = 1;
  s.requests = 5;
  s.polls = 3;
  s.steps = {{0, "create", "t1", true, 10, "created t1", "", ""},
             {1, "await", "t1", true, 1200, "status awaiting_solution_approval after 3 polls", "", ""}};
  s.findings = {{"M.status.last_activity_at.precision", 'M', Severity::observation, 1, "await",
                 "t1", "no microseconds in \"2024-05-01T12:00:00Z\"", std::nullopt}};
  return s;
}

inline ScenarioResult failed_scenario() {
  ScenarioResult s;
  s.name = "status enum";
  s.file = "scenarios/examples/status.json";
  s.verdict = Verdict::failed;
  s.duration_ms = 2500;
  s.tasks_created = 1;
  s.requests = 4;
  s.polls = 2;
  s.tasks_cancelled = 1;
  s.steps = {{0, "create", "t1", true, 12.5, "created t1", "", ""},
             {1, "await", "t1", false, 2400, "status done after 2 polls", "", ""}};
  s.findings = {{"G.status.enum", 'G', Severity::failure, 1, "await", "t1",
                 "got \"done\"\nat poll 2",
                 Evidence{"GET", "/api/v1/tasks/abc", 200, "{\"status\":\"done\"}\n", "", 3.5}}};
  s.timelines = {{"t1",
                  "abc",
                  2,
                  {{0, "created", "", true},
                   {12.5, "state", "processing", true},
                   {2412.5, "action", "cancel", false}}}};
  return s;
}

inline ScenarioResult skipped_scenario() {
  ScenarioResult s;
  s.name = "mock only";
  s.file = "scenarios/live/mock_only.json";
  s.tags = {"mock-only"};
  s.verdict = Verdict::skipped;
  s.reason = "needs the bundled mock";
  return s;
}

// The target stopped answering: a transport error, no status.
inline ScenarioResult error_scenario() {
  ScenarioResult s;
  s.name = "timeout";
  s.file = "scenarios/examples/timeout.json";
  s.verdict = Verdict::error;
  s.reason = "target failed on the wire";
  s.duration_ms = 30000;
  s.requests = 1;
  s.steps = {{0, "create", "", false, 30000, "no response", "", ""}};
  s.findings = {{"S.transport", 'S', Severity::failure, 0, "create", "", "read timed out",
                 Evidence{"POST", "/api/v1/tasks/", 0, "", "timeout: read", 30000}}};
  return s;
}

inline ScenarioResult interrupted_scenario() {
  ScenarioResult s;
  s.name = "long wait";
  s.file = "scenarios/examples/long.json";
  s.verdict = Verdict::interrupted;
  s.reason = "Ctrl-C";
  s.duration_ms = 500;
  return s;
}

// Against a live deployment: a stall the scenario's policy handled (a [G] observation with its
// evidence) and two rules it covers that the deployment never gave it the chance to check.
inline ScenarioResult live_scenario() {
  ScenarioResult s;
  s.name = "live coverage";
  s.file = "scenarios/live/coverage.json";
  s.tags = {"live"};
  s.verdict = Verdict::passed;
  s.duration_ms = 61234.5;
  s.tasks_created = 2;
  s.requests = 40;
  s.polls = 35;
  s.steps = {{0, "cover", "t1", true, 61000, "2 tasks; 1 stall", "", ""}};
  s.findings = {{"G.stall.last_activity", 'G', Severity::observation, 0, "cover", "t1",
                 "task abc processing with last_activity_at 2024-05-01T12:00:01.000000Z unchanged "
                 "for 300 s (policy: 240 s); cancelled and re-created",
                 Evidence{"GET", "/api/v1/tasks/abc", 200,
                          "{\"status\":\"processing\",\"last_activity_at\":"
                          "\"2024-05-01T12:00:01.000000Z\"}",
                          "", 41.5}}};
  s.not_seen = {{"G.status.question.options", "in 2 tasks no task asked a multi_select question"},
                {"G.api_key.exchange", "no --account given: the password exchange was not tried"}};
  return s;
}

// Two endpoints; one threshold passed, one failed, one the run could not answer.
inline void add_figures(RunResult& r) {
  r.latency = {{"status", 35, 12.5, 48.25, 210, 250.5}, {"create", 2, 95, 120, 120, 120}};
  r.thresholds = {
      {"latency{endpoint=status}.p50 < 100ms", true,
       "latency{endpoint=status}.p50 < 100ms: 12.5ms ✓"},
      {"latency{endpoint=create}.max < 100ms", false,
       "latency{endpoint=create}.max < 100ms: 120ms ✗"},
      {"latency{endpoint=list}.p50 < 50ms", false,
       "latency{endpoint=list}.p50 < 50ms: error: no data for latency{endpoint=list}.p50"}};
}

inline RunResult run_of(std::vector<ScenarioResult> scenarios) {
  RunResult r;
  r.tool_version = "0.1.0";
  r.target = "mock (in-process, http://127.0.0.1:8080)";
  r.profile = "strict";
  r.mock = true;
  r.time_scale = 60;
  r.seed = 42;
  r.run_id = "r1";
  r.started_at = "2024-05-01T12:00:00Z";
  r.duration_ms = 4321.5;
  r.scenarios = std::move(scenarios);
  return r;
}

inline RunResult tiny_run() {
  return run_of({passed_scenario(), failed_scenario(), skipped_scenario()});
}

inline RunResult every_verdict_run() {
  return run_of({passed_scenario(), failed_scenario(), skipped_scenario(), error_scenario(),
                 interrupted_scenario()});
}

// A guide-profile run against a live deployment: the live scenario and a failed one, with the
// run's latency and thresholds.
inline RunResult live_run() {
  RunResult r = run_of({live_scenario(), failed_scenario()});
  r.target = "https://staging.agentwork.example";
  r.profile = "guide";
  r.mock = false;
  r.time_scale = 1;
  add_figures(r);
  return r;
}

// The catalogue summary of a rule, so that golden strings do not copy common/rules.cpp.
inline std::string summary_of(std::string_view rule_id) {
  return std::string(agentwork::find_rule(rule_id).value().summary);
}

// A C++ locale whose numbers read "1.234,5": what a German user's global locale does to
// iostreams. Unnamed, so installing it globally leaves the C locale (printf) alone.
struct CommaDecimal : std::numpunct<char> {
  char do_decimal_point() const override { return ','; }
  char do_thousands_sep() const override { return '.'; }
  std::string do_grouping() const override { return "\3"; }
};

// Installs a global locale (C++ and, for a named one, C) for the life of the object.
class GlobalLocale {
 public:
  explicit GlobalLocale(const std::locale& l) : previous_(std::locale::global(l)) {}
  ~GlobalLocale() { std::locale::global(previous_); }
  GlobalLocale(const GlobalLocale&) = delete;
  GlobalLocale& operator=(const GlobalLocale&) = delete;

 private:
  std::locale previous_;
};

inline std::locale comma_locale() {
  return std::locale(std::locale::classic(), new CommaDecimal);
}

// de_DE.UTF-8 when the machine has it (also sets the C locale: printf's decimal comma).
inline std::optional<std::locale> german_locale() {
  try {
    return std::locale("de_DE.UTF-8");
  } catch (const std::runtime_error&) {
    return std::nullopt;
  }
}

}  // namespace agentwork::reports::fixtures
