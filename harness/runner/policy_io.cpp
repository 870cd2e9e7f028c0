#include "harness/runner/policy_io.hpp"

namespace agentwork::harness {

std::string_view waiting_message_id(const StatusView& v, TaskState state) {
  if (state == TaskState::awaiting_reply && v.question) return v.question->message_id;
  if (state == TaskState::awaiting_solution_approval && v.solution_message_id) {
    return *v.solution_message_id;
  }
  return {};
}

PolicyView policy_view(const StatusView& v, TaskState state, double stalled_seconds) {
  PolicyView view;
  view.state = state;
  view.message_id = waiting_message_id(v, state);
  view.clarifying_questions =
      v.question && v.question->type == "CLARIFYING_QUESTIONS" && !v.question->questions.empty();
  view.stalled_seconds = stalled_seconds;
  return view;
}

nlohmann::json reply_body(const reaction::Reply& reply, const StatusView& v) {
  nlohmann::json body;
  const std::string text(reply.text);
  if (reply.answers) {
    body["answers"] = auto_answers(v, text);
  } else {
    body["message"] = text;
  }
  return body;
}

}  // namespace agentwork::harness
