// Scenario files (docs/scenario-format.md): the data model the runner interprets, and the loader
// that turns JSON files into it, validating every field, enumeration and reference on the way so
// that the runner never meets a malformed scenario. Pure: no sockets, no clock.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/agent_script.hpp"
#include "common/api.hpp"
#include "harness/checks/trace_checker.hpp"  // TaskState
#include "harness/runner/fuzz_cases.hpp"

namespace agentwork::harness {

// The mock agent for a task: the name of a script registered with the mock, or a script.
using AgentSpec = std::variant<std::string, agentwork::AgentScript>;

enum class QuestionKind { clarifying_questions, to_customer };  // "CLARIFYING_QUESTIONS", ...
std::string_view to_string(QuestionKind kind);

// The loader resolves every default a runner would otherwise have to re-derive: a step's `task`
// is always the name of a task an earlier `create` made (the last one when the file omits it),
// and `account` fields are always set (the current account at that point when omitted). The
// account "main" exists from the start: the runner provides it (from a key it was given, or by
// registering one). A task the file leaves unnamed is called "#<n>" for the n-th create step.

// The step kinds, one struct each; `kind` is the step's "do" word in the file.
namespace steps {

struct Register {
  static constexpr std::string_view kind = "register";
  std::string account = "main";
  std::optional<std::string> email;  // "{run}": "<run id>-<scenario number>"
  std::optional<std::string> name;
  std::optional<std::string> organization_name;
};
struct Login {  // POST /auth/api-key: exchange a password for a key
  static constexpr std::string_view kind = "login";
  std::string account = "main";
  std::string email;
  std::string password;
  std::optional<std::string> key_name;
  // "credentials": "cli": the run's --account EMAIL:PASSWORD instead of email and password;
  // without one the step is not run and its rules are reported not seen.
  bool from_cli = false;
  // "wrong_password": true: the email with a wrong password, expecting 401
  // (M.api_key.bad_credentials); defines no account.
  bool wrong_password = false;
};
struct UseAccount {  // the current account of later steps that name none
  static constexpr std::string_view kind = "use_account";
  std::string account;
};
struct Create {
  static constexpr std::string_view kind = "create";
  std::string task;
  std::string account;
  std::string title;
  std::string description;
  std::optional<AgentSpec> agent;  // the step's own, else the scenario's; ignored when live
};
struct Await {  // poll until the status is one of `status`
  static constexpr std::string_view kind = "await";
  std::string task;
  std::vector<TaskState> status;          // non-empty
  std::optional<double> timeout_seconds;  // agent seconds; none: the scenario's deadline
};
struct Expect {  // checks on the task's current status response; unset fields are not checked
  static constexpr std::string_view kind = "expect";
  std::string task;
  std::vector<TaskState> status;  // empty: not checked; else one of these
  std::optional<QuestionKind> question_type;
  std::optional<int> questions;  // number of clarifying questions
  std::optional<std::vector<agentwork::QuestionType>> question_types;
  std::optional<std::vector<std::optional<int>>> options;  // option count per question, null: text
  std::optional<bool> solution;                            // a solution is present
  std::optional<bool> new_message_id;  // differs from the message_id seen at the previous expect
};
struct Answer {
  int question_index = 0;
  std::variant<std::string, std::vector<std::string>> selected;  // a list for multi_select
};
struct Reply {  // at least one of the three is set
  static constexpr std::string_view kind = "reply";
  std::string task;
  std::optional<std::string> message;
  std::optional<std::string> content;
  bool auto_answers = false;  // "answers": "auto": first option for selects, a sentence for text
  std::optional<std::vector<Answer>> answers;
};
struct Approve {
  static constexpr std::string_view kind = "approve";
  std::string task;
};
struct Reject {
  static constexpr std::string_view kind = "reject";
  std::string task;
  std::string reason;
};
struct Cancel {
  static constexpr std::string_view kind = "cancel";
  std::string task;
};
struct Result {
  static constexpr std::string_view kind = "result";
  std::string task;
  bool download = false;     // GET every download_url
  std::optional<int> files;  // expected number of files
};
struct Events {
  static constexpr std::string_view kind = "events";
  std::string task;
  std::vector<EventType> types;  // expected as an in-order subsequence of the event types
};
struct List {
  static constexpr std::string_view kind = "list";
  std::string account;
  std::vector<std::string> contains;  // task names
  std::vector<std::string> absent;
};
struct RequestAuth {
  enum class Kind { account, none, invalid };
  Kind kind = Kind::account;
  std::string account;  // for Kind::account: "account" in the file is the current account
};
struct Request {  // a raw request, for negative cases
  static constexpr std::string_view kind = "request";
  std::string method;              // upper case
  std::string path;                // under /api/v1; "{t1}" stands for the id of task t1
  std::vector<std::string> tasks;  // the task names `path` refers to, in order
  std::optional<nlohmann::json> body;
  std::optional<std::string> raw_body;  // sent as is; exclusive with body
  RequestAuth auth;
  std::vector<int> expect_status;  // non-empty
  std::string rule;                // catalogue id the check belongs to
  std::string what;                // not in files: what a generated request changed (fuzz)
  // Not in files (fuzz): a 429 is the server pacing the client, not an answer to judge.
  bool rate_limit_not_judged = false;
};
struct AdvanceClock {  // the mock's virtual clock; makes the scenario mock-only
  static constexpr std::string_view kind = "advance_clock";
  double seconds = 0;
};
struct Sleep {
  static constexpr std::string_view kind = "sleep";
  double seconds = 0;  // agent seconds, scaled by --time-scale
};
struct ExpectStall {  // processing with last_activity_at unchanged for `seconds`
  static constexpr std::string_view kind = "expect_stall";
  std::string task;
  double seconds = 0;
};
struct RunPolicy {  // drive the task with the scenario's policy until it is terminal
  static constexpr std::string_view kind = "run_policy";
  std::string task;
};
// Generated requests the contract says a server must refuse (harness/runner/fuzz_cases.hpp), each
// sent as a `request` step with its statuses and rule. The task's state when the step starts
// decides which body families apply; a task that waited for the client must still wait after.
struct Fuzz {
  static constexpr std::string_view kind = "fuzz";
  std::string task;
  std::vector<FuzzFamily> families;   // empty: every family that applies
  std::size_t max_cases = 0;          // 0: every case
  std::optional<std::uint64_t> seed;  // none: from the run's seed, the scenario's and step's place
  double rate = 0;                    // requests per wall second at most; 0: unpaced
};
// Coverage-driven live run: start tasks (up to `parallel` at a time, at most `max_tasks`) with
// the scenario's policy and roles chosen to reach every wanted interaction
// (harness/runner/live_coverage.hpp), and stop once all are seen or the budget is spent. Rules
// whose interactions never happened are reported not seen.
struct Cover {
  static constexpr std::string_view kind = "cover";
  std::string account;
  std::string title = "Small greeting page";
  // Short and open: agents ask clarifying questions about what is left open.
  std::string description =
      "Make a small web page that greets visitors. Ask me about anything you need to decide.";
  std::size_t max_tasks = 12;
  std::size_t parallel = 4;
  std::optional<double> max_seconds;  // agent seconds; none: until the scenario's deadline
  std::vector<std::string> want;      // interaction names; empty: the default set
};

}  // namespace steps

// A variant rather than one struct with a kind enum: each kind carries only its own fields, and
// a runner written as std::visit over it fails to compile when a kind is added and not handled.
// This list is the only list of step kinds: their names and parsers are derived from it.
using StepAction =
    std::variant<steps::Register, steps::Login, steps::UseAccount, steps::Create, steps::Await,
                 steps::Expect, steps::Reply, steps::Approve, steps::Reject, steps::Cancel,
                 steps::Result, steps::Events, steps::List, steps::Request, steps::AdvanceClock,
                 steps::Sleep, steps::ExpectStall, steps::RunPolicy, steps::Cover, steps::Fuzz>;

namespace detail {
template <typename Variant>
struct KindNames;
template <typename... Kinds>
struct KindNames<std::variant<Kinds...>> {
  static constexpr std::array<std::string_view, sizeof...(Kinds)> value{Kinds::kind...};
};
template <std::size_t N>
constexpr bool all_different(const std::array<std::string_view, N>& names) {
  for (std::size_t i = 0; i < N; ++i) {
    for (std::size_t j = i + 1; j < N; ++j) {
      if (names[i] == names[j]) return false;
    }
  }
  return true;
}
}  // namespace detail

// The "do" words of the step kinds, at the index of their alternative in StepAction.
inline constexpr auto kStepKinds = detail::KindNames<StepAction>::value;
static_assert(detail::all_different(kStepKinds), "two step kinds share a \"do\" word");

struct Step {
  std::size_t index = 0;  // position in $.steps, for reports: "$.steps[<index>]"
  StepAction action;
};
// The "do" word of a step kind: "register", "expect_stall", ...
inline std::string_view step_kind(const StepAction& action) {
  return kStepKinds[action.index()];
}

// How a task is driven by run_policy, against the mock or a live agent.
struct Policy {
  struct OnQuestion {
    enum class Answer { auto_answers, text };  // "auto": structured answers; "text": `text`
    Answer answer = Answer::auto_answers;
    std::string text = "Please go ahead with your best judgement.";
  };
  struct OnSolution {
    int reject_times = 0;  // reject this many proposals before `then`
    std::string reason = "Please revise the solution.";
    enum class Then { approve, cancel };
    Then then = Then::approve;
  };
  struct OnStall {
    double after_seconds = 300;  // processing with last_activity_at unchanged this long
    enum class Action { fail, cancel_and_recreate };
    Action action = Action::fail;
    int max_recreate = 1;
  };
  OnQuestion on_question;
  OnSolution on_solution;
  OnStall on_stall;
  int max_rounds = 10;  // questions plus proposals handled before the policy gives up
};

struct Scenario {
  std::string file;
  std::string name;
  std::string description;
  std::vector<std::string> tags;    // "live": the live-safe subset; "mock-only": needs the mock
  std::vector<std::string> covers;  // rule ids
  double timeout_seconds = 900;     // overall deadline, agent seconds
  double poll_interval_seconds = 5;
  std::optional<AgentSpec> agent;
  std::optional<Policy> policy;
  std::vector<Step> steps;  // non-empty
  bool needs_mock = false;  // tagged "mock-only" or uses advance_clock
};

struct LoadError {
  std::string file;
  std::string path;  // JSON path ("$.steps[3].status"); empty for file-level errors
  std::string message;
  // "<file>: <path>: <message>", or "<file>: <message>" without a path.
  std::string to_string() const;
};

std::variant<Scenario, LoadError> parse_scenario(const nlohmann::json& j, const std::string& file);
// Reads JSON with comments; syntax errors give nlohmann's line and column.
std::variant<Scenario, LoadError> load_scenario_file(const std::string& path);

// Files and folders (folders recursively: every *.json, sorted); every error, not only the first.
// A scenario name used twice is an error at the second file; so is a folder without scenarios.
struct ScenarioSet {
  std::vector<Scenario> scenarios;
  std::vector<LoadError> errors;
};
ScenarioSet load_scenarios(const std::vector<std::string>& paths);

}  // namespace agentwork::harness
