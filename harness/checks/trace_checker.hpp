// The lifecycle trace checker (CONTRACT.md sections 1 and 2): fed the polled statuses of one task
// and the client's own actions, in order, it reports every point where no path through the edge
// table explains what was seen, and the last_activity_at and message_id rules between polls.
// Pure: no sockets, no clock; the runner feeds it as it polls and acts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace agentwork::harness {

enum class TaskState : std::uint8_t {
  processing,
  awaiting_reply,
  awaiting_solution_approval,
  completed,
  cancelled,
};
inline constexpr std::size_t kTaskStateCount = 5;

// The wire names ("awaiting_reply", ...); nullopt for anything else.
std::optional<TaskState> parse_task_state(std::string_view text);
std::string_view to_string(TaskState state);
constexpr bool is_terminal(TaskState s) {
  return s == TaskState::completed || s == TaskState::cancelled;
}

enum class ClientAction : std::uint8_t {
  reply,    // POST /tasks/{id}/message
  confirm,  // solution-status CONFIRMED
  reject,   // solution-status REJECTED
  cancel,   // POST /tasks/{id}/cancel
};
// As the contract names them: "reply", "CONFIRMED", "REJECTED", "cancel".
std::string_view to_string(ClientAction action);

// One status poll.
struct Observation {
  TaskState state = TaskState::processing;
  std::int64_t last_activity_us = 0;  // last_activity_at, microseconds since the epoch
  std::string message_id;             // of the question or the solution; empty when none
  // last_activity_at has whole seconds only (the guide's own example has no fraction): two
  // changes within one second then share a value. `polled_us` is when the client got this
  // answer (any steady clock, microseconds); see TraceChecker for how both are used.
  bool whole_seconds = false;
  std::int64_t polled_us = 0;
};

// One client action and whether the server accepted it (answered 2xx).
struct Action {
  ClientAction action = ClientAction::reply;
  bool accepted = false;
};

using TraceEntry = std::variant<Observation, Action>;

struct Violation {
  std::string_view rule_id;  // an id of rules.hpp
  std::size_t step;          // index of the trace entry: observe() and act() calls count from 0
  std::string detail;        // what was expected and what was seen
};

// Incremental: tracks the set of states the task may be in, since states can be missed between
// polls. Agent and system edges may happen any number of times between two entries; client edges
// happen exactly where the client acted and the server accepted; a refused action changes
// nothing. After a violation it resynchronises on what was seen, so one bad poll gives one
// lifecycle violation, not a cascade.
//
// Which rule a poll that no path explains breaks, the most specific first:
//   G.solution.confirm / G.cancel.cancels  the client's last accepted action since the previous
//                                          poll was CONFIRMED / cancel, and its effect is missing
//   G.lifecycle.terminal                   the task could only be completed or cancelled
//   G.lifecycle.completion_needs_confirm   completed without an accepted CONFIRMED
//   G.lifecycle.edges                      anything else
// An accepted action that no possible state allows is G.lifecycle.edges at the action's step;
// the checker then allows both readings (ignored, or taken) and does not count it as a
// transition below.
//
// Between two consecutive polls "the task must have moved" when the states differ or a possible
// client action was accepted in between (every client edge changes the state). Then
// last_activity_at must differ (G.status.last_activity_at.changes) - unless both values have
// whole seconds and every poll that saw the old value came within 1.5 s of the first one: the
// changes may then all have fallen in one second (a value that outlived a longer span cannot
// have: those polls would have to lie inside that second too). It may never decrease
// (G.status.last_activity_at.monotonic). M.status.message_id.new compares each question with the
// last question polled (and each proposal with the last proposal), across polls in other states:
// a new id is required when the task must have moved since, the same id when it cannot have.
// Empty message_ids are not compared (their presence is the contract checks' business).
class TraceChecker {
 public:
  TraceChecker();  // the task was just created: processing

  void observe(const Observation& o);
  void act(ClientAction action, bool accepted);

  const std::vector<Violation>& violations() const { return violations_; }
  // The states the task may be in now (agent moves included), in enum order.
  std::vector<TaskState> possible_states() const;

 private:
  using StateSet = std::uint8_t;  // bit i: TaskState i

  // The last observed message_id of one waiting state, and whether the task must have moved
  // since that observation (a new question or proposal then needs a new id).
  struct LastMessage {
    std::string id;
    std::size_t step = 0;
    bool seen = false;
    bool moved_since = false;
  };

  void check_state(const Observation& o, std::size_t step);
  void check_last_activity(const Observation& o, std::size_t step, bool moved);
  void check_message_id(const Observation& o, std::size_t step, bool moved);
  std::string seen_after(TaskState seen) const;

  std::vector<Violation> violations_;
  std::size_t next_step_ = 0;
  StateSet possible_;  // before agent moves: apply closure() for the states reachable now
  // Since the last observation (or the creation, before the first one):
  std::optional<TaskState> last_state_;  // nullopt: none observed yet
  std::int64_t last_activity_us_ = 0;
  bool last_whole_seconds_ = false;
  std::int64_t last_polled_us_ = 0;
  std::int64_t value_first_polled_us_ = 0;  // the first poll that saw last_activity_us_
  std::size_t last_step_ = 0;
  std::string actions_since_;                   // ", reply, cancel": accepted actions, for details
  bool acted_since_ = false;                    // a possible action was accepted: a transition
  std::optional<ClientAction> last_effective_;  // the last accepted action, if it was possible
  LastMessage messages_[2];                     // awaiting_reply, awaiting_solution_approval
};

// Convenience over a whole trace.
std::vector<Violation> check_trace(std::span<const TraceEntry> trace);

}  // namespace agentwork::harness
