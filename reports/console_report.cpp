#include "reports/console_report.hpp"

#include <string_view>
#include <vector>

#include "reports/load_report.hpp"
#include "reports/text_format.hpp"

namespace agentwork::reports {
namespace {

using harness::EndpointLatency;
using harness::FindingRecord;
using harness::RunResult;
using harness::ScenarioResult;
using harness::Severity;
using agentwork::Verdict;

constexpr std::string_view kGreen = "\x1b[32m";
constexpr std::string_view kRed = "\x1b[31m";
constexpr std::string_view kYellow = "\x1b[33m";
constexpr std::string_view kBold = "\x1b[1m";
constexpr std::string_view kReset = "\x1b[0m";

std::string paint(std::string_view text, std::string_view colour, bool color) {
  if (!color) return std::string(text);
  return std::string(colour) + std::string(text) + std::string(kReset);
}

std::string_view verdict_word(Verdict v) {
  switch (v) {
    case Verdict::passed:
      return "PASS";
    case Verdict::failed:
      return "FAIL";
    case Verdict::error:
      return "ERROR";
    case Verdict::skipped:
      return "SKIP";
    case Verdict::interrupted:
      return "INTR";
  }
  return "ERROR";
}

std::string_view verdict_colour(Verdict v) {
  switch (v) {
    case Verdict::passed:
      return kGreen;
    case Verdict::failed:
    case Verdict::error:
      return kRed;
    case Verdict::skipped:
    case Verdict::interrupted:
      return kYellow;
  }
  return kRed;
}

bool has_reason(const ScenarioResult& s) {
  return !s.reason.empty() && (s.verdict == Verdict::skipped || s.verdict == Verdict::error ||
                               s.verdict == Verdict::interrupted);
}

// "  name step 2 (await, task t1): RULE [G] summary\n      detail\n      evidence: ...\n".
std::string finding_block(const std::string& scenario, const FindingRecord& f,
                          std::string_view colour, bool color) {
  return "  " + text::one_line(scenario) + " " + text::step_label(f) + ": " +
         paint(text::rule_label(f), colour, color) + "\n" + text::finding_body(f, "      ");
}

// "  name\n      RULE: reason\n" for each scenario with rules it never had the chance to check.
std::string not_seen_blocks(const RunResult& r) {
  std::string out;
  for (const auto& s : r.scenarios) {
    if (s.not_seen.empty()) continue;
    out += "  " + text::one_line(s.name) + "\n";
    for (const auto& n : s.not_seen)
      out += "      " + text::one_line(n.rule_id) + ": " + text::one_line(n.reason) + "\n";
  }
  return out;
}

// The latency of each endpoint the run called, in ms, as the load summary's table.
std::string latency_section(const std::vector<EndpointLatency>& latency, bool color) {
  if (latency.empty()) return "";
  std::vector<std::vector<std::string>> rows = {
      {"endpoint", "requests", "p50", "p90", "p99", "max"}};
  const auto ms = [](double v) { return text::millis(v * 1000.0); };
  for (const auto& e : latency) {
    rows.push_back({text::one_line(e.endpoint), std::to_string(e.count), ms(e.p50_ms), ms(e.p90_ms),
                    ms(e.p99_ms), ms(e.max_ms)});
  }
  return "\n" +
         paint("Latency per endpoint (ms, from a request's start to its whole response):", kBold,
               color) +
         "\n" + text::table(rows);
}

std::string thresholds_section(const RunResult& r, bool color) {
  if (r.thresholds.empty()) return "";
  std::string out = "\n" + paint("Thresholds:", kBold, color) + "\n";
  for (const auto& t : r.thresholds)
    out += "  " + threshold_line(as_threshold_result(t), color) + "\n";
  return out;
}

}  // namespace

std::string scenario_line(const ScenarioResult& s, bool color) {
  std::string word(verdict_word(s.verdict));
  // Pad outside the colour codes so that names line up with and without colour.
  std::string out =
      paint(word, verdict_colour(s.verdict), color) + std::string(6 - word.size(), ' ') +
      text::one_line(s.name) + "  " + text::seconds(s.duration_ms, 2) + " s · " +
      text::count_of(s.tasks_created, "task") + " · " + text::count_of(s.requests, "request") +
      " (" + text::count_of(s.polls, "poll") + ")";
  const std::size_t failures = s.failures(), observations = s.observations();
  if (failures > 0 || observations > 0) {
    out += " · ";
    if (failures > 0) out += paint(text::count_of(failures, "failure"), kRed, color);
    if (failures > 0 && observations > 0) out += ", ";
    if (observations > 0) out += text::count_of(observations, "observation");
  }
  // Never a pass: a rule left unchecked shows on the line of the scenario that meant to check it.
  if (!s.not_seen.empty())
    out += " · " + paint(std::to_string(s.not_seen.size()) + " not seen", kYellow, color);
  if (has_reason(s)) out += " · " + text::one_line(s.reason);
  return out + "\n";
}

std::string failure_details(const RunResult& r, bool color) {
  std::string failures, observations;
  for (const auto& s : r.scenarios) {
    for (const auto& f : s.findings) {
      if (f.severity == Severity::observation) {
        observations += finding_block(s.name, f, kYellow, color);
      } else if (s.verdict != Verdict::passed) {
        failures += finding_block(s.name, f, kRed, color);
      }
    }
  }
  std::string out;
  if (!failures.empty()) out += paint("Failures:", kBold, color) + "\n" + failures;
  if (!observations.empty()) {
    if (!out.empty()) out += "\n";
    out += paint("Observations (not failures under the guide profile):", kBold, color) + "\n" +
           observations;
  }
  if (const std::string not_seen = not_seen_blocks(r); !not_seen.empty()) {
    if (!out.empty()) out += "\n";
    out += paint("Not seen (" + std::to_string(r.totals().not_seen) + "):", kBold, color) + "\n" +
           not_seen;
  }
  return out;
}

std::string summary(const RunResult& r, bool color) {
  const auto t = r.totals();
  auto counted = [&](std::size_t n, std::string_view word, std::string_view colour) {
    const std::string s = std::to_string(n) + " " + std::string(word);
    return n > 0 ? paint(s, colour, color) : s;
  };
  // The run's figures first, so that the totals stay the last line.
  std::string out = latency_section(r.latency, color) + thresholds_section(r, color);
  if (!out.empty()) out += "\n";
  out += text::count_of(t.scenarios, "scenario") + ": " + counted(t.passed, "passed", kGreen) +
         ", " + counted(t.failed, "failed", kRed) + ", " +
         counted(t.errors, t.errors == 1 ? "error" : "errors", kRed) + ", " +
         counted(t.skipped, "skipped", kYellow);
  if (t.interrupted > 0) out += ", " + counted(t.interrupted, "interrupted", kYellow);
  out += " · " + text::count_of(t.failures, "failure") + ", " +
         text::count_of(t.observations, "observation");
  if (t.not_seen > 0) out += ", " + counted(t.not_seen, "not seen", kYellow);
  out += " · " + text::count_of(t.requests, "request") + " (" + text::count_of(t.polls, "poll") +
         "), " + text::count_of(t.tasks, "task") + " · " + text::seconds(r.duration_ms, 1) + " s" +
         " · profile " + text::one_line(r.profile) + " · target " + text::one_line(r.target) + "\n";
  if (const auto v = harness::via_counts(r); v.scenarios > 0) {
    out += "via mcp: " + text::count_of(v.tools, "step") + " through tools, " +
           std::to_string(v.rest) + " over REST, " + std::to_string(v.both) + " both, " +
           std::to_string(v.none) + " without an API call, 0 skipped (steps without a tool go "
           "over REST; see each step's reason)\n";
  }
  if (r.interrupted)
    out += paint("INTERRUPTED", kYellow, color) +
           ": stopped before every scenario had finished; the counts cover what ran\n";
  return out;
}

}  // namespace agentwork::reports
