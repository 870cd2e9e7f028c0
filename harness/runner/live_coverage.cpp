#include "harness/runner/live_coverage.hpp"

#include <algorithm>

namespace agentwork::harness {

namespace {

using I = Interaction;

struct InteractionInfo {
  Interaction id;
  std::string_view name;
  bool wanted;
  std::string_view never;  // what was not seen, as "not seen in N tasks: <never>"
  std::vector<std::string_view> rules;
};

const std::array<InteractionInfo, kInteractionCount>& table() {
  static const std::array<InteractionInfo, kInteractionCount> kTable = {{
      {I::question_text, "question.text", true, "a text question",
       {"G.status.question.clarifying_content", "G.status.question.item",
        "G.status.question.options"}},
      {I::question_single_select, "question.single_select", true,
       "a single_select question",
       {"G.status.question.clarifying_content", "G.status.question.item",
        "G.status.question.options"}},
      {I::question_multi_select, "question.multi_select", true, "a multi_select question",
       {"G.status.question.clarifying_content", "G.status.question.item",
        "G.status.question.options"}},
      {I::to_customer, "question.to_customer", true, "a TO_CUSTOMER message", {}},
      {I::reply_answers, "reply.answers", true, "an accepted structured reply",
       {"G.message.reply_resumes", "M.message.accepted", "M.events.answers_shown"}},
      {I::reply_message, "reply.message", true,
       "an accepted plain-text reply to clarifying questions",
       {"G.message.plain_text", "G.message.reply_resumes", "M.message.accepted"}},
      {I::reply_content, "reply.content", true, "an accepted reply sent as \"content\"",
       {"G.message.content_alias", "G.message.reply_resumes", "M.message.accepted"}},
      {I::reply_message_and_answers, "reply.message_and_answers", true,
       "an accepted reply with both message and answers",
       {"G.message.answers_win", "G.message.reply_resumes", "M.message.accepted"}},
      {I::reject_revised, "solution.reject_revised", true,
       "a revision of a rejected proposal", {"G.solution.reject", "M.status.message_id.new"}},
      {I::approve_completed, "solution.approve_completed", true,
       "an approved proposal completed",
       {"G.solution.confirm", "G.lifecycle.completion_needs_confirm", "M.solution.accepted",
        "G.status.solution.presence", "G.status.solution.fields"}},
      {I::result_fetched, "result.fetched", true, "a result", {"G.result.shape"}},
      {I::files_downloaded, "result.files_downloaded", true, "a file to download",
       {"M.result.download"}},
      {I::events_read, "events.read", true, "the event log of a task with replies",
       {"G.events.shape", "G.events.type", "M.events.append_only", "M.events.client_actions"}},
      {I::cancel_processing, "cancel.processing", true, "a cancel while processing",
       {"G.cancel.cancels"}},
      {I::cancel_awaiting_reply, "cancel.awaiting_reply", true,
       "a cancel while awaiting_reply", {"G.cancel.cancels"}},
      {I::cancel_awaiting_approval, "cancel.awaiting_solution_approval", true,
       "a cancel while awaiting_solution_approval", {"G.cancel.cancels"}},
      {I::cancel_terminal, "cancel.terminal", true, "a cancel of a completed task",
       {"M.cancel.terminal"}},
      {I::message_wrong_state, "message.wrong_state", true,
       "a message outside awaiting_reply", {"M.message.wrong_state"}},
      {I::solution_wrong_state, "solution.wrong_state", true,
       "a solution-status outside awaiting_solution_approval",
       {"M.solution.wrong_state"}},
      {I::result_not_completed, "result.not_completed", true,
       "a result asked before completion", {"M.result.not_completed"}},
      {I::message_invalid, "message.invalid", true, "a message body without a reply",
       {"M.message.invalid"}},
      {I::solution_invalid, "solution.invalid", true, "an unknown solution status",
       {"M.solution.invalid"}},
      {I::stall, "stall", false, "a stall (processing, last_activity_at unchanged beyond the policy)", {"G.stall.last_activity"}},
      {I::system_cancel, "system_cancel", false, "a task cancelled by the deployment itself",
       {"M.lifecycle.system_cancel"}},
  }};
  return kTable;
}

const InteractionInfo& info(Interaction i) {
  return table()[static_cast<std::size_t>(i)];
}

}  // namespace

std::string_view to_string(Interaction i) {
  return info(i).name;
}

std::optional<Interaction> parse_interaction(std::string_view name) {
  for (const auto& row : table()) {
    if (row.name == name) return row.id;
  }
  return std::nullopt;
}

std::span<const Interaction> all_interactions() {
  static const auto kAll = [] {
    std::array<Interaction, kInteractionCount> out{};
    for (std::size_t i = 0; i < kInteractionCount; ++i) out[i] = table()[i].id;
    return out;
  }();
  return kAll;
}

bool wanted_by_default(Interaction i) {
  return info(i).wanted;
}

std::span<const std::string_view> rules_of(Interaction i) {
  return info(i).rules;
}

LiveCoverage::LiveCoverage(std::vector<Interaction> wanted) {
  for (auto i : all_interactions()) {
    wanted_[static_cast<std::size_t>(i)] =
        wanted.empty() ? wanted_by_default(i)
                       : std::find(wanted.begin(), wanted.end(), i) != wanted.end();
  }
}

bool LiveCoverage::is_wanted(Interaction i) const {
  return wanted_[static_cast<std::size_t>(i)];
}

bool LiveCoverage::complete() const {
  return missing().empty();
}

std::vector<Interaction> LiveCoverage::missing() const {
  std::vector<Interaction> out;
  for (auto i : all_interactions()) {
    if (is_wanted(i) && !seen(i)) out.push_back(i);
  }
  return out;
}

bool LiveCoverage::worth_another_task(std::span<const TaskRole> in_flight) const {
  const auto flying = [&](TaskRole r) {
    return std::find(in_flight.begin(), in_flight.end(), r) != in_flight.end();
  };
  for (auto i : missing()) {
    switch (i) {
      case I::approve_completed:
      case I::result_fetched:
      case I::files_downloaded:
      case I::events_read:
      case I::cancel_terminal:
      case I::reject_revised:
      case I::message_wrong_state:
      case I::solution_wrong_state:
      case I::solution_invalid:
      case I::message_invalid:
      case I::result_not_completed:
        if (!flying(TaskRole::full)) return true;
        break;
      case I::cancel_processing:
        if (!flying(TaskRole::cancel_after_reply)) return true;
        break;
      case I::cancel_awaiting_reply:
      case I::cancel_awaiting_approval:
        if (!flying(TaskRole::cancel_when_waiting)) return true;
        break;
      default:  // the agents' choice
        return true;
    }
  }
  return false;
}

TaskRole LiveCoverage::next_role(std::span<const TaskRole> in_flight) const {
  const auto flying = [&](TaskRole r) {
    return std::find(in_flight.begin(), in_flight.end(), r) != in_flight.end();
  };
  const auto needs = [&](Interaction i) { return is_wanted(i) && !seen(i); };
  if (needs(I::cancel_processing) && !flying(TaskRole::cancel_after_reply)) {
    return TaskRole::cancel_after_reply;
  }
  if ((needs(I::cancel_awaiting_reply) || needs(I::cancel_awaiting_approval)) &&
      !flying(TaskRole::cancel_when_waiting)) {
    return TaskRole::cancel_when_waiting;
  }
  return TaskRole::full;
}

ReplyStyle LiveCoverage::reply_style(bool clarifying) const {
  const auto needs = [&](Interaction i) { return is_wanted(i) && !seen(i); };
  // Both message and answers first: the answers must win, and the event must show them (the
  // rules of a structured reply are checked too).
  if (clarifying) {
    if (needs(I::reply_message_and_answers)) return ReplyStyle::message_and_answers;
    if (needs(I::reply_message)) return ReplyStyle::message;
    if (needs(I::reply_content)) return ReplyStyle::content;
    return ReplyStyle::answers;
  }
  return needs(I::reply_content) ? ReplyStyle::content : ReplyStyle::message;
}

bool LiveCoverage::should_reject(int rejected_so_far, int policy_reject_times) const {
  if (rejected_so_far < policy_reject_times) return true;
  return rejected_so_far == 0 && is_wanted(I::reject_revised) && !seen(I::reject_revised);
}

std::vector<NotSeen> LiveCoverage::not_seen(std::span<const std::string> covers,
                                            std::size_t tasks) const {
  std::vector<NotSeen> out;
  for (const auto& rule : covers) {
    std::vector<Interaction> chances;
    for (auto i : all_interactions()) {
      const auto rules = rules_of(i);
      if (std::find(rules.begin(), rules.end(), rule) != rules.end()) chances.push_back(i);
    }
    if (chances.empty()) continue;
    if (std::any_of(chances.begin(), chances.end(), [&](Interaction i) { return seen(i); })) {
      continue;
    }
    std::string reason =
        "not seen in " + std::to_string(tasks) + (tasks == 1 ? " task: " : " tasks: ");
    for (std::size_t k = 0; k < chances.size(); ++k) {
      reason += (k == 0 ? "" : k + 1 == chances.size() ? " or " : ", ") +
                std::string(info(chances[k]).never);
    }
    out.push_back({rule, std::move(reason)});
  }
  return out;
}

}  // namespace agentwork::harness
