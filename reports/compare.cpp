#include "reports/compare.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>

#include "reports/load_report.hpp"
#include "reports/markdown_report.hpp"
#include "reports/text_format.hpp"

namespace agentwork::reports {

using harness::RunResult;
using harness::ScenarioResult;
using harness::Severity;
using agentwork::Verdict;
using load::LatencySummary;
using load::LoadResult;
using load::LoadSummary;

std::string_view to_string(Change c) {
  switch (c) {
    case Change::same:
      return "ok";
    case Change::improved:
      return "improved";
    case Change::worse_within_tolerance:
      return "ok (within tolerance)";
    case Change::regression:
      return "REGRESSION";
    case Change::added:
      return "new";
    case Change::removed:
      return "gone";
  }
  return "ok";
}

std::size_t CompareResult::regressions() const {
  return static_cast<std::size_t>(std::count_if(rows.begin(), rows.end(), [](const Comparison& c) {
    return c.verdict == Change::regression;
  }));
}

std::optional<Tolerance> parse_tolerance(std::string_view text, std::string& error) {
  const auto eq = text.rfind('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == text.size()) {
    error = "expected NAME=VALUE (e.g. latency=15% or errors.rate=0.002), got \"" +
            std::string(text) + "\"";
    return std::nullopt;
  }
  Tolerance t;
  t.metric = std::string(text.substr(0, eq));
  std::string_view values = text.substr(eq + 1);
  while (!values.empty()) {
    const auto comma = values.find(',');
    const std::string_view v = values.substr(0, comma);
    values = comma == std::string_view::npos ? std::string_view{} : values.substr(comma + 1);
    double number = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), number);
    const std::string_view unit(end, static_cast<std::size_t>(v.data() + v.size() - end));
    if (ec != std::errc() || v.empty() || !std::isfinite(number) || number < 0) {
      error =
          "\"" + std::string(v) + "\": expected a number >= 0 with an optional unit (%, us, ms, s)";
      return std::nullopt;
    }
    if (unit == "%") {
      t.relative = number / 100.0;
    } else if (unit.empty()) {
      t.absolute = number;
    } else if (unit == "us") {
      t.absolute = number;
    } else if (unit == "ms") {
      t.absolute = number * 1e3;
    } else if (unit == "s") {
      t.absolute = number * 1e6;
    } else {
      error = "\"" + std::string(v) + "\": unknown unit \"" + std::string(unit) +
              "\" (expected %, us, ms or s)";
      return std::nullopt;
    }
  }
  return t;
}

namespace {

enum class Better { lower, higher };
enum class Unit { micros, ratio, count, rate, plain };

struct Figure {
  std::string metric;
  Unit unit = Unit::plain;
  Better better = Better::lower;
  std::optional<double> value;
};

std::string format(double v, Unit unit) {
  switch (unit) {
    case Unit::micros:
      return text::millis(v) + " ms";
    case Unit::ratio:
      return text::fixed(v * 100.0, 3) + "%";
    case Unit::count:
      return text::fixed(v, 0);
    case Unit::rate:
      return text::fixed(v, 1) + "/s";
    case Unit::plain:
      return text::fixed(v, 2);
  }
  return text::shortest(v);
}

std::string format_tolerance(const Tolerance& t, Unit unit) {
  std::string out;
  if (t.relative) out = text::shortest(*t.relative * 100.0) + "%";
  if (t.absolute && *t.absolute > 0) {
    out += (out.empty() ? "" : " or ") +
           (unit == Unit::micros ? format(*t.absolute, unit) : text::shortest(*t.absolute));
  }
  return out.empty() ? "0" : out;
}

bool matches(const std::string& metric, const std::string& key) {
  if (metric == key) return true;
  return metric.size() > key.size() && metric.starts_with(key) &&
         (metric[key.size()] == '{' || metric[key.size()] == '.');
}

// The default tolerance of a figure: latencies 10% or 1 ms, rates and means 10%, the error
// rate 0.001 absolute, counts of late or dropped polls 10% or 10.
Tolerance default_tolerance(const Figure& f) {
  Tolerance t;
  t.metric = f.metric;
  if (f.unit == Unit::micros) {
    t.relative = 0.10, t.absolute = 1000;
  } else if (f.metric == "errors.rate") {
    t.absolute = 0.001;
  } else if (f.unit == Unit::count) {
    t.relative = 0.10, t.absolute = 10;
  } else {
    t.relative = 0.10;
  }
  return t;
}

Tolerance tolerance_for(const Figure& f, const std::vector<Tolerance>& overrides) {
  Tolerance t = default_tolerance(f);
  for (const auto& o : overrides) {
    if (matches(f.metric, o.metric)) {
      t.relative = o.relative;
      t.absolute = o.absolute;
    }
  }
  return t;
}

Comparison judge(const Figure& base, const Figure& cur, const std::vector<Tolerance>& overrides) {
  Comparison c;
  c.metric = base.metric;
  if (base.value) c.baseline = format(*base.value, base.unit);
  if (cur.value) c.current = format(*cur.value, cur.unit);
  if (!base.value || !cur.value) {
    c.verdict = !base.value && !cur.value ? Change::same
                : base.value              ? Change::removed
                                          : Change::added;
    return c;
  }
  const Tolerance t = tolerance_for(base, overrides);
  c.tolerance = format_tolerance(t, base.unit);
  const double b = *base.value, v = *cur.value;
  const double delta = v - b;
  if (delta != 0) {
    c.change = b != 0 ? (delta > 0 ? "+" : "") + text::fixed(delta / std::fabs(b) * 100.0, 1) + "%"
                      : (delta > 0 ? "+" : "-") + format(std::fabs(delta), base.unit);
  }
  const double worse = base.better == Better::lower ? delta : -delta;
  const double allowed = std::max(t.relative.value_or(0) * std::fabs(b), t.absolute.value_or(0));
  if (worse == 0) {
    c.verdict = Change::same;
  } else if (worse > allowed) {
    c.verdict = Change::regression;
  } else if (worse > 0) {
    c.verdict = Change::worse_within_tolerance;
  } else {
    c.verdict = -worse > allowed ? Change::improved : Change::same;
  }
  return c;
}

// --- The figures of a load run -------------------------------------------------------------

std::optional<double> latency_stat(const LatencySummary& l, std::string_view stat) {
  if (l.count == 0) return std::nullopt;
  if (stat == "p50") return static_cast<double>(l.p50);
  if (stat == "p90") return static_cast<double>(l.p90);
  return static_cast<double>(l.p99);
}

// A figure with no data (no requests, no transitions, an endpoint not called) is nullopt.
std::vector<Figure> load_figures(const LoadSummary& s, const std::vector<std::string>& endpoints) {
  std::vector<Figure> out;
  const auto add = [&](std::string metric, Unit unit, Better better, std::optional<double> v) {
    out.push_back({std::move(metric), unit, better, v});
  };
  const auto when = [](bool has_data, double v) {
    return has_data ? std::optional<double>(v) : std::nullopt;
  };
  add("requests.rate", Unit::rate, Better::higher, s.requests_per_s);
  add("errors.rate", Unit::ratio, Better::lower, when(s.requests > 0, s.error_rate));
  for (const auto& name : endpoints) {
    const auto e = std::find_if(s.endpoints.begin(), s.endpoints.end(),
                                [&](const auto& c) { return agentwork::to_string(c.endpoint) == name; });
    const bool called = e != s.endpoints.end();
    for (const char* stat : {"p50", "p90", "p99"}) {  // max and p99.9: too noisy for a gate
      add("latency{endpoint=" + name + "}." + stat, Unit::micros, Better::lower,
          called ? latency_stat(e->corrected, stat) : std::nullopt);
    }
    add("latency_uncorrected{endpoint=" + name + "}.p99", Unit::micros, Better::lower,
        called ? latency_stat(e->uncorrected, "p99") : std::nullopt);
  }
  add("polls_per_transition.mean", Unit::plain, Better::lower,
      when(s.transitions > 0, s.polls_per_transition));
  for (const char* stat : {"p50", "p99"}) {
    add(std::string("transition_delay.") + stat, Unit::micros, Better::lower,
        latency_stat(s.transition_delay, stat));
  }
  add("wasted_polls.rate", Unit::ratio, Better::lower, when(s.polls > 0, s.wasted_poll_share));
  add("late_polls.count", Unit::count, Better::lower, static_cast<double>(s.late_polls));
  add("dropped_polls.count", Unit::count, Better::lower, static_cast<double>(s.dropped_polls));
  return out;
}

// The names of the endpoints in both lists, in the order first seen.
template <typename Endpoints, typename Name>
std::vector<std::string> endpoint_names(const Endpoints& a, const Endpoints& b, Name name) {
  std::vector<std::string> out;
  for (const auto* list : {&a, &b}) {
    for (const auto& e : *list) {
      const std::string n(name(e));
      if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
    }
  }
  return out;
}

// A row per threshold, by its text: one that passed and now does not is a regression.
void compare_thresholds(const std::vector<load::ThresholdResult>& base,
                        const std::vector<load::ThresholdResult>& cur, CompareResult& out) {
  std::map<std::string, std::pair<std::string, std::string>> thresholds;
  auto verdict = [](const load::ThresholdResult& t) {
    return t.verdict == agentwork::Verdict::passed   ? "passed"
           : t.verdict == agentwork::Verdict::failed ? "failed"
                                                : "error";
  };
  for (const auto& t : base) thresholds[threshold_text(t)].first = verdict(t);
  for (const auto& t : cur) thresholds[threshold_text(t)].second = verdict(t);
  for (const auto& [text_, v] : thresholds) {
    Comparison row;
    row.metric = "threshold " + text_;
    row.baseline = v.first;
    row.current = v.second;
    if (v.first.empty() || v.second.empty()) {
      row.verdict = v.first.empty() ? Change::added : Change::removed;
    } else if (v.first == v.second) {
      row.verdict = Change::same;
    } else {
      row.change = v.first + " -> " + v.second;
      row.verdict = v.second == "passed"  ? Change::improved
                    : v.first == "passed" ? Change::regression
                                          : Change::same;
    }
    out.rows.push_back(row);
  }
}

void compare_load(const LoadResult& base, const LoadResult& cur,
                  const std::vector<Tolerance>& overrides, CompareResult& out) {
  const auto names =
      endpoint_names(base.summary.endpoints, cur.summary.endpoints,
                     [](const load::EndpointSummary& e) { return agentwork::to_string(e.endpoint); });
  const auto b = load_figures(base.summary, names), c = load_figures(cur.summary, names);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (b[i].value || c[i].value) out.rows.push_back(judge(b[i], c[i], overrides));
  }
  compare_thresholds(base.thresholds, cur.thresholds, out);

  // Contract rules broken: a rule broken now and not before is a regression.
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> rules;
  for (const auto& f : base.check_failures) rules[f.rule_id].first = f.count;
  for (const auto& f : cur.check_failures) rules[f.rule_id].second = f.count;
  for (const auto& [rule, n] : rules) {
    Comparison row;
    row.metric = "contract " + rule;
    row.baseline = std::to_string(n.first) + " responses";
    row.current = std::to_string(n.second) + " responses";
    row.verdict = n.first == 0    ? Change::regression
                  : n.second == 0 ? Change::improved
                                  : Change::same;
    if (row.verdict == Change::regression) row.change = "newly broken";
    if (row.verdict == Change::improved) row.change = "no longer broken";
    out.rows.push_back(row);
  }
  if (base.profile_name != cur.profile_name || base.executor != cur.executor) {
    out.notes.push_back("the runs used different load profiles (\"" + base.profile_name + "\", " +
                        base.executor + " vs \"" + cur.profile_name + "\", " + cur.executor +
                        "): figures may not be comparable");
  }
}

// --- Conformance ----------------------------------------------------------------------------

// A conformance run's percentile in microseconds (its figures are milliseconds).
std::optional<double> latency_stat(const harness::EndpointLatency& l, std::string_view stat) {
  if (l.count == 0) return std::nullopt;
  const double ms = stat == "p50" ? l.p50_ms : stat == "p90" ? l.p90_ms : l.p99_ms;
  return ms * 1000.0;
}

// The latency figures of a conformance run, named and judged as a load run's:
// latency{endpoint=E}.p50, .p90, .p99 of each endpoint in `endpoints`; nullopt when not called.
std::vector<Figure> run_latency_figures(const RunResult& r,
                                        const std::vector<std::string>& endpoints) {
  std::vector<Figure> out;
  for (const auto& name : endpoints) {
    const auto e =
        std::find_if(r.latency.begin(), r.latency.end(),
                     [&](const harness::EndpointLatency& l) { return l.endpoint == name; });
    for (const char* stat : {"p50", "p90", "p99"}) {
      out.push_back({"latency{endpoint=" + name + "}." + stat, Unit::micros, Better::lower,
                     e != r.latency.end() ? latency_stat(*e, stat) : std::nullopt});
    }
  }
  return out;
}

// Latency by the load rules (the same names and tolerances), then the thresholds.
void compare_run_figures(const RunResult& base, const RunResult& cur,
                         const std::vector<Tolerance>& overrides, CompareResult& out) {
  const auto names = endpoint_names(base.latency, cur.latency,
                                    [](const harness::EndpointLatency& e) { return e.endpoint; });
  const auto b = run_latency_figures(base, names), c = run_latency_figures(cur, names);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (b[i].value || c[i].value) out.rows.push_back(judge(b[i], c[i], overrides));
  }
  compare_thresholds(as_threshold_results(base.thresholds), as_threshold_results(cur.thresholds),
                     out);
}

// Each scenario's verdict, by file and name, in the order first seen.
void compare_scenarios(const RunResult& base, const RunResult& cur, CompareResult& out) {
  using Key = std::pair<std::string, std::string>;
  std::map<Key, std::pair<std::optional<Verdict>, std::optional<Verdict>>> scenarios;
  std::vector<Key> order;
  for (const auto* r : {&base, &cur}) {
    for (const ScenarioResult& s : r->scenarios) {
      const Key key{s.file, s.name};
      auto [it, fresh] = scenarios.try_emplace(key);
      if (fresh) order.push_back(key);
      (r == &base ? it->second.first : it->second.second) = s.verdict;
    }
  }
  for (const Key& key : order) {
    const auto& [b, c] = scenarios[key];
    Comparison row;
    row.metric = "scenario \"" + key.second + "\" (" + key.first + ")";
    if (b) row.baseline = std::string(agentwork::to_string(*b));
    if (c) row.current = std::string(agentwork::to_string(*c));
    if (!b || !c) {
      row.verdict = b ? Change::removed : Change::added;
    } else if (*b == *c) {
      row.verdict = Change::same;
    } else {
      row.change = row.baseline + " -> " + row.current;
      const bool now_failing = *c == Verdict::failed || *c == Verdict::error;
      row.verdict = *b == Verdict::passed && now_failing ? Change::regression
                    : *c == Verdict::passed              ? Change::improved
                                                         : Change::same;
    }
    out.rows.push_back(row);
  }
}

void compare_conformance(const RunResult& base, const RunResult& cur, CompareResult& out) {
  compare_scenarios(base, cur, out);
  // Failure findings by rule.
  std::map<std::string, std::pair<std::size_t, std::size_t>> rules;
  for (const auto* r : {&base, &cur}) {
    for (const auto& s : r->scenarios) {
      for (const auto& f : s.findings) {
        if (f.severity != Severity::failure) continue;
        auto& n = rules[f.rule_id];
        (r == &base ? n.first : n.second) += 1;
      }
    }
  }
  for (const auto& [rule, n] : rules) {
    Comparison row;
    row.metric = "rule " + rule;
    row.baseline = text::count_of(n.first, "failure");
    row.current = text::count_of(n.second, "failure");
    row.verdict = n.second > n.first   ? Change::regression
                  : n.second < n.first ? Change::improved
                                       : Change::same;
    if (n.first != n.second)
      row.change = (n.second > n.first ? "+" : "-") +
                   std::to_string(n.second > n.first ? n.second - n.first : n.first - n.second);
    out.rows.push_back(row);
  }
  if (base.profile != cur.profile) {
    out.notes.push_back("the runs used different rule profiles (" + base.profile + " vs " +
                        cur.profile + ")");
  }
}

std::string verdict_line(const CompareResult& r) {
  const std::size_t n = r.regressions();
  const auto improved =
      static_cast<std::size_t>(std::count_if(r.rows.begin(), r.rows.end(), [](const Comparison& c) {
        return c.verdict == Change::improved;
      }));
  if (n > 0) {
    return "REGRESSION: " + std::to_string(n) + " of " + std::to_string(r.rows.size()) +
           " figures worse than the baseline beyond their tolerance · exit code 1";
  }
  return "OK: no regression (" + std::to_string(r.rows.size()) + " figures compared, " +
         std::to_string(improved) + " improved) · exit code 0";
}

}  // namespace

CompareResult compare_runs(const RunInput& baseline, const RunInput& current,
                           const std::vector<Tolerance>& overrides) {
  CompareResult out;
  if (baseline.load && current.load) {
    compare_load(*baseline.load, *current.load, overrides, out);
  } else if (!baseline.load && !current.load) {
    compare_conformance(*baseline.run, *current.run, out);
    compare_run_figures(*baseline.run, *current.run, overrides, out);
  } else {
    out.notes.push_back(
        "one result is a load run and the other a conformance run: nothing to "
        "compare");
    Comparison row;
    row.metric = "kind of run";
    row.baseline = baseline.load ? "load" : "conformance";
    row.current = current.load ? "load" : "conformance";
    row.verdict = Change::regression;
    row.change = "different";
    out.rows.push_back(row);
  }
  return out;
}

std::string render_compare_text(const CompareResult& r, bool color) {
  std::vector<std::vector<std::string>> rows = {
      {"figure", "baseline", "current", "change", "tolerance", "verdict"}};
  for (const auto& c : r.rows) {
    rows.push_back({text::one_line(c.metric), text::one_line(c.baseline), text::one_line(c.current),
                    c.change, c.tolerance, std::string(to_string(c.verdict))});
  }
  std::vector<std::size_t> widths(6, 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    std::string line = " ";
    for (std::size_t i = 0; i < rows[k].size(); ++i) {
      std::string cell = rows[k][i];
      const std::string pad(widths[i] - cell.size(), ' ');
      if (color && k > 0 && i == 5 && r.rows[k - 1].verdict == Change::regression)
        cell = "\x1b[31m" + cell + "\x1b[0m";
      line += " " + cell + (i + 1 < rows[k].size() ? pad : "");
    }
    out += line + "\n";
  }
  for (const auto& note : r.notes) out += "note: " + text::one_line(note) + "\n";
  std::string verdict = verdict_line(r);
  if (color) verdict = (r.regressions() ? "\x1b[31m" : "\x1b[32m") + verdict + "\x1b[0m";
  return out + "\n" + verdict + "\n";
}

std::string render_compare_markdown(const CompareResult& r) {
  std::string out = std::string(r.regressions() ? "## ❌ " : "## ✅ ") +
                    "Agentwork compare: " + md_text(verdict_line(r)) + "\n\n";
  for (const auto& note : r.notes) out += "> " + md_text(note) + "\n\n";
  out +=
      "| Figure | Baseline | Current | Change | Tolerance | Verdict |\n"
      "|---|---:|---:|---:|---:|---|\n";
  for (const auto& c : r.rows) {
    const std::string verdict(to_string(c.verdict));
    out += "| " + md_code(c.metric, true) + " | " + md_text(c.baseline) + " | " +
           md_text(c.current) + " | " + md_text(c.change) + " | " + md_text(c.tolerance) + " | " +
           (c.verdict == Change::regression ? "❌ **" + verdict + "**" : md_text(verdict)) + " |\n";
  }
  return out;
}

}  // namespace agentwork::reports
