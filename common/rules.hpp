// The catalogue of contract rules the harness checks: one stable id per rule of
// spec/CONTRACT.md, with its tag ([G] guide, [M] mock choice) and the section it comes from.
// Every finding names one of these ids; scenarios declare which ids they cover.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string_view>

namespace agentwork {

enum class Tag { guide, mock };  // [G], [M]

// Which part of the harness reports a breach of the rule (a rule may have several).
enum Checker : unsigned {
  contract = 1,  // the per-response contract checks (harness/checks/contract_checks.hpp)
  trace = 2,     // the lifecycle trace checker (harness/checks/trace_checker.hpp)
  scenario = 4,  // the runner's scenario steps (raw requests, cover steps, its own checks)
  mcp = 8,       // the MCP checks (harness/checks/mcp_checks.hpp), over an MCP server's stdio
};

struct Rule {
  std::string_view id;  // "G.status.enum": the tag letter, then a dotted name
  Tag tag;
  std::string_view section;  // "2", "3 POST /tasks/{id}/message", ...
  std::string_view summary;  // one line, as a reader of a failure needs it
  unsigned checkers = 0;     // Checker bits; never 0 in the catalogue
};

namespace rule_table {

constexpr Tag G = Tag::guide;
constexpr Tag M = Tag::mock;
constexpr unsigned C = Checker::contract;
constexpr unsigned T = Checker::trace;
constexpr unsigned S = Checker::scenario;
constexpr unsigned P = Checker::mcp;  // P for protocol: the MCP server's rows (section 6)

// The catalogue, in CONTRACT.md order: the one list of rule ids. Constexpr, so that other
// tables keyed by rule id (the mock's breaches) can be checked against it at compile time.
inline constexpr std::array kRules = std::to_array<Rule>({
    // 1. The lifecycle
    {"G.lifecycle.edges", G, "1",
     "the polled states and the client's actions are explained by a path through the edge table",
     T},
    {"G.lifecycle.terminal", G, "1",
     "completed and cancelled are terminal: no other state after them", T},
    {"G.lifecycle.completion_needs_confirm", G, "1",
     "a task reaches completed only after the client's CONFIRMED", T},
    {"M.lifecycle.system_cancel", M, "1",
     "the mock cancels a task by itself only when its agent script says so", S},
    // 2. The status response
    {"G.status.shape", G, "2", "200 with a JSON object body", C},
    {"G.status.task_id", G, "2", "task_id equals the requested id", C},
    {"G.status.enum", G, "2",
     "status is one of processing, awaiting_reply, awaiting_solution_approval, completed, "
     "cancelled",
     C},
    {"G.status.last_activity_at.format", G, "2",
     "last_activity_at is an ISO-8601 timestamp (optional fraction, Z or offset)", C},
    {"G.status.last_activity_at.changes", G, "2",
     "last_activity_at changes whenever the task's state changes", T},
    {"G.status.last_activity_at.monotonic", G, "2", "last_activity_at never goes backwards", T},
    {"M.status.last_activity_at.precision", M, "2", "the mock gives microseconds and UTC Z", C},
    {"G.status.question.presence", G, "2",
     "question is present exactly when status is awaiting_reply", C},
    {"G.status.question.fields", G, "2",
     "question has message_id, content (string) and type CLARIFYING_QUESTIONS or TO_CUSTOMER", C},
    {"G.status.question.clarifying_content", G, "2",
     "CLARIFYING_QUESTIONS content is a JSON string of {type: clarifying_questions, questions}", C},
    {"G.status.question.item", G, "2",
     "each clarifying question has type text/single_select/multi_select and a question string", C},
    {"G.status.question.options", G, "2",
     "options are null for text and 1 to 5 strings for single_select and multi_select", C},
    {"G.status.solution.presence", G, "2",
     "solution is present exactly when status is awaiting_solution_approval", C},
    {"G.status.solution.fields", G, "2", "solution has message_id and content", C},
    {"M.status.message_id.new", M, "2", "a new question or a new proposal gets a new message_id",
     T},
    // 3. Endpoints
    {"G.register.created", G, "3 POST /auth/register",
     "201 with api_key, key_prefix, organization_id, organization_short_id, user_id", C | S},
    {"G.register.email_taken", G, "3 POST /auth/register", "409 when the email is taken", S},
    {"M.register.email_case", M, "3 POST /auth/register",
     "the email match for 409 is case-insensitive", S},
    {"M.register.invalid", M, "3 POST /auth/register", "422 for a missing or invalid email or name",
     S},
    {"G.register.organization_optional", G, "3 POST /auth/register",
     "organization_name may be omitted (it is generated)", S},
    {"G.keys.api_key_prefix", G, "3", "api_key starts with aw_live_", C},
    {"G.keys.key_prefix", G, "3", "key_prefix is the first 16 characters of api_key", C},
    {"M.keys.short_id", M, "3", "organization_short_id is 5 letters or digits", C},
    {"M.ids.uuid", M, "3", "task, organization, user and message ids are UUIDs", C},
    {"G.api_key.exchange", G, "3 POST /auth/api-key", "an account's email and password give a key",
     C | S},
    {"M.api_key.created", M, "3 POST /auth/api-key",
     "201 with api_key, key_prefix, key_name, organization_id, user_id", C | S},
    {"M.api_key.bad_credentials", M, "3 POST /auth/api-key", "401 for a wrong email or password",
     S},
    {"G.auth.required", G, "3", "401 for a missing or invalid Bearer key on every task endpoint",
     S},
    {"M.auth.www_authenticate", M, "3", "401 responses carry WWW-Authenticate: Bearer", C},
    {"G.create.created", G, "3 POST /tasks/", "201 with task_id and status processing", C},
    {"M.create.invalid", M, "3 POST /tasks/", "422 for a missing or empty title or description", S},
    {"M.credits.exhausted", M, "5", "402 with a detail once an organization runs out of credits",
     S},
    {"G.list.tasks", G, "3 GET /tasks/",
     "200 with all tasks of the caller's organization and their status", C | S},
    {"M.list.shape", M, "3 GET /tasks/",
     "{tasks: [{task_id, title, status, created_at, last_activity_at}]}, newest first", C},
    {"G.isolation.list", G, "3 GET /tasks/", "another organization's tasks are never listed", S},
    {"G.isolation.not_found", G, "3",
     "404 for an unknown task id or another organization's task, on every task endpoint", S},
    {"M.message.accepted", M, "3 POST /tasks/{id}/message",
     "200 with {task_id, status: processing}", C},
    {"G.message.content_alias", G, "3 POST /tasks/{id}/message",
     "message and content are interchangeable", S},
    {"G.message.answers_win", G, "3 POST /tasks/{id}/message",
     "with both message and answers, answers take precedence", S},
    {"G.message.plain_text", G, "3 POST /tasks/{id}/message",
     "plain text is always accepted, also for clarifying questions", S},
    {"G.message.reply_resumes", G, "1", "a reply moves awaiting_reply to processing", S},
    {"M.message.wrong_state", M, "3 POST /tasks/{id}/message",
     "409 when the task is not awaiting_reply", S},
    {"M.message.invalid", M, "3 POST /tasks/{id}/message",
     "422 for no field, question_index out of range, or selected of the wrong type", S},
    {"M.solution.accepted", M, "3 POST /tasks/{id}/solution-status", "200 with {task_id, status}",
     C},
    {"G.solution.confirm", G, "3 POST /tasks/{id}/solution-status", "CONFIRMED completes the task",
     T | S},
    {"G.solution.reject", G, "3 POST /tasks/{id}/solution-status",
     "REJECTED sends the task back to processing and the agent revises", S},
    {"M.solution.wrong_state", M, "3 POST /tasks/{id}/solution-status",
     "409 when the task is not awaiting_solution_approval", S},
    {"M.solution.invalid", M, "3 POST /tasks/{id}/solution-status", "422 for other status values",
     S},
    {"G.events.shape", G, "3 GET /tasks/{id}/events",
     "200 with {task_id, events: [{timestamp, type, content}]}", C},
    {"G.events.type", G, "3 GET /tasks/{id}/events",
     "event type is status, question, reply, message_to_customer, solution_proposed or "
     "solution_decision",
     C},
    {"M.events.append_only", M, "3 GET /tasks/{id}/events",
     "events are append-only with non-decreasing timestamps", C},
    {"M.events.client_actions", M, "3 GET /tasks/{id}/events",
     "every reply and decision appears as a reply / solution_decision event", S},
    {"M.events.answers_shown", M, "3 GET /tasks/{id}/events",
     "a structured reply's event shows the answers, not the message", S},
    {"G.cancel.cancels", G, "3 POST /tasks/{id}/cancel", "200, and the task becomes cancelled",
     C | T | S},
    {"M.cancel.terminal", M, "3 POST /tasks/{id}/cancel", "409 when the task is already terminal",
     S},
    {"G.result.shape", G, "3 GET /tasks/{id}/result",
     "200 with {task_id, status: completed, result_text, files: [{name, download_url}]}", C},
    {"M.result.download", M, "3 GET /tasks/{id}/result", "every download_url answers 200", C},
    {"M.result.not_completed", M, "3 GET /tasks/{id}/result", "409 when the task is not completed",
     S},
    {"M.errors.detail", M, "3", "error bodies are {\"detail\": \"...\"}", C},
    {"M.http.unparseable", M, "3", "a body that is not JSON gets 422", S},
    {"M.http.method", M, "3", "a wrong method gets 405", S},
    {"M.http.unknown_path", M, "3", "an unknown path gets 404", S},
    {"M.http.tasks_slash", M, "3", "/tasks and /tasks/ are the same resource", S},
    // 4. Stalls
    {"G.stall.last_activity", G, "4",
     "a processing task with an unchanged last_activity_at can be cancelled and re-created", S},
    // 6. The MCP server (last: the REST rules are the catalogue's prefix, see rest_rules())
    {"G.mcp.tools", G, "6",
     "tools/list has the eight agentwork_* tools, each with the guide's parameters (string, "
     "approved boolean) and email, name and task_id required",
     P},
    {"M.mcp.schemas", M, "6",
     "each inputSchema is a JSON Schema object: type object, properties an object of schemas, "
     "required a list of its properties",
     P},
    {"M.mcp.handshake", M, "6",
     "initialize answers the requested protocolVersion when supported (else a supported one), "
     "with capabilities.tools and serverInfo name and version",
     P},
    {"M.mcp.jsonrpc", M, "6",
     "each request gets one response echoing its id, jsonrpc 2.0, exactly one of result or error "
     "with the JSON-RPC code; notifications and responses get none",
     P},
    {"M.mcp.stdout", M, "6", "every stdout line is one JSON-RPC 2.0 message (no banner, no log)",
     P},
    {"M.mcp.is_error", M, "6",
     "a tool call the API answers 4xx/5xx is a result with isError true naming the HTTP status "
     "and the API's detail",
     P},
    {"M.mcp.structured", M, "6",
     "a tool call the API answers 2xx is a result without isError whose text content is the "
     "API's JSON, equal to structuredContent",
     P},
});

}  // namespace rule_table

// All rules, in CONTRACT.md order.
constexpr std::span<const Rule> all_rules() {
  return rule_table::kRules;
}
// The REST rules (every checker but mcp): the catalogue's prefix, since the MCP rows come last
// (checked in rules.cpp). The mock breaks and the scenarios cover exactly these.
constexpr bool is_mcp_rule(const Rule& r) {
  return (r.checkers & Checker::mcp) != 0;
}
constexpr std::size_t rest_rule_count() {
  std::size_t n = 0;
  for (const auto& r : rule_table::kRules) n += is_mcp_rule(r) ? 0 : 1;
  return n;
}
constexpr std::span<const Rule> rest_rules() {
  return all_rules().first(rest_rule_count());
}
// The MCP server's rules (section 6): the catalogue's suffix.
constexpr std::span<const Rule> mcp_rules() {
  return all_rules().subspan(rest_rule_count());
}
// nullopt for an unknown id.
constexpr std::optional<Rule> find_rule(std::string_view id) {
  for (const auto& r : rule_table::kRules) {
    if (r.id == id) return r;
  }
  return std::nullopt;
}
// The ids of the rules one checker reports, in catalogue order.
std::span<const std::string_view> rule_ids_checked_by(Checker checker);

// The rules a live run cannot give a chance against a deployment it does not control, each with
// the reason: the one place that lists them (the live coverage view and the live violation
// sweep read it). Empty reason: the rule is reachable live.
std::string_view live_needs_control(std::string_view rule_id);
struct NeedsControl {
  std::string_view id;
  std::string_view reason;
};
std::span<const NeedsControl> live_needs_control_rules();

// The scenario's own expectations ("S.await.timeout", tag S): not contract rules, but every
// failure names one, so that a report always says which check failed.
struct ScenarioRule {
  std::string_view id;
  std::string_view summary;
};
std::span<const ScenarioRule> scenario_rules();
std::optional<ScenarioRule> find_scenario_rule(std::string_view id);

}  // namespace agentwork
