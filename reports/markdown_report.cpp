#include "reports/markdown_report.hpp"

#include <algorithm>
#include <string_view>
#include <vector>

#include "reports/load_report.hpp"
#include "reports/text_format.hpp"

namespace agentwork::reports {

using harness::FindingRecord;
using harness::RunResult;
using harness::ScenarioResult;
using harness::Severity;
using agentwork::Verdict;
using load::LatencySummary;
using load::LoadResult;
using load::TaskOutcome;

std::string md_text(std::string_view s) {
  static constexpr std::string_view kMarkup = "\\`*_[]<>|~#&!";
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) {
      out += ' ';
    } else {
      if (kMarkup.find(ch) != std::string_view::npos) out += '\\';
      out += ch;
    }
  }
  return out;
}

std::string md_code(std::string_view s, bool table_cell) {
  std::string body;
  std::size_t run = 0, longest = 0;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    run = ch == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
    if (c < 0x20 || c == 0x7F) {
      body += ' ';
    } else if (ch == '|' && table_cell) {
      body += "\\|";
    } else {
      body += ch;
    }
  }
  const std::string fence(longest + 1, '`');
  const bool pad = !body.empty() && (body.front() == '`' || body.back() == '`');
  return fence + (pad ? " " : "") + body + (pad ? " " : "") + fence;
}

namespace {

std::string_view verdict_icon(Verdict v) {
  switch (v) {
    case Verdict::passed:
      return "✅";
    case Verdict::failed:
    case Verdict::error:
      return "❌";
    case Verdict::skipped:
      return "⏭️";
    case Verdict::interrupted:
      return "⏸️";
  }
  return "❌";
}

// A fenced code block holding `s` on one line: a fence longer than any backtick run in it.
std::string fenced(std::string_view s) {
  std::size_t run = 0, longest = 0;
  for (const char ch : s) {
    run = ch == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(std::max<std::size_t>(3, longest + 1), '`');
  return fence + "\n" + text::one_line(s) + "\n" + fence + "\n";
}

// "1,234,567": thousands separated, for figures people read.
std::string grouped(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string percent(double fraction) {
  return text::fixed(fraction * 100.0, 2) + " %";
}

std::string latency_cell(const LatencySummary& l) {
  if (l.count == 0) return "no data";
  return text::millis(l.p50) + " / " + text::millis(l.p99) + " / " + text::millis(l.max) +
         " ms";
}

// --- Conformance ------------------------------------------------------------------------------

std::string run_headline(const RunResult& r) {
  const auto t = r.totals();
  const int code = harness::exit_code(r);
  const std::string_view icon = code == 0 ? "✅" : code == 130 ? "⏸️" : "❌";
  const std::string word = code == 0 ? "passed" : code == 130 ? "interrupted" : "failed";
  std::string out = "## " + std::string(icon) + " Agentwork conformance: " + word + "\n\n";
  out += "**" + text::count_of(t.scenarios, "scenario") + "**: " + std::to_string(t.passed) +
         " passed · " + std::to_string(t.failed) + " failed · " + text::count_of(t.errors, "error") +
         " · " + std::to_string(t.skipped) + " skipped";
  if (t.interrupted > 0) out += " · " + std::to_string(t.interrupted) + " interrupted";
  out += " — " + text::count_of(t.failures, "failure") + ", " +
         text::count_of(t.observations, "observation") + ", ";
  if (t.not_seen > 0) out += std::to_string(t.not_seen) + " not seen, ";
  out += text::count_of(t.requests, "request") + " (" + std::to_string(t.polls) + " polls), " +
         text::count_of(t.tasks, "task") + " · exit code " + std::to_string(code) + "\n\n";
  return out;
}

std::string run_facts(const RunResult& r) {
  return "Target " + md_code(r.target) + " · profile " + md_code(r.profile) + " · seed " +
         md_code(std::to_string(r.seed)) + " · run " + md_code(r.run_id) + " · " +
         text::seconds(r.duration_ms, 2) + " s · started " + md_code(r.started_at) +
         " · agentwork " + md_text(r.tool_version) + "\n\n";
}

std::string scenario_table(const RunResult& r) {
  if (r.scenarios.empty()) return "";
  std::string out =
      "| | Scenario | File | Time (s) | Requests | Failures | Note |\n"
      "|---|---|---|---:|---:|---:|---|\n";
  for (const ScenarioResult& s : r.scenarios) {
    // A passed scenario that could not check every rule it covers says so beside its ✅.
    std::string note = md_text(s.reason);
    if (!s.not_seen.empty())
      note += (note.empty() ? "" : " · ") + std::to_string(s.not_seen.size()) + " not seen";
    out += "| " + std::string(verdict_icon(s.verdict)) + " | " + md_text(s.name) + " | " +
           md_code(s.file, true) + " | " + text::seconds(s.duration_ms, 2) + " | " +
           std::to_string(s.requests) + " | " + std::to_string(s.failures()) + " | " + note +
           " |\n";
  }
  return out + "\n";
}

std::string finding_item(std::size_t n, const ScenarioResult& s, const FindingRecord& f) {
  std::string out = std::to_string(n) + ". **" + md_text(s.name) + "** · " +
                    md_text(text::step_label(f)) + " · " + md_code(f.rule_id) + " \\[" +
                    std::string(1, f.tag) + "\\]";
  if (const auto rule = agentwork::find_rule(f.rule_id)) out += " " + md_text(rule->summary);
  out += "\n";
  std::vector<std::string> lines;  // the detail's lines and the evidence, hard breaks between
  std::string_view detail = f.detail;
  while (!detail.empty()) {
    const auto nl = detail.find('\n');
    lines.push_back(md_text(detail.substr(0, nl)));
    detail = nl == std::string_view::npos ? std::string_view{} : detail.substr(nl + 1);
  }
  if (f.evidence) lines.push_back(md_code(text::evidence_line(*f.evidence)));
  for (std::size_t i = 0; i < lines.size(); ++i)
    out += "   " + lines[i] + (i + 1 < lines.size() ? "<br>\n" : "\n");
  if (f.evidence) {
    if (!f.evidence->body_excerpt.empty()) {
      std::string block = fenced(f.evidence->body_excerpt);
      std::string indented;
      std::string_view rest = block;
      while (!rest.empty()) {  // inside the list item
        const auto nl = rest.find('\n');
        indented += "   " + std::string(rest.substr(0, nl)) + "\n";
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
      }
      out += "\n" + indented;
    }
  }
  return out;
}

std::string findings_section(const RunResult& r, Severity severity, std::string_view title) {
  std::size_t total = 0;
  for (const auto& s : r.scenarios) {
    total += severity == Severity::failure ? s.failures() : s.observations();
  }
  if (total == 0) return "";
  std::string out = "### " + std::string(title) + " (" + std::to_string(total) + ")\n\n";
  std::size_t shown = 0;
  for (const auto& s : r.scenarios) {
    for (const auto& f : s.findings) {
      if (f.severity != severity) continue;
      if (shown == kMarkdownFindingsShown) break;
      out += finding_item(++shown, s, f);
    }
  }
  if (total > shown)
    out += "\n… and " + std::to_string(total - shown) + " more (all in the JSON result)\n";
  return out + "\n";
}

std::string not_seen_section(const RunResult& r) {
  const std::size_t total = r.totals().not_seen;
  if (total == 0) return "";
  std::string out = "### Not seen (" + std::to_string(total) +
                    ")\n\nRules a scenario meant to check but never had the chance to: not "
                    "passes.\n\n| Scenario | Rule | Why not seen |\n|---|---|---|\n";
  for (const auto& s : r.scenarios) {
    for (const auto& n : s.not_seen) {
      out += "| " + md_text(s.name) + " | " + md_code(n.rule_id, true) + " | " + md_text(n.reason) +
             " |\n";
    }
  }
  return out + "\n";
}

std::string latency_section(const RunResult& r) {
  if (r.latency.empty()) return "";
  const auto ms = [](double v) { return text::millis(v * 1000.0); };
  std::string out =
      "### Latency per endpoint (ms)\n\n| Endpoint | Requests | p50 | p90 | p99 | max |\n"
      "|---|---:|---:|---:|---:|---:|\n";
  for (const auto& e : r.latency) {
    out += "| " + md_text(e.endpoint) + " | " + grouped(e.count) + " | " + ms(e.p50_ms) + " | " +
           ms(e.p90_ms) + " | " + ms(e.p99_ms) + " | " + ms(e.max_ms) + " |\n";
  }
  return out + "\n";
}

// --- Load -------------------------------------------------------------------------------------

std::string load_headline(const LoadResult& l) {
  const int code = load::exit_code(l);
  const std::string_view icon = code == 0 ? "✅" : code == 130 ? "⏸️" : "❌";
  return "## " + std::string(icon) + " Agentwork load: " + md_text(load_verdict(l)) +
         " · exit code " + std::to_string(code) + "\n\n";
}

std::string load_facts(const RunResult& r, const LoadResult& l) {
  std::string out = "Profile **" + md_text(l.profile_name) + "**";
  if (!l.profile_file.empty()) out += " (" + md_code(l.profile_file) + ")";
  out += " · " + md_text(l.executor) + " · client " + md_text(l.client) + " · " +
         text::count_of(static_cast<std::size_t>(l.workers), "worker") + " · poll every " +
         text::shortest(l.poll_interval_s) + " s · rate cap " +
         (l.rate_cap ? text::shortest(*l.rate_cap) + "/s" : std::string("none")) + " · " +
         text::fixed(l.summary.duration_s, 1) + " s measured · stop " +
         md_code(load::to_string(l.stop_reason));
  if (!l.stop_detail.empty()) out += " (" + md_text(l.stop_detail) + ")";
  out += "\n\nTarget " + md_code(r.target) + " · seed " + md_code(std::to_string(r.seed)) +
         " · run " + md_code(r.run_id) + " · started " + md_code(r.started_at) +
         " · agentwork " + md_text(r.tool_version) + "\n\n";
  return out;
}

std::string load_figures(const LoadResult& l) {
  const auto& s = l.summary;
  auto ended = [&](TaskOutcome o) { return grouped(s.tasks_ended[static_cast<std::size_t>(o)]); };
  std::string out = "| Figure | Value |\n|---|---|\n";
  out += "| Requests | " + grouped(s.requests) + " (" + text::fixed(s.requests_per_s, 1) +
         "/s) |\n";
  out += "| Errors (transport and 5xx) | " + grouped(s.errors) + " (" + percent(s.error_rate) +
         ") |\n";
  for (const auto& e : s.endpoints) {
    out += "| " + md_text(agentwork::to_string(e.endpoint)) +
           " latency p50 / p99 / max, corrected | " + latency_cell(e.corrected) +
           " (uncorrected p99 " +
           (e.uncorrected.count == 0 ? std::string("-")
                                     : text::millis(e.uncorrected.p99) + " ms") +
           "; " + grouped(e.requests) + " requests) |\n";
  }
  out += "| Polls | " + grouped(s.polls) + "; " + percent(s.wasted_poll_share) +
         " saw no change; " + grouped(s.late_polls) + " late, " + grouped(s.dropped_polls) +
         " dropped |\n";
  out += "| Polls per transition | " + text::fixed(s.polls_per_transition, 2) + " (" +
         grouped(s.transitions) + " transitions) |\n";
  out += "| Transition detection delay p50 / p99 / max | " + latency_cell(s.transition_delay) +
         " |\n";
  out += "| Tasks | " + grouped(s.tasks_created) + " created; " + ended(TaskOutcome::completed) +
         " completed · " + ended(TaskOutcome::cancelled) + " cancelled · " +
         ended(TaskOutcome::stalled) + " stalled · " + ended(TaskOutcome::failed) + " failed |\n";
  out += "| Contract | " + grouped(l.responses_checked) + " responses checked; " +
         text::count_of(l.check_failures.size(), "rule") + " broken |\n";
  out += "| Cleanup | " + grouped(l.cleanup.cancelled) + " cancelled, " +
         grouped(l.cleanup.failed) + " failed |\n\n";
  return out;
}

// The thresholds of a load run, or of a conformance run (as_threshold_results), alike.
std::string thresholds_section(const std::vector<load::ThresholdResult>& thresholds) {
  if (thresholds.empty()) return "";
  std::string out = "### Thresholds\n\n| | Threshold | Observed |\n|---|---|---|\n";
  for (const auto& t : thresholds) {
    const std::string_view icon = t.verdict == agentwork::Verdict::passed ? "✅" : "❌";
    out += "| " + std::string(icon) + " | " + md_code(threshold_text(t), true) + " | " +
           md_text(threshold_observed(t)) + " |\n";
  }
  return out + "\n";
}

std::string load_check_failures(const LoadResult& l) {
  if (l.check_failures.empty()) return "";
  std::string out = "### Contract failures (" + text::count_of(l.check_failures.size(), "rule") +
                    " broken)\n\n| Rule | Responses | First case |\n|---|---:|---|\n";
  for (const auto& f : l.check_failures) {
    std::string first = md_text(text::one_line(f.detail));
    if (!f.evidence.method.empty())
      first += "<br>" + md_code(text::evidence_line(f.evidence), true);
    out += "| " + md_code(f.rule_id, true) + " | " + grouped(f.count) + " | " + first + " |\n";
  }
  return out + "\n";
}

}  // namespace

std::string render_markdown(const RunResult& run, const LoadResult* load) {
  if (load != nullptr) {
    return load_headline(*load) + load_facts(run, *load) + load_figures(*load) +
           thresholds_section(load->thresholds) + load_check_failures(*load);
  }
  return run_headline(run) + run_facts(run) + scenario_table(run) +
         findings_section(run, Severity::failure, "Failures") +
         findings_section(run, Severity::observation, "Observations") + not_seen_section(run) +
         latency_section(run) + thresholds_section(as_threshold_results(run.thresholds));
}

}  // namespace agentwork::reports
