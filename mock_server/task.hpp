// One task as the mock stores it: its lifecycle state, its event log, and where its agent is
// in its script. Plain data; the state machine (state_machine.hpp) is what changes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "common/agent_script.hpp"
#include "common/api.hpp"
#include "mock_server/clock.hpp"

namespace agentwork::mock {

enum class Status : std::uint8_t {
  processing,
  awaiting_reply,
  awaiting_solution_approval,
  completed,
  cancelled,
};
inline constexpr std::size_t kStatusCount = 5;
const char* to_string(Status s);
inline bool is_terminal(Status s) {
  return s == Status::completed || s == Status::cancelled;
}

// What the task is waiting on the client for, if anything.
enum class Pending : std::uint8_t { none, clarifying_questions, to_customer, solution };

struct Event {
  Micros timestamp = 0;
  EventType type = EventType::status;
  std::string content;
};

struct StoredFile {
  std::string name;
  std::string token;  // secret part of the download URL (the URL is the credential)
  std::string content;
};

inline constexpr Micros kNever = std::numeric_limits<Micros>::max();

struct Task {
  std::string id;
  std::uint32_t org = 0;      // index of the owning organization in the store
  std::uint32_t ordinal = 0;  // 0, 1, 2 ... per organization, in creation order
  std::string title;
  std::string description;
  Micros created_at = 0;
  Micros last_activity_at = 0;
  Status status = Status::processing;

  Pending pending = Pending::none;
  std::string message_id;       // of the pending question or solution
  std::string message_content;  // its content (for CLARIFYING_QUESTIONS: the JSON string)

  std::vector<Event> events;  // append-only, timestamps strictly increasing (>= 1 us apart)

  // The agent: `pc` is the next script step; it acts at `wake_at` (kNever: waiting on the
  // client, stalled, or out of steps). `waiting_step` is the ask/message/propose step awaiting
  // the client. `revising`: the next wake re-proposes `waiting_step`.
  ScriptPtr script;
  std::uint32_t pc = 0;
  std::uint32_t waiting_step = 0;
  std::uint32_t revisions = 0;
  Micros wake_at = 0;
  bool revising = false;
  bool stalled = false;

  std::string result_text;
  std::vector<StoredFile> files;

  // Memory, for the store's budget (Store::stored_bytes): estimates in bytes, not allocator truth.
  std::size_t event_bytes = 0;   // sum over events of sizeof(Event) + content size
  std::size_t script_bytes = 0;  // its script's share: the size of the request that created it
  std::size_t charged = 0;       // what the store's total counts for this task now
};

}  // namespace agentwork::mock
