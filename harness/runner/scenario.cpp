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
#include "harness/runner/live_coverage.hpp"

namespace agentwork::harness {
namespace {

using nlohmann::json;
using namespace steps;
namespace fs = std::filesystem;

// A validation failure inside one file: the JSON path and what was expected there.
struct Failure {
  std::string path;
  std::string message;
};

[[noreturn]] void fail(std::string path, std::string message) {
  throw Failure{std::move(path), std::move(message)};
}

// "; got <value>", the value as JSON, cut to a readable length.
std::string got(const json& value) {
  std::string text = value.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return "; got " + text;
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
  if (value.is_string()) {
    const auto text = value.get<std::string>();
    for (std::size_t i = 0; i < N; ++i) {
      if (words[i] == text) return static_cast<E>(i);
    }
  }
  fail(path, "expected one of " + join(words) + got(value));
}

constexpr std::array<std::string_view, kTaskStateCount> kStates = {
    "processing", "awaiting_reply", "awaiting_solution_approval", "completed", "cancelled"};
constexpr std::array<std::string_view, 2> kQuestionKinds = {"CLARIFYING_QUESTIONS", "TO_CUSTOMER"};
constexpr std::array<std::string_view, 3> kQuestionTypes = {"text", "single_select",
                                                            "multi_select"};
constexpr std::array<std::string_view, 6> kEventTypes = {
    "status", "question", "reply", "message_to_customer", "solution_proposed", "solution_decision"};
constexpr std::array<std::string_view, 7> kMethods = {"GET",    "POST", "PUT",    "PATCH",
                                                      "DELETE", "HEAD", "OPTIONS"};
constexpr double kMaxSeconds = 1e7;

// One JSON object being read: rejects unknown fields up front, then typed getters that fail
// with the field's path. Absent fields give nullopt; null is not absent (it is a wrong type).
class Object {
 public:
  Object(const json& j, std::string path, const std::vector<std::string_view>& allowed,
         const char* what = "an object")
      : j_(j), path_(std::move(path)) {
    if (!j.is_object()) fail(path_, std::string("expected ") + what + got(j));
    for (const auto& [key, value] : j.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        fail(at(key), "unknown field; expected one of " + join(allowed));
      }
    }
  }

  const std::string& path() const { return path_; }
  std::string at(std::string_view key) const { return path_ + "." + std::string(key); }
  const json* find(std::string_view key) const {
    auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }
  bool has(std::string_view key) const { return find(key) != nullptr; }

  std::optional<std::string> string(std::string_view key, bool required = false) const {
    const json* v = find(key);
    if (!v) {
      if (required) fail(at(key), "missing; expected a non-empty string");
      return std::nullopt;
    }
    if (!v->is_string() || v->get<std::string>().empty()) {
      fail(at(key), "expected a non-empty string" + got(*v));
    }
    return v->get<std::string>();
  }
  std::string required_string(std::string_view key) const { return *string(key, true); }

  std::optional<bool> boolean(std::string_view key) const {
    const json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) fail(at(key), "expected true or false" + got(*v));
    return v->get<bool>();
  }

  std::optional<int> integer(std::string_view key, int lo, int hi) const {
    const json* v = find(key);
    if (!v) return std::nullopt;
    return integer_value(*v, at(key), lo, hi);
  }

  // Seconds: a finite number above 0 (or from 0 when `zero_ok`), at most kMaxSeconds.
  std::optional<double> seconds(std::string_view key, bool required = false,
                                bool zero_ok = false) const {
    const json* v = find(key);
    const std::string range = std::string(zero_ok ? "from 0" : "above 0") + " to 10000000";
    if (!v) {
      if (required) fail(at(key), "missing; expected a number of seconds " + range);
      return std::nullopt;
    }
    const bool ok = v->is_number() && std::isfinite(v->get<double>()) &&
                    (zero_ok ? v->get<double>() >= 0 : v->get<double>() > 0) &&
                    v->get<double>() <= kMaxSeconds;
    if (!ok) fail(at(key), "expected a number of seconds " + range + got(*v));
    return v->get<double>();
  }

  static int integer_value(const json& v, const std::string& path, int lo, int hi) {
    if (!v.is_number_integer() || v.get<long long>() < lo || v.get<long long>() > hi) {
      fail(path,
           "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + got(v));
    }
    return static_cast<int>(v.get<long long>());
  }

 private:
  const json& j_;
  std::string path_;
};

// An array field: fails unless the value is an array (non-empty when asked).
const json& array_at(const json& v, const std::string& path, const std::string& of,
                     bool non_empty) {
  if (!v.is_array() || (non_empty && v.empty())) {
    fail(path, std::string("expected ") + (non_empty ? "a non-empty array of " : "an array of ") +
                   of + got(v));
  }
  return v;
}

std::string index_path(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

std::vector<std::string> string_list(const json& v, const std::string& path) {
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
std::vector<TaskState> states(const json& v, const std::string& path) {
  if (!v.is_array()) return {parse_enum<TaskState>(v, path, kStates)};
  array_at(v, path, "states", true);
  std::vector<TaskState> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    out.push_back(parse_enum<TaskState>(v[i], index_path(path, i), kStates));
  }
  return out;
}

bool is_identifier(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  if (!std::isalpha(static_cast<unsigned char>(s[0])) && s[0] != '_') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

std::string identifier(const json& v, const std::string& path) {
  if (!v.is_string() || !is_identifier(v.get<std::string>())) {
    fail(path,
         "expected a name (a letter or _, then letters, digits, _ or -; at most 64)" + got(v));
  }
  return v.get<std::string>();
}

// A script object (parsed by the mock's own parser) or the name of a script the mock knows.
AgentSpec agent_spec(const json& v, const std::string& path) {
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

std::string rule_id(const json& v, const std::string& path) {
  if (!v.is_string() || !find_rule(v.get<std::string>())) {
    fail(path, "expected a rule id of the catalogue (common/rules.cpp)" + got(v));
  }
  return v.get<std::string>();
}

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

std::string email(const Object& o, std::string_view key, bool required) {
  auto value = o.string(key, required);
  if (!value) return {};
  // "{run}" is the only placeholder; any other brace is a typo of it.
  std::string rest = *value;
  for (auto at = rest.find("{run}"); at != std::string::npos; at = rest.find("{run}")) {
    rest.erase(at, 5);
  }
  if (rest.find_first_of("{}") != std::string::npos) {
    fail(o.at(key), "expected an email whose only placeholder is {run}" + got(*value));
  }
  return *value;
}

Register parse_register(const Object& o, StepContext& c) {
  Register r;
  r.account = c.define_account(o);
  if (o.has("email")) r.email = email(o, "email", false);
  r.name = o.string("name");
  r.organization_name = o.string("organization_name");
  return r;
}

Login parse_login(const Object& o, StepContext& c) {
  Login l;
  if (const json* v = o.find("credentials")) {
    if (!v->is_string() || v->get<std::string>() != "cli") {
      fail(o.at("credentials"), "expected \"cli\" (the run's --account)" + got(*v));
    }
    l.from_cli = true;
  }
  if (const json* v = o.find("wrong_password")) {
    if (!v->is_boolean()) fail(o.at("wrong_password"), "expected true or false" + got(*v));
    l.wrong_password = v->get<bool>();
  }
  if (!l.from_cli) l.email = email(o, "email", true);
  if (!l.from_cli && !l.wrong_password) l.password = o.required_string("password");
  if (l.from_cli && (o.has("email") || o.has("password"))) {
    fail(o.path(),
         "\"credentials\": \"cli\" takes email and password from --account; "
         "remove email and password");
  }
  l.key_name = o.string("key_name");
  if (!l.wrong_password) l.account = c.define_account(o);
  return l;
}

UseAccount parse_use_account(const Object& o, StepContext& c) {
  const json* v = o.find("account");
  if (!v) fail(o.at("account"), "missing; expected the name of an account");
  UseAccount u{c.known_account(*v, o.at("account"))};
  c.use_account(u.account);
  return u;
}

Create parse_create(const Object& o, StepContext& c) {
  Create cr;
  cr.account = c.account(o);
  cr.title = o.required_string("title");
  cr.description = o.required_string("description");
  if (const json* v = o.find("agent")) {
    cr.agent = agent_spec(*v, o.at("agent"));
  } else {
    cr.agent = c.agent();
  }
  cr.task = c.new_task(o);
  return cr;
}

Await parse_await(const Object& o, StepContext& c) {
  Await a;
  a.task = c.task(o);
  const json* v = o.find("status");
  if (!v) fail(o.at("status"), "missing; expected a state or a list of states");
  a.status = states(*v, o.at("status"));
  a.timeout_seconds = o.seconds("timeout_seconds");
  return a;
}

Expect parse_expect(const Object& o, StepContext& c) {
  Expect e;
  e.task = c.task(o);
  if (const json* v = o.find("status")) e.status = states(*v, o.at("status"));
  if (const json* v = o.find("question_type")) {
    e.question_type = parse_enum<QuestionKind>(*v, o.at("question_type"), kQuestionKinds);
  }
  e.questions = o.integer("questions", 0, 100);
  if (const json* v = o.find("question_types")) {
    const auto path = o.at("question_types");
    e.question_types.emplace();
    for (std::size_t i = 0; i < array_at(*v, path, "question types", false).size(); ++i) {
      e.question_types->push_back(
          parse_enum<agentwork::QuestionType>((*v)[i], index_path(path, i), kQuestionTypes));
    }
  }
  if (const json* v = o.find("options")) {
    const auto path = o.at("options");
    e.options.emplace();
    for (std::size_t i = 0; i < array_at(*v, path, "option counts", false).size(); ++i) {
      const json& n = (*v)[i];
      if (n.is_null()) {
        e.options->push_back(std::nullopt);
      } else if (n.is_number_integer() && n.get<long long>() >= 1 && n.get<long long>() <= 5) {
        e.options->push_back(static_cast<int>(n.get<long long>()));
      } else {
        fail(index_path(path, i),
             "expected an option count from 1 to 5, or null for a text "
             "question" +
                 got(n));
      }
    }
  }
  e.solution = o.boolean("solution");
  e.new_message_id = o.boolean("new_message_id");
  if (!o.has("status") && !e.question_type && !e.questions && !e.question_types && !e.options &&
      !e.solution && !e.new_message_id) {
    fail(o.path(),
         "expected at least one check: status, question_type, questions, "
         "question_types, options, solution, new_message_id");
  }
  return e;
}

Answer parse_answer(const json& j, const std::string& path) {
  const Object o(j, path, {"question_index", "selected"}, "an answer {question_index, selected}");
  Answer a;
  if (!o.has("question_index")) fail(o.at("question_index"), "missing; expected an integer");
  a.question_index = *o.integer("question_index", 0, 99);
  const json* s = o.find("selected");
  if (!s) fail(o.at("selected"), "missing; expected a string or a list of strings");
  if (s->is_string()) {
    a.selected = s->get<std::string>();
  } else if (s->is_array()) {
    a.selected = string_list(*s, o.at("selected"));
  } else {
    fail(o.at("selected"), "expected a string or a list of strings" + got(*s));
  }
  return a;
}

Reply parse_reply(const Object& o, StepContext& c) {
  Reply r;
  r.task = c.task(o);
  if (const json* v = o.find("message")) {
    if (!v->is_string()) fail(o.at("message"), "expected a string" + got(*v));
    r.message = v->get<std::string>();
  }
  if (const json* v = o.find("content")) {
    if (!v->is_string()) fail(o.at("content"), "expected a string" + got(*v));
    r.content = v->get<std::string>();
  }
  if (const json* v = o.find("answers")) {
    const auto path = o.at("answers");
    if (v->is_string() && v->get<std::string>() == "auto") {
      r.auto_answers = true;
    } else if (v->is_array() && !v->empty()) {
      r.answers.emplace();
      for (std::size_t i = 0; i < v->size(); ++i) {
        r.answers->push_back(parse_answer((*v)[i], index_path(path, i)));
      }
    } else {
      fail(path, "expected \"auto\" or a non-empty array of {question_index, selected}" + got(*v));
    }
  }
  if (!r.message && !r.content && !r.auto_answers && !r.answers) {
    fail(o.path(), "expected at least one of message, content, answers");
  }
  return r;
}

Result parse_result(const Object& o, StepContext& c) {
  Result r;
  r.task = c.task(o);
  r.download = o.boolean("download").value_or(false);
  r.files = o.integer("files", 0, 1000);
  return r;
}

Events parse_events(const Object& o, StepContext& c) {
  Events e;
  e.task = c.task(o);
  if (const json* v = o.find("types")) {
    const auto path = o.at("types");
    for (std::size_t i = 0; i < array_at(*v, path, "event types", false).size(); ++i) {
      e.types.push_back(parse_enum<EventType>((*v)[i], index_path(path, i), kEventTypes));
    }
  }
  return e;
}

List parse_list(const Object& o, StepContext& c) {
  List l;
  l.account = c.current_account();
  for (auto [key, out] : {std::pair{"contains", &l.contains}, std::pair{"absent", &l.absent}}) {
    const json* v = o.find(key);
    if (!v) continue;
    const auto path = o.at(key);
    for (std::size_t i = 0; i < array_at(*v, path, "task names", false).size(); ++i) {
      out->push_back(c.known_task((*v)[i], index_path(path, i)));
    }
  }
  return l;
}

// "/tasks/{t1}/message": every {name} must be a task created earlier.
std::vector<std::string> path_tasks(const std::string& path, const std::string& where,
                                    const StepContext& c) {
  if (path.empty() || path[0] != '/') fail(where, "expected a path starting with /" + got(path));
  std::vector<std::string> tasks;
  for (std::size_t at = 0; at < path.size(); ++at) {
    if (path[at] == '}') fail(where, "expected {task} placeholders; unmatched }" + got(path));
    if (path[at] != '{') continue;
    const auto end = path.find('}', at);
    if (end == std::string::npos)
      fail(where, "expected {task} placeholders; unmatched {" + got(path));
    tasks.push_back(c.known_task(path.substr(at + 1, end - at - 1), where));
    at = end;
  }
  return tasks;
}

Request parse_request(const Object& o, StepContext& c) {
  Request r;
  const json* m = o.find("method");
  if (!m) fail(o.at("method"), "missing; expected one of " + join(kMethods));
  r.method = kMethods[static_cast<std::size_t>(parse_enum<int>(*m, o.at("method"), kMethods))];
  r.path = o.required_string("path");
  r.tasks = path_tasks(r.path, o.at("path"), c);
  if (const json* b = o.find("body")) r.body = *b;
  if (const json* b = o.find("raw_body")) {
    if (!b->is_string()) fail(o.at("raw_body"), "expected a string" + got(*b));
    if (r.body) fail(o.at("raw_body"), "expected either body or raw_body, not both");
    r.raw_body = b->get<std::string>();
  }
  r.auth.account = c.current_account();
  if (const json* a = o.find("auth")) {
    if (a->is_string() && a->get<std::string>() == "none") {
      r.auth.kind = RequestAuth::Kind::none;
      r.auth.account.clear();
    } else if (a->is_string() && a->get<std::string>() == "invalid") {
      r.auth.kind = RequestAuth::Kind::invalid;
      r.auth.account.clear();
    } else if (!(a->is_string() && a->get<std::string>() == "account")) {
      if (!a->is_string()) {
        fail(o.at("auth"),
             "expected \"account\", \"none\", \"invalid\" or an account name" + got(*a));
      }
      r.auth.account = c.known_account(*a, o.at("auth"));
    }
  }
  const json* s = o.find("expect_status");
  const auto spath = o.at("expect_status");
  if (!s) fail(spath, "missing; expected an HTTP status or a list of them");
  if (s->is_array()) {
    array_at(*s, spath, "HTTP statuses", true);
    for (std::size_t i = 0; i < s->size(); ++i) {
      r.expect_status.push_back(Object::integer_value((*s)[i], index_path(spath, i), 100, 599));
    }
  } else {
    r.expect_status.push_back(Object::integer_value(*s, spath, 100, 599));
  }
  const json* rule = o.find("rule");
  if (!rule) fail(o.at("rule"), "missing; expected the rule id the check belongs to");
  r.rule = rule_id(*rule, o.at("rule"));
  return r;
}

AdvanceClock parse_advance_clock(const Object& o, StepContext& c) {
  c.needs_mock = true;
  if (c.advance_clock_path.empty()) c.advance_clock_path = o.path();
  return AdvanceClock{*o.seconds("seconds", true)};
}

Sleep parse_sleep(const Object& o, StepContext&) {
  return Sleep{*o.seconds("seconds", true, true)};
}

ExpectStall parse_expect_stall(const Object& o, StepContext& c) {
  ExpectStall e;
  e.task = c.task(o);
  e.seconds = *o.seconds("seconds", true);
  return e;
}

RunPolicy parse_run_policy(const Object& o, StepContext& c) {
  if (!c.has_policy()) fail(o.path(), "run_policy needs the scenario's \"policy\"; none is given");
  return RunPolicy{c.task(o)};
}

Cover parse_cover(const Object& o, StepContext& c) {
  if (!c.has_policy()) fail(o.path(), "cover needs the scenario's \"policy\"; none is given");
  Cover cv;
  cv.account = c.account(o);
  if (auto v = o.string("title")) cv.title = *v;
  if (auto v = o.string("description")) cv.description = *v;
  if (auto v = o.integer("max_tasks", 1, 100000)) cv.max_tasks = static_cast<std::size_t>(*v);
  if (auto v = o.integer("parallel", 1, 1000)) cv.parallel = static_cast<std::size_t>(*v);
  cv.max_seconds = o.seconds("max_seconds");
  if (const json* v = o.find("want")) {
    const auto path = o.at("want");
    cv.want = string_list(*v, path);
    for (std::size_t i = 0; i < cv.want.size(); ++i) {
      if (!parse_interaction(cv.want[i])) {
        std::string names;
        for (auto in : all_interactions())
          names += (names.empty() ? "" : ", ") + std::string(to_string(in));
        fail(index_path(path, i), "expected an interaction (" + names + ")" + got((*v)[i]));
      }
    }
  }
  return cv;
}

Approve parse_approve(const Object& o, StepContext& c) {
  return Approve{c.task(o)};
}

Reject parse_reject(const Object& o, StepContext& c) {
  Reject r;
  r.task = c.task(o);
  r.reason = o.required_string("reason");
  return r;
}

Cancel parse_cancel(const Object& o, StepContext& c) {
  return Cancel{c.task(o)};
}

// How one step kind is read: the fields it takes besides "do", and its parser.
struct StepSyntax {
  std::string_view word;  // the kind's "do" word
  std::vector<std::string_view> fields;
  std::function<StepAction(const Object&, StepContext&)> parse;
};

// The syntax of each step kind. The word comes from the kind itself and the parser is checked to
// build that kind, so the table cannot name a kind wrongly; its size is the variant's.
template <typename Kind, typename Parse>
StepSyntax syntax(std::vector<std::string_view> fields, Parse parse) {
  static_assert(std::is_same_v<std::invoke_result_t<Parse, const Object&, StepContext&>, Kind>,
                "the parser of a step kind builds that kind");
  return {Kind::kind, std::move(fields),
          [parse](const Object& o, StepContext& c) -> StepAction { return parse(o, c); }};
}

const std::array<StepSyntax, std::variant_size_v<StepAction>>& step_syntax() {
  static const std::array<StepSyntax, std::variant_size_v<StepAction>> kinds = {
      syntax<Register>({"account", "email", "name", "organization_name"}, parse_register),
      syntax<Login>({"account", "email", "password", "key_name", "credentials", "wrong_password"},
                    parse_login),
      syntax<UseAccount>({"account"}, parse_use_account),
      syntax<Create>({"task", "title", "description", "agent", "account"}, parse_create),
      syntax<Await>({"task", "status", "timeout_seconds"}, parse_await),
      syntax<Expect>({"task", "status", "question_type", "questions", "question_types", "options",
                      "solution", "new_message_id"},
                     parse_expect),
      syntax<Reply>({"task", "message", "content", "answers"}, parse_reply),
      syntax<Approve>({"task"}, parse_approve),
      syntax<Reject>({"task", "reason"}, parse_reject),
      syntax<Cancel>({"task"}, parse_cancel),
      syntax<Result>({"task", "download", "files"}, parse_result),
      syntax<Events>({"task", "types"}, parse_events),
      syntax<List>({"contains", "absent"}, parse_list),
      syntax<Request>({"method", "path", "body", "raw_body", "auth", "expect_status", "rule"},
                      parse_request),
      syntax<AdvanceClock>({"seconds"}, parse_advance_clock),
      syntax<Sleep>({"seconds"}, parse_sleep),
      syntax<ExpectStall>({"task", "seconds"}, parse_expect_stall),
      syntax<RunPolicy>({"task"}, parse_run_policy),
      syntax<Cover>(
          {"account", "title", "description", "max_tasks", "parallel", "max_seconds", "want"},
          parse_cover),
  };
  return kinds;
}

Step parse_step(const json& j, const std::string& path, StepContext& c) {
  if (!j.is_object()) fail(path, "expected a step object with a \"do\" field" + got(j));
  auto it = j.find("do");
  if (it == j.end()) fail(path + ".do", "missing; expected one of " + join(kStepKinds));
  for (const auto& syntax : step_syntax()) {
    if (it->is_string() && it->get<std::string>() == syntax.word) {
      std::vector<std::string_view> fields{"do"};
      fields.insert(fields.end(), syntax.fields.begin(), syntax.fields.end());
      const Object o(j, path, fields);
      return Step{0, syntax.parse(o, c)};
    }
  }
  fail(path + ".do", "expected one of " + join(kStepKinds) + got(*it));
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

std::string_view to_string(EventType type) {
  return kEventTypes[static_cast<std::size_t>(type)];
}

std::string LoadError::to_string() const {
  return path.empty() ? file + ": " + message : file + ": " + path + ": " + message;
}

std::variant<Scenario, LoadError> parse_scenario(const nlohmann::json& j, const std::string& file) {
  try {
    return parse(j, file);
  } catch (const Failure& f) {
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
