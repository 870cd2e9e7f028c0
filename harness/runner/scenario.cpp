#include "harness/runner/scenario.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string_view>
#include <type_traits>
#include <variant>

#include <nlohmann/json.hpp>

#include "common/json_file.hpp"
#include "common/rules.hpp"
#include "harness/runner/scenario_read.hpp"

namespace agentwork::harness {
namespace {

using namespace scenario_read;
using namespace steps;
namespace fs = std::filesystem;

Policy parse_policy(const json& j, const std::string& path) {
  const Object o(j, path, {"on_question", "on_solution", "on_stall", "max_rounds"});
  Policy p;
  if (const json* v = o.find("on_question")) {
    const Object q(*v, o.at("on_question"), {"answer", "text"});
    if (const json* a = q.find("answer")) {
      static constexpr std::array<std::string_view, 2> kAnswers = {"auto", "text"};
      p.on_question.answer = parse_enum<Policy::OnQuestion::Answer>(*a, q.at("answer"), kAnswers);
    }
    if (auto text = q.string("text")) p.on_question.text = *text;
  }
  if (const json* v = o.find("on_solution")) {
    const Object s(*v, o.at("on_solution"), {"reject_times", "reason", "then"});
    if (auto n = s.integer("reject_times", 0, 100)) p.on_solution.reject_times = *n;
    if (auto reason = s.string("reason")) p.on_solution.reason = *reason;
    if (const json* t = s.find("then")) {
      static constexpr std::array<std::string_view, 2> kThen = {"approve", "cancel"};
      p.on_solution.then = parse_enum<Policy::OnSolution::Then>(*t, s.at("then"), kThen);
    }
  }
  if (const json* v = o.find("on_stall")) {
    const Object s(*v, o.at("on_stall"), {"after_seconds", "action", "max_recreate"});
    if (auto after = s.seconds("after_seconds")) p.on_stall.after_seconds = *after;
    if (const json* a = s.find("action")) {
      static constexpr std::array<std::string_view, 2> kActions = {"fail", "cancel_and_recreate"};
      p.on_stall.action = parse_enum<Policy::OnStall::Action>(*a, s.at("action"), kActions);
    }
    if (auto n = s.integer("max_recreate", 0, 100)) p.on_stall.max_recreate = *n;
  }
  if (auto n = o.integer("max_rounds", 1, 1000)) p.max_rounds = *n;
  return p;
}

Scenario parse(const json& j, const std::string& file) {
  const Object o(j, "$",
                 {"name", "description", "tags", "covers", "timeout_seconds",
                  "poll_interval_seconds", "agent", "policy", "steps"},
                 "a scenario object");
  Scenario s;
  s.file = file;
  s.name = o.required_string("name");
  if (const json* v = o.find("description")) {
    if (!v->is_string()) fail(o.at("description"), "expected a string" + got(*v));
    s.description = v->get<std::string>();
  }
  if (const json* v = o.find("tags")) s.tags = string_list(*v, o.at("tags"));
  if (const json* v = o.find("covers")) {
    const auto path = o.at("covers");
    for (std::size_t i = 0; i < array_at(*v, path, "rule ids", false).size(); ++i) {
      s.covers.push_back(rule_id((*v)[i], index_path(path, i)));
    }
  }
  s.timeout_seconds = o.seconds("timeout_seconds").value_or(s.timeout_seconds);
  s.poll_interval_seconds = o.seconds("poll_interval_seconds").value_or(s.poll_interval_seconds);
  if (const json* v = o.find("agent")) s.agent = agent_spec(*v, o.at("agent"));
  if (const json* v = o.find("policy")) s.policy = parse_policy(*v, o.at("policy"));
  const json* steps = o.find("steps");
  if (!steps) fail("$.steps", "missing; expected a non-empty array of steps");
  array_at(*steps, "$.steps", "steps", true);
  StepContext c(s.agent, s.policy.has_value());
  for (std::size_t i = 0; i < steps->size(); ++i) {
    s.steps.push_back(parse_step((*steps)[i], index_path("$.steps", i), c));
    s.steps.back().index = i;
  }
  const auto has_tag = [&](std::string_view t) {
    return std::find(s.tags.begin(), s.tags.end(), t) != s.tags.end();
  };
  s.needs_mock = c.needs_mock || has_tag("mock-only");
  if (has_tag("live") && s.needs_mock) {
    fail("$.tags", "expected no \"live\" tag on a scenario that needs the mock (" +
                       (c.needs_mock ? "advance_clock at " + c.advance_clock_path
                                     : std::string("tagged \"mock-only\"")) +
                       ")");
  }
  return s;
}

}  // namespace

std::string_view to_string(QuestionKind kind) {
  return kQuestionKinds[static_cast<std::size_t>(kind)];
}

std::string LoadError::to_string() const {
  return path.empty() ? file + ": " + message : file + ": " + path + ": " + message;
}

std::variant<Scenario, LoadError> parse_scenario(const nlohmann::json& j, const std::string& file) {
  try {
    return parse(j, file);
  } catch (const JsonError& f) {
    return LoadError{file, f.path, f.message};
  }
}

std::variant<Scenario, LoadError> load_scenario_file(const std::string& path) {
  std::string error;
  const auto j = read_json_file(path, error);
  if (!j) return LoadError{path, "", error};
  return parse_scenario(*j, path);
}

ScenarioSet load_scenarios(const std::vector<std::string>& paths) {
  ScenarioSet out;
  std::vector<std::string> files;
  std::set<std::string> seen_files;
  for (const auto& arg : paths) {
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<std::string> found;
      for (fs::recursive_directory_iterator it(arg, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec) && it->path().extension() == ".json") {
          found.push_back(it->path().string());
        }
      }
      if (ec) out.errors.push_back({arg, "", "cannot read the folder: " + ec.message()});
      if (found.empty() && !ec) out.errors.push_back({arg, "", "no scenario files (*.json) here"});
      std::sort(found.begin(), found.end());
      for (auto& f : found) {
        if (seen_files.insert(fs::weakly_canonical(f, ec).string()).second) files.push_back(f);
      }
    } else if (fs::exists(arg, ec)) {
      if (seen_files.insert(fs::weakly_canonical(arg, ec).string()).second) files.push_back(arg);
    } else {
      out.errors.push_back({arg, "", "no such file or folder"});
    }
  }
  std::map<std::string, std::string> name_to_file;
  for (const auto& file : files) {
    auto loaded = load_scenario_file(file);
    if (auto* error = std::get_if<LoadError>(&loaded)) {
      out.errors.push_back(std::move(*error));
      continue;
    }
    auto& scenario = std::get<Scenario>(loaded);
    auto [it, inserted] = name_to_file.emplace(scenario.name, file);
    if (!inserted) {
      out.errors.push_back({file, "$.name",
                            "expected a name no other scenario uses; \"" + scenario.name +
                                "\" is also the name in " + it->second});
      continue;
    }
    out.scenarios.push_back(std::move(scenario));
  }
  return out;
}

}  // namespace agentwork::harness
