#include "harness/runner/scenario.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentwork::harness {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

Scenario parse_ok(const std::string& text) {
  auto r = parse_scenario(json::parse(text, nullptr, true, true), "s.json");
  if (auto* e = std::get_if<LoadError>(&r)) {
    ADD_FAILURE() << e->to_string();
    return {};
  }
  return std::get<Scenario>(r);
}

// A scenario whose steps are `steps` (a JSON array body without the brackets).
std::string with_steps(const std::string& steps, const std::string& extra = "") {
  return R"({"name": "n", )" + extra + R"("steps": [)" + steps + "]}";
}

template <typename T>
const T& step_as(const Scenario& s, std::size_t i) {
  static const T empty{};
  if (i >= s.steps.size() || !std::holds_alternative<T>(s.steps[i].action)) {
    ADD_FAILURE() << "step " << i << " is not of the expected kind";
    return empty;
  }
  return std::get<T>(s.steps[i].action);
}

TEST(Scenario, TopLevelFieldsAndDefaults) {
  const auto s = parse_ok(with_steps(R"({"do": "sleep", "seconds": 0})"));
  EXPECT_EQ(s.file, "s.json");
  EXPECT_EQ(s.name, "n");
  EXPECT_EQ(s.timeout_seconds, 900);
  EXPECT_EQ(s.poll_interval_seconds, 5);
  EXPECT_FALSE(s.policy);
  EXPECT_FALSE(s.agent);
  EXPECT_FALSE(s.needs_mock);
  ASSERT_EQ(s.steps.size(), 1u);
  EXPECT_EQ(step_kind(s.steps[0].action), "sleep");

  const auto full = parse_ok(R"({
    // comments are allowed
    "name": "full", "description": "d", "tags": ["live", "x"],
    "covers": ["G.status.enum", "M.message.invalid"],
    "timeout_seconds": 60, "poll_interval_seconds": 0.5,
    "agent": "slow-agent",
    "steps": [{"do": "sleep", "seconds": 1.5}]})");
  EXPECT_EQ(full.description, "d");
  EXPECT_EQ(full.tags, (std::vector<std::string>{"live", "x"}));
  EXPECT_EQ(full.covers, (std::vector<std::string>{"G.status.enum", "M.message.invalid"}));
  EXPECT_EQ(full.timeout_seconds, 60);
  EXPECT_EQ(full.poll_interval_seconds, 0.5);
  ASSERT_TRUE(full.agent);
  EXPECT_EQ(std::get<std::string>(*full.agent), "slow-agent");
  EXPECT_EQ(step_as<steps::Sleep>(full, 0).seconds, 1.5);
}

TEST(Scenario, AccountSteps) {
  const auto s = parse_ok(with_steps(R"(
    {"do": "register"},
    {"do": "register", "account": "b", "email": "b-{run}@x.io", "name": "B", "organization_name": "O"},
    {"do": "login", "account": "c", "email": "c@x.io", "password": "pw", "key_name": "ci"},
    {"do": "use_account", "account": "c"},
    {"do": "login", "email": "m@x.io", "password": "pw2"})"));
  ASSERT_EQ(s.steps.size(), 5u);
  const auto& r0 = step_as<steps::Register>(s, 0);
  EXPECT_EQ(r0.account, "main");
  EXPECT_FALSE(r0.email || r0.name || r0.organization_name);
  const auto& r1 = step_as<steps::Register>(s, 1);
  EXPECT_EQ(r1.account, "b");
  EXPECT_EQ(r1.email, "b-{run}@x.io");
  EXPECT_EQ(r1.name, "B");
  EXPECT_EQ(r1.organization_name, "O");
  const auto& l = step_as<steps::Login>(s, 2);
  EXPECT_EQ(l.account, "c");
  EXPECT_EQ(l.email, "c@x.io");
  EXPECT_EQ(l.password, "pw");
  EXPECT_EQ(l.key_name, "ci");
  EXPECT_EQ(step_as<steps::UseAccount>(s, 3).account, "c");
  const auto& l2 = step_as<steps::Login>(s, 4);
  EXPECT_EQ(l2.account, "main");
  EXPECT_FALSE(l2.key_name);
  EXPECT_EQ(s.steps[4].index, 4u);
  EXPECT_EQ(step_kind(s.steps[2].action), "login");
}

TEST(Scenario, CreateResolvesTaskNameAccountAndAgent) {
  const auto s = parse_ok(with_steps(R"(
    {"do": "create", "title": "T", "description": "D"},
    {"do": "register", "account": "other"},
    {"do": "create", "task": "t2", "title": "T2", "description": "D2", "account": "other",
     "agent": {"steps": [{"do": "stall"}]}},
    {"do": "use_account", "account": "other"},
    {"do": "create", "title": "T3", "description": "D3", "agent": "named"})",
                                     R"("agent": {"steps": [{"do": "work", "seconds": 3}]}, )"));
  const auto& c0 = step_as<steps::Create>(s, 0);
  EXPECT_EQ(c0.task, "#1");
  EXPECT_EQ(c0.account, "main");
  EXPECT_EQ(c0.title, "T");
  EXPECT_EQ(c0.description, "D");
  ASSERT_TRUE(c0.agent);  // the scenario's agent
  const auto& script0 = std::get<agentwork::AgentScript>(*c0.agent);
  ASSERT_EQ(script0.steps.size(), 1u);
  EXPECT_EQ(script0.steps[0].seconds, 3);

  const auto& c2 = step_as<steps::Create>(s, 2);
  EXPECT_EQ(c2.task, "t2");
  EXPECT_EQ(c2.account, "other");
  ASSERT_TRUE(c2.agent);
  EXPECT_EQ(std::get<agentwork::AgentScript>(*c2.agent).steps.at(0).kind, agentwork::Step::Kind::stall);

  const auto& c4 = step_as<steps::Create>(s, 4);
  EXPECT_EQ(c4.task, "#3");
  EXPECT_EQ(c4.account, "other");  // the current account after use_account
  EXPECT_EQ(std::get<std::string>(*c4.agent), "named");
}

TEST(Scenario, TaskStepsDefaultToTheLastCreatedTask) {
  const auto s = parse_ok(with_steps(R"(
    {"do": "create", "task": "a", "title": "T", "description": "D"},
    {"do": "create", "task": "b", "title": "T", "description": "D"},
    {"do": "approve"},
    {"do": "approve", "task": "a"},
    {"do": "reject", "reason": "no"},
    {"do": "cancel", "task": "a"},
    {"do": "cancel"})"));
  EXPECT_EQ(step_as<steps::Approve>(s, 2).task, "b");
  EXPECT_EQ(step_as<steps::Approve>(s, 3).task, "a");
  EXPECT_EQ(step_as<steps::Reject>(s, 4).task, "b");
  EXPECT_EQ(step_as<steps::Reject>(s, 4).reason, "no");
  EXPECT_EQ(step_as<steps::Cancel>(s, 5).task, "a");
  EXPECT_EQ(step_as<steps::Cancel>(s, 6).task, "b");
}

TEST(Scenario, AwaitAndExpect) {
  const auto s = parse_ok(with_steps(R"(
    {"do": "create", "task": "t1", "title": "T", "description": "D"},
    {"do": "await", "status": "awaiting_reply"},
    {"do": "await", "task": "t1", "status": ["completed", "cancelled"], "timeout_seconds": 30},
    {"do": "expect", "status": "processing", "question_type": "TO_CUSTOMER", "questions": 2,
     "question_types": ["text", "multi_select"], "options": [null, 4], "solution": false,
     "new_message_id": true},
    {"do": "expect", "question_type": "CLARIFYING_QUESTIONS"})"));
  const auto& a1 = step_as<steps::Await>(s, 1);
  EXPECT_EQ(a1.task, "t1");
  EXPECT_EQ(a1.status, (std::vector<TaskState>{TaskState::awaiting_reply}));
  EXPECT_FALSE(a1.timeout_seconds);
  const auto& a2 = step_as<steps::Await>(s, 2);
  EXPECT_EQ(a2.status, (std::vector<TaskState>{TaskState::completed, TaskState::cancelled}));
  EXPECT_EQ(a2.timeout_seconds, 30);
  const auto& e = step_as<steps::Expect>(s, 3);
  EXPECT_EQ(e.status, (std::vector<TaskState>{TaskState::processing}));
  EXPECT_EQ(e.question_type, QuestionKind::to_customer);
  EXPECT_EQ(e.questions, 2);
  EXPECT_EQ(e.question_types, (std::vector<agentwork::QuestionType>{agentwork::QuestionType::text,
                                                               agentwork::QuestionType::multi_select}));
  EXPECT_EQ(e.options, (std::vector<std::optional<int>>{std::nullopt, 4}));
  EXPECT_EQ(e.solution, false);
  EXPECT_EQ(e.new_message_id, true);
  const auto& e2 = step_as<steps::Expect>(s, 4);
  EXPECT_EQ(e2.question_type, QuestionKind::clarifying_questions);
  EXPECT_TRUE(e2.status.empty());
  EXPECT_FALSE(e2.questions || e2.question_types || e2.options || e2.solution || e2.new_message_id);
}

TEST(Scenario, Reply) {
  const auto s = parse_ok(with_steps(R"(
    {"do": "create", "task": "t1", "title": "T", "description": "D"},
    {"do": "reply", "message": "m"},
    {"do": "reply", "content": "c"},
    {"do": "reply", "answers": "auto"},
    {"do": "reply", "message": "ignored", "answers": [
      {"question_index": 0, "selected": "free text"},
      {"question_index": 2, "selected": ["A", "B"]}]})"));
  const auto& r1 = step_as<steps::Reply>(s, 1);
  EXPECT_EQ(r1.task, "t1");
  EXPECT_EQ(r1.message, "m");
  EXPECT_FALSE(r1.content || r1.answers || r1.auto_answers);
  EXPECT_EQ(step_as<steps::Reply>(s, 2).content, "c");
  const auto& r3 = step_as<steps::Reply>(s, 3);
  EXPECT_TRUE(r3.auto_answers);
  EXPECT_FALSE(r3.answers);
  const auto& r4 = step_as<steps::Reply>(s, 4);
  EXPECT_EQ(r4.message, "ignored");
  ASSERT_TRUE(r4.answers);
  ASSERT_EQ(r4.answers->size(), 2u);
  EXPECT_EQ((*r4.answers)[0].question_index, 0);
  EXPECT_EQ(std::get<std::string>((*r4.answers)[0].selected), "free text");
  EXPECT_EQ((*r4.answers)[1].question_index, 2);
  EXPECT_EQ(std::get<std::vector<std::string>>((*r4.answers)[1].selected),
            (std::vector<std::string>{"A", "B"}));
}

TEST(Scenario, ResultEventsListAndTimeSteps) {
  const auto s = parse_ok(with_steps(R"(
    {"do": "create", "task": "t1", "title": "T", "description": "D"},
    {"do": "create", "task": "t2", "title": "T", "description": "D"},
    {"do": "result", "task": "t1"},
    {"do": "result", "download": true, "files": 2},
    {"do": "events", "types": ["status", "question", "reply", "message_to_customer",
                               "solution_proposed", "solution_decision"]},
    {"do": "events"},
    {"do": "list", "contains": ["t1"], "absent": ["t2"]},
    {"do": "advance_clock", "seconds": 360},
    {"do": "sleep", "seconds": 2},
    {"do": "expect_stall", "task": "t1", "seconds": 300})"));
  const auto& r2 = step_as<steps::Result>(s, 2);
  EXPECT_EQ(r2.task, "t1");
  EXPECT_FALSE(r2.download);
  EXPECT_FALSE(r2.files);
  const auto& r3 = step_as<steps::Result>(s, 3);
  EXPECT_EQ(r3.task, "t2");
  EXPECT_TRUE(r3.download);
  EXPECT_EQ(r3.files, 2);
  const auto& ev = step_as<steps::Events>(s, 4);
  EXPECT_EQ(ev.task, "t2");
  EXPECT_EQ(ev.types,
            (std::vector<EventType>{EventType::status, EventType::question, EventType::reply,
                                    EventType::message_to_customer, EventType::solution_proposed,
                                    EventType::solution_decision}));
  EXPECT_EQ(to_string(ev.types[3]), "message_to_customer");
  EXPECT_TRUE(step_as<steps::Events>(s, 5).types.empty());
  const auto& l = step_as<steps::List>(s, 6);
  EXPECT_EQ(l.account, "main");
  EXPECT_EQ(l.contains, (std::vector<std::string>{"t1"}));
  EXPECT_EQ(l.absent, (std::vector<std::string>{"t2"}));
  EXPECT_EQ(step_as<steps::AdvanceClock>(s, 7).seconds, 360);
  EXPECT_EQ(step_as<steps::Sleep>(s, 8).seconds, 2);
  EXPECT_EQ(step_as<steps::ExpectStall>(s, 9).task, "t1");
  EXPECT_EQ(step_as<steps::ExpectStall>(s, 9).seconds, 300);
  EXPECT_TRUE(s.needs_mock);  // advance_clock
}

TEST(Scenario, Request) {
  const auto s = parse_ok(with_steps(R"(
    {"do": "register", "account": "other"},
    {"do": "create", "task": "t1", "title": "T", "description": "D"},
    {"do": "create", "task": "t2", "title": "T", "description": "D"},
    {"do": "request", "method": "POST", "path": "/tasks/{t1}/message", "body": {"x": [1]},
     "expect_status": 422, "rule": "M.message.invalid"},
    {"do": "request", "method": "GET", "path": "/tasks/{t2}/x/{t1}", "auth": "none",
     "expect_status": [401, 404], "rule": "G.auth.required"},
    {"do": "request", "method": "POST", "path": "/tasks/", "raw_body": "{", "auth": "invalid",
     "expect_status": 401, "rule": "G.auth.required"},
    {"do": "request", "method": "GET", "path": "/tasks/{t1}", "auth": "other",
     "expect_status": 404, "rule": "G.isolation.not_found"},
    {"do": "use_account", "account": "other"},
    {"do": "request", "method": "DELETE", "path": "/tasks/", "auth": "account",
     "expect_status": 405, "rule": "M.http.method"})"));
  const auto& r3 = step_as<steps::Request>(s, 3);
  EXPECT_EQ(r3.method, "POST");
  EXPECT_EQ(r3.path, "/tasks/{t1}/message");
  EXPECT_EQ(r3.tasks, (std::vector<std::string>{"t1"}));
  EXPECT_EQ(r3.body, json::parse(R"({"x": [1]})"));
  EXPECT_FALSE(r3.raw_body);
  EXPECT_EQ(r3.auth.kind, steps::RequestAuth::Kind::account);
  EXPECT_EQ(r3.auth.account, "main");
  EXPECT_EQ(r3.expect_status, (std::vector<int>{422}));
  EXPECT_EQ(r3.rule, "M.message.invalid");
  const auto& r4 = step_as<steps::Request>(s, 4);
  EXPECT_EQ(r4.tasks, (std::vector<std::string>{"t2", "t1"}));
  EXPECT_EQ(r4.auth.kind, steps::RequestAuth::Kind::none);
  EXPECT_EQ(r4.expect_status, (std::vector<int>{401, 404}));
  EXPECT_FALSE(r4.body);
  const auto& r5 = step_as<steps::Request>(s, 5);
  EXPECT_EQ(r5.raw_body, "{");
  EXPECT_EQ(r5.auth.kind, steps::RequestAuth::Kind::invalid);
  EXPECT_TRUE(r5.tasks.empty());
  const auto& r6 = step_as<steps::Request>(s, 6);
  EXPECT_EQ(r6.auth.kind, steps::RequestAuth::Kind::account);
  EXPECT_EQ(r6.auth.account, "other");
  EXPECT_EQ(step_as<steps::Request>(s, 8).auth.account, "other");  // the current account
  EXPECT_FALSE(s.needs_mock);
}

TEST(Scenario, CoverAndLoginFromTheCommandLine) {
  const auto s = parse_ok(with_steps(R"({"do": "login", "account": "pw", "credentials": "cli"},
                                        {"do": "login", "credentials": "cli", "wrong_password": true},
                                        {"do": "cover"},
                                        {"do": "cover", "max_tasks": 3, "parallel": 2,
                                         "max_seconds": 60, "title": "T", "description": "D",
                                         "want": ["stall"]})",
                                     R"("policy": {}, )"));
  const auto& login = step_as<steps::Login>(s, 0);
  EXPECT_TRUE(login.from_cli);
  EXPECT_FALSE(login.wrong_password);
  EXPECT_EQ(login.account, "pw");
  EXPECT_TRUE(login.email.empty());
  EXPECT_TRUE(step_as<steps::Login>(s, 1).wrong_password);
  const auto& d = step_as<steps::Cover>(s, 2);
  EXPECT_EQ(d.max_tasks, 12u);
  EXPECT_EQ(d.parallel, 4u);
  EXPECT_FALSE(d.max_seconds);
  EXPECT_TRUE(d.want.empty());
  EXPECT_EQ(d.account, "main");
  EXPECT_EQ(step_kind(s.steps[2].action), "cover");
  const auto& c = step_as<steps::Cover>(s, 3);
  EXPECT_EQ(c.max_tasks, 3u);
  EXPECT_EQ(c.parallel, 2u);
  EXPECT_EQ(c.max_seconds, 60);
  EXPECT_EQ(c.title, "T");
  EXPECT_EQ(c.want, std::vector<std::string>{"stall"});
}

TEST(Scenario, PolicyDefaultsAndFields) {
  const auto d = parse_ok(with_steps(R"({"do": "create", "title": "T", "description": "D"},
                                        {"do": "run_policy"})",
                                     R"("policy": {}, )"));
  ASSERT_TRUE(d.policy);
  EXPECT_EQ(d.policy->on_question.answer, Policy::OnQuestion::Answer::auto_answers);
  EXPECT_FALSE(d.policy->on_question.text.empty());
  EXPECT_EQ(d.policy->on_solution.reject_times, 0);
  EXPECT_EQ(d.policy->on_solution.then, Policy::OnSolution::Then::approve);
  EXPECT_EQ(d.policy->on_stall.after_seconds, 300);
  EXPECT_EQ(d.policy->on_stall.action, Policy::OnStall::Action::fail);
  EXPECT_EQ(d.policy->on_stall.max_recreate, 1);
  EXPECT_EQ(d.policy->max_rounds, 10);
  EXPECT_EQ(step_as<steps::RunPolicy>(d, 1).task, "#1");

  const auto p = parse_ok(with_steps(R"({"do": "create", "title": "T", "description": "D"},
                                        {"do": "run_policy"})",
                                     R"("policy": {
      "on_question": {"answer": "text", "text": "yes"},
      "on_solution": {"reject_times": 2, "reason": "again", "then": "cancel"},
      "on_stall": {"after_seconds": 120, "action": "cancel_and_recreate", "max_recreate": 3},
      "max_rounds": 4}, )"));
  ASSERT_TRUE(p.policy);
  EXPECT_EQ(p.policy->on_question.answer, Policy::OnQuestion::Answer::text);
  EXPECT_EQ(p.policy->on_question.text, "yes");
  EXPECT_EQ(p.policy->on_solution.reject_times, 2);
  EXPECT_EQ(p.policy->on_solution.reason, "again");
  EXPECT_EQ(p.policy->on_solution.then, Policy::OnSolution::Then::cancel);
  EXPECT_EQ(p.policy->on_stall.after_seconds, 120);
  EXPECT_EQ(p.policy->on_stall.action, Policy::OnStall::Action::cancel_and_recreate);
  EXPECT_EQ(p.policy->on_stall.max_recreate, 3);
  EXPECT_EQ(p.policy->max_rounds, 4);
}

TEST(Scenario, NeedsMock) {
  EXPECT_FALSE(parse_ok(with_steps(R"({"do": "sleep", "seconds": 1})")).needs_mock);
  EXPECT_TRUE(parse_ok(with_steps(R"({"do": "sleep", "seconds": 1})", R"("tags": ["mock-only"], )"))
                  .needs_mock);
  EXPECT_TRUE(parse_ok(with_steps(R"({"do": "advance_clock", "seconds": 1})")).needs_mock);
}

// step_kind() names every alternative of StepAction by the "do" word that produced it.
TEST(Scenario, StepKindNamesEveryKind) {
  const auto s = parse_ok(with_steps(R"(
    {"do": "register"},
    {"do": "login", "email": "a@x.io", "password": "p"},
    {"do": "use_account", "account": "main"},
    {"do": "create", "title": "T", "description": "D"},
    {"do": "await", "status": "processing"},
    {"do": "expect", "solution": false},
    {"do": "reply", "message": "m"},
    {"do": "approve"},
    {"do": "reject", "reason": "r"},
    {"do": "cancel"},
    {"do": "result"},
    {"do": "events"},
    {"do": "list"},
    {"do": "request", "method": "GET", "path": "/tasks/", "expect_status": 200,
     "rule": "G.list.tasks"},
    {"do": "advance_clock", "seconds": 1},
    {"do": "sleep", "seconds": 1},
    {"do": "expect_stall", "seconds": 1},
    {"do": "run_policy"},
    {"do": "cover"},
    {"do": "fuzz"})",
                                     R"("policy": {}, )"));
  const std::vector<std::string_view> words = {
      "register", "login",   "use_account",   "create", "await",        "expect",
      "reply",    "approve", "reject",        "cancel", "result",       "events",
      "list",     "request", "advance_clock", "sleep",  "expect_stall", "run_policy",
      "cover",    "fuzz"};
  ASSERT_EQ(s.steps.size(), words.size());
  ASSERT_EQ(std::variant_size_v<StepAction>, words.size());
  for (std::size_t i = 0; i < words.size(); ++i) {
    EXPECT_EQ(s.steps[i].action.index(), i);
    EXPECT_EQ(step_kind(s.steps[i].action), words[i]);
  }
}

TEST(Scenario, LoadErrorToString) {
  EXPECT_EQ((LoadError{"a.json", "$.x", "bad"}).to_string(), "a.json: $.x: bad");
  EXPECT_EQ((LoadError{"a.json", "", "bad"}).to_string(), "a.json: bad");
}

struct ErrorCase {
  const char* what;
  std::string scenario;  // JSON text
  std::string error;     // the whole LoadError::to_string()
};

const std::string kCreate = R"({"do": "create", "task": "t1", "title": "T", "description": "D"}, )";
const std::string kStates =
    "processing, awaiting_reply, awaiting_solution_approval, completed, cancelled";
const std::string kKinds =
    "register, login, use_account, create, await, expect, reply, approve, reject, cancel, result, "
    "events, list, request, advance_clock, sleep, expect_stall, run_policy, cover, fuzz";

std::vector<ErrorCase> error_cases() {
  const std::string sleep = R"({"do": "sleep", "seconds": 1})";
  return {
      // The scenario object.
      {"not an object", "[1]", "s.json: $: expected a scenario object; got [1]"},
      {"name missing", R"({"steps": [)" + sleep + "]}",
       "s.json: $.name: missing; expected a non-empty string"},
      {"name empty", R"({"name": "", "steps": [)" + sleep + "]}",
       "s.json: $.name: expected a non-empty string; got \"\""},
      {"unknown top-level field", R"({"name": "n", "step": []})",
       "s.json: $.step: unknown field; expected one of name, description, tags, covers, "
       "timeout_seconds, poll_interval_seconds, agent, policy, steps"},
      {"steps missing", R"({"name": "n"})",
       "s.json: $.steps: missing; expected a non-empty array of steps"},
      {"steps empty", R"({"name": "n", "steps": []})",
       "s.json: $.steps: expected a non-empty array of steps; got []"},
      {"description not a string", with_steps(sleep, R"("description": 1, )"),
       "s.json: $.description: expected a string; got 1"},
      {"tag not a string", with_steps(sleep, R"("tags": ["a", 3], )"),
       "s.json: $.tags[1]: expected a non-empty string; got 3"},
      {"tags not an array", with_steps(sleep, R"("tags": "live", )"),
       "s.json: $.tags: expected an array of strings; got \"live\""},
      {"covers an unknown rule", with_steps(sleep, R"("covers": ["G.status.enum", "G.nope"], )"),
       "s.json: $.covers[1]: expected a rule id of the catalogue (common/rules.cpp); got "
       "\"G.nope\""},
      {"timeout zero", with_steps(sleep, R"("timeout_seconds": 0, )"),
       "s.json: $.timeout_seconds: expected a number of seconds above 0 to 10000000; got 0"},
      {"poll interval a string", with_steps(sleep, R"("poll_interval_seconds": "5", )"),
       "s.json: $.poll_interval_seconds: expected a number of seconds above 0 to 10000000; got "
       "\"5\""},
      {"live and advance_clock",
       with_steps(sleep + R"(, {"do": "advance_clock", "seconds": 5})", R"("tags": ["live"], )"),
       "s.json: $.tags: expected no \"live\" tag on a scenario that needs the mock "
       "(advance_clock at $.steps[1])"},
      {"live and mock-only", with_steps(sleep, R"("tags": ["live", "mock-only"], )"),
       "s.json: $.tags: expected no \"live\" tag on a scenario that needs the mock (tagged "
       "\"mock-only\")"},
      // The agent script, through the mock's parser, re-rooted at the field.
      {"scenario agent script", with_steps(sleep, R"("agent": {"steps": [{"do": "work"}]}, )"),
       "s.json: $.agent.steps[0].seconds: required number of seconds is missing"},
      {"create agent script", with_steps(R"({"do": "create", "title": "T", "description": "D",
                      "agent": {"steps": [{"do": "dance"}]}})"),
       "s.json: $.steps[0].agent.steps[0].do: expected one of work, ask, message, propose, "
       "stall, cancel; got \"dance\""},
      {"agent of the wrong type", with_steps(sleep, R"("agent": 5, )"),
       "s.json: $.agent: expected an agent script {\"steps\": [...]} or a script name; got 5"},
      // The policy.
      {"policy unknown field", with_steps(sleep, R"("policy": {"on_error": {}}, )"),
       "s.json: $.policy.on_error: unknown field; expected one of on_question, on_solution, "
       "on_stall, max_rounds"},
      {"policy answer", with_steps(sleep, R"("policy": {"on_question": {"answer": "all"}}, )"),
       "s.json: $.policy.on_question.answer: expected one of auto, text; got \"all\""},
      {"policy then", with_steps(sleep, R"("policy": {"on_solution": {"then": "reject"}}, )"),
       "s.json: $.policy.on_solution.then: expected one of approve, cancel; got \"reject\""},
      {"policy reject_times",
       with_steps(sleep, R"("policy": {"on_solution": {"reject_times": -1}}, )"),
       "s.json: $.policy.on_solution.reject_times: expected an integer from 0 to 100; got -1"},
      {"policy stall action", with_steps(sleep, R"("policy": {"on_stall": {"action": "retry"}}, )"),
       "s.json: $.policy.on_stall.action: expected one of fail, cancel_and_recreate; got "
       "\"retry\""},
      {"policy stall seconds",
       with_steps(sleep, R"("policy": {"on_stall": {"after_seconds": -5}}, )"),
       "s.json: $.policy.on_stall.after_seconds: expected a number of seconds above 0 to "
       "10000000; got -5"},
      {"policy max_rounds", with_steps(sleep, R"("policy": {"max_rounds": 0}, )"),
       "s.json: $.policy.max_rounds: expected an integer from 1 to 1000; got 0"},
      {"policy not an object", with_steps(sleep, R"("policy": [], )"),
       "s.json: $.policy: expected an object; got []"},
      // Steps in general.
      {"step not an object", with_steps("5"),
       "s.json: $.steps[0]: expected a step object with a \"do\" field; got 5"},
      {"do missing", with_steps(R"({"seconds": 1})"),
       "s.json: $.steps[0].do: missing; expected one of " + kKinds},
      {"do unknown", with_steps(R"({"do": "wait"})"),
       "s.json: $.steps[0].do: expected one of " + kKinds + "; got \"wait\""},
      {"unknown step field", with_steps(kCreate + R"({"do": "approve", "taks": "t1"})"),
       "s.json: $.steps[1].taks: unknown field; expected one of do, task"},
      // Task and account references.
      {"no task yet", with_steps(R"({"do": "approve"})"),
       "s.json: $.steps[0].task: missing; expected a task, but no earlier step creates one"},
      {"unknown task", with_steps(kCreate + R"({"do": "cancel", "task": "t2"})"),
       "s.json: $.steps[1].task: expected a task created by an earlier step (t1); got \"t2\""},
      {"task created later",
       with_steps(R"({"do": "cancel", "task": "t1"}, )" + kCreate.substr(0, kCreate.size() - 2)),
       "s.json: $.steps[0].task: expected a task created by an earlier step; got \"t1\""},
      {"task created twice", with_steps(kCreate + kCreate + sleep),
       "s.json: $.steps[1].task: expected a new task name; \"t1\" is already created"},
      {"task not an identifier",
       with_steps(R"({"do": "create", "task": "1x", "title": "T", "description": "D"})"),
       "s.json: $.steps[0].task: expected a name (a letter or _, then letters, digits, _ or -; at "
       "most 64); got \"1x\""},
      {"unknown account", with_steps(R"({"do": "use_account", "account": "bob"})"),
       "s.json: $.steps[0].account: expected an account defined by an earlier register or login "
       "step (main); got \"bob\""},
      {"account of create defined later",
       with_steps(R"({"do": "create", "title": "T", "description": "D", "account": "bob"},
                     {"do": "register", "account": "bob"})"),
       "s.json: $.steps[0].account: expected an account defined by an earlier register or login "
       "step (main); got \"bob\""},
      {"account named like an auth word", with_steps(R"({"do": "register", "account": "none"})"),
       "s.json: $.steps[0].account: expected a name other than account, none and invalid; got "
       "\"none\""},
      {"use_account without account", with_steps(R"({"do": "use_account"})"),
       "s.json: $.steps[0].account: missing; expected the name of an account"},
      {"list names an unknown task", with_steps(kCreate + R"({"do": "list", "absent": ["t9"]})"),
       "s.json: $.steps[1].absent[0]: expected a task created by an earlier step (t1); got "
       "\"t9\""},
      {"run_policy without a policy", with_steps(kCreate + R"({"do": "run_policy"})"),
       "s.json: $.steps[1]: run_policy needs the scenario's \"policy\"; none is given"},
      {"cover without a policy", with_steps(R"({"do": "cover"})"),
       "s.json: $.steps[0]: cover needs the scenario's \"policy\"; none is given"},
      {"cover wants an unknown interaction",
       with_steps(R"({"do": "cover", "want": ["question.text", "question.essay"]})",
                  R"("policy": {}, )"),
       "s.json: $.steps[0].want[1]: expected an interaction (question.text, "
       "question.single_select, question.multi_select, question.to_customer, reply.answers, "
       "reply.message, reply.content, reply.message_and_answers, solution.reject_revised, "
       "solution.approve_completed, result.fetched, result.files_downloaded, events.read, "
       "cancel.processing, cancel.awaiting_reply, cancel.awaiting_solution_approval, "
       "cancel.terminal, message.wrong_state, solution.wrong_state, result.not_completed, "
       "message.invalid, solution.invalid, stall, system_cancel); got \"question.essay\""},
      {"cover with zero tasks", with_steps(R"({"do": "cover", "max_tasks": 0})", R"("policy": {}, )"),
       "s.json: $.steps[0].max_tasks: expected an integer from 1 to 100000; got 0"},
      {"login from the command line with an email",
       with_steps(R"({"do": "login", "credentials": "cli", "email": "a@example.com"})"),
       "s.json: $.steps[0]: \"credentials\": \"cli\" takes email and password from --account; "
       "remove email and password"},
      {"login credentials other than cli",
       with_steps(R"({"do": "login", "credentials": "env"})"),
       "s.json: $.steps[0].credentials: expected \"cli\" (the run's --account); got \"env\""},
      // register, login, create.
      {"email with another placeholder",
       with_steps(R"({"do": "register", "email": "a-{runid}@x.io"})"),
       "s.json: $.steps[0].email: expected an email whose only placeholder is {run}; got "
       "\"a-{runid}@x.io\""},
      {"login without password", with_steps(R"({"do": "login", "email": "a@x.io"})"),
       "s.json: $.steps[0].password: missing; expected a non-empty string"},
      {"create without title", with_steps(R"({"do": "create", "description": "D"})"),
       "s.json: $.steps[0].title: missing; expected a non-empty string"},
      // await, expect.
      {"await unknown state", with_steps(kCreate + R"({"do": "await", "status": "done"})"),
       "s.json: $.steps[1].status: expected one of " + kStates + "; got \"done\""},
      {"await unknown state in a list",
       with_steps(kCreate + R"({"do": "await", "status": ["completed", "failed"]})"),
       "s.json: $.steps[1].status[1]: expected one of " + kStates + "; got \"failed\""},
      {"await empty list", with_steps(kCreate + R"({"do": "await", "status": []})"),
       "s.json: $.steps[1].status: expected a non-empty array of states; got []"},
      {"await without status", with_steps(kCreate + R"({"do": "await"})"),
       "s.json: $.steps[1].status: missing; expected a state or a list of states"},
      {"await timeout", with_steps(kCreate + R"({"do": "await", "status": "completed",
                                                 "timeout_seconds": -1})"),
       "s.json: $.steps[1].timeout_seconds: expected a number of seconds above 0 to 10000000; "
       "got -1"},
      {"expect nothing", with_steps(kCreate + R"({"do": "expect"})"),
       "s.json: $.steps[1]: expected at least one check: status, question_type, questions, "
       "question_types, options, solution, new_message_id"},
      {"expect question type", with_steps(kCreate + R"({"do": "expect", "question_type": "ASK"})"),
       "s.json: $.steps[1].question_type: expected one of CLARIFYING_QUESTIONS, TO_CUSTOMER; got "
       "\"ASK\""},
      {"expect question types",
       with_steps(kCreate + R"({"do": "expect", "question_types": ["text", "select"]})"),
       "s.json: $.steps[1].question_types[1]: expected one of text, single_select, "
       "multi_select; got \"select\""},
      {"expect option count", with_steps(kCreate + R"({"do": "expect", "options": [2, 6]})"),
       "s.json: $.steps[1].options[1]: expected an option count from 1 to 5, or null for a text "
       "question; got 6"},
      {"expect questions count", with_steps(kCreate + R"({"do": "expect", "questions": 1.5})"),
       "s.json: $.steps[1].questions: expected an integer from 0 to 100; got 1.5"},
      {"expect solution not a bool", with_steps(kCreate + R"({"do": "expect", "solution": 1})"),
       "s.json: $.steps[1].solution: expected true or false; got 1"},
      // fuzz.
      {"fuzz family unknown", with_steps(kCreate + R"({"do": "fuzz", "families": ["bodies"]})"),
       "s.json: $.steps[1].families[0]: expected one of register_body, create_body, "
       "message_body, solution_body, not_json, unknown_path, task_id, method, auth; got "
       "\"bodies\""},
      {"fuzz max_cases zero", with_steps(kCreate + R"({"do": "fuzz", "max_cases": 0})"),
       "s.json: $.steps[1].max_cases: expected an integer from 1 to 100000; got 0"},
      {"fuzz seed negative", with_steps(kCreate + R"({"do": "fuzz", "seed": -1})"),
       "s.json: $.steps[1].seed: expected an integer from 0 to 2147483647; got -1"},
      {"fuzz rate zero", with_steps(kCreate + R"({"do": "fuzz", "rate": 0})"),
       "s.json: $.steps[1].rate: expected requests per second above 0 to 10000; got 0"},
      {"fuzz without a task", with_steps(R"({"do": "fuzz"})"),
       "s.json: $.steps[0].task: missing; expected a task, but no earlier step creates one"},
      // reply, reject, result, events.
      {"reply with nothing", with_steps(kCreate + R"({"do": "reply"})"),
       "s.json: $.steps[1]: expected at least one of message, content, answers"},
      {"reply answers neither auto nor a list",
       with_steps(kCreate + R"({"do": "reply", "answers": "first"})"),
       "s.json: $.steps[1].answers: expected \"auto\" or a non-empty array of {question_index, "
       "selected}; got \"first\""},
      {"answer without selected",
       with_steps(kCreate + R"({"do": "reply", "answers": [{"question_index": 0}]})"),
       "s.json: $.steps[1].answers[0].selected: missing; expected a string or a list of strings"},
      {"answer selected a number",
       with_steps(kCreate +
                  R"({"do": "reply", "answers": [{"question_index": 0, "selected": 2}]})"),
       "s.json: $.steps[1].answers[0].selected: expected a string or a list of strings; got 2"},
      {"answer index negative",
       with_steps(kCreate +
                  R"({"do": "reply", "answers": [{"question_index": -1, "selected": "a"}]})"),
       "s.json: $.steps[1].answers[0].question_index: expected an integer from 0 to 99; got -1"},
      {"answer unknown field",
       with_steps(kCreate + R"({"do": "reply", "answers": [{"index": 0, "selected": "a"}]})"),
       "s.json: $.steps[1].answers[0].index: unknown field; expected one of question_index, "
       "selected"},
      {"message not a string", with_steps(kCreate + R"({"do": "reply", "message": 3})"),
       "s.json: $.steps[1].message: expected a string; got 3"},
      {"reject without reason", with_steps(kCreate + R"({"do": "reject"})"),
       "s.json: $.steps[1].reason: missing; expected a non-empty string"},
      {"result files negative", with_steps(kCreate + R"({"do": "result", "files": -1})"),
       "s.json: $.steps[1].files: expected an integer from 0 to 1000; got -1"},
      {"events unknown type", with_steps(kCreate + R"({"do": "events", "types": ["answer"]})"),
       "s.json: $.steps[1].types[0]: expected one of status, question, reply, "
       "message_to_customer, solution_proposed, solution_decision; got \"answer\""},
      // request.
      {"request unknown method",
       with_steps(R"({"do": "request", "method": "FETCH", "path": "/tasks/", "expect_status": 200,
                      "rule": "G.list.tasks"})"),
       "s.json: $.steps[0].method: expected one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS; "
       "got \"FETCH\""},
      {"request path without slash",
       with_steps(R"({"do": "request", "method": "GET", "path": "tasks", "expect_status": 200,
                      "rule": "G.list.tasks"})"),
       "s.json: $.steps[0].path: expected a path starting with /; got \"tasks\""},
      {"request path names an unknown task",
       with_steps(kCreate + R"({"do": "request", "method": "GET", "path": "/tasks/{t2}",
                                "expect_status": 404, "rule": "G.isolation.not_found"})"),
       "s.json: $.steps[1].path: expected a task created by an earlier step (t1); got \"t2\""},
      {"request path unmatched brace",
       with_steps(kCreate + R"({"do": "request", "method": "GET", "path": "/tasks/{t1",
                                "expect_status": 404, "rule": "G.isolation.not_found"})"),
       "s.json: $.steps[1].path: expected {task} placeholders; unmatched {; got \"/tasks/{t1\""},
      {"request body and raw_body",
       with_steps(R"({"do": "request", "method": "POST", "path": "/tasks/", "body": {},
                      "raw_body": "{}", "expect_status": 422, "rule": "M.create.invalid"})"),
       "s.json: $.steps[0].raw_body: expected either body or raw_body, not both"},
      {"request unknown auth account",
       with_steps(R"({"do": "request", "method": "GET", "path": "/tasks/", "auth": "eve",
                      "expect_status": 200, "rule": "G.list.tasks"})"),
       "s.json: $.steps[0].auth: expected an account defined by an earlier register or login "
       "step (main); got \"eve\""},
      {"request status out of range",
       with_steps(R"({"do": "request", "method": "GET", "path": "/tasks/", "expect_status": 99,
                      "rule": "G.list.tasks"})"),
       "s.json: $.steps[0].expect_status: expected an integer from 100 to 599; got 99"},
      {"request status list item",
       with_steps(R"({"do": "request", "method": "GET", "path": "/tasks/",
                      "expect_status": [200, "404"], "rule": "G.list.tasks"})"),
       "s.json: $.steps[0].expect_status[1]: expected an integer from 100 to 599; got \"404\""},
      {"request without expect_status",
       with_steps(R"({"do": "request", "method": "GET", "path": "/tasks/",
                      "rule": "G.list.tasks"})"),
       "s.json: $.steps[0].expect_status: missing; expected an HTTP status or a list of them"},
      {"request without rule",
       with_steps(R"({"do": "request", "method": "GET", "path": "/tasks/", "expect_status": 200})"),
       "s.json: $.steps[0].rule: missing; expected the rule id the check belongs to"},
      {"request unknown rule",
       with_steps(R"({"do": "request", "method": "GET", "path": "/tasks/", "expect_status": 200,
                      "rule": "M.made.up"})"),
       "s.json: $.steps[0].rule: expected a rule id of the catalogue (common/rules.cpp); got "
       "\"M.made.up\""},
      // Time steps.
      {"advance_clock zero", with_steps(R"({"do": "advance_clock", "seconds": 0})"),
       "s.json: $.steps[0].seconds: expected a number of seconds above 0 to 10000000; got 0"},
      {"sleep negative", with_steps(R"({"do": "sleep", "seconds": -1})"),
       "s.json: $.steps[0].seconds: expected a number of seconds from 0 to 10000000; got -1"},
      {"sleep without seconds", with_steps(R"({"do": "sleep"})"),
       "s.json: $.steps[0].seconds: missing; expected a number of seconds from 0 to 10000000"},
      {"expect_stall without seconds", with_steps(kCreate + R"({"do": "expect_stall"})"),
       "s.json: $.steps[1].seconds: missing; expected a number of seconds above 0 to 10000000"},
  };
}

TEST(Scenario, EveryErrorNamesTheFilePathAndWhatWasExpected) {
  for (const auto& c : error_cases()) {
    SCOPED_TRACE(c.what);
    const auto r = parse_scenario(json::parse(c.scenario), "s.json");
    const auto* error = std::get_if<LoadError>(&r);
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(error->file, "s.json");
    EXPECT_EQ(error->to_string(), c.error);
  }
}

// A scratch folder, removed with the fixture.
class ScenarioFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("scenario_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& relative, const std::string& text) {
    const auto path = dir_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path.string();
  }
  static std::string named(const std::string& name) {
    return R"({"name": ")" + name + R"(", "steps": [{"do": "sleep", "seconds": 1}]})";
  }

  fs::path dir_;
};

TEST_F(ScenarioFiles, LoadsOneFileWithComments) {
  const auto path = write("a.json", "// a comment\n/* block */ " + named("a"));
  const auto r = load_scenario_file(path);
  ASSERT_TRUE(std::holds_alternative<Scenario>(r)) << std::get<LoadError>(r).to_string();
  EXPECT_EQ(std::get<Scenario>(r).name, "a");
  EXPECT_EQ(std::get<Scenario>(r).file, path);
}

TEST_F(ScenarioFiles, SyntaxErrorsGiveTheFileLineAndColumn) {
  const auto path = write("bad.json", "{\n  \"name\": \"x\",\n  \"steps\": [,]\n}\n");
  const auto r = load_scenario_file(path);
  const auto* e = std::get_if<LoadError>(&r);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->file, path);
  EXPECT_EQ(e->path, "");
  EXPECT_EQ(e->to_string(), path +
                                ": not valid JSON: parse error at line 3, column 13: syntax error "
                                "while parsing value - unexpected ','; expected '[', '{', or a "
                                "literal");
}

// fuzz_harness_files found that a number beyond a double ended the loader with std::terminate
// (tests/fuzz/corpus/harness_files/crash-b08148d425de896457101ef499ae6620d0838bbd).
TEST_F(ScenarioFiles, NumberBeyondADoubleIsAnErrorNotACrash) {
  const auto path = write("huge.json", R"({"name": "x", "timeout_s": 111e309, "steps": []})");
  const auto r = load_scenario_file(path);
  const auto* e = std::get_if<LoadError>(&r);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->to_string(), path + ": not valid JSON: number overflow parsing '111e309'");
}

TEST_F(ScenarioFiles, MissingFile) {
  const auto r = load_scenario_file((dir_ / "none.json").string());
  ASSERT_TRUE(std::holds_alternative<LoadError>(r));
  EXPECT_EQ(std::get<LoadError>(r).message, "cannot read the file");
}

TEST_F(ScenarioFiles, FoldersRecursivelySortedWithEveryError) {
  write("b.json", named("b"));
  write("a.json", named("a"));
  write("sub/c.json", named("c"));
  write("sub/deeper/d.json", named("d"));
  write("notes.txt", "not a scenario");
  const auto bad1 = write("sub/x-bad.json", R"({"name": "x"})");
  const auto bad2 = write("y-bad.json", "{");
  const auto r = load_scenarios({dir_.string()});
  std::vector<std::string> names;
  for (const auto& s : r.scenarios) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c", "d"}));
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].to_string(),
            bad1 + ": $.steps: missing; expected a non-empty array of steps");
  EXPECT_EQ(r.errors[1].file, bad2);
  EXPECT_NE(r.errors[1].message.find("not valid JSON"), std::string::npos);
}

TEST_F(ScenarioFiles, FilesAndFoldersTogetherEachFileOnce) {
  const auto a = write("a.json", named("a"));
  write("sub/b.json", named("b"));
  const auto r = load_scenarios({a, (dir_ / "sub").string(), dir_.string()});
  EXPECT_TRUE(r.errors.empty());
  ASSERT_EQ(r.scenarios.size(), 2u);
  EXPECT_EQ(r.scenarios[0].name, "a");
  EXPECT_EQ(r.scenarios[1].name, "b");
}

TEST_F(ScenarioFiles, DuplicateNamesAreAnErrorAtTheSecondFile) {
  const auto first = write("1.json", named("same"));
  const auto second = write("2.json", named("same"));
  const auto r = load_scenarios({dir_.string()});
  ASSERT_EQ(r.scenarios.size(), 1u);
  EXPECT_EQ(r.scenarios[0].file, first);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].to_string(),
            second +
                ": $.name: expected a name no other scenario uses; \"same\" is also the name "
                "in " +
                first);
}

TEST_F(ScenarioFiles, MissingPathsAndEmptyFolders) {
  fs::create_directories(dir_ / "empty");
  const auto missing = (dir_ / "missing").string();
  const auto empty = (dir_ / "empty").string();
  const auto r = load_scenarios({missing, empty});
  EXPECT_TRUE(r.scenarios.empty());
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].to_string(), missing + ": no such file or folder");
  EXPECT_EQ(r.errors[1].to_string(), empty + ": no scenario files (*.json) here");
}

TEST(ScenarioExamples, TheExamplesFolderLoadsWithoutErrors) {
  const auto r = load_scenarios({AGENTWORK_SOURCE_DIR "/scenarios/examples"});
  for (const auto& e : r.errors) ADD_FAILURE() << e.to_string();
  EXPECT_GE(r.scenarios.size(), 5u);
  bool stall = false, request = false, policy = false, answers = false, reject = false;
  for (const auto& s : r.scenarios) {
    for (const auto& step : s.steps) {
      stall |= std::holds_alternative<steps::AdvanceClock>(step.action);
      request |= std::holds_alternative<steps::Request>(step.action);
      policy |= std::holds_alternative<steps::RunPolicy>(step.action);
      reject |= std::holds_alternative<steps::Reject>(step.action);
      if (const auto* reply = std::get_if<steps::Reply>(&step.action)) {
        answers |= reply->answers.has_value();
      }
    }
    if (std::find(s.tags.begin(), s.tags.end(), "live") != s.tags.end()) {
      EXPECT_FALSE(s.needs_mock) << s.file;
    }
  }
  EXPECT_TRUE(stall && request && policy && answers && reject);
}

// The full example of docs/scenario-format.md is a scenario the loader accepts.
TEST(ScenarioExamples, TheFullExampleOfTheFormatReferenceLoads) {
  std::ifstream in(AGENTWORK_SOURCE_DIR "/docs/scenario-format.md");
  std::stringstream text;
  text << in.rdbuf();
  const auto doc = text.str();
  const auto heading = doc.find("## A full example");
  ASSERT_NE(heading, std::string::npos);
  const auto open = doc.find("```jsonc\n", heading);
  ASSERT_NE(open, std::string::npos);
  const auto start = open + 9;
  const auto close = doc.find("```", start);
  ASSERT_NE(close, std::string::npos);
  const auto r = parse_scenario(json::parse(doc.substr(start, close - start), nullptr, true, true),
                                "scenario-format.md");
  ASSERT_TRUE(std::holds_alternative<Scenario>(r)) << std::get<LoadError>(r).to_string();
  EXPECT_EQ(std::get<Scenario>(r).steps.size(), 16u);
}

}  // namespace
}  // namespace agentwork::harness
