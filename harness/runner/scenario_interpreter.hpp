// Internal to the runner: the interpreter of one scenario (ScenarioRun) and the per-task state it
// keeps, shared by the files that implement it: scenario_run.cpp (the run, each step's record,
// the cleanup), scenario_findings.cpp (findings and recording), scenario_requests.cpp (polls,
// actions, creates), scenario_steps.cpp (the plain client steps), scenario_policy.cpp (time,
// stalls, run_policy), cover_step.cpp (the coverage-driven live step) and fuzz_step.cpp. No Beast.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/checks/contract_checks.hpp"
#include "harness/checks/trace_checker.hpp"
#include "harness/net/agentwork_client.hpp"
#include "harness/runner/policy_io.hpp"
#include "harness/runner/scenario_run.hpp"
#include "harness/runner/task_tracker.hpp"

namespace agentwork::harness::detail {

using nlohmann::json;

// The scenario ends early: interrupted, past its deadline, or the target failed on the wire.
struct Stop {
  Verdict verdict;
  std::string reason;
};
// A step's expectation failed (its finding is recorded): the scenario stops, verdict failed.
struct StepFailed {};

std::string join_states(const std::vector<TaskState>& states);
bool contains_state(const std::vector<TaskState>& states, TaskState s);
Exchange to_exchange(const ApiCall& c);
Evidence evidence_of(const ApiCall& c);
std::string string_field(const json& j, const char* key);
// The timeline's name of an action: reply, approve, reject, cancel.
std::string action_name(ClientAction action);

// The per-task state a scenario keeps: its tracker (trace checker, stall clock), the last
// status seen, and what the checks of later polls and `new_message_id` need.
struct TaskRec {
  std::string name;
  std::string id;
  std::string account;
  // How it was created, for the policy's cancel-and-recreate.
  std::string title, description;
  json mock_script;
  TaskTracker track;
  std::optional<StatusView> last_view;
  std::optional<ApiCall> last_poll;  // the evidence of findings about the task's status
  bool known_terminal = false;
  std::string expect_message_id;  // seen by the previous `expect`
  int recreated = 0;
  // What the client did, for the checks of later polls and of the event log.
  std::string replied_to;  // question message_id an accepted reply answered; until next poll
  std::string rejected;    // proposal message_id an accepted REJECTED refused; until next poll
  bool cancel_accepted = false;  // an accepted cancel (a cancelled task is then no surprise)
  bool system_cancel_reported = false;
  std::vector<json> replies;  // accepted reply bodies, in order
  std::size_t decisions = 0;  // accepted CONFIRMED / REJECTED
};

// Steady-clock microseconds: the time base of TaskTracker.
inline std::int64_t steady_us(SteadyClock::time_point t = SteadyClock::now()) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

// The last status poll of a task, as evidence; null before the first.
const ApiCall* evidence(const TaskRec& t);
// Remembers an accepted client action for the checks of later polls and of the event log.
void note_accepted(TaskRec& t, ClientAction action, const json& body);
// The agent script of a task says it may cancel by itself (or is unknown: a name, the default).
bool script_may_cancel(const json& script);

class ScenarioRun {
 public:
  ScenarioRun(RunContext& ctx, const Scenario& s, std::size_t ordinal)
      : ctx_(ctx), sc_(s), ordinal_(ordinal) {
    result_.name = s.name;
    result_.file = s.file;
    result_.tags = s.tags;
    const double scale = ctx.config.time_scale;
    poll_interval_ = ctx.config.poll_interval_seconds.value_or(s.poll_interval_seconds) * scale;
    const double timeout =
        ctx.config.timeout_seconds.value_or(s.timeout_seconds * ctx.config.time_scale);
    started_ = SteadyClock::now();
    deadline_ = started_ + to_duration(timeout);
    run_tag_ = ctx.config.run_id + "-" + std::to_string(ordinal_);
    std::seed_seq seq{ctx.config.seed, static_cast<std::uint64_t>(ordinal_)};
    rng_.seed(seq);
  }

  Awaitable<ScenarioResult> run();

 private:
  static SteadyClock::duration to_duration(double seconds) {
    return std::chrono::duration_cast<SteadyClock::duration>(
        std::chrono::duration<double>(std::max(0.0, std::min(seconds, 1e7))));
  }
  double scale() const { return ctx_.config.time_scale; }

  // --- findings ----------------------------------------------------------------------------
  void add_finding(std::string_view rule_id, std::string detail, const ApiCall* call,
                   const std::string& task = {});
  [[noreturn]] void fail(std::string_view rule_id, std::string detail, const ApiCall* call,
                         const std::string& task = {});
  void report_trace(TaskRec& t, const ApiCall* call);

  // --- requests ----------------------------------------------------------------------------
  Awaitable<AgentworkClient*> client(const std::string& account);
  // A client with `key`; with --via mcp, with a tool route of its own (mcp_route.hpp).
  AgentworkClient new_client(const std::string& key = {});
  // --via mcp: the way a call went (for its step's record) and the route's notes as findings,
  // each MCP rule once per scenario.
  void note_route(const ApiCall& c, const std::string& task);
  // A 5xx or a transport failure, the final answer's or a retried attempt's, breaks `rule`.
  void report_server_errors(const ApiCall& c, std::string_view rule, const std::string& task);
  // Counts and times the request, reports server errors (retried ones too), stops the scenario
  // on a transport failure, contract-checks the response.
  void record(const ApiCall& c, std::optional<Endpoint> endpoint, const CheckContext& check,
              const std::string& task = {});
  // A step's request must get `want`: else S.step.status and the scenario stops.
  void require_status(const ApiCall& c, int want, const std::string& task = {});
  TaskRec& task(const std::string& name);
  // Adds an event to the timeline of task `t` (made on its first event).
  void timeline(const TaskRec& t, std::string kind, std::string value, bool ok = true);
  std::string client_key(const std::string& account) const {
    auto it = clients_.find(account);
    return it == clients_.end() ? std::string() : it->second.api_key();
  }

  // GET the task's status, counted and checked; a 5xx is reported and tried again.
  Awaitable<ApiCall> fetch_status(TaskRec& t);
  // GET the status, feed the task's tracker and checks; a status without a usable state fails
  // the step.
  Awaitable<StatusView> poll(TaskRec& t);
  // The checks a poll makes of the client's own accepted actions (a reply answered, a proposal
  // refused, no cancel sent).
  void check_after_actions(TaskRec& t, const StatusView& view, TaskState state, const ApiCall& c);
  Awaitable<void> pause(SteadyClock::duration d);
  Awaitable<void> pause_poll();
  SteadyClock::duration poll_wait();
  Awaitable<double> stalled_for(TaskRec& t);  // agent seconds processing without activity
  // Sends a client action and tells the task's checks whether the server accepted it.
  Awaitable<ApiCall> send_action(TaskRec& t, ClientAction action, const json& body);
  // send_action, and a refusal fails the step (S.step.status).
  Awaitable<void> act(TaskRec& t, ClientAction action, const json& body);
  Awaitable<void> create_task(const std::string& name, const std::string& account,
                              const std::string& title, const std::string& description,
                              const json& mock_script, bool* out_of_credits = nullptr);
  Awaitable<void> on_stall(TaskRec& t, double stalled_seconds);
  json mock_script_for(const std::optional<AgentSpec>& spec) const;
  Awaitable<json> mock_clock(const json* body);

  // --- steps -------------------------------------------------------------------------------
  Awaitable<void> run_step(const Step& step);
  Awaitable<void> step(const steps::Register& s);
  Awaitable<void> step(const steps::Login& s);
  Awaitable<void> step(const steps::UseAccount& s);
  Awaitable<void> step(const steps::Create& s);
  Awaitable<void> step(const steps::Await& s);
  Awaitable<void> step(const steps::Expect& s);
  Awaitable<void> step(const steps::Reply& s);
  Awaitable<void> step(const steps::Approve& s);
  Awaitable<void> step(const steps::Reject& s);
  Awaitable<void> step(const steps::Cancel& s);
  Awaitable<void> step(const steps::Result& s);
  Awaitable<void> step(const steps::Events& s);
  Awaitable<void> step(const steps::List& s);
  Awaitable<void> step(const steps::Request& s);
  // The request step's work: sends `s`, checks an error answer's body and the status; returns
  // the status.
  Awaitable<int> send_request(const steps::Request& s);
  // What an accepted raw request did: a task it created (to clean up), a task it moved (its
  // trace checker is told).
  void note_request_effects(const steps::Request& s, const std::string& path,
                            const std::string& account, Auth auth, const ApiCall& c);
  Awaitable<void> step(const steps::AdvanceClock& s);
  Awaitable<void> step(const steps::Sleep& s);
  Awaitable<void> step(const steps::ExpectStall& s);
  Awaitable<void> step(const steps::RunPolicy& s);
  // The run_policy step's reaction to the task's last answer `v` (not Wait, not Done).
  Awaitable<void> react(TaskRec& t, const Policy& policy, const StatusView& v,
                        const Reaction& next);
  Awaitable<void> step(const steps::Cover& s);  // cover_step.cpp
  Awaitable<void> step(const steps::Fuzz& s);   // fuzz_step.cpp
  // One generated request (its request step `r`); a request without an answer is named under
  // the case's rule before the scenario stops.
  Awaitable<int> send_fuzz_case(const FuzzCase& fc, const steps::Request& r,
                                const std::string& task);

  // --- the cover step's parts (cover_step.cpp) -----------------------------------------------
  struct CoverTask;
  struct CoverRun;
  // One look at a task of the cover step and the client's reaction; true when it is done.
  Awaitable<bool> cover_advance(CoverRun& run, CoverTask& ct);
  Awaitable<bool> cover_reply(CoverRun& run, CoverTask& ct, TaskRec& t, const StatusView& v);
  Awaitable<bool> cover_solution(CoverRun& run, CoverTask& ct, TaskRec& t, const StatusView& v);
  Awaitable<void> cover_completed(CoverRun& run, CoverTask& ct, TaskRec& t);
  // A task leaves the cover step: a look after its cancel, its event log.
  Awaitable<void> cover_finish(CoverRun& run, CoverTask& ct);
  Awaitable<bool> cover_stall(CoverRun& run, TaskRec& t, double stalled_seconds);
  // A client action whose refusal (a 4xx) breaks `refused_rule`; true when accepted. Unlike
  // act(), a refusal does not end the step.
  Awaitable<bool> try_act(TaskRec& t, ClientAction action, const json& body,
                          std::string_view refused_rule);
  // A request the contract says must be refused with `want` (a wrong state, an invalid body):
  // another status breaks `rule`. The task's trace is not told: a refusal changes nothing, and
  // an acceptance is that rule's finding, not a lifecycle move. Returns the status.
  Awaitable<int> probe(TaskRec& t, const std::string& method, const std::string& suffix,
                       const std::optional<json>& body, int want, std::string_view rule);
  // An observation whatever the rule's tag (a stall the policy handled, a system cancel).
  void add_observation(std::string_view rule_id, std::string detail, const ApiCall* call,
                       const std::string& task);

  Awaitable<void> cleanup();
  void check_client_events(const TaskRec& t, const std::vector<std::string>& reply_contents,
                           std::size_t decision_events, const ApiCall& c);

  RunContext& ctx_;
  const Scenario& sc_;
  std::size_t ordinal_;
  std::string run_tag_;
  ScenarioResult result_;
  double poll_interval_ = 1;  // wall seconds
  // The scenario's own jitter: seeded by the run's seed and the scenario's number, so that a
  // seed repeats the same waits whatever runs beside it.
  std::mt19937_64 rng_;
  SteadyClock::time_point started_, deadline_;
  std::map<std::string, AgentworkClient> clients_;  // by account name
  std::map<std::string, TaskRec> tasks_;            // by name: the current task of that name
  std::vector<TaskRec> replaced_;                   // tasks a cancel-and-recreate replaced
  // The step being run, for findings.
  std::size_t step_index_ = 0;
  std::string step_kind_;
  std::string step_note_;
  bool step_ok_ = true;
  std::set<std::string> step_via_;  // "mcp", "rest": how the step's calls went (--via mcp)
  std::string step_via_reason_;     // why the first REST call of the step was not a tool call
  std::set<std::string> route_rules_reported_;
  std::shared_ptr<int> mcp_restarts_left_ = std::make_shared<int>(1);  // one a scenario
};

}  // namespace agentwork::harness::detail
