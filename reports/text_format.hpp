// Small text helpers shared by the console and JUnit renderers: locale-independent numbers, the
// one-line labels of a finding, aligned tables. Header-only: shared by the renderers of reports/.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "common/rules.hpp"
#include "harness/result/run_result.hpp"

namespace agentwork::reports::text {

// `value` with `decimals` digits after a '.', whatever the global C or C++ locale says
// (std::to_chars never consults a locale). Non-finite values print as 0.
inline std::string fixed(double value, int decimals) {
  if (!std::isfinite(value)) value = 0;
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed, decimals);
  if (r.ec != std::errc{}) return "0";
  return std::string(buf, r.ptr);
}

// The shortest text that reads back as `value` ("1", "0.25", "1e-05"), locale-independent.
inline std::string shortest(double value) {
  if (!std::isfinite(value)) value = 0;
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  if (r.ec != std::errc{}) return "0";
  return std::string(buf, r.ptr);
}

// Microseconds as milliseconds with about three significant digits, no unit: 0.042, 1.23,
// 45.6, 1234 (the reports' one way of printing a latency).
inline std::string millis(double us) {
  const double v = us / 1000.0;
  return fixed(v, v < 1 ? 3 : v < 10 ? 2 : v < 1000 ? 1 : 0);
}

// Milliseconds as seconds with `decimals` digits: 1234.5 -> "1.234" (3) or "1.23" (2).
inline std::string seconds(double ms, int decimals) {
  return fixed(ms / 1000.0, decimals);
}

// `s` on one line: \n \r \t as two-character escapes, other C0 controls and DEL as \xHH.
// Bytes >= 0x80 are left as they are (a terminal shows invalid UTF-8 as a replacement mark).
inline std::string one_line(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out += ch;
    }
  }
  return out;
}

// "step 3 (await, task t1)": the 1-based step of a finding, its kind and task.
inline std::string step_label(const harness::FindingRecord& f) {
  std::string out = "step " + std::to_string(f.step_index + 1) + " (" + one_line(f.step_kind);
  if (!f.task.empty()) out += ", task " + one_line(f.task);
  return out + ")";
}

// "G.status.enum [G] status is one of ...": the summary only for catalogue rules; scenario
// expectations ("S.*") and unknown ids have none.
inline std::string rule_label(const harness::FindingRecord& f) {
  std::string out = one_line(f.rule_id) + " [" + std::string(1, f.tag) + "]";
  if (const auto rule = agentwork::find_rule(f.rule_id)) out += " " + std::string(rule->summary);
  return out;
}

// "GET /api/v1/tasks/x -> 200 12.3 ms"; the transport error (or "no response") in place of a
// status when there was none.
inline std::string evidence_line(const harness::Evidence& e) {
  std::string outcome = e.status != 0     ? std::to_string(e.status)
                        : e.error.empty() ? std::string("no response")
                                          : one_line(e.error);
  return one_line(e.method) + " " + one_line(e.path) + " -> " + outcome + " " +
         fixed(e.duration_ms, 1) + " ms";
}

// The lines under a finding's heading, each starting with `indent`: the detail (one line per
// line of it), then the evidence and the body excerpt when there are any.
inline std::string finding_body(const harness::FindingRecord& f, std::string_view indent) {
  std::string out;
  std::string_view detail = f.detail;
  while (!detail.empty()) {
    const auto nl = detail.find('\n');
    out += std::string(indent) + one_line(detail.substr(0, nl)) + "\n";
    detail = nl == std::string_view::npos ? std::string_view{} : detail.substr(nl + 1);
  }
  if (f.evidence) {
    out += std::string(indent) + "evidence: " + evidence_line(*f.evidence) + "\n";
    if (!f.evidence->body_excerpt.empty())
      out += std::string(indent) + "body: " + one_line(f.evidence->body_excerpt) + "\n";
  }
  return out;
}

// "3 tasks", "1 task": English plural by appending 's'.
inline std::string count_of(std::size_t n, std::string_view noun) {
  return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

// Rows of cells, two spaces apart and indented by two: the first column left-aligned, the
// others right-aligned (figures), each line without trailing spaces.
inline std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line = "  ";
    for (std::size_t i = 0; i < row.size(); ++i) {
      const std::string pad(widths[i] - row[i].size(), ' ');
      line += i == 0 ? row[i] + pad : "  " + pad + row[i];
    }
    while (line.ends_with(' ')) line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace agentwork::reports::text
