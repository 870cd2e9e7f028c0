#include "reports/junit_report.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <regex>
#include <string>

#include "fixtures.hpp"
#include "golden.hpp"

namespace agentwork::reports {
namespace {

using namespace fixtures;

TEST(JunitReport, Golden) {
  const std::string expected = R"xml(<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="agentwork" tests="3" failures="1" errors="0" skipped="1" time="4.322">
  <testsuite name="agentwork conformance" tests="3" failures="1" errors="0" skipped="1" time="4.322" timestamp="2024-05-01T12:00:00">
    <properties>
      <property name="tool_version" value="0.1.0"/>
      <property name="target" value="mock (in-process, http://127.0.0.1:8080)"/>
      <property name="profile" value="strict"/>
      <property name="mock" value="true"/>
      <property name="time_scale" value="60"/>
      <property name="seed" value="42"/>
      <property name="run_id" value="r1"/>
      <property name="interrupted" value="false"/>
    </properties>
    <testcase name="create and approve" classname="scenarios.examples.approve" file="scenarios/examples/approve.json" time="1.234">
      <system-out>step 1 (create, task t1) ok 10.0 ms: created t1
step 2 (await, task t1) ok 1200.0 ms: status awaiting_solution_approval after 3 polls
observation: step 2 (await, task t1): M.status.last_activity_at.precision [M] )xml" +
                               summary_of("M.status.last_activity_at.precision") + R"xml(
  no microseconds in &quot;2024-05-01T12:00:00Z&quot;
</system-out>
    </testcase>
    <testcase name="status enum" classname="scenarios.examples.status" file="scenarios/examples/status.json" time="2.500">
      <failure message="G.status.enum: got &quot;done&quot;" type="G.status.enum">step 2 (await, task t1): G.status.enum [G] )xml" +
                               summary_of("G.status.enum") + R"xml(
  got &quot;done&quot;
  at poll 2
  evidence: GET /api/v1/tasks/abc -&gt; 200 3.5 ms
  body: {&quot;status&quot;:&quot;done&quot;}\n
</failure>
      <system-out>step 1 (create, task t1) ok 12.5 ms: created t1
step 2 (await, task t1) FAILED 2400.0 ms: status done after 2 polls
</system-out>
    </testcase>
    <testcase name="mock only" classname="scenarios.live.mock_only" file="scenarios/live/mock_only.json" time="0.000">
      <skipped message="needs the bundled mock"/>
    </testcase>
  </testsuite>
</testsuites>
)xml";
  EXPECT_EQ(render_junit(tiny_run()), expected);
}

TEST(JunitReport, ErrorAndInterruptedScenarios) {
  const std::string xml = render_junit(run_of({error_scenario(), interrupted_scenario()}));
  EXPECT_NE(xml.find("<error message=\"target failed on the wire\" type=\"S.transport\">"
                     "step 1 (create): S.transport [S]\n  read timed out\n"
                     "  evidence: POST /api/v1/tasks/ -&gt; timeout: read 30000.0 ms\n</error>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<error message=\"Ctrl-C\" type=\"interrupted\"/>"), std::string::npos) << xml;
}

// Without a reason, an error says its first failure; a failure with several findings lists all.
TEST(JunitReport, MessagesFallBackToTheFirstFailure) {
  auto error = error_scenario();
  error.reason.clear();
  auto failed = failed_scenario();
  failed.findings.insert(failed.findings.begin(), passed_scenario().findings[0]);
  failed.findings.push_back(error_scenario().findings[0]);
  const std::string xml = render_junit(run_of({error, failed}));
  EXPECT_NE(xml.find("<error message=\"S.transport: read timed out\" type=\"S.transport\">"),
            std::string::npos)
      << xml;
  // The observation (first finding) is not the failure message, and not in the failure text.
  EXPECT_NE(xml.find("<failure message=\"G.status.enum: got &quot;done&quot;\" "
                     "type=\"G.status.enum\">step 2 (await, task t1): G.status.enum"),
            std::string::npos)
      << xml;
  const auto failure =
      xml.substr(xml.find("<failure"), xml.find("</failure>") - xml.find("<failure"));
  EXPECT_NE(failure.find("S.transport [S]"), std::string::npos) << failure;
  EXPECT_EQ(failure.find("M.status.last_activity_at.precision"), std::string::npos) << failure;
}

std::size_t attribute(const std::string& xml, const std::string& element, const std::string& name) {
  const std::regex re("<" + element + " [^>]*\\b" + name + "=\"([0-9]+)\"");
  std::smatch m;
  EXPECT_TRUE(std::regex_search(xml, m, re)) << element << " " << name;
  return m.empty() ? 999 : std::stoul(m[1]);
}

TEST(JunitReport, CountsInTheSuiteAttributes) {
  const std::string xml = render_junit(every_verdict_run());
  for (const char* element : {"testsuites", "testsuite"}) {
    EXPECT_EQ(attribute(xml, element, "tests"), 5u) << element;
    EXPECT_EQ(attribute(xml, element, "failures"), 1u) << element;
    // The error and the interrupted scenario are both <error> elements.
    EXPECT_EQ(attribute(xml, element, "errors"), 2u) << element;
    EXPECT_EQ(attribute(xml, element, "skipped"), 1u) << element;
  }
  auto count = [&](const std::string& needle) {
    std::size_t n = 0;
    for (auto at = xml.find(needle); at != std::string::npos; at = xml.find(needle, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("<testcase "), 5u);
  EXPECT_EQ(count("<failure "), 1u);
  EXPECT_EQ(count("<error "), 2u);
  EXPECT_EQ(count("<skipped "), 1u);
}

TEST(JunitReport, EverySuiteAndCaseHasNameAndTime) {
  const std::string xml = render_junit(every_verdict_run());
  const std::regex element(R"(<(testsuites|testsuite|testcase) [^>]*>)");
  const std::regex time(R"( time="[0-9]+\.[0-9]{3}")");
  std::size_t seen = 0;
  for (std::sregex_iterator it(xml.begin(), xml.end(), element), end; it != end; ++it, ++seen) {
    const std::string tag = it->str();
    EXPECT_NE(tag.find(" name=\""), std::string::npos) << tag;
    EXPECT_TRUE(std::regex_search(tag, time)) << tag;
  }
  EXPECT_EQ(seen, 7u);
}

// Also validated against tests/data/schemas/junit.xsd by xmllint (CTest
// junit.golden_file_validates).
TEST(JunitReport, LiveRunGolden) {
  golden::expect_matches("conformance-live.junit.xml", render_junit(live_run()));
}

// Each rule not seen is a skipped case beside its scenario's, never a passed one.
TEST(JunitReport, RulesNotSeenAreSkippedCases) {
  const std::string xml = render_junit(live_run());
  EXPECT_NE(xml.find("<testcase name=\"live coverage\" classname=\"scenarios.live.coverage\" "
                     "file=\"scenarios/live/coverage.json\" time=\"61.234\">"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("    <testcase name=\"G.status.question.options\" "
                     "classname=\"scenarios.live.coverage\" file=\"scenarios/live/coverage.json\" "
                     "time=\"0.000\">\n"
                     "      <skipped message=\"not seen: in 2 tasks no task asked a multi_select "
                     "question\"/>\n"
                     "    </testcase>\n"
                     "    <testcase name=\"G.api_key.exchange\" "),
            std::string::npos)
      << xml;
  // Two scenarios and two rules not seen; one failed; the rules are the skipped ones.
  EXPECT_NE(xml.find("<testsuite name=\"agentwork conformance\" tests=\"4\" failures=\"1\" "
                     "errors=\"0\" skipped=\"2\" "),
            std::string::npos)
      << xml;
}

TEST(JunitReport, ThresholdsAreASuiteOfTheirOwn) {
  const std::string xml = render_junit(live_run());
  EXPECT_NE(xml.find("  <testsuite name=\"thresholds\" tests=\"3\" failures=\"2\" errors=\"0\" "
                     "skipped=\"0\" time=\"0.000\">\n"
                     "    <testcase name=\"latency{endpoint=status}.p50 &lt; 100ms\" "
                     "classname=\"thresholds\" time=\"0.000\"/>\n"
                     "    <testcase name=\"latency{endpoint=create}.max &lt; 100ms\" "
                     "classname=\"thresholds\" time=\"0.000\">\n"
                     "      <failure message=\"latency{endpoint=create}.max &lt; 100ms: 120ms ✗\" "
                     "type=\"threshold\"/>\n"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("type=\"threshold_error\"/>"), std::string::npos) << xml;
  // The outer counts add both suites up.
  EXPECT_NE(xml.find("<testsuites name=\"agentwork\" tests=\"7\" failures=\"3\" errors=\"0\" "
                     "skipped=\"2\" "),
            std::string::npos)
      << xml;
  EXPECT_EQ(render_junit(tiny_run()).find("name=\"thresholds\""), std::string::npos);
}

// Observations of any tag go to their scenario's <system-out> with their evidence.
TEST(JunitReport, GuideObservationsWithEvidenceInSystemOut) {
  const std::string xml = render_junit(live_run());
  EXPECT_NE(xml.find("<system-out>step 1 (cover, task t1) ok 61000.0 ms: 2 tasks; 1 stall\n"
                     "observation: step 1 (cover, task t1): G.stall.last_activity [G] "),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("\n  evidence: GET /api/v1/tasks/abc -&gt; 200 41.5 ms\n"
                     "  body: {&quot;status&quot;:&quot;processing&quot;,"),
            std::string::npos)
      << xml;
}

TEST(JunitReport, Classname) {
  EXPECT_EQ(junit_classname("scenarios/examples/cancel.json"), "scenarios.examples.cancel");
  EXPECT_EQ(junit_classname("./scenarios/v1.2/x.json"), "scenarios.v1_2.x");
  EXPECT_EQ(junit_classname("/abs/path\\win.json"), "abs.path.win");
  EXPECT_EQ(junit_classname("plain"), "plain");
  EXPECT_EQ(junit_classname(""), "agentwork");
}

TEST(JunitReport, XmlEscapeOfTheFiveSpecialCharacters) {
  EXPECT_EQ(xml_escape("<&\"'>", true), "&lt;&amp;&quot;&apos;&gt;");
  EXPECT_EQ(xml_escape("<&\"'>", false), "&lt;&amp;&quot;&apos;&gt;");
  // "]]>" would end a CDATA section some consumers wrap text in; it never appears.
  EXPECT_EQ(xml_escape("a]]>b", false), "a]]&gt;b");
}

TEST(JunitReport, XmlEscapeOfWhitespace) {
  EXPECT_EQ(xml_escape("a\tb\nc\rd", true), "a&#9;b&#10;c&#13;d");
  EXPECT_EQ(xml_escape("a\tb\nc\rd", false), "a\tb\nc&#13;d");
}

TEST(JunitReport, XmlEscapeReplacesWhatXmlForbids) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(xml_escape(std::string("a\0b", 3), false), "a" + fffd + "b");
  EXPECT_EQ(xml_escape("\x01\x1b[31m\x7f", false), fffd + fffd + "[31m" + fffd);
  EXPECT_EQ(xml_escape("\xC2\x85", false), fffd);                    // NEL, a C1 control
  EXPECT_EQ(xml_escape("\xEF\xBF\xBE", false), fffd);                // U+FFFE
  EXPECT_EQ(xml_escape("\xff", false), fffd);                        // never valid
  EXPECT_EQ(xml_escape("x\xC3", false), "x" + fffd);                 // truncated sequence
  EXPECT_EQ(xml_escape("\xC3(", false), fffd + "(");                 // bad continuation
  EXPECT_EQ(xml_escape("\xC0\xAF", false), fffd + fffd);             // overlong '/'
  EXPECT_EQ(xml_escape("\xED\xA0\x80", false), fffd + fffd + fffd);  // surrogate U+D800
  EXPECT_EQ(xml_escape("\xF4\x90\x80\x80", false), fffd + fffd + fffd + fffd);  // > U+10FFFF
  // Valid multi-byte text is kept as it is.
  EXPECT_EQ(xml_escape("é € 😀 \xEF\xBF\xBD", true), "é € 😀 \xEF\xBF\xBD");
}

// An independent check of the output: well-formed UTF-8 of XML 1.0 characters only.
bool only_xml_characters(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (len == 0 || i + len > s.size()) return false;
    if (len == 1 && c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
    if (c == 0x7F || (c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0)) return false;
    if (c == 0xED && static_cast<unsigned char>(s[i + 1]) >= 0xA0) return false;
    for (std::size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += len;
  }
  return true;
}

TEST(JunitReport, HostileNamesStayWellFormed) {
  const std::string hostile = "<&\"'> ]]> \x01\x1b[1m \xff\xc3 tab\tnl\n";
  auto r = every_verdict_run();
  for (auto& s : r.scenarios) {
    s.name = hostile + s.name;
    s.file = hostile;
    s.reason = hostile;
    for (auto& f : s.findings) {
      f.detail = hostile;
      if (f.evidence) f.evidence->body_excerpt = hostile;
    }
    for (auto& step : s.steps) step.note = hostile;
  }
  r.target = hostile;
  const std::string xml = render_junit(r);
  EXPECT_TRUE(only_xml_characters(xml));
  EXPECT_EQ(xml.find("]]>"), std::string::npos);
  EXPECT_EQ(xml.find('\x1b'), std::string::npos);
  EXPECT_NE(xml.find("<testcase name=\"&lt;&amp;&quot;&apos;&gt; ]]&gt; \xEF\xBF\xBD\xEF\xBF\xBD"
                     "[1m \xEF\xBF\xBD\xEF\xBF\xBD tab&#9;nl&#10;create and approve\""),
            std::string::npos)
      << xml;
  // No markup beyond what the renderer wrote: one '<' per element tag.
  std::size_t open = 0;
  for (const char c : xml) open += c == '<';
  std::size_t tags = 0;
  for (const char* t :
       {"<?xml", "<testsuites", "</testsuites>", "<testsuite ", "</testsuite>", "<properties>",
        "</properties>", "<property ", "<testcase ", "</testcase>", "<failure ", "</failure>",
        "<error ", "</error>", "<skipped ", "<system-out>", "</system-out>"})
    for (auto at = xml.find(t); at != std::string::npos; at = xml.find(t, at + 1)) ++tags;
  EXPECT_EQ(open, tags) << xml;
}

TEST(JunitReport, HostileReasonsAndThresholdsStayWellFormed) {
  const std::string hostile = "<&\"'> ]]> \x01\x1b[1m \xff\xc3 tab\tnl\n";
  auto r = live_run();
  r.scenarios[0].not_seen[0] = {hostile, hostile};
  r.thresholds[1].text = hostile;
  r.thresholds[1].line = hostile + ": 1 ✗";
  const std::string xml = render_junit(r);
  EXPECT_TRUE(only_xml_characters(xml));
  EXPECT_EQ(xml.find("]]>"), std::string::npos);
  EXPECT_EQ(xml.find('\x1b'), std::string::npos);
  EXPECT_NE(xml.find("<skipped message=\"not seen: &lt;&amp;&quot;&apos;&gt; ]]&gt; "),
            std::string::npos)
      << xml;
}

harness::RunResult long_run() {
  auto r = tiny_run();
  r.duration_ms = 1234567.8;
  r.scenarios[0].duration_ms = 1500.25;
  return r;
}

TEST(JunitReport, TimesAreSecondsWithThreeDecimals) {
  const std::string xml = render_junit(long_run());
  EXPECT_NE(xml.find("<testsuites name=\"agentwork\" tests=\"3\" failures=\"1\" errors=\"0\" "
                     "skipped=\"1\" time=\"1234.568\">"),
            std::string::npos);
  EXPECT_NE(xml.find(" time=\"1.500\">"), std::string::npos);
}

TEST(JunitReport, TimesIgnoreTheGlobalCppLocale) {
  const std::string plain = render_junit(long_run());
  GlobalLocale comma(comma_locale());
  EXPECT_EQ(render_junit(long_run()), plain);
}

// A named German locale also sets the C locale (printf's decimal comma).
TEST(JunitReport, TimesIgnoreAGermanLocale) {
  const auto german = german_locale();
  if (!german) GTEST_SKIP() << "de_DE.UTF-8 is not installed (see locale -a)";
  const std::string plain = render_junit(long_run());
  GlobalLocale de(*german);
  EXPECT_EQ(render_junit(long_run()), plain);
}

}  // namespace
}  // namespace agentwork::reports
