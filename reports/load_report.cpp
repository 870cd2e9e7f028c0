// The console summary and the JUnit XML of a load run.
#include "reports/load_report.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "reports/junit_report.hpp"
#include "reports/text_format.hpp"

namespace agentwork::reports {
namespace {

using load::CheckFailure;
using load::CleanupFigures;
using load::LatencySummary;
using load::LoadResult;
using load::LoadSummary;
using load::StopReason;
using load::TaskOutcome;
using load::ThresholdResult;

// Responses by status class, [0] is 1xx.
constexpr std::array<std::string_view, 5> kStatusClassNames = {"1xx", "2xx", "3xx", "4xx", "5xx"};

// ---------------------------------------------------------------------------------------------
// The console summary.

constexpr std::string_view kGreen = "\x1b[32m";
constexpr std::string_view kRed = "\x1b[31m";
constexpr std::string_view kYellow = "\x1b[33m";
constexpr std::string_view kBold = "\x1b[1m";
constexpr std::string_view kReset = "\x1b[0m";

// Labels of the "label  value" lines are padded to this width, so the values line up.
constexpr std::size_t kLabelWidth = 22;
// Task ids of the cleanup listed on the console; the JSON result has all it kept (at most 100).
constexpr std::size_t kLeftIdsShown = 10;

std::string paint(std::string_view text, std::string_view colour, bool color) {
  if (!color) return std::string(text);
  return std::string(colour) + std::string(text) + std::string(kReset);
}

// A count, painted when it is not zero (a figure that needs attention).
std::string flagged(std::uint64_t n, std::string_view colour, bool color) {
  return n > 0 ? paint(std::to_string(n), colour, color) : std::to_string(n);
}

std::string heading(std::string_view title, bool color) {
  return "\n" + paint(title, kBold, color) + "\n";
}

// "  label                 value\n".
std::string field(std::string_view label, std::string_view value) {
  std::string out = "  " + std::string(label);
  out.append(label.size() < kLabelWidth ? kLabelWidth - label.size() : 1, ' ');
  return out + std::string(value) + "\n";
}

// A fraction as a percentage: 0.0123 -> "1.23%".
std::string percent(double fraction) {
  return text::fixed(fraction * 100.0, 2) + "%";
}

// "p50 1.23 ms · p99 45.6 ms · max 1234 ms", or "no data".
std::string latency_brief(const LatencySummary& l) {
  if (l.count == 0) return "no data";
  return "p50 " + text::millis(l.p50) + " ms · p99 " + text::millis(l.p99) + " ms · max " +
         text::millis(l.max) + " ms";
}

// "2xx 11900 · 5xx 12": the non-zero counts by name; empty when all are zero.
template <std::size_t N, typename Names>
std::string nonzero_counts(const std::array<std::uint64_t, N>& counts, const Names& names) {
  std::string out;
  for (std::size_t i = 0; i < N; ++i) {
    if (counts[i] == 0) continue;
    out += (out.empty() ? "" : " · ") + std::string(names(i)) + " " + std::to_string(counts[i]);
  }
  return out;
}

std::string what_ran(const LoadResult& r, bool color) {
  std::string out = paint("Load run", kBold, color) + ": profile " + text::one_line(r.profile_name);
  if (!r.profile_file.empty()) out += " (" + text::one_line(r.profile_file) + ")";
  out += "\n";
  out += field("executor", text::one_line(r.executor));
  out += field("client", text::one_line(r.client));
  out += field("workers", std::to_string(r.workers));
  out += field("rate cap", r.rate_cap ? text::shortest(*r.rate_cap) + " requests/s" : "none");
  out += field("poll interval", text::shortest(r.poll_interval_s) + " s");
  out += field("warm-up", r.warmup_s > 0 ? text::shortest(r.warmup_s) + " s (not measured)"
                                         : std::string("none"));
  std::string stop(load::to_string(r.stop_reason));
  if (!r.stop_detail.empty()) stop += ": " + text::one_line(r.stop_detail);
  const bool abnormal = r.stop_reason == StopReason::interrupted ||
                        r.stop_reason == StopReason::circuit_breaker ||
                        r.stop_reason == StopReason::threshold_failed;
  out += field("stopped", abnormal ? paint(stop, kYellow, color) : stop);
  out += field("duration", text::fixed(r.summary.duration_s, 1) + " s measured");
  if (r.shard) {
    const auto& s = *r.shard;
    out += field("shard", std::to_string(s.shard.index) + " of " + std::to_string(s.shard.count) +
                              " of run " + text::one_line(s.run_id) +
                              " (its thresholds and contract findings alone; the run's verdict "
                              "is agentwork merge's)");
  }
  if (!r.merged_shards.empty()) {
    std::size_t unwell = 0;
    for (const auto& s : r.merged_shards) unwell += s.exit_code != 0 ? 1 : 0;
    out += field("merged", std::to_string(r.merged_shards.size()) + " shards" +
                               (unwell == 0 ? ", each ran to its end"
                                            : ", " + std::to_string(unwell) + " did not end well:"));
    for (const auto& s : r.merged_shards) {
      if (s.exit_code == 0) continue;
      std::string line = "  shard " + std::to_string(s.index) + ": " +
                         std::string(load::to_string(s.stop_reason)) + ", exit " +
                         std::to_string(s.exit_code) + ", " + std::to_string(s.requests) +
                         " requests in " + text::fixed(s.duration_s, 1) + " s";
      if (!s.stop_detail.empty()) line += " (" + text::one_line(s.stop_detail) + ")";
      out += paint(line, kYellow, color) + "\n";
    }
  }
  return out;
}

std::string requests_section(const LoadSummary& s, bool color) {
  std::string out = heading("Requests", color);
  out += field("requests",
               std::to_string(s.requests) + " (" + text::fixed(s.requests_per_s, 1) + "/s)");
  out += field("errors", flagged(s.errors, kRed, color) + " (" + percent(s.error_rate) +
                             "; transport errors and 5xx)");
  const std::string statuses =
      nonzero_counts(s.status_classes, [](std::size_t i) { return kStatusClassNames[i]; });
  if (!statuses.empty()) out += field("status classes", statuses);
  const std::string transport = nonzero_counts(s.transport_errors, [](std::size_t i) {
    return load::error_slot_name(i);
  });
  if (!transport.empty()) out += field("transport errors", paint(transport, kRed, color));
  return out;
}

std::string endpoints_section(const LoadSummary& s, bool color) {
  std::string out = heading(
      "Endpoints (latency in ms from the intended send time; p99 uncorr: from the actual send)",
      color);
  if (s.endpoints.empty()) return out + "  no requests\n";
  std::vector<std::vector<std::string>> rows = {{"endpoint", "requests", "req/s", "errors", "p50",
                                                 "p90", "p99", "p99.9", "max", "p99 uncorr"}};
  for (const auto& e : s.endpoints) {
    auto cell = [](const LatencySummary& l, std::int64_t us) {
      return l.count == 0 ? std::string("-") : text::millis(us);
    };
    const LatencySummary& c = e.corrected;
    rows.push_back({std::string(agentwork::to_string(e.endpoint)), std::to_string(e.requests),
                    text::fixed(e.requests_per_s, 1), std::to_string(e.errors), cell(c, c.p50),
                    cell(c, c.p90), cell(c, c.p99), cell(c, c.p99_9), cell(c, c.max),
                    cell(e.uncorrected, e.uncorrected.p99)});
  }
  return out + text::table(rows);
}

std::string polling_section(const LoadSummary& s, bool color) {
  std::string out = heading("Polling", color);
  out += field("polls", std::to_string(s.polls));
  out += field("wasted polls", std::to_string(s.wasted_polls) + " (" +
                                   percent(s.wasted_poll_share) + " saw no change)");
  out += field("polls per task", "mean " + text::fixed(s.polls_per_task_mean, 1) + " · max " +
                                     std::to_string(s.polls_per_task_max));
  out += field("polls per transition", text::fixed(s.polls_per_transition, 2));
  std::string transitions = std::to_string(s.transitions);
  if (s.negative_transition_delays > 0)
    transitions += " (" + std::to_string(s.negative_transition_delays) +
                   " with a negative delay: clock skew, left out of the delay)";
  out += field("transitions", transitions);
  out += field("transition delay", latency_brief(s.transition_delay));
  // Never hidden, zero included: the harness's own lateness would skew every figure above.
  out += field("late polls", flagged(s.late_polls, kYellow, color));
  out += field("dropped polls", flagged(s.dropped_polls, kYellow, color));
  return out;
}

std::string tasks_section(const LoadSummary& s, bool color) {
  std::string out = heading("Tasks", color);
  out += field("created", std::to_string(s.tasks_created));
  auto ended = [&](TaskOutcome o) { return s.tasks_ended[static_cast<std::size_t>(o)]; };
  out += field("completed", std::to_string(ended(TaskOutcome::completed)));
  out += field("cancelled", std::to_string(ended(TaskOutcome::cancelled)));
  out += field("stalled", flagged(ended(TaskOutcome::stalled), kYellow, color));
  out += field("failed", flagged(ended(TaskOutcome::failed), kRed, color));
  out += field("duration", latency_brief(s.task_duration));
  return out;
}

// A CheckFailure as the finding the text helpers print: the tag from the id's letter.
harness::FindingRecord as_finding(const CheckFailure& f) {
  harness::FindingRecord record;
  record.rule_id = f.rule_id;
  record.tag = f.rule_id.starts_with("M.") ? 'M' : f.rule_id.starts_with("S.") ? 'S' : 'G';
  record.detail = f.detail;
  const harness::Evidence& e = f.evidence;
  if (!e.method.empty() || !e.path.empty() || e.status != 0 || !e.error.empty())
    record.evidence = e;
  return record;
}

std::string checks_section(const LoadResult& r, bool color) {
  std::string out = heading("Contract checks (the first case of each rule broken)", color);
  out += field("responses checked", std::to_string(r.responses_checked));
  out += field("verdicts reused", std::to_string(r.reused_verdicts) +
                                      " (answers identical to the task's previous one)");
  out += field("rules broken", r.check_failures.empty()
                                   ? std::string("none")
                                   : paint(std::to_string(r.check_failures.size()), kRed, color));
  for (const auto& f : r.check_failures) {
    const harness::FindingRecord finding = as_finding(f);
    out += "  " + paint(text::rule_label(finding), kRed, color) + ": " +
           text::count_of(f.count, "response") + "\n" + text::finding_body(finding, "      ");
  }
  return out;
}

std::string cleanup_section(const CleanupFigures& c, bool color) {
  std::string out = heading("Cleanup (tasks of this run not seen terminal)", color);
  out += field("cancelled", std::to_string(c.cancelled));
  out += field("failed", flagged(c.failed, kRed, color));
  if (!c.left_task_ids.empty()) {
    std::string ids;
    for (std::size_t i = 0; i < c.left_task_ids.size() && i < kLeftIdsShown; ++i)
      ids += (i == 0 ? "" : ", ") + text::one_line(c.left_task_ids[i]);
    if (c.left_task_ids.size() > kLeftIdsShown)
      ids += " and " + std::to_string(c.left_task_ids.size() - kLeftIdsShown) +
             " more (all in the JSON result)";
    out += field("left running", ids);
  }
  return out;
}

std::string limits_section(const LoadResult& r, bool color) {
  std::string out = heading("Harness limits", color);
  out += field("connections opened", std::to_string(r.connections_opened));
  out += field("rate-capped waits", std::to_string(r.rate_capped_waits));
  out += field("retry-after pauses", std::to_string(r.retry_after_pauses));
  out += field("arrivals", std::to_string(r.arrivals));
  out += field("dropped arrivals", flagged(r.dropped_arrivals, kYellow, color));
  return out;
}

std::string thresholds_section(const LoadResult& r, bool color) {
  std::string out = heading("Thresholds", color);
  if (r.thresholds.empty()) return out + "  none\n";
  for (const auto& t : r.thresholds) out += "  " + threshold_line(t, color) + "\n";
  return out;
}

std::size_t thresholds_not_passed(const LoadResult& r) {
  std::size_t n = 0;
  for (const auto& t : r.thresholds) n += t.verdict != agentwork::Verdict::passed ? 1 : 0;
  return n;
}

struct VerdictWords {
  std::string word, why;
  std::string_view colour;
};

// The verdict of load::exit_code in words.
VerdictWords verdict_words(const LoadResult& r) {
  const int code = load::exit_code(r);
  std::string word, why;
  std::string_view colour = kRed;
  if (code == 0) {
    word = "PASSED", colour = kGreen;
    why = text::count_of(r.thresholds.size(), "threshold") + " passed, " +
          std::to_string(r.responses_checked) + " responses met the contract";
  } else if (code == 130) {
    word = "INTERRUPTED", colour = kYellow;
    why = "the figures cover the run until Ctrl-C";
  } else if (code == load::kExitCircuitBreaker) {
    word = "STOPPED: circuit breaker";
    why = r.stop_detail.empty() ? "too many failed requests" : text::one_line(r.stop_detail);
  } else if (code == load::kExitThresholdsFailed) {
    word = "FAILED: thresholds";
    why = std::to_string(thresholds_not_passed(r)) + " of " + std::to_string(r.thresholds.size()) +
          " not passed";
    if (r.stop_reason == StopReason::threshold_failed) why += "; the run was aborted early";
    if (!r.checks_passed())
      why += "; contract: " + text::count_of(r.check_failures.size(), "rule") + " broken";
  } else {
    word = "FAILED: contract";
    why = text::count_of(r.check_failures.size(), "rule") + " broken";
  }
  return {word, why, colour};
}

// The last line: the verdict in words, and the code.
std::string verdict_line(const LoadResult& r, bool color) {
  const auto v = verdict_words(r);
  if (r.shard) {
    // A shard's own verdict is informative: its process exits with shard_exit_code, and the
    // run's verdict is the merge's.
    return "on this shard alone: " + paint(v.word, v.colour, color) + " (" + v.why +
           "); the run's verdict is agentwork merge's · exit code " +
           std::to_string(load::shard_exit_code(r)) + "\n";
  }
  return paint(v.word, v.colour, color) + " (" + v.why + ") · exit code " +
         std::to_string(load::exit_code(r)) + "\n";
}

// ---------------------------------------------------------------------------------------------
// JUnit.

std::string attr(std::string_view s) {
  return xml_escape(s, true);
}

// A testcase; `result` is its <failure> or <error> element, empty when it passed.
std::string testcase(std::string_view name, std::string_view classname,
                     const std::string& result = {}) {
  const std::string head = "    <testcase name=\"" + attr(name) + "\" classname=\"" +
                           attr(classname) + "\" time=\"0.000\"";
  if (result.empty()) return head + "/>\n";
  return head + ">\n" + result + "    </testcase>\n";
}

// <failure> or <error>: a message, a type and an optional text.
std::string outcome(std::string_view element, std::string_view message, std::string_view type,
                    std::string_view body = {}) {
  std::string out = "      <" + std::string(element) + " message=\"" + attr(message) +
                    "\" type=\"" + attr(type) + "\"";
  if (body.empty()) return out + "/>\n";
  return out + ">" + xml_escape(body, false) + "</" + std::string(element) + ">\n";
}

std::string contract_outcome(const LoadResult& r) {
  if (r.checks_passed()) return {};
  std::string message = text::count_of(r.check_failures.size(), "rule") + " broken:";
  std::string body;
  for (const auto& f : r.check_failures) {
    message += " " + f.rule_id + " (" + std::to_string(f.count) + ")";
    const harness::FindingRecord finding = as_finding(f);
    body += text::rule_label(finding) + ": " + text::count_of(f.count, "response") + "\n" +
            text::finding_body(finding, "  ");
  }
  return outcome("failure", message, "contract", body);
}

std::string cleanup_outcome(const CleanupFigures& c) {
  if (c.failed == 0) return {};
  std::string body;
  for (const auto& id : c.left_task_ids) body += text::one_line(id) + "\n";
  return outcome("failure", text::count_of(c.failed, "task") + " not cancelled by the cleanup",
                 "cleanup", body);
}

std::string property(std::string_view name, std::string_view value) {
  return "      <property name=\"" + attr(name) + "\" value=\"" + attr(value) + "\"/>\n";
}

}  // namespace

std::string threshold_text(const ThresholdResult& t) {
  const std::string_view line = t.line;
  const std::size_t end =
      t.verdict == agentwork::Verdict::error ? line.find(": error: ") : line.rfind(": ");
  return std::string(line.substr(0, end));
}

std::string threshold_observed(const ThresholdResult& t) {
  const std::string_view line = t.line;
  const std::size_t at =
      t.verdict == agentwork::Verdict::error ? line.find(": error: ") : line.rfind(": ");
  if (at == std::string_view::npos) return "";
  std::string_view rest = line.substr(at + 2);
  for (const std::string_view mark : {std::string_view("✓"), std::string_view("✗")}) {
    if (rest.ends_with(mark)) rest.remove_suffix(mark.size());
  }
  while (rest.ends_with(' ')) rest.remove_suffix(1);
  return std::string(rest);
}

std::string threshold_line(const ThresholdResult& t, bool color) {
  std::string line = text::one_line(t.line);
  if (t.verdict == agentwork::Verdict::error) return paint(line, kRed, color);
  const bool passed = t.verdict == agentwork::Verdict::passed;
  const std::string_view mark = passed ? "✓" : "✗";
  if (line.ends_with(mark)) line.resize(line.size() - mark.size());
  while (line.ends_with(' ')) line.pop_back();
  return line + " " + paint(mark, passed ? kGreen : kRed, color);
}

ThresholdResult as_threshold_result(const harness::ThresholdOutcome& t) {
  ThresholdResult r;
  r.line = t.line;
  const bool error = std::string_view(t.line).starts_with(t.text + ": error: ");
  r.verdict = t.passed ? agentwork::Verdict::passed
              : error  ? agentwork::Verdict::error
                       : agentwork::Verdict::failed;
  return r;
}

std::vector<ThresholdResult> as_threshold_results(
    const std::vector<harness::ThresholdOutcome>& thresholds) {
  std::vector<ThresholdResult> out;
  out.reserve(thresholds.size());
  for (const auto& t : thresholds) out.push_back(as_threshold_result(t));
  return out;
}

std::string load_verdict(const LoadResult& r) {
  const auto v = verdict_words(r);
  return v.word + " (" + v.why + ")";
}

std::string load_summary(const LoadResult& r, bool color) {
  return what_ran(r, color) + requests_section(r.summary, color) +
         endpoints_section(r.summary, color) + polling_section(r.summary, color) +
         tasks_section(r.summary, color) + checks_section(r, color) +
         cleanup_section(r.cleanup, color) + limits_section(r, color) +
         thresholds_section(r, color) + "\n" + verdict_line(r, color);
}

std::string render_load_junit(const LoadResult& r) {
  std::string cases;
  std::size_t tests = 0, failures = 0, errors = 0;
  for (const auto& t : r.thresholds) {
    ++tests;
    std::string result;
    if (t.verdict != agentwork::Verdict::passed) {
      ++failures;
      result = outcome("failure", text::one_line(t.line),
                       t.verdict == agentwork::Verdict::error ? "threshold_error" : "threshold");
    }
    cases += testcase(threshold_text(t), "load.thresholds", result);
  }
  const std::string contract = contract_outcome(r), cleanup = cleanup_outcome(r.cleanup);
  cases += testcase("contract", "load", contract);
  cases += testcase("cleanup", "load", cleanup);
  tests += 2;
  failures += (contract.empty() ? 0 : 1) + (cleanup.empty() ? 0 : 1);
  if (r.stop_reason == StopReason::circuit_breaker || r.stop_reason == StopReason::interrupted) {
    const std::string name(load::to_string(r.stop_reason));
    const std::string message = !r.stop_detail.empty()                     ? r.stop_detail
                                : r.stop_reason == StopReason::interrupted ? "Ctrl-C"
                                                                           : "circuit breaker";
    cases += testcase(name, "load", outcome("error", text::one_line(message), name));
    ++tests, ++errors;
  }

  const std::string time = text::fixed(r.summary.duration_s, 3);
  const std::string counts = "tests=\"" + std::to_string(tests) + "\" failures=\"" +
                             std::to_string(failures) + "\" errors=\"" + std::to_string(errors) +
                             "\" skipped=\"0\" time=\"" + time + "\"";
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"agentwork\" " + counts + ">\n";
  out += "  <testsuite name=\"load\" " + counts + ">\n    <properties>\n";
  out += property("profile", r.profile_name);
  out += property("profile_file", r.profile_file);
  out += property("executor", r.executor);
  out += property("client", r.client);
  out += property("workers", std::to_string(r.workers));
  out += property("stop_reason", load::to_string(r.stop_reason));
  out += property("stop_detail", r.stop_detail);
  out += property("exit_code", std::to_string(load::exit_code(r)));
  out += "    </properties>\n" + cases;
  out += "    <system-out>" + xml_escape(load_summary(r, false), false) + "</system-out>\n";
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace agentwork::reports
