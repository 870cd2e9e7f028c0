#include "harness/result/run_result.hpp"

namespace agentwork::harness {

std::string_view to_string(Severity s) {
  return s == Severity::failure ? "failure" : "observation";
}

std::string excerpt(std::string_view body, std::size_t limit) {
  if (body.size() <= limit) return std::string(body);
  std::size_t cut = limit;
  // Back up over UTF-8 continuation bytes (10xxxxxx) so that no sequence is split.
  while (cut > 0 && (static_cast<unsigned char>(body[cut]) & 0xC0) == 0x80) --cut;
  return std::string(body.substr(0, cut)) + "...";
}

std::size_t ScenarioResult::failures() const {
  std::size_t n = 0;
  for (const auto& f : findings) n += f.severity == Severity::failure;
  return n;
}

std::size_t ScenarioResult::observations() const {
  return findings.size() - failures();
}

RunResult::Totals RunResult::totals() const {
  Totals t;
  for (const auto& s : scenarios) {
    ++t.scenarios;
    switch (s.verdict) {
      case Verdict::passed:
        ++t.passed;
        break;
      case Verdict::failed:
        ++t.failed;
        break;
      case Verdict::error:
        ++t.errors;
        break;
      case Verdict::skipped:
        ++t.skipped;
        break;
      case Verdict::interrupted:
        ++t.interrupted;
        break;
    }
    t.failures += s.failures();
    t.observations += s.observations();
    t.requests += s.requests;
    t.polls += s.polls;
    t.tasks += s.tasks_created;
    t.not_seen += s.not_seen.size();
  }
  return t;
}

int exit_code(const RunResult& r) {
  if (r.interrupted) return 130;
  for (const auto& t : r.thresholds) {
    if (!t.passed) return kExitRunThresholdsFailed;
  }
  for (const auto& s : r.scenarios) {
    if (s.verdict == Verdict::failed || s.verdict == Verdict::error) return 1;
  }
  return 0;
}

ViaCounts via_counts(const RunResult& r) {
  ViaCounts v;
  for (const auto& s : r.scenarios) {
    if (s.transport != "mcp") continue;
    ++v.scenarios;
    for (const auto& step : s.steps) {
      if (step.via == "mcp") {
        ++v.tools;
      } else if (step.via == "rest") {
        ++v.rest;
      } else if (step.via.empty()) {
        ++v.none;
      } else {
        ++v.both;
      }
    }
  }
  return v;
}

}  // namespace agentwork::harness
