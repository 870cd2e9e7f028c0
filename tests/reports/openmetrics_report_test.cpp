// OpenMetrics: golden files for conformance runs and a load run (also parsed by the reference
// OpenMetrics parser in tests/reports/openmetrics_check.py), cumulative buckets from histogram
// slots, label escaping.
#include "reports/openmetrics_report.hpp"

#include <gtest/gtest.h>

#include <string>

#include "fixtures.hpp"
#include "golden.hpp"
#include "load_fixtures.hpp"

namespace agentwork::reports {
namespace {

using load::Histogram;

TEST(OpenMetrics, ConformanceGolden) {
  golden::expect_matches("conformance.prom",
                         render_openmetrics(fixtures::every_verdict_run(), nullptr));
}

// Also parsed by the reference parser (CTest openmetrics.golden_files_parse).
TEST(OpenMetrics, LiveConformanceGolden) {
  golden::expect_matches("conformance-live.prom",
                         render_openmetrics(fixtures::live_run(), nullptr));
}

TEST(OpenMetrics, RunLatencyNotSeenAndThresholds) {
  const std::string text = render_openmetrics(fixtures::live_run(), nullptr);
  EXPECT_NE(text.find("# TYPE agentwork_run_latency_seconds summary\n"
                      "# UNIT agentwork_run_latency_seconds seconds\n"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find("agentwork_run_latency_seconds{endpoint=\"status\",quantile=\"0.5\"} 0.0125\n"
                "agentwork_run_latency_seconds{endpoint=\"status\",quantile=\"0.9\"} 0.04825\n"
                "agentwork_run_latency_seconds{endpoint=\"status\",quantile=\"0.99\"} 0.21\n"
                "agentwork_run_latency_seconds{endpoint=\"status\",quantile=\"1\"} 0.2505\n"
                "agentwork_run_latency_seconds_count{endpoint=\"status\"} 35\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("\nagentwork_run_not_seen 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nagentwork_run_threshold_passed{threshold=\"latency{endpoint=create}.max "
                      "< 100ms\"} 0\n"),
            std::string::npos)
      << text;
  // Without latency or thresholds, no empty family; the count of rules not seen is always there.
  const std::string tiny = render_openmetrics(fixtures::tiny_run(), nullptr);
  EXPECT_EQ(tiny.find("agentwork_run_latency_seconds"), std::string::npos);
  EXPECT_EQ(tiny.find("agentwork_run_threshold_passed"), std::string::npos);
  EXPECT_NE(tiny.find("\nagentwork_run_not_seen 0\n"), std::string::npos);
}

TEST(OpenMetrics, LoadGolden) {
  const auto load = fixtures::full_result();
  golden::expect_matches("load.prom", render_openmetrics(fixtures::run_of({}), &load));
}

TEST(OpenMetrics, EndsWithEofAndHistogramsEndWithInf) {
  const auto load = fixtures::full_result();
  const std::string text = render_openmetrics(fixtures::run_of({}), &load);
  EXPECT_TRUE(text.ends_with("\n# EOF\n"));
  EXPECT_NE(text.find("agentwork_load_latency_seconds_bucket{endpoint=\"status\",measure="
                      "\"corrected\",le=\"+Inf\"} 10990\n"
                      "agentwork_load_latency_seconds_count{endpoint=\"status\",measure="
                      "\"corrected\"} 10990\n"),
            std::string::npos)
      << text;
}

TEST(OpenMetrics, CumulativeBucketsFromSlots) {
  // 1 ms (exact slot), 2.5 ms (a 2 us slot inside 2.5 ms), 30 ms, 2 h (clamped to 1 h).
  Histogram h;
  h.record(1000, 3);
  h.record(2499, 2);
  h.record(30'000);
  h.record(7'200'000'000LL);
  const auto buckets = cumulative_buckets(h.slots());
  ASSERT_EQ(buckets.size(), kOpenMetricsBuckets.size());
  EXPECT_EQ(buckets[0], 3u);   // le 0.001
  EXPECT_EQ(buckets[1], 5u);   // le 0.0025
  EXPECT_EQ(buckets[4], 5u);   // le 0.025
  EXPECT_EQ(buckets[5], 6u);   // le 0.05
  EXPECT_EQ(buckets[16], 6u);  // le 1800
  // le 3600: the slot of the clamped value reaches past 1 h, so it is only under +Inf.
  EXPECT_EQ(buckets[17], 6u);
  // A slot that a bound cuts counts under the next bound: 250,000 us lies in a 128 us slot
  // around it, which the 0.25 s bound cuts.
  Histogram cut;
  cut.record(250'000);
  const auto cb = cumulative_buckets(cut.slots());
  EXPECT_EQ(cb[7], 0u);  // le 0.25
  EXPECT_EQ(cb[8], 1u);  // le 0.5
  EXPECT_LE(Histogram::lowest_equivalent(250'000), 250'000);
  EXPECT_GT(Histogram::highest_equivalent(250'000), 250'000);
}

TEST(OpenMetrics, LabelValuesAreEscaped) {
  EXPECT_EQ(openmetrics_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  auto s = fixtures::passed_scenario();
  s.name = "quote \" and\nnewline";
  const std::string text = render_openmetrics(fixtures::run_of({s}), nullptr);
  EXPECT_NE(text.find("scenario=\"quote \\\" and\\nnewline\""), std::string::npos) << text;
}

}  // namespace
}  // namespace agentwork::reports
