#include "common/rules.hpp"

#include <array>

namespace agentwork {
namespace {

using rule_table::kRules;

constexpr bool ids_are_unique() {
  for (std::size_t i = 0; i < kRules.size(); ++i) {
    for (std::size_t j = i + 1; j < kRules.size(); ++j) {
      if (kRules[i].id == kRules[j].id) return false;
    }
  }
  return true;
}
static_assert(ids_are_unique(), "rule ids must be unique");

constexpr bool every_rule_has_a_checker() {
  for (const auto& r : kRules) {
    const unsigned any = Checker::contract | Checker::trace | Checker::scenario | Checker::mcp;
    if ((r.checkers & any) == 0) return false;
  }
  return true;
}
static_assert(every_rule_has_a_checker(), "a rule no checker reports can never fail");

// The MCP rows come last and only the MCP checks report them: rest_rules() is then a prefix.
constexpr bool mcp_rules_last_and_alone() {
  for (std::size_t i = 0; i < kRules.size(); ++i) {
    const bool mcp = is_mcp_rule(kRules[i]);
    if (mcp != (i >= rest_rule_count())) return false;
    if (mcp && kRules[i].checkers != Checker::mcp) return false;
  }
  return true;
}
static_assert(
    mcp_rules_last_and_alone(),
    "the MCP rules (Checker::mcp) are the catalogue's last rows, reported by nothing else");

constexpr std::size_t count_checked_by(Checker checker) {
  std::size_t n = 0;
  for (const auto& r : kRules) n += (r.checkers & checker) != 0 ? 1 : 0;
  return n;
}

// The ids of one checker's rules as a constexpr array (the filtered view behind a span).
template <Checker checker>
constexpr auto ids_checked_by() {
  std::array<std::string_view, count_checked_by(checker)> ids{};
  std::size_t n = 0;
  for (const auto& r : kRules) {
    if ((r.checkers & checker) != 0) ids[n++] = r.id;
  }
  return ids;
}

constexpr auto kContractIds = ids_checked_by<Checker::contract>();
constexpr auto kTraceIds = ids_checked_by<Checker::trace>();
constexpr auto kScenarioIds = ids_checked_by<Checker::scenario>();
constexpr auto kMcpIds = ids_checked_by<Checker::mcp>();

}  // namespace

std::span<const std::string_view> rule_ids_checked_by(Checker checker) {
  switch (checker) {
    case Checker::contract:
      return kContractIds;
    case Checker::trace:
      return kTraceIds;
    case Checker::scenario:
      return kScenarioIds;
    case Checker::mcp:
      return kMcpIds;
  }
  return {};
}

namespace {

constexpr NeedsControl kNeedsControl[] = {
    {"M.credits.exhausted",
     "an organization runs out of credits only after a day's worth of tasks: provoking it would "
     "spend a staging organization's credits (checked on the mock, started with --credits)"},
};

}  // namespace

std::string_view live_needs_control(std::string_view rule_id) {
  for (const auto& n : kNeedsControl) {
    if (n.id == rule_id) return n.reason;
  }
  return {};
}

std::span<const NeedsControl> live_needs_control_rules() {
  return kNeedsControl;
}

namespace {

constexpr ScenarioRule kScenarioRules[] = {
    {"S.transport", "the request failed on the wire (dns, connect, tls, read, timeout, ...)"},
    {"S.step.status", "a step's request got an HTTP status other than the one it needs"},
    {"S.step.body", "a step's response lacks a field the step needs (task_id, api_key, ...)"},
    {"S.deadline", "the scenario did not finish within its overall deadline"},
    {"S.await.timeout", "the awaited status was not reached within the step's timeout"},
    {"S.await.terminal", "the task became terminal in a status the step did not wait for"},
    {"S.expect", "the task's status response differs from what the expect step asks"},
    {"S.request.status", "a raw request got a status other than its expect_status"},
    {"S.result", "the result has another number of files, or a download failed"},
    {"S.events", "the event types do not contain the expected ones in order"},
    {"S.list", "the task list lacks a task it must contain or has one it must not"},
    {"S.stall", "a task stalled (processing, last_activity_at unchanged) beyond the policy"},
    {"S.stall.expected", "expect_stall: the task was not stalled for the given time"},
    {"S.policy.max_rounds", "the policy handled more questions and proposals than max_rounds"},
    {"S.mock_control", "a request to the mock's control API failed"},
    {"S.mcp.process", "the MCP server (--via mcp) could not be started, died (it is restarted "
                      "once), hung past the call timeout or wrote an overlong line"},
};

}  // namespace

std::span<const ScenarioRule> scenario_rules() {
  return kScenarioRules;
}

std::optional<ScenarioRule> find_scenario_rule(std::string_view id) {
  for (const auto& r : kScenarioRules) {
    if (r.id == id) return r;
  }
  return std::nullopt;
}

}  // namespace agentwork
