#include "reports/json_report.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "fixtures.hpp"

namespace agentwork::reports {
namespace {

using namespace fixtures;
using nlohmann::json;

std::string error_of(const json& j) {
  std::string error;
  EXPECT_FALSE(from_json(j, error).has_value());
  return error;
}

TEST(JsonReport, Golden) {
  EXPECT_EQ(render_json(run_of({failed_scenario()})), R"json({
  "schema_version": 1,
  "tool": {
    "name": "agentwork",
    "version": "0.1.0"
  },
  "target": "mock (in-process, http://127.0.0.1:8080)",
  "profile": "strict",
  "mock": true,
  "time_scale": 60.0,
  "seed": 42,
  "run_id": "r1",
  "started_at": "2024-05-01T12:00:00Z",
  "duration_ms": 4321.5,
  "interrupted": false,
  "exit_code": 1,
  "totals": {
    "scenarios": 1,
    "passed": 0,
    "failed": 1,
    "errors": 0,
    "skipped": 0,
    "interrupted": 0,
    "failures": 1,
    "observations": 0,
    "requests": 4,
    "polls": 2,
    "tasks": 1,
    "not_seen": 0
  },
  "latency": [],
  "thresholds": [],
  "scenarios": [
    {
      "name": "status enum",
      "file": "scenarios/examples/status.json",
      "tags": [],
      "verdict": "failed",
      "reason": "",
      "duration_ms": 2500.0,
      "tasks_created": 1,
      "requests": 4,
      "polls": 2,
      "tasks_cancelled": 1,
      "failures": 1,
      "observations": 0,
      "steps": [
        {
          "index": 0,
          "kind": "create",
          "task": "t1",
          "ok": true,
          "duration_ms": 12.5,
          "note": "created t1"
        },
        {
          "index": 1,
          "kind": "await",
          "task": "t1",
          "ok": false,
          "duration_ms": 2400.0,
          "note": "status done after 2 polls"
        }
      ],
      "findings": [
        {
          "rule_id": "G.status.enum",
          "tag": "G",
          "severity": "failure",
          "step_index": 1,
          "step_kind": "await",
          "task": "t1",
          "detail": "got \"done\"\nat poll 2",
          "evidence": {
            "method": "GET",
            "path": "/api/v1/tasks/abc",
            "status": 200,
            "body_excerpt": "{\"status\":\"done\"}\n",
            "error": "",
            "duration_ms": 3.5
          }
        }
      ],
      "not_seen": [],
      "timelines": [
        {
          "task": "t1",
          "task_id": "abc",
          "polls": 2,
          "events": [
            {
              "at_ms": 0.0,
              "kind": "created",
              "value": "",
              "ok": true
            },
            {
              "at_ms": 12.5,
              "kind": "state",
              "value": "processing",
              "ok": true
            },
            {
              "at_ms": 2412.5,
              "kind": "action",
              "value": "cancel",
              "ok": false
            }
          ]
        }
      ]
    }
  ]
}
)json");
}

TEST(JsonReport, ToJsonMatchesTheRenderedText) {
  const auto r = every_verdict_run();
  EXPECT_EQ(to_json(r), json::parse(render_json(r)));
}

TEST(JsonReport, TotalsVerdictsAndSeverities) {
  const json j = to_json(every_verdict_run());
  EXPECT_EQ(j["totals"], json::parse(R"({"scenarios": 5, "passed": 1, "failed": 1, "errors": 1,
      "skipped": 1, "interrupted": 1, "failures": 2, "observations": 1, "requests": 10,
      "polls": 5, "tasks": 2, "not_seen": 0})"));
  std::vector<std::string> verdicts;
  for (const auto& s : j["scenarios"]) verdicts.push_back(s["verdict"]);
  EXPECT_EQ(verdicts,
            (std::vector<std::string>{"passed", "failed", "skipped", "error", "interrupted"}));
  EXPECT_EQ(j["scenarios"][0]["findings"][0]["severity"], "observation");
  EXPECT_EQ(j["scenarios"][0]["findings"][0]["evidence"], nullptr);
  EXPECT_EQ(j["scenarios"][3]["findings"][0]["tag"], "S");
  EXPECT_EQ(j["scenarios"][3]["findings"][0]["evidence"]["error"], "timeout: read");
}

TEST(JsonReport, ExitCode) {
  EXPECT_EQ(to_json(tiny_run())["exit_code"], 1);
  EXPECT_EQ(to_json(run_of({passed_scenario(), skipped_scenario()}))["exit_code"], 0);
  auto r = run_of({passed_scenario()});
  r.interrupted = true;
  EXPECT_EQ(to_json(r)["exit_code"], 130);
}

TEST(JsonReport, RoundTrip) {
  auto r = every_verdict_run();
  r.seed = 0xFFFF'FFFF'FFFF'FFF1u;  // above INT64_MAX: must stay unsigned
  r.time_scale = 0.1;
  r.scenarios[1].duration_ms = 1.0 / 3;
  std::string error;
  const auto back = from_json(json::parse(render_json(r)), error);
  ASSERT_TRUE(back.has_value()) << error;
  EXPECT_EQ(error, "");
  EXPECT_EQ(to_json(*back), to_json(r));
  // Spot checks of what to_json's equality would not show if both sides lost it alike.
  EXPECT_EQ(back->seed, r.seed);
  EXPECT_EQ(back->scenarios[1].duration_ms, 1.0 / 3);
  EXPECT_EQ(back->tool_version, "0.1.0");
  EXPECT_EQ(back->scenarios[3].findings[0].tag, 'S');
  EXPECT_FALSE(back->scenarios[0].findings[0].evidence.has_value());
  ASSERT_TRUE(back->scenarios[1].findings[0].evidence.has_value());
  EXPECT_EQ(back->scenarios[1].findings[0].evidence->body_excerpt, "{\"status\":\"done\"}\n");
  EXPECT_EQ(back->scenarios[2].reason, "needs the bundled mock");
  EXPECT_EQ(back->scenarios[1].steps[1].ok, false);
  ASSERT_EQ(back->scenarios[1].timelines.size(), 1u);
  EXPECT_EQ(back->scenarios[1].timelines[0].events[2].value, "cancel");
  EXPECT_FALSE(back->scenarios[1].timelines[0].events[2].ok);
}

// The live run's own fields, as docs/run-result.md has them.
TEST(JsonReport, NotSeenLatencyAndThresholdsAreWritten) {
  const json j = to_json(live_run());
  EXPECT_EQ(j["scenarios"][0]["not_seen"], json::parse(R"([
      {"rule_id": "G.status.question.options",
       "reason": "in 2 tasks no task asked a multi_select question"},
      {"rule_id": "G.api_key.exchange",
       "reason": "no --account given: the password exchange was not tried"}])"));
  EXPECT_EQ(j["scenarios"][1]["not_seen"], json::array());
  EXPECT_EQ(j["totals"]["not_seen"], 2);
  EXPECT_EQ(j["latency"][0], json::parse(R"({"endpoint": "status", "count": 35, "p50_ms": 12.5,
      "p90_ms": 48.25, "p99_ms": 210.0, "max_ms": 250.5})"));
  EXPECT_EQ(j["latency"].size(), 2u);
  EXPECT_EQ(j["thresholds"][1], json::parse(R"({"text": "latency{endpoint=create}.max < 100ms",
      "passed": false, "line": "latency{endpoint=create}.max < 100ms: 120ms ✗"})"));
  EXPECT_EQ(j["thresholds"].size(), 3u);
  EXPECT_EQ(j["exit_code"], harness::kExitRunThresholdsFailed);
  EXPECT_EQ(j["scenarios"][0]["findings"][0]["tag"], "G");
  EXPECT_EQ(j["scenarios"][0]["findings"][0]["severity"], "observation");
  // In the documented order: the run's figures before the scenarios, not_seen after findings.
  const std::string text = render_json(live_run());
  EXPECT_LT(text.find("\"totals\""), text.find("\"latency\""));
  EXPECT_LT(text.find("\"latency\""), text.find("\"thresholds\""));
  EXPECT_LT(text.find("\"thresholds\""), text.find("\"scenarios\": ["));
  EXPECT_LT(text.find("\"findings\""), text.find("\"not_seen\": ["));
  EXPECT_LT(text.find("\"not_seen\": ["), text.find("\"timelines\""));
}

// `agentwork report` renders from what it reads back: every new field survives, and the file
// written again is byte-identical.
TEST(JsonReport, RoundTripOfNotSeenLatencyAndThresholds) {
  auto r = live_run();
  r.latency[0].p90_ms = 1.0 / 3;
  const std::string text = render_json(r);
  std::string error;
  const auto back = from_json(json::parse(text), error);
  ASSERT_TRUE(back.has_value()) << error;
  EXPECT_EQ(render_json(*back), text);
  ASSERT_EQ(back->scenarios[0].not_seen.size(), 2u);
  EXPECT_EQ(back->scenarios[0].not_seen[1].rule_id, "G.api_key.exchange");
  EXPECT_EQ(back->scenarios[0].not_seen[1].reason,
            "no --account given: the password exchange was not tried");
  EXPECT_EQ(back->totals().not_seen, 2u);
  ASSERT_EQ(back->latency.size(), 2u);
  EXPECT_EQ(back->latency[0].endpoint, "status");
  EXPECT_EQ(back->latency[0].count, 35u);
  EXPECT_EQ(back->latency[0].p50_ms, 12.5);
  EXPECT_EQ(back->latency[0].p90_ms, 1.0 / 3);
  EXPECT_EQ(back->latency[0].p99_ms, 210);
  EXPECT_EQ(back->latency[0].max_ms, 250.5);
  ASSERT_EQ(back->thresholds.size(), 3u);
  EXPECT_TRUE(back->thresholds[0].passed);
  EXPECT_FALSE(back->thresholds[1].passed);
  EXPECT_EQ(back->thresholds[2].text, "latency{endpoint=list}.p50 < 50ms");
  EXPECT_EQ(back->thresholds[2].line, r.thresholds[2].line);
  EXPECT_EQ(harness::exit_code(*back), harness::kExitRunThresholdsFailed);
  const auto& f = back->scenarios[0].findings[0];
  EXPECT_EQ(f.tag, 'G');
  EXPECT_EQ(f.severity, harness::Severity::observation);
  ASSERT_TRUE(f.evidence.has_value());
  EXPECT_EQ(f.evidence->duration_ms, 41.5);
}

// Files written before not_seen, latency and thresholds were kept read back without them; a
// wrong one is named by its path.
TEST(JsonReport, NotSeenLatencyAndThresholdsAreOptionalAndChecked) {
  json j = to_json(live_run());
  j.erase("latency");
  j.erase("thresholds");
  j["totals"].erase("not_seen");
  for (auto& s : j["scenarios"]) s.erase("not_seen");
  std::string error;
  const auto back = from_json(j, error);
  ASSERT_TRUE(back.has_value()) << error;
  EXPECT_TRUE(back->latency.empty());
  EXPECT_TRUE(back->thresholds.empty());
  EXPECT_TRUE(back->scenarios[0].not_seen.empty());
  const json good = to_json(live_run());
  j = good;
  j["thresholds"][1]["passed"] = "no";
  EXPECT_EQ(error_of(j), "$.thresholds[1].passed: expected true or false");
  j = good;
  j["latency"][0]["count"] = -1;
  EXPECT_EQ(error_of(j), "$.latency[0].count: expected an integer >= 0");
  j = good;
  j["latency"] = json::object();
  EXPECT_EQ(error_of(j), "$.latency: expected an array");
  j = good;
  j["scenarios"][0]["not_seen"][1].erase("reason");
  EXPECT_EQ(error_of(j), "$.scenarios[0].not_seen[1].reason: missing");
}

// Files written before the timelines were kept read back, without them; a bad event is named.
TEST(JsonReport, TimelinesAreOptionalAndChecked) {
  json j = to_json(tiny_run());
  j["scenarios"][1].erase("timelines");
  std::string error;
  const auto back = from_json(j, error);
  ASSERT_TRUE(back.has_value()) << error;
  EXPECT_TRUE(back->scenarios[1].timelines.empty());
  j = to_json(tiny_run());
  j["scenarios"][1]["timelines"][0]["events"][1]["kind"] = "dance";
  EXPECT_FALSE(from_json(j, error).has_value());
  EXPECT_EQ(error,
            "$.scenarios[1].timelines[0].events[1].kind: expected one of created, state, action, "
            "got \"dance\"");
}

// A document written by hand (signed integers from literals) reads as well as a parsed one.
TEST(JsonReport, FromJsonAcceptsSignedNonNegativeIntegers) {
  json j = to_json(tiny_run());
  j["seed"] = 7;
  j["scenarios"][0]["requests"] = 5;
  std::string error;
  const auto back = from_json(j, error);
  ASSERT_TRUE(back.has_value()) << error;
  EXPECT_EQ(back->seed, 7u);
}

TEST(JsonReport, FromJsonErrorsNameThePath) {
  const json good = to_json(tiny_run());
  json j = good;
  j["schema_version"] = 2;
  EXPECT_EQ(error_of(j), "$.schema_version: expected 1, got 2");
  j = good;
  j["scenarios"][1].erase("verdict");
  EXPECT_EQ(error_of(j), "$.scenarios[1].verdict: missing");
  j = good;
  j["scenarios"][1]["verdict"] = "weird";
  EXPECT_EQ(error_of(j),
            "$.scenarios[1].verdict: expected one of passed, failed, error, skipped, "
            "interrupted, got \"weird\"");
  j = good;
  j["scenarios"][1]["findings"][0]["tag"] = "X";
  EXPECT_EQ(error_of(j),
            "$.scenarios[1].findings[0].tag: expected \"G\", \"M\" or \"S\", got \"X\"");
  j = good;
  j["scenarios"][0]["requests"] = -1;
  EXPECT_EQ(error_of(j), "$.scenarios[0].requests: expected an integer >= 0");
  j = good;
  j["scenarios"][1]["findings"][0]["evidence"]["status"] = "200";
  EXPECT_EQ(error_of(j), "$.scenarios[1].findings[0].evidence.status: expected an integer");
  j = good;
  j["scenarios"][0]["steps"][0]["ok"] = 1;
  EXPECT_EQ(error_of(j), "$.scenarios[0].steps[0].ok: expected true or false");
  j = good;
  j["scenarios"] = json::object();
  EXPECT_EQ(error_of(j), "$.scenarios: expected an array");
  EXPECT_EQ(error_of(json::array()), "$: expected an object");
}

TEST(JsonReport, InvalidUtf8InAnExcerptDoesNotThrow) {
  auto r = tiny_run();
  r.scenarios[1].findings[0].evidence->body_excerpt = "ok \xff\xfe then \xc3";
  r.scenarios[1].name = "bad \x80 name";
  std::string text;
  ASSERT_NO_THROW(text = render_json(r));
  EXPECT_NE(text.find("\"body_excerpt\": \"ok \xEF\xBF\xBD\xEF\xBF\xBD then \xEF\xBF\xBD\""),
            std::string::npos)
      << text;
  json back;
  ASSERT_NO_THROW(back = json::parse(text));
  EXPECT_EQ(back["scenarios"][1]["name"], "bad \xEF\xBF\xBD name");
}

}  // namespace
}  // namespace agentwork::reports
