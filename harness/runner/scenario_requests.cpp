// The scenario's requests: its accounts' clients, polls (fed to the task's tracker and checks),
// client actions, task creation and the waits between polls.
#include <algorithm>

#include "common/agent_script.hpp"
#include "common/timestamp.hpp"
#include "harness/runner/mcp_route.hpp"
#include "harness/runner/scenario_interpreter.hpp"

namespace agentwork::harness::detail {

using nlohmann::json;

Awaitable<AgentworkClient*> ScenarioRun::client(const std::string& account) {
  auto it = clients_.find(account);
  if (it != clients_.end()) co_return &it->second;
  // Only "main" can be missing (the loader checks every other reference): register it.
  AgentworkClient fresh = new_client(account == "main" ? ctx_.config.api_key : std::string());
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
    co_await pos->second.start_route();
  }
  co_return &pos->second;
}

AgentworkClient ScenarioRun::new_client(const std::string& key) {
  AgentworkClient c(ctx_.http, ctx_.config.base_url, key);
  if (!ctx_.config.mcp_command.empty()) {
    McpRouteConfig route{ctx_.config.mcp_command, ctx_.config.base_url,
                         ctx_.config.mcp_call_timeout, mcp_restarts_left_};
    c.set_tool_route(std::make_shared<McpRoute>(ctx_.executor, std::move(route), key));
  }
  return c;
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
  PolledStatus polled;
  polled.state = *state;
  polled.message_id = waiting_message_id(*view, *state);
  polled.last_activity_at = view->last_activity_at;
  agentwork::Micros activity = 0;
  if (agentwork::parse_timestamp(view->last_activity_at, activity)) polled.activity_us = activity;
  polled.polled_us = steady_us();
  t.track.observe(polled);
  timeline(t, "poll", std::string(to_string(*state)));
  report_trace(t, &c);
  check_after_actions(t, *view, *state, c);
  t.known_terminal = is_terminal(*state);
  t.last_view = *view;
  t.last_poll = std::move(c);
  co_return *view;
}

void ScenarioRun::check_after_actions(TaskRec& t, const StatusView& view, TaskState state,
                                      const ApiCall& c) {
  // After an accepted reply the same question must not be asked again (the task resumed).
  if (!t.replied_to.empty() && state == TaskState::awaiting_reply && view.question &&
      view.question->message_id == t.replied_to) {
    add_finding("G.message.reply_resumes",
                "task " + t.id + ": still awaiting_reply with the question " + t.replied_to +
                    " the client's accepted reply answered",
                &c, t.name);
  }
  t.replied_to.clear();
  // After an accepted REJECTED the refused proposal must not be offered again.
  if (!t.rejected.empty() && state == TaskState::awaiting_solution_approval &&
      view.solution_message_id == t.rejected) {
    add_finding("G.solution.reject",
                "task " + t.id + ": still offering the proposal " + t.rejected +
                    " the client's accepted REJECTED refused",
                &c, t.name);
  }
  t.rejected.clear();
  // Cancelled without a cancel from the client, although the mock's script never cancels.
  // Off the mock nobody knows what the agent may do: the [M] point is reported as it stands
  // (an observation under guide).
  if (state == TaskState::cancelled && !t.cancel_accepted && !t.system_cancel_reported &&
      (!ctx_.config.mock || !script_may_cancel(t.mock_script))) {
    t.system_cancel_reported = true;
    add_finding("M.lifecycle.system_cancel",
                "task " + t.id + " is cancelled; the client never cancelled it" +
                    std::string(ctx_.config.mock ? " and its agent script has no cancel" : ""),
                &c, t.name);
  }
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
  if (t.track.last_state() != TaskState::processing) co_return 0.0;
  double stalled = static_cast<double>(t.track.stalled_us(steady_us())) / 1e6;
  // The mock's clock can be moved on: measure there too (virtual-clock stalls take no time).
  const std::int64_t activity_us = t.track.last_activity_us();
  if (ctx_.config.mock && activity_us > 0) {
    const json clock = co_await mock_clock(nullptr);
    const auto now_us = clock["now_us"].get<std::int64_t>();
    stalled = std::max(stalled, static_cast<double>(now_us - activity_us) / 1e6);
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
  t.track.act(action, accepted);
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

}  // namespace agentwork::harness::detail
