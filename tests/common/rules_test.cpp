#include "common/rules.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

namespace agentwork::harness {
namespace {

TEST(Rules, IdsAreWellFormedAndTheirLetterMatchesTheTag) {
  const std::regex shape(R"(^[GM](\.[a-z0-9_]+)+$)");
  for (const auto& rule : all_rules()) {
    const std::string id(rule.id);
    EXPECT_TRUE(std::regex_match(id, shape)) << id;
    EXPECT_EQ(id[0] == 'G', rule.tag == Tag::guide) << id;
    EXPECT_FALSE(rule.summary.empty()) << id;
    EXPECT_FALSE(rule.section.empty()) << id;
  }
}

TEST(Rules, IdsAreUnique) {
  std::set<std::string_view> seen;
  for (const auto& rule : all_rules()) EXPECT_TRUE(seen.insert(rule.id).second) << rule.id;
  EXPECT_GE(seen.size(), 60u);
}

TEST(Rules, FindRule) {
  const auto rule = find_rule("G.status.enum");
  ASSERT_TRUE(rule.has_value());
  EXPECT_EQ(rule->tag, Tag::guide);
  EXPECT_EQ(rule->section, "2");
  EXPECT_FALSE(find_rule("G.status.nonexistent").has_value());
  EXPECT_FALSE(find_rule("").has_value());
}

TEST(Rules, EveryRuleHasACheckerAndEachCheckerItsRowsInOrder) {
  for (const auto& rule : all_rules()) EXPECT_NE(rule.checkers, 0u) << rule.id;
  for (const auto checker : {Checker::contract, Checker::trace, Checker::scenario, Checker::mcp}) {
    std::vector<std::string_view> expected;
    for (const auto& rule : all_rules()) {
      if ((rule.checkers & checker) != 0) expected.push_back(rule.id);
    }
    const auto ids = rule_ids_checked_by(checker);
    EXPECT_EQ(std::vector<std::string_view>(ids.begin(), ids.end()), expected);
    EXPECT_FALSE(expected.empty());
  }
}

// The REST rules (the mock breaks them, scenarios cover them) and the MCP rules (section 6, the
// MCP checks and agentwork-mcp's breaches) split the catalogue: a prefix and the rest.
TEST(Rules, RestAndMcpRulesSplitTheCatalogue) {
  EXPECT_EQ(rest_rules().size() + mcp_rules().size(), all_rules().size());
  for (const auto& rule : rest_rules()) EXPECT_FALSE(is_mcp_rule(rule)) << rule.id;
  std::set<std::string_view> mcp;
  for (const auto& rule : mcp_rules()) {
    EXPECT_EQ(rule.checkers, unsigned{Checker::mcp}) << rule.id;
    EXPECT_EQ(rule.section, "6") << rule.id;
    mcp.insert(rule.id);
  }
  EXPECT_EQ(mcp, (std::set<std::string_view>{"G.mcp.tools", "M.mcp.schemas", "M.mcp.handshake",
                                             "M.mcp.jsonrpc", "M.mcp.stdout", "M.mcp.is_error",
                                             "M.mcp.structured"}));
}

// Usable at compile time: other tables keyed by rule id are checked against it there.
static_assert(find_rule("G.status.enum").has_value());
static_assert(!find_rule("G.status.nonexistent").has_value());

// Every endpoint row of the contract has at least one rule naming its path.
TEST(Rules, EveryEndpointOfTheContractHasRules) {
  for (const char* endpoint :
       {"POST /auth/register", "POST /auth/api-key", "POST /tasks/", "GET /tasks/",
        "POST /tasks/{id}/message", "POST /tasks/{id}/solution-status", "GET /tasks/{id}/events",
        "POST /tasks/{id}/cancel", "GET /tasks/{id}/result"}) {
    bool found = false;
    for (const auto& rule : all_rules())
      found = found || rule.section.find(endpoint) != std::string_view::npos;
    EXPECT_TRUE(found) << endpoint;
  }
}

}  // namespace
}  // namespace agentwork::harness
