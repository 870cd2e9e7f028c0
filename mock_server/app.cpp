#include "mock_server/app.hpp"

#include <cstring>
#include <optional>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "mock_server/json_util.hpp"
#include "mock_server/state_machine.hpp"

namespace agentwork::mock {
namespace {

using nlohmann::json;

constexpr std::string_view kApi = "/api/v1";

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

HttpResponse task_not_found() {
  return error(404, "Task not found");
}

int method_index(const std::string& m) {
  return m == "GET" ? 0 : m == "POST" ? 1 : 2;
}

// Parses a JSON request body; on failure fills `failure` with the 422 to send.
bool parse_body(const HttpRequest& req, json& out, HttpResponse& failure) {
  out = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
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

// Splits "/api/v1/tasks/ID/rest" into the route, the task id and nothing else.
Route classify(std::string_view path, std::string& task_id) {
  if (path.starts_with("/_mock/") || path == "/_mock") return Route::control;
  if (path.starts_with("/files/")) return Route::file;
  if (!path.starts_with(kApi)) return Route::unknown;
  path.remove_prefix(kApi.size());
  if (path == "/auth/register") return Route::register_user;
  if (path == "/auth/api-key") return Route::api_key;
  if (path == "/tasks" || path == "/tasks/") return Route::tasks;
  if (!path.starts_with("/tasks/")) return Route::unknown;
  path.remove_prefix(7);
  const auto slash = path.find('/');
  task_id = std::string(path.substr(0, slash));
  if (task_id.empty()) return Route::unknown;
  if (slash == std::string_view::npos) return Route::task;
  auto rest = path.substr(slash);
  if (rest == "/") return Route::task;
  if (rest == "/message") return Route::message;
  if (rest == "/solution-status") return Route::solution_status;
  if (rest == "/events") return Route::events;
  if (rest == "/cancel") return Route::cancel;
  if (rest == "/result") return Route::result;
  return Route::unknown;
}

// Checks the config, and takes from a deployment-like one what a deployment lacks: the control
// API and scripts.
MockConfig effective(MockConfig config) {
  if (!(config.stall_rate >= 0.0 && config.stall_rate <= 1.0)) {
    throw std::invalid_argument("stall_rate " + std::to_string(config.stall_rate) +
                                " is not a probability from 0 to 1");
  }
  if (config.deployment_like) {
    config.control_api = false;
    config.default_script = nullptr;
    config.scripts.clear();
  }
  return config;
}

StoreOptions store_options(const MockConfig& config) {
  StoreOptions o;
  o.seed = config.seed;
  o.credits = config.credits;
  o.password_users = config.users;
  o.scripts = config.scripts;
  o.seeded_agent = config.deployment_like ? SeededAgent::fleet : SeededAgent::default_agent;
  o.stall_rate = config.stall_rate;
  return o;
}

}  // namespace

const char* route_template(Route r) {
  switch (r) {
    case Route::register_user:
      return "/api/v1/auth/register";
    case Route::api_key:
      return "/api/v1/auth/api-key";
    case Route::tasks:
      return "/api/v1/tasks/";
    case Route::task:
      return "/api/v1/tasks/{id}";
    case Route::message:
      return "/api/v1/tasks/{id}/message";
    case Route::solution_status:
      return "/api/v1/tasks/{id}/solution-status";
    case Route::events:
      return "/api/v1/tasks/{id}/events";
    case Route::cancel:
      return "/api/v1/tasks/{id}/cancel";
    case Route::result:
      return "/api/v1/tasks/{id}/result";
    case Route::file:
      return "/files/{file}";
    case Route::control:
      return "/_mock/";
    case Route::unknown:
      return "unknown";
  }
  return "unknown";
}

App::App(MockConfig config)
    : config_(effective(std::move(config))),
      clock_(config_.time_scale),
      store_(clock_, store_options(config_)),
      faults_(config_.seed),
      calls_(std::make_unique<std::array<std::array<std::array<std::atomic<std::uint64_t>, 600>, 3>,
                                         kRouteCount>>()) {
  if (config_.start_frozen) clock_.freeze();
  for (const auto& rule : config_.faults) faults_.add(rule);
  for (const auto& id : config_.violations) {
    if (!violator_.enable(id)) {
      throw std::invalid_argument("\"" + id + "\" is not a rule the mock can break");
    }
  }
}

void App::count(Route route, const std::string& method, int status) {
  if (status < 0 || status >= 600) status = 0;
  (*calls_)[static_cast<std::size_t>(route)][method_index(method)][status].fetch_add(
      1, std::memory_order_relaxed);
}

std::uint64_t App::calls(Route route, const std::string& method, int status) const {
  if (status < 0 || status >= 600) return 0;
  return (*calls_)[static_cast<std::size_t>(route)][method_index(method)][status].load(
      std::memory_order_relaxed);
}

json App::calls_json() const {
  static const char* kMethods[] = {"GET", "POST", "other"};
  json out = json::object();
  for (std::size_t r = 0; r < kRouteCount; ++r) {
    for (int m = 0; m < 3; ++m) {
      json by_status = json::object();
      std::uint64_t total = 0;
      for (int s = 0; s < 600; ++s) {
        const auto n = (*calls_)[r][m][s].load(std::memory_order_relaxed);
        if (n == 0) continue;
        by_status[std::to_string(s)] = n;
        total += n;
      }
      if (total == 0) continue;
      const auto key = std::string(kMethods[m]) + " " + route_template(static_cast<Route>(r));
      out[key] = {{"total", total}, {"by_status", by_status}};
    }
  }
  return out;
}

void App::reset_calls() {
  for (auto& route : *calls_) {
    for (auto& method : route) {
      for (auto& n : method) n.store(0, std::memory_order_relaxed);
    }
  }
}

HttpResponse App::handle(const HttpRequest& request) {
  Route route = Route::unknown;
  if (!violator_.empty()) {
    HttpRequest edited = request;
    violator_.before(edited);
    HttpResponse response = route_request(edited, route);
    count(route, request.method, response.status);
    return response;
  }
  HttpResponse response = route_request(request, route);
  count(route, request.method, response.status);
  return response;
}

HttpResponse App::route_request(const HttpRequest& req, Route& route) {
  std::string_view path = req.target;
  if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  std::string task_id;
  route = classify(path, task_id);
  if (route == Route::control) {
    if (!config_.control_api) return error(404, "Not Found");
    return handle_control(*this, req, std::string(path));
  }
  if (route == Route::unknown) {
    HttpResponse r = error(404, "Not Found");
    if (!violator_.empty()) violator_.after(req, route, task_id, store_, r);
    return r;
  }

  FaultDecision faults;
  if (!faults_.empty()) faults = faults_.decide(req.method, route_template(route));
  if (faults.respond) {
    auto r = *faults.respond;
    r.delay += faults.latency;
    return r;
  }
  HttpResponse r;
  if (faults.transport == FaultAction::drop) {
    r.status = 0;  // never written
    r.fault = FaultAction::drop;
  } else {
    std::optional<HttpResponse> refused;
    if (!violator_.empty()) refused = violator_.refuse(req, route, task_id, store_);
    r = refused ? std::move(*refused) : dispatch(req, route, task_id, std::string(path));
    if (!violator_.empty()) violator_.after(req, route, task_id, store_, r);
    r.fault = faults.transport;
  }
  r.delay += faults.latency;
  return r;
}

HttpResponse App::dispatch(const HttpRequest& req, Route route, const std::string& task_id,
                           const std::string& path) {
  const std::string& m = req.method;
  HttpResponse failure;

  // Routes that need no key.
  if (route == Route::register_user) {
    if (m != "POST") return method_not_allowed("POST");
    json body;
    if (!parse_body(req, body, failure)) return failure;
    std::string email, name, org_name;
    if (!required_string(body, "email", email, failure) ||
        !required_string(body, "name", name, failure) ||
        !optional_string(body, "organization_name", org_name, failure)) {
      return failure;
    }
    if (!plausible_email(email)) return error(422, "email: not a valid email address");
    IssuedKey key;
    if (store_.register_user(email, name, org_name, key) == AccountError::email_taken) {
      return error(409, "A user with this email already exists");
    }
    return json_response(201, json{{"api_key", key.api_key},
                                   {"key_prefix", key.key_prefix},
                                   {"organization_id", key.organization_id},
                                   {"organization_short_id", key.organization_short_id},
                                   {"user_id", key.user_id}}
                                  .dump());
  }
  if (route == Route::api_key) {
    if (m != "POST") return method_not_allowed("POST");
    json body;
    if (!parse_body(req, body, failure)) return failure;
    std::string email, password, key_name;
    if (!required_string(body, "email", email, failure) ||
        !required_string(body, "password", password, failure) ||
        !optional_string(body, "key_name", key_name, failure)) {
      return failure;
    }
    IssuedKey key;
    if (store_.exchange_password(email, password, key_name, key) != AccountError::none) {
      return error(401, "Incorrect email or password");
    }
    return json_response(201, json{{"api_key", key.api_key},
                                   {"key_prefix", key.key_prefix},
                                   {"key_name", key.key_name},
                                   {"organization_id", key.organization_id},
                                   {"user_id", key.user_id}}
                                  .dump());
  }
  if (route == Route::file) {
    if (m != "GET") return method_not_allowed("GET");
    // /files/{task_id}/{token}/{name}
    std::string_view rest = std::string_view(path).substr(7);
    const auto s1 = rest.find('/');
    const auto s2 = s1 == std::string_view::npos ? s1 : rest.find('/', s1 + 1);
    if (s2 == std::string_view::npos) return error(404, "File not found");
    const std::string tid(rest.substr(0, s1));
    const std::string token(rest.substr(s1 + 1, s2 - s1 - 1));
    HttpResponse found = error(404, "File not found");
    store_.with_any_task(tid, [&](Task& t) {
      for (const auto& f : t.files) {
        if (f.token != token) continue;
        found = json_response(200, f.content);
        found.content_type = "application/octet-stream";
        const auto slash = f.name.rfind('/');
        found.headers.emplace_back("Content-Disposition",
                                   "attachment; filename=\"" +
                                       f.name.substr(slash == std::string::npos ? 0 : slash + 1) +
                                       "\"");
      }
    });
    return found;
  }

  // Check the method before the key, as a router does.
  const bool get_route = route == Route::task || route == Route::events || route == Route::result;
  if (route == Route::tasks) {
    if (m != "GET" && m != "POST") return method_not_allowed("GET, POST");
  } else if (get_route) {
    if (m != "GET") return method_not_allowed("GET");
  } else if (m != "POST") {
    return method_not_allowed("POST");
  }

  std::string_view auth = req.authorization;
  if (auth.empty()) return unauthorized("Not authenticated");
  if (auth.size() < 7 || strncasecmp(auth.data(), "Bearer ", 7) != 0) {
    return unauthorized("Invalid authentication scheme (expected Bearer)");
  }
  auth.remove_prefix(7);
  while (!auth.empty() && auth.front() == ' ') auth.remove_prefix(1);
  const auto who = store_.authenticate(auth);
  if (!who) return unauthorized("Invalid API key");
  const Micros now = clock_.now();
  const double scale = clock_.time_scale();

  switch (route) {
    case Route::tasks: {
      if (m == "GET") {
        json list = json::array();
        for (const auto& t : store_.list_tasks(*who)) {
          list.push_back({{"task_id", t.task_id},
                          {"title", t.title},
                          {"status", to_string(t.status)},
                          {"created_at", format_timestamp(t.created_at)},
                          {"last_activity_at", format_timestamp(t.last_activity_at)}});
        }
        return json_response(200, json{{"tasks", std::move(list)}}.dump());
      }
      json body;
      if (!parse_body(req, body, failure)) return failure;
      std::string title, description;
      if (!required_string(body, "title", title, failure) ||
          !required_string(body, "description", description, failure)) {
        return failure;
      }
      ScriptPtr script = config_.default_script;
      auto it = config_.deployment_like ? body.end() : body.find("mock_script");
      if (it != body.end() && !it->is_null()) {
        if (it->is_string()) {
          script = store_.find_script(it->get<std::string>());
          if (!script)
            return error(422, "mock_script: no script named \"" + it->get<std::string>() + "\"");
        } else {
          std::string problem;
          auto parsed = parse_agent_script(*it, problem);
          if (!parsed) return error(422, "mock_script" + problem.substr(1));
          script = std::make_shared<const AgentScript>(std::move(*parsed));
        }
      }
      std::string id;
      const auto created =
          store_.create_task(*who, std::move(title), std::move(description), std::move(script), id);
      if (created == Store::CreateError::out_of_credits) {
        return error(402, "Out of credits for today: each organization gets " +
                              std::to_string(config_.credits.per_day) + " credits a day");
      }
      if (created == Store::CreateError::unknown_organization)
        return unauthorized("Invalid API key");
      std::string out = "{";
      append_field(out, "task_id", id);
      out += ",\"status\":\"processing\"}";
      return json_response(201, std::move(out));
    }
    case Route::task: {
      std::string body;
      if (!store_.with_task(*who, task_id, [&](Task& t) { body = status_body(t); })) {
        return task_not_found();
      }
      return json_response(200, std::move(body));
    }
    case Route::events: {
      json out;
      if (!store_.with_task(*who, task_id, [&](Task& t) {
            json events = json::array();
            for (const auto& e : t.events) {
              events.push_back({{"timestamp", format_timestamp(e.timestamp)},
                                {"type", to_string(e.type)},
                                {"content", e.content}});
            }
            out = {{"task_id", t.id}, {"events", std::move(events)}};
          })) {
        return task_not_found();
      }
      return json_response(200, out.dump());
    }
    case Route::result: {
      HttpResponse r;
      const auto base = base_url(config_, req);
      if (!store_.with_task(*who, task_id, [&](Task& t) {
            if (t.status != Status::completed) {
              r = error(409, std::string("Task is ") + to_string(t.status) + ", not completed");
              return;
            }
            json files = json::array();
            for (const auto& f : t.files) {
              files.push_back({{"name", f.name},
                               {"download_url", base + "/files/" + t.id + "/" + f.token + "/" +
                                                    percent_encode_path(f.name)}});
            }
            r = json_response(200, json{{"task_id", t.id},
                                        {"status", "completed"},
                                        {"result_text", t.result_text},
                                        {"files", std::move(files)}}
                                       .dump());
          })) {
        return task_not_found();
      }
      return r;
    }
    case Route::cancel: {
      HttpResponse r;
      if (!store_.with_task(*who, task_id, [&](Task& t) {
            auto result = cancel(t, now);
            r = result.error == ActionError::none ? json_response(200, task_status_body(t))
                                                  : error(409, result.detail);
          })) {
        return task_not_found();
      }
      return r;
    }
    case Route::message: {
      json body;
      if (!parse_body(req, body, failure)) return failure;
      std::string detail;
      auto parsed = parse_reply_body(body, detail);
      if (!parsed) return error(422, detail);
      HttpResponse r;
      if (!store_.with_task(*who, task_id, [&](Task& t) {
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
    case Route::solution_status: {
      json body;
      if (!parse_body(req, body, failure)) return failure;
      std::string status, reason;
      if (!required_string(body, "status", status, failure) ||
          !optional_string(body, "rejection_reason", reason, failure)) {
        return failure;
      }
      if (status != "CONFIRMED" && status != "REJECTED") {
        return error(422, "status: expected \"CONFIRMED\" or \"REJECTED\", got \"" + status + "\"");
      }
      HttpResponse r;
      if (!store_.with_task(*who, task_id, [&](Task& t) {
            auto result = decide(t, status == "CONFIRMED", reason, now, scale);
            if (result.error != ActionError::none) {
              r = error(409, result.detail);
              return;
            }
            std::string out = "{";
            append_field(out, "task_id", t.id);
            out += ',';
            append_field(out, "status", status == "CONFIRMED" ? "completed" : "processing");
            out += '}';
            r = json_response(200, std::move(out));
          })) {
        return task_not_found();
      }
      return r;
    }
    default:
      return error(404, "Not Found");
  }
}

}  // namespace agentwork::mock
