// compare: an unchanged run passes, planted regressions of each kind are caught, tolerances
// (default and given) decide, improvements are not regressions; tolerance syntax errors.
#include "reports/compare.hpp"

#include <gtest/gtest.h>

#include <string>

#include "fixtures.hpp"
#include "golden.hpp"
#include "load_fixtures.hpp"

namespace agentwork::reports {
namespace {

using load::LoadResult;

const Comparison* row(const CompareResult& r, const std::string& metric) {
  for (const auto& c : r.rows) {
    if (c.metric == metric) return &c;
  }
  return nullptr;
}

CompareResult compare_load(const LoadResult& base, const LoadResult& cur,
                           const std::vector<Tolerance>& overrides = {}) {
  static const auto run = fixtures::run_of({});
  return compare_runs({&run, &base}, {&run, &cur}, overrides);
}

TEST(Compare, AnUnchangedLoadRunHasNoRegression) {
  const auto base = fixtures::full_result();
  const auto r = compare_load(base, base);
  EXPECT_EQ(r.regressions(), 0u);
  ASSERT_NE(row(r, "latency{endpoint=status}.p99"), nullptr);
  for (const auto& c : r.rows) EXPECT_EQ(c.verdict, Change::same) << c.metric;
  EXPECT_NE(render_compare_text(r, false).find("OK: no regression"), std::string::npos);
}

TEST(Compare, APlantedLatencyRegressionIsCaught) {
  const auto base = fixtures::full_result();
  auto cur = base;
  cur.summary.endpoints[0].corrected.p99 = base.summary.endpoints[0].corrected.p99 * 3 / 2;
  const auto r = compare_load(base, cur);
  EXPECT_EQ(r.regressions(), 1u);
  const auto* p99 = row(r, "latency{endpoint=status}.p99");
  ASSERT_NE(p99, nullptr);
  EXPECT_EQ(p99->verdict, Change::regression);
  EXPECT_EQ(p99->baseline, "45.6 ms");
  EXPECT_EQ(p99->current, "68.4 ms");
  EXPECT_EQ(p99->change, "+50.0%");
  EXPECT_EQ(p99->tolerance, "10% or 1.00 ms");
  const std::string text = render_compare_text(r, false);
  EXPECT_NE(text.find("REGRESSION: 1 of "), std::string::npos) << text;
  // A tolerance given for all latencies lets it pass.
  std::string error;
  const auto loose = parse_tolerance("latency=60%", error);
  ASSERT_TRUE(loose) << error;
  EXPECT_EQ(compare_load(base, cur, {*loose}).regressions(), 0u);
  // One for another endpoint does not.
  const auto other = parse_tolerance("latency{endpoint=create}=60%", error);
  ASSERT_TRUE(other) << error;
  EXPECT_EQ(compare_load(base, cur, {*other}).regressions(), 1u);
}

TEST(Compare, WithinToleranceAndImprovementsAreNotRegressions) {
  const auto base = fixtures::full_result();
  auto cur = base;
  cur.summary.endpoints[0].corrected.p99 = base.summary.endpoints[0].corrected.p99 * 105 / 100;
  cur.summary.endpoints[0].corrected.p90 = base.summary.endpoints[0].corrected.p90 / 2;
  // 1.23 -> 1.13 ms: better, but by less than the 1 ms a latency may move either way.
  cur.summary.endpoints[0].corrected.p50 = base.summary.endpoints[0].corrected.p50 - 100;
  cur.summary.requests_per_s = base.summary.requests_per_s * 1.5;
  const auto r = compare_load(base, cur);
  EXPECT_EQ(r.regressions(), 0u);
  EXPECT_EQ(row(r, "latency{endpoint=status}.p99")->verdict, Change::worse_within_tolerance);
  EXPECT_EQ(row(r, "latency{endpoint=status}.p90")->verdict, Change::improved);
  EXPECT_EQ(row(r, "latency{endpoint=status}.p50")->verdict, Change::same);
  EXPECT_EQ(row(r, "requests.rate")->verdict, Change::improved);
}

TEST(Compare, LowerThroughputAndMoreErrorsAreRegressions) {
  const auto base = fixtures::full_result();
  auto cur = base;
  cur.summary.requests_per_s = base.summary.requests_per_s * 0.8;
  EXPECT_EQ(row(compare_load(base, cur), "requests.rate")->verdict, Change::regression);
  cur = base;
  cur.summary.error_rate = base.summary.error_rate + 0.0005;  // within the 0.001 allowed
  EXPECT_EQ(row(compare_load(base, cur), "errors.rate")->verdict, Change::worse_within_tolerance);
  cur.summary.error_rate = base.summary.error_rate + 0.01;
  EXPECT_EQ(row(compare_load(base, cur), "errors.rate")->verdict, Change::regression);
}

TEST(Compare, AFailedThresholdAndANewlyBrokenRuleAreRegressions) {
  auto base = fixtures::full_result();
  base.check_failures.clear();
  auto cur = base;
  cur.thresholds[0].verdict = agentwork::Verdict::failed;
  cur.check_failures = fixtures::full_result().check_failures;
  const auto r = compare_load(base, cur);
  EXPECT_EQ(r.regressions(), 2u);
  EXPECT_EQ(row(r, "threshold latency{endpoint=status}.p99 < 200ms")->verdict, Change::regression);
  EXPECT_EQ(row(r, "contract G.status.enum")->verdict, Change::regression);
  // The other way round: improvements.
  const auto back = compare_load(cur, base);
  EXPECT_EQ(back.regressions(), 0u);
  EXPECT_EQ(row(back, "contract G.status.enum")->verdict, Change::improved);
}

TEST(Compare, ConformanceVerdictsAndRules) {
  const auto base = fixtures::tiny_run();
  EXPECT_EQ(compare_runs({&base, nullptr}, {&base, nullptr}, {}).regressions(), 0u);
  auto cur = base;
  cur.scenarios[0].verdict = agentwork::Verdict::failed;  // create and approve: passed -> failed
  cur.scenarios[0].findings.push_back(cur.scenarios[1].findings[0]);  // G.status.enum again
  cur.scenarios[1].verdict = agentwork::Verdict::passed;                // status enum: fixed
  cur.scenarios[1].findings.clear();
  const auto r = compare_runs({&base, nullptr}, {&cur, nullptr}, {});
  EXPECT_EQ(
      row(r, "scenario \"create and approve\" (scenarios/examples/approve.json)")->verdict,
      Change::regression);
  EXPECT_EQ(row(r, "scenario \"status enum\" (scenarios/examples/status.json)")->verdict,
            Change::improved);
  EXPECT_EQ(row(r, "rule G.status.enum")->verdict, Change::same);  // 1 failure before and after
  EXPECT_EQ(r.regressions(), 1u);
}

// A conformance run's latency is judged as a load run's: the same names and tolerances.
TEST(Compare, AConformanceLatencyRegressionIsCaught) {
  const auto base = fixtures::live_run();
  EXPECT_EQ(compare_runs({&base, nullptr}, {&base, nullptr}, {}).regressions(), 0u);
  auto cur = base;
  cur.latency[0].p99_ms = 420;  // status: 210 -> 420 ms
  const auto r = compare_runs({&base, nullptr}, {&cur, nullptr}, {});
  EXPECT_EQ(r.regressions(), 1u);
  const auto* p99 = row(r, "latency{endpoint=status}.p99");
  ASSERT_NE(p99, nullptr);
  EXPECT_EQ(p99->verdict, Change::regression);
  EXPECT_EQ(p99->baseline, "210.0 ms");
  EXPECT_EQ(p99->current, "420.0 ms");
  EXPECT_EQ(p99->change, "+100.0%");
  EXPECT_EQ(p99->tolerance, "10% or 1.00 ms");
  EXPECT_EQ(row(r, "latency{endpoint=create}.p50")->verdict, Change::same);
  // 12.5 -> 13.4 ms at p50: worse by less than 10%.
  cur = base;
  cur.latency[0].p50_ms = 13.4;
  EXPECT_EQ(row(compare_runs({&base, nullptr}, {&cur, nullptr}, {}), "latency{endpoint=status}.p50")
                ->verdict,
            Change::worse_within_tolerance);
  // A --tolerance for latencies covers them here too.
  cur.latency[0].p99_ms = 420;
  std::string error;
  const auto loose = parse_tolerance("latency=150%", error);
  ASSERT_TRUE(loose) << error;
  EXPECT_EQ(compare_runs({&base, nullptr}, {&cur, nullptr}, {*loose}).regressions(), 0u);
  // An endpoint only one run called is new or gone, not a regression.
  cur = base;
  cur.latency.pop_back();
  const auto gone = compare_runs({&base, nullptr}, {&cur, nullptr}, {});
  EXPECT_EQ(gone.regressions(), 0u);
  EXPECT_EQ(row(gone, "latency{endpoint=create}.p99")->verdict, Change::removed);
}

TEST(Compare, AConformanceThresholdThatNowFailsIsARegression) {
  const auto base = fixtures::live_run();
  auto cur = base;
  cur.thresholds[0].passed = false;
  cur.thresholds[0].line = "latency{endpoint=status}.p50 < 100ms: 130ms ✗";
  cur.thresholds[1].passed = true;
  cur.thresholds[1].line = "latency{endpoint=create}.max < 100ms: 90ms ✓";
  const auto r = compare_runs({&base, nullptr}, {&cur, nullptr}, {});
  const auto* now_failing = row(r, "threshold latency{endpoint=status}.p50 < 100ms");
  ASSERT_NE(now_failing, nullptr);
  EXPECT_EQ(now_failing->verdict, Change::regression);
  EXPECT_EQ(now_failing->change, "passed -> failed");
  EXPECT_EQ(row(r, "threshold latency{endpoint=create}.max < 100ms")->verdict, Change::improved);
  const auto* error = row(r, "threshold latency{endpoint=list}.p50 < 50ms");
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->baseline, "error");
  EXPECT_EQ(error->verdict, Change::same);
  EXPECT_EQ(r.regressions(), 1u);
}

TEST(Compare, ALoadRunAgainstAConformanceRunIsAnError) {
  const auto run = fixtures::tiny_run();
  const auto load = fixtures::full_result();
  const auto r = compare_runs({&run, nullptr}, {&run, &load}, {});
  EXPECT_EQ(r.regressions(), 1u);
  ASSERT_EQ(r.notes.size(), 1u);
}

TEST(Compare, ToleranceSyntax) {
  std::string error;
  auto t = parse_tolerance("latency{endpoint=status}.p99=10%,2ms", error);
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(t->metric, "latency{endpoint=status}.p99");
  EXPECT_DOUBLE_EQ(*t->relative, 0.1);
  EXPECT_DOUBLE_EQ(*t->absolute, 2000);
  t = parse_tolerance("errors.rate=0.002", error);
  ASSERT_TRUE(t) << error;
  EXPECT_FALSE(t->relative);
  EXPECT_DOUBLE_EQ(*t->absolute, 0.002);
  for (const char* bad : {"latency", "=5%", "latency=", "latency=fast", "latency=5h", "latency=-1"}) {
    EXPECT_FALSE(parse_tolerance(bad, error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
  EXPECT_FALSE(parse_tolerance("latency=5h", error));
  EXPECT_EQ(error, "\"5h\": unknown unit \"h\" (expected %, us, ms or s)");
}

TEST(Compare, MarkdownGolden) {
  const auto base = fixtures::full_result();
  auto cur = base;
  cur.summary.endpoints[0].corrected.p99 = base.summary.endpoints[0].corrected.p99 * 3 / 2;
  cur.summary.requests_per_s = base.summary.requests_per_s * 1.2;
  golden::expect_matches("compare.md", render_compare_markdown(compare_load(base, cur)));
}

}  // namespace
}  // namespace agentwork::reports
