// Inside the scenario loader: what the file-level reader (scenario.cpp) and the step reader
// (scenario_step_parsers.cpp) share: the failure they throw, the object reader, the value readers and
// the references earlier steps defined. Not for other users.
#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/agent_script.hpp"
#include "common/json_reader.hpp"
#include "common/rules.hpp"
#include "harness/runner/scenario.hpp"

namespace agentwork::harness::scenario_read {

using nlohmann::json;

using agentwork::JsonError;
using agentwork::JsonReader;

[[noreturn]] inline void fail(std::string path, std::string message) {
  throw JsonError{std::move(path), std::move(message)};
}

// "; got <value>", the value as JSON, cut to a readable length.
inline std::string got(const json& value) {
  return JsonReader(value).got();
}

template <typename Range>
std::string join(const Range& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += std::string_view(item);
  }
  return out;
}

// The wire words of an enumeration, in enum order, and the lookup of one of them.
template <typename E, std::size_t N>
E parse_enum(const json& value, const std::string& path,
             const std::array<std::string_view, N>& words) {
  return static_cast<E>(JsonReader(value, path).as_enum(words));
}

inline constexpr std::array<std::string_view, kTaskStateCount> kStates = {
    "processing", "awaiting_reply", "awaiting_solution_approval", "completed", "cancelled"};
inline constexpr std::array<std::string_view, 2> kQuestionKinds = {"CLARIFYING_QUESTIONS",
                                                                   "TO_CUSTOMER"};
inline constexpr std::array<std::string_view, 3> kQuestionTypes = {"text", "single_select",
                                                                   "multi_select"};
inline constexpr auto kEventTypes = kEventTypeNames;
inline constexpr std::array<std::string_view, 7> kMethods = {"GET",    "POST", "PUT",    "PATCH",
                                                             "DELETE", "HEAD", "OPTIONS"};
inline constexpr double kMaxSeconds = 1e7;

// One JSON object being read (common/json_reader.hpp): rejects unknown fields up front, then
// typed getters that fail with the field's path. Absent fields give nullopt; null is not absent
// (it is a wrong type).
class Object {
 public:
  Object(const json& j, std::string path, const std::vector<std::string_view>& allowed,
         const char* what = "an object")
      : r_(j, std::move(path)) {
    r_.object_of(allowed, what);
  }

  const std::string& path() const { return r_.path(); }
  std::string at(std::string_view key) const { return r_.path_of(key); }
  const json* find(std::string_view key) const { return r_.find(key); }
  bool has(std::string_view key) const { return r_.has(key); }

  std::optional<std::string> string(std::string_view key, bool required = false) const {
    if (required) return r_.required(key, "a non-empty string").as_string();
    return r_.string(key);
  }
  std::string required_string(std::string_view key) const { return *string(key, true); }

  std::optional<bool> boolean(std::string_view key) const { return r_.boolean(key); }

  std::optional<int> integer(std::string_view key, int lo, int hi) const {
    const auto v = r_.integer(key, lo, hi);
    if (!v) return std::nullopt;
    return static_cast<int>(*v);
  }

  // Seconds: a finite number above 0 (or from 0 when `zero_ok`), at most kMaxSeconds.
  std::optional<double> seconds(std::string_view key, bool required = false,
                                bool zero_ok = false) const {
    const NumberRange range{"a number of seconds", 0, kMaxSeconds, !zero_ok};
    if (required) return r_.required(key, range.text()).as_number(range);
    return r_.number(key, range);
  }

  static int integer_value(const json& v, const std::string& path, int lo, int hi) {
    return static_cast<int>(JsonReader(v, path).as_integer(lo, hi));
  }

 private:
  JsonReader r_;
};

// An array field: fails unless the value is an array (non-empty when asked).
inline const json& array_at(const json& v, const std::string& path, const std::string& of,
                            bool non_empty) {
  JsonReader(v, path).array(of, non_empty);
  return v;
}

inline std::string index_path(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

inline std::vector<std::string> string_list(const json& v, const std::string& path) {
  std::vector<std::string> out;
  const auto& a = array_at(v, path, "strings", false);
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!a[i].is_string() || a[i].get<std::string>().empty()) {
      fail(index_path(path, i), "expected a non-empty string" + got(a[i]));
    }
    out.push_back(a[i].get<std::string>());
  }
  return out;
}

// One state or a non-empty list of states.
inline std::vector<TaskState> states(const json& v, const std::string& path) {
  if (!v.is_array()) return {parse_enum<TaskState>(v, path, kStates)};
  array_at(v, path, "states", true);
  std::vector<TaskState> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    out.push_back(parse_enum<TaskState>(v[i], index_path(path, i), kStates));
  }
  return out;
}

inline bool is_identifier(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  if (!std::isalpha(static_cast<unsigned char>(s[0])) && s[0] != '_') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

inline std::string identifier(const json& v, const std::string& path) {
  if (!v.is_string() || !is_identifier(v.get<std::string>())) {
    fail(path,
         "expected a name (a letter or _, then letters, digits, _ or -; at most 64)" + got(v));
  }
  return v.get<std::string>();
}

// A script object (parsed by the mock's own parser) or the name of a script the mock knows.
inline AgentSpec agent_spec(const json& v, const std::string& path) {
  if (v.is_string() && !v.get<std::string>().empty()) return v.get<std::string>();
  if (!v.is_object()) {
    fail(path, "expected an agent script {\"steps\": [...]} or a script name" + got(v));
  }
  std::string problem;
  auto script = agentwork::parse_agent_script(v, problem);
  if (!script) {
    // The mock reports "$.steps[0].seconds: what"; re-root the path at this field.
    const auto colon = problem.find(": ");
    if (colon == std::string::npos || problem.empty() || problem[0] != '$') fail(path, problem);
    fail(path + problem.substr(1, colon - 1), problem.substr(colon + 2));
  }
  return std::move(*script);
}

inline std::string rule_id(const json& v, const std::string& path) {
  if (!v.is_string() || !find_rule(v.get<std::string>())) {
    fail(path, "expected a rule id of the catalogue (common/rules.cpp)" + got(v));
  }
  return v.get<std::string>();
}

// What the steps before the current one defined: the references a step may use.
class StepContext {
 public:
  StepContext(const std::optional<AgentSpec>& agent, bool has_policy)
      : agent_(agent), has_policy_(has_policy) {}

  bool needs_mock = false;
  std::string advance_clock_path;  // the first advance_clock step, for the "live" tag check

  const std::optional<AgentSpec>& agent() const { return agent_; }
  bool has_policy() const { return has_policy_; }
  const std::string& current_account() const { return current_account_; }

  // The task a step acts on: its "task" field, else the last created task.
  std::string task(const Object& o) const {
    if (const json* v = o.find("task")) return known_task(*v, o.at("task"));
    if (tasks_.empty())
      fail(o.at("task"), "missing; expected a task, but no earlier step creates one");
    return tasks_.back();
  }
  std::string known_task(const json& v, const std::string& path) const {
    const auto name = identifier(v, path);
    if (std::find(tasks_.begin(), tasks_.end(), name) == tasks_.end()) {
      fail(path, "expected a task created by an earlier step" + names(tasks_) + got(v));
    }
    return name;
  }
  std::string new_task(const Object& o) {
    std::string name = "#" + std::to_string(tasks_.size() + 1);
    if (const json* v = o.find("task")) {
      name = identifier(*v, o.at("task"));
      if (std::find(tasks_.begin(), tasks_.end(), name) != tasks_.end()) {
        fail(o.at("task"), "expected a new task name; \"" + name + "\" is already created");
      }
    }
    tasks_.push_back(name);
    return name;
  }

  // The account a step uses: its "account" field, else the current account.
  std::string account(const Object& o) const {
    if (const json* v = o.find("account")) return known_account(*v, o.at("account"));
    return current_account_;
  }
  std::string known_account(const json& v, const std::string& path) const {
    const auto name = identifier(v, path);
    if (!accounts_.count(name)) {
      fail(path, "expected an account defined by an earlier register or login step" +
                     names(accounts_) + got(v));
    }
    return name;
  }
  // register and login define the account they name ("main" by default).
  std::string define_account(const Object& o) {
    std::string name = "main";
    if (const json* v = o.find("account")) {
      name = identifier(*v, o.at("account"));
      // A request's "auth" takes these words or an account name: keep them apart.
      if (name == "account" || name == "none" || name == "invalid") {
        fail(o.at("account"), "expected a name other than account, none and invalid" + got(*v));
      }
    }
    accounts_.insert(name);
    return name;
  }
  void use_account(std::string name) { current_account_ = std::move(name); }

 private:
  template <typename Range>
  static std::string names(const Range& r) {
    return r.empty() ? std::string() : " (" + join(r) + ")";
  }

  const std::optional<AgentSpec>& agent_;
  bool has_policy_;
  std::vector<std::string> tasks_;
  std::set<std::string> accounts_{"main"};
  std::string current_account_ = "main";
};

// One element of $.steps (at `path`), its kind chosen by its "do" word.
Step parse_step(const json& j, const std::string& path, StepContext& c);

}  // namespace agentwork::harness::scenario_read
