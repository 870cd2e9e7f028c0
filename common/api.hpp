// The API's vocabulary that the harness and the mock share.
#pragma once

#include <array>
#include <cstdint>
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

}  // namespace agentwork
