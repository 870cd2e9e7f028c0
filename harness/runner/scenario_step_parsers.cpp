// The steps of a scenario file: one parser per step kind, and the table that picks one by the
// step's "do" word.
#include <functional>
#include <type_traits>
#include <utility>
#include <variant>

#include "harness/runner/live_coverage.hpp"
#include "harness/runner/scenario_read.hpp"

namespace agentwork::harness::scenario_read {
namespace {

using namespace steps;

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

Fuzz parse_fuzz(const Object& o, StepContext& c) {
  Fuzz z;
  z.task = c.task(o);
  if (const json* v = o.find("families")) {
    const auto path = o.at("families");
    const auto names = string_list(*v, path);
    for (std::size_t i = 0; i < names.size(); ++i) {
      const auto family = parse_fuzz_family(names[i]);
      if (!family) {
        fail(index_path(path, i), "expected one of " + fuzz_family_names() + got((*v)[i]));
      }
      z.families.push_back(*family);
    }
  }
  if (auto v = o.integer("max_cases", 1, 100000)) z.max_cases = static_cast<std::size_t>(*v);
  if (auto v = o.integer("seed", 0, 2147483647)) z.seed = static_cast<std::uint64_t>(*v);
  if (const json* v = o.find("rate")) {
    if (!v->is_number() || !(v->get<double>() > 0 && v->get<double>() <= 10000)) {
      fail(o.at("rate"), "expected requests per second above 0 to 10000" + got(*v));
    }
    z.rate = v->get<double>();
  }
  return z;
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
      syntax<Fuzz>({"task", "families", "max_cases", "seed", "rate"}, parse_fuzz),
  };
  return kinds;
}

}  // namespace

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

}  // namespace agentwork::harness::scenario_read
