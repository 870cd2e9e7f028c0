// The harness proves its own power: the conformance suite runs against the mock once per rule
// the mock can break (`--violate RULE_ID`), and must fail on that rule every time; against the
// clean mock it must pass. The table (rule -> caught, and what else failed) is printed.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/rules.hpp"
#include "mock_server/mock_server.hpp"
#include "mock_server/violations.hpp"
#include "tests/harness/runner/runner_fixture.hpp"

namespace agentwork::harness {
namespace {

constexpr double kTimeScale = 0.005;

struct SweepRow {
  bool caught = false;
  std::set<std::string> failed;  // catalogue rules with a failure finding
  std::string verdicts;
};

// The conformance suite, or the scenarios AGENTWORK_SWEEP_SCENARIOS names (to sweep another).
std::vector<Scenario> suite() {
  const char* other = std::getenv("AGENTWORK_SWEEP_SCENARIOS");
  const std::string path =
      other ? other : std::string(AGENTWORK_SOURCE_DIR) + "/scenarios/conformance";
  const auto loaded = load_scenarios({path});
  for (const auto& e : loaded.errors) ADD_FAILURE() << e.to_string();
  return loaded.scenarios;
}

RunResult run_suite(const std::vector<Scenario>& scenarios, std::vector<std::string> violations) {
  auto config = mock::conformance_mock_config(7, kTimeScale);
  config.violations = std::move(violations);
  mock::MockServer server(config);
  server.start();
  auto runner_config = config_for(server.base_url(), kTimeScale);
  runner_config.parallel = 16;
  Runner runner(runner_config);
  return runner.run(scenarios);
}

TEST(ViolationSweep, EveryRuleTheMockCanBreakIsInTheCatalogueAndBackwards) {
  std::set<std::string_view> breakable(mock::violatable_rules().begin(),
                                       mock::violatable_rules().end());
  for (const auto& rule : all_rules()) {
    // The MCP rules are covered by the MCP sweep (issue 14): agentwork-mcp breaks them.
    EXPECT_EQ(breakable.contains(rule.id), !is_mcp_rule(rule)) << rule.id;
  }
  for (const auto id : breakable) EXPECT_TRUE(find_rule(id).has_value()) << id;
}

TEST(ViolationSweep, TheCleanMockPassesTheSuite) {
  const auto scenarios = suite();
  ASSERT_FALSE(scenarios.empty());
  const auto result = run_suite(scenarios, {});
  for (const auto& s : result.scenarios) {
    EXPECT_EQ(s.verdict, Verdict::passed) << s.name << ": " << describe(s);
  }
}

TEST(ViolationSweep, TheSuiteCatchesEveryBrokenRule) {
  const auto scenarios = suite();
  ASSERT_FALSE(scenarios.empty());
  const auto rules = mock::violatable_rules();
  std::map<std::string, SweepRow> table;
  std::mutex table_mutex;
  std::atomic<std::size_t> next{0};
  // A few rules at a time: each run mostly waits on poll timers.
  auto worker = [&] {
    for (std::size_t i = next++; i < rules.size(); i = next++) {
      const std::string rule(rules[i]);
      const auto result = run_suite(scenarios, {rule});
      SweepRow row;
      for (const auto& s : result.scenarios) {
        for (const auto& f : s.findings) {
          if (f.severity == Severity::failure && f.tag != 'S') row.failed.insert(f.rule_id);
        }
        if (s.verdict != Verdict::passed) row.verdicts += s.name + "; ";
      }
      row.caught = row.failed.contains(rule);
      std::lock_guard lock(table_mutex);
      table[rule] = std::move(row);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();

  std::size_t caught = 0;
  std::printf("\n%-42s %-7s %s\n", "VIOLATED RULE", "CAUGHT", "ALSO FAILED");
  for (const auto id : rules) {
    const auto& row = table[std::string(id)];
    caught += row.caught;
    std::string also;
    for (const auto& f : row.failed) {
      if (f != id) also += (also.empty() ? "" : ", ") + f;
    }
    std::printf("%-42s %-7s %s\n", std::string(id).c_str(), row.caught ? "yes" : "NO",
                also.empty() ? "-" : also.c_str());
  }
  std::printf("%zu of %zu violated rules caught\n", caught, rules.size());
  for (const auto id : rules) {
    EXPECT_TRUE(table[std::string(id)].caught)
        << id
        << ": the suite did not fail on it; failing scenarios: " << table[std::string(id)].verdicts;
  }
}

}  // namespace
}  // namespace agentwork::harness
