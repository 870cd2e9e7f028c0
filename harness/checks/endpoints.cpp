// Names and rules of the API's endpoints (declared in contract_checks.hpp): the figures' labels,
// a request's endpoint by method and path, and the rule a server error of each breaks. Pure.
#include <array>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "harness/checks/contract_checks.hpp"

namespace agentwork::harness {

using nlohmann::json;

std::string_view endpoint_label(Endpoint e) {
  static constexpr std::array<std::string_view, kEndpointCount> kLabels = {
      "register", "api_key", "create", "list",   "status",  "message",
      "solution", "events",  "cancel", "result", "download"};
  return kLabels[static_cast<std::size_t>(e)];
}

std::optional<Endpoint> endpoint_of_request(std::string_view method, std::string_view path) {
  path = path.substr(0, path.find('?'));
  if (path.starts_with("/api/v1")) path.remove_prefix(7);
  const bool get = method == "GET", post = method == "POST";
  if (path == "/auth/register" && post) return Endpoint::register_user;
  if (path == "/auth/api-key" && post) return Endpoint::api_key;
  if (path == "/tasks/" || path == "/tasks") {
    if (post) return Endpoint::create_task;
    if (get) return Endpoint::list_tasks;
    return std::nullopt;
  }
  if (!path.starts_with("/tasks/")) return std::nullopt;
  path.remove_prefix(7);
  const auto slash = path.find('/');
  if (path.empty() || slash == 0) return std::nullopt;
  if (slash == std::string_view::npos) {
    return get ? std::optional(Endpoint::task_status) : std::nullopt;
  }
  const std::string_view tail = path.substr(slash);
  if (tail == "/message" && post) return Endpoint::message;
  if (tail == "/solution-status" && post) return Endpoint::solution_status;
  if (tail == "/events" && get) return Endpoint::events;
  if (tail == "/cancel" && post) return Endpoint::cancel;
  if (tail == "/result" && get) return Endpoint::result;
  return std::nullopt;
}

std::string_view success_rule(Endpoint e, std::string_view request_body) {
  const json body = json::parse(request_body, nullptr, /*allow_exceptions=*/false);
  const auto has = [&body](const char* key) { return body.is_object() && body.contains(key); };
  switch (e) {
    case Endpoint::register_user:
      return "G.register.created";
    case Endpoint::api_key:
      return "G.api_key.exchange";
    case Endpoint::create_task:
      return "G.create.created";
    case Endpoint::list_tasks:
      return "G.list.tasks";
    case Endpoint::task_status:
      return "G.status.shape";
    case Endpoint::message:
      if (has("answers")) return "G.message.reply_resumes";
      return has("content") && !has("message") ? "G.message.content_alias"
                                               : "G.message.plain_text";
    case Endpoint::solution_status:
      return has("status") && body["status"] == "REJECTED" ? "G.solution.reject"
                                                           : "G.solution.confirm";
    case Endpoint::events:
      return "G.events.shape";
    case Endpoint::cancel:
      return "G.cancel.cancels";
    case Endpoint::result:
      return "G.result.shape";
    case Endpoint::file_download:
      return "M.result.download";
  }
  return "G.status.shape";
}

}  // namespace agentwork::harness
