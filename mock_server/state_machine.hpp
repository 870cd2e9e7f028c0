// The task state machine: pure functions over one Task, with the time passed in. The store
// calls them under the task's lock, which is what makes each transition atomic.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "mock_server/task.hpp"

namespace agentwork::mock {

// Starts a new task: status processing, a "Task created" status event, agent at step 0.
void start_task(Task& task, ScriptPtr script, Micros now);

// Runs the agent up to `now`: every step whose time has come takes effect, stamped with the
// time it was due (not the time of the call), so lazily advanced tasks show exact times.
// `time_scale` multiplies script durations.
void advance(Task& task, Micros now, double time_scale);

enum class ActionError {
  none,
  wrong_state,  // 409
  invalid,      // 422; the detail says why
};

struct ActionResult {
  ActionError error = ActionError::none;
  std::string detail;
};

// POST /message, already parsed: `answers` (a JSON array) wins over `text` when both are set.
struct Reply {
  std::optional<std::string> text;
  std::optional<nlohmann::json> answers;
};

// Validates the body of POST /message without looking at the task (422 cases that do not
// depend on the question). Returns the reply or sets `detail`.
std::optional<Reply> parse_reply_body(const nlohmann::json& body, std::string& detail);

ActionResult reply(Task& task, const Reply& reply, Micros now, double time_scale);
ActionResult decide(Task& task, bool confirmed, const std::string& reason, Micros now,
                    double time_scale);
ActionResult cancel(Task& task, Micros now);

}  // namespace agentwork::mock
