// One task's lifecycle in a load client: create it, poll it on its schedule, read each answer
// (checked, or the previous verdict reused), feed it to the task's tracker, and carry out the
// reaction the shared policy decides (harness/runner/policy.hpp).
#include "common/timestamp.hpp"
#include "common/json_depth.hpp"
#include "harness/load/schedule.hpp"
#include "harness/load/worker.hpp"
#include "harness/runner/policy_io.hpp"

namespace agentwork::load::internal {

namespace {

const std::string kNoBody;
const std::string kEmptyObject = "{}";

// What a status answer said, kept for the next answer with the same bytes.
void remember(TaskRun::Seen& s, std::string_view status, std::string_view activity,
              std::string_view question_id, std::string_view solution_id) {
  s.state = harness::parse_task_state(status);
  s.activity.assign(activity);
  agentwork::Micros at = 0;
  s.activity_us.reset();
  if (agentwork::parse_timestamp(activity, at)) s.activity_us = at;
  if (s.state == TaskState::awaiting_reply) {
    s.message_id.assign(question_id);
  } else if (s.state == TaskState::awaiting_solution_approval) {
    s.message_id.assign(solution_id);
  } else {
    s.message_id.clear();
  }
}

}  // namespace

std::string Worker::path(const std::string& id, std::string_view suffix) const {
  std::string p = cfg_.api_prefix + "/tasks/" + id;
  p.append(suffix);
  return p;
}

Awaitable<bool> Worker::start_task(FleetClient& f) {
  if (const auto* poll = std::get_if<PollClient>(&cfg_.profile.client)) {
    f.task.emplace(poll->task_id, steady_now_us(), /*reacts=*/false);
  } else {
    // GCC 12: no locals with destructors in a block that spans a co_await.
    const bool created = co_await create_task(f);
    if (!created) co_return false;
  }
  f.task->status_path = path(f.task->id);
  f.intended_us = f.task->created_us + interval_us();
  co_return true;
}

Awaitable<bool> Worker::create_task(FleetClient& f) {
  const auto& pc = std::get<PolicyClient>(cfg_.profile.client);
  const std::string create_path = cfg_.api_prefix + "/tasks/";
  const std::string create_body = json{{"title", pc.title}, {"description", pc.description}}.dump();
  const auto intended = steady_now_us();
  auto created =
      co_await request(f.c, Endpoint::create_task, "POST", create_path, create_body, intended);
  if (!created || !created->ok()) co_return false;
  const int create_status = created->status;
  const json body = check(Endpoint::create_task, "POST", create_path, *created, {});
  const bool has_id = body.is_object() && body.contains("task_id") && body["task_id"].is_string();
  if (create_status / 100 != 2 || !has_id) co_return false;
  f.task.emplace(body["task_id"].get<std::string>(), steady_now_us(), /*reacts=*/true);
  ++created_all_;
  if (shared_.measured(intended)) metrics_.on_task_created();
  live_tasks_.insert(f.task->id);
  set_state(f.c, TaskState::processing);
  co_return true;
}

Awaitable<bool> Worker::poll_once(FleetClient& f, const Policy& policy) {
  TaskRun& t = *f.task;
  const std::int64_t intended = f.intended_us;
  auto r = co_await request(f.c, Endpoint::task_status, "GET", t.status_path, kNoBody, intended);
  if (!r) co_return false;
  const auto interval = interval_us();
  if (interval > 0 && shared_.measured(intended)) {
    metrics_.on_poll_schedule(intended, r->sent_us, interval);
  }
  co_await on_status(f.c, t, policy, *r, intended);
  if (t.outcome) co_return true;
  if (interval == 0) {  // back to back: the next poll is due now
    f.intended_us = steady_now_us();
    co_return true;
  }
  const auto next = next_poll(intended, steady_now_us(), interval);
  if (next.dropped > 0 && shared_.measured(next.intended_us)) {
    for (std::uint64_t i = 0; i < next.dropped; ++i) metrics_.on_dropped_poll();
  }
  f.intended_us = next.intended_us;
  co_return true;
}

Awaitable<void> Worker::end_task(FleetClient& f) {
  TaskRun& t = *f.task;
  if (t.react) {
    // Stopped (the cleanup's business) or given up (stalled, failed): cancel it now.
    if (!t.outcome || live_tasks_.contains(t.id)) co_await cancel_for_cleanup(f.c, t.id);
    if (t.outcome && shared_.measured(steady_now_us())) {
      metrics_.on_task_end(*t.outcome, steady_now_us() - t.created_us, t.polls);
    }
  }
  set_state(f.c, std::nullopt);
  f.task.reset();
}

bool Worker::read_answer(TaskRun& t, LoadResponse& r) {
  if (cfg_.reuse_identical_answers && t.seen && t.seen->body == r.body) {
    ++checked_;
    ++reused_verdicts_;
    for (const auto rule : t.seen->broken) count_again(rule);
    return false;
  }
  if (!t.seen) t.seen.emplace();
  TaskRun::Seen& s = *t.seen;
  s.body.assign(r.body);
  s.broken.clear();
  s.view.reset();
  harness::StatusFacts facts;
  if (harness::status_answer_clean(s.body, t.id, facts)) {
    ++checked_;  // the fast path: no rule broken, the facts read from the bytes
    remember(s, facts.status, facts.last_activity_at, facts.question_message_id,
             facts.solution_message_id);
    // A question is read in full once per new answer: the policy's reply needs it.
    if (s.state == TaskState::awaiting_reply && t.react) {
      auto view = harness::status_view(parse_json_bounded(s.body));
      if (view) s.view = std::make_unique<harness::StatusView>(std::move(*view));
    }
    return true;
  }
  const json body =
      check(Endpoint::task_status, "GET", t.status_path, r, {t.id, ""}, &s.broken);
  auto view = harness::status_view(body);
  const auto question_id = view && view->question ? view->question->message_id : "";
  remember(s, view ? view->status : "", view ? view->last_activity_at : "", question_id,
           view ? view->solution_message_id.value_or("") : "");
  if (!view) s.state.reset();
  if (s.state == TaskState::awaiting_reply) {
    s.view = std::make_unique<harness::StatusView>(std::move(*view));
  }
  return true;
}

bool Worker::observe(TaskRun& t, const LoadResponse& r) {
  const TaskRun::Seen& seen = *t.seen;
  harness::PolledStatus polled;
  polled.state = *seen.state;
  polled.message_id = seen.message_id;
  polled.last_activity_at = seen.activity;
  polled.activity_us = seen.activity_us;
  polled.polled_us = r.done_us;  // the transport's own clock: no second read per poll
  const bool changed = t.track.observe(polled);
  if (t.react) record_trace_violations(t, r);
  return changed;
}

Awaitable<void> Worker::on_status(Client& c, TaskRun& t, const Policy& policy, LoadResponse& r,
                                  std::int64_t intended) {
  const bool measured = shared_.measured(intended);
  if (!r.ok() || r.status != 200) {
    if (r.ok()) check(Endpoint::task_status, "GET", t.status_path, r, {t.id, ""});
    if (++t.poll_errors >= cfg_.max_consecutive_poll_errors) t.outcome = TaskOutcome::failed;
    co_return;
  }
  t.poll_errors = 0;
  ++t.polls;
  const bool fresh = read_answer(t, r);
  const TaskRun::Seen& seen = *t.seen;
  if (!seen.state) {
    if (measured) metrics_.on_poll(false);
    co_return;  // the checks said why
  }
  const bool changed = observe(t, r);
  if (measured) {
    metrics_.on_poll(changed);
    if (changed && seen.activity_us) metrics_.on_transition(wall_now_us() - *seen.activity_us);
  }
  set_state(c, *seen.state);
  if (!t.react) {
    if (harness::is_terminal(*seen.state)) {
      t.outcome =
          *seen.state == TaskState::completed ? TaskOutcome::completed : TaskOutcome::cancelled;
    }
    co_return;
  }
  harness::PolicyView view;
  view.state = *seen.state;
  view.message_id = seen.message_id;
  view.clarifying_questions =
      seen.view && harness::policy_view(*seen.view, view.state).clarifying_questions;
  view.stalled_seconds = static_cast<double>(t.track.stalled_us(r.done_us)) / kMicros;
  view.already_decided = !fresh;
  const harness::Reaction next = harness::decide(policy, view, t.policy);
  harness::note_reaction(t.policy, view, next);
  co_await react(c, t, next);
}

Awaitable<void> Worker::react(Client& c, TaskRun& t, const harness::Reaction& next) {
  namespace reaction = harness::reaction;
  if (const auto* done = std::get_if<reaction::Done>(&next)) {
    if (done->state == TaskState::completed) {
      const std::string result_path = path(t.id, "/result");
      auto res =
          co_await request(c, Endpoint::result, "GET", result_path, kNoBody, steady_now_us());
      if (res && res->ok()) check(Endpoint::result, "GET", result_path, *res, {t.id, ""});
      finish(t, TaskOutcome::completed);
    } else {
      finish(t, TaskOutcome::cancelled);
    }
    co_return;
  }
  if (std::holds_alternative<reaction::Stalled>(next)) t.outcome = TaskOutcome::stalled;
  if (std::holds_alternative<reaction::GiveUp>(next)) t.outcome = TaskOutcome::failed;
  const auto action = harness::action_of(next);
  if (!action) co_return;  // waiting, or given up (run_task cancels it)
  // The request, as plain values (GCC 12: no temporaries from literals across co_await).
  Endpoint ep = Endpoint::message;
  std::string suffix = "/message", payload, expected_after = "processing";
  if (const auto* reply = std::get_if<reaction::Reply>(&next)) {
    const harness::StatusView none;
    payload = harness::reply_body(*reply, t.seen->view ? *t.seen->view : none).dump();
  } else if (const auto* reject = std::get_if<reaction::Reject>(&next)) {
    ep = Endpoint::solution_status;
    suffix = "/solution-status";
    payload =
        json{{"status", "REJECTED"}, {"rejection_reason", std::string(reject->reason)}}.dump();
  } else if (*action == harness::ClientAction::confirm) {
    ep = Endpoint::solution_status;
    suffix = "/solution-status";
    payload = json{{"status", "CONFIRMED"}}.dump();
    expected_after = "completed";
  } else {
    ep = Endpoint::cancel;
    suffix = "/cancel";
    payload = kEmptyObject;
    expected_after = "cancelled";
  }
  co_await act(c, t, *action, ep, suffix, payload, expected_after);
}

Awaitable<void> Worker::act(Client& c, TaskRun& t, harness::ClientAction action, Endpoint ep,
                            const std::string& suffix, const std::string& body,
                            const std::string& expected_after) {
  const std::string p = path(t.id, suffix);
  auto r = co_await request(c, ep, "POST", p, body, steady_now_us());
  if (!r) co_return;
  const bool accepted = r->ok() && r->status / 100 == 2;
  if (r->ok()) {
    const auto contract_ep = ep == Endpoint::message    ? Endpoint::message
                             : ep == Endpoint::solution_status ? Endpoint::solution_status
                                                        : Endpoint::cancel;
    check(contract_ep, "POST", p, *r, {t.id, expected_after});
  }
  // An accepted action: the state it caused is known to the tracker, not a transition to
  // detect; its last_activity_at is learnt at the next poll.
  t.track.act(action, accepted);
  record_trace_violations(t, *r);
}

void Worker::finish(TaskRun& t, TaskOutcome outcome) {
  t.outcome = outcome;
  live_tasks_.erase(t.id);
}

void Worker::record_trace_violations(TaskRun& t, const LoadResponse& r) {
  for (const auto& violation : t.track.new_violations()) {
    record_failure(violation.rule_id, [&](CheckFailure& cf) {
      cf.detail = "task " + t.id + ": " + violation.detail;
      cf.evidence.method = "GET";
      cf.evidence.path = path(t.id);
      cf.evidence.status = r.status;
    });
  }
}

Awaitable<void> Worker::cancel_for_cleanup(Client& c, const std::string& id) {
  if (!live_tasks_.contains(id)) co_return;
  const std::string p = path(id, "/cancel");
  auto r = co_await request(c, Endpoint::cancel, "POST", p, kEmptyObject, steady_now_us(), true);
  // 409: already terminal (it finished meanwhile) also leaves nothing behind.
  if (r && r->ok() && (r->status / 100 == 2 || r->status == 409)) {
    ++cleanup_.cancelled;
    live_tasks_.erase(id);
  }
}

}  // namespace agentwork::load::internal
