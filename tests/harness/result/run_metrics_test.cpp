// The figures of a conformance run as thresholds and reports see them: exact percentiles of the
// recorded samples, per endpoint and over all, and errors per attempt.
#include "harness/result/run_metrics.hpp"

#include <gtest/gtest.h>

#include <variant>

namespace agentwork::harness {
namespace {

load::MetricValue value_of(const RunMetrics& m, const std::string& text) {
  auto parsed = load::parse_threshold(text + " < 1");
  EXPECT_TRUE(std::holds_alternative<load::Threshold>(parsed)) << text;
  return m.value(std::get<load::Threshold>(parsed).ref);
}

TEST(RunMetrics, NearestRankPercentiles) {
  std::vector<std::int64_t> s{50, 10, 40, 20, 30};
  EXPECT_EQ(percentile(s, 50), 30);
  EXPECT_EQ(percentile(s, 20), 10);
  EXPECT_EQ(percentile(s, 21), 20);
  EXPECT_EQ(percentile(s, 90), 50);
  EXPECT_EQ(percentile(s, 100), 50);
  EXPECT_EQ(percentile({}, 50), 0);
}

TEST(RunMetrics, LatencyPerEndpointAndOverAll) {
  RunMetrics m;
  for (std::int64_t us : {1000, 2000, 3000, 4000}) m.record(Endpoint::task_status, us, 1, 0);
  m.record(Endpoint::create_task, 10000, 1, 0);
  EXPECT_EQ(value_of(m, "latency{endpoint=status}.p50").value, 2000);
  EXPECT_EQ(value_of(m, "latency{endpoint=status}.max").value, 4000);
  EXPECT_EQ(value_of(m, "latency{endpoint=status}.mean").value, 2500);
  EXPECT_EQ(value_of(m, "latency.max").value, 10000);
  EXPECT_EQ(value_of(m, "latency.count").value, 5);
  EXPECT_EQ(value_of(m, "requests{endpoint=create}.count").value, 1);
  const auto summary = m.summary();
  ASSERT_EQ(summary.size(), 2u);  // in Endpoint order: create, then status
  EXPECT_EQ(summary[0].endpoint, "create");
  EXPECT_EQ(summary[1].endpoint, "status");
  EXPECT_EQ(summary[1].count, 4u);
  EXPECT_DOUBLE_EQ(summary[1].p50_ms, 2.0);
  EXPECT_DOUBLE_EQ(summary[1].p90_ms, 4.0);
  EXPECT_DOUBLE_EQ(summary[1].max_ms, 4.0);
}

TEST(RunMetrics, ErrorsCountEveryFailedAttemptRetriedOnesToo) {
  RunMetrics m;
  m.record(Endpoint::task_status, 1000, 3, 2);  // two 503s, then a 200
  m.record(Endpoint::task_status, 1000, 1, 0);
  EXPECT_EQ(value_of(m, "errors.count").value, 2);
  EXPECT_DOUBLE_EQ(value_of(m, "errors{endpoint=status}.rate").value, 0.5);  // 2 of 4 attempts
  EXPECT_EQ(value_of(m, "errors{endpoint=create}.rate").status,
            load::MetricValue::Status::no_data);
}

TEST(RunMetrics, WhatARunCannotAnswerIsAnErrorNotAPass) {
  RunMetrics m;
  EXPECT_EQ(value_of(m, "polls_per_task.mean").status, load::MetricValue::Status::unknown_metric);
  EXPECT_EQ(value_of(m, "latency{endpoint=teapot}.p50").status,
            load::MetricValue::Status::unknown_label);
  EXPECT_EQ(value_of(m, "latency{worker=1}.p50").status, load::MetricValue::Status::unknown_label);
  EXPECT_EQ(value_of(m, "latency.rate").status, load::MetricValue::Status::unknown_statistic);
  EXPECT_EQ(value_of(m, "latency.p50").status, load::MetricValue::Status::no_data);
}

}  // namespace
}  // namespace agentwork::harness
