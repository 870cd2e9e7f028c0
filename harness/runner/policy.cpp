#include "harness/runner/policy.hpp"

namespace agentwork::harness {

namespace {

// The answer to a question or proposal not handled yet.
Reaction respond(const Policy& policy, const PolicyView& view, const PolicyState& state) {
  if (view.state == TaskState::awaiting_reply) {
    const bool answers = policy.on_question.answer == Policy::OnQuestion::Answer::auto_answers &&
                         view.clarifying_questions;
    return reaction::Reply{answers, policy.on_question.text};
  }
  if (state.rejections < policy.on_solution.reject_times) {
    return reaction::Reject{policy.on_solution.reason};
  }
  if (policy.on_solution.then == Policy::OnSolution::Then::approve) return reaction::Approve{};
  return reaction::Cancel{};
}

}  // namespace

Reaction decide(const Policy& policy, const PolicyView& view, const PolicyState& state) {
  if (is_terminal(view.state)) return reaction::Done{view.state};
  if (view.state == TaskState::processing) {
    if (view.stalled_seconds >= policy.on_stall.after_seconds) {
      return reaction::Stalled{view.stalled_seconds};
    }
    return reaction::Wait{};
  }
  // Waiting for the client: act once per question or proposal. Without a message_id every
  // answer is a new one, unless its bytes were already decided on.
  const bool handled = !view.message_id.empty() && view.message_id == state.handled_message_id;
  if (handled || view.already_decided) return reaction::Wait{};
  if (state.rounds >= policy.max_rounds) return reaction::GiveUp{};
  return respond(policy, view, state);
}

std::optional<ClientAction> action_of(const Reaction& reaction) {
  if (std::holds_alternative<reaction::Reply>(reaction)) return ClientAction::reply;
  if (std::holds_alternative<reaction::Reject>(reaction)) return ClientAction::reject;
  if (std::holds_alternative<reaction::Approve>(reaction)) return ClientAction::confirm;
  if (std::holds_alternative<reaction::Cancel>(reaction)) return ClientAction::cancel;
  return std::nullopt;
}

void note_reaction(PolicyState& state, const PolicyView& view, const Reaction& reaction) {
  if (!action_of(reaction)) return;
  ++state.rounds;
  state.handled_message_id.assign(view.message_id);
  if (std::holds_alternative<reaction::Reject>(reaction)) ++state.rejections;
}

StallAction on_stall(const Policy& policy, int recreated) {
  if (policy.on_stall.action == Policy::OnStall::Action::fail) return StallAction::fail;
  return recreated >= policy.on_stall.max_recreate ? StallAction::fail : StallAction::recreate;
}

std::string_view to_string(const Reaction& reaction) {
  static constexpr std::string_view kNames[] = {"wait",   "reply",   "reject",  "approve",
                                                "cancel", "stalled", "give_up", "done"};
  static_assert(std::size(kNames) == std::variant_size_v<Reaction>);
  return kNames[reaction.index()];
}

}  // namespace agentwork::harness
