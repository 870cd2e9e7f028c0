// The HTML report: one self-contained page (no script, no external resource), every string
// escaped, a timeline per task with its states and actions, the load charts from the series.
// (tests/reports/html_chromium_test.sh opens real reports in headless Chromium.)
#include "reports/html_report.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "fixtures.hpp"
#include "load_fixtures.hpp"

namespace agentwork::reports {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(HtmlReport, NiceCeiling) {
  EXPECT_EQ(nice_ceiling(0), 1);
  EXPECT_EQ(nice_ceiling(-3), 1);
  EXPECT_EQ(nice_ceiling(0.7), 1);
  EXPECT_EQ(nice_ceiling(1), 1);
  EXPECT_EQ(nice_ceiling(1.2), 2);
  EXPECT_EQ(nice_ceiling(3), 5);
  EXPECT_EQ(nice_ceiling(199), 200);
  EXPECT_EQ(nice_ceiling(501), 1000);
  EXPECT_DOUBLE_EQ(nice_ceiling(0.0042), 0.005);
}

TEST(HtmlReport, ASelfContainedPage) {
  const std::string html = render_html(fixtures::every_verdict_run(), nullptr);
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
  EXPECT_TRUE(html.ends_with("</html>\n"));
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://127.0.0.1:8080"));  // only the target
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_NE(html.find("<header class=\"verdict fail\" data-verdict=\"fail\">"), std::string::npos);
  EXPECT_EQ(count(html, "<tr data-verdict="), 5u);
  EXPECT_EQ(count(html, "<article class=\"finding\""), 2u);               // failures
  EXPECT_EQ(count(html, "<article class=\"finding observation\""), 1u);  // observations
}

// The part of `html` from the element opening with `start` to the next `end`.
std::string part(const std::string& html, const std::string& start, const std::string& end) {
  const auto at = html.find(start);
  if (at == std::string::npos) return "";
  return html.substr(at, html.find(end, at) - at);
}

TEST(HtmlReport, NotSeenLatencyAndThresholdsOfALiveRun) {
  const std::string html = render_html(fixtures::live_run(), nullptr);
  EXPECT_NE(html.find("1 of 2 scenarios passed · 2 rules not seen · exit code 4"),
            std::string::npos);
  const std::string not_seen = part(html, "<section id=\"not-seen\">", "</section>");
  EXPECT_NE(not_seen.find("<h2>Not seen (2)</h2>"), std::string::npos) << not_seen;
  EXPECT_EQ(count(not_seen, "<tr data-rule="), 2u);
  EXPECT_NE(not_seen.find("<tr data-rule=\"G.status.question.options\"><td>live coverage</td>"
                          "<td><code>G.status.question.options</code></td><td>in 2 tasks no task "
                          "asked a multi_select question</td></tr>"),
            std::string::npos)
      << not_seen;
  const std::string latency = part(html, "<section id=\"latency\">", "</section>");
  EXPECT_NE(latency.find("<tr data-endpoint=\"status\"><td>status</td><td class=\"n\">35</td>"
                         "<td class=\"n\">12.5 ms</td><td class=\"n\">48.2 ms</td>"
                         "<td class=\"n\">210.0 ms</td><td class=\"n\">250.5 ms</td></tr>"),
            std::string::npos)
      << latency;
  const std::string thresholds = part(html, "<section id=\"thresholds\">", "</section>");
  EXPECT_EQ(count(thresholds, "<tr data-verdict=\"passed\">"), 1u) << thresholds;
  EXPECT_EQ(count(thresholds, "<tr data-verdict=\"failed\">"), 2u) << thresholds;
  EXPECT_NE(thresholds.find("<code>latency{endpoint=create}.max &lt; 100ms</code></td><td>120ms"),
            std::string::npos)
      << thresholds;
  // The passed scenario's row says what it could not check.
  EXPECT_NE(html.find("<span class=\"skipped\">2 not seen</span></td></tr>"), std::string::npos);
  // The [G] observation with its evidence.
  const std::string observations = part(html, "<section id=\"observations\">", "</section>");
  EXPECT_NE(observations.find("data-rule=\"G.stall.last_activity\"><h3><code>G.stall.last_activity"
                              "</code> [G] "),
            std::string::npos)
      << observations;
  EXPECT_NE(observations.find("<p><code>GET /api/v1/tasks/abc -&gt; 200 41.5 ms</code></p>"),
            std::string::npos)
      << observations;
  // None of it without the data.
  const std::string tiny = render_html(fixtures::tiny_run(), nullptr);
  for (const char* id : {"not-seen", "latency", "thresholds"})
    EXPECT_EQ(tiny.find(std::string("<section id=\"") + id), std::string::npos) << id;
}

TEST(HtmlReport, TimelinesShowStatesAndActions) {
  const std::string html = render_html(fixtures::tiny_run(), nullptr);
  EXPECT_EQ(count(html, "<svg class=\"timeline\""), 1u);
  EXPECT_NE(html.find("data-task=\"t1\" data-task-id=\"abc\""), std::string::npos);
  EXPECT_EQ(count(html, "<rect class=\"state\" data-state=\"processing\""), 1u);
  // The refused cancel: a hollow marker and "(refused)".
  EXPECT_NE(html.find("data-action=\"cancel\" data-accepted=\"false\""), std::string::npos);
  EXPECT_NE(html.find("cancel (refused)"), std::string::npos);
  EXPECT_EQ(count(html, "class=\"created\""), 1u);
}

TEST(HtmlReport, EveryStringIsEscaped) {
  auto s = fixtures::failed_scenario();
  s.name = "<script>alert(1)</script>";
  s.findings[0].detail = "\"quoted\" & <b>bold</b>";
  s.findings[0].evidence->body_excerpt = "</pre><img src=x onerror=alert(1)>\xff";
  s.timelines[0].task = "\"><svg onload=alert(1)>";
  s.not_seen = {{"<b>rule</b>", "<script>alert(2)</script>"}};
  auto r = fixtures::run_of({s});
  r.latency = {{"<b>endpoint</b>", 1, 1, 1, 1, 1}};
  r.thresholds = {{"<b>t</b> < 1ms", false, "<b>t</b> < 1ms: 2ms ✗"}};
  const std::string html = render_html(r, nullptr);
  EXPECT_NE(html.find("&lt;script&gt;alert(2)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("data-rule=\"&lt;b&gt;rule&lt;/b&gt;\""), std::string::npos);
  EXPECT_NE(html.find("<code>&lt;b&gt;t&lt;/b&gt; &lt; 1ms</code>"), std::string::npos);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<svg onload"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("&quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("&lt;/pre&gt;&lt;img src=x onerror=alert(1)&gt;\xEF\xBF\xBD"),
            std::string::npos);
}

TEST(HtmlReport, LoadChartsFromTheSeries) {
  const auto load = fixtures::full_result();
  const std::string html = render_html(fixtures::run_of({}), &load);
  for (const char* chart : {"requests", "latency", "errors", "polls-per-transition",
                            "detection-delay"}) {
    EXPECT_EQ(count(html, std::string("<figure data-chart=\"") + chart + "\""), 1u) << chart;
  }
  // 5 slots: one polyline for requests; p50/p90/p99 break at the empty 4th slot (2 pieces
  // each); errors as bars for the 3 non-zero slots.
  const auto latency = html.substr(html.find("data-chart=\"latency\""));
  const auto latency_svg = latency.substr(0, latency.find("</figure>"));
  EXPECT_EQ(count(latency_svg, "<polyline"), 6u);
  const auto errors = html.substr(html.find("data-chart=\"errors\""));
  EXPECT_EQ(count(errors.substr(0, errors.find("</figure>")), "<rect x="), 3u);
  // The detection-delay histogram: every transition in the 1 ms slot, so bins "<1 ms" (empty)
  // and "<2 ms".
  const auto delay = html.substr(html.find("data-chart=\"detection-delay\""));
  const auto delay_svg = delay.substr(0, delay.find("</figure>"));
  EXPECT_EQ(count(delay_svg, "<rect class=\"bin\""), 2u);
  EXPECT_NE(delay_svg.find("<title>&lt;1 ms: 0</title>"), std::string::npos);
  EXPECT_NE(delay_svg.find("<title>&lt;2 ms: 1993</title>"), std::string::npos);
  EXPECT_EQ(count(html, "<tr data-verdict="), 3u);  // the thresholds
  EXPECT_NE(html.find("data-rule=\"G.status.enum\""), std::string::npos);
  EXPECT_NE(html.find("<header class=\"verdict fail\""), std::string::npos);
}

TEST(HtmlReport, AnEmptyLoadRunSaysNoData) {
  auto load = fixtures::full_result();
  load.summary = {};
  const std::string html = render_html(fixtures::run_of({}), &load);
  EXPECT_EQ(count(html, ">no data</text>"), 4u);  // requests, latency, errors, delay
}

}  // namespace
}  // namespace agentwork::reports
