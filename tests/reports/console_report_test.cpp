#include "reports/console_report.hpp"

#include <gtest/gtest.h>

#include <string>

#include "fixtures.hpp"
#include "golden.hpp"

namespace agentwork::reports {
namespace {

using namespace fixtures;

TEST(ConsoleReport, ScenarioLinesGolden) {
  EXPECT_EQ(scenario_line(passed_scenario(), false),
            "PASS  create and approve  1.23 s · 1 task · 5 requests (3 polls) · 1 observation\n");
  EXPECT_EQ(scenario_line(failed_scenario(), false),
            "FAIL  status enum  2.50 s · 1 task · 4 requests (2 polls) · 1 failure\n");
  EXPECT_EQ(scenario_line(skipped_scenario(), false),
            "SKIP  mock only  0.00 s · 0 tasks · 0 requests (0 polls) · needs the bundled mock\n");
  EXPECT_EQ(scenario_line(error_scenario(), false),
            "ERROR timeout  30.00 s · 0 tasks · 1 request (0 polls) · 1 failure · "
            "target failed on the wire\n");
  EXPECT_EQ(scenario_line(interrupted_scenario(), false),
            "INTR  long wait  0.50 s · 0 tasks · 0 requests (0 polls) · Ctrl-C\n");
}

TEST(ConsoleReport, ScenarioLineShowsBothCounts) {
  auto s = failed_scenario();
  s.findings.push_back(passed_scenario().findings[0]);
  s.findings.push_back(s.findings[0]);
  EXPECT_NE(scenario_line(s, false).find(" · 2 failures, 1 observation\n"), std::string::npos);
}

// The reason belongs to skipped, errored and interrupted scenarios only.
TEST(ConsoleReport, ScenarioLineReasonOnlyWhenNotRun) {
  auto s = failed_scenario();
  s.reason = "should not show";
  EXPECT_EQ(scenario_line(s, false).find("should not show"), std::string::npos);
}

TEST(ConsoleReport, VerdictColours) {
  EXPECT_EQ(scenario_line(passed_scenario(), true).rfind("\x1b[32mPASS\x1b[0m  create", 0), 0u);
  EXPECT_EQ(scenario_line(failed_scenario(), true).rfind("\x1b[31mFAIL\x1b[0m  status", 0), 0u);
  EXPECT_EQ(scenario_line(error_scenario(), true).rfind("\x1b[31mERROR\x1b[0m timeout", 0), 0u);
  EXPECT_EQ(scenario_line(skipped_scenario(), true).rfind("\x1b[33mSKIP\x1b[0m  mock", 0), 0u);
  EXPECT_EQ(scenario_line(interrupted_scenario(), true).rfind("\x1b[33mINTR\x1b[0m  long", 0), 0u);
}

TEST(ConsoleReport, NoEscapeCodesWithoutColour) {
  auto r = every_verdict_run();
  r.interrupted = true;
  std::string all = failure_details(r, false) + summary(r, false);
  for (const auto& s : r.scenarios) all += scenario_line(s, false);
  EXPECT_EQ(all.find('\x1b'), std::string::npos);
  std::string coloured = failure_details(r, true) + summary(r, true);
  EXPECT_NE(coloured.find("\x1b[31mG.status.enum"), std::string::npos);
  EXPECT_NE(coloured.find("\x1b[33mINTERRUPTED\x1b[0m"), std::string::npos);
}

TEST(ConsoleReport, FailureDetailsGolden) {
  EXPECT_EQ(failure_details(tiny_run(), false),
            "Failures:\n"
            "  status enum step 2 (await, task t1): G.status.enum [G] " +
                summary_of("G.status.enum") +
                "\n"
                "      got \"done\"\n"
                "      at poll 2\n"
                "      evidence: GET /api/v1/tasks/abc -> 200 3.5 ms\n"
                "      body: {\"status\":\"done\"}\\n\n"
                "\n"
                "Observations (not failures under the guide profile):\n"
                "  create and approve step 2 (await, task t1): "
                "M.status.last_activity_at.precision [M] " +
                summary_of("M.status.last_activity_at.precision") +
                "\n"
                "      no microseconds in \"2024-05-01T12:00:00Z\"\n");
}

// A scenario expectation has no catalogue summary; a transport error stands in for the status.
TEST(ConsoleReport, FailureDetailsOfAnErrorWithoutResponse) {
  EXPECT_EQ(failure_details(run_of({error_scenario()}), false),
            "Failures:\n"
            "  timeout step 1 (create): S.transport [S]\n"
            "      read timed out\n"
            "      evidence: POST /api/v1/tasks/ -> timeout: read 30000.0 ms\n");
}

TEST(ConsoleReport, FailureDetailsSkipPassedScenariosAndAreEmptyWithoutFindings) {
  auto passed = failed_scenario();
  passed.verdict = agentwork::Verdict::passed;
  EXPECT_EQ(failure_details(run_of({passed}), false), "");
  EXPECT_EQ(failure_details(run_of({skipped_scenario()}), false), "");
}

// Whatever the target sent, the report stays on its lines and cannot drive the terminal.
TEST(ConsoleReport, BodyExcerptControlCharactersAreEscaped) {
  auto s = failed_scenario();
  s.findings[0].evidence->body_excerpt = "a\r\n\tb\x1b[2Jc\x7f";
  const std::string text = failure_details(run_of({s}), false);
  EXPECT_NE(text.find("      body: a\\r\\n\\tb\\x1b[2Jc\\x7f\n"), std::string::npos) << text;
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\r'), std::string::npos);
}

TEST(ConsoleReport, SummaryGolden) {
  EXPECT_EQ(summary(tiny_run(), false),
            "3 scenarios: 1 passed, 1 failed, 0 errors, 1 skipped · 1 failure, 1 observation · "
            "9 requests (5 polls), 2 tasks · 4.3 s · profile strict · "
            "target mock (in-process, http://127.0.0.1:8080)\n");
}

TEST(ConsoleReport, SummaryOfAnInterruptedRun) {
  auto r = every_verdict_run();
  EXPECT_EQ(summary(r, false).find("INTERRUPTED"), std::string::npos);
  r.interrupted = true;
  const std::string text = summary(r, false);
  EXPECT_NE(text.find("5 scenarios: 1 passed, 1 failed, 1 error, 1 skipped, 1 interrupted · "
                      "2 failures, 1 observation · 10 requests (5 polls), 2 tasks"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\nINTERRUPTED: "), std::string::npos) << text;
}

// What `agentwork run` prints of a live run: the scenario lines, the details, the summary.
std::string console_of(const harness::RunResult& r, bool color) {
  std::string out;
  for (const auto& s : r.scenarios) out += scenario_line(s, color);
  return out + failure_details(r, color) + summary(r, color);
}

// Rules not seen, a [G] observation with its evidence, the latency table and the thresholds.
TEST(ConsoleReport, LiveRunGolden) {
  golden::expect_matches("conformance-live.txt", console_of(live_run(), false));
}

TEST(ConsoleReport, ScenarioLineCountsRulesNotSeen) {
  EXPECT_EQ(scenario_line(live_scenario(), false),
            "PASS  live coverage  61.23 s · 2 tasks · 40 requests (35 polls) · 1 observation · "
            "2 not seen\n");
  EXPECT_NE(scenario_line(live_scenario(), true).find(" · \x1b[33m2 not seen\x1b[0m\n"),
            std::string::npos);
}

TEST(ConsoleReport, NotSeenSectionListsRuleAndReasonPerScenario) {
  const std::string text = failure_details(live_run(), false);
  EXPECT_NE(text.find("\nNot seen (2):\n"
                      "  live coverage\n"
                      "      G.status.question.options: in 2 tasks no task asked a multi_select "
                      "question\n"
                      "      G.api_key.exchange: no --account given: the password exchange was not "
                      "tried\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(failure_details(tiny_run(), false).find("Not seen"), std::string::npos);
}

// An observation of a guide rule (a stall the policy handled) is listed with its evidence.
TEST(ConsoleReport, GuideObservationsShowTheirEvidence) {
  const std::string text = failure_details(live_run(), false);
  const auto at = text.find(
      "Observations (not failures under the guide profile):\n"
      "  live coverage step 1 (cover, task t1): G.stall.last_activity [G] ");
  ASSERT_NE(at, std::string::npos) << text;
  EXPECT_NE(text.find("      evidence: GET /api/v1/tasks/abc -> 200 41.5 ms\n"
                      "      body: {\"status\":\"processing\",",
                      at),
            std::string::npos)
      << text;
}

TEST(ConsoleReport, SummaryShowsLatencyThresholdsAndNotSeen) {
  const std::string text = summary(live_run(), false);
  EXPECT_NE(text.find("  endpoint  requests   p50    p90    p99    max\n"
                      "  status          35  12.5   48.2  210.0  250.5\n"
                      "  create           2  95.0  120.0  120.0  120.0\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  latency{endpoint=status}.p50 < 100ms: 12.5ms ✓\n"
                      "  latency{endpoint=create}.max < 100ms: 120ms ✗\n"
                      "  latency{endpoint=list}.p50 < 50ms: error: no data for "
                      "latency{endpoint=list}.p50\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(" · 1 failure, 1 observation, 2 not seen · "), std::string::npos) << text;
  // The totals stay the last line.
  EXPECT_TRUE(text.ends_with("target https://staging.agentwork.example\n")) << text;
  const std::string coloured = summary(live_run(), true);
  EXPECT_NE(coloured.find("120ms \x1b[31m✗\x1b[0m\n"), std::string::npos) << coloured;
  EXPECT_NE(coloured.find("12.5ms \x1b[32m✓\x1b[0m\n"), std::string::npos) << coloured;
}

// A decimal comma in the user's C++ locale must not reach the report.
TEST(ConsoleReport, DurationsIgnoreTheGlobalCppLocale) {
  GlobalLocale comma(comma_locale());
  EXPECT_NE(scenario_line(passed_scenario(), false).find(" 1.23 s "), std::string::npos);
  EXPECT_NE(summary(tiny_run(), false).find(" 4.3 s "), std::string::npos);
  EXPECT_NE(failure_details(tiny_run(), false).find(" 3.5 ms\n"), std::string::npos);
}

// The same with a named German locale, which also sets the C locale (printf).
TEST(ConsoleReport, DurationsIgnoreAGermanLocale) {
  const auto german = german_locale();
  if (!german) GTEST_SKIP() << "de_DE.UTF-8 is not installed (see locale -a)";
  GlobalLocale de(*german);
  EXPECT_NE(scenario_line(passed_scenario(), false).find(" 1.23 s "), std::string::npos);
  EXPECT_NE(summary(tiny_run(), false).find(" 4.3 s "), std::string::npos);
  EXPECT_NE(failure_details(tiny_run(), false).find(" 3.5 ms\n"), std::string::npos);
}

}  // namespace
}  // namespace agentwork::reports
