// OpenMetrics: golden files for a conformance run and a load run (also parsed by the reference
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
