// Findings and recording: what a scenario reports (findings, observations, the trace's
// violations, server errors) and what it records of each request and task (metrics, timeline).
#include <algorithm>

#include "common/rules.hpp"
#include "harness/runner/scenario_interpreter.hpp"

namespace agentwork::harness::detail {

using nlohmann::json;

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

void ScenarioRun::add_observation(std::string_view rule_id, std::string detail, const ApiCall* call,
                                  const std::string& task) {
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
  for (const auto& violation : t.track.new_violations()) {
    add_finding(violation.rule_id, "task " + t.id + ": " + violation.detail, call, t.name);
  }
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

void ScenarioRun::note_route(const ApiCall& c, const std::string& task) {
  if (c.via.empty()) return;
  step_via_.insert(c.via);
  if (c.via == "rest" && step_via_reason_.empty()) step_via_reason_ = c.via_reason;
  for (const auto& n : c.notes) {
    if (!route_rules_reported_.insert(n.rule).second) continue;  // once per scenario
    add_finding(n.rule, "MCP: " + n.detail, &c, task);
  }
}

void ScenarioRun::record(const ApiCall& c, std::optional<Endpoint> endpoint,
                         const CheckContext& check, const std::string& task) {
  note_route(c, task);
  ++result_.requests;
  const Endpoint e = endpoint ? *endpoint : endpoint_of(c.exchange.method, c.path);
  if (e != Endpoint::other) {
    int errors = c.exchange.ok() && c.status() < 500 ? 0 : 1;
    for (const auto& a : c.exchange.retried) errors += a.status == 0 || a.status >= 500;
    ctx_.metrics.record(e, c.exchange.total.count(), c.exchange.attempts - c.exchange.redirects,
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

}  // namespace agentwork::harness::detail
