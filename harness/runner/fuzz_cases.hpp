// The `fuzz` step's requests (docs/scenario-format.md): requests the contract says a server must
// refuse, generated per endpoint - a body with one field dropped, of the wrong type or empty; a
// body that is not JSON; no key or a bad one; an unknown or malformed task id; a wrong method; an
// unknown path - each with the statuses it may get and the catalogue rule another answer breaks.
// Every case changes one thing of a request the server would accept, so a failing case is its
// own minimal reproduction. Seeded: the same input gives the same cases. Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/agent_script.hpp"  // QuestionType
#include "harness/checks/trace_checker.hpp"  // TaskState

namespace agentwork::harness {

// The families, in the order their cases are sent: the ones a server that wrongly accepts could
// turn against the task (a key-less cancel, a DELETE) come last.
enum class FuzzFamily : std::uint8_t {
  register_body,  // POST /auth/register: M.register.invalid (422)
  create_body,    // POST /tasks/: M.create.invalid (422)
  message_body,   // POST /tasks/{id}/message while awaiting_reply: M.message.invalid (422)
  solution_body,  // POST /tasks/{id}/solution-status while awaiting approval: M.solution.invalid
  not_json,       // a body that is not JSON, on every POST with a body: M.http.unparseable (422)
  unknown_path,   // M.http.unknown_path (404)
  task_id,        // an unknown (404) or malformed (404 or 422) task id: G.isolation.not_found
  method,         // a method the path does not take: M.http.method (405)
  auth,           // no key or an invalid one on every task endpoint: G.auth.required (401)
};
inline constexpr std::size_t kFuzzFamilies = 9;
std::string_view to_string(FuzzFamily f);
std::optional<FuzzFamily> parse_fuzz_family(std::string_view name);
// "register_body, create_body, ...": for error messages.
std::string fuzz_family_names();

struct FuzzQuestion {
  agentwork::QuestionType type = agentwork::QuestionType::text;
  std::vector<std::string> options;  // empty for text
};

struct FuzzInput {
  std::string task;  // the scenario's name of the task the task-scoped cases use
  // Its state when the step starts: message_body needs awaiting_reply, solution_body
  // awaiting_solution_approval (else the server may rightly answer 409 first).
  TaskState state = TaskState::processing;
  std::vector<FuzzQuestion> questions;  // its clarifying questions, when awaiting_reply
  std::uint64_t seed = 1;
  std::size_t max_cases = 0;        // 0: every case; else a seeded sample with every family in it
  std::vector<FuzzFamily> families;  // empty: all that apply
};

struct FuzzCase {
  FuzzFamily family = FuzzFamily::create_body;
  std::string method;  // upper case
  // Under /api/v1; "{TASK}" (TASK: FuzzInput::task) stands for the task's id.
  std::string path;
  bool uses_task = false;           // path holds the task's placeholder
  std::optional<std::string> body;  // the bytes sent (not always JSON); "{run}": the run's tag
  enum class Key : std::uint8_t { account, none, invalid } key = Key::account;
  std::vector<int> expect;  // the statuses the contract allows
  std::string rule;         // the catalogue rule another status breaks
  std::string what;         // what was changed, e.g. "title: a number instead of a string"
};

// Whether `family` has cases for a task in `state` (the body families need a waiting state).
bool fuzz_family_applies(FuzzFamily family, TaskState state);

// The cases for `in`, in family order (then generation order). With max_cases below the total,
// a seeded sample: families take turns, so that each applicable family has at least one case
// when max_cases >= the number of families.
std::vector<FuzzCase> fuzz_cases(const FuzzInput& in);

}  // namespace agentwork::harness
