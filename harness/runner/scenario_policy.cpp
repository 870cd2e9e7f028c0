// Time, stalls and the reactive policy: the mock's clock, sleeps, expected stalls, the stall
// handling shared by `await` and `run_policy`, and `run_policy` itself over decide()
// (harness/runner/policy.hpp).
#include <cmath>
#include <sstream>

#include "harness/runner/scenario_interpreter.hpp"

namespace agentwork::harness::detail {

using nlohmann::json;

Awaitable<void> ScenarioRun::on_stall(TaskRec& t, double stalled_seconds) {
  const Policy policy = sc_.policy.value_or(Policy{});
  std::ostringstream detail;
  detail << "task " << t.id << " processing with last_activity_at " << t.track.last_activity_at()
         << " unchanged for " << std::lround(stalled_seconds)
         << " s (policy: " << policy.on_stall.after_seconds << " s)";
  if (harness::on_stall(policy, t.recreated) == StallAction::fail) {
    fail("S.stall",
         detail.str() + (policy.on_stall.action == Policy::OnStall::Action::fail
                             ? ""
                             : "; every re-created task stalled too (max_recreate " +
                                   std::to_string(policy.on_stall.max_recreate) + ")"),
         evidence(t), t.name);
  }
  // A stall is the deployment's right (the guide's advice is to cancel and re-create): seen,
  // with its evidence, not failed.
  add_observation("G.stall.last_activity", detail.str() + "; cancelled and re-created", evidence(t),
                  t.name);
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
    t.track.act(ClientAction::cancel, accepted);
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
    const std::string before = t.track.last_activity_at();
    const bool was_processing = t.track.last_state() == TaskState::processing;
    const StatusView v = co_await poll(t);
    if (*t.track.last_state() != TaskState::processing) {
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
  PolicyState state;  // the step's: a re-created task carries on where the stalled one stopped
  for (;;) {
    TaskRec& t = task(s.task);
    const StatusView v = co_await poll(t);
    const TaskState polled = *t.track.last_state();
    // The stall clock may read the mock's: only while processing, when the policy looks at it.
    double stalled = 0;
    if (polled == TaskState::processing) stalled = co_await stalled_for(t);
    const PolicyView view = policy_view(v, polled, stalled);
    const Reaction next = decide(policy, view, state);
    note_reaction(state, view, next);
    if (std::holds_alternative<reaction::Done>(next)) {
      step_note_ += (step_note_.empty() ? "" : "; ") + v.status + " after " +
                    std::to_string(state.rounds) + " rounds";
      co_return;
    }
    if (std::holds_alternative<reaction::Wait>(next)) {
      co_await pause_poll();
      continue;
    }
    // Otherwise poll again at once: the reaction's effect is the next thing to check.
    co_await react(t, policy, v, next);
  }
}

Awaitable<void> ScenarioRun::react(TaskRec& t, const Policy& policy, const StatusView& v,
                                   const Reaction& next) {
  if (const auto* stalled = std::get_if<reaction::Stalled>(&next)) {
    co_await on_stall(t, stalled->seconds);
  } else if (std::holds_alternative<reaction::GiveUp>(next)) {
    fail("S.policy.max_rounds",
         "task " + t.id + ": more than " + std::to_string(policy.max_rounds) +
             " questions and proposals",
         evidence(t), t.name);
  } else if (const auto* reply = std::get_if<reaction::Reply>(&next)) {
    const json body = reply_body(*reply, v);
    co_await act(t, ClientAction::reply, body);
  } else if (const auto* reject = std::get_if<reaction::Reject>(&next)) {
    const json body = {{"rejection_reason", std::string(reject->reason)}};
    co_await act(t, ClientAction::reject, body);
  } else {
    co_await act(t, *action_of(next), json::object());  // approve or cancel
  }
}

}  // namespace agentwork::harness::detail
