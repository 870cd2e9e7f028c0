// Rule coverage: which scenarios declare which catalogue rules, and the table `list --coverage`
// prints.
#include "harness/runner/coverage.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <array>

namespace agentwork::harness {
namespace {

constexpr std::array kRules = std::to_array<Rule>({
    {"G.a.first", Tag::guide, "1", "first"},
    {"M.b.second", Tag::mock, "2", "second"},
    {"G.c.third", Tag::guide, "3", "third"},
});

Scenario scenario(std::string name, std::vector<std::string> covers) {
  Scenario s;
  s.name = std::move(name);
  s.covers = std::move(covers);
  return s;
}

TEST(Coverage, ListsTheCoveringScenariosOfEveryRuleInCatalogueOrder) {
  const std::vector<Scenario> scenarios = {scenario("one", {"M.b.second", "G.a.first"}),
                                           scenario("two", {"G.a.first"})};
  const auto report = compute_coverage(scenarios, kRules);
  ASSERT_EQ(report.rules.size(), 3u);
  EXPECT_EQ(report.rules[0].id, "G.a.first");
  EXPECT_EQ(report.rules[0].scenarios, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(report.rules[1].tag, Tag::mock);
  EXPECT_EQ(report.rules[1].scenarios, (std::vector<std::string>{"one"}));
  EXPECT_TRUE(report.rules[2].scenarios.empty());
  EXPECT_EQ(report.covered, 2u);
  EXPECT_FALSE(report.complete());
}

TEST(Coverage, CompleteWhenEveryRuleIsCovered) {
  const std::vector<Scenario> scenarios = {scenario("all", {"G.a.first", "M.b.second"}),
                                           scenario("rest", {"G.c.third"})};
  const auto report = compute_coverage(scenarios, kRules);
  EXPECT_EQ(report.covered, 3u);
  EXPECT_TRUE(report.complete());
}

TEST(Coverage, IgnoresIdsOutsideTheCatalogueAndCountsARuleOnce) {
  const std::vector<Scenario> scenarios = {scenario("x", {"G.unknown", "G.a.first", "G.a.first"})};
  const auto report = compute_coverage(scenarios, kRules);
  EXPECT_EQ(report.covered, 1u);
  EXPECT_EQ(report.rules[0].scenarios, (std::vector<std::string>{"x"}));
}

TEST(Coverage, NoScenariosCoverNothing) {
  const auto report = compute_coverage({}, kRules);
  EXPECT_EQ(report.covered, 0u);
  EXPECT_FALSE(report.complete());
  EXPECT_EQ(format_coverage(report),
            "RULE        TAG  SCENARIOS\n"
            "G.a.first   G    UNCOVERED\n"
            "M.b.second  M    UNCOVERED\n"
            "G.c.third   G    UNCOVERED\n"
            "0 of 3 rules covered\n");
}

TEST(Coverage, TablePrintsTagsScenarioNamesAndTheTotal) {
  const std::vector<Scenario> scenarios = {scenario("happy path", {"G.a.first", "M.b.second"}),
                                           scenario("negative", {"G.a.first"})};
  EXPECT_EQ(format_coverage(compute_coverage(scenarios, kRules)),
            "RULE        TAG  SCENARIOS\n"
            "G.a.first   G    happy path; negative\n"
            "M.b.second  M    happy path\n"
            "G.c.third   G    UNCOVERED\n"
            "2 of 3 rules covered\n");
}

// Every catalogue rule, the MCP rules (section 6) included: scenarios/mcp covers them when run
// with --via mcp.
TEST(Coverage, DefaultsToTheWholeCatalogueMcpRulesIncluded) {
  const std::vector<Scenario> scenarios = {scenario("s", {"G.status.enum", "M.mcp.stdout"})};
  const auto report = compute_coverage(scenarios);
  ASSERT_EQ(report.rules.size(), all_rules().size());
  EXPECT_EQ(report.covered, 2u);
  const auto mcp = std::find_if(report.rules.begin(), report.rules.end(),
                                [](const auto& row) { return row.id == "M.mcp.stdout"; });
  ASSERT_NE(mcp, report.rules.end());
  EXPECT_FALSE(mcp->scenarios.empty());
  const auto table = format_coverage(report);
  EXPECT_NE(table.find("2 of " + std::to_string(all_rules().size()) + " rules covered"),
            std::string::npos);
}

TEST(Coverage, TheLiveViewExcusesOnlyTheRulesListedAsNeedingControl) {
  const std::vector<Rule> rules = {
      {"M.credits.exhausted", Tag::mock, "5", "402"},  // listed: needs control
      {"G.status.enum", Tag::guide, "2", "enum"},
  };
  const std::vector<Scenario> scenarios = {scenario("live", {"G.status.enum"})};
  const auto plain = compute_coverage(scenarios, rules);
  EXPECT_FALSE(plain.complete());  // outside the live view every rule needs a scenario
  const auto live = compute_coverage(scenarios, rules, /*live=*/true);
  EXPECT_EQ(live.needs_control, 1u);
  EXPECT_TRUE(live.complete());
  const auto table = format_coverage(live);
  EXPECT_NE(table.find("M.credits.exhausted  M    NEEDS CONTROL: "), std::string::npos) << table;
  EXPECT_NE(table.find("1 of 2 rules covered by live scenarios (1 of 1 [G] rules); 1 listed"),
            std::string::npos)
      << table;
  // A live gap that is not listed stays a gap.
  const auto gap = compute_coverage({}, rules, /*live=*/true);
  EXPECT_FALSE(gap.complete());
}

TEST(Coverage, EveryRuleListedAsNeedingControlIsInTheCatalogueWithAReason) {
  ASSERT_FALSE(live_needs_control_rules().empty());
  for (const auto& n : live_needs_control_rules()) {
    EXPECT_TRUE(find_rule(n.id).has_value()) << n.id;
    EXPECT_FALSE(n.reason.empty()) << n.id;
    EXPECT_EQ(live_needs_control(n.id), n.reason);
  }
  EXPECT_TRUE(live_needs_control("G.status.enum").empty());
}

}  // namespace
}  // namespace agentwork::harness
