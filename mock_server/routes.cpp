#include "mock_server/routes.hpp"

#include <array>
#include <cctype>
#include <memory>

#include <nlohmann/json.hpp>

#include "common/agent_script.hpp"
#include "common/json_depth.hpp"
#include "common/timestamp.hpp"
#include "mock_server/json_util.hpp"
#include "mock_server/state_machine.hpp"

namespace agentwork::mock {
namespace {

using nlohmann::json;

HttpResponse task_not_found() {
  return error(404, "Task not found");
}

// Parses a JSON request body; on failure fills `failure` with the 422 to send.
bool parse_body(const HttpRequest& req, json& out, HttpResponse& failure) {
  bool too_deep = false;
  out = parse_json_bounded(req.body, &too_deep);
  if (too_deep) {
    failure = error(422, "body: JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                             " levels");
    return false;
  }
  if (out.is_discarded()) {
    failure =
        error(422, req.body.empty() ? "body: a JSON object is required" : "body: not valid JSON");
    return false;
  }
  if (!out.is_object()) {
    failure = error(422, "body: expected a JSON object");
    return false;
  }
  return true;
}

// A required, non-empty string field; on failure fills `failure` with the 422.
bool required_string(const json& body, const char* key, std::string& out, HttpResponse& failure) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    failure = error(422, std::string(key) + ": field required");
    return false;
  }
  if (!it->is_string()) {
    failure = error(422, std::string(key) + ": expected a string");
    return false;
  }
  out = it->get<std::string>();
  if (out.find_first_not_of(" \t\r\n") == std::string::npos) {
    failure = error(422, std::string(key) + ": must not be empty");
    return false;
  }
  return true;
}

bool optional_string(const json& body, const char* key, std::string& out, HttpResponse& failure) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return true;
  if (!it->is_string()) {
    failure = error(422, std::string(key) + ": expected a string");
    return false;
  }
  out = it->get<std::string>();
  return true;
}

bool plausible_email(const std::string& e) {
  const auto at = e.find('@');
  if (at == std::string::npos || at == 0 || e.find('@', at + 1) != std::string::npos) return false;
  const auto dot = e.find('.', at + 2);
  if (dot == std::string::npos || dot + 1 >= e.size()) return false;
  for (char c : e) {
    if (static_cast<unsigned char>(c) <= ' ') return false;
  }
  return e.size() <= 320;
}

std::string percent_encode_path(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

void append_field(std::string& out, const char* key, std::string_view value) {
  out += '"';
  out += key;
  out += "\":";
  append_json_string(out, value);
}

// GET /tasks/{id}: the hottest path, written without a DOM.
std::string status_body(const Task& t) {
  std::string out;
  out.reserve(160 + t.message_content.size());
  out += '{';
  append_field(out, "task_id", t.id);
  out += ',';
  append_field(out, "status", to_string(t.status));
  out += ',';
  append_field(out, "last_activity_at", format_timestamp(t.last_activity_at));
  if (t.status == Status::awaiting_reply) {
    out += ",\"question\":{";
    append_field(out, "message_id", t.message_id);
    out += ',';
    append_field(out, "content", t.message_content);
    out += ',';
    append_field(out, "type",
                 t.pending == Pending::to_customer ? "TO_CUSTOMER" : "CLARIFYING_QUESTIONS");
    out += '}';
  } else if (t.status == Status::awaiting_solution_approval) {
    out += ",\"solution\":{";
    append_field(out, "message_id", t.message_id);
    out += ',';
    append_field(out, "content", t.message_content);
    out += '}';
  }
  out += '}';
  return out;
}

std::string task_status_body(const Task& t) {
  std::string out = "{";
  append_field(out, "task_id", t.id);
  out += ',';
  append_field(out, "status", to_string(t.status));
  out += '}';
  return out;
}

std::string base_url(const MockConfig& config, const HttpRequest& req) {
  if (!config.public_base_url.empty()) return config.public_base_url;
  return std::string(req.tls ? "https://" : "http://") +
         (req.host.empty() ? "127.0.0.1" : req.host);
}

// --- Routes that need no key ---

HttpResponse register_user(const Call& c) {
  json body;
  HttpResponse failure;
  if (!parse_body(c.request, body, failure)) return failure;
  std::string email, name, org_name;
  if (!required_string(body, "email", email, failure) ||
      !required_string(body, "name", name, failure) ||
      !optional_string(body, "organization_name", org_name, failure)) {
    return failure;
  }
  if (!plausible_email(email)) return error(422, "email: not a valid email address");
  IssuedKey key;
  if (c.store.register_user(email, name, org_name, key) == AccountError::email_taken) {
    return error(409, "A user with this email already exists");
  }
  return json_response(201, json{{"api_key", key.api_key},
                                 {"key_prefix", key.key_prefix},
                                 {"organization_id", key.organization_id},
                                 {"organization_short_id", key.organization_short_id},
                                 {"user_id", key.user_id}}
                                .dump());
}

HttpResponse exchange_key(const Call& c) {
  json body;
  HttpResponse failure;
  if (!parse_body(c.request, body, failure)) return failure;
  std::string email, password, key_name;
  if (!required_string(body, "email", email, failure) ||
      !required_string(body, "password", password, failure) ||
      !optional_string(body, "key_name", key_name, failure)) {
    return failure;
  }
  IssuedKey key;
  if (c.store.exchange_password(email, password, key_name, key) != AccountError::none) {
    return error(401, "Incorrect email or password");
  }
  return json_response(201, json{{"api_key", key.api_key},
                                 {"key_prefix", key.key_prefix},
                                 {"key_name", key.key_name},
                                 {"organization_id", key.organization_id},
                                 {"user_id", key.user_id}}
                                .dump());
}

HttpResponse file_response(const StoredFile& f) {
  HttpResponse found = json_response(200, f.content);
  found.content_type = "application/octet-stream";
  const auto slash = f.name.rfind('/');
  found.headers.emplace_back(
      "Content-Disposition",
      "attachment; filename=\"" + f.name.substr(slash == std::string::npos ? 0 : slash + 1) + "\"");
  return found;
}

// GET /files/{task_id}/{token}/{name}
HttpResponse download_file(const Call& c) {
  std::string_view rest = std::string_view(c.path).substr(7);
  const auto s1 = rest.find('/');
  const auto s2 = s1 == std::string_view::npos ? s1 : rest.find('/', s1 + 1);
  if (s2 == std::string_view::npos) return error(404, "File not found");
  const std::string tid(rest.substr(0, s1));
  const std::string token(rest.substr(s1 + 1, s2 - s1 - 1));
  HttpResponse found = error(404, "File not found");
  c.store.with_any_task(tid, [&](Task& t) {
    for (const auto& f : t.files) {
      if (f.token == token) found = file_response(f);
    }
  });
  return found;
}

// --- Tasks ---

// Written straight from each task under its lock: no copy of the list, no JSON tree. At the
// default limit of 100,000 tasks an organization's list is about 19 MB, written in about 0.1 s
// (tests/mock_server/flood_test.py measures it), during which its thread serves no one else.
HttpResponse list_tasks(const Call& c) {
  std::string out = "{\"tasks\":[";
  c.store.for_each_task_newest_first(c.who, [&](const Task& t) {
    if (out.back() != '[') out += ',';
    out += '{';
    append_field(out, "task_id", t.id);
    out += ',';
    append_field(out, "title", t.title);
    out += ',';
    append_field(out, "status", to_string(t.status));
    out += ',';
    append_field(out, "created_at", format_timestamp(t.created_at));
    out += ',';
    append_field(out, "last_activity_at", format_timestamp(t.last_activity_at));
    out += '}';
  });
  out += "]}";
  return json_response(200, std::move(out));
}

// A 429 for a StoreLimits limit reached: what it is and how to raise it.
HttpResponse limit_reached(const Call& c, Store::CreateError why) {
  const auto& limits = c.store.limits();
  if (why == Store::CreateError::organization_full) {
    return error(429, "this organization holds " + std::to_string(limits.max_tasks_per_org) +
                          " tasks, the mock's limit (agentwork-mock --max-tasks-per-org)");
  }
  return error(429, "the mock holds " + std::to_string(c.store.stored_bytes() >> 20) +
                        " MiB of task data, its limit is " +
                        std::to_string(limits.max_bytes >> 20) +
                        " MiB (agentwork-mock --max-store-mb; POST /_mock/reset empties it)");
}

// The script a new task runs: the body's "mock_script" (a name or an inline script), else the
// default; a 422 in `failure` for a bad one.
bool script_of(const Call& c, const json& body, ScriptPtr& script, HttpResponse& failure) {
  script = c.config.default_script;
  auto it = c.config.deployment_like ? body.end() : body.find("mock_script");
  if (it == body.end() || it->is_null()) return true;
  if (it->is_string()) {
    script = c.store.find_script(it->get<std::string>());
    if (!script)
      failure = error(422, "mock_script: no script named \"" + it->get<std::string>() + "\"");
    return script != nullptr;
  }
  std::string problem;
  auto parsed = parse_agent_script(*it, problem);
  if (!parsed) {
    failure = error(422, "mock_script" + problem.substr(1));
    return false;
  }
  script = std::make_shared<const AgentScript>(std::move(*parsed));
  return true;
}

HttpResponse create_task(const Call& c) {
  json body;
  HttpResponse failure;
  if (!parse_body(c.request, body, failure)) return failure;
  std::string title, description;
  if (!required_string(body, "title", title, failure) ||
      !required_string(body, "description", description, failure)) {
    return failure;
  }
  ScriptPtr script;
  if (!script_of(c, body, script, failure)) return failure;
  std::string id;
  const auto created = c.store.create_task(c.who, std::move(title), std::move(description),
                                           std::move(script), id, c.request.body.size());
  if (created == Store::CreateError::organization_full ||
      created == Store::CreateError::store_full) {
    return limit_reached(c, created);
  }
  if (created == Store::CreateError::out_of_credits) {
    return error(402, "Out of credits for today: each organization gets " +
                          std::to_string(c.config.credits.per_day) + " credits a day");
  }
  if (created == Store::CreateError::unknown_organization) return unauthorized("Invalid API key");
  std::string out = "{";
  append_field(out, "task_id", id);
  out += ",\"status\":\"processing\"}";
  return json_response(201, std::move(out));
}

HttpResponse task_status(const Call& c) {
  std::string body;
  if (!c.store.with_task(c.who, c.task_id, [&](Task& t) { body = status_body(t); })) {
    return task_not_found();
  }
  return json_response(200, std::move(body));
}

HttpResponse events(const Call& c) {
  json out;
  const bool found = c.store.with_task(c.who, c.task_id, [&](Task& t) {
    json events = json::array();
    for (const auto& e : t.events) {
      events.push_back({{"timestamp", format_timestamp(e.timestamp)},
                        {"type", to_string(e.type)},
                        {"content", e.content}});
    }
    out = {{"task_id", t.id}, {"events", std::move(events)}};
  });
  if (!found) return task_not_found();
  return json_response(200, out.dump());
}

HttpResponse result_of(const Task& t, const std::string& base) {
  if (t.status != Status::completed) {
    return error(409, std::string("Task is ") + to_string(t.status) + ", not completed");
  }
  json files = json::array();
  for (const auto& f : t.files) {
    files.push_back({{"name", f.name},
                     {"download_url", base + "/files/" + t.id + "/" + f.token + "/" +
                                          percent_encode_path(f.name)}});
  }
  return json_response(200, json{{"task_id", t.id},
                                 {"status", "completed"},
                                 {"result_text", t.result_text},
                                 {"files", std::move(files)}}
                                .dump());
}

HttpResponse result(const Call& c) {
  HttpResponse r;
  const auto base = base_url(c.config, c.request);
  if (!c.store.with_task(c.who, c.task_id, [&](Task& t) { r = result_of(t, base); })) {
    return task_not_found();
  }
  return r;
}

HttpResponse cancel_task(const Call& c) {
  const Micros now = c.clock.now();
  HttpResponse r;
  if (!c.store.with_task(c.who, c.task_id, [&](Task& t) {
        auto result = cancel(t, now);
        r = result.error == ActionError::none ? json_response(200, task_status_body(t))
                                              : error(409, result.detail);
      })) {
    return task_not_found();
  }
  return r;
}

HttpResponse message(const Call& c) {
  const Micros now = c.clock.now();
  const double scale = c.clock.time_scale();
  json body;
  HttpResponse failure;
  if (!parse_body(c.request, body, failure)) return failure;
  std::string detail;
  auto parsed = parse_reply_body(body, detail);
  if (!parsed) return error(422, detail);
  if (!c.store.has_room(c.request.body.size())) {
    return limit_reached(c, Store::CreateError::store_full);
  }
  HttpResponse r;
  if (!c.store.with_task(c.who, c.task_id, [&](Task& t) {
        auto result = reply(t, *parsed, now, scale);
        if (result.error == ActionError::wrong_state) {
          r = error(409, result.detail);
        } else if (result.error == ActionError::invalid) {
          r = error(422, result.detail);
        } else {
          std::string out = "{";
          append_field(out, "task_id", t.id);
          out += ",\"status\":\"processing\"}";
          r = json_response(200, std::move(out));
        }
      })) {
    return task_not_found();
  }
  return r;
}

HttpResponse decision_of(Task& t, const std::string& status, const std::string& reason, Micros now,
                         double scale) {
  auto result = decide(t, status == "CONFIRMED", reason, now, scale);
  if (result.error != ActionError::none) return error(409, result.detail);
  std::string out = "{";
  append_field(out, "task_id", t.id);
  out += ',';
  append_field(out, "status", status == "CONFIRMED" ? "completed" : "processing");
  out += '}';
  return json_response(200, std::move(out));
}

HttpResponse solution_status(const Call& c) {
  const Micros now = c.clock.now();
  const double scale = c.clock.time_scale();
  json body;
  HttpResponse failure;
  if (!parse_body(c.request, body, failure)) return failure;
  std::string status, reason;
  if (!required_string(body, "status", status, failure) ||
      !optional_string(body, "rejection_reason", reason, failure)) {
    return failure;
  }
  if (status != "CONFIRMED" && status != "REJECTED") {
    return error(422, "status: expected \"CONFIRMED\" or \"REJECTED\", got \"" + status + "\"");
  }
  if (!c.store.has_room(reason.size())) {
    return limit_reached(c, Store::CreateError::store_full);
  }
  HttpResponse r;
  if (!c.store.with_task(c.who, c.task_id,
                         [&](Task& t) { r = decision_of(t, status, reason, now, scale); })) {
    return task_not_found();
  }
  return r;
}

constexpr auto kRoutes = std::to_array<RouteSpec>({
    {Route::register_user, "POST", false, nullptr, register_user},
    {Route::api_key, "POST", false, nullptr, exchange_key},
    {Route::file, "GET", false, download_file, nullptr},
    {Route::tasks, "GET, POST", true, list_tasks, create_task},
    {Route::task, "GET", true, task_status, nullptr},
    {Route::events, "GET", true, events, nullptr},
    {Route::result, "GET", true, result, nullptr},
    {Route::cancel, "POST", true, nullptr, cancel_task},
    {Route::message, "POST", true, nullptr, message},
    {Route::solution_status, "POST", true, nullptr, solution_status},
});

}  // namespace

HttpResponse json_response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse error(int status, std::string_view detail) {
  return json_response(status, error_body(detail));
}

HttpResponse unauthorized(std::string_view detail) {
  auto r = error(401, detail);
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

HttpResponse method_not_allowed(const char* allow) {
  auto r = error(405, "Method Not Allowed");
  r.headers.emplace_back("Allow", allow);
  return r;
}

const RouteSpec* find_route(Route route) {
  for (const auto& spec : kRoutes) {
    if (spec.route == route) return &spec;
  }
  return nullptr;
}

}  // namespace agentwork::mock
