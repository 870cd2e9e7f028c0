// Thresholds: parsing (every form and every error with its column), units, operators, and the
// verdict against a table of figures: pass and fail as written, errors never a silent pass.
#include "harness/result/thresholds.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace agentwork::load {
namespace {

Threshold parse_ok(std::string_view text) {
  auto parsed = parse_threshold(text);
  if (auto* error = std::get_if<ParseError>(&parsed)) {
    ADD_FAILURE() << error->message();
    return {};
  }
  return std::get<Threshold>(parsed);
}

ParseError parse_error(std::string_view text) {
  auto parsed = parse_threshold(text);
  if (auto* error = std::get_if<ParseError>(&parsed)) return *error;
  ADD_FAILURE() << text << ": parsed";
  return {};
}

TEST(ThresholdParse, LabelledPercentileInMilliseconds) {
  const Threshold t = parse_ok("latency{endpoint=status}.p99 < 200ms");
  EXPECT_EQ(t.ref.metric, "latency");
  EXPECT_EQ(t.ref.labels, (std::vector<Label>{{"endpoint", "status"}}));
  EXPECT_EQ(t.ref.statistic.kind, StatKind::percentile);
  EXPECT_EQ(t.ref.statistic.percentile, 99.0);
  EXPECT_EQ(t.op, Comparison::less);
  EXPECT_EQ(t.unit, Unit::milliseconds);
  EXPECT_EQ(t.limit, 200000.0);
  EXPECT_EQ(t.text, "latency{endpoint=status}.p99 < 200ms");
  EXPECT_EQ(to_string(t.ref), "latency{endpoint=status}.p99");
}

TEST(ThresholdParse, DottedPercentile) {
  const Threshold t = parse_ok("latency.p99.9 <= 1s");
  EXPECT_EQ(t.ref.metric, "latency");
  EXPECT_TRUE(t.ref.labels.empty());
  EXPECT_EQ(t.ref.statistic.percentile, 99.9);
  EXPECT_EQ(t.op, Comparison::less_equal);
  EXPECT_EQ(t.limit, 1e6);
  EXPECT_EQ(to_string(t.ref), "latency.p99.9");
}

TEST(ThresholdParse, StatisticKeywordsAfterTheName) {
  EXPECT_EQ(parse_ok("errors.rate < 0.01").ref.statistic.kind, StatKind::rate);
  EXPECT_EQ(parse_ok("errors.rate < 0.01").ref.metric, "errors");
  EXPECT_EQ(parse_ok("polls_per_task.mean < 40").ref.statistic.kind, StatKind::mean);
  EXPECT_EQ(parse_ok("requests.rate >= 500").op, Comparison::greater_equal);
  EXPECT_EQ(parse_ok("transition_delay.p95 < 12s").limit, 12e6);
  EXPECT_EQ(parse_ok("tasks.count > 0").ref.statistic.kind, StatKind::count);
  EXPECT_EQ(parse_ok("latency.max < 1m").ref.statistic.kind, StatKind::max);
  EXPECT_EQ(parse_ok("latency.min < 1m").ref.statistic.kind, StatKind::min);
}

TEST(ThresholdParse, DottedNamesWithoutAStatisticAreTheMetricsOwnValue) {
  const Threshold t = parse_ok("tasks.stalled == 0");
  EXPECT_EQ(t.ref.metric, "tasks.stalled");
  EXPECT_EQ(t.ref.statistic.kind, StatKind::value);
  EXPECT_EQ(to_string(t.ref), "tasks.stalled");
  // A keyword followed by more names is part of the name.
  EXPECT_EQ(parse_ok("polls.count.late < 5").ref.metric, "polls.count.late");
}

TEST(ThresholdParse, SeveralLabelsSpacesAndStatisticAfterLabels) {
  const Threshold t = parse_ok("  latency{ endpoint = status , method=GET }.mean>=1.5ms  ");
  EXPECT_EQ(t.ref.labels, (std::vector<Label>{{"endpoint", "status"}, {"method", "GET"}}));
  EXPECT_EQ(t.ref.statistic.kind, StatKind::mean);
  EXPECT_EQ(t.limit, 1500.0);
  EXPECT_EQ(t.text, "latency{ endpoint = status , method=GET }.mean>=1.5ms");
  EXPECT_EQ(to_string(t.ref), "latency{endpoint=status,method=GET}.mean");
  // Labels without a statistic: the metric's own value.
  EXPECT_EQ(parse_ok("status{class=5xx}.rate < 1%").ref.labels[0].value, "5xx");
  EXPECT_EQ(parse_ok("requests{endpoint=create} > 0").ref.statistic.kind, StatKind::value);
}

TEST(ThresholdParse, PercentileBounds) {
  EXPECT_EQ(parse_ok("latency.p0 < 1s").ref.statistic.percentile, 0.0);
  EXPECT_EQ(parse_ok("latency.p100 < 1s").ref.statistic.percentile, 100.0);
  EXPECT_EQ(parse_ok("latency.p99.99 < 1s").ref.statistic.percentile, 99.99);
}

TEST(ThresholdParse, UnitsConvertExactly) {
  EXPECT_EQ(parse_ok("latency.p50 < 250us").limit, 250.0);
  EXPECT_EQ(parse_ok("latency.p50 < 1.1ms").limit, 1100.0);
  EXPECT_EQ(parse_ok("latency.p50 < 0.5s").limit, 500000.0);
  EXPECT_EQ(parse_ok("latency.p50 < 1.5m").limit, 90'000'000.0);
  EXPECT_EQ(parse_ok("latency.p50 < 200 ms").limit, 200000.0);
  EXPECT_EQ(parse_ok("errors.rate < 1%").limit, 0.01);
  EXPECT_EQ(parse_ok("errors.rate < 12.5%").limit, 0.125);
  EXPECT_EQ(parse_ok("errors.rate < 0.01").limit, 0.01);
  EXPECT_EQ(parse_ok("errors.rate < 0.01").unit, Unit::none);
  EXPECT_EQ(parse_ok("errors.rate < 1%").unit, Unit::percent);
  EXPECT_EQ(parse_ok("latency.p50 < 2m").unit, Unit::minutes);
  EXPECT_EQ(parse_ok("latency.p50 < 2s").unit, Unit::seconds);
  EXPECT_EQ(parse_ok("latency.p50 < 2us").unit, Unit::microseconds);
}

TEST(ThresholdParse, EveryOperator) {
  EXPECT_EQ(parse_ok("a < 1").op, Comparison::less);
  EXPECT_EQ(parse_ok("a <= 1").op, Comparison::less_equal);
  EXPECT_EQ(parse_ok("a > 1").op, Comparison::greater);
  EXPECT_EQ(parse_ok("a >= 1").op, Comparison::greater_equal);
  EXPECT_EQ(parse_ok("a == 1").op, Comparison::equal);
  EXPECT_EQ(parse_ok("a != 1").op, Comparison::not_equal);
  EXPECT_EQ(parse_ok("a<1").op, Comparison::less);
}

struct ErrorCase {
  const char* text;
  std::size_t column;
  const char* expected;
};

TEST(ThresholdParse, ErrorsNameTheColumnAndWhatWasExpected) {
  const std::vector<ErrorCase> cases{
      {"", 1, "a metric name ([a-z_]+)"},
      {"Latency.p99 < 1s", 1, "a metric name ([a-z_]+)"},
      {"< 1s", 1, "a metric name ([a-z_]+)"},
      {"latency. < 1s", 9, "a name or a statistic after '.'"},
      {"latency{=x}.p99 < 1s", 9, "a label name ([a-z_]+)"},
      {"latency{endpoint}.p99 < 1s", 17, "'=' after the label name"},
      {"latency{endpoint=}.p99 < 1s", 18, "a label value"},
      {"latency{a=b,a=c}.p99 < 1s", 13, "label a only once"},
      {"latency{a=b.p99 < 1s", 17, "',' or '}'"},
      {"latency{a=b", 12, "',' or '}'"},
      {"latency{a=b}.foo < 1s", 14, "a statistic (p<number>, mean, max, min, count, rate)"},
      {"latency{a=b}. < 1s", 14, "a statistic (p<number>, mean, max, min, count, rate)"},
      {"latency.mean{a=b} < 1s", 9, "labels before the statistic"},
      {"latency.p101 < 1s", 10, "a percentile from 0 to 100"},
      {"latency.p99 200ms", 13, "an operator (<, <=, >, >=, ==, !=)"},
      {"latency.p99 =< 200ms", 13, "an operator (<, <=, >, >=, ==, !=)"},
      {"latency.p99", 12, "an operator (<, <=, >, >=, ==, !=)"},
      {"latency.p99 <", 14, "a number"},
      {"latency.p99 < ms", 15, "a number"},
      {"latency.p99 < -5ms", 15, "a number"},
      {"latency.p99 < 1234567890123456", 15, "at most 15 digits"},
      {"latency.p99 < 200xs", 18, "a unit (us, ms, s, m, %) or the end"},
      {"latency.p99 < 5min", 16, "a unit (us, ms, s, m, %)"},
      {"latency.p99 < 200ms extra", 21, "the end of the threshold"},
      {"latency.p99 < 200 extra", 19, "the end of the threshold"},
  };
  for (const ErrorCase& c : cases) {
    const ParseError e = parse_error(c.text);
    EXPECT_EQ(e.text, c.text);
    EXPECT_EQ(e.column, c.column) << c.text;
    EXPECT_EQ(e.expected, c.expected) << c.text;
  }
}

TEST(ThresholdParse, ErrorMessage) {
  EXPECT_EQ(parse_error("latency.p99 200ms").message(),
            "latency.p99 200ms: column 13: expected an operator (<, <=, >, >=, ==, !=)");
}

// A run's figures as a table: known metrics, known labels, and figures by canonical reference.
class TableMetrics : public MetricsView {
 public:
  std::set<std::string> metrics{"latency", "errors", "requests", "polls_per_task", "tasks.stalled"};
  std::set<std::string> labels{"endpoint=status", "endpoint=create"};
  std::map<std::string, MetricValue> figures;

  void set(const std::string& ref, double value, Dimension d) {
    figures[ref] = MetricValue{MetricValue::Status::ok, value, d, ""};
  }

  MetricValue value(const MetricRef& ref) const override {
    MetricValue v;
    if (!metrics.contains(ref.metric)) {
      v.status = MetricValue::Status::unknown_metric;
      return v;
    }
    for (const Label& l : ref.labels) {
      if (!labels.contains(l.name + "=" + l.value)) {
        v.status = MetricValue::Status::unknown_label;
        v.detail = l.name + "=" + l.value;
        return v;
      }
    }
    auto it = figures.find(to_string(ref));
    if (it != figures.end()) return it->second;
    v.status = MetricValue::Status::unknown_statistic;
    v.detail = to_string(ref);
    return v;
  }
};

ThresholdResult check(const std::string& text, const MetricsView& m) {
  return evaluate(parse_ok(text), m);
}

TEST(ThresholdEvaluate, PassAndFailAsWritten) {
  TableMetrics m;
  m.set("latency{endpoint=status}.p99", 183200, Dimension::duration);
  m.set("errors.rate", 0.005, Dimension::ratio);
  m.set("requests.rate", 512.25, Dimension::number);
  m.set("polls_per_task.mean", 40, Dimension::number);

  ThresholdResult r = check("latency{endpoint=status}.p99 < 200ms", m);
  EXPECT_EQ(r.verdict, Verdict::passed);
  EXPECT_EQ(r.observed, 183200.0);
  EXPECT_EQ(r.line, "latency{endpoint=status}.p99 < 200ms: 183.2ms ✓");

  r = check("latency{endpoint=status}.p99 < 150ms", m);
  EXPECT_EQ(r.verdict, Verdict::failed);
  EXPECT_EQ(r.line, "latency{endpoint=status}.p99 < 150ms: 183.2ms ✗");

  EXPECT_EQ(check("latency{endpoint=status}.p99 <= 0.1832s", m).line,
            "latency{endpoint=status}.p99 <= 0.1832s: 0.1832s ✓");
  EXPECT_EQ(check("latency{endpoint=status}.p99 > 183199us", m).line,
            "latency{endpoint=status}.p99 > 183199us: 183200us ✓");
  EXPECT_EQ(check("errors.rate < 1%", m).line, "errors.rate < 1%: 0.5% ✓");
  EXPECT_EQ(check("errors.rate < 0.001", m).line, "errors.rate < 0.001: 0.005 ✗");
  EXPECT_EQ(check("requests.rate >= 500", m).line, "requests.rate >= 500: 512.25 ✓");
  EXPECT_EQ(check("polls_per_task.mean < 40", m).line, "polls_per_task.mean < 40: 40 ✗");
}

TEST(ThresholdEvaluate, EachOperatorAtBelowAndAboveTheLimit) {
  TableMetrics m;
  m.set("polls_per_task.mean", 40, Dimension::number);
  struct Row {
    const char* op;
    bool at_39, at_40, at_41;  // the verdict with the limit 39, 40, 41
  };
  const std::vector<Row> rows{
      {"<", false, false, true}, {"<=", false, true, true},  {">", true, false, false},
      {">=", true, true, false}, {"==", false, true, false}, {"!=", true, false, true},
  };
  for (const Row& row : rows) {
    for (auto [limit, expected] : {std::pair{39, row.at_39}, {40, row.at_40}, {41, row.at_41}}) {
      const std::string text =
          std::string("polls_per_task.mean ") + row.op + " " + std::to_string(limit);
      EXPECT_EQ(check(text, m).verdict, expected ? Verdict::passed : Verdict::failed) << text;
    }
  }
}

TEST(ThresholdEvaluate, PercentEqualsItsFraction) {
  TableMetrics m;
  m.set("errors.rate", 0.01, Dimension::ratio);
  EXPECT_EQ(check("errors.rate == 1%", m).verdict, Verdict::passed);
  EXPECT_EQ(check("errors.rate == 0.01", m).verdict, Verdict::passed);
  m.set("latency.p50", 1100, Dimension::duration);
  EXPECT_EQ(check("latency.p50 == 1.1ms", m).verdict, Verdict::passed);
}

TEST(ThresholdEvaluate, UnknownMetricIsAnError) {
  TableMetrics m;
  const ThresholdResult r = check("latncy.p99 < 200ms", m);
  EXPECT_EQ(r.verdict, Verdict::error);
  EXPECT_FALSE(r.observed.has_value());
  EXPECT_EQ(r.line, "latncy.p99 < 200ms: error: unknown metric latncy");
}

TEST(ThresholdEvaluate, UnknownLabelIsAnError) {
  TableMetrics m;
  m.set("latency{endpoint=status}.p99", 1000, Dimension::duration);
  EXPECT_EQ(check("latency{endpoint=stats}.p99 < 200ms", m).line,
            "latency{endpoint=stats}.p99 < 200ms: error: unknown label endpoint=stats");
}

TEST(ThresholdEvaluate, UnknownStatisticIsAnError) {
  TableMetrics m;
  const ThresholdResult r = check("errors.p99 < 1%", m);
  EXPECT_EQ(r.verdict, Verdict::error);
  EXPECT_EQ(r.line, "errors.p99 < 1%: error: statistic errors.p99 does not apply to errors");
}

TEST(ThresholdEvaluate, NoDataIsAnError) {
  TableMetrics m;
  m.figures["latency{endpoint=create}.p99"] =
      MetricValue{MetricValue::Status::no_data, 0, Dimension::duration, "count 0"};
  const ThresholdResult r = check("latency{endpoint=create}.p99 < 1s", m);
  EXPECT_EQ(r.verdict, Verdict::error);
  EXPECT_EQ(r.line,
            "latency{endpoint=create}.p99 < 1s: error: no data for latency{endpoint=create}.p99 "
            "(count 0)");
}

TEST(ThresholdEvaluate, AUnitThatDoesNotFitTheFigureIsAnError) {
  TableMetrics m;
  m.set("latency.p99", 1000, Dimension::duration);
  m.set("errors.rate", 0.5, Dimension::ratio);
  m.set("requests.rate", 100, Dimension::number);
  EXPECT_EQ(check("latency.p99 < 200", m).line,
            "latency.p99 < 200: error: the figure is a duration: give the limit a time unit "
            "(us, ms, s, m)");
  EXPECT_EQ(check("latency.p99 < 5%", m).verdict, Verdict::error);
  EXPECT_EQ(check("errors.rate < 200ms", m).line,
            "errors.rate < 200ms: error: the figure is a ratio: give the limit as a fraction or "
            "a percentage");
  EXPECT_EQ(check("requests.rate > 5s", m).line,
            "requests.rate > 5s: error: the figure is a plain number: the limit takes no unit");
  EXPECT_EQ(check("requests.rate > 5%", m).verdict, Verdict::error);
}

TEST(ThresholdEvaluate, NotANumberIsAnError) {
  TableMetrics m;
  m.set("requests.rate", std::nan(""), Dimension::number);
  EXPECT_EQ(check("requests.rate > 5", m).line,
            "requests.rate > 5: error: the figure is not a number");
}

TEST(ThresholdEvaluate, AllPassedOnlyWhenEveryThresholdPassed) {
  TableMetrics m;
  m.set("requests.rate", 100, Dimension::number);
  const std::vector<Threshold> thresholds{parse_ok("requests.rate > 50"),
                                          parse_ok("requests.rate < 200")};
  EXPECT_TRUE(all_passed(evaluate_all(thresholds, m)));
  const std::vector<Threshold> with_error{parse_ok("requests.rate > 50"), parse_ok("nothing < 1")};
  const std::vector<ThresholdResult> results = evaluate_all(with_error, m);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1].verdict, Verdict::error);
  EXPECT_FALSE(all_passed(results));
  const std::vector<Threshold> with_failure{parse_ok("requests.rate > 500")};
  EXPECT_FALSE(all_passed(evaluate_all(with_failure, m)));
  EXPECT_TRUE(all_passed(std::vector<ThresholdResult>{}));
}

}  // namespace
}  // namespace agentwork::load
