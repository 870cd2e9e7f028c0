// The catalogue of contract rules the harness checks: one stable id per rule of
// spec/CONTRACT.md, with its tag ([G] guide, [M] mock choice) and the section it comes from.
// Every finding names one of these ids; scenarios declare which ids they cover.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace agentwork {

enum class Tag { guide, mock };  // [G], [M]

struct Rule {
  std::string_view id;  // "G.status.enum": the tag letter, then a dotted name
  Tag tag;
  std::string_view section;  // "2", "3 POST /tasks/{id}/message", ...
  std::string_view summary;  // one line, as a reader of a failure needs it
};

// All rules, in CONTRACT.md order.
std::span<const Rule> all_rules();
// nullopt for an unknown id.
std::optional<Rule> find_rule(std::string_view id);

// The rules a live run cannot give a chance against a deployment it does not control, each with
// the reason: the one place that lists them (the live coverage view and the live violation
// sweep read it). Empty reason: the rule is reachable live.
std::string_view live_needs_control(std::string_view rule_id);
struct NeedsControl {
  std::string_view id;
  std::string_view reason;
};
std::span<const NeedsControl> live_needs_control_rules();

// The scenario's own expectations ("S.await.timeout", tag S): not contract rules, but every
// failure names one, so that a report always says which check failed.
struct ScenarioRule {
  std::string_view id;
  std::string_view summary;
};
std::span<const ScenarioRule> scenario_rules();
std::optional<ScenarioRule> find_scenario_rule(std::string_view id);

}  // namespace agentwork
