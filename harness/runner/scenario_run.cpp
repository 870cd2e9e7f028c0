#include "harness/runner/scenario_run.hpp"
#include "harness/runner/scenario_interpreter.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <sstream>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "harness/net/agentwork_client.hpp"
#include "harness/checks/contract_checks.hpp"
#include "common/rules.hpp"
#include "harness/checks/trace_checker.hpp"
#include "common/agent_script.hpp"
#include "common/timestamp.hpp"

namespace agentwork::harness::detail {

using nlohmann::json;
namespace asio = boost::asio;

Awaitable<bool> RunContext::wait(SteadyClock::duration d) {
  if (stopping) co_return false;
  Timer timer(executor);
  timer.expires_after(d);
  waiting.insert(&timer);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable_t<Executor>{}, ec));
  waiting.erase(&timer);
  co_return !stopping;
}

void RunContext::stop() {
  stopping = true;
  for (auto* t : waiting) t->cancel();
}




std::string join_states(const std::vector<TaskState>& states) {
  std::string out;
  for (auto s : states) out += (out.empty() ? "" : " or ") + std::string(to_string(s));
  return out;
}

bool contains_state(const std::vector<TaskState>& states, TaskState s) {
  return std::find(states.begin(), states.end(), s) != states.end();
}

Exchange to_exchange(const ApiCall& c) {
  Exchange ex;
  ex.method = c.exchange.method;
  ex.path = c.path.starts_with("http") ? c.exchange.url : "/api/v1" + c.path;
  ex.status = c.exchange.status;
  ex.headers = c.exchange.headers;
  ex.body = c.exchange.body;
  return ex;
}

Evidence evidence_of(const ApiCall& c) {
  Evidence e;
  e.method = c.exchange.method;
  e.path = c.path.starts_with("http") ? c.exchange.url : "/api/v1" + c.path;
  e.status = c.exchange.status;
  e.body_excerpt = excerpt(c.exchange.body);
  if (!c.exchange.ok()) {
    e.error = std::string(to_string(c.exchange.error)) + ": " + c.exchange.error_message;
  }
  e.duration_ms = static_cast<double>(c.exchange.total.count()) / 1000.0;
  return e;
}

std::string string_field(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}





const ApiCall* evidence(const TaskRec& t) {
  return t.last_poll ? &*t.last_poll : nullptr;
}

// Remembers an accepted client action for the checks of later polls and of the event log.
void note_accepted(TaskRec& t, ClientAction action, const json& body) {
  switch (action) {
    case ClientAction::reply:
      t.replied_to = t.last_view && t.last_view->question ? t.last_view->question->message_id : "";
      t.replies.push_back(body);
      break;
    case ClientAction::confirm:
      ++t.decisions;
      break;
    case ClientAction::reject:
      t.rejected = t.last_view && t.last_view->solution_message_id
                       ? *t.last_view->solution_message_id
                       : std::string();
      ++t.decisions;
      break;
    case ClientAction::cancel:
      t.cancel_accepted = true;
      break;
  }
}

// The agent script of a task says it may cancel by itself (or is unknown: a name, the default).
bool script_may_cancel(const json& script) {
  return !script.is_object() || script.dump().find("cancel") != std::string::npos;
}



// ------------------------------------------------------------------------------------------
// Findings

void ScenarioRun::add_finding(std::string_view rule_id, std::string detail, const ApiCall* call,
                              const std::string& task) {
  FindingRecord f;
  f.rule_id = std::string(rule_id);
  if (auto rule = find_rule(rule_id)) {
    f.tag = rule->tag == Tag::guide ? 'G' : 'M';
  } else {
    f.tag = 'S';
  }
  f.severity = (f.tag == 'M' && !ctx_.config.strict) ? Severity::observation : Severity::failure;
  f.step_index = step_index_;
  f.step_kind = step_kind_;
  f.task = task;
  f.detail = std::move(detail);
  if (call) f.evidence = evidence_of(*call);
  if (f.severity == Severity::failure) step_ok_ = false;
  result_.findings.push_back(std::move(f));
}

void ScenarioRun::add_observation(std::string_view rule_id, std::string detail,
                                  const ApiCall* call, const std::string& task) {
  const bool was_ok = step_ok_;
  add_finding(rule_id, std::move(detail), call, task);
  result_.findings.back().severity = Severity::observation;
  step_ok_ = was_ok;
}

void ScenarioRun::fail(std::string_view rule_id, std::string detail, const ApiCall* call,
                       const std::string& task) {
  add_finding(rule_id, std::move(detail), call, task);
  throw StepFailed{};
}

void ScenarioRun::report_trace(TaskRec& t, const ApiCall* call) {
  const auto& v = t.trace.violations();
  for (; t.violations_reported < v.size(); ++t.violations_reported) {
    const auto& violation = v[t.violations_reported];
    add_finding(violation.rule_id, "task " + t.id + ": " + violation.detail, call, t.name);
  }
}

// ------------------------------------------------------------------------------------------
// Requests

Awaitable<AgentworkClient*> ScenarioRun::client(const std::string& account) {
  auto it = clients_.find(account);
  if (it != clients_.end()) co_return &it->second;
  // Only "main" can be missing (the loader checks every other reference): register it.
  AgentworkClient fresh(ctx_.http, ctx_.config.base_url, ctx_.config.api_key);
  auto [pos, inserted] = clients_.emplace(account, std::move(fresh));
  if (ctx_.config.api_key.empty() || account != "main") {
    const std::string email = "agentwork-" + run_tag_ + "-" + account + "@example.com";
    const std::string name = "Agentwork harness";
    // With an organization name: whether it is optional is a scenario's question, not this one's.
    const std::optional<std::string> organization = "Agentwork harness " + run_tag_;
    ApiCall c = co_await pos->second.register_user(email, name, organization);
    record(c, Endpoint::register_user, {});
    require_status(c, 201);
    const auto key = string_field(c.json, "api_key");
    if (key.empty()) fail("S.step.body", "registering account \"" + account + "\": no api_key", &c);
    pos->second.set_api_key(key);
  }
  co_return &pos->second;
}

Evidence evidence_of(const ApiCall& c, const FailedAttempt& a) {
  Evidence e = evidence_of(c);
  e.status = a.status;
  e.body_excerpt = excerpt(a.body);
  e.error = a.error == ErrorClass::none ? std::string()
                                        : std::string(to_string(a.error)) + ": " + a.error_message;
  e.duration_ms = static_cast<double>(a.duration.count()) / 1000.0;
  return e;
}

void ScenarioRun::report_server_errors(const ApiCall& c, std::string_view rule,
                                       const std::string& task) {
  const auto& retried = c.exchange.retried;
  const std::string what = c.exchange.method + " " + c.path;
  const int attempts = c.exchange.attempts - c.exchange.redirects;
  for (std::size_t i = 0; i < retried.size(); ++i) {
    const auto& a = retried[i];
    if (a.status != 0 && a.status < 500) continue;  // a 429: the server asked to wait
    const std::string seen = a.status ? "answered " + std::to_string(a.status)
                                      : "failed on the wire (" + std::string(to_string(a.error)) +
                                            ": " + a.error_message + ")";
    add_finding(rule,
                what + ": attempt " + std::to_string(i + 1) + " of " + std::to_string(attempts) +
                    " " + seen + "; the client retried (a retry hides nothing)",
                nullptr, task);
    result_.findings.back().evidence = evidence_of(c, a);
  }
  if (c.exchange.ok() && c.status() >= 500) {
    add_finding(rule, what + ": answered " + std::to_string(c.status()) + " (a server error)", &c,
                task);
  } else if (!c.exchange.ok()) {
    add_finding(rule, what + ": no answer: " + to_string(c.exchange.error), &c, task);
  }
}

void ScenarioRun::record(const ApiCall& c, std::optional<Endpoint> endpoint,
                         const CheckContext& check, const std::string& task) {
  ++result_.requests;
  const auto e = endpoint ? endpoint : endpoint_of_request(c.exchange.method, c.path);
  if (e) {
    int errors = c.exchange.ok() && c.status() < 500 ? 0 : 1;
    for (const auto& a : c.exchange.retried) errors += a.status == 0 || a.status >= 500;
    ctx_.metrics.record(*e, c.exchange.total.count(), c.exchange.attempts - c.exchange.redirects,
                        errors);
  }
  // A raw request (no endpoint given) is judged by its own step's rule.
  if (endpoint) report_server_errors(c, success_rule(*endpoint, c.request_body), task);
  if (!c.exchange.ok()) {
    add_finding("S.transport",
                c.exchange.method + " " + c.path + ": " + to_string(c.exchange.error) + ": " +
                    c.exchange.error_message,
                &c, task);
    throw Stop{Verdict::error, std::string("the target failed on the wire: ") +
                                   to_string(c.exchange.error) + ": " + c.exchange.error_message};
  }
  if (!endpoint) return;
  for (auto& f : check_response(*endpoint, to_exchange(c), check)) {
    add_finding(f.rule_id, std::move(f.detail), &c, task);
  }
}

void ScenarioRun::require_status(const ApiCall& c, int want, const std::string& task) {
  if (c.status() == want) return;
  fail("S.step.status",
       c.exchange.method + " " + c.path + ": expected " + std::to_string(want) + ", got " +
           std::to_string(c.status()),
       &c, task);
}

// The timeline's name of an action: reply, approve, reject, cancel.
std::string action_name(ClientAction action) {
  switch (action) {
    case ClientAction::confirm:
      return "approve";
    case ClientAction::reject:
      return "reject";
    default:
      return std::string(to_string(action));
  }
}

void ScenarioRun::timeline(const TaskRec& t, std::string kind, std::string value, bool ok) {
  auto& all = result_.timelines;
  auto it = std::find_if(all.rbegin(), all.rend(),
                         [&](const TaskTimeline& tl) { return tl.task_id == t.id; });
  TaskTimeline& tl = it != all.rend() ? *it : all.emplace_back(TaskTimeline{t.name, t.id, 0, {}});
  if (kind == "poll") {
    ++tl.polls;
    const auto last = std::find_if(tl.events.rbegin(), tl.events.rend(),
                                   [](const TimelineEvent& e) { return e.kind == "state"; });
    if (last != tl.events.rend() && last->value == value) return;  // no change
    kind = "state";
  }
  const double at_ms =
      std::chrono::duration<double, std::milli>(SteadyClock::now() - started_).count();
  tl.events.push_back({at_ms, std::move(kind), std::move(value), ok});
}

TaskRec& ScenarioRun::task(const std::string& name) {
  // The loader guarantees that every task name refers to an earlier create; a create that
  // failed stopped the scenario, so the name is there.
  return tasks_.at(name);
}

SteadyClock::duration ScenarioRun::poll_wait() {
  const double jitter = std::clamp(ctx_.config.poll_jitter, 0.0, 1.0);
  std::uniform_real_distribution<double> d(1.0 - jitter, 1.0 + jitter);
  return to_duration(poll_interval_ * d(rng_));
}

Awaitable<void> ScenarioRun::pause(SteadyClock::duration d) {
  const auto now = SteadyClock::now();
  if (now >= deadline_) {
    add_finding("S.deadline", "the scenario's deadline passed", nullptr);
    throw Stop{Verdict::error, "timed out: the scenario's deadline passed"};
  }
  const bool woke = co_await ctx_.wait(std::min(d, deadline_ - now));
  if (!woke) throw Stop{Verdict::interrupted, "interrupted"};
}

Awaitable<void> ScenarioRun::pause_poll() {
  co_await pause(poll_wait());
}

Awaitable<ApiCall> ScenarioRun::fetch_status(TaskRec& t) {
  auto* api = co_await client(t.account);
  ApiCall c = co_await api->task_status(t.id);
  CheckContext check;
  check.task_id = t.id;
  // A server error is reported (G.status.shape) and the poll is tried again after a poll
  // interval, a few times: one bad answer says nothing about the lifecycle.
  for (int again = 0; c.exchange.ok() && c.status() >= 500 && again < 3; ++again) {
    ++result_.polls;
    record(c, Endpoint::task_status, check, t.name);
    co_await pause_poll();
    c = co_await api->task_status(t.id);
  }
  ++result_.polls;
  record(c, Endpoint::task_status, check, t.name);
  co_return c;
}

Awaitable<StatusView> ScenarioRun::poll(TaskRec& t) {
  ApiCall c = co_await fetch_status(t);
  require_status(c, 200, t.name);
  auto view = status_view(c.json);
  const auto state = view ? parse_task_state(view->status) : std::nullopt;
  if (!view || !state) {
    fail("S.step.body", "the status response has no usable task_id and status", &c, t.name);
  }
  Observation o;
  o.state = *state;
  agentwork::Micros activity = 0;
  o.last_activity_us =
      agentwork::parse_timestamp(view->last_activity_at, activity) ? activity : t.stall_activity_us;
  o.whole_seconds = view->last_activity_at.find('.') == std::string::npos;
  o.polled_us = std::chrono::duration_cast<std::chrono::microseconds>(
                    SteadyClock::now().time_since_epoch())
                    .count();
  if (*state == TaskState::awaiting_reply && view->question)
    o.message_id = view->question->message_id;
  if (*state == TaskState::awaiting_solution_approval && view->solution_message_id) {
    o.message_id = *view->solution_message_id;
  }
  t.trace.observe(o);
  timeline(t, "poll", std::string(to_string(*state)));
  report_trace(t, &c);
  // After an accepted reply the same question must not be asked again (the task resumed).
  if (!t.replied_to.empty() && *state == TaskState::awaiting_reply && view->question &&
      view->question->message_id == t.replied_to) {
    add_finding("G.message.reply_resumes",
                "task " + t.id + ": still awaiting_reply with the question " + t.replied_to +
                    " the client's accepted reply answered",
                &c, t.name);
  }
  t.replied_to.clear();
  // After an accepted REJECTED the refused proposal must not be offered again.
  if (!t.rejected.empty() && *state == TaskState::awaiting_solution_approval &&
      view->solution_message_id == t.rejected) {
    add_finding("G.solution.reject",
                "task " + t.id + ": still offering the proposal " + t.rejected +
                    " the client's accepted REJECTED refused",
                &c, t.name);
  }
  t.rejected.clear();
  // Cancelled without a cancel from the client, although the mock's script never cancels.
  // Off the mock nobody knows what the agent may do: the [M] point is reported as it stands
  // (an observation under guide).
  if (*state == TaskState::cancelled && !t.cancel_accepted && !t.system_cancel_reported &&
      (!ctx_.config.mock || !script_may_cancel(t.mock_script))) {
    t.system_cancel_reported = true;
    add_finding("M.lifecycle.system_cancel",
                "task " + t.id +
                    " is cancelled; the client never cancelled it" +
                    std::string(ctx_.config.mock ? " and its agent script has no cancel" : ""),
                &c, t.name);
  }
  // Stall bookkeeping: restart the stopwatch whenever the state or the activity changes.
  if (*state != TaskState::processing || view->last_activity_at != t.stall_activity ||
      t.last_state != TaskState::processing) {
    t.stall_activity = view->last_activity_at;
    t.stall_activity_us = o.last_activity_us;
    t.stall_since = SteadyClock::now();
  }
  t.last_state = *state;
  t.known_terminal = is_terminal(*state);
  t.last_view = *view;
  t.last_poll = std::move(c);
  co_return *view;
}

Awaitable<json> ScenarioRun::mock_clock(const json* body) {
  AgentworkClient control(ctx_.http, ctx_.config.base_url);
  const std::string url = ctx_.config.base_url + "/_mock/clock";
  std::optional<std::string> text;
  if (body) text = body->dump();
  ApiCall c = co_await control.raw(body ? "POST" : "GET", url, text, Auth::none);
  if (!c.exchange.ok() || c.status() != 200 || !c.json.is_object() || !c.json.contains("now_us")) {
    fail("S.mock_control", "the mock's clock did not answer as expected", &c);
  }
  co_return c.json;
}

Awaitable<double> ScenarioRun::stalled_for(TaskRec& t) {
  if (t.last_state != TaskState::processing) co_return 0.0;
  const double wall = std::chrono::duration<double>(SteadyClock::now() - t.stall_since).count();
  double stalled = wall;
  // The mock's clock can be moved on: measure there too (virtual-clock stalls take no time).
  if (ctx_.config.mock && t.stall_activity_us > 0) {
    const json clock = co_await mock_clock(nullptr);
    const auto now_us = clock["now_us"].get<std::int64_t>();
    stalled = std::max(stalled, static_cast<double>(now_us - t.stall_activity_us) / 1e6);
  }
  co_return stalled / scale();
}

Awaitable<ApiCall> ScenarioRun::send_action(TaskRec& t, ClientAction action, const json& body) {
  auto* api = co_await client(t.account);
  ApiCall c;
  Endpoint endpoint = Endpoint::message;
  CheckContext check;
  check.task_id = t.id;
  switch (action) {
    case ClientAction::reply:
      c = co_await api->send_message(t.id, body);
      check.expected_status_after = "processing";
      break;
    case ClientAction::confirm:
      c = co_await api->approve(t.id);
      endpoint = Endpoint::solution_status;
      check.expected_status_after = "completed";
      break;
    case ClientAction::reject: {
      const std::string reason = body.value("rejection_reason", std::string());
      c = co_await api->reject(t.id, reason);
      endpoint = Endpoint::solution_status;
      check.expected_status_after = "processing";
      break;
    }
    case ClientAction::cancel:
      c = co_await api->cancel(t.id);
      endpoint = Endpoint::cancel;
      check.expected_status_after = "cancelled";
      break;
  }
  record(c, endpoint, check, t.name);
  const bool accepted = c.status() >= 200 && c.status() < 300;
  t.trace.act(action, accepted);
  timeline(t, "action", action_name(action), accepted);
  report_trace(t, &c);
  if (accepted) note_accepted(t, action, body);
  if (accepted && action == ClientAction::cancel) t.known_terminal = true;
  co_return c;
}

Awaitable<void> ScenarioRun::act(TaskRec& t, ClientAction action, const json& body) {
  const ApiCall c = co_await send_action(t, action, body);
  require_status(c, 200, t.name);
}

json ScenarioRun::mock_script_for(const std::optional<AgentSpec>& spec) const {
  if (!ctx_.config.mock) return nullptr;  // a real deployment never sees a script
  const auto& chosen = spec ? spec : sc_.agent;
  if (!chosen) return nullptr;
  if (const auto* name = std::get_if<std::string>(&*chosen)) return *name;
  return to_json(std::get<AgentScript>(*chosen));
}

Awaitable<void> ScenarioRun::create_task(const std::string& name, const std::string& account,
                                         const std::string& title, const std::string& description,
                                         const json& mock_script, bool* out_of_credits) {
  auto* api = co_await client(account);
  ApiCall c = co_await api->create_task(title, description, mock_script);
  record(c, Endpoint::create_task, {}, name);
  if (out_of_credits && c.status() == 402) {  // the caller stops creating tasks
    *out_of_credits = true;
    step_note_ = "out of credits (402)";
    co_return;
  }
  // A task id in the body means a task exists, whatever the status says: keep it for the cleanup.
  const auto id = string_field(c.json, "task_id");
  if (id.empty()) {
    require_status(c, 201, name);
    fail("S.step.body", "the create response has no task_id", &c, name);
  }
  ++result_.tasks_created;
  if (auto old = tasks_.find(name); old != tasks_.end()) {
    replaced_.push_back(std::move(old->second));
    tasks_.erase(old);
  }
  TaskRec t;
  t.name = name;
  t.id = id;
  t.account = account;
  t.title = title;
  t.description = description;
  t.mock_script = mock_script;
  timeline(t, "created", "");
  tasks_.emplace(name, std::move(t));
  step_note_ = "task " + id;
  require_status(c, 201, name);
}

Awaitable<void> ScenarioRun::on_stall(TaskRec& t, double stalled_seconds) {
  const Policy policy = sc_.policy.value_or(Policy{});
  std::ostringstream detail;
  detail << "task " << t.id << " processing with last_activity_at " << t.stall_activity
         << " unchanged for " << std::lround(stalled_seconds)
         << " s (policy: " << policy.on_stall.after_seconds << " s)";
  if (policy.on_stall.action == Policy::OnStall::Action::fail ||
      t.recreated >= policy.on_stall.max_recreate) {
    fail("S.stall",
         detail.str() + (policy.on_stall.action == Policy::OnStall::Action::fail
                             ? ""
                             : "; every re-created task stalled too (max_recreate " +
                                   std::to_string(policy.on_stall.max_recreate) + ")"),
         evidence(t), t.name);
  }
  // A stall is the deployment's right (the guide's advice is to cancel and re-create): seen,
  // with its evidence, not failed.
  add_observation("G.stall.last_activity", detail.str() + "; cancelled and re-created",
                  evidence(t), t.name);
  // Cancel the stalled task and create it again under the same name (the guide's advice).
  const std::string name = t.name;
  const int recreated = t.recreated + 1;
  {
    auto* api = co_await client(t.account);
    ApiCall c = co_await api->cancel(t.id);
    CheckContext check;
    check.task_id = t.id;
    check.expected_status_after = "cancelled";
    record(c, Endpoint::cancel, check, t.name);
    const bool accepted = c.status() >= 200 && c.status() < 300;
    t.trace.act(ClientAction::cancel, accepted);
    timeline(t, "action", "cancel", accepted);
    report_trace(t, &c);
    if (!accepted) {
      fail("G.stall.last_activity",
           "cancelling the stalled task " + t.id + " answered " + std::to_string(c.status()), &c,
           t.name);
    }
    note_accepted(t, ClientAction::cancel, json::object());
    t.known_terminal = true;
  }
  const std::string account = t.account, title = t.title, description = t.description;
  const json script = t.mock_script;
  co_await create_task(name, account, title, description, script);
  task(name).recreated = recreated;
  step_note_ += (step_note_.empty() ? "" : "; ") + std::string("stalled, cancelled and re-created");
}

// ------------------------------------------------------------------------------------------
// Steps

Awaitable<void> ScenarioRun::step(const steps::Register& s) {
  std::string email = s.email.value_or("agentwork-{run}-" + s.account + "@example.com");
  for (auto pos = email.find("{run}"); pos != std::string::npos; pos = email.find("{run}")) {
    email.replace(pos, 5, run_tag_);
  }
  AgentworkClient fresh(ctx_.http, ctx_.config.base_url);
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
  AgentworkClient fresh(ctx_.http, ctx_.config.base_url);
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
    const TaskState state = *t.last_state;
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

Awaitable<void> ScenarioRun::step(const steps::Expect& s) {
  TaskRec& t = task(s.task);
  const StatusView v = co_await poll(t);
  std::vector<std::string> wrong;
  const TaskState state = *t.last_state;
  if (!s.status.empty() && !contains_state(s.status, state)) {
    wrong.push_back("status " + v.status + ", expected " + join_states(s.status));
  }
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

Awaitable<void> ScenarioRun::step(const steps::Request& s) {
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
      t.trace.act(*action, true);
      timeline(t, "action", action_name(*action));
      report_trace(t, &c);
      note_accepted(t, *action, s.body.value_or(json::object()));
    }
  }
  if (std::find(s.expect_status.begin(), s.expect_status.end(), c.status()) ==
      s.expect_status.end()) {
    std::string want;
    for (int w : s.expect_status) want += (want.empty() ? "" : " or ") + std::to_string(w);
    // The finding is the request's own rule, but the scenario goes on: a negative case that
    // the server gets wrong says nothing about the steps after it.
    add_finding(
        s.rule,
        s.method + " " + path + ": expected " + want + ", got " + std::to_string(c.status()), &c);
  }
  step_note_ = s.method + " " + path + " -> " + std::to_string(c.status());
}

Awaitable<void> ScenarioRun::step(const steps::AdvanceClock& s) {
  const json body = {{"action", "advance"}, {"seconds", s.seconds * scale()}};
  co_await mock_clock(&body);
  step_note_ = "mock clock advanced";
}

Awaitable<void> ScenarioRun::step(const steps::Sleep& s) {
  co_await pause(to_duration(s.seconds * scale()));
}

Awaitable<void> ScenarioRun::step(const steps::ExpectStall& s) {
  // Give up when the stall has had its time plus three polls to show.
  const auto give_up = SteadyClock::now() + to_duration(s.seconds * scale() + 3 * poll_interval_);
  for (;;) {
    TaskRec& t = task(s.task);
    const std::string before = t.stall_activity;
    const bool was_processing = t.last_state == TaskState::processing;
    const StatusView v = co_await poll(t);
    if (*t.last_state != TaskState::processing) {
      fail("S.stall.expected",
           "task " + t.id + " is " + v.status + ", expected a stall while processing", evidence(t),
           t.name);
    }
    if (was_processing && !before.empty() && v.last_activity_at != before) {
      fail("S.stall.expected",
           "task " + t.id + " last_activity_at moved from " + before + " to " + v.last_activity_at +
               ": not stalled",
           evidence(t), t.name);
    }
    const double stalled = co_await stalled_for(t);
    if (stalled >= s.seconds) {
      step_note_ = "stalled for " + std::to_string(std::lround(stalled)) + " s";
      co_return;
    }
    if (SteadyClock::now() >= give_up) {
      fail("S.stall.expected",
           "task " + t.id + " stalled for " + std::to_string(std::lround(stalled)) +
               " s only, expected " + std::to_string(std::lround(s.seconds)) + " s",
           evidence(t), t.name);
    }
    co_await pause_poll();
  }
}

Awaitable<void> ScenarioRun::step(const steps::RunPolicy& s) {
  const Policy& policy = *sc_.policy;  // the loader requires one for run_policy
  int rounds = 0, rejections = 0;
  std::string last_handled;  // message_id of the last question or proposal answered
  for (;;) {
    TaskRec& t = task(s.task);
    const StatusView v = co_await poll(t);
    const TaskState state = *t.last_state;
    if (is_terminal(state)) {
      step_note_ += (step_note_.empty() ? "" : "; ") + v.status + " after " +
                    std::to_string(rounds) + " rounds";
      co_return;
    }
    const std::string message_id =
        state == TaskState::awaiting_reply && v.question ? v.question->message_id
        : state == TaskState::awaiting_solution_approval && v.solution_message_id
            ? *v.solution_message_id
            : std::string();
    const bool waiting_for_us =
        state != TaskState::processing && (message_id.empty() || message_id != last_handled);
    if (waiting_for_us) {
      if (++rounds > policy.max_rounds) {
        fail("S.policy.max_rounds",
             "task " + t.id + ": more than " + std::to_string(policy.max_rounds) +
                 " questions and proposals",
             evidence(t), t.name);
      }
      last_handled = message_id;
      if (state == TaskState::awaiting_reply) {
        json body;
        const bool structured =
            policy.on_question.answer == Policy::OnQuestion::Answer::auto_answers && v.question &&
            v.question->type == "CLARIFYING_QUESTIONS" && !v.question->questions.empty();
        if (structured) {
          body["answers"] = auto_answers(v, policy.on_question.text);
        } else {
          body["message"] = policy.on_question.text;
        }
        co_await act(t, ClientAction::reply, body);
      } else if (rejections < policy.on_solution.reject_times) {
        ++rejections;
        const json body = {{"rejection_reason", policy.on_solution.reason}};
        co_await act(t, ClientAction::reject, body);
      } else if (policy.on_solution.then == Policy::OnSolution::Then::approve) {
        co_await act(t, ClientAction::confirm, json::object());
      } else {
        co_await act(t, ClientAction::cancel, json::object());
      }
      continue;  // poll at once: the action's effect is the next thing to check
    }
    if (state == TaskState::processing) {
      const double stalled = co_await stalled_for(t);
      if (stalled >= policy.on_stall.after_seconds) {
        co_await on_stall(t, stalled);
        continue;
      }
    }
    co_await pause_poll();
  }
}

Awaitable<void> ScenarioRun::run_step(const Step& step) {
  step_index_ = step.index;
  step_kind_ = std::string(step_kind(step.action));
  step_note_.clear();
  step_ok_ = true;
  const auto began = SteadyClock::now();
  StepRecord rec;
  rec.index = step.index;
  rec.kind = step_kind_;
  std::visit(
      [&](const auto& a) {
        if constexpr (requires { a.task; }) rec.task = a.task;
      },
      step.action);
  // The record is written however the step ends.
  struct Finish {
    ScenarioRun& run;
    StepRecord& rec;
    SteadyClock::time_point began;
    ~Finish() {
      rec.ok = run.step_ok_;
      rec.note = run.step_note_;
      rec.duration_ms =
          std::chrono::duration<double, std::milli>(SteadyClock::now() - began).count();
      run.result_.steps.push_back(std::move(rec));
    }
  } finish{*this, rec, began};
  auto op = std::visit([this](const auto& a) { return this->step(a); }, step.action);
  co_await std::move(op);
}

// ------------------------------------------------------------------------------------------
// The scenario and its cleanup

Awaitable<void> ScenarioRun::cleanup() {
  step_index_ = sc_.steps.size();
  step_kind_ = "cleanup";
  std::vector<TaskRec*> all;
  for (auto& t : replaced_) all.push_back(&t);
  for (auto& [name, t] : tasks_) all.push_back(&t);
  const auto give_up = SteadyClock::now() + ctx_.config.cleanup_timeout;
  for (TaskRec* t : all) {
    if (t->known_terminal) continue;
    if (SteadyClock::now() >= give_up) {
      add_finding("S.transport", "cleanup gave up: task " + t->id + " may still be running",
                  nullptr, t->name);
      continue;
    }
    auto it = clients_.find(t->account);
    if (it == clients_.end()) continue;
    AgentworkClient& api = it->second;
    ApiCall status = co_await api.task_status(t->id);
    const auto view = status.status() == 200 ? status_view(status.json) : std::nullopt;
    const auto state = view ? parse_task_state(view->status) : std::nullopt;
    if (state && is_terminal(*state)) continue;
    ApiCall c = co_await api.cancel(t->id);
    if (c.status() == 200) {
      ++result_.tasks_cancelled;
    } else {
      add_finding("S.step.status",
                  "cleanup: cancelling task " + t->id + " answered " + std::to_string(c.status()) +
                      (c.exchange.ok() ? "" : " (" + c.exchange.error_message + ")"),
                  &c, t->name);
    }
  }
}

Awaitable<ScenarioResult> ScenarioRun::run() {
  std::optional<Stop> stopped;
  for (const auto& step : sc_.steps) {
    if (ctx_.stopping) {
      stopped = Stop{Verdict::interrupted, "interrupted"};
      break;
    }
    try {
      co_await run_step(step);
    } catch (const Stop& s) {
      stopped = s;
    } catch (const StepFailed&) {
      break;
    } catch (const std::exception& e) {  // a bug of the harness: report it, still clean up
      stopped = Stop{Verdict::error, std::string("internal error: ") + e.what()};
    }
    if (stopped) break;
  }
  co_await cleanup();
  result_.duration_ms =
      std::chrono::duration<double, std::milli>(SteadyClock::now() - started_).count();
  if (stopped) {
    result_.verdict = stopped->verdict;
    result_.reason = stopped->reason;
  } else {
    result_.verdict = result_.failures() ? Verdict::failed : Verdict::passed;
  }
  if (result_.verdict == Verdict::interrupted || result_.verdict == Verdict::error) {
    const std::size_t done = result_.steps.size();
    result_.reason +=
        " at step " + std::to_string(done) + " of " + std::to_string(sc_.steps.size());
  }
  co_return std::move(result_);
}

Awaitable<ScenarioResult> run_scenario(RunContext& ctx, const Scenario& scenario,
                                       std::size_t ordinal) {
  ScenarioRun run(ctx, scenario, ordinal);
  ScenarioResult result = co_await run.run();
  co_return result;
}

}  // namespace agentwork::harness::detail
