// The Markdown summary: golden files for a conformance run with every verdict, for a live run
// (rules not seen, latency, thresholds) and for a load run with every field set; escaping of
// hostile strings; the cap on findings written out.
#include "reports/markdown_report.hpp"

#include <gtest/gtest.h>

#include <string>

#include "fixtures.hpp"
#include "golden.hpp"
#include "load_fixtures.hpp"

namespace agentwork::reports {
namespace {

TEST(MarkdownReport, ConformanceGolden) {
  golden::expect_matches("conformance.md", render_markdown(fixtures::every_verdict_run(), nullptr));
}

TEST(MarkdownReport, PassedConformanceGolden) {
  golden::expect_matches("conformance-passed.md",
                         render_markdown(fixtures::run_of({fixtures::passed_scenario()}), nullptr));
}

// Rules not seen, a [G] observation with its evidence, the latency table and the thresholds.
TEST(MarkdownReport, LiveConformanceGolden) {
  golden::expect_matches("conformance-live.md", render_markdown(fixtures::live_run(), nullptr));
}

// A reason or a rule id with markup cannot break the "Not seen" table.
TEST(MarkdownReport, NotSeenCellsAreEscaped) {
  auto r = fixtures::live_run();
  r.scenarios[0].not_seen = {{"G.a|b", "a | b <i>x</i>\nnext"}};
  const std::string md = render_markdown(r, nullptr);
  EXPECT_NE(md.find("| live coverage | `G.a\\|b` | a \\| b \\<i\\>x\\</i\\> next |\n"),
            std::string::npos)
      << md;
}

TEST(MarkdownReport, LoadGolden) {
  const auto load = fixtures::full_result();
  golden::expect_matches("load.md", render_markdown(fixtures::run_of({}), &load));
}

TEST(MarkdownReport, TextIsEscaped) {
  EXPECT_EQ(md_text("a|b"), "a\\|b");
  EXPECT_EQ(md_text("<script>alert(1)</script>"), "\\<script\\>alert(1)\\</script\\>");
  EXPECT_EQ(md_text("**bold** _it_ `code` [l](u) ~s~ #h &amp; !"),
            "\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\[l\\](u) \\~s\\~ \\#h \\&amp; \\!");
  EXPECT_EQ(md_text("back\\slash"), "back\\\\slash");
  EXPECT_EQ(md_text("two\nlines\r\tand\x01"), "two lines  and ");
  EXPECT_EQ(md_text("caf\xC3\xA9"), "caf\xC3\xA9");  // UTF-8 left alone
}

TEST(MarkdownReport, CodeSpansHoldAnyBackticks) {
  EXPECT_EQ(md_code("plain"), "`plain`");
  EXPECT_EQ(md_code("a`b"), "``a`b``");
  EXPECT_EQ(md_code("``x"), "``` ``x ```");
  EXPECT_EQ(md_code("x`"), "`` x` ``");
  EXPECT_EQ(md_code("a|b"), "`a|b`");
  EXPECT_EQ(md_code("a|b", true), "`a\\|b`");
  EXPECT_EQ(md_code("l1\nl2"), "`l1 l2`");
}

// A body excerpt with a fence of its own and markup cannot end the block or inject HTML.
TEST(MarkdownReport, HostileBodyStaysInItsCodeBlock) {
  auto scenario = fixtures::failed_scenario();
  scenario.name = "<img src=x onerror=alert(1)>";
  scenario.findings[0].evidence->body_excerpt = "```\n</details><script>x</script>";
  const std::string md = render_markdown(fixtures::run_of({scenario}), nullptr);
  for (auto at = md.find("<img"); at != std::string::npos; at = md.find("<img", at + 1))
    EXPECT_TRUE(at > 0 && md[at - 1] == '\\') << "an unescaped tag at " << at << ":\n" << md;
  EXPECT_NE(md.find("\\<img src=x onerror=alert(1)\\>"), std::string::npos) << md;
  // The excerpt sits in a ```` fence (one longer than its own run), on one line.
  EXPECT_NE(md.find("   ````\n   ```\\n</details><script>x</script>\n   ````\n"), std::string::npos)
      << md;
}

TEST(MarkdownReport, AtMostFiftyFindingsAreWrittenOut) {
  auto scenario = fixtures::failed_scenario();
  const auto one = scenario.findings[0];
  scenario.findings.assign(kMarkdownFindingsShown + 7, one);
  const std::string md = render_markdown(fixtures::run_of({scenario}), nullptr);
  EXPECT_NE(md.find("### Failures (57)"), std::string::npos);
  EXPECT_NE(md.find("\n50. **status enum**"), std::string::npos);
  EXPECT_EQ(md.find("\n51. "), std::string::npos);
  EXPECT_NE(md.find("… and 7 more (all in the JSON result)"), std::string::npos);
}

}  // namespace
}  // namespace agentwork::reports
