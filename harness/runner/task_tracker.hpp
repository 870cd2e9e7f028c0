// What a client knows about one task it polls, shared by the scenario runner and the load engine:
// the lifecycle trace checker fed with every answer and action, the stall clock (how long the
// task has been processing with last_activity_at unchanged) and what the client last knew of the
// task, to tell a transition it detected by polling from one it caused. Pure: no sockets; time is
// passed in (steady-clock microseconds, any origin).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "harness/checks/trace_checker.hpp"

namespace agentwork::harness {

// One status answer (200, with a known status) as the tracker reads it.
struct PolledStatus {
  TaskState state = TaskState::processing;
  // The question's message_id while awaiting_reply, the proposal's while
  // awaiting_solution_approval; empty otherwise.
  std::string_view message_id;
  std::string_view last_activity_at;        // as sent; empty when missing
  std::optional<std::int64_t> activity_us;  // last_activity_at parsed (µs since the epoch)
  std::int64_t polled_us = 0;               // steady clock: when the answer came
};

class TaskTracker {
 public:
  // A task just created (processing) at `created_us` (steady). `trace` off: only watched (a task
  // made elsewhere, whose history is unknown): no lifecycle trace is kept.
  explicit TaskTracker(std::int64_t created_us = 0, bool trace = true);

  // One answer. Returns whether it shows a change the client did not cause: another state, another
  // message, or another last_activity_at than the client last knew (a transition detected by
  // polling; after an accepted action the state it caused is known, its last_activity_at not).
  bool observe(const PolledStatus& s);
  // A client action and whether the server accepted it (answered 2xx).
  void act(ClientAction action, bool accepted);

  // The trace checker's violations not returned before, in order.
  std::span<const Violation> new_violations();
  const TraceChecker& trace() const { return trace_; }

  // The state of the last answer; nullopt before the first.
  std::optional<TaskState> last_state() const { return last_state_; }
  // The last_activity_at the stall clock runs on (the last answer's) and its value: the last
  // parsable one seen, 0 before any.
  const std::string& last_activity_at() const { return stall_activity_; }
  std::int64_t last_activity_us() const { return activity_us_; }
  // How long the task has been processing with last_activity_at unchanged, at `now_us`
  // (steady); 0 when the last answer was not processing.
  std::int64_t stalled_us(std::int64_t now_us) const;

 private:
  TraceChecker trace_;
  bool tracing_;
  std::size_t violations_returned_ = 0;
  std::optional<TaskState> last_state_;
  std::string stall_activity_;
  std::int64_t stall_since_us_;
  std::int64_t activity_us_ = 0;
  // What the client knows, for observe()'s answer: the create said processing; an unknown
  // last_activity_at (-1, before the first answer or after an accepted action) is no change.
  TaskState known_state_ = TaskState::processing;
  std::int64_t known_activity_us_ = -1;
  std::string known_message_id_;
};

}  // namespace agentwork::harness
