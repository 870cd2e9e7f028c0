#include "harness/runner/coverage.hpp"

#include <algorithm>
#include <sstream>

namespace agentwork::harness {

CoverageReport compute_coverage(std::span<const Scenario> scenarios, std::span<const Rule> rules,
                                bool live) {
  CoverageReport report;
  report.live = live;
  report.rules.reserve(rules.size());
  for (const auto& rule : rules) {
    RuleCoverage row{rule.id, rule.tag, {}};
    for (const auto& s : scenarios) {
      if (std::find(s.covers.begin(), s.covers.end(), rule.id) != s.covers.end()) {
        row.scenarios.push_back(s.name);
      }
    }
    if (!row.scenarios.empty()) ++report.covered;
    if (row.scenarios.empty() && live && !live_needs_control(rule.id).empty()) {
      ++report.needs_control;
    }
    report.rules.push_back(std::move(row));
  }
  return report;
}

std::string format_coverage(const CoverageReport& report) {
  std::size_t width = 4;
  for (const auto& r : report.rules) width = std::max(width, r.id.size());
  std::ostringstream out;
  out << std::left;
  out.width(static_cast<std::streamsize>(width + 2));
  out << "RULE"
      << "TAG  SCENARIOS\n";
  for (const auto& r : report.rules) {
    out.width(static_cast<std::streamsize>(width + 2));
    out << r.id << (r.tag == Tag::guide ? "G    " : "M    ");
    if (r.scenarios.empty() && report.live && !live_needs_control(r.id).empty()) {
      out << "NEEDS CONTROL: " << live_needs_control(r.id);
    } else if (r.scenarios.empty()) {
      out << "UNCOVERED";
    } else {
      for (std::size_t i = 0; i < r.scenarios.size(); ++i) out << (i ? "; " : "") << r.scenarios[i];
    }
    out << "\n";
  }
  out << report.covered << " of " << report.rules.size() << " rules covered";
  if (report.live) {
    std::size_t g = 0, g_all = 0;
    for (const auto& r : report.rules) {
      g_all += r.tag == Tag::guide;
      g += r.tag == Tag::guide && !r.scenarios.empty();
    }
    out << " by live scenarios (" << g << " of " << g_all << " [G] rules); " << report.needs_control
        << " listed as needing control of the deployment";
  }
  out << "\n";
  return out.str();
}

}  // namespace agentwork::harness
