// The `cover` step: a coverage-driven live run. It keeps tasks in flight (up to `parallel`, at
// most `max_tasks` in all), gives each a role (cancel at once, cancel when it asks, or drive to
// completion), reacts to whatever the deployment's agents do, and stops once every wanted
// interaction of harness/runner/live_coverage.hpp has been seen or the budget is spent. One
// coroutine polls every task in flight once per poll interval, so that each check and each action
// happens in a known order. Probes of refusals (a wrong state, an invalid body) ride on the tasks
// in flight, once per run each.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "common/rules.hpp"
#include "harness/runner/live_coverage.hpp"
#include "harness/runner/scenario_interpreter.hpp"

namespace agentwork::harness::detail {

struct ScenarioRun::CoverTask {
  std::string name;  // "#cover-<n>"
  TaskRole role = TaskRole::full;
  int rounds = 0;            // questions and proposals handled
  int rejections = 0;        // proposals rejected
  std::string last_handled;  // message_id of the last question or proposal acted on
  std::string rejected_id;   // the proposal a REJECTED refused, until its revision shows
  SteadyClock::time_point handled_at{};  // when last_handled was acted on
  bool replied = false, decided = false, approved = false;
  bool acted = false;  // an accepted reply or REJECTED: a cancel_after_reply task may cancel
};

struct ScenarioRun::CoverRun {
  const steps::Cover& step;
  const Policy& policy;
  LiveCoverage coverage;
  std::vector<CoverTask> active;
  std::size_t created = 0;
  int stalls_in_a_row = 0;      // reset when a task shows progress
  bool out_of_credits = false;  // a create answered 402: no more tasks
};

namespace {

const json kNoBody = json::object();

std::vector<Interaction> wanted_of(const steps::Cover& s) {
  std::vector<Interaction> out;
  for (const auto& name : s.want) {
    if (auto i = parse_interaction(name)) out.push_back(*i);  // the loader checked every name
  }
  return out;
}

Interaction question_interaction(const std::string& type) {
  if (type == "single_select") return Interaction::question_single_select;
  if (type == "multi_select") return Interaction::question_multi_select;
  return Interaction::question_text;
}

Interaction reply_interaction(ReplyStyle style) {
  switch (style) {
    case ReplyStyle::answers:
      return Interaction::reply_answers;
    case ReplyStyle::message:
      return Interaction::reply_message;
    case ReplyStyle::content:
      return Interaction::reply_content;
    case ReplyStyle::message_and_answers:
      return Interaction::reply_message_and_answers;
  }
  return Interaction::reply_answers;
}

}  // namespace

Awaitable<bool> ScenarioRun::try_act(TaskRec& t, ClientAction action, const json& body,
                                     std::string_view refused_rule) {
  const ApiCall c = co_await send_action(t, action, body);
  const bool accepted = c.status() >= 200 && c.status() < 300;
  if (!accepted && c.status() < 500) {  // a 5xx is reported by record() under the same rule
    add_finding(refused_rule,
                c.exchange.method + " " + c.path + " " + c.request_body + ": expected 200, got " +
                    std::to_string(c.status()),
                &c, t.name);
  }
  co_return accepted;
}

Awaitable<int> ScenarioRun::probe(TaskRec& t, const std::string& method, const std::string& suffix,
                                  const std::optional<json>& body, int want,
                                  std::string_view rule) {
  auto* api = co_await client(t.account);
  const std::string path = "/tasks/" + t.id + suffix;
  std::optional<std::string> text;
  if (body) text = body->dump();
  ApiCall c = co_await api->raw(method, path, text, Auth::key);
  const Endpoint endpoint = endpoint_of(method, path);
  CheckContext check;
  check.task_id = t.id;
  record(c, endpoint == Endpoint::other ? std::nullopt : std::optional(endpoint), check, t.name);
  if (c.status() != want && c.status() < 500) {
    add_finding(rule,
                method + " " + path + (text ? " " + *text : std::string()) + " (task " +
                    std::string(t.track.last_state() ? to_string(*t.track.last_state()) : "?") +
                    "): expected " + std::to_string(want) + ", got " + std::to_string(c.status()),
                &c, t.name);
  }
  co_return c.status();
}

Awaitable<bool> ScenarioRun::cover_stall(CoverRun& run, TaskRec& t, double stalled_seconds) {
  std::ostringstream detail;
  detail << "task " << t.id << " processing with last_activity_at " << t.track.last_activity_at()
         << " unchanged for " << std::lround(stalled_seconds)
         << " s (policy: " << run.policy.on_stall.after_seconds << " s)";
  run.coverage.see(Interaction::stall);
  if (run.policy.on_stall.action == Policy::OnStall::Action::fail) {
    fail("S.stall", detail.str(), evidence(t), t.name);
  }
  if (++run.stalls_in_a_row > run.policy.on_stall.max_recreate) {
    fail("S.stall",
         detail.str() + "; " + std::to_string(run.stalls_in_a_row) +
             " tasks in a row stalled (max_recreate " +
             std::to_string(run.policy.on_stall.max_recreate) + ")",
         evidence(t), t.name);
  }
  add_observation("G.stall.last_activity",
                  detail.str() + "; cancelled as the guide advises, another task takes its place",
                  evidence(t), t.name);
  co_await try_act(t, ClientAction::cancel, kNoBody, "G.stall.last_activity");
  co_return true;
}

Awaitable<bool> ScenarioRun::cover_reply(CoverRun& run, CoverTask& ct, TaskRec& t,
                                         const StatusView& v) {
  LiveCoverage& cov = run.coverage;
  const bool clarifying =
      v.question && v.question->type == "CLARIFYING_QUESTIONS" && !v.question->questions.empty();
  if (v.question && v.question->type == "TO_CUSTOMER") cov.see(Interaction::to_customer);
  if (clarifying) {
    for (const auto& q : v.question->questions) {
      cov.see(question_interaction(string_field(q, "type")));
    }
  }
  if (ct.role == TaskRole::cancel_when_waiting && !cov.seen(Interaction::cancel_awaiting_reply)) {
    if (co_await try_act(t, ClientAction::cancel, kNoBody, "G.cancel.cancels")) {
      cov.see(Interaction::cancel_awaiting_reply);
    }
    co_return true;
  }
  // Refusals the contract names, while a reply is awaited: then look again before replying.
  bool probed = false;
  if (!cov.seen(Interaction::solution_wrong_state)) {
    const std::optional<json> confirm = json{{"status", "CONFIRMED"}};
    co_await probe(t, "POST", "/solution-status", confirm, 409, "M.solution.wrong_state");
    cov.see(Interaction::solution_wrong_state);
    probed = true;
  }
  if (!cov.seen(Interaction::message_invalid)) {
    const std::optional<json> empty = json::object();
    co_await probe(t, "POST", "/message", empty, 422, "M.message.invalid");
    cov.see(Interaction::message_invalid);
    probed = true;
  }
  if (probed) {
    const StatusView again = co_await poll(t);
    if (*t.track.last_state() != TaskState::awaiting_reply || !again.question || !v.question ||
        again.question->message_id != v.question->message_id) {
      co_return false;  // the next look reacts to whatever the task does now
    }
  }
  const ReplyStyle style = cov.reply_style(clarifying);
  json body;
  const std::string text = run.policy.on_question.text;
  if (style == ReplyStyle::content) body["content"] = text;
  if (style == ReplyStyle::message || style == ReplyStyle::message_and_answers) {
    body["message"] = text;
  }
  if (style == ReplyStyle::answers || style == ReplyStyle::message_and_answers) {
    body["answers"] = auto_answers(v, text);
  }
  const auto rule = success_rule(Endpoint::message, body.dump());
  if (co_await try_act(t, ClientAction::reply, body, rule)) {
    ct.acted = true;
    // A plain-text reply only counts for its rule when it answered clarifying questions.
    if (clarifying || style == ReplyStyle::content) cov.see(reply_interaction(style));
    ct.replied = true;
  }
  co_return false;
}

Awaitable<bool> ScenarioRun::cover_solution(CoverRun& run, CoverTask& ct, TaskRec& t,
                                            const StatusView& v) {
  LiveCoverage& cov = run.coverage;
  const std::string id = v.solution_message_id.value_or("");
  if (!ct.rejected_id.empty() && id != ct.rejected_id) {
    cov.see(Interaction::reject_revised);  // a new proposal after the rejection
    ct.rejected_id.clear();
  }
  if (ct.role == TaskRole::cancel_when_waiting &&
      !cov.seen(Interaction::cancel_awaiting_approval)) {
    if (co_await try_act(t, ClientAction::cancel, kNoBody, "G.cancel.cancels")) {
      cov.see(Interaction::cancel_awaiting_approval);
    }
    co_return true;
  }
  bool probed = false;
  if (!cov.seen(Interaction::message_wrong_state)) {
    const std::optional<json> message = json{{"message", run.policy.on_question.text}};
    co_await probe(t, "POST", "/message", message, 409, "M.message.wrong_state");
    cov.see(Interaction::message_wrong_state);
    probed = true;
  }
  if (!cov.seen(Interaction::solution_invalid)) {
    const std::optional<json> maybe = json{{"status", "MAYBE"}};
    co_await probe(t, "POST", "/solution-status", maybe, 422, "M.solution.invalid");
    cov.see(Interaction::solution_invalid);
    probed = true;
  }
  if (probed) {
    const StatusView again = co_await poll(t);
    if (*t.track.last_state() != TaskState::awaiting_solution_approval ||
        again.solution_message_id != v.solution_message_id) {
      co_return false;
    }
  }
  const bool reject_to_cancel = ct.role == TaskRole::cancel_after_reply;  // then processing
  if (reject_to_cancel || cov.should_reject(ct.rejections, run.policy.on_solution.reject_times)) {
    json body;
    body["rejection_reason"] = run.policy.on_solution.reason;
    if (co_await try_act(t, ClientAction::reject, body, "G.solution.reject")) {
      ++ct.rejections;
      ct.rejected_id = id;
      ct.decided = ct.acted = true;
    }
    co_return false;
  }
  if (run.policy.on_solution.then == Policy::OnSolution::Then::cancel) {
    co_await try_act(t, ClientAction::cancel, kNoBody, "G.cancel.cancels");
    co_return true;
  }
  ct.approved = co_await try_act(t, ClientAction::confirm, kNoBody, "G.solution.confirm");
  ct.decided = ct.decided || ct.approved;
  co_return false;
}

Awaitable<void> ScenarioRun::cover_completed(CoverRun& run, CoverTask& ct, TaskRec& t) {
  LiveCoverage& cov = run.coverage;
  if (ct.approved) cov.see(Interaction::approve_completed);
  auto* api = co_await client(t.account);
  ApiCall c = co_await api->result(t.id);
  CheckContext check;
  check.task_id = t.id;
  record(c, Endpoint::result, check, t.name);
  if (c.status() == 200) {
    cov.see(Interaction::result_fetched);
    const json files = c.json.is_object() ? c.json.value("files", json::array()) : json::array();
    std::size_t fetched = 0;
    for (const auto& f : files.is_array() ? files : json::array()) {
      const std::string url = string_field(f, "download_url");
      if (url.empty()) continue;  // the contract check has said so
      ApiCall d = co_await api->download(url);
      record(d, Endpoint::file_download, {}, t.name);
      ++fetched;
    }
    if (fetched > 0) cov.see(Interaction::files_downloaded);
  }
  if (!cov.seen(Interaction::cancel_terminal)) {
    const std::optional<json> none;
    co_await probe(t, "POST", "/cancel", none, 409, "M.cancel.terminal");
    cov.see(Interaction::cancel_terminal);
  }
  // Terminal means terminal: look twice more.
  co_await poll(t);
  co_await poll(t);
}

Awaitable<void> ScenarioRun::cover_finish(CoverRun& run, CoverTask& ct) {
  TaskRec& t = task(ct.name);
  // A cancel the server accepted must show: look once (the trace checker judges it).
  if (t.cancel_accepted && t.track.last_state() != TaskState::cancelled) co_await poll(t);
  // The event log of every task the client replied to, whatever its role: each accepted reply
  // and decision must be in it, a structured reply with its answers.
  if (ct.replied) {
    const steps::Events events{ct.name, {}};
    co_await step(events);
    run.coverage.see(Interaction::events_read);
  }
}

Awaitable<bool> ScenarioRun::cover_advance(CoverRun& run, CoverTask& ct) {
  LiveCoverage& cov = run.coverage;
  TaskRec& t = task(ct.name);
  const StatusView v = co_await poll(t);
  const TaskState state = *t.track.last_state();
  if (state != TaskState::processing) run.stalls_in_a_row = 0;
  // Processing since the last action: whatever waits next is new, even under the same id.
  if (state == TaskState::processing) ct.last_handled.clear();
  if (state == TaskState::cancelled) {
    if (!t.cancel_accepted) cov.see(Interaction::system_cancel);
    co_return true;
  }
  if (state == TaskState::completed) {
    co_await cover_completed(run, ct, t);
    co_return true;
  }
  if (state == TaskState::processing) {
    if (ct.role == TaskRole::cancel_after_reply && ct.acted) {
      if (co_await try_act(t, ClientAction::cancel, kNoBody, "G.cancel.cancels")) {
        cov.see(Interaction::cancel_processing);
      }
      co_return true;
    }
    if (!cov.seen(Interaction::result_not_completed)) {
      const std::optional<json> none;
      co_await probe(t, "GET", "/result", none, 409, "M.result.not_completed");
      cov.see(Interaction::result_not_completed);
    }
    const double stalled = co_await stalled_for(t);
    if (stalled >= run.policy.on_stall.after_seconds)
      co_return co_await cover_stall(run, t, stalled);
    co_return false;
  }
  const std::string id = state == TaskState::awaiting_reply && v.question
                             ? v.question->message_id
                             : v.solution_message_id.value_or("");
  if (!id.empty() && id == ct.last_handled) {  // acted on; not moved on yet
    // A task that does not move after the client's action for as long as a stall takes is
    // given up (its checks have said what broke): the run goes on with other tasks instead of
    // waiting for the deadline.
    const double waited = std::chrono::duration<double>(SteadyClock::now() - ct.handled_at).count();
    if (waited / scale() < run.policy.on_stall.after_seconds) co_return false;
    step_note_ = "task " + t.id + " gave up: still " + std::string(to_string(state)) +
                 " after the client acted";
    co_await try_act(t, ClientAction::cancel, kNoBody, "G.cancel.cancels");
    co_return true;
  }
  if (++ct.rounds > run.policy.max_rounds) {
    fail("S.policy.max_rounds",
         "task " + t.id + ": more than " + std::to_string(run.policy.max_rounds) +
             " questions and proposals",
         evidence(t), t.name);
  }
  ct.last_handled = id;
  ct.handled_at = SteadyClock::now();
  if (state == TaskState::awaiting_reply) co_return co_await cover_reply(run, ct, t, v);
  co_return co_await cover_solution(run, ct, t, v);
}

Awaitable<void> ScenarioRun::step(const steps::Cover& s) {
  CoverRun run{s, *sc_.policy, LiveCoverage(wanted_of(s)), {}, 0, 0, false};
  const std::size_t max_tasks = ctx_.config.max_tasks.value_or(s.max_tasks);
  const auto stop_at =
      s.max_seconds
          ? std::min(deadline_, SteadyClock::now() + to_duration(*s.max_seconds * scale()))
          : deadline_;
  for (;;) {
    // Top up: new tasks while something is missing and the budget allows.
    for (;;) {
      std::vector<TaskRole> roles;
      for (const auto& ct : run.active) roles.push_back(ct.role);
      if (run.active.size() >= s.parallel || run.created >= max_tasks || run.out_of_credits ||
          run.coverage.complete() || SteadyClock::now() >= stop_at ||
          !run.coverage.worth_another_task(roles)) {
        break;
      }
      CoverTask ct;
      ct.name = "#cover-" + std::to_string(++run.created);
      ct.role = run.coverage.next_role(roles);
      co_await create_task(ct.name, s.account, s.title, s.description, nullptr,
                           &run.out_of_credits);
      if (run.out_of_credits) {
        --run.created;
        break;
      }
      run.active.push_back(std::move(ct));
    }
    if (run.active.empty() || run.coverage.complete() || SteadyClock::now() >= stop_at) break;
    for (std::size_t i = 0; i < run.active.size();) {
      if (co_await cover_advance(run, run.active[i])) {
        co_await cover_finish(run, run.active[i]);
        run.active.erase(run.active.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
    if (run.coverage.complete()) break;
    if (!run.active.empty()) co_await pause(std::min(poll_wait(), stop_at - SteadyClock::now()));
  }
  // Tasks still in flight are cancelled by the scenario's cleanup.
  for (auto& ns : run.coverage.not_seen(sc_.covers, run.created)) {
    result_.not_seen.push_back(std::move(ns));
  }
  std::string missing;
  for (auto i : run.coverage.missing())
    missing += (missing.empty() ? "" : ", ") + std::string(to_string(i));
  step_note_ =
      std::to_string(run.created) + " tasks" +
      (run.out_of_credits ? " (then out of credits)" : "") + "; " +
      (missing.empty() ? std::string("every wanted interaction seen") : "not seen: " + missing);
}

}  // namespace agentwork::harness::detail
