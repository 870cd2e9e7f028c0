// Endpoint names and the endpoint of a request (declared in api.hpp). Pure.
#include "common/api.hpp"

namespace agentwork {

std::optional<Endpoint> endpoint_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kEndpointCount; ++i) {
    if (kEndpointNames[i] == name) return static_cast<Endpoint>(i);
  }
  return std::nullopt;
}

namespace {

// The endpoint of a path under "/tasks/{id}", the id and its slash removed ("", "/message", ...).
Endpoint task_endpoint(bool get, bool post, std::string_view tail) {
  if (tail.empty()) return get ? Endpoint::task_status : Endpoint::other;
  if (tail == "/message" && post) return Endpoint::message;
  if (tail == "/solution-status" && post) return Endpoint::solution_status;
  if (tail == "/events" && get) return Endpoint::events;
  if (tail == "/cancel" && post) return Endpoint::cancel;
  if (tail == "/result" && get) return Endpoint::result;
  return Endpoint::other;
}

}  // namespace

Endpoint endpoint_of(std::string_view method, std::string_view path) {
  path = path.substr(0, path.find('?'));
  if (path.starts_with("/api/v1")) path.remove_prefix(7);
  const bool get = method == "GET", post = method == "POST";
  if (path == "/auth/register" && post) return Endpoint::register_user;
  if (path == "/auth/api-key" && post) return Endpoint::api_key;
  if (path == "/tasks/" || path == "/tasks") {
    if (post) return Endpoint::create_task;
    return get ? Endpoint::list_tasks : Endpoint::other;
  }
  if (!path.starts_with("/tasks/")) return Endpoint::other;
  path.remove_prefix(7);
  const auto slash = path.find('/');
  if (path.empty() || slash == 0) return Endpoint::other;
  if (slash == std::string_view::npos) return task_endpoint(get, post, {});
  return task_endpoint(get, post, path.substr(slash));
}

}  // namespace agentwork
