// Rule coverage of a set of scenarios: for every catalogue rule, the scenarios that declare it in
// `covers`. Pure data in, data out; `agentwork list --coverage` renders it.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/rules.hpp"
#include "harness/runner/scenario.hpp"

namespace agentwork::harness {

struct RuleCoverage {
  std::string_view id;
  Tag tag = Tag::guide;
  std::vector<std::string> scenarios;  // names of the scenarios covering the rule, in load order
};

struct CoverageReport {
  std::vector<RuleCoverage> rules;  // one per catalogue rule, in catalogue order
  std::size_t covered = 0;          // rules with at least one scenario
  // The live view (the scenarios were chosen by --tag live): uncovered rules that need control
  // of the deployment (live_needs_control) are shown with their reason and are no gap.
  bool live = false;
  std::size_t needs_control = 0;  // uncovered rules that need control (live view only)
  bool complete() const { return covered + needs_control == rules.size(); }
};

// Coverage of `rules` by `scenarios`. Ids a scenario declares that are not in `rules` are ignored
// (the loader refuses unknown ids).
CoverageReport compute_coverage(std::span<const Scenario> scenarios, std::span<const Rule> rules,
                                bool live = false);
// Every catalogue rule. The MCP rules (section 6) are covered by the scenarios of
// scenarios/mcp, which check them when run with --via mcp (over REST they are not seen).
inline CoverageReport compute_coverage(std::span<const Scenario> scenarios, bool live = false) {
  return compute_coverage(scenarios, all_rules(), live);
}

// A table "RULE TAG SCENARIOS", one line per rule ("UNCOVERED" when no scenario covers it),
// then "N of M rules covered".
std::string format_coverage(const CoverageReport& report);

}  // namespace agentwork::harness
