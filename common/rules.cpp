#include "common/rules.hpp"

#include <array>

namespace agentwork {
namespace {

constexpr Tag G = Tag::guide;
constexpr Tag M = Tag::mock;

constexpr std::array kRules = std::to_array<Rule>({
    // 1. The lifecycle
    {"G.lifecycle.edges", G, "1",
     "the polled states and the client's actions are explained by a path through the edge table"},
    {"G.lifecycle.terminal", G, "1",
     "completed and cancelled are terminal: no other state after them"},
    {"G.lifecycle.completion_needs_confirm", G, "1",
     "a task reaches completed only after the client's CONFIRMED"},
    {"M.lifecycle.system_cancel", M, "1",
     "the mock cancels a task by itself only when its agent script says so"},
    // 2. The status response
    {"G.status.shape", G, "2", "200 with a JSON object body"},
    {"G.status.task_id", G, "2", "task_id equals the requested id"},
    {"G.status.enum", G, "2",
     "status is one of processing, awaiting_reply, awaiting_solution_approval, completed, "
     "cancelled"},
    {"G.status.last_activity_at.format", G, "2",
     "last_activity_at is an ISO-8601 timestamp (optional fraction, Z or offset)"},
    {"G.status.last_activity_at.changes", G, "2",
     "last_activity_at changes whenever the task's state changes"},
    {"G.status.last_activity_at.monotonic", G, "2", "last_activity_at never goes backwards"},
    {"M.status.last_activity_at.precision", M, "2", "the mock gives microseconds and UTC Z"},
    {"G.status.question.presence", G, "2",
     "question is present exactly when status is awaiting_reply"},
    {"G.status.question.fields", G, "2",
     "question has message_id, content (string) and type CLARIFYING_QUESTIONS or TO_CUSTOMER"},
    {"G.status.question.clarifying_content", G, "2",
     "CLARIFYING_QUESTIONS content is a JSON string of {type: clarifying_questions, questions}"},
    {"G.status.question.item", G, "2",
     "each clarifying question has type text/single_select/multi_select and a question string"},
    {"G.status.question.options", G, "2",
     "options are null for text and 1 to 5 strings for single_select and multi_select"},
    {"G.status.solution.presence", G, "2",
     "solution is present exactly when status is awaiting_solution_approval"},
    {"G.status.solution.fields", G, "2", "solution has message_id and content"},
    {"M.status.message_id.new", M, "2", "a new question or a new proposal gets a new message_id"},
    // 3. Endpoints
    {"G.register.created", G, "3 POST /auth/register",
     "201 with api_key, key_prefix, organization_id, organization_short_id, user_id"},
    {"G.register.email_taken", G, "3 POST /auth/register", "409 when the email is taken"},
    {"M.register.email_case", M, "3 POST /auth/register",
     "the email match for 409 is case-insensitive"},
    {"M.register.invalid", M, "3 POST /auth/register",
     "422 for a missing or invalid email or name"},
    {"G.register.organization_optional", G, "3 POST /auth/register",
     "organization_name may be omitted (it is generated)"},
    {"G.keys.api_key_prefix", G, "3", "api_key starts with aw_live_"},
    {"G.keys.key_prefix", G, "3", "key_prefix is the first 16 characters of api_key"},
    {"M.keys.short_id", M, "3", "organization_short_id is 5 letters or digits"},
    {"M.ids.uuid", M, "3", "task, organization, user and message ids are UUIDs"},
    {"G.api_key.exchange", G, "3 POST /auth/api-key", "an account's email and password give a key"},
    {"M.api_key.created", M, "3 POST /auth/api-key",
     "201 with api_key, key_prefix, key_name, organization_id, user_id"},
    {"M.api_key.bad_credentials", M, "3 POST /auth/api-key", "401 for a wrong email or password"},
    {"G.auth.required", G, "3", "401 for a missing or invalid Bearer key on every task endpoint"},
    {"M.auth.www_authenticate", M, "3", "401 responses carry WWW-Authenticate: Bearer"},
    {"G.create.created", G, "3 POST /tasks/", "201 with task_id and status processing"},
    {"M.create.invalid", M, "3 POST /tasks/", "422 for a missing or empty title or description"},
    {"M.credits.exhausted", M, "5", "402 with a detail once an organization runs out of credits"},
    {"G.list.tasks", G, "3 GET /tasks/",
     "200 with all tasks of the caller's organization and their status"},
    {"M.list.shape", M, "3 GET /tasks/",
     "{tasks: [{task_id, title, status, created_at, last_activity_at}]}, newest first"},
    {"G.isolation.list", G, "3 GET /tasks/", "another organization's tasks are never listed"},
    {"G.isolation.not_found", G, "3",
     "404 for an unknown task id or another organization's task, on every task endpoint"},
    {"M.message.accepted", M, "3 POST /tasks/{id}/message",
     "200 with {task_id, status: processing}"},
    {"G.message.content_alias", G, "3 POST /tasks/{id}/message",
     "message and content are interchangeable"},
    {"G.message.answers_win", G, "3 POST /tasks/{id}/message",
     "with both message and answers, answers take precedence"},
    {"G.message.plain_text", G, "3 POST /tasks/{id}/message",
     "plain text is always accepted, also for clarifying questions"},
    {"G.message.reply_resumes", G, "1", "a reply moves awaiting_reply to processing"},
    {"M.message.wrong_state", M, "3 POST /tasks/{id}/message",
     "409 when the task is not awaiting_reply"},
    {"M.message.invalid", M, "3 POST /tasks/{id}/message",
     "422 for no field, question_index out of range, or selected of the wrong type"},
    {"M.solution.accepted", M, "3 POST /tasks/{id}/solution-status", "200 with {task_id, status}"},
    {"G.solution.confirm", G, "3 POST /tasks/{id}/solution-status", "CONFIRMED completes the task"},
    {"G.solution.reject", G, "3 POST /tasks/{id}/solution-status",
     "REJECTED sends the task back to processing and the agent revises"},
    {"M.solution.wrong_state", M, "3 POST /tasks/{id}/solution-status",
     "409 when the task is not awaiting_solution_approval"},
    {"M.solution.invalid", M, "3 POST /tasks/{id}/solution-status", "422 for other status values"},
    {"G.events.shape", G, "3 GET /tasks/{id}/events",
     "200 with {task_id, events: [{timestamp, type, content}]}"},
    {"G.events.type", G, "3 GET /tasks/{id}/events",
     "event type is status, question, reply, message_to_customer, solution_proposed or "
     "solution_decision"},
    {"M.events.append_only", M, "3 GET /tasks/{id}/events",
     "events are append-only with non-decreasing timestamps"},
    {"M.events.client_actions", M, "3 GET /tasks/{id}/events",
     "every reply and decision appears as a reply / solution_decision event"},
    {"M.events.answers_shown", M, "3 GET /tasks/{id}/events",
     "a structured reply's event shows the answers, not the message"},
    {"G.cancel.cancels", G, "3 POST /tasks/{id}/cancel", "200, and the task becomes cancelled"},
    {"M.cancel.terminal", M, "3 POST /tasks/{id}/cancel", "409 when the task is already terminal"},
    {"G.result.shape", G, "3 GET /tasks/{id}/result",
     "200 with {task_id, status: completed, result_text, files: [{name, download_url}]}"},
    {"M.result.download", M, "3 GET /tasks/{id}/result", "every download_url answers 200"},
    {"M.result.not_completed", M, "3 GET /tasks/{id}/result", "409 when the task is not completed"},
    {"M.errors.detail", M, "3", "error bodies are {\"detail\": \"...\"}"},
    {"M.http.unparseable", M, "3", "a body that is not JSON gets 422"},
    {"M.http.method", M, "3", "a wrong method gets 405"},
    {"M.http.unknown_path", M, "3", "an unknown path gets 404"},
    {"M.http.tasks_slash", M, "3", "/tasks and /tasks/ are the same resource"},
    // 4. Stalls
    {"G.stall.last_activity", G, "4",
     "a processing task with an unchanged last_activity_at can be cancelled and re-created"},
});

constexpr bool ids_are_unique() {
  for (std::size_t i = 0; i < kRules.size(); ++i) {
    for (std::size_t j = i + 1; j < kRules.size(); ++j) {
      if (kRules[i].id == kRules[j].id) return false;
    }
  }
  return true;
}
static_assert(ids_are_unique(), "rule ids must be unique");

}  // namespace

std::span<const Rule> all_rules() {
  return kRules;
}

std::optional<Rule> find_rule(std::string_view id) {
  for (const auto& r : kRules) {
    if (r.id == id) return r;
  }
  return std::nullopt;
}

namespace {

constexpr NeedsControl kNeedsControl[] = {
    {"M.credits.exhausted",
     "an organization runs out of credits only after a day's worth of tasks: provoking it would "
     "spend a staging organization's credits (checked on the mock, started with --credits)"},
};

}  // namespace

std::string_view live_needs_control(std::string_view rule_id) {
  for (const auto& n : kNeedsControl) {
    if (n.id == rule_id) return n.reason;
  }
  return {};
}

std::span<const NeedsControl> live_needs_control_rules() {
  return kNeedsControl;
}

namespace {

constexpr ScenarioRule kScenarioRules[] = {
    {"S.transport", "the request failed on the wire (dns, connect, tls, read, timeout, ...)"},
    {"S.step.status", "a step's request got an HTTP status other than the one it needs"},
    {"S.step.body", "a step's response lacks a field the step needs (task_id, api_key, ...)"},
    {"S.deadline", "the scenario did not finish within its overall deadline"},
    {"S.await.timeout", "the awaited status was not reached within the step's timeout"},
    {"S.await.terminal", "the task became terminal in a status the step did not wait for"},
    {"S.expect", "the task's status response differs from what the expect step asks"},
    {"S.request.status", "a raw request got a status other than its expect_status"},
    {"S.result", "the result has another number of files, or a download failed"},
    {"S.events", "the event types do not contain the expected ones in order"},
    {"S.list", "the task list lacks a task it must contain or has one it must not"},
    {"S.stall", "a task stalled (processing, last_activity_at unchanged) beyond the policy"},
    {"S.stall.expected", "expect_stall: the task was not stalled for the given time"},
    {"S.policy.max_rounds", "the policy handled more questions and proposals than max_rounds"},
    {"S.mock_control", "a request to the mock's control API failed"},
};

}  // namespace

std::span<const ScenarioRule> scenario_rules() {
  return kScenarioRules;
}

std::optional<ScenarioRule> find_scenario_rule(std::string_view id) {
  for (const auto& r : kScenarioRules) {
    if (r.id == id) return r;
  }
  return std::nullopt;
}

}  // namespace agentwork
