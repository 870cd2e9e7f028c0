#include "reports/junit_report.hpp"

#include <cstddef>

#include "reports/load_report.hpp"  // as_threshold_result
#include "reports/text_format.hpp"

namespace agentwork::reports {
namespace {

using harness::FindingRecord;
using harness::RunResult;
using harness::ScenarioResult;
using harness::Severity;
using agentwork::Verdict;

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

// The length of the well-formed UTF-8 sequence at s[i] (shortest form, no surrogate, at most
// U+10FFFF) and its code point; 0 when the bytes there are not one.
std::size_t utf8_sequence(std::string_view s, std::size_t i, char32_t& cp) {
  const auto lead = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  char32_t min = 0;
  if (lead < 0x80) {
    cp = lead;
    return 1;
  } else if ((lead & 0xE0) == 0xC0) {
    len = 2, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    len = 3, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    len = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// XML 1.0 Char, minus the discouraged DEL and C1 controls.
bool xml_allowed(char32_t cp) {
  if (cp == 0x9 || cp == 0xA || cp == 0xD) return true;
  if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return false;
  return cp <= 0xD7FF || (cp >= 0xE000 && cp <= 0xFFFD) || cp >= 0x10000;
}

std::string attr(std::string_view s) {
  return xml_escape(s, true);
}

std::string first_line(std::string_view s) {
  return std::string(s.substr(0, s.find('\n')));
}

const FindingRecord* first_failure(const ScenarioResult& s) {
  for (const auto& f : s.findings)
    if (f.severity == Severity::failure) return &f;
  return nullptr;
}

// Every failure finding of `s`: a heading line, then its detail and evidence.
std::string failure_text(const ScenarioResult& s) {
  std::string out;
  for (const auto& f : s.findings) {
    if (f.severity != Severity::failure) continue;
    out += text::step_label(f) + ": " + text::rule_label(f) + "\n" + text::finding_body(f, "  ");
  }
  return out;
}

// <failure>, <error> or <skipped> for a scenario that did not pass; empty when it passed.
std::string outcome_element(const ScenarioResult& s) {
  const FindingRecord* first = first_failure(s);
  const std::string first_message =
      first ? first->rule_id + ": " + first_line(first->detail) : std::string();
  switch (s.verdict) {
    case Verdict::passed:
      return {};
    case Verdict::skipped:
      return "      <skipped message=\"" + attr(s.reason) + "\"/>\n";
    case Verdict::failed:
      return "      <failure message=\"" + attr(first ? first_message : "failed") + "\" type=\"" +
             attr(first ? first->rule_id : "failure") + "\">" + xml_escape(failure_text(s), false) +
             "</failure>\n";
    case Verdict::error:
    case Verdict::interrupted: {
      const bool interrupted = s.verdict == Verdict::interrupted;
      const std::string message = !s.reason.empty() ? s.reason
                                  : first           ? first_message
                                                    : std::string(to_string(s.verdict));
      const std::string type = interrupted ? "interrupted" : first ? first->rule_id : "error";
      const std::string body = failure_text(s);
      return "      <error message=\"" + attr(message) + "\" type=\"" + attr(type) + "\"" +
             (body.empty() ? "/>\n" : ">" + xml_escape(body, false) + "</error>\n");
    }
  }
  return {};
}

// The step transcript, one line per step, then the observations.
std::string system_out(const ScenarioResult& s) {
  std::string out;
  for (const auto& step : s.steps) {
    out += "step " + std::to_string(step.index + 1) + " (" + text::one_line(step.kind);
    if (!step.task.empty()) out += ", task " + text::one_line(step.task);
    out += ") " + std::string(step.ok ? "ok" : "FAILED") + " " + text::fixed(step.duration_ms, 1) +
           " ms";
    if (!step.note.empty()) out += ": " + text::one_line(step.note);
    if (!step.via.empty()) out += " [via " + step.via + "]";
    if (!step.via_reason.empty()) out += " [rest: " + text::one_line(step.via_reason) + "]";
    out += "\n";
  }
  for (const auto& f : s.findings) {
    if (f.severity != Severity::observation) continue;
    out += "observation: " + text::step_label(f) + ": " + text::rule_label(f) + "\n" +
           text::finding_body(f, "  ");
  }
  return out;
}

std::string testcase(const ScenarioResult& s) {
  std::string head = "    <testcase name=\"" + attr(s.name) + "\" classname=\"" +
                     attr(junit_classname(s.file)) + "\" file=\"" + attr(s.file) + "\" time=\"" +
                     text::seconds(s.duration_ms, 3) + "\"";
  const std::string outcome = outcome_element(s);
  const std::string transcript = system_out(s);
  if (outcome.empty() && transcript.empty()) return head + "/>\n";
  head += ">\n" + outcome;
  if (!transcript.empty())
    head += "      <system-out>" + xml_escape(transcript, false) + "</system-out>\n";
  return head + "    </testcase>\n";
}

// A skipped case per rule the scenario never had the chance to check, beside the scenario's own
// (its classname and file): a reporter counts it as skipped, never as passed.
std::string not_seen_cases(const ScenarioResult& s) {
  std::string out;
  for (const auto& n : s.not_seen) {
    out += "    <testcase name=\"" + attr(n.rule_id) + "\" classname=\"" +
           attr(junit_classname(s.file)) + "\" file=\"" + attr(s.file) +
           "\" time=\"0.000\">\n      <skipped message=\"" + attr("not seen: " + n.reason) +
           "\"/>\n    </testcase>\n";
  }
  return out;
}

// tests="3" failures="1" errors="0" skipped="1" time="4.322"
std::string counts(std::size_t tests, std::size_t failures, std::size_t errors, std::size_t skipped,
                   double ms) {
  return "tests=\"" + std::to_string(tests) + "\" failures=\"" + std::to_string(failures) +
         "\" errors=\"" + std::to_string(errors) + "\" skipped=\"" + std::to_string(skipped) +
         "\" time=\"" + text::seconds(ms, 3) + "\"";
}

// The suite "thresholds": a case per --threshold, named as written, a <failure> when it did not
// pass (type threshold_error when the run could not answer it). Empty without thresholds.
std::string thresholds_suite(const RunResult& r) {
  if (r.thresholds.empty()) return "";
  std::string cases;
  std::size_t failed = 0;
  for (const auto& t : r.thresholds) {
    cases += "    <testcase name=\"" + attr(t.text) + "\" classname=\"thresholds\" time=\"0.000\"";
    if (t.passed) {
      cases += "/>\n";
      continue;
    }
    ++failed;
    const bool error = as_threshold_result(t).verdict == agentwork::Verdict::error;
    cases += ">\n      <failure message=\"" + attr(text::one_line(t.line)) + "\" type=\"" +
             (error ? "threshold_error" : "threshold") + "\"/>\n    </testcase>\n";
  }
  return "  <testsuite name=\"thresholds\" " + counts(r.thresholds.size(), failed, 0, 0, 0) +
         ">\n" + cases + "  </testsuite>\n";
}

std::string property(std::string_view name, std::string_view value) {
  return "      <property name=\"" + attr(name) + "\" value=\"" + attr(value) + "\"/>\n";
}

}  // namespace

std::string xml_escape(std::string_view s, bool attribute) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const std::size_t len = utf8_sequence(s, i, cp);
    if (len == 0 || !xml_allowed(cp)) {
      out += kReplacement;
      i += len == 0 ? 1 : len;
      continue;
    }
    switch (cp) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      // '>' too, so that "]]>" never appears in text.
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#13;";
        break;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        break;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        break;
      default:
        out.append(s.substr(i, len));
    }
    i += len;
  }
  return out;
}

std::string junit_classname(std::string_view file) {
  while (file.starts_with("./") || file.starts_with("/"))
    file.remove_prefix(file[0] == '/' ? 1 : 2);
  if (file.ends_with(".json")) file.remove_suffix(5);
  if (file.empty()) return "agentwork";
  std::string out;
  for (const char c : file) out += c == '/' || c == '\\' ? '.' : c == '.' ? '_' : c;
  return out;
}

std::string render_junit(const RunResult& r) {
  const auto t = r.totals();
  std::size_t thresholds_failed = 0;
  for (const auto& th : r.thresholds) thresholds_failed += th.passed ? 0 : 1;
  // Interrupted scenarios are reported as <error type="interrupted">, so they count as errors;
  // each rule not seen is a skipped case of its own.
  const std::size_t tests = t.scenarios + t.not_seen, errors = t.errors + t.interrupted,
                    skipped = t.skipped + t.not_seen;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"agentwork\" " +
         counts(tests + r.thresholds.size(), t.failed + thresholds_failed, errors, skipped,
                r.duration_ms) +
         ">\n";
  out += "  <testsuite name=\"agentwork conformance\" " +
         counts(tests, t.failed, errors, skipped, r.duration_ms);
  // The Ant JUnit schema's timestamp is an xs:dateTime without zone or fraction: keep the
  // first 19 characters (YYYY-MM-DDTHH:MM:SS, UTC).
  if (!r.started_at.empty()) {
    out += " timestamp=\"" + attr(r.started_at.substr(0, 19)) + "\"";
  }
  out += ">\n    <properties>\n";
  out += property("tool_version", r.tool_version);
  out += property("target", r.target);
  out += property("profile", r.profile);
  out += property("mock", r.mock ? "true" : "false");
  out += property("time_scale", text::shortest(r.time_scale));
  out += property("seed", std::to_string(r.seed));
  out += property("run_id", r.run_id);
  out += property("interrupted", r.interrupted ? "true" : "false");
  if (const auto v = harness::via_counts(r); v.scenarios > 0) {  // --via mcp only
    out += property("transport", "mcp");
    out += property("steps_via", "tools " + std::to_string(v.tools) + ", rest " +
                                     std::to_string(v.rest) + ", both " + std::to_string(v.both) +
                                     ", no call " + std::to_string(v.none));
  }
  out += "    </properties>\n";
  for (const auto& s : r.scenarios) out += testcase(s) + not_seen_cases(s);
  out += "  </testsuite>\n" + thresholds_suite(r) + "</testsuites>\n";
  return out;
}

}  // namespace agentwork::reports
