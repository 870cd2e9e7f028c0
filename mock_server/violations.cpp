#include "mock_server/violations.hpp"

#include <algorithm>
#include <array>

#include "common/rules.hpp"
#include "mock_server/breaches.hpp"

namespace agentwork::mock {
namespace {

using namespace breach;

// Every breach, keyed by the rule it breaks: one row per REST rule of the catalogue (every rule
// without the mcp bit; agentwork-mcp breaks the MCP rules, mcp/breaches.cpp), checked below. The
// order is the order the edits compose in when several rules are broken at once (see
// breaches.hpp): the errors first, the status poll's edits as a CONTRACT.md reader lists them.
constexpr auto kBreaches = std::to_array<Breach>({
    // Errors and HTTP, whatever the route
    {.rule = "M.errors.detail", .on_response = errors_detail},
    {.rule = "M.auth.www_authenticate", .on_response = auth_www_authenticate},
    {.rule = "G.auth.required", .on_response = auth_required},
    {.rule = "M.http.unparseable", .on_response = http_unparseable},
    {.rule = "M.http.method", .on_response = http_method},
    {.rule = "M.http.unknown_path", .on_response = http_unknown_path},
    {.rule = "M.http.tasks_slash", .on_response = http_tasks_slash},
    // Registration and keys
    {.rule = "G.register.created", .on_response = register_created},
    {.rule = "G.register.email_taken", .on_response = register_email_taken},
    {.rule = "M.register.email_case", .on_response = register_email_case},
    {.rule = "M.register.invalid", .on_response = register_invalid},
    {.rule = "G.register.organization_optional", .refuse = refuse_without_organization},
    {.rule = "M.keys.short_id", .on_response = keys_short_id},
    {.rule = "M.ids.uuid", .on_response = ids_uuid},
    {.rule = "G.api_key.exchange", .refuse = refuse_key_exchange},
    {.rule = "M.api_key.created", .on_response = api_key_created},
    {.rule = "M.api_key.bad_credentials", .on_response = api_key_bad_credentials},
    {.rule = "G.keys.api_key_prefix",
     .on_request = accept_test_keys,
     .on_response = keys_api_key_prefix},
    {.rule = "G.keys.key_prefix", .on_response = keys_key_prefix},
    // Create, list, isolation
    {.rule = "G.create.created", .on_response = create_created},
    {.rule = "M.create.invalid", .on_response = create_invalid},
    {.rule = "M.credits.exhausted", .on_response = credits_exhausted},
    {.rule = "G.list.tasks", .on_response = list_tasks},
    {.rule = "G.isolation.list", .on_response = isolation_list},
    {.rule = "M.list.shape", .on_response = list_shape},
    {.rule = "G.isolation.not_found", .on_response = isolation_not_found},
    // The status poll
    {.rule = "G.status.shape", .on_status = status_shape},
    {.rule = "G.lifecycle.edges", .on_status = lifecycle_edges},
    {.rule = "G.lifecycle.terminal", .on_status = lifecycle_terminal},
    {.rule = "G.lifecycle.completion_needs_confirm",
     .on_status = lifecycle_completion_needs_confirm},
    {.rule = "M.lifecycle.system_cancel", .on_status = lifecycle_system_cancel},
    {.rule = "G.status.task_id", .on_status = status_task_id},
    {.rule = "G.status.enum", .on_status = status_enum},
    {.rule = "G.status.last_activity_at.format", .on_status = last_activity_at_format},
    {.rule = "G.status.last_activity_at.changes", .on_status = last_activity_at_changes},
    {.rule = "G.status.last_activity_at.monotonic", .on_status = last_activity_at_monotonic},
    {.rule = "M.status.last_activity_at.precision", .on_status = last_activity_at_precision},
    {.rule = "G.status.question.fields", .on_status = question_fields},
    {.rule = "G.status.question.clarifying_content", .on_status = question_clarifying_content},
    {.rule = "G.status.question.item", .on_status = question_item},
    {.rule = "G.status.question.options", .on_status = question_options},
    {.rule = "G.status.question.presence", .on_status = question_presence},
    {.rule = "G.status.solution.presence", .on_status = solution_presence},
    {.rule = "G.status.solution.fields", .on_status = solution_fields},
    {.rule = "M.status.message_id.new", .on_status = message_id_new},
    // The client's actions
    {.rule = "G.message.reply_resumes", .on_response = message_reply_resumes},
    {.rule = "M.message.accepted", .on_response = message_accepted},
    {.rule = "M.message.wrong_state", .on_response = message_wrong_state},
    {.rule = "M.message.invalid", .on_response = message_invalid},
    {.rule = "G.message.content_alias", .refuse = refuse_content_alias},
    {.rule = "G.message.plain_text", .refuse = refuse_plain_text},
    {.rule = "G.solution.confirm", .on_response = solution_confirm},
    {.rule = "G.solution.reject", .on_response = solution_reject},
    {.rule = "M.solution.accepted", .on_response = solution_accepted},
    {.rule = "M.solution.wrong_state", .on_response = solution_wrong_state},
    {.rule = "M.solution.invalid", .on_response = solution_invalid},
    {.rule = "G.cancel.cancels", .on_response = cancel_cancels},
    {.rule = "M.cancel.terminal", .on_response = cancel_terminal},
    {.rule = "G.stall.last_activity", .refuse = refuse_stalled_cancel},
    // The events
    {.rule = "G.events.type", .on_events = events_type},
    {.rule = "M.events.append_only", .on_events = events_append_only},
    {.rule = "M.events.client_actions", .on_events = events_client_actions},
    {.rule = "M.events.answers_shown", .on_events = events_answers_shown},
    {.rule = "G.message.answers_win",
     .on_response = message_answers_win,
     .on_events = show_message_not_answers},
    {.rule = "G.events.shape", .on_events = events_shape},
    // The result and its files
    {.rule = "G.result.shape", .on_response = result_shape},
    {.rule = "M.result.not_completed", .on_response = result_not_completed},
    {.rule = "M.result.download", .on_response = result_download},
});

constexpr const Breach* find_breach(std::string_view rule) {
  for (const auto& b : kBreaches) {
    if (b.rule == rule) return &b;
  }
  return nullptr;
}

constexpr std::size_t rows_for(std::string_view rule) {
  std::size_t n = 0;
  for (const auto& b : kBreaches) n += b.rule == rule ? 1 : 0;
  return n;
}

// The catalogue's REST rules and the breaches name the same rules, each breach once: a REST
// rule without a breach (or a breach of no REST rule, an MCP rule included) does not compile.
constexpr bool one_breach_per_rest_rule() {
  for (const auto& rule : rest_rules()) {
    if (rows_for(rule.id) != 1) return false;
  }
  return kBreaches.size() == rest_rules().size();
}
static_assert(one_breach_per_rest_rule(),
              "every REST rule of common/rules.hpp (no Checker::mcp bit) needs exactly one row in "
              "kBreaches, and every row names a REST rule");

constexpr bool every_breach_does_something() {
  return std::all_of(kBreaches.begin(), kBreaches.end(), [](const Breach& b) {
    return b.on_request || b.refuse || b.on_response || b.on_status || b.on_events;
  });
}
#ifndef AGENTWORK_UBSAN  // not a constant expression under GCC's -fsanitize=null
static_assert(every_breach_does_something(), "a breach row without a hook breaks nothing");
#endif

// The breakable rules as violatable_rules() lists them: the REST rules' ids, in catalogue order.
constexpr auto breakable_ids() {
  std::array<std::string_view, rest_rules().size()> ids{};
  std::size_t n = 0;
  for (const auto& rule : rest_rules()) ids[n++] = rule.id;
  return ids;
}
constexpr auto kBreakable = breakable_ids();

// GET /tasks/{id} answered 200: replays a frozen status, counts what the lifecycle breaches
// wait for, then runs the status breaches on the body's JSON object. A breach that leaves no
// object (G.status.shape) ends the edits.
void edit_status(const std::vector<const Breach*>& breaches, Exchange& x) {
  auto& task = x.memory.tasks[x.task_id];
  if (task.frozen) {
    x.response.body = task.last_status;
  } else {
    task.last_status = x.response.body;
  }
  json body = parse(x.response.body);
  if (!body.is_object()) return;
  StatusPoll poll{body, text(body, "status"), task, x.memory, x.store, x.task_id};
  if (poll.status == "awaiting_reply") ++task.awaiting_reply_polls;
  if (poll.status == "completed") ++task.completed_polls;
  for (const Breach* b : breaches) {
    if (!body.is_object()) break;
    if (b->on_status) b->on_status(poll);
  }
  x.response.body = body.dump();
}

// GET /tasks/{id}/events answered 200: runs the event breaches on its events array.
void edit_events(const std::vector<const Breach*>& breaches, Exchange& x) {
  edit(x.response, [&](json& body) {
    if (!body.contains("events") || !body["events"].is_array()) return;
    EventsAnswer answer{body, body["events"], x.memory, x.task_id};
    for (const Breach* b : breaches) {
      if (b->on_events) b->on_events(answer);
    }
  });
}

}  // namespace

namespace breach {

json parse(const std::string& text) {
  return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

void restatus(HttpResponse& r, int to, std::string body) {
  r.status = to;
  r.body = std::move(body);
  r.headers.clear();
}

HttpResponse refusal(int status, const std::string& detail) {
  HttpResponse r;
  r.status = status;
  r.body = json{{"detail", detail}}.dump();
  return r;
}

std::string text(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace breach

std::span<const std::string_view> violatable_rules() {
  return kBreakable;
}

Violator::Violator() : memory_(std::make_unique<Memory>()) {}
Violator::~Violator() = default;

bool Violator::enable(std::string_view rule_id) {
  const Breach* found = find_breach(rule_id);
  if (found == nullptr) return false;
  if (on_.emplace(rule_id).second) {
    breaches_.push_back(found);
    std::sort(breaches_.begin(), breaches_.end());  // rows of one array: table order
  }
  return true;
}

void Violator::before(HttpRequest& request) const {
  for (const Breach* b : breaches_) {
    if (b->on_request) b->on_request(request);
  }
}

std::optional<HttpResponse> Violator::refuse(const HttpRequest& req, Route route,
                                             const std::string& task_id, Store& store) const {
  if (breaches_.empty() || req.method != "POST") return std::nullopt;
  const json body = parse(req.body);
  const Incoming incoming{req, route, task_id, store, body};
  for (const Breach* b : breaches_) {
    if (!b->refuse) continue;
    if (auto refused = b->refuse(incoming)) return refused;
  }
  return std::nullopt;
}

void Violator::after(const HttpRequest& req, Route route, const std::string& task_id, Store& store,
                     HttpResponse& response) {
  if (breaches_.empty()) return;
  std::lock_guard lock(mutex_);
  const json request_body = parse(req.body);
  Exchange x{req, route, task_id, store, response, request_body, *memory_};
  remember_created(x);
  for (const Breach* b : breaches_) {
    if (b->on_response) b->on_response(x);
  }
  if (x.get(Route::task) && response.status == 200) edit_status(breaches_, x);
  if (x.get(Route::events) && response.status == 200) edit_events(breaches_, x);
}

}  // namespace agentwork::mock
