#include "mock_server/app.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "mock_server/routes.hpp"

namespace agentwork::mock {
namespace {

// An absolute-form request target split into its authority and its origin form ("/" when it has
// no path); nullopt for any other target.
std::optional<std::pair<std::string_view, std::string_view>> split_absolute_form(
    std::string_view target) {
  std::size_t skip = 0;
  for (const std::string_view scheme : {"http://", "https://"}) {
    if (target.size() >= scheme.size() &&
        strncasecmp(target.data(), scheme.data(), scheme.size()) == 0) {
      skip = scheme.size();
    }
  }
  if (skip == 0) return std::nullopt;
  const auto rest = target.substr(skip);
  const auto slash = rest.find_first_of("/?");
  if (slash == std::string_view::npos) return std::pair{rest, std::string_view("/")};
  if (rest[slash] == '?') return std::nullopt;  // "http://host?q": no path to route
  return std::pair{rest.substr(0, slash), rest.substr(slash)};
}


// A Host header as RFC 9110 and 3986 allow it: a registered name or IPv4 address (letters,
// digits, - . _ ~ %, and the sub-delimiters ! $ & ' ( ) * + , ; =) or an IPv6 literal in
// brackets, then an optional :port of digits. Anything else (a quote, a backslash, a space,
// bytes above 127) would be copied into every download_url the mock writes: refused with 400.
bool valid_host(std::string_view host) {
  std::size_t i = 0;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (const char c : host.substr(1, close - 1)) {
      const bool ok = std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
      if (!ok) return false;
    }
    i = close + 1;
  } else {
    for (; i < host.size() && host[i] != ':'; ++i) {
      const auto c = static_cast<unsigned char>(host[i]);
      const bool ok = std::isalnum(c) || std::strchr("-._~%!$&'()*+,;=", c) != nullptr;
      if (!ok || c == 0) return false;
    }
    if (i == 0) return false;
  }
  if (i == host.size()) return true;
  if (host[i] != ':') return false;
  const auto port = host.substr(i + 1);
  return port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) {
           return c >= '0' && c <= '9';
         });
}


using nlohmann::json;

constexpr std::string_view kApi = "/api/v1";

int method_index(const std::string& m) {
  return m == "GET" ? 0 : m == "POST" ? 1 : 2;
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
  o.limits = config.limits;
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
  // An absolute-form target ("GET http://host:8080/api/v1/tasks/ HTTP/1.1", as proxies send
  // it): RFC 9112 section 3.2.2 has servers accept it, the target's authority replacing Host.
  if (const auto absolute = split_absolute_form(request.target)) {
    HttpRequest edited = request;
    edited.host = std::string(absolute->first);
    edited.target = std::string(absolute->second);
    HttpResponse response = route_request(edited, route);
    count(route, request.method, response.status);
    return response;
  }
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
  if (!req.host.empty() && !valid_host(req.host)) {
    return error(400, "invalid Host header: expected host[:port] (RFC 9110 section 7.2)");
  }
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
  const RouteSpec* spec = find_route(route);
  if (spec == nullptr) return error(404, "Not Found");
  // Check the method before the key, as a router does.
  // HEAD is GET without the body (the server writes the head only, RFC 9110 section 9.3.2).
  const RouteHandler handler = req.method == "GET" || req.method == "HEAD" ? spec->get
                               : req.method == "POST"                     ? spec->post
                                                                          : nullptr;
  if (handler == nullptr) return method_not_allowed(spec->allow);
  Call call{req, task_id, path, store_, clock_, config_, Principal{}};
  if (spec->needs_key) {
    std::string_view auth = req.authorization;
    if (auth.empty()) return unauthorized("Not authenticated");
    if (auth.size() < 7 || strncasecmp(auth.data(), "Bearer ", 7) != 0) {
      return unauthorized("Invalid authentication scheme (expected Bearer)");
    }
    auth.remove_prefix(7);
    while (!auth.empty() && auth.front() == ' ') auth.remove_prefix(1);
    const auto who = store_.authenticate(auth);
    if (!who) return unauthorized("Invalid API key");
    call.who = *who;
  }
  return handler(call);
}

}  // namespace agentwork::mock
