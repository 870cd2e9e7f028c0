// What the simulated agent of one task does: a list of steps, written by a test or scenario as
// JSON and attached to the task when it is created, or generated from a seed (the default
// agent). A script is immutable once loaded and shared between the tasks that use it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace agentwork {

enum class QuestionType { text, single_select, multi_select };
const char* to_string(QuestionType t);

struct Question {
  QuestionType type = QuestionType::text;
  std::string question;
  std::vector<std::string> options;  // empty for text; 1-5 entries for the select types
};

struct FileSpec {
  std::string name;
  std::string content;
};

// After a rejection: revise up to `revise` times (working `seconds` each time, then proposing
// again with a new message id); once the revisions are used up, do `then`.
struct OnReject {
  enum class Then { continue_script, cancel, stall };
  int revise = -1;  // -1: no limit
  double seconds = 10;
  Then then = Then::continue_script;
};

struct Step {
  enum class Kind {
    work,     // stay processing for `seconds`, with a status event `text` when it starts
    ask,      // CLARIFYING_QUESTIONS with `questions`; waits for the client's reply
    message,  // TO_CUSTOMER message `text`; waits for the client's reply
    propose,  // solution `text`; waits for CONFIRMED (completed) or REJECTED (on_reject)
    stall,    // stay processing with no activity at all, for good
    cancel,   // the system cancels the task; `text` is the reason
  };
  Kind kind = Kind::work;
  double seconds = 0;
  std::string text;
  std::vector<Question> questions;
  std::string result_text;  // propose: what GET /result returns once confirmed
  std::vector<FileSpec> files;
  OnReject on_reject;
};

struct AgentScript {
  std::string name;
  std::vector<Step> steps;
};

using ScriptPtr = std::shared_ptr<const AgentScript>;

// Steps a script may have: a script's steps are kept by every task that runs it (a 1 MB body of
// 10,000 steps cost 3.5 MB of memory per task).
inline constexpr std::size_t kMaxScriptSteps = 1000;

// Parses a script. On error returns nullopt and sets `error` to the JSON path and what was
// expected there, e.g. "steps[2].questions[0].options: a select question needs 1 to 5 options".
std::optional<AgentScript> parse_agent_script(const nlohmann::json& j, std::string& error);
nlohmann::json to_json(const AgentScript& script);

// The CLARIFYING_QUESTIONS content string: {"type":"clarifying_questions","questions":[...]}.
std::string clarifying_questions_content(const std::vector<Question>& questions);

}  // namespace agentwork
