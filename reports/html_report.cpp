#include "reports/html_report.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include "reports/html_timeline.hpp"
#include "reports/junit_report.hpp"  // xml_escape
#include "reports/load_report.hpp"
#include "reports/text_format.hpp"

namespace agentwork::reports {

using harness::FindingRecord;
using harness::RunResult;
using harness::ScenarioResult;
using harness::Severity;
using harness::TaskTimeline;
using agentwork::Verdict;
using load::LatencySummary;
using load::LoadResult;
using load::LoadSummary;

std::string html_escape(std::string_view s) {
  return xml_escape(s, false);
}

double nice_ceiling(double v) {
  if (!(v > 0) || !std::isfinite(v)) return 1;
  const double power = std::pow(10.0, std::floor(std::log10(v)));
  for (const double step : {1.0, 2.0, 5.0, 10.0}) {
    if (step * power >= v * (1 - 1e-12)) return step * power;
  }
  return 10 * power;
}

namespace {

std::string num(double v, int decimals = 1) {
  return text::fixed(v, decimals);
}

std::string ms_text(std::int64_t us) {
  return text::millis(static_cast<double>(us)) + " ms";
}

constexpr std::string_view kStyle = R"css(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
main{max-width:1100px;margin:0 auto;padding:16px 24px 48px}
header.verdict{padding:16px 24px;color:#fff}
header.pass{background:#1a7f37}header.fail{background:#cf222e}header.stopped{background:#9a6700}
header h1{margin:0 0 4px;font-size:22px}header p{margin:2px 0;opacity:.95}
section{background:#fff;border:1px solid #d0d7de;border-radius:6px;margin:16px 0;padding:12px 16px}
h2{font-size:17px;margin:4px 0 10px}h3{font-size:15px;margin:14px 0 6px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eaeef2;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.passed{color:#1a7f37}.failed,.error{color:#cf222e}.skipped,.interrupted{color:#9a6700}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:#f6f8fa;border:1px solid #eaeef2;border-radius:4px;padding:6px 8px;white-space:pre-wrap;word-break:break-all;max-height:240px;overflow:auto}
article.finding{border-left:4px solid #cf222e;padding:4px 12px;margin:10px 0}
article.observation{border-left-color:#9a6700}
.muted{color:#656d76}svg{display:block;max-width:100%;height:auto}
svg text{font:11px system-ui,sans-serif;fill:#1f2328}
.legend span{display:inline-block;margin-right:14px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
)css";

// The thresholds of a load run, or of a conformance run (as_threshold_results), alike.
std::string thresholds_section(const std::vector<load::ThresholdResult>& thresholds) {
  if (thresholds.empty()) return "";
  std::string out = "<section id=\"thresholds\"><h2>Thresholds</h2><table><tbody>";
  for (const auto& t : thresholds) {
    const bool passed = t.verdict == agentwork::Verdict::passed;
    out += "<tr data-verdict=\"" + std::string(passed ? "passed" : "failed") + "\"><td class=\"" +
           (passed ? "passed\">passed" : "failed\">not passed") + "</td><td><code>" +
           html_escape(threshold_text(t)) + "</code></td><td>" +
           html_escape(threshold_observed(t)) + "</td></tr>";
  }
  return out + "</tbody></table></section>";
}

// --- Conformance ------------------------------------------------------------------------------

std::string verdict_class(Verdict v) {
  return std::string(agentwork::to_string(v));
}

std::string finding_article(const ScenarioResult& s, const FindingRecord& f) {
  const bool failure = f.severity == Severity::failure;
  std::string out = std::string("<article class=\"finding") + (failure ? "" : " observation") +
                    "\" data-rule=\"" + html_escape(f.rule_id) + "\"><h3><code>" +
                    html_escape(f.rule_id) + "</code> [" + std::string(1, f.tag) + "] ";
  if (const auto rule = agentwork::find_rule(f.rule_id)) out += html_escape(rule->summary);
  out += "</h3><p class=\"muted\">" + html_escape(s.name) + " · " +
         html_escape(text::step_label(f)) + "</p><pre>" + html_escape(f.detail) + "</pre>";
  if (f.evidence) {
    out += "<p><code>" + html_escape(text::evidence_line(*f.evidence)) + "</code></p>";
    if (!f.evidence->body_excerpt.empty())
      out += "<pre class=\"body\">" + html_escape(f.evidence->body_excerpt) + "</pre>";
  }
  return out + "</article>";
}

// " · 2 not seen" in a scenario's note: a passed row that could not check every rule it covers.
std::string not_seen_note(const ScenarioResult& s) {
  if (s.not_seen.empty()) return "";
  return std::string(s.reason.empty() ? "" : " · ") + "<span class=\"skipped\">" +
         std::to_string(s.not_seen.size()) + " not seen</span>";
}

std::string not_seen_section(const RunResult& r) {
  const std::size_t total = r.totals().not_seen;
  if (total == 0) return "";
  std::string out = "<section id=\"not-seen\"><h2>Not seen (" + std::to_string(total) +
                    ")</h2><p class=\"muted\">Rules a scenario meant to check but never had the "
                    "chance to: not passes.</p><table><thead><tr><th>Scenario</th><th>Rule</th>"
                    "<th>Why not seen</th></tr></thead><tbody>";
  for (const auto& s : r.scenarios) {
    for (const auto& n : s.not_seen) {
      out += "<tr data-rule=\"" + html_escape(n.rule_id) + "\"><td>" + html_escape(s.name) +
             "</td><td><code>" + html_escape(n.rule_id) + "</code></td><td>" +
             html_escape(n.reason) + "</td></tr>";
    }
  }
  return out + "</tbody></table></section>";
}

std::string latency_section(const RunResult& r) {
  if (r.latency.empty()) return "";
  std::string out =
      "<section id=\"latency\"><h2>Latency per endpoint</h2><table><thead><tr><th>Endpoint</th>"
      "<th>Requests</th><th>p50</th><th>p90</th><th>p99</th><th>max</th></tr></thead><tbody>";
  const auto cell = [](double ms) {
    return "<td class=\"n\">" + text::millis(ms * 1000.0) + " ms</td>";
  };
  for (const auto& e : r.latency) {
    out += "<tr data-endpoint=\"" + html_escape(e.endpoint) + "\"><td>" + html_escape(e.endpoint) +
           "</td><td class=\"n\">" + std::to_string(e.count) + "</td>" + cell(e.p50_ms) +
           cell(e.p90_ms) + cell(e.p99_ms) + cell(e.max_ms) + "</tr>";
  }
  return out + "</tbody></table></section>";
}

// --via mcp: " · via mcp: 9 tool steps, 2 REST" in a scenario's note; empty for REST.
std::string via_note(const ScenarioResult& s) {
  if (s.transport != "mcp") return {};
  std::size_t tools = 0, rest = 0;
  for (const auto& step : s.steps) {
    tools += step.via.find("mcp") != std::string::npos;
    rest += step.via.find("rest") != std::string::npos;
  }
  return " · via mcp: " + std::to_string(tools) + " tool steps, " + std::to_string(rest) + " REST";
}

// --via mcp: every step that went over REST, with its reason.
std::string via_section(const RunResult& r) {
  std::string rows;
  for (const auto& s : r.scenarios) {
    for (const auto& step : s.steps) {
      if (step.via.find("rest") == std::string::npos) continue;
      rows += "<tr><td>" + html_escape(s.name) + "</td><td class=\"n\">" +
              std::to_string(step.index + 1) + "</td><td>" + html_escape(step.kind) + "</td><td>" +
              html_escape(step.via) + "</td><td>" + html_escape(step.via_reason) + "</td></tr>";
    }
  }
  if (rows.empty()) return {};
  return "<section id=\"via\"><h2>Steps over REST (--via mcp)</h2><table><thead><tr>"
         "<th>Scenario</th><th>Step</th><th>Kind</th><th>Via</th><th>Why not a tool</th></tr>"
         "</thead><tbody>" + rows + "</tbody></table></section>";
}

std::string conformance_body(const RunResult& r) {
  std::string out = "<section id=\"scenarios\"><h2>Scenarios (" +
                    std::to_string(r.scenarios.size()) +
                    ")</h2><table><thead><tr><th>Verdict</th><th>Scenario</th><th>File</th>"
                    "<th>Time</th><th>Requests</th><th>Polls</th><th>Failures</th><th>Note</th>"
                    "</tr></thead><tbody>";
  for (const auto& s : r.scenarios) {
    out += "<tr data-verdict=\"" + verdict_class(s.verdict) + "\"><td class=\"" +
           verdict_class(s.verdict) + "\">" + verdict_class(s.verdict) + "</td><td>" +
           html_escape(s.name) + "</td><td><code>" + html_escape(s.file) +
           "</code></td><td class=\"n\">" + text::seconds(s.duration_ms, 2) +
           " s</td><td class=\"n\">" + std::to_string(s.requests) + "</td><td class=\"n\">" +
           std::to_string(s.polls) + "</td><td class=\"n\">" + std::to_string(s.failures()) +
           "</td><td>" + html_escape(s.reason) + not_seen_note(s) + via_note(s) + "</td></tr>";
  }
  out += "</tbody></table></section>" + via_section(r);
  for (const Severity severity : {Severity::failure, Severity::observation}) {
    std::string articles;
    std::size_t n = 0;
    for (const auto& s : r.scenarios) {
      for (const auto& f : s.findings) {
        if (f.severity != severity) continue;
        ++n;
        articles += finding_article(s, f);
      }
    }
    if (n == 0) continue;
    const bool failures = severity == Severity::failure;
    out += std::string("<section id=\"") + (failures ? "failures" : "observations") + "\"><h2>" +
           (failures ? "Failures" : "Observations") + " (" + std::to_string(n) + ")</h2>" +
           articles + "</section>";
  }
  return out + not_seen_section(r) + latency_section(r) +
         thresholds_section(as_threshold_results(r.thresholds)) + timelines_section(r);
}

// --- Charts -----------------------------------------------------------------------------------

struct Line {
  std::string name;
  std::string color;
  std::vector<std::optional<double>> y;  // nullopt: no data (the line breaks)
};

// A series as bars from the baseline `bottom` up; x and y map a slot and a value to the plot.
template <typename X, typename Y>
std::string chart_bars(const Line& l, std::size_t n, double pw, const X& x, const Y& y,
                       double bottom) {
  std::string out;
  const double w = std::max(1.0, pw / static_cast<double>(n) - 1);
  for (std::size_t i = 0; i < l.y.size(); ++i) {
    if (!l.y[i] || *l.y[i] <= 0) continue;
    out += "<rect x=\"" + num(x(static_cast<double>(i))) + "\" y=\"" + num(y(*l.y[i])) +
           "\" width=\"" + num(w) + "\" height=\"" + num(bottom - y(*l.y[i])) + "\" fill=\"" +
           l.color + "\"/>";
  }
  return out;
}

// A series as polylines through the middle of each slot, broken where it has no data.
template <typename X, typename Y>
std::string chart_line(const Line& l, const X& x, const Y& y) {
  std::string out, points;
  const auto flush = [&] {
    if (!points.empty())
      out += "<polyline fill=\"none\" stroke=\"" + l.color + "\" stroke-width=\"2\" points=\"" +
             points + "\"/>";
    points.clear();
  };
  for (std::size_t i = 0; i < l.y.size(); ++i) {
    if (!l.y[i]) {
      flush();
      continue;
    }
    points += num(x(static_cast<double>(i) + 0.5)) + "," + num(y(*l.y[i])) + " ";
  }
  flush();
  return out;
}

// An x/y chart over time: lines, or bars for the first series when `bars`. x is the slot index
// times `step_s` seconds.
std::string time_chart(std::string_view id, std::string_view title, std::string_view unit,
                       double step_s, const std::vector<Line>& lines, bool bars) {
  constexpr double kW = 880, kH = 240, kL = 64, kR = 16, kT = 16, kB = 34;
  const double pw = kW - kL - kR, ph = kH - kT - kB;
  std::size_t n = 0;
  double top = 0;
  for (const auto& l : lines) {
    n = std::max(n, l.y.size());
    for (const auto& v : l.y) {
      if (v) top = std::max(top, *v);
    }
  }
  std::string out = "<figure data-chart=\"" + std::string(id) + "\"><figcaption><b>" +
                    html_escape(title) + "</b> <span class=\"legend\">";
  for (const auto& l : lines) {
    out += "<span><i style=\"background:" + l.color + "\"></i>" + html_escape(l.name) + "</span>";
  }
  out += "</span></figcaption><svg viewBox=\"0 0 " + num(kW, 0) + " " + num(kH, 0) +
         "\" role=\"img\" aria-label=\"" + html_escape(title) + "\">";
  if (n == 0) {
    return out + "<text x=\"" + num(kW / 2, 0) + "\" y=\"" + num(kH / 2, 0) +
           "\" text-anchor=\"middle\" class=\"muted\">no data</text></svg></figure>";
  }
  const double ymax = nice_ceiling(top);
  const double xmax = static_cast<double>(n) * step_s;
  const auto x = [&](double slot) { return kL + slot / static_cast<double>(n) * pw; };
  const auto y = [&](double v) { return kT + ph - v / ymax * ph; };
  for (int k = 0; k <= 4; ++k) {  // grid and y labels
    const double v = ymax * k / 4;
    out += "<line x1=\"" + num(kL) + "\" x2=\"" + num(kL + pw) + "\" y1=\"" + num(y(v)) +
           "\" y2=\"" + num(y(v)) + "\" stroke=\"#eaeef2\"/><text x=\"" + num(kL - 6) + "\" y=\"" +
           num(y(v) + 4) + "\" text-anchor=\"end\">" + text::shortest(std::round(v * 1000) / 1000) +
           (k == 4 ? " " + std::string(unit) : "") + "</text>";
  }
  for (int k = 0; k <= 5; ++k) {  // x labels (seconds)
    const double at = xmax * k / 5;
    out += "<text x=\"" + num(x(static_cast<double>(n) * k / 5)) + "\" y=\"" + num(kH - 12) +
           "\" text-anchor=\"middle\">" + num(at, at < 10 ? 1 : 0) + " s</text>";
  }
  for (std::size_t li = 0; li < lines.size(); ++li) {
    out +=
        bars && li == 0 ? chart_bars(lines[li], n, pw, x, y, kT + ph) : chart_line(lines[li], x, y);
  }
  out += "<line x1=\"" + num(kL) + "\" x2=\"" + num(kL + pw) + "\" y1=\"" + num(kT + ph) +
         "\" y2=\"" + num(kT + ph) + "\" stroke=\"#8c959f\"/>";
  return out + "</svg></figure>";
}

// The detection-delay histogram: the slots binned by powers of two of milliseconds.
std::string delay_histogram(const LoadSummary& s) {
  std::vector<std::uint64_t> bins;  // bin 0: under 1 ms; bin k: [2^(k-1), 2^k) ms
  for (const auto& slot : s.transition_delay_histogram) {
    const double ms = static_cast<double>(slot.value) / 1000.0;
    const std::size_t bin = ms < 1 ? 0 : static_cast<std::size_t>(std::floor(std::log2(ms))) + 1;
    if (bins.size() <= bin) bins.resize(bin + 1, 0);
    bins[bin] += slot.count;
  }
  std::string out =
      "<figure data-chart=\"detection-delay\"><figcaption><b>Transition detection delay</b> "
      "<span class=\"muted\">time a client saw a new state minus its last_activity_at; " +
      std::to_string(s.transition_delay.count) + " transitions, p50 " +
      ms_text(s.transition_delay.p50) + ", p99 " + ms_text(s.transition_delay.p99) +
      "</span></figcaption>";
  constexpr double kW = 880, kH = 220, kL = 64, kT = 12, kB = 40;
  const double pw = kW - kL - 16, ph = kH - kT - kB;
  out += "<svg viewBox=\"0 0 " + num(kW, 0) + " " + num(kH, 0) + "\" role=\"img\" aria-label=\"" +
         "detection delay histogram\">";
  if (bins.empty()) {
    return out +
           "<text x=\"440\" y=\"110\" text-anchor=\"middle\" class=\"muted\">no data</text>"
           "</svg></figure>";
  }
  const double top = nice_ceiling(static_cast<double>(*std::max_element(bins.begin(), bins.end())));
  const double w = pw / static_cast<double>(bins.size());
  for (std::size_t b = 0; b < bins.size(); ++b) {
    const double h = static_cast<double>(bins[b]) / top * ph;
    const double bx = kL + static_cast<double>(b) * w;
    const std::string label = html_escape(
        b == 0 ? "<1 ms" : "<" + text::shortest(std::ldexp(1.0, static_cast<int>(b))) + " ms");
    out += "<rect class=\"bin\" x=\"" + num(bx + 1) + "\" y=\"" + num(kT + ph - h) + "\" width=\"" +
           num(std::max(1.0, w - 2)) + "\" height=\"" + num(h) + "\" fill=\"#76b7b2\"><title>" +
           label + ": " + std::to_string(bins[b]) + "</title></rect><text x=\"" + num(bx + w / 2) +
           "\" y=\"" + num(kH - 22) + "\" text-anchor=\"middle\">" + label + "</text>";
  }
  out += "<text x=\"" + num(kL - 6) + "\" y=\"" + num(kT + 8) + "\" text-anchor=\"end\">" +
         text::shortest(top) + "</text><text x=\"" + num(kL - 6) + "\" y=\"" + num(kT + ph) +
         "\" text-anchor=\"end\">0</text>";
  return out + "</svg></figure>";
}

// Polls split into those that saw a change and wasted ones, next to the transitions.
std::string polls_chart(const LoadSummary& s) {
  const double polls = static_cast<double>(s.polls);
  const double useful = polls - static_cast<double>(s.wasted_polls);
  std::string out =
      "<figure data-chart=\"polls-per-transition\"><figcaption><b>Polls per transition: " +
      num(s.polls_per_transition, 2) + "</b> <span class=\"muted\">" + std::to_string(s.polls) +
      " polls for " + std::to_string(s.transitions) + " transitions; " +
      num(s.wasted_poll_share * 100, 1) +
      " % of the polls saw no change</span></figcaption><svg viewBox=\"0 0 880 70\" role=\"img\" "
      "aria-label=\"polls per transition\">";
  const double w = 860;
  const double changed_w = polls > 0 ? useful / polls * w : 0;
  out += "<rect x=\"10\" y=\"10\" width=\"" + num(std::max(0.0, changed_w)) +
         "\" height=\"22\" fill=\"#4e79a7\"><title>polls that saw a change</title></rect>";
  out += "<rect x=\"" + num(10 + changed_w) + "\" y=\"10\" width=\"" +
         num(std::max(0.0, w - changed_w)) +
         "\" height=\"22\" fill=\"#bab0ac\"><title>wasted polls</title></rect>";
  out += "<text x=\"10\" y=\"50\">saw a change: " + std::to_string(s.polls - s.wasted_polls) +
         "</text><text x=\"870\" y=\"50\" text-anchor=\"end\">wasted: " +
         std::to_string(s.wasted_polls) + "</text>";
  return out + "</svg></figure>";
}

// The key figures of a load run as a table.
std::string load_figures(const LoadResult& l) {
  const LoadSummary& s = l.summary;
  std::string out = "<section id=\"load-figures\"><h2>Figures</h2><table><tbody>";
  const auto row = [&](std::string_view name, const std::string& value) {
    out += "<tr><th>" + std::string(name) + "</th><td>" + value + "</td></tr>";
  };
  row("What ran",
      html_escape(l.executor + " · client " + l.client + " · " + std::to_string(l.workers) +
                  " workers · poll every " + text::shortest(l.poll_interval_s) + " s · rate cap " +
                  (l.rate_cap ? text::shortest(*l.rate_cap) + "/s" : "none")));
  row("Stop", html_escape(std::string(load::to_string(l.stop_reason)) +
                          (l.stop_detail.empty() ? "" : ": " + l.stop_detail)));
  row("Requests", std::to_string(s.requests) + " (" + num(s.requests_per_s) + "/s over " +
                      num(s.duration_s) + " s)");
  row("Errors", std::to_string(s.errors) + " (" + num(s.error_rate * 100, 2) + " %)");
  for (const auto& e : s.endpoints) {
    const auto& c = e.corrected;
    row(std::string(agentwork::to_string(e.endpoint)) + " latency",
        c.count == 0
            ? std::string("no data")
            : "p50 " + ms_text(c.p50) + " · p90 " + ms_text(c.p90) + " · p99 " + ms_text(c.p99) +
                  " · max " + ms_text(c.max) + " <span class=\"muted\">(uncorrected p99 " +
                  ms_text(e.uncorrected.p99) + ")</span>");
  }
  row("Polls", std::to_string(s.polls) + "; late " + std::to_string(s.late_polls) + ", dropped " +
                   std::to_string(s.dropped_polls));
  row("Tasks", std::to_string(s.tasks_created) + " created");
  row("Contract", std::to_string(l.responses_checked) + " responses checked; " +
                      std::to_string(l.check_failures.size()) + " rules broken");
  row("Cleanup", std::to_string(l.cleanup.cancelled) + " cancelled, " +
                     std::to_string(l.cleanup.failed) + " failed");
  return out + "</tbody></table></section>";
}

// Requests, latency percentiles and errors over time; then the polling charts.
std::string load_charts(const LoadSummary& s) {
  const double step = s.rate_slot_width_s;
  Line rate{"requests/s", "#4e79a7", {}};
  for (const auto v : s.rate_series) rate.y.push_back(static_cast<double>(v) / step);
  Line errors{"errors/s", "#e15759", {}};
  for (const auto v : s.error_series) errors.y.push_back(static_cast<double>(v) / step);
  Line p50{"p50", "#59a14f", {}}, p90{"p90", "#f28e2b", {}}, p99{"p99", "#e15759", {}};
  for (const auto& p : s.latency_series) {
    const bool any = p.p99 > 0;
    p50.y.push_back(any ? std::optional<double>(static_cast<double>(p.p50) / 1000) : std::nullopt);
    p90.y.push_back(any ? std::optional<double>(static_cast<double>(p.p90) / 1000) : std::nullopt);
    p99.y.push_back(any ? std::optional<double>(static_cast<double>(p.p99) / 1000) : std::nullopt);
  }
  std::string out = "<section id=\"charts\"><h2>Over time</h2>";
  out += time_chart("requests", "Requests per second", "/s", step, {rate}, false);
  out += time_chart("latency", "Latency percentiles (corrected, every endpoint)", "ms", step,
                    {p50, p90, p99}, false);
  out += time_chart("errors", "Errors per second (transport errors and 5xx)", "/s", step, {errors},
                    true);
  out += "</section><section id=\"polling\"><h2>Polling</h2>" + polls_chart(s) +
         delay_histogram(s) + "</section>";
  return out;
}

// The rules the load run's responses broke, with their evidence; "" when none.
std::string load_failures(const LoadResult& l) {
  std::string out;
  if (!l.check_failures.empty()) {
    out += "<section id=\"failures\"><h2>Contract failures (" +
           std::to_string(l.check_failures.size()) + " rules)</h2>";
    for (const auto& f : l.check_failures) {
      out += "<article class=\"finding\" data-rule=\"" + html_escape(f.rule_id) + "\"><h3><code>" +
             html_escape(f.rule_id) + "</code> · " + std::to_string(f.count) +
             " responses</h3><pre>" + html_escape(f.detail) + "</pre>";
      if (!f.evidence.method.empty())
        out += "<p><code>" + html_escape(text::evidence_line(f.evidence)) + "</code></p>";
      if (!f.evidence.body_excerpt.empty())
        out += "<pre class=\"body\">" + html_escape(f.evidence.body_excerpt) + "</pre>";
      out += "</article>";
    }
    out += "</section>";
  }
  return out;
}

std::string load_body(const LoadResult& l) {
  return load_figures(l) + load_charts(l.summary) + thresholds_section(l.thresholds) +
         load_failures(l);
}

}  // namespace

std::string render_html(const RunResult& run, const LoadResult* load) {
  std::string title, verdict_class_name, headline;
  if (load != nullptr) {
    const int code = load::exit_code(*load);
    verdict_class_name = code == 0 ? "pass" : code == 130 ? "stopped" : "fail";
    headline = "Agentwork load: " + load_verdict(*load) + " · exit code " + std::to_string(code);
    title = "Agentwork load: " + load->profile_name;
  } else {
    const int code = harness::exit_code(run);
    const auto t = run.totals();
    verdict_class_name = code == 0 ? "pass" : code == 130 ? "stopped" : "fail";
    headline = std::string("Agentwork conformance: ") +
               (code == 0     ? "passed"
                : code == 130 ? "interrupted"
                              : "failed") +
               " · " + std::to_string(t.passed) + " of " + std::to_string(t.scenarios) +
               " scenarios passed" +
               (t.not_seen > 0 ? " · " + text::count_of(t.not_seen, "rule") + " not seen" : "") +
               " · exit code " + std::to_string(code);
    title = "Agentwork conformance";
  }
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>" +
      html_escape(title) + "</title><style>" + std::string(kStyle) + "</style></head><body>";
  out += "<header class=\"verdict " + verdict_class_name + "\" data-verdict=\"" +
         verdict_class_name + "\"><h1>" + html_escape(headline) + "</h1><p>Target <code>" +
         html_escape(run.target) + "</code> · profile " + html_escape(run.profile) + " · seed " +
         std::to_string(run.seed) + " · run " + html_escape(run.run_id) + "</p><p>Started " +
         html_escape(run.started_at) + " · " + text::seconds(run.duration_ms, 2) +
         " s · agentwork " + html_escape(run.tool_version) + "</p></header><main>";
  out += load != nullptr ? load_body(*load) : conformance_body(run);
  return out + "</main></body></html>\n";
}

}  // namespace agentwork::reports
