#include "harness/result/thresholds.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>

namespace agentwork::load {

namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_label_value_char(char c) {
  return is_name_char(c) || is_digit(c) || (c >= 'A' && c <= 'Z') || c == '.' || c == '-' ||
         c == '/' || c == ':';
}

std::optional<StatKind> stat_keyword(std::string_view name) {
  if (name == "mean") return StatKind::mean;
  if (name == "max") return StatKind::max;
  if (name == "min") return StatKind::min;
  if (name == "count") return StatKind::count;
  if (name == "rate") return StatKind::rate;
  return std::nullopt;
}

// A decimal number read exactly: mantissa * 10^-fraction_digits.
struct Decimal {
  std::int64_t mantissa = 0;
  int fraction_digits = 0;
};

// Scales a decimal by factor * 10^power10 with one rounding at most, so that 1.1ms is exactly
// 1100 and 1% is the double nearest 0.01, as the literal 0.01 is.
double scale(Decimal d, std::int64_t factor, int power10) {
  const int exponent = power10 - d.fraction_digits;
  double value = static_cast<double>(d.mantissa * factor);
  if (exponent >= 0) return value * std::pow(10.0, exponent);
  return value / std::pow(10.0, -exponent);
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  std::variant<Threshold, ParseError> parse() {
    Threshold t;
    t.text = std::string(text_);
    if (!parse_ref(t.ref)) return error_;
    skip_spaces();
    if (!parse_operator(t.op)) return error_;
    skip_spaces();
    Decimal number;
    if (!parse_number(number, "a number")) return error_;
    if (!parse_unit(number, t)) return error_;
    skip_spaces();
    if (pos_ != text_.size()) {
      fail("the end of the threshold");
      return error_;
    }
    return t;
  }

 private:
  bool fail_at(std::size_t pos, std::string expected) {
    error_ = ParseError{std::string(text_), pos + 1, std::move(expected)};
    return false;
  }
  bool fail(std::string expected) { return fail_at(pos_, std::move(expected)); }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_spaces() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  std::string_view read_while(bool (*pred)(char)) {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && pred(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  bool parse_ref(MetricRef& ref) {
    std::string_view name = read_while(is_name_char);
    if (name.empty()) return fail("a metric name ([a-z_]+)");
    ref.metric = std::string(name);
    while (peek() == '.') {
      ++pos_;
      if (peek() == 'p' && pos_ + 1 < text_.size() && is_digit(text_[pos_ + 1])) {
        return parse_percentile(ref.statistic);
      }
      const std::size_t start = pos_;
      name = read_while(is_name_char);
      if (name.empty()) return fail("a name or a statistic after '.'");
      const auto stat = stat_keyword(name);
      if (stat && peek() != '.' && peek() != '{') {
        ref.statistic.kind = *stat;
        return true;
      }
      if (stat && peek() == '{') return fail_at(start, "labels before the statistic");
      ref.metric += '.';
      ref.metric += name;
    }
    if (peek() == '{') {
      if (!parse_labels(ref.labels)) return false;
      if (peek() == '.') {
        ++pos_;
        return parse_statistic(ref.statistic);
      }
    }
    return true;
  }

  bool parse_labels(std::vector<Label>& labels) {
    ++pos_;  // '{'
    for (;;) {
      skip_spaces();
      Label label;
      label.name = std::string(read_while(is_name_char));
      if (label.name.empty()) return fail("a label name ([a-z_]+)");
      for (const Label& seen : labels) {
        if (seen.name == label.name) {
          return fail_at(pos_ - label.name.size(), "label " + label.name + " only once");
        }
      }
      skip_spaces();
      if (peek() != '=') return fail("'=' after the label name");
      ++pos_;
      skip_spaces();
      label.value = std::string(read_while(is_label_value_char));
      if (label.value.empty()) return fail("a label value");
      labels.push_back(std::move(label));
      skip_spaces();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        return true;
      }
      return fail("',' or '}'");
    }
  }

  bool parse_statistic(Statistic& stat) {
    if (peek() == 'p' && pos_ + 1 < text_.size() && is_digit(text_[pos_ + 1])) {
      return parse_percentile(stat);
    }
    const std::size_t start = pos_;
    const auto kind = stat_keyword(read_while(is_name_char));
    if (!kind) return fail_at(start, "a statistic (p<number>, mean, max, min, count, rate)");
    stat.kind = *kind;
    return true;
  }

  bool parse_percentile(Statistic& stat) {
    ++pos_;  // 'p'
    const std::size_t start = pos_;
    Decimal d;
    if (!parse_number(d, "a percentile")) return false;
    const double p = scale(d, 1, 0);
    if (p > 100.0) return fail_at(start, "a percentile from 0 to 100");
    stat.kind = StatKind::percentile;
    stat.percentile = p;
    return true;
  }

  bool parse_number(Decimal& d, const char* what) {
    const std::size_t start = pos_;
    const std::string_view whole = read_while(is_digit);
    if (whole.empty()) return fail(what);
    std::string_view fraction;
    if (peek() == '.' && pos_ + 1 < text_.size() && is_digit(text_[pos_ + 1])) {
      ++pos_;
      fraction = read_while(is_digit);
    }
    if (whole.size() + fraction.size() > 15) return fail_at(start, "at most 15 digits");
    for (char c : whole) d.mantissa = d.mantissa * 10 + (c - '0');
    for (char c : fraction) d.mantissa = d.mantissa * 10 + (c - '0');
    d.fraction_digits = static_cast<int>(fraction.size());
    return true;
  }

  bool parse_operator(Comparison& op) {
    static constexpr std::array<std::pair<std::string_view, Comparison>, 6> kOps{{
        {"<=", Comparison::less_equal},
        {">=", Comparison::greater_equal},
        {"==", Comparison::equal},
        {"!=", Comparison::not_equal},
        {"<", Comparison::less},
        {">", Comparison::greater},
    }};
    for (const auto& [token, value] : kOps) {
      if (text_.substr(pos_, token.size()) == token) {
        pos_ += token.size();
        op = value;
        return true;
      }
    }
    return fail("an operator (<, <=, >, >=, ==, !=)");
  }

  bool parse_unit(Decimal number, Threshold& t) {
    struct UnitSpec {
      std::string_view token;
      Unit unit;
      std::int64_t factor;
      int power10;
    };
    // Longest first: "ms" before "m".
    static constexpr std::array<UnitSpec, 5> kUnits{{
        {"us", Unit::microseconds, 1, 0},
        {"ms", Unit::milliseconds, 1, 3},
        {"s", Unit::seconds, 1, 6},
        {"m", Unit::minutes, 6, 7},
        {"%", Unit::percent, 1, -2},
    }};
    const std::size_t after_number = pos_;
    skip_spaces();  // "200 ms" reads as "200ms"
    for (const UnitSpec& u : kUnits) {
      if (text_.substr(pos_, u.token.size()) == u.token) {
        pos_ += u.token.size();
        if (pos_ < text_.size() && (is_name_char(peek()) || is_digit(peek()))) {
          return fail_at(pos_ - u.token.size(), "a unit (us, ms, s, m, %)");
        }
        t.unit = u.unit;
        t.limit = scale(number, u.factor, u.power10);
        return true;
      }
    }
    if (pos_ == after_number && pos_ < text_.size()) {
      return fail("a unit (us, ms, s, m, %) or the end");
    }
    pos_ = after_number;
    t.unit = Unit::none;
    t.limit = scale(number, 1, 0);
    return true;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  ParseError error_{};
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Up to 6 significant digits without an exponent: 183.2, 0.00012, 1234567.
std::string format_number(double v) {
  std::array<char, 64> buf{};
  std::snprintf(buf.data(), buf.size(), "%.6g", v);
  std::string s(buf.data());
  if (s.find('e') == std::string::npos) return s;
  std::snprintf(buf.data(), buf.size(), "%.3f", v);
  s = buf.data();
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// The observed figure in the unit the threshold was written in.
std::string format_observed(double v, Unit unit) {
  switch (unit) {
    case Unit::microseconds:
      return format_number(v) + "us";
    case Unit::milliseconds:
      return format_number(v / 1e3) + "ms";
    case Unit::seconds:
      return format_number(v / 1e6) + "s";
    case Unit::minutes:
      return format_number(v / 6e7) + "m";
    case Unit::percent:
      return format_number(v * 100.0) + "%";
    case Unit::none:
      return format_number(v);
  }
  return format_number(v);
}

bool is_time_unit(Unit u) {
  return u == Unit::microseconds || u == Unit::milliseconds || u == Unit::seconds ||
         u == Unit::minutes;
}

// Why the limit's unit cannot be compared with the figure, or nullopt when it can.
std::optional<std::string> unit_mismatch(const Threshold& t, Dimension d) {
  switch (d) {
    case Dimension::duration:
      if (is_time_unit(t.unit)) return std::nullopt;
      return "the figure is a duration: give the limit a time unit (us, ms, s, m)";
    case Dimension::ratio:
      if (t.unit == Unit::none || t.unit == Unit::percent) return std::nullopt;
      return "the figure is a ratio: give the limit as a fraction or a percentage";
    case Dimension::number:
      if (t.unit == Unit::none) return std::nullopt;
      return "the figure is a plain number: the limit takes no unit";
  }
  return std::nullopt;
}

bool compare(double observed, Comparison op, double limit) {
  switch (op) {
    case Comparison::less:
      return observed < limit;
    case Comparison::less_equal:
      return observed <= limit;
    case Comparison::greater:
      return observed > limit;
    case Comparison::greater_equal:
      return observed >= limit;
    case Comparison::equal:
      return observed == limit;
    case Comparison::not_equal:
      return observed != limit;
  }
  return false;
}

std::string lookup_error(const MetricRef& ref, const MetricValue& v) {
  switch (v.status) {
    case MetricValue::Status::unknown_metric:
      return "unknown metric " + ref.metric;
    case MetricValue::Status::unknown_label:
      return "unknown label " + v.detail;
    case MetricValue::Status::unknown_statistic:
      return "statistic " + v.detail + " does not apply to " + ref.metric;
    case MetricValue::Status::no_data:
      return "no data for " + to_string(ref) + (v.detail.empty() ? "" : " (" + v.detail + ")");
    case MetricValue::Status::ok:
      break;
  }
  return "";
}

ThresholdResult error_result(const Threshold& t, const std::string& why,
                             std::optional<double> observed = std::nullopt) {
  return {Verdict::error, observed, t.text + ": error: " + why};
}

}  // namespace

std::string to_string(const MetricRef& ref) {
  std::string s = ref.metric;
  if (!ref.labels.empty()) {
    s += '{';
    for (std::size_t i = 0; i < ref.labels.size(); ++i) {
      if (i > 0) s += ',';
      s += ref.labels[i].name + "=" + ref.labels[i].value;
    }
    s += '}';
  }
  switch (ref.statistic.kind) {
    case StatKind::value:
      break;
    case StatKind::percentile:
      s += ".p" + format_number(ref.statistic.percentile);
      break;
    case StatKind::mean:
      s += ".mean";
      break;
    case StatKind::max:
      s += ".max";
      break;
    case StatKind::min:
      s += ".min";
      break;
    case StatKind::count:
      s += ".count";
      break;
    case StatKind::rate:
      s += ".rate";
      break;
  }
  return s;
}

std::string_view to_string(Comparison op) {
  switch (op) {
    case Comparison::less:
      return "<";
    case Comparison::less_equal:
      return "<=";
    case Comparison::greater:
      return ">";
    case Comparison::greater_equal:
      return ">=";
    case Comparison::equal:
      return "==";
    case Comparison::not_equal:
      return "!=";
  }
  return "?";
}

std::string ParseError::message() const {
  return text + ": column " + std::to_string(column) + ": expected " + expected;
}

std::variant<Threshold, ParseError> parse_threshold(std::string_view text) {
  return Parser(trim(text)).parse();
}

ThresholdResult evaluate(const Threshold& t, const MetricsView& metrics) {
  const MetricValue v = metrics.value(t.ref);
  if (v.status != MetricValue::Status::ok) return error_result(t, lookup_error(t.ref, v));
  if (std::isnan(v.value)) return error_result(t, "the figure is not a number");
  if (auto why = unit_mismatch(t, v.dimension)) return error_result(t, *why, v.value);
  const bool passed = compare(v.value, t.op, t.limit);
  return {passed ? Verdict::passed : Verdict::failed, v.value,
          t.text + ": " + format_observed(v.value, t.unit) + (passed ? " ✓" : " ✗")};
}

std::vector<ThresholdResult> evaluate_all(std::span<const Threshold> thresholds,
                                          const MetricsView& metrics) {
  std::vector<ThresholdResult> results;
  results.reserve(thresholds.size());
  for (const Threshold& t : thresholds) results.push_back(evaluate(t, metrics));
  return results;
}

bool all_passed(std::span<const ThresholdResult> results) {
  for (const ThresholdResult& r : results) {
    if (r.verdict != Verdict::passed) return false;
  }
  return true;
}

}  // namespace agentwork::load
