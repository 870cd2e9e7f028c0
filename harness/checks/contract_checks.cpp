#include "harness/checks/contract_checks.hpp"
#include "common/json_depth.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "common/rules.hpp"
#include "harness/checks/compiled_schema.hpp"
#include "harness/checks/schema_validator.hpp"
#include "harness/checks/value_formats.hpp"

namespace agentwork::harness {
namespace {

using nlohmann::json;
using Findings = std::vector<Finding>;
using Path = std::vector<std::string>;

constexpr std::string_view kStates[] = {"processing", "awaiting_reply",
                                        "awaiting_solution_approval", "completed", "cancelled"};

// --- Shared helpers -------------------------------------------------------------------------

bool is_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// A bounded, printable excerpt of raw response text (it may not even be UTF-8).
std::string excerpt(std::string_view text) {
  constexpr std::size_t kLimit = 80;
  std::string out = "\"";
  for (char c : text.substr(0, kLimit)) out += (c >= ' ' && c <= '~') ? c : '?';
  out += text.size() > kLimit ? "\"..." : "\"";
  return out;
}

std::string excerpt_json(const json& value) {
  constexpr std::size_t kLimit = 80;
  auto text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > kLimit) text = text.substr(0, kLimit) + "...";
  return text;
}

const std::string* string_member(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

// The value at `path` (property names and decimal indices) in `root`, or nullptr.
const json* value_at(const json& root, const Path& path) {
  const json* v = &root;
  for (const auto& part : path) {
    if (v->is_object()) {
      const auto it = v->find(part);
      if (it == v->end()) return nullptr;
      v = &*it;
    } else if (v->is_array() && !part.empty() && std::all_of(part.begin(), part.end(), is_digit) &&
               part.size() < 10 && std::stoul(part) < v->size()) {
      v = &(*v)[std::stoul(part)];
    } else {
      return nullptr;
    }
  }
  return v;
}

// Validates `body` against an OpenAPI component; `rule_for(path)` names the rule that an error at
// `path` breaks. One finding per rule broken (the first error, and how many more broke the same
// rule). `where` prefixes the JSON path in the detail.
template <class RuleFor>
void add_schema_findings(std::string_view component, const json& body, RuleFor rule_for,
                         std::string_view where, Findings& out) {
  struct Group {
    std::string_view rule;
    std::string detail;
    int more = 0;
  };
  std::vector<Group> groups;
  for (const auto& error : validate_against(component, body)) {
    const auto rule = rule_for(error.path);
    const auto it = std::find_if(groups.begin(), groups.end(),
                                 [rule](const Group& g) { return g.rule == rule; });
    if (it != groups.end()) {
      ++it->more;
      continue;
    }
    std::string detail = std::string(where) + json_path(error.path) + ": " + error.message;
    if (const json* seen = value_at(body, error.path)) detail += ", seen " + excerpt_json(*seen);
    groups.push_back({rule, std::move(detail)});
  }
  for (auto& g : groups) {
    if (g.more > 0) g.detail += " (and " + std::to_string(g.more) + " more)";
    out.push_back({g.rule, std::move(g.detail)});
  }
}

// A 2xx other than the one the contract names.
void check_success_code(const Exchange& ex, int expected, std::string_view rule, Findings& out) {
  if (ex.status != expected) {
    out.push_back({rule, "status code: expected " + std::to_string(expected) + ", seen " +
                             std::to_string(ex.status)});
  }
}

// The body parsed by the caller of check_response's second form (null: parse it here), and the
// storage of a body parsed here. One body per check_response call, on one thread.
thread_local const json* tl_preparsed = nullptr;
thread_local json tl_body;

// The body as JSON; discarded when it is not JSON. Valid until the next call on this thread.
const json& parse(const std::string& body) {
  if (tl_preparsed) return *tl_preparsed;
  tl_body = parse_json_bounded(body);
  return tl_body;
}

// A finding under `rule` unless `value`, parsed from `body`, is a JSON object.
void require_object(const json& value, const std::string& body, std::string_view rule,
                    Findings& out) {
  if (value.is_discarded()) {
    out.push_back({rule, "body: expected a JSON object, seen " +
                             (body.empty() ? std::string("an empty body")
                                           : "text that is not JSON: " + excerpt(body))});
  } else if (!value.is_object()) {
    out.push_back({rule, "body: expected a JSON object, seen " + excerpt_json(value)});
  }
}

const json& parse_object(const std::string& body, std::string_view rule, Findings& out) {
  const json& value = parse(body);
  require_object(value, body, rule, out);
  return value;
}

void check_uuid(const json& object, const char* key, std::string_view where, Findings& out) {
  if (const auto* id = string_member(object, key); id && !is_uuid(*id)) {
    out.push_back(
        {"M.ids.uuid", std::string(where) + "." + key + ": expected a UUID, seen " + excerpt(*id)});
  }
}

void check_task_id(const json& body, const CheckContext& ctx, std::string_view rule,
                   Findings& out) {
  if (ctx.task_id.empty()) return;
  if (const auto* id = string_member(body, "task_id"); id && *id != ctx.task_id) {
    out.push_back({rule, "$.task_id: expected the requested id " + excerpt(ctx.task_id) +
                             ", seen " + excerpt(*id)});
  }
}

void check_status_after(const json& body, std::string_view expected, std::string_view rule,
                        Findings& out) {
  if (expected.empty()) return;
  if (const auto* status = string_member(body, "status"); status && *status != expected) {
    out.push_back({rule, "$.status: expected " + excerpt(expected) + ", seen " + excerpt(*status)});
  }
}

// api_key starts aw_live_ and key_prefix is its first 16 characters.
void check_key(const json& body, Findings& out) {
  const auto* key = string_member(body, "api_key");
  if (!key) return;
  if (!key->starts_with("aw_live_")) {
    // Only the start: a finding ends up in reports and CI logs, the key must not.
    out.push_back({"G.keys.api_key_prefix",
                   "$.api_key: expected to start with \"aw_live_\", seen " +
                       excerpt(key->substr(0, 8)) + " (" + std::to_string(key->size()) +
                       " characters, the rest withheld)"});
  }
  const auto* prefix = string_member(body, "key_prefix");
  if (prefix && *prefix != key->substr(0, 16)) {
    out.push_back({"G.keys.key_prefix",
                   "$.key_prefix: expected the first 16 characters of "
                   "api_key " +
                       excerpt(key->substr(0, 16)) + ", seen " + excerpt(*prefix)});
  }
}

// --- One check per endpoint -----------------------------------------------------------------

void check_register(const Exchange& ex, Findings& out) {
  check_success_code(ex, 201, "G.register.created", out);
  const json& body = parse_object(ex.body, "G.register.created", out);
  if (!body.is_object()) return;
  add_schema_findings(
      "RegisterResponse", body,
      [](const Path&) -> std::string_view { return "G.register.created"; }, "", out);
  check_key(body, out);
  if (const auto* id = string_member(body, "organization_short_id");
      id && (id->size() != 5 || !std::all_of(id->begin(), id->end(), is_alnum))) {
    out.push_back({"M.keys.short_id",
                   "$.organization_short_id: expected 5 letters or digits, seen " + excerpt(*id)});
  }
  check_uuid(body, "organization_id", "$", out);
  check_uuid(body, "user_id", "$", out);
}

void check_api_key(const Exchange& ex, Findings& out) {
  check_success_code(ex, 201, "M.api_key.created", out);
  const json& body = parse_object(ex.body, "G.api_key.exchange", out);
  if (!body.is_object()) return;
  // The key itself is what the guide promises; the other fields are the mock's shape.
  add_schema_findings(
      "ApiKeyResponse", body,
      [](const Path& p) -> std::string_view {
        return !p.empty() && p[0] == "api_key" ? "G.api_key.exchange" : "M.api_key.created";
      },
      "", out);
  check_key(body, out);
  check_uuid(body, "organization_id", "$", out);
  check_uuid(body, "user_id", "$", out);
}

void check_create(const Exchange& ex, Findings& out) {
  check_success_code(ex, 201, "G.create.created", out);
  const json& body = parse_object(ex.body, "G.create.created", out);
  if (!body.is_object()) return;
  add_schema_findings(
      "TaskCreated", body, [](const Path&) -> std::string_view { return "G.create.created"; }, "",
      out);
  check_uuid(body, "task_id", "$", out);
}

void check_list(const Exchange& ex, Findings& out) {
  check_success_code(ex, 200, "G.list.tasks", out);
  json body = parse(ex.body);
  if (body.is_array()) {
    // The guide does not fix the shape: a bare array passes G.list.tasks, not the mock's shape.
    out.push_back({"M.list.shape", "body: expected {\"tasks\": [...]}, seen a bare array"});
    body = json{{"tasks", std::move(body)}};
  }
  require_object(body, ex.body, "G.list.tasks", out);
  if (!body.is_object()) return;
  // task_id and status of each task are the guide's; the other fields are the mock's.
  add_schema_findings(
      "TaskList", body,
      [](const Path& p) -> std::string_view {
        return p.size() <= 2 || p[2] == "task_id" || p[2] == "status" ? "G.list.tasks"
                                                                      : "M.list.shape";
      },
      "", out);
  const auto tasks = body.find("tasks");
  if (tasks == body.end() || !tasks->is_array()) return;
  std::optional<std::int64_t> newer;  // created_at of the task listed before, when readable
  std::string newer_text;
  for (std::size_t i = 0; i < tasks->size(); ++i) {
    const json& task = (*tasks)[i];
    if (!task.is_object()) continue;
    const auto where = "$.tasks[" + std::to_string(i) + "]";
    check_uuid(task, "task_id", where, out);
    const auto* created = string_member(task, "created_at");
    const auto at = created ? iso8601_micros(*created) : std::nullopt;
    if (created && !at) {
      out.push_back({"M.list.shape", where + ".created_at: expected an ISO-8601 timestamp, seen " +
                                         excerpt(*created)});
    }
    if (at && newer && *at > *newer) {
      out.push_back({"M.list.shape", where + ".created_at: expected newest first (not after " +
                                         excerpt(newer_text) + "), seen " + excerpt(*created)});
    }
    if (at) {
      newer = at;
      newer_text = *created;
    }
  }
}

// The JSON text inside a CLARIFYING_QUESTIONS question's content.
void check_clarifying_content(const std::string& content, Findings& out) {
  constexpr std::string_view kWhere = "$.question.content (parsed) ";
  const json parsed = parse_json_bounded(content);
  if (parsed.is_discarded()) {
    out.push_back({"G.status.question.clarifying_content",
                   "$.question.content: expected a JSON string of {\"type\": "
                   "\"clarifying_questions\", \"questions\": [...]}, seen " +
                       excerpt(content)});
    return;
  }
  add_schema_findings(
      "ClarifyingQuestions", parsed,
      [](const Path& p) -> std::string_view {
        if (p.size() < 2 || p[0] != "questions") return "G.status.question.clarifying_content";
        return p.size() >= 3 && p[2] == "options" ? "G.status.question.options"
                                                  : "G.status.question.item";
      },
      kWhere, out);
  if (!parsed.is_object()) return;
  const auto questions = parsed.find("questions");
  if (questions == parsed.end() || !questions->is_array()) return;
  // What no schema of ours says: options null for text, a list for the select types.
  for (std::size_t i = 0; i < questions->size(); ++i) {
    const json& q = (*questions)[i];
    const auto* type = q.is_object() ? string_member(q, "type") : nullptr;
    if (!type) continue;
    const auto options = q.find("options");
    const bool has_options = options != q.end() && !options->is_null();
    const auto where = std::string(kWhere) + "$.questions[" + std::to_string(i) + "].options: ";
    if (*type == "text" && has_options) {
      out.push_back({"G.status.question.options",
                     where + "expected null for a text question, seen " + excerpt_json(*options)});
    } else if ((*type == "single_select" || *type == "multi_select") && !has_options) {
      out.push_back({"G.status.question.options",
                     where + "expected 1 to 5 strings for " + *type + ", seen nothing"});
    }
  }
}

// question present exactly when awaiting_reply; solution exactly when awaiting_solution_approval.
void check_presence(const json& body, const std::string& status, const char* key,
                    std::string_view when, std::string_view rule, Findings& out) {
  const auto it = body.find(key);
  const bool present = it != body.end() && !it->is_null();
  if (status == when && !present) {
    out.push_back({rule, "$." + std::string(key) + ": expected with status " + excerpt(when) +
                             ", seen nothing"});
  } else if (status != when && present) {
    out.push_back({rule, "$." + std::string(key) + ": expected absent with status " +
                             excerpt(status) + ", seen " + excerpt_json(*it)});
  }
}

void check_last_activity_at(const json& body, Findings& out) {
  const auto* at = string_member(body, "last_activity_at");
  if (!at) return;  // missing or not a string: the schema said so
  if (!iso8601_micros(*at)) {
    out.push_back({"G.status.last_activity_at.format",
                   "$.last_activity_at: expected ISO-8601 (YYYY-MM-DDTHH:MM:SS, optional "
                   "fraction, Z or offset), seen " +
                       excerpt(*at)});
  } else if (!has_mock_precision(*at)) {
    out.push_back({"M.status.last_activity_at.precision",
                   "$.last_activity_at: expected microseconds and Z "
                   "(YYYY-MM-DDTHH:MM:SS.ffffffZ), seen " +
                       excerpt(*at)});
  }
}

void check_task_status(const Exchange& ex, const CheckContext& ctx, Findings& out) {
  check_success_code(ex, 200, "G.status.shape", out);
  const json& body = parse_object(ex.body, "G.status.shape", out);
  if (!body.is_object()) return;
  add_schema_findings(
      "TaskStatus", body,
      [](const Path& p) -> std::string_view {
        if (p.empty()) return "G.status.shape";
        if (p[0] == "task_id") return "G.status.task_id";
        if (p[0] == "status") return "G.status.enum";
        if (p[0] == "last_activity_at") return "G.status.last_activity_at.format";
        if (p[0] == "question") return "G.status.question.fields";
        if (p[0] == "solution") return "G.status.solution.fields";
        return "G.status.shape";
      },
      "", out);
  check_task_id(body, ctx, "G.status.task_id", out);
  check_uuid(body, "task_id", "$", out);
  check_last_activity_at(body, out);
  const auto* status = string_member(body, "status");
  if (status && std::find(std::begin(kStates), std::end(kStates), *status) != std::end(kStates)) {
    check_presence(body, *status, "question", "awaiting_reply", "G.status.question.presence", out);
    check_presence(body, *status, "solution", "awaiting_solution_approval",
                   "G.status.solution.presence", out);
  }
  if (const auto q = body.find("question"); q != body.end() && q->is_object()) {
    check_uuid(*q, "message_id", "$.question", out);
    const auto* type = string_member(*q, "type");
    const auto* content = string_member(*q, "content");
    if (type && content && *type == "CLARIFYING_QUESTIONS") check_clarifying_content(*content, out);
  }
  if (const auto s = body.find("solution"); s != body.end() && s->is_object())
    check_uuid(*s, "message_id", "$.solution", out);
}

// message and solution-status answer {task_id, status} [M].
void check_accepted(const Exchange& ex, const CheckContext& ctx, std::string_view component,
                    std::string_view rule, Findings& out) {
  check_success_code(ex, 200, rule, out);
  const json& body = parse_object(ex.body, rule, out);
  if (!body.is_object()) return;
  const auto before = static_cast<std::ptrdiff_t>(out.size());
  add_schema_findings(
      component, body, [rule](const Path&) { return rule; }, "", out);
  check_task_id(body, ctx, rule, out);
  // Once: the schema may have said already that the status is wrong.
  const bool status_reported = std::any_of(out.begin() + before, out.end(), [](const Finding& f) {
    return f.detail.starts_with("$.status:");
  });
  if (!status_reported) check_status_after(body, ctx.expected_status_after, rule, out);
}

void check_events(const Exchange& ex, const CheckContext& ctx, Findings& out) {
  check_success_code(ex, 200, "G.events.shape", out);
  const json& body = parse_object(ex.body, "G.events.shape", out);
  if (!body.is_object()) return;
  add_schema_findings(
      "Events", body,
      [](const Path& p) -> std::string_view {
        return p.size() == 3 && p[0] == "events" && p[2] == "type" ? "G.events.type"
                                                                   : "G.events.shape";
      },
      "", out);
  check_task_id(body, ctx, "G.events.shape", out);
  const auto events = body.find("events");
  if (events == body.end() || !events->is_array()) return;
  std::optional<std::int64_t> previous;
  for (std::size_t i = 0; i < events->size(); ++i) {
    const json& event = (*events)[i];
    const auto* ts = event.is_object() ? string_member(event, "timestamp") : nullptr;
    if (!ts) continue;
    const auto where = "$.events[" + std::to_string(i) + "].timestamp: ";
    const auto at = iso8601_micros(*ts);
    if (!at) {
      out.push_back({"G.events.shape", where + "expected ISO-8601, seen " + excerpt(*ts)});
      continue;
    }
    if (previous && *at < *previous) {
      out.push_back({"M.events.append_only",
                     where + "expected not before the previous event's, seen " + excerpt(*ts)});
    }
    previous = at;
  }
}

// The guide promises only 200; the body, when there is one, must not claim another state.
void check_cancel(const Exchange& ex, const CheckContext& ctx, Findings& out) {
  check_success_code(ex, 200, "G.cancel.cancels", out);
  if (ex.body.find_first_not_of(" \t\r\n") == std::string::npos) return;
  const json& body = parse_object(ex.body, "G.cancel.cancels", out);
  if (!body.is_object()) return;
  check_task_id(body, ctx, "G.cancel.cancels", out);
  check_status_after(body,
                     ctx.expected_status_after.empty() ? "cancelled" : ctx.expected_status_after,
                     "G.cancel.cancels", out);
}

void check_result(const Exchange& ex, const CheckContext& ctx, Findings& out) {
  check_success_code(ex, 200, "G.result.shape", out);
  const json& body = parse_object(ex.body, "G.result.shape", out);
  if (!body.is_object()) return;
  add_schema_findings(
      "TaskResult", body, [](const Path&) -> std::string_view { return "G.result.shape"; }, "",
      out);
  check_task_id(body, ctx, "G.result.shape", out);
}

void check_success(Endpoint e, const Exchange& ex, const CheckContext& ctx, Findings& out) {
  switch (e) {
    case Endpoint::register_user:
      return check_register(ex, out);
    case Endpoint::api_key:
      return check_api_key(ex, out);
    case Endpoint::create_task:
      return check_create(ex, out);
    case Endpoint::list_tasks:
      return check_list(ex, out);
    case Endpoint::task_status:
      return check_task_status(ex, ctx, out);
    case Endpoint::message:
      return check_accepted(ex, ctx, "MessageAccepted", "M.message.accepted", out);
    case Endpoint::solution_status:
      return check_accepted(ex, ctx, "SolutionAccepted", "M.solution.accepted", out);
    case Endpoint::events:
      return check_events(ex, ctx, out);
    case Endpoint::cancel:
      return check_cancel(ex, ctx, out);
    case Endpoint::result:
      return check_result(ex, ctx, out);
    case Endpoint::file_download:  // any body: the file's bytes
      return check_success_code(ex, 200, "M.result.download", out);
    case Endpoint::other:  // no shape to check
      return;
  }
}

std::optional<std::string_view> header(const Exchange& ex, std::string_view name) {
  for (const auto& [key, value] : ex.headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(),
                   [](char a, char b) { return lower(a) == lower(b); })) {
      return value;
    }
  }
  return std::nullopt;
}

void check_error(Endpoint e, const Exchange& ex, Findings& out) {
  if (e == Endpoint::file_download) {
    out.push_back(
        {"M.result.download", "status code: expected 200, seen " + std::to_string(ex.status)});
  }
  const json& body = parse_object(ex.body, "M.errors.detail", out);
  if (body.is_object()) {
    add_schema_findings(
        "Error", body, [](const Path&) -> std::string_view { return "M.errors.detail"; }, "", out);
  }
  // A Bearer-key failure; the credential routes answer 401 for a wrong password instead.
  const bool bearer_route = e != Endpoint::register_user && e != Endpoint::api_key;
  if (ex.status == 401 && bearer_route) {
    const auto value = header(ex, "www-authenticate");
    const bool bearer = value && value->size() >= 6 &&
                        std::equal(value->begin(), value->begin() + 6, "bearer",
                                   [](char a, char b) { return lower(a) == b; });
    if (!bearer) {
      out.push_back({"M.auth.www_authenticate",
                     "WWW-Authenticate: expected \"Bearer\", seen " +
                         (value ? excerpt(*value) : std::string("no such header"))});
    }
  }
}

}  // namespace

std::span<const std::string_view> contract_check_rule_ids() {
  return rule_ids_checked_by(Checker::contract);  // the catalogue rows marked C
}

std::vector<Finding> check_response(Endpoint e, const Exchange& ex, const CheckContext& ctx,
                                    const nlohmann::json& parsed_body) {
  struct Reset {
    ~Reset() { tl_preparsed = nullptr; }
  } reset;
  tl_preparsed = &parsed_body;
  return check_response(e, ex, ctx);
}

std::vector<Finding> check_response(Endpoint e, const Exchange& ex, const CheckContext& ctx) {
  Findings out;
  if (ex.status >= 400) {
    check_error(e, ex, out);
  } else if (ex.status >= 200 && ex.status < 300) {
    check_success(e, ex, ctx, out);
  }
  return out;
}

}  // namespace agentwork::harness
