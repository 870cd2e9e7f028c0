// Thresholds: the lines of a load profile that turn the run's figures into a verdict, e.g.
//   latency{endpoint=status}.p99 < 200ms     errors.rate < 1%     polls_per_task.mean < 40
// Grammar (spaces allowed around the operator and inside the braces):
//   threshold := metric [ "{" label "=" value { "," label "=" value } "}" ] [ "." statistic ]
//                operator number [ unit ]
//   metric    := name { "." name }          name := [a-z_]+
//   statistic := "p" number | "mean" | "max" | "min" | "count" | "rate"
//   operator  := "<" | "<=" | ">" | ">=" | "==" | "!="
//   unit      := "us" | "ms" | "s" | "m" | "%"
// Without labels, a last name that is a statistic keyword is the statistic (errors.rate is the
// rate of errors); with labels the statistic follows the closing brace. Durations are compared
// in microseconds (200ms is 200000), percentages as fractions (1% is 0.01).
// A threshold the run cannot answer (unknown metric, label or statistic, no data, a unit that
// does not fit the figure) is an error, never a silent pass. Pure: no clock, no sockets.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "harness/result/verdict.hpp"

namespace agentwork::load {

enum class StatKind { value, percentile, mean, max, min, count, rate };

struct Statistic {
  StatKind kind = StatKind::value;  // value: the metric's own figure
  double percentile = 0.0;          // for StatKind::percentile, in [0, 100]
  bool operator==(const Statistic&) const = default;
};

struct Label {
  std::string name;
  std::string value;
  bool operator==(const Label&) const = default;
};

// What a threshold asks the run for: latency{endpoint=status}.p99.
struct MetricRef {
  std::string metric;         // "latency", "tasks.completed"
  std::vector<Label> labels;  // in the order written
  Statistic statistic;
  bool operator==(const MetricRef&) const = default;
};
// The canonical text: metric, labels, then ".stat" unless the statistic is the value itself.
std::string to_string(const MetricRef& ref);

enum class Comparison { less, less_equal, greater, greater_equal, equal, not_equal };
std::string_view to_string(Comparison op);

enum class Unit { none, microseconds, milliseconds, seconds, minutes, percent };

struct Threshold {
  std::string text;  // as written, without surrounding spaces
  MetricRef ref;
  Comparison op = Comparison::less;
  double limit = 0.0;  // converted: microseconds for time units, a fraction for %
  Unit unit = Unit::none;
};

struct ParseError {
  std::string text;        // the threshold as given
  std::size_t column = 0;  // 1-based column of the offending character (text size + 1: the end)
  std::string expected;    // "an operator (<, <=, >, >=, ==, !=)"
  // `<text>: column <n>: expected <expected>`
  std::string message() const;
};

std::variant<Threshold, ParseError> parse_threshold(std::string_view text);

// The kind of figure a metric reference yields: how its limit's unit must read.
enum class Dimension {
  duration,  // microseconds; the limit needs a time unit
  ratio,     // a fraction; the limit is a plain fraction or a percentage
  number,    // a count or a rate per second; the limit has no unit
};

struct MetricValue {
  enum class Status { ok, unknown_metric, unknown_label, unknown_statistic, no_data };
  Status status = Status::ok;
  double value = 0.0;  // when ok
  Dimension dimension = Dimension::number;
  std::string detail;  // for errors: which label or statistic, or why there is no data
};

// The run's figures, as the thresholds see them; the load engine implements it over its
// merged metrics. no_data when the metric exists but recorded nothing (count 0).
class MetricsView {
 public:
  virtual ~MetricsView() = default;
  virtual MetricValue value(const MetricRef& ref) const = 0;
};

struct ThresholdResult {
  Verdict verdict = Verdict::error;
  std::optional<double> observed;  // in the threshold's internal units, when known
  // `latency{endpoint=status}.p99 < 200ms: 183.2ms ✓`, `... ✗`, or `...: error: <why>`
  std::string line;
};

ThresholdResult evaluate(const Threshold& threshold, const MetricsView& metrics);
std::vector<ThresholdResult> evaluate_all(std::span<const Threshold> thresholds,
                                          const MetricsView& metrics);
// True when every result passed (errors and failures both fail the run).
bool all_passed(std::span<const ThresholdResult> results);

}  // namespace agentwork::load
