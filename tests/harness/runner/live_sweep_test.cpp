// The live suite proves its own power, as the conformance suite does: the scenarios tagged
// "live" run under the guide profile against the mock in its deployment-like mode (no scripts,
// no clock control, a seeded fleet of agents that ask every question type, send TO_CUSTOMER
// messages, sometimes need two rounds and may stall), once per rule the mock can break. Each
// [G] rule must fail the run, each [M] rule must show as an observation, except the rules
// listed once as needing control of the deployment (common/rules.cpp). Against the clean
// deployment-like mock the suite must pass, with and without stalls: a false failure in a CI
// gate is as bad as a missed defect.
#include <gtest/gtest.h>

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

std::vector<Scenario> live_suite() {
  const auto loaded = load_scenarios({std::string(AGENTWORK_SOURCE_DIR) + "/scenarios/conformance"});
  for (const auto& e : loaded.errors) ADD_FAILURE() << e.to_string();
  std::vector<Scenario> live;
  for (const auto& s : loaded.scenarios) {
    if (std::find(s.tags.begin(), s.tags.end(), "live") != s.tags.end()) live.push_back(s);
  }
  // The fuzz steps' rate protects a deployment; the in-process mock needs no protecting.
  for (auto& s : live) {
    for (auto& step : s.steps) {
      if (auto* fuzz = std::get_if<steps::Fuzz>(&step.action)) fuzz->rate = 0;
    }
  }
  return live;
}

// The live suite as a user runs it against a deployment: guide profile, no mock features, the
// password account given as --account would give it.
RunResult run_live(const std::vector<Scenario>& scenarios, std::vector<std::string> violations,
                   std::uint64_t seed, double stall_rate) {
  auto config = mock::deployment_mock_config(seed, kTimeScale, stall_rate);
  config.violations = std::move(violations);
  mock::MockServer server(config);
  server.start();
  auto runner_config = config_for(server.base_url(), kTimeScale);
  runner_config.mock = false;
  runner_config.strict = false;
  runner_config.seed = seed;
  runner_config.parallel = 4;
  runner_config.account_email = mock::kConformanceEmail;
  runner_config.account_password = mock::kConformancePassword;
  Runner runner(runner_config);
  return runner.run(scenarios);
}

std::string failures_of(const RunResult& r) {
  std::string out;
  for (const auto& s : r.scenarios) {
    if (s.verdict == Verdict::passed) continue;
    out += s.name + " (" + std::string(to_string(s.verdict)) + " " + s.reason + "): ";
    for (const auto& f : s.findings) {
      if (f.severity == Severity::failure) out += f.rule_id + " " + f.detail + "; ";
    }
  }
  return out;
}

// A few seeds here, with and without stalls; bench/live_false_failures.sh runs all 40.
TEST(LiveSweep, TheCleanDeploymentLikeMockPassesTheLiveSuite) {
  const auto scenarios = live_suite();
  ASSERT_GE(scenarios.size(), 3u);
  for (const double stall_rate : {0.0, 0.2}) {
    for (const std::uint64_t seed : {1, 2, 3}) {
      const auto result = run_live(scenarios, {}, seed, stall_rate);
      EXPECT_EQ(exit_code(result), 0)
          << "seed " << seed << ", stall rate " << stall_rate << ": " << failures_of(result);
      // Each run saw what the deployment showed; the only rules it may miss are its own doing.
      for (const auto& s : result.scenarios) {
        for (const auto& n : s.not_seen) {
          EXPECT_TRUE(n.rule_id == "G.stall.last_activity" ||
                      n.rule_id == "M.lifecycle.system_cancel")
              << "seed " << seed << ": " << s.name << ": " << n.rule_id << " not seen: "
              << n.reason;
        }
      }
    }
  }
}

struct Row {
  std::string caught_as = "NO";    // "failure", "observation" or "NO"
  std::set<std::string> also;      // other catalogue rules with a failure
};

TEST(LiveSweep, TheLiveSuiteCatchesEveryRuleADeploymentCanShow) {
  const auto scenarios = live_suite();
  ASSERT_FALSE(scenarios.empty());
  std::vector<std::string> rules;
  for (const auto id : mock::violatable_rules()) {
    if (live_needs_control(id).empty()) rules.emplace_back(id);
  }
  std::map<std::string, Row> table;
  std::mutex table_mutex;
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < rules.size(); i = next++) {
      const std::string& rule = rules[i];
      // A stall must happen for its rule to be seen: every agent stalls in that run.
      const double stall_rate = rule == "G.stall.last_activity" ? 1.0 : 0.0;
      const auto result = run_live(scenarios, {rule}, 11, stall_rate);
      Row row;
      bool failed = false, observed = false;
      for (const auto& s : result.scenarios) {
        for (const auto& f : s.findings) {
          if (f.rule_id == rule) {
            failed = failed || f.severity == Severity::failure;
            observed = observed || f.severity == Severity::observation;
          } else if (f.severity == Severity::failure && f.tag != 'S') {
            row.also.insert(f.rule_id);
          }
        }
      }
      const bool guide = rule.starts_with("G.");
      if (guide && failed) row.caught_as = "failure";
      if (!guide && observed && !failed) row.caught_as = "observation";
      std::lock_guard lock(table_mutex);
      table[rule] = std::move(row);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();

  std::size_t as_failure = 0, as_observation = 0;
  std::printf("\n%-40s %-12s %s\n", "VIOLATED RULE (live, guide)", "CAUGHT AS", "ALSO FAILED");
  for (const auto& id : rules) {
    const auto& row = table[id];
    as_failure += row.caught_as == "failure";
    as_observation += row.caught_as == "observation";
    std::string also;
    for (const auto& f : row.also) also += (also.empty() ? "" : ", ") + f;
    std::printf("%-40s %-12s %s\n", id.c_str(), row.caught_as.c_str(),
                also.empty() ? "-" : also.c_str());
  }
  for (const auto& n : live_needs_control_rules()) {
    std::printf("%-40s %-12s %s\n", std::string(n.id).c_str(), "needs control",
                std::string(n.reason).c_str());
  }
  std::printf("%zu caught as failure, %zu as observation, %zu listed as needing control, of %zu\n",
              as_failure, as_observation, live_needs_control_rules().size(),
              mock::violatable_rules().size());
  for (const auto& id : rules) {
    EXPECT_NE(table[id].caught_as, "NO")
        << id << ": the live suite did not " << (id.starts_with("G.") ? "fail" : "observe") << " it";
  }
}

}  // namespace
}  // namespace agentwork::harness
