// The API's vocabulary that the harness and the mock share: its endpoints, the event types of
// GET /tasks/{id}/events, and the ways an exchange with it can fail on the wire.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace agentwork {

// The `type` of an entry of GET /tasks/{id}/events.
enum class EventType : std::uint8_t {
  status,
  question,
  reply,
  message_to_customer,
  solution_proposed,
  solution_decision,
};
// The wire names, at the index of their EventType.
inline constexpr std::array<std::string_view, 6> kEventTypeNames = {
    "status", "question", "reply", "message_to_customer", "solution_proposed", "solution_decision"};
static_assert(kEventTypeNames.size() == static_cast<std::size_t>(EventType::solution_decision) + 1);

// The wire name (a NUL-terminated literal).
inline const char* to_string(EventType t) {
  return kEventTypeNames[static_cast<std::size_t>(t)].data();
}

// The API's endpoints (paths under /api/v1), in the order of a task's life; `other` is a request
// to none of them (an unknown path, a wrong method, the mock's control API).
enum class Endpoint : std::uint8_t {
  register_user,    // POST /auth/register
  api_key,          // POST /auth/api-key
  create_task,      // POST /tasks/
  list_tasks,       // GET /tasks/
  task_status,      // GET /tasks/{id}
  message,          // POST /tasks/{id}/message
  solution_status,  // POST /tasks/{id}/solution-status
  events,           // GET /tasks/{id}/events
  cancel,           // POST /tasks/{id}/cancel
  result,           // GET /tasks/{id}/result
  file_download,    // GET <download_url>
  other,
};
// The labels of figures and thresholds (run and load alike), at the index of their Endpoint.
inline constexpr std::array<std::string_view, 12> kEndpointNames = {
    "register", "api_key", "create", "list",   "status",   "message",
    "solution", "events",  "cancel", "result", "download", "other"};
inline constexpr std::size_t kEndpointCount = kEndpointNames.size();
static_assert(kEndpointCount == static_cast<std::size_t>(Endpoint::other) + 1);

inline std::string_view to_string(Endpoint e) {
  return kEndpointNames[static_cast<std::size_t>(e)];
}
std::optional<Endpoint> endpoint_from_name(std::string_view name);
// The endpoint a request goes to, by method and path ("/api/v1" prefix and query optional):
// POST and GET "/tasks/" are create_task and list_tasks, GET "/tasks/{id}" task_status, and so
// on; anything else (a download URL included: it has no fixed path) is other.
Endpoint endpoint_of(std::string_view method, std::string_view path);

// Why an exchange failed on the wire. Subsets: timeout may happen in connect, tls, write or read;
// it is reported as timeout, not as the phase. An HTTP error status is not an ErrorClass: the
// exchange itself worked.
enum class ErrorClass : std::uint8_t {
  none,
  bad_url,
  dns,
  connect,
  tls,
  write,
  read,
  timeout,
  too_large,  // response body over the client's limit
  protocol,   // not HTTP/1.x
  redirects,  // more than the client's limit
  aborted,    // never sent: the client shut down (load mode's abandoned cleanup)
};
inline constexpr std::array<std::string_view, 12> kErrorClassNames = {
    "none", "bad_url",  "dns",       "connect",  "tls",       "write",
    "read", "timeout", "too_large", "protocol", "redirects", "aborted"};
static_assert(kErrorClassNames.size() == static_cast<std::size_t>(ErrorClass::aborted) + 1);

// The name (a NUL-terminated literal): "none", "bad_url", "dns", ...
inline const char* to_string(ErrorClass e) {
  return kErrorClassNames[static_cast<std::size_t>(e)].data();
}

}  // namespace agentwork
