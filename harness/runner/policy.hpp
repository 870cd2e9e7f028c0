// The reactive policy's decision, shared by the scenario runner (`run_policy` steps) and the
// load engine (policy clients): given the scenario's Policy, what the last status answer said and
// what the client has done so far, what to do next. Pure: no sockets, no clock (the caller's stall
// clock, TaskTracker, says how long the task has been stalled).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "harness/checks/trace_checker.hpp"
#include "harness/runner/scenario.hpp"

namespace agentwork::harness {

// The fields of one status answer that the policy reads.
struct PolicyView {
  TaskState state = TaskState::processing;
  // The question's message_id while awaiting_reply, the proposal's while
  // awaiting_solution_approval; empty otherwise or when the answer has none.
  std::string_view message_id;
  // awaiting_reply: the question is CLARIFYING_QUESTIONS with at least one question (structured
  // answers are possible); false for TO_CUSTOMER or an empty list.
  bool clarifying_questions = false;
  // Agent seconds the task has been processing with last_activity_at unchanged (read only while
  // processing).
  double stalled_seconds = 0;
  // These bytes are identical to an answer already decided on (the load engine's reuse of
  // identical answers): nothing new to react to, even without a message_id.
  bool already_decided = false;
};

// What the client has done for the task under this policy so far.
struct PolicyState {
  int rounds = 0;                  // questions and proposals acted on
  int rejections = 0;              // proposals rejected
  std::string handled_message_id;  // the question or proposal last acted on
};

namespace reaction {
struct Wait {};           // nothing to do now: poll again after the interval
struct Reply {            // answer the question
  bool answers = false;   // structured answers (harness::auto_answers) rather than a message
  std::string_view text;  // the policy's text: the message, or the answer to free-text questions
};
struct Reject {
  std::string_view reason;
};
struct Approve {};
struct Cancel {};  // the proposal's end when the policy says cancel rather than approve
// Processing with last_activity_at unchanged for on_stall.after_seconds.
struct Stalled {
  double seconds = 0;
};
struct GiveUp {};  // more than max_rounds questions and proposals
struct Done {      // terminal: completed (its result may be fetched) or cancelled
  TaskState state = TaskState::completed;
};
}  // namespace reaction

using Reaction =
    std::variant<reaction::Wait, reaction::Reply, reaction::Reject, reaction::Approve,
                 reaction::Cancel, reaction::Stalled, reaction::GiveUp, reaction::Done>;

// The next reaction. A question or proposal already acted on (same message_id) waits; a new one
// counts a round and is answered, rejected (reject_times first), then approved or cancelled.
Reaction decide(const Policy& policy, const PolicyView& view, const PolicyState& state);

// Records an acting reaction (reply, reject, approve, cancel) in `state`: one more round, the
// message handled, one more rejection. Other reactions change nothing.
void note_reaction(PolicyState& state, const PolicyView& view, const Reaction& reaction);

// The action a reaction sends; nullopt for those that send nothing.
std::optional<ClientAction> action_of(const Reaction& reaction);

// What a stall leads to under the policy once `recreated` tasks of the same name were already
// cancelled and re-created: fail the scenario, or cancel and re-create once more.
enum class StallAction { fail, recreate };
StallAction on_stall(const Policy& policy, int recreated);

// The reaction's name for logs and tests: "wait", "reply", "reject", "approve", "cancel",
// "stalled", "give_up", "done".
std::string_view to_string(const Reaction& reaction);

}  // namespace agentwork::harness
