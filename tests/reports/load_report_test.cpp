#include "reports/load_report.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "common/rules.hpp"
#include "load_fixtures.hpp"

namespace agentwork::reports {
namespace {

using fixtures::full_result;
using fixtures::passed_result;

using load::CheckFailure;
using load::EndpointSummary;
using load::LatencySummary;
using load::LoadResult;
using load::StopReason;
using load::TaskOutcome;
using load::ThresholdResult;
using agentwork::Verdict;
using nlohmann::json;

// Every field, one by one, so that a failure names the field (ThresholdResult has no ==).
void expect_same(const LoadResult& a, const LoadResult& b) {
  EXPECT_EQ(a.profile_name, b.profile_name);
  EXPECT_EQ(a.profile_file, b.profile_file);
  EXPECT_EQ(a.executor, b.executor);
  EXPECT_EQ(a.client, b.client);
  EXPECT_EQ(a.workers, b.workers);
  EXPECT_EQ(a.poll_interval_s, b.poll_interval_s);
  EXPECT_EQ(a.rate_cap, b.rate_cap);
  EXPECT_EQ(a.warmup_s, b.warmup_s);
  EXPECT_EQ(a.stop_reason, b.stop_reason);
  EXPECT_EQ(a.stop_detail, b.stop_detail);
  ASSERT_EQ(a.summary.endpoints.size(), b.summary.endpoints.size());
  for (std::size_t i = 0; i < a.summary.endpoints.size(); ++i)
    EXPECT_TRUE(a.summary.endpoints[i] == b.summary.endpoints[i]) << "endpoint " << i;
  EXPECT_TRUE(a.summary.transition_delay == b.summary.transition_delay);
  EXPECT_TRUE(a.summary.task_duration == b.summary.task_duration);
  EXPECT_EQ(a.summary.rate_series, b.summary.rate_series);
  EXPECT_TRUE(a.summary == b.summary);
  ASSERT_EQ(a.thresholds.size(), b.thresholds.size());
  for (std::size_t i = 0; i < a.thresholds.size(); ++i) {
    EXPECT_EQ(a.thresholds[i].verdict, b.thresholds[i].verdict) << "threshold " << i;
    EXPECT_EQ(a.thresholds[i].observed, b.thresholds[i].observed) << "threshold " << i;
    EXPECT_EQ(a.thresholds[i].line, b.thresholds[i].line) << "threshold " << i;
  }
  EXPECT_EQ(a.responses_checked, b.responses_checked);
  // CheckFailure's == is deleted: harness::Evidence has none.
  ASSERT_EQ(a.check_failures.size(), b.check_failures.size());
  for (std::size_t i = 0; i < a.check_failures.size(); ++i) {
    const CheckFailure &x = a.check_failures[i], &y = b.check_failures[i];
    EXPECT_EQ(x.rule_id, y.rule_id) << "check failure " << i;
    EXPECT_EQ(x.count, y.count) << "check failure " << i;
    EXPECT_EQ(x.detail, y.detail) << "check failure " << i;
    EXPECT_EQ(x.evidence.method, y.evidence.method) << "check failure " << i;
    EXPECT_EQ(x.evidence.path, y.evidence.path) << "check failure " << i;
    EXPECT_EQ(x.evidence.status, y.evidence.status) << "check failure " << i;
    EXPECT_EQ(x.evidence.body_excerpt, y.evidence.body_excerpt) << "check failure " << i;
    EXPECT_EQ(x.evidence.error, y.evidence.error) << "check failure " << i;
    EXPECT_EQ(x.evidence.duration_ms, y.evidence.duration_ms) << "check failure " << i;
  }
  EXPECT_EQ(a.arrivals, b.arrivals);
  EXPECT_EQ(a.reused_verdicts, b.reused_verdicts);
  EXPECT_EQ(a.dropped_arrivals, b.dropped_arrivals);
  EXPECT_EQ(a.connections_opened, b.connections_opened);
  EXPECT_EQ(a.retry_after_pauses, b.retry_after_pauses);
  EXPECT_EQ(a.rate_capped_waits, b.rate_capped_waits);
  EXPECT_EQ(a.cleanup, b.cleanup);
}

// Through text, as a reader of the file gets it.
std::optional<LoadResult> round_trip(const LoadResult& r, std::string& error) {
  return load_from_json(json::parse(load_to_json(r).dump()), error);
}

// ---------------------------------------------------------------------------------------------
// JSON

TEST(LoadJson, RoundTripOfEveryField) {
  LoadResult r = full_result();
  // A distinct count in every slot, so that a class read into the wrong slot shows.
  std::uint64_t n = 100;
  for (auto* counts : {&r.summary.status_classes, &r.summary.endpoints[0].status_classes,
                       &r.summary.endpoints[1].status_classes})
    for (auto& c : *counts) c = ++n;
  for (auto* counts : {&r.summary.transport_errors, &r.summary.endpoints[0].transport_errors,
                       &r.summary.endpoints[1].transport_errors})
    for (auto& c : *counts) c = ++n;
  std::string error = "stale";
  const auto back = round_trip(r, error);
  ASSERT_TRUE(back.has_value()) << error;
  EXPECT_EQ(error, "");
  expect_same(*back, r);
}

TEST(LoadJson, RoundTripOfEmptyOptionalsAndExtremeValues) {
  LoadResult r = full_result();
  r.rate_cap.reset();
  r.thresholds[0].observed.reset();
  r.summary.requests = std::numeric_limits<std::uint64_t>::max();
  r.summary.endpoints[0].corrected.max = std::numeric_limits<std::int64_t>::max();
  r.summary.rate_slot_width_s = std::numeric_limits<std::uint32_t>::max();
  r.summary.wasted_poll_share = 0.1 + 0.2;  // not exactly 0.3: every bit must come back
  r.workers = std::numeric_limits<int>::max();
  r.check_failures[0].evidence = {"POST", "/api/v1/tasks/", 0, "", "timeout: read", 30000.125};
  std::string error;
  const auto back = round_trip(r, error);
  ASSERT_TRUE(back.has_value()) << error;
  expect_same(*back, r);
}

TEST(LoadJson, RoundTripOfEveryStopReasonAndVerdict) {
  for (const auto reason :
       {StopReason::duration_elapsed, StopReason::iterations_done, StopReason::max_tasks,
        StopReason::interrupted, StopReason::circuit_breaker, StopReason::threshold_failed}) {
    LoadResult r = full_result();
    r.stop_reason = reason;
    std::string error;
    const auto back = round_trip(r, error);
    ASSERT_TRUE(back.has_value()) << error;
    EXPECT_EQ(back->stop_reason, reason) << load::to_string(reason);
  }
}

TEST(LoadJson, NamesAndUnits) {
  const json j = load_to_json(full_result());
  EXPECT_EQ(j["stop_reason"], "duration_elapsed");
  EXPECT_EQ(j["exit_code"], load::kExitThresholdsFailed);
  EXPECT_EQ(j["rate_cap"], 200.0);
  const json& status = j["summary"]["endpoints"][0];
  EXPECT_EQ(status["endpoint"], "status");
  // Latencies stay integer microseconds; the mean is a number of microseconds.
  EXPECT_TRUE(status["latency"]["p99_us"].is_number_integer());
  EXPECT_EQ(status["latency"]["p99_us"], 45600);
  EXPECT_EQ(status["latency"]["p99_9_us"], 123456);
  EXPECT_EQ(status["latency_uncorrected"]["mean_us"], 1000.25);
  EXPECT_EQ(status["status_classes"],
            json({{"1xx", 0}, {"2xx", 10975}, {"3xx", 0}, {"4xx", 9}, {"5xx", 6}}));
  EXPECT_EQ(status["transport_errors"]["timeout"], 5);
  EXPECT_EQ(status["transport_errors"].size(), load::kErrorSlots);
  EXPECT_EQ(j["summary"]["endpoints"][1]["endpoint"], "create");
  EXPECT_EQ(j["summary"]["tasks_ended"],
            json({{"completed", 280}, {"cancelled", 10}, {"stalled", 4}, {"failed", 6}}));
  EXPECT_EQ(j["thresholds"][0]["verdict"], "passed");
  EXPECT_EQ(j["thresholds"][1]["verdict"], "failed");
  EXPECT_EQ(j["thresholds"][2]["verdict"], "error");
  EXPECT_TRUE(j["thresholds"][2]["observed"].is_null());
  EXPECT_EQ(j["check_failures"][0]["evidence"]["path"], "/api/v1/tasks/abc");
  EXPECT_EQ(j["cleanup"]["left_task_ids"], json({"t-1", "t-2"}));
  LoadResult uncapped = full_result();
  uncapped.rate_cap.reset();
  EXPECT_TRUE(load_to_json(uncapped)["rate_cap"].is_null());
}

TEST(LoadJson, UnknownKeysAreIgnored) {
  json j = load_to_json(full_result());
  j["future_field"] = {1, 2};
  j["summary"]["endpoints"][0]["future"] = "x";
  std::string error;
  const auto back = load_from_json(j, error);
  ASSERT_TRUE(back.has_value()) << error;
  expect_same(*back, full_result());
}

struct BadField {
  const char* pointer;  // the JSON pointer to change
  json value;           // the new value; discarded() to remove the member
  const char* error;
};

TEST(LoadJson, ErrorsNameTheBadField) {
  const json removed = json(json::value_t::discarded);
  const std::vector<BadField> cases = {
      {"/profile_name", removed, "$.load.profile_name: missing"},
      {"/workers", 1.5, "$.load.workers: expected an integer"},
      {"/workers", 4294967296LL, "$.load.workers: expected an integer"},
      {"/rate_cap", "fast", "$.load.rate_cap: expected a number or null"},
      {"/stop_reason", "bored",
       "$.load.stop_reason: expected one of duration_elapsed, iterations_done, max_tasks, "
       "interrupted, circuit_breaker, threshold_failed, got \"bored\""},
      {"/summary", json::array(), "$.load.summary: expected an object"},
      {"/summary/duration_s", "60", "$.load.summary.duration_s: expected a number"},
      {"/summary/endpoints/1/latency/p99_us", removed,
       "$.load.summary.endpoints[1].latency.p99_us: missing"},
      {"/summary/endpoints/0/latency/p99_us", "45.6",
       "$.load.summary.endpoints[0].latency.p99_us: expected an integer"},
      {"/summary/endpoints/0/endpoint", "statuses",
       "$.load.summary.endpoints[0].endpoint: expected one of status, create, message, solution, "
       "cancel, result, events, list, register, api_key, download, other, got \"statuses\""},
      {"/summary/endpoints/1/status_classes/5xx", removed,
       "$.load.summary.endpoints[1].status_classes.5xx: missing"},
      {"/summary/transport_errors/timeout", -1,
       "$.load.summary.transport_errors.timeout: expected an integer >= 0"},
      {"/summary/tasks_ended/stalled", removed, "$.load.summary.tasks_ended.stalled: missing"},
      {"/summary/rate_series/2", "x", "$.load.summary.rate_series[2]: expected an integer >= 0"},
      {"/summary/rate_slot_width_s", 4294967296LL,
       "$.load.summary.rate_slot_width_s: expected an integer >= 0"},
      {"/summary/transition_delay", 5, "$.load.summary.transition_delay: expected an object"},
      {"/summary/endpoints/0/latency/histogram", "x",
       "$.load.summary.endpoints[0].latency.histogram: expected an array"},
      {"/summary/endpoints/0/latency/histogram/1", json::array({1234}),
       "$.load.summary.endpoints[0].latency.histogram[1]: expected [value_us, count], integers "
       ">= 0"},
      {"/summary/endpoints/0/latency/histogram/1/0", 42,
       "$.load.summary.endpoints[0].latency.histogram[1]: expected values ascending from 0 to "
       "3600000000"},
      {"/summary/endpoints/0/latency/histogram/2/1", 1979,
       "$.load.summary.endpoints[0].latency.histogram: its counts add up to 10989, not count "
       "10990"},
      {"/thresholds/1/verdict", "maybe",
       "$.load.thresholds[1].verdict: expected one of passed, failed, error, got \"maybe\""},
      {"/thresholds/0/observed", "fast",
       "$.load.thresholds[0].observed: expected a number or null"},
      {"/thresholds", json::object(), "$.load.thresholds: expected an array"},
      {"/check_failures/0/evidence/status", removed,
       "$.load.check_failures[0].evidence.status: missing"},
      {"/check_failures/0/count", -3, "$.load.check_failures[0].count: expected an integer >= 0"},
      {"/cleanup/left_task_ids/1", 5, "$.load.cleanup.left_task_ids[1]: expected a string"},
      {"/cleanup/failed", removed, "$.load.cleanup.failed: missing"},
  };
  for (const auto& c : cases) {
    json j = load_to_json(full_result());
    const json::json_pointer p(c.pointer);
    if (c.value.is_discarded()) {
      j[p.parent_pointer()].erase(p.back());
    } else {
      j[p] = c.value;
    }
    std::string error;
    EXPECT_FALSE(load_from_json(j, error).has_value()) << c.pointer;
    EXPECT_EQ(error, c.error) << c.pointer;
  }
}

// Files written before the histograms were added read back, without them.
TEST(LoadJson, HistogramsAreOptional) {
  json j = load_to_json(full_result());
  for (auto& e : j["summary"]["endpoints"]) {
    e["latency"].erase("histogram");
    e["latency_uncorrected"].erase("histogram");
  }
  j["summary"]["transition_delay"].erase("histogram");
  std::string error;
  const auto back = load_from_json(j, error);
  ASSERT_TRUE(back.has_value()) << error;
  EXPECT_TRUE(back->summary.endpoints[0].corrected_histogram.empty());
  EXPECT_TRUE(back->summary.transition_delay_histogram.empty());
  EXPECT_EQ(back->summary.task_duration_histogram, full_result().summary.task_duration_histogram);
  EXPECT_EQ(j["summary"]["endpoints"][0]["latency"].count("histogram"), 0u);
  EXPECT_EQ(load_to_json(full_result())["summary"]["endpoints"][0]["latency"]["histogram"],
            json::parse("[[42,10],[1234,9000],[1900,1980]]"));
}

TEST(LoadJson, NotAnObject) {
  std::string error;
  EXPECT_FALSE(load_from_json(json::array(), error).has_value());
  EXPECT_EQ(error, "$.load: expected an object");
}

// ---------------------------------------------------------------------------------------------
// Console

std::string last_line(const std::string& text) {
  const std::string body = text.substr(0, text.size() - 1);  // without the final newline
  return body.substr(body.rfind('\n') + 1);
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(LoadSummary, Golden) {
  EXPECT_EQ(load_summary(full_result(), false), R"(Load run: profile smoke (profiles/smoke.json)
  executor              open, 5 tasks/s
  client                policy
  workers               4
  rate cap              200 requests/s
  poll interval         0.5 s
  warm-up               10 s (not measured)
  stopped               duration_elapsed: 60 s measured
  duration              60.0 s measured

Requests
  requests              11295 (188.2/s)
  errors                11 (0.10%; transport errors and 5xx)
  status classes        2xx 11275 · 4xx 9 · 5xx 6
  transport errors      timeout 5

Endpoints (latency in ms from the intended send time; p99 uncorr: from the actual send)
  endpoint  requests  req/s  errors   p50   p90   p99  p99.9   max  p99 uncorr
  status       10995  183.2      11  1.23  4.57  45.6  123.5  1235        9.87
  create         300    5.0       0  12.0  20.0  31.0   32.0  32.0        30.0
)"
                                                R"(
Polling
  polls                 10995
  wasted polls          9000 (81.86% saw no change)
  polls per task        mean 36.6 · max 120
  polls per transition  5.51
  transitions           1995 (2 with a negative delay: clock skew, left out of the delay)
  transition delay      p50 200.0 ms · p99 900.0 ms · max 2000 ms
  late polls            3
  dropped polls         1

Tasks
  created               300
  completed             280
  cancelled             10
  stalled               4
  failed                6
  duration              p50 17000 ms · p99 29000 ms · max 30000 ms

Contract checks (the first case of each rule broken)
  responses checked     11295
  verdicts reused       77 (answers identical to the task's previous one)
  rules broken          1
  G.status.enum [G] )" + std::string(agentwork::find_rule("G.status.enum")->summary) +
                                                    R"(: 3 responses
      got "done"
      evidence: GET /api/v1/tasks/abc -> 200 3.5 ms
      body: {"status":"done"}

Cleanup (tasks of this run not seen terminal)
  cancelled             12
  failed                2
  left running          t-1, t-2

Harness limits
  connections opened    16
  rate-capped waits     42
  retry-after pauses    1
  arrivals              1234
  dropped arrivals      7

Thresholds
  latency{endpoint=status}.p99 < 200ms: 45.6ms ✓
  errors.rate < 0.05%: 0.097% ✗
  latency{endpoint=cancel}.p99 < 1s: error: no data for latency{endpoint=cancel}.p99

FAILED: thresholds (2 of 3 not passed; contract: 1 rule broken) · exit code 4
)");
}

TEST(LoadSummary, LateAndDroppedFiguresArePrintedWhenZero) {
  LoadResult r;
  r.profile_name = "idle";
  const std::string text = load_summary(r, false);
  EXPECT_TRUE(contains(text, "\n  late polls            0\n")) << text;
  EXPECT_TRUE(contains(text, "\n  dropped polls         0\n")) << text;
  EXPECT_TRUE(contains(text, "\n  dropped arrivals      0\n")) << text;
  EXPECT_TRUE(contains(text, "\n  rate cap              none\n")) << text;
  EXPECT_TRUE(contains(text, "\n  transition delay      no data\n")) << text;
  EXPECT_TRUE(contains(text, "\n  no requests\n")) << text;
  EXPECT_TRUE(contains(text, "\nThresholds\n  none\n")) << text;
  // Zero counts of status classes and transport errors are left out.
  EXPECT_FALSE(contains(text, "status classes")) << text;
  EXPECT_FALSE(contains(text, "transport errors  ")) << text;
}

TEST(LoadSummary, EndpointWithoutLatencyShowsDashes) {
  LoadResult r = full_result();
  auto& cancel = r.summary.endpoints.emplace_back();
  cancel.endpoint = Endpoint::cancel;
  cancel.requests = 2;
  cancel.requests_per_s = 2 / 60.0;
  cancel.errors = 2;
  const std::string text = load_summary(r, false);
  EXPECT_TRUE(contains(
      text, "\n  cancel           2    0.0       2     -     -     -      -     -           -\n"))
      << text;
}

TEST(LoadSummary, LongListOfLeftTasksIsCut) {
  LoadResult r = full_result();
  r.cleanup.left_task_ids.clear();
  for (int i = 0; i < 13; ++i) r.cleanup.left_task_ids.push_back("t" + std::to_string(i));
  const std::string text = load_summary(r, false);
  EXPECT_TRUE(contains(text,
                       "  left running          t0, t1, t2, t3, t4, t5, t6, t7, t8, t9 and "
                       "3 more (all in the JSON result)\n"))
      << text;
}

TEST(LoadSummary, VerdictLineFollowsTheExitCode) {
  struct Case {
    LoadResult result;
    std::string verdict;
  };
  std::vector<Case> cases;
  cases.push_back({passed_result(),
                   "PASSED (1 threshold passed, 11295 responses met the contract) · exit code 0"});
  LoadResult contract = passed_result();
  contract.check_failures = full_result().check_failures;
  cases.push_back({contract, "FAILED: contract (1 rule broken) · exit code 1"});
  LoadResult thresholds = passed_result();
  thresholds.thresholds = full_result().thresholds;
  cases.push_back({thresholds, "FAILED: thresholds (2 of 3 not passed) · exit code 4"});
  LoadResult aborted = passed_result();
  aborted.thresholds = full_result().thresholds;
  aborted.stop_reason = StopReason::threshold_failed;
  cases.push_back(
      {aborted, "FAILED: thresholds (2 of 3 not passed; the run was aborted early) · exit code 4"});
  LoadResult breaker = full_result();
  breaker.stop_reason = StopReason::circuit_breaker;
  breaker.stop_detail = "errors 62% over the last 10 s (min 100 requests)";
  cases.push_back({breaker,
                   "STOPPED: circuit breaker (errors 62% over the last 10 s (min 100 requests)) · "
                   "exit code 5"});
  LoadResult interrupted = full_result();
  interrupted.stop_reason = StopReason::interrupted;
  cases.push_back(
      {interrupted, "INTERRUPTED (the figures cover the run until Ctrl-C) · exit code 130"});
  for (const auto& c : cases) {
    const std::string text = load_summary(c.result, false);
    EXPECT_EQ(last_line(text), c.verdict);
    EXPECT_TRUE(
        contains(last_line(text), "exit code " + std::to_string(load::exit_code(c.result))));
  }
}

TEST(LoadSummary, NoEscapeCodesWithoutColor) {
  for (const auto reason :
       {StopReason::duration_elapsed, StopReason::circuit_breaker, StopReason::interrupted}) {
    LoadResult r = full_result();
    r.stop_reason = reason;
    EXPECT_EQ(load_summary(r, false).find('\x1b'), std::string::npos);
  }
  EXPECT_EQ(load_summary(passed_result(), false).find('\x1b'), std::string::npos);
}

TEST(LoadSummary, ColorMarksThresholdsAndVerdict) {
  const std::string text = load_summary(full_result(), true);
  EXPECT_TRUE(contains(text, "45.6ms \x1b[32m✓\x1b[0m\n")) << text;
  EXPECT_TRUE(contains(text, "0.097% \x1b[31m✗\x1b[0m\n")) << text;
  EXPECT_TRUE(contains(text, "\x1b[31mlatency{endpoint=cancel}.p99 < 1s: error:")) << text;
  EXPECT_TRUE(contains(text, "\x1b[31mFAILED: thresholds\x1b[0m (")) << text;
  EXPECT_TRUE(contains(load_summary(passed_result(), true), "\x1b[32mPASSED\x1b[0m (")) << text;
  // Padding stays outside the colour codes: the values line up as without colour.
  EXPECT_TRUE(contains(text, "\n  late polls            \x1b[33m3\x1b[0m\n")) << text;
}

// ---------------------------------------------------------------------------------------------
// JUnit

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

// An independent well-formedness check: tags nest and close, every '&' starts an entity or a
// character reference, and no '<' or '>' appears outside markup or inside an attribute value.
bool well_formed(const std::string& xml, std::string& why) {
  std::vector<std::string> open;
  const std::regex entity("^&(lt|gt|amp|quot|apos|#[0-9]+);");
  for (std::size_t i = 0; i < xml.size();) {
    if (xml[i] == '&') {
      if (!std::regex_search(xml.substr(i, 8), entity))
        return why = "bare & at " + std::to_string(i), false;
      ++i;
    } else if (xml[i] == '>') {
      return why = "bare > at " + std::to_string(i), false;
    } else if (xml[i] != '<') {
      ++i;
    } else if (xml.compare(i, 2, "<?") == 0) {
      i = xml.find("?>", i) + 2;
    } else {
      const std::size_t end = xml.find('>', i);
      if (end == std::string::npos) return why = "unclosed tag", false;
      const std::string tag = xml.substr(i + 1, end - i - 1);
      if (tag.find('<') != std::string::npos) return why = "< inside " + tag, false;
      if (tag[0] == '/') {
        if (open.empty() || open.back() != tag.substr(1)) return why = "mismatched " + tag, false;
        open.pop_back();
      } else if (tag.back() != '/') {
        open.push_back(tag.substr(0, tag.find(' ')));
      }
      i = end + 1;
    }
  }
  if (!open.empty()) return why = "unclosed " + open.back(), false;
  return true;
}

std::size_t attribute(const std::string& xml, const std::string& element, const std::string& name) {
  const std::regex re("<" + element + " [^>]*\\b" + name + "=\"([0-9]+)\"");
  std::smatch m;
  EXPECT_TRUE(std::regex_search(xml, m, re)) << element << " " << name;
  return m.empty() ? 999 : std::stoul(m[1]);
}

TEST(LoadJunit, WellFormedWithATestcasePerThreshold) {
  const std::string xml = render_load_junit(full_result());
  std::string why;
  EXPECT_TRUE(well_formed(xml, why)) << why << "\n" << xml;
  // 3 thresholds, contract, cleanup.
  EXPECT_EQ(count(xml, "<testcase "), 5u) << xml;
  // The failed and the unanswerable threshold, the contract, the cleanup.
  EXPECT_EQ(count(xml, "<failure "), 4u) << xml;
  EXPECT_EQ(count(xml, "<error "), 0u) << xml;
  for (const char* element : {"testsuites", "testsuite"}) {
    EXPECT_EQ(attribute(xml, element, "tests"), 5u) << element;
    EXPECT_EQ(attribute(xml, element, "failures"), 4u) << element;
    EXPECT_EQ(attribute(xml, element, "errors"), 0u) << element;
  }
  EXPECT_TRUE(contains(xml, "<testsuite name=\"load\" ")) << xml;
  EXPECT_TRUE(contains(xml, "<property name=\"stop_reason\" value=\"duration_elapsed\"/>")) << xml;
  EXPECT_TRUE(contains(xml, "<property name=\"exit_code\" value=\"4\"/>")) << xml;
  EXPECT_TRUE(contains(xml,
                       "<failure message=\"1 rule broken: G.status.enum (3)\" "
                       "type=\"contract\">G.status.enum [G]"))
      << xml;
  EXPECT_TRUE(contains(xml,
                       "<failure message=\"2 tasks not cancelled by the cleanup\" "
                       "type=\"cleanup\">t-1\nt-2\n</failure>"))
      << xml;
}

TEST(LoadJunit, ThresholdNamesAndLinesAreEscaped) {
  LoadResult r = full_result();
  r.thresholds[1].line = "errors.rate < 0.05%: 0.097% ✗";
  r.thresholds[2].line = "latency{endpoint=cancel}.p99 < 1s: error: no data for a & b";
  const std::string xml = render_load_junit(r);
  std::string why;
  EXPECT_TRUE(well_formed(xml, why)) << why << "\n" << xml;
  // The testcase is named by the threshold as written, without the observed value.
  EXPECT_TRUE(contains(xml,
                       "<testcase name=\"latency{endpoint=status}.p99 &lt; 200ms\" "
                       "classname=\"load.thresholds\" time=\"0.000\"/>"))
      << xml;
  EXPECT_TRUE(contains(xml,
                       "<testcase name=\"errors.rate &lt; 0.05%\" classname=\"load.thresholds\" "
                       "time=\"0.000\">\n      <failure message=\"errors.rate &lt; 0.05%: "
                       "0.097% ✗\" type=\"threshold\"/>"))
      << xml;
  EXPECT_TRUE(contains(xml, "<testcase name=\"latency{endpoint=cancel}.p99 &lt; 1s\""));
  EXPECT_TRUE(contains(xml,
                       "<failure message=\"latency{endpoint=cancel}.p99 &lt; 1s: error: no "
                       "data for a &amp; b\" type=\"threshold_error\"/>"))
      << xml;
}

TEST(LoadJunit, PassedRunHasNoFailures) {
  const std::string xml = render_load_junit(passed_result());
  EXPECT_EQ(count(xml, "<testcase "), 3u) << xml;
  EXPECT_EQ(count(xml, "<failure "), 0u) << xml;
  EXPECT_TRUE(contains(xml, "<testcase name=\"contract\" classname=\"load\" time=\"0.000\"/>"));
  EXPECT_TRUE(contains(xml, "<testcase name=\"cleanup\" classname=\"load\" time=\"0.000\"/>"));
}

TEST(LoadJunit, CircuitBreakerAndInterruptAreErrors) {
  LoadResult breaker = passed_result();
  breaker.stop_reason = StopReason::circuit_breaker;
  breaker.stop_detail = "errors 62% > 50% over the last 10 s";
  const std::string xml = render_load_junit(breaker);
  std::string why;
  EXPECT_TRUE(well_formed(xml, why)) << why << "\n" << xml;
  EXPECT_TRUE(contains(xml,
                       "<testcase name=\"circuit_breaker\" classname=\"load\" "
                       "time=\"0.000\">\n      <error message=\"errors 62% &gt; 50% over the "
                       "last 10 s\" type=\"circuit_breaker\"/>"))
      << xml;
  EXPECT_EQ(attribute(xml, "testsuite", "tests"), 4u);
  EXPECT_EQ(attribute(xml, "testsuite", "errors"), 1u);
  EXPECT_TRUE(contains(xml, "<property name=\"stop_reason\" value=\"circuit_breaker\"/>"));

  LoadResult interrupted = passed_result();
  interrupted.stop_reason = StopReason::interrupted;
  const std::string xml2 = render_load_junit(interrupted);
  EXPECT_TRUE(contains(xml2, "<error message=\"60 s measured\" type=\"interrupted\"/>")) << xml2;
  EXPECT_EQ(attribute(xml2, "testsuite", "errors"), 1u);
}

TEST(LoadJunit, SummaryAsSystemOutWithoutEscapeCodes) {
  const std::string xml = render_load_junit(full_result());
  EXPECT_TRUE(contains(xml, "<system-out>Load run: profile smoke")) << xml;
  EXPECT_TRUE(contains(xml,
                       "FAILED: thresholds (2 of 3 not passed; contract: 1 rule broken) · "
                       "exit code 4\n</system-out>"))
      << xml;
  EXPECT_EQ(xml.find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace agentwork::reports
