// What a coverage-driven live run (the `cover` step) wants to see a deployment do, what it has
// seen, and the choices that steer the next task towards what is still missing. A real
// deployment has no scripts and no clock: its agents decide what to ask, when to propose and
// whether to stall; the driver keeps starting tasks until it has seen every wanted interaction
// (or spent its budget), and every rule whose interactions never happened is reported "not
// seen", never passed. Pure: no sockets, no clock.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/result/run_result.hpp"

namespace agentwork::harness {

enum class Interaction : std::uint8_t {
  question_text,           // a CLARIFYING_QUESTIONS question of type text
  question_single_select,  // ... single_select
  question_multi_select,   // ... multi_select
  to_customer,             // a TO_CUSTOMER message
  reply_answers,           // structured answers, accepted
  reply_message,           // plain text ("message") to clarifying questions, accepted
  reply_content,           // plain text as "content", accepted
  reply_message_and_answers,  // both "message" and "answers", accepted
  reject_revised,          // a REJECTED proposal, then a revised one (a new message_id)
  approve_completed,       // CONFIRMED, then completed
  result_fetched,          // GET /result of a completed task
  files_downloaded,        // every download_url of a result (at least one)
  events_read,             // the event log of a task the client replied to and decided on
  cancel_processing,       // cancel accepted while processing
  cancel_awaiting_reply,   // ... while awaiting_reply
  cancel_awaiting_approval,  // ... while awaiting_solution_approval
  cancel_terminal,         // cancel of a completed task (refused: M.cancel.terminal)
  message_wrong_state,     // a message while not awaiting_reply
  solution_wrong_state,    // a solution-status while not awaiting_solution_approval
  result_not_completed,    // GET /result before completion
  message_invalid,         // a message body without message, content or answers
  solution_invalid,        // a solution-status with another status value
  stall,                   // processing with last_activity_at unchanged beyond the policy
  system_cancel,           // cancelled without the client's cancel
};
inline constexpr std::size_t kInteractionCount = 24;

std::string_view to_string(Interaction i);  // "question.text", "reply.answers", ...
std::optional<Interaction> parse_interaction(std::string_view name);
std::span<const Interaction> all_interactions();
// Wanted unless the scenario says otherwise: everything a deployment can be driven to show.
// Stalls and system cancels are the deployment's own doing: seen when they happen, not awaited.
bool wanted_by_default(Interaction i);

// The rules an interaction gives the checks a chance at (for "not seen").
std::span<const std::string_view> rules_of(Interaction i);

// How a reply is sent.
enum class ReplyStyle { answers, message, content, message_and_answers };

// What a task of the run is for, chosen when it is created.
// Every role answers what it is asked on the way, so each task also serves the question and
// reply interactions.
enum class TaskRole {
  cancel_after_reply,  // cancel at the first processing poll after an accepted reply or reject
  cancel_when_waiting,  // cancel at the first waiting state whose cancel is still unseen
  full,                 // drive it to completion: reply, reject once, approve, result, events
};

class LiveCoverage {
 public:
  // `wanted`: empty means every wanted_by_default interaction.
  explicit LiveCoverage(std::vector<Interaction> wanted = {});

  void see(Interaction i) { ++seen_[static_cast<std::size_t>(i)]; }
  bool seen(Interaction i) const { return seen_[static_cast<std::size_t>(i)] > 0; }
  std::size_t count(Interaction i) const { return seen_[static_cast<std::size_t>(i)]; }
  bool is_wanted(Interaction i) const;
  // Every wanted interaction seen: the driver can stop.
  bool complete() const;
  std::vector<Interaction> missing() const;  // wanted and not seen, in enum order

  // Whether another task is worth its cost: false when the tasks in flight will give every
  // missing interaction that is the client's to provoke (a full task completes, reads its
  // events, probes the refusals; a cancelling task cancels). What the agents decide (question
  // types, TO_CUSTOMER messages, rounds to reply to) always makes another task worth it.
  bool worth_another_task(std::span<const TaskRole> in_flight) const;
  // The role of the next task, given the roles of the tasks in flight.
  TaskRole next_role(std::span<const TaskRole> in_flight) const;
  // The style of a reply: the first style not yet seen among those the question allows
  // (structured answers need clarifying questions), else structured answers (else message).
  ReplyStyle reply_style(bool clarifying) const;
  // Whether a proposal should be rejected: a revision is still unseen, or `always` (the
  // policy's reject_times) asks for it.
  bool should_reject(int rejected_so_far, int policy_reject_times) const;

  // The rules of `covers` whose every interaction went unseen, with the reason ("not seen in 12
  // tasks: a stall (processing, ...)"). A rule no interaction gives a chance at
  // is checked on every poll or request and never listed.
  std::vector<NotSeen> not_seen(std::span<const std::string> covers, std::size_t tasks) const;

 private:
  std::array<std::size_t, kInteractionCount> seen_{};
  std::array<bool, kInteractionCount> wanted_{};
};

}  // namespace agentwork::harness
