// `agentwork compare`: a baseline run result against a current one, for performance and
// conformance gates in CI. Pure: it reads two results and judges each figure.
//
// Conformance: a scenario that passed in the baseline and does not pass now, a rule broken more
// often than in the baseline, an endpoint's latency{endpoint=E}.p50/p90/p99 worse beyond its
// tolerance (as a load run's) and a threshold that passed and now does not are regressions. Load: each figure below is judged in its
// direction (lower latency is better, a higher request rate is better) and is a regression when
// it is worse than the baseline by more than its tolerance, max(relative * |baseline|,
// absolute); a threshold that passed and now does not, and a contract rule newly broken, are
// regressions too. Figures are named as in thresholds (docs/load-profile.md, "Metrics"):
// requests.rate, errors.rate, latency{endpoint=E}.p50/p90/p99, latency_uncorrected{endpoint=E}.p99,
// polls_per_transition.mean, transition_delay.p50/p99, wasted_polls.rate, late_polls.count,
// dropped_polls.count. Default tolerances: latencies 10% or 1 ms, the error rate 0.001, counts
// 10% or 10, the others 10%.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/load/load_result.hpp"
#include "harness/result/run_result.hpp"

namespace agentwork::reports {

// How much worse a figure may get. Units: those of the figure (microseconds for latencies).
struct Tolerance {
  std::string metric;   // a figure's name, or a prefix of names: "latency" covers
                        // "latency{endpoint=status}.p99"
  std::optional<double> relative;  // 0.1 is 10%
  std::optional<double> absolute;
};

// "latency=15%", "errors.rate=0.002", "latency{endpoint=status}.p99=5ms": a tolerance; a
// relative one ends in '%', a duration (us, ms, s) is absolute in microseconds. nullopt with
// `error` set on bad syntax.
std::optional<Tolerance> parse_tolerance(std::string_view text, std::string& error);

struct RunInput {
  const harness::RunResult* run = nullptr;
  const load::LoadResult* load = nullptr;  // null for a conformance run
};

enum class Change { same, improved, worse_within_tolerance, regression, added, removed };
std::string_view to_string(Change c);

struct Comparison {
  std::string metric;     // "latency{endpoint=status}.p99", "scenario \"cancel\"", ...
  std::string baseline;   // the figure as text, "" when absent
  std::string current;
  std::string change;     // "+12.3%", "passed -> failed"
  std::string tolerance;  // "10% or 1ms", "" when none applies
  Change verdict = Change::same;
};

struct CompareResult {
  std::vector<Comparison> rows;
  std::vector<std::string> notes;  // e.g. "the two runs used different profiles"
  std::size_t regressions() const;
};

// The default tolerances, then `overrides` (the last one naming a figure wins).
CompareResult compare_runs(const RunInput& baseline, const RunInput& current,
                           const std::vector<Tolerance>& overrides);

// A table for the terminal (ANSI colour only when `color`), ending in a verdict line; and the
// same as Markdown for a merge-request comment.
std::string render_compare_text(const CompareResult& r, bool color);
std::string render_compare_markdown(const CompareResult& r);

}  // namespace agentwork::reports
