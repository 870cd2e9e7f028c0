// The plain client steps of a scenario: accounts, create, await, expect, reply and decisions,
// result, events, list, and raw requests.
#include <algorithm>
#include <set>
#include <sstream>

#include "harness/runner/scenario_interpreter.hpp"

namespace agentwork::harness::detail {

using nlohmann::json;

Awaitable<void> ScenarioRun::step(const steps::Register& s) {
  std::string email = s.email.value_or("agentwork-{run}-" + s.account + "@example.com");
  for (auto pos = email.find("{run}"); pos != std::string::npos; pos = email.find("{run}")) {
    email.replace(pos, 5, run_tag_);
  }
  AgentworkClient fresh = new_client();
  ApiCall c = co_await fresh.register_user(email, s.name.value_or("Agentwork harness"),
                                           s.organization_name);
  record(c, Endpoint::register_user, {});
  // A valid registration refused breaks a registration rule, not only this step.
  if (c.status() != 201) {
    fail(s.organization_name ? "G.register.created" : "G.register.organization_optional",
         "POST /auth/register for " + email +
             (s.organization_name ? "" : " (no organization_name)") + ": expected 201, got " +
             std::to_string(c.status()),
         &c);
  }
  const auto key = string_field(c.json, "api_key");
  if (key.empty()) fail("S.step.body", "the register response has no api_key", &c);
  fresh.set_api_key(key);
  co_await fresh.start_route();
  clients_.erase(s.account);
  clients_.emplace(s.account, std::move(fresh));
  step_note_ = "account " + s.account + " (" + email + ")";
}

Awaitable<void> ScenarioRun::step(const steps::Login& s) {
  const std::string email = s.from_cli ? ctx_.config.account_email : s.email;
  if (email.empty()) {  // "credentials": "cli" without --account
    const std::string why = "no password account was given (--account EMAIL:PASSWORD)";
    for (const char* rule : {"G.api_key.exchange", "M.api_key.created"}) {
      if (!s.wrong_password) result_.not_seen.push_back({rule, why});
    }
    if (s.wrong_password) result_.not_seen.push_back({"M.api_key.bad_credentials", why});
    step_note_ = "not run: " + why;
    co_return;
  }
  AgentworkClient fresh = new_client();
  if (s.wrong_password) {
    const std::string wrong = "not-the-password-" + run_tag_;
    ApiCall c = co_await fresh.exchange_password(email, wrong, s.key_name);
    record(c, Endpoint::api_key, {});
    if (c.status() != 401) {
      add_finding("M.api_key.bad_credentials",
                  "POST /auth/api-key for " + email + " with a wrong password: expected 401, got " +
                      std::to_string(c.status()),
                  &c);
    }
    step_note_ = "wrong password -> " + std::to_string(c.status());
    co_return;
  }
  const std::string password = s.from_cli ? ctx_.config.account_password : s.password;
  ApiCall c = co_await fresh.exchange_password(email, password, s.key_name);
  record(c, Endpoint::api_key, {});
  // The scenario's credentials are an account's: a refusal breaks the exchange itself.
  if (c.status() != 201) {
    fail("G.api_key.exchange",
         "POST /auth/api-key for " + email + ": expected 201, got " + std::to_string(c.status()),
         &c);
  }
  const auto key = string_field(c.json, "api_key");
  if (key.empty()) fail("S.step.body", "the api-key response has no api_key", &c);
  fresh.set_api_key(key);
  co_await fresh.start_route();
  clients_.erase(s.account);
  clients_.emplace(s.account, std::move(fresh));
  step_note_ = "account " + s.account;
}

// The loader has resolved every later step's account already: nothing to do at run time.
Awaitable<void> ScenarioRun::step(const steps::UseAccount&) {
  co_return;
}

Awaitable<void> ScenarioRun::step(const steps::Create& s) {
  const json script = mock_script_for(s.agent);
  co_await create_task(s.task, s.account, s.title, s.description, script);
}

Awaitable<void> ScenarioRun::step(const steps::Await& s) {
  const auto step_deadline = s.timeout_seconds
                                 ? SteadyClock::now() + to_duration(*s.timeout_seconds * scale())
                                 : SteadyClock::time_point::max();
  for (int polls = 1;; ++polls) {
    TaskRec& t = task(s.task);
    const StatusView v = co_await poll(t);
    const TaskState state = *t.track.last_state();
    if (contains_state(s.status, state)) {
      step_note_ += (step_note_.empty() ? "" : "; ") + std::string(to_string(state)) + " after " +
                    std::to_string(polls) + (polls == 1 ? " poll" : " polls");
      co_return;
    }
    if (is_terminal(state)) {
      fail("S.await.terminal",
           "task " + t.id + " is " + v.status + "; awaited " + join_states(s.status), evidence(t),
           t.name);
    }
    if (sc_.policy && state == TaskState::processing) {
      const double stalled = co_await stalled_for(t);
      if (stalled >= sc_.policy->on_stall.after_seconds) co_await on_stall(t, stalled);
    }
    if (SteadyClock::now() >= step_deadline) {
      std::ostringstream d;
      d << "task " << t.id << " still " << v.status << " after " << *s.timeout_seconds
        << " s (agent time); awaited " << join_states(s.status);
      fail("S.await.timeout", d.str(), evidence(t), t.name);
    }
    const auto wait = std::min(poll_wait(), step_deadline - SteadyClock::now());
    co_await pause(wait);
  }
}

namespace {

// What an `expect` step says of the question and the proposal that `v` does not show.
void expect_question(const steps::Expect& s, const StatusView& v, std::vector<std::string>& wrong) {
  const auto& q = v.question;
  if (s.question_type) {
    const std::string want(to_string(*s.question_type));
    if (!q || q->type != want) {
      wrong.push_back("question type " + (q ? q->type : std::string("(no question)")) +
                      ", expected " + want);
    }
  }
  const std::size_t count = q ? q->questions.size() : 0;
  if (s.questions && count != static_cast<std::size_t>(*s.questions)) {
    wrong.push_back(std::to_string(count) + " questions, expected " + std::to_string(*s.questions));
  }
  if (s.question_types) {
    std::string seen, want;
    for (std::size_t i = 0; i < count; ++i) {
      seen += (i ? "," : "") + string_field(q->questions[i], "type");
    }
    for (std::size_t i = 0; i < s.question_types->size(); ++i) {
      want += (i ? "," : "") + std::string(to_string((*s.question_types)[i]));
    }
    if (seen != want) wrong.push_back("question types [" + seen + "], expected [" + want + "]");
  }
  if (s.options) {
    std::string seen, want;
    for (std::size_t i = 0; i < count; ++i) {
      const auto o =
          q->questions[i].is_object() ? q->questions[i].value("options", json()) : json();
      seen += (i ? "," : "") + (o.is_array() ? std::to_string(o.size()) : std::string("null"));
    }
    for (std::size_t i = 0; i < s.options->size(); ++i) {
      const auto& o = (*s.options)[i];
      want += (i ? "," : "") + (o ? std::to_string(*o) : std::string("null"));
    }
    if (seen != want) wrong.push_back("options [" + seen + "], expected [" + want + "]");
  }
  const bool has_solution = v.solution_message_id.has_value();
  if (s.solution && *s.solution != has_solution) {
    wrong.push_back(std::string("solution ") + (has_solution ? "present" : "absent") +
                    ", expected " + (*s.solution ? "present" : "absent"));
  }
}

}  // namespace

Awaitable<void> ScenarioRun::step(const steps::Expect& s) {
  TaskRec& t = task(s.task);
  const StatusView v = co_await poll(t);
  std::vector<std::string> wrong;
  const TaskState state = *t.track.last_state();
  if (!s.status.empty() && !contains_state(s.status, state)) {
    wrong.push_back("status " + v.status + ", expected " + join_states(s.status));
  }
  expect_question(s, v, wrong);
  const auto& q = v.question;
  const std::string message_id =
      q ? q->message_id : (v.solution_message_id ? *v.solution_message_id : std::string());
  if (s.new_message_id) {
    const bool is_new = message_id != t.expect_message_id;
    if (is_new != *s.new_message_id) {
      wrong.push_back("message_id " + message_id + (is_new ? " is new" : " is unchanged") +
                      ", expected " + (*s.new_message_id ? "a new one" : "the same"));
    }
  }
  t.expect_message_id = message_id;
  if (!wrong.empty()) {
    std::string detail = "task " + t.id + ": ";
    for (std::size_t i = 0; i < wrong.size(); ++i) detail += (i ? "; " : "") + wrong[i];
    fail("S.expect", detail, evidence(t), t.name);
  }
  step_note_ = v.status;
}

Awaitable<void> ScenarioRun::step(const steps::Reply& s) {
  TaskRec& t = task(s.task);
  json body = json::object();
  if (s.message) body["message"] = *s.message;
  if (s.content) body["content"] = *s.content;
  if (s.answers) {
    json answers = json::array();
    for (const auto& a : *s.answers) {
      json selected = std::holds_alternative<std::string>(a.selected)
                          ? json(std::get<std::string>(a.selected))
                          : json(std::get<std::vector<std::string>>(a.selected));
      answers.push_back({{"question_index", a.question_index}, {"selected", selected}});
    }
    body["answers"] = std::move(answers);
  } else if (s.auto_answers) {
    if (!t.last_view || !t.last_view->question) co_await poll(t);
    const StatusView view = t.last_view.value_or(StatusView{});
    body["answers"] = auto_answers(view, Policy::OnQuestion{}.text);
  }
  co_await act(t, ClientAction::reply, body);
}

Awaitable<void> ScenarioRun::step(const steps::Approve& s) {
  co_await act(task(s.task), ClientAction::confirm, json::object());
}

Awaitable<void> ScenarioRun::step(const steps::Reject& s) {
  const json body = {{"rejection_reason", s.reason}};
  co_await act(task(s.task), ClientAction::reject, body);
}

Awaitable<void> ScenarioRun::step(const steps::Cancel& s) {
  co_await act(task(s.task), ClientAction::cancel, json::object());
}

Awaitable<void> ScenarioRun::step(const steps::Result& s) {
  TaskRec& t = task(s.task);
  auto* api = co_await client(t.account);
  ApiCall c = co_await api->result(t.id);
  CheckContext check;
  check.task_id = t.id;
  record(c, Endpoint::result, check, t.name);
  require_status(c, 200, t.name);
  const json files = c.json.is_object() ? c.json.value("files", json::array()) : json::array();
  const std::size_t count = files.is_array() ? files.size() : 0;
  if (s.files && count != static_cast<std::size_t>(*s.files)) {
    fail("S.result", std::to_string(count) + " files, expected " + std::to_string(*s.files), &c,
         t.name);
  }
  step_note_ = std::to_string(count) + (count == 1 ? " file" : " files");
  if (!s.download || !files.is_array()) co_return;
  for (const auto& f : files) {
    const std::string url = string_field(f, "download_url");
    if (url.empty()) continue;  // the contract check has said so
    ApiCall d = co_await api->download(url);
    record(d, Endpoint::file_download, {}, t.name);
    if (d.status() != 200) {
      fail("S.result",
           "download of " + string_field(f, "name") + " answered " + std::to_string(d.status()), &d,
           t.name);
    }
  }
  step_note_ += ", downloaded";
}

// The event log against what the client did: every accepted reply and decision appears, and a
// structured reply shows its answers (also when a message was sent with them: answers win).
void ScenarioRun::check_client_events(const TaskRec& t,
                                      const std::vector<std::string>& reply_contents,
                                      std::size_t decision_events, const ApiCall& c) {
  if (reply_contents.size() < t.replies.size() || decision_events < t.decisions) {
    add_finding("M.events.client_actions",
                "task " + t.id + ": " + std::to_string(t.replies.size()) +
                    " accepted replies and " + std::to_string(t.decisions) + " decisions, but " +
                    std::to_string(reply_contents.size()) + " reply and " +
                    std::to_string(decision_events) + " solution_decision events",
                &c, t.name);
    return;  // the events cannot be paired with the replies
  }
  // The log may hold replies the harness did not send (none today); pair from the end.
  const std::size_t offset = reply_contents.size() - t.replies.size();
  for (std::size_t i = 0; i < t.replies.size(); ++i) {
    const json& body = t.replies[i];
    const auto answers = body.is_object() ? body.value("answers", json()) : json();
    if (!answers.is_array() || answers.empty()) continue;
    const std::string& content = reply_contents[offset + i];
    std::string missing;
    for (const auto& a : answers) {
      const auto selected = a.is_object() ? a.value("selected", json()) : json();
      std::vector<std::string> values;
      if (selected.is_string()) values.push_back(selected.get<std::string>());
      if (selected.is_array()) {
        for (const auto& v : selected) {
          if (v.is_string()) values.push_back(v.get<std::string>());
        }
      }
      for (const auto& v : values) {
        if (content.find(v) == std::string::npos) missing += (missing.empty() ? "" : ", ") + v;
      }
    }
    if (missing.empty()) continue;
    const std::string message = body.value("message", body.value("content", std::string()));
    const bool message_shown = !message.empty() && content.find(message) != std::string::npos;
    add_finding(message_shown ? "G.message.answers_win" : "M.events.answers_shown",
                "task " + t.id + ": reply " + std::to_string(i + 1) + " had structured answers; " +
                    (message_shown ? "its event shows the message instead"
                                   : "its event does not show them") +
                    " (missing: " + missing + ")",
                &c, t.name);
  }
}

Awaitable<void> ScenarioRun::step(const steps::Events& s) {
  TaskRec& t = task(s.task);
  auto* api = co_await client(t.account);
  ApiCall c = co_await api->events(t.id);
  CheckContext check;
  check.task_id = t.id;
  record(c, Endpoint::events, check, t.name);
  require_status(c, 200, t.name);
  std::vector<std::string> seen;
  std::vector<std::string> reply_contents;
  std::size_t decision_events = 0;
  if (c.json.is_object() && c.json.contains("events") && c.json["events"].is_array()) {
    for (const auto& e : c.json["events"]) {
      seen.push_back(string_field(e, "type"));
      if (seen.back() == "reply") reply_contents.push_back(string_field(e, "content"));
      if (seen.back() == "solution_decision") ++decision_events;
    }
  }
  check_client_events(t, reply_contents, decision_events, c);
  std::size_t matched = 0;
  for (const auto& type : seen) {
    if (matched < s.types.size() && type == to_string(s.types[matched])) ++matched;
  }
  if (matched < s.types.size()) {
    std::string want, got;
    for (auto e : s.types) want += (want.empty() ? "" : ",") + std::string(to_string(e));
    for (const auto& e : seen) got += (got.empty() ? "" : ",") + e;
    fail("S.events", "expected [" + want + "] in this order within [" + got + "]", &c, t.name);
  }
  step_note_ = std::to_string(seen.size()) + " events";
}

Awaitable<void> ScenarioRun::step(const steps::List& s) {
  auto* api = co_await client(s.account);
  ApiCall c = co_await api->list_tasks();
  record(c, Endpoint::list_tasks, {});
  require_status(c, 200);
  const json* items = nullptr;
  if (c.json.is_array()) items = &c.json;
  if (c.json.is_object() && c.json.contains("tasks")) items = &c.json["tasks"];
  std::set<std::string> ids;
  if (items && items->is_array()) {
    for (const auto& i : *items) ids.insert(string_field(i, "task_id"));
  }
  // A task of this organization missing breaks G.list.tasks; another organization's task
  // listed breaks G.isolation.list; anything else is the scenario's own expectation.
  bool failed = false;
  auto same_org = [&](const TaskRec& t) {
    auto a = clients_.find(t.account), b = clients_.find(s.account);
    return a != clients_.end() && b != clients_.end() && a->second.api_key() == b->second.api_key();
  };
  for (const auto& name : s.contains) {
    const TaskRec& t = task(name);
    if (ids.count(t.id)) continue;
    add_finding(same_org(t) ? "G.list.tasks" : "S.list",
                "task " + name + " (" + t.id + ") is not listed for account " + s.account, &c);
    failed = true;
  }
  for (const auto& name : s.absent) {
    const TaskRec& t = task(name);
    if (!ids.count(t.id)) continue;
    add_finding(same_org(t) ? "S.list" : "G.isolation.list",
                "task " + name + " (" + t.id + ") of account " + t.account +
                    " is listed for account " + s.account,
                &c);
    failed = true;
  }
  if (failed) throw StepFailed{};
  step_note_ = std::to_string(ids.size()) + " tasks listed";
}

Awaitable<void> ScenarioRun::step(const steps::Request& s) { co_await send_request(s); }

Awaitable<int> ScenarioRun::send_request(const steps::Request& s) {
  std::string path = s.path;
  for (const auto& name : s.tasks) {
    const std::string placeholder = "{" + name + "}";
    for (auto pos = path.find(placeholder); pos != std::string::npos;
         pos = path.find(placeholder)) {
      path.replace(pos, placeholder.size(), task(name).id);
    }
  }
  Auth auth = Auth::key;
  AgentworkClient* api = nullptr;
  if (s.auth.kind == steps::RequestAuth::Kind::none) auth = Auth::none;
  if (s.auth.kind == steps::RequestAuth::Kind::invalid) auth = Auth::invalid;
  const std::string account =
      s.auth.kind == steps::RequestAuth::Kind::account ? s.auth.account : std::string("main");
  api = co_await client(account);
  // "{run}" in a body is the scenario's run tag, as in register's e-mail address.
  std::optional<std::string> body = s.raw_body;
  if (s.body) body = s.body->dump();
  if (body) {
    for (auto pos = body->find("{run}"); pos != std::string::npos; pos = body->find("{run}")) {
      body->replace(pos, 5, run_tag_);
    }
  }
  ApiCall c = co_await api->raw(s.method, path, body, auth);
  record(c, std::nullopt, {});
  // Error responses follow the error-body rules whatever the route (the credential routes
  // answer 401 for a wrong password, not for a key: no WWW-Authenticate there).
  if (c.status() >= 400) {
    const Endpoint endpoint = path.starts_with("/auth/register")  ? Endpoint::register_user
                              : path.starts_with("/auth/api-key") ? Endpoint::api_key
                                                                  : Endpoint::task_status;
    for (auto& f : check_response(endpoint, to_exchange(c), {})) {
      add_finding(f.rule_id, std::move(f.detail), &c);
    }
  }
  note_request_effects(s, path, account, auth, c);
  const bool paced = s.rate_limit_not_judged && c.status() == 429;
  if (!paced && std::find(s.expect_status.begin(), s.expect_status.end(), c.status()) ==
                    s.expect_status.end()) {
    std::string want;
    for (int w : s.expect_status) want += (want.empty() ? "" : " or ") + std::to_string(w);
    // The finding is the request's own rule, but the scenario goes on: a negative case that
    // the server gets wrong says nothing about the steps after it.
    add_finding(s.rule,
                s.method + " " + path + (s.what.empty() ? "" : " (" + s.what + ")") +
                    ": expected " + want + ", got " + std::to_string(c.status()),
                &c);
  }
  step_note_ = s.method + " " + path + " -> " + std::to_string(c.status());
  co_return c.status();
}

void ScenarioRun::note_request_effects(const steps::Request& s, const std::string& path,
                                       const std::string& account, Auth auth, const ApiCall& c) {
  // A raw request the server accepted may have moved a task: tell its trace checker.
  // A task a raw create made is the run's to clean up like any other.
  if (s.method == "POST" && (path == "/tasks/" || path == "/tasks") && c.status() == 201 &&
      auth == Auth::key) {
    if (const auto id = string_field(c.json, "task_id"); !id.empty()) {
      TaskRec t;
      t.name = "(request step " + std::to_string(step_index_ + 1) + ")";
      t.id = id;
      t.account = account;
      timeline(t, "created", "");
      replaced_.push_back(std::move(t));
      ++result_.tasks_created;
    }
  }
  // Only a request made with the key of the task's creator counts: another key's "success" on
  // someone else's task is that request's own finding, not a move of this task.
  const bool as_creator = s.tasks.size() == 1 && auth == Auth::key &&
                          client_key(account) == client_key(task(s.tasks[0]).account);
  if (as_creator && s.method == "POST" && c.status() >= 200 && c.status() < 300) {
    TaskRec& t = task(s.tasks[0]);
    std::optional<ClientAction> action;
    if (path.ends_with("/message")) action = ClientAction::reply;
    if (path.ends_with("/cancel")) action = ClientAction::cancel;
    if (path.ends_with("/solution-status") && s.body && s.body->is_object()) {
      const auto status = s.body->value("status", std::string());
      if (status == "CONFIRMED") action = ClientAction::confirm;
      if (status == "REJECTED") action = ClientAction::reject;
    }
    if (action) {
      t.track.act(*action, true);
      timeline(t, "action", action_name(*action));
      report_trace(t, &c);
      note_accepted(t, *action, s.body.value_or(json::object()));
    }
  }
}

}  // namespace agentwork::harness::detail
