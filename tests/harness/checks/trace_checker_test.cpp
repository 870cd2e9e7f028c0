#include "harness/checks/trace_checker.hpp"

#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/rules.hpp"

namespace agentwork::harness {
namespace {

constexpr TaskState P = TaskState::processing;
constexpr TaskState AR = TaskState::awaiting_reply;
constexpr TaskState ASA = TaskState::awaiting_solution_approval;
constexpr TaskState DONE = TaskState::completed;
constexpr TaskState CXL = TaskState::cancelled;
constexpr ClientAction REPLY = ClientAction::reply;
constexpr ClientAction CONFIRM = ClientAction::confirm;
constexpr ClientAction REJECT = ClientAction::reject;
constexpr ClientAction CANCEL = ClientAction::cancel;

// A trace under construction; timestamps go up by 10 us per poll unless given.
struct Trace {
  std::vector<TraceEntry> entries;
  std::int64_t now = 1'000;

  Trace& see(TaskState s, std::string id = {}) { return see_at(s, now + 10, std::move(id)); }
  Trace& see_at(TaskState s, std::int64_t at, std::string id = {}) {
    now = at;
    entries.emplace_back(Observation{s, at, std::move(id)});
    return *this;
  }
  // A poll whose last_activity_at has whole seconds, answered at `polled_ms` on the client.
  Trace& see_whole(TaskState s, std::int64_t at_s, std::int64_t polled_ms) {
    Observation o{s, at_s * 1'000'000, {}};
    o.whole_seconds = true;
    o.polled_us = polled_ms * 1000;
    entries.emplace_back(std::move(o));
    return *this;
  }
  Trace& did(ClientAction a) { return add(a, true); }
  Trace& refused(ClientAction a) { return add(a, false); }
  Trace& add(ClientAction a, bool accepted) {
    entries.emplace_back(Action{a, accepted});
    return *this;
  }
};

using Found = std::vector<std::pair<std::string, std::size_t>>;  // rule id, step

Found found(const std::vector<Violation>& violations) {
  Found out;
  for (const auto& v : violations) out.emplace_back(std::string(v.rule_id), v.step);
  return out;
}

Found check(const Trace& t) {
  return found(check_trace(t.entries));
}

std::string short_name(TaskState s) {
  switch (s) {
    case P:
      return "P";
    case AR:
      return "AR";
    case ASA:
      return "ASA";
    case DONE:
      return "DONE";
    case CXL:
      return "CXL";
  }
  return "?";
}

// "P AR ASA CXL": the states the checker allows after the trace.
std::string possible_after(const Trace& t) {
  TraceChecker checker;
  for (const auto& e : t.entries) {
    if (const auto* o = std::get_if<Observation>(&e)) {
      checker.observe(*o);
    } else {
      checker.act(std::get<Action>(e).action, std::get<Action>(e).accepted);
    }
  }
  std::string out;
  for (TaskState s : checker.possible_states()) out += (out.empty() ? "" : " ") + short_name(s);
  return out;
}

const std::string kFromProcessing = "P AR ASA CXL";

// --- names ---------------------------------------------------------------------------------------

TEST(TraceChecker, ParsesAndNamesEveryState) {
  for (TaskState s : {P, AR, ASA, DONE, CXL}) {
    EXPECT_EQ(parse_task_state(to_string(s)), s) << to_string(s);
  }
  EXPECT_EQ(to_string(ASA), "awaiting_solution_approval");
  EXPECT_EQ(parse_task_state("awaiting_reply"), AR);
  EXPECT_FALSE(parse_task_state("Processing").has_value());
  EXPECT_FALSE(parse_task_state("").has_value());
  EXPECT_FALSE(parse_task_state("done").has_value());
  EXPECT_EQ(to_string(REPLY), "reply");
  EXPECT_EQ(to_string(CONFIRM), "CONFIRMED");
  EXPECT_EQ(to_string(REJECT), "REJECTED");
  EXPECT_EQ(to_string(CANCEL), "cancel");
  EXPECT_TRUE(is_terminal(DONE));
  EXPECT_TRUE(is_terminal(CXL));
  EXPECT_FALSE(is_terminal(P) || is_terminal(AR) || is_terminal(ASA));
}

TEST(TraceChecker, EveryRuleIdItReportsIsInTheCatalogue) {
  Trace t;
  t.see(ASA, "a").see(ASA, "b").did(CONFIRM).see_at(P, 0).see_at(DONE, 10).see_at(CXL, 10);
  t.did(REPLY);
  const auto violations = check_trace(t.entries);
  ASSERT_EQ(violations.size(), 7u);
  for (const auto& v : violations) EXPECT_TRUE(find_rule(v.rule_id).has_value()) << v.rule_id;
}

// --- one table of traces: each edge, missed states, illegal traces, refused actions, resync ---

struct Case {
  const char* name;
  Trace trace;
  Found expected;
  std::string possible;  // possible_states() after the trace, as short names
};

std::ostream& operator<<(std::ostream& os, const Case& c) {
  return os << c.name;
}

class TraceCases : public testing::TestWithParam<Case> {};

TEST_P(TraceCases, GivesExactlyTheExpectedViolations) {
  const Case& c = GetParam();
  EXPECT_EQ(check(c.trace), c.expected);
  EXPECT_EQ(possible_after(c.trace), c.possible);
}

const std::string kEdges = "G.lifecycle.edges";
const std::string kTerminal = "G.lifecycle.terminal";
const std::string kNeedsConfirm = "G.lifecycle.completion_needs_confirm";
const std::string kConfirm = "G.solution.confirm";
const std::string kCancels = "G.cancel.cancels";

std::vector<Case> edge_cases() {
  return {
      // Each edge of the table on its own (and the state before the first poll).
      {"created_task_may_already_have_moved", Trace{}, {}, kFromProcessing},
      {"create_to_processing", Trace{}.see(P), {}, kFromProcessing},
      {"processing_to_awaiting_reply", Trace{}.see(P).see(AR), {}, "AR"},
      {"processing_to_awaiting_solution_approval", Trace{}.see(P).see(ASA), {}, "ASA"},
      {"awaiting_reply_reply_processing", Trace{}.see(AR).did(REPLY).see(P), {}, kFromProcessing},
      {"awaiting_solution_approval_confirm_completed",
       Trace{}.see(ASA).did(CONFIRM).see(DONE),
       {},
       "DONE"},
      {"awaiting_solution_approval_reject_processing",
       Trace{}.see(ASA).did(REJECT).see(P),
       {},
       kFromProcessing},
      {"processing_cancel_cancelled", Trace{}.see(P).did(CANCEL).see(CXL), {}, "CXL"},
      {"awaiting_reply_cancel_cancelled", Trace{}.see(AR).did(CANCEL).see(CXL), {}, "CXL"},
      {"awaiting_solution_approval_cancel_cancelled",
       Trace{}.see(ASA).did(CANCEL).see(CXL),
       {},
       "CXL"},
      {"processing_to_cancelled_by_the_system", Trace{}.see(P).see(CXL), {}, "CXL"},
      // Each client edge right after its action, before any poll shows it.
      {"after_reply", Trace{}.see(AR).did(REPLY), {}, kFromProcessing},
      {"after_confirm", Trace{}.see(ASA).did(CONFIRM), {}, "DONE"},
      {"after_reject", Trace{}.see(ASA).did(REJECT), {}, kFromProcessing},
      {"after_cancel", Trace{}.see(AR).did(CANCEL), {}, "CXL"},
  };
}

std::vector<Case> missed_state_cases() {
  return {
      {"first_poll_awaiting_reply", Trace{}.see(AR), {}, "AR"},
      {"first_poll_awaiting_solution_approval", Trace{}.see(ASA), {}, "ASA"},
      {"first_poll_cancelled_by_the_system", Trace{}.see(CXL), {}, "CXL"},
      {"reply_then_solution", Trace{}.see(AR).did(REPLY).see(ASA), {}, "ASA"},
      {"reply_then_a_new_question", Trace{}.see(AR).did(REPLY).see(AR), {}, "AR"},
      {"reply_then_cancelled_by_the_system", Trace{}.see(AR).did(REPLY).see(CXL), {}, "CXL"},
      {"reject_then_a_new_proposal", Trace{}.see(ASA).did(REJECT).see(ASA), {}, "ASA"},
      {"reject_then_a_question", Trace{}.see(ASA).did(REJECT).see(AR), {}, "AR"},
      {"reply_while_processing_the_agent_asked_meanwhile",
       Trace{}.see(P).did(REPLY).see(ASA),
       {},
       "ASA"},
      {"confirm_while_processing_the_agent_proposed_meanwhile",
       Trace{}.see(P).did(CONFIRM).see(DONE),
       {},
       "DONE"},
      {"cancel_before_the_first_poll", Trace{}.did(CANCEL).see(CXL), {}, "CXL"},
      {"two_rounds_without_polling_processing",
       Trace{}.see(AR).did(REPLY).did(REPLY).did(REJECT).did(CONFIRM).see(DONE),
       {},
       "DONE"},
      {"same_state_polled_again",
       Trace{}.see(P).see(P).see(AR).see(AR).did(REPLY).see(P).see(P),
       {},
       kFromProcessing},
      {"terminal_polled_again", Trace{}.see(ASA).did(CONFIRM).see(DONE).see(DONE), {}, "DONE"},
      {"cancelled_polled_again", Trace{}.see(CXL).see(CXL), {}, "CXL"},
  };
}

std::vector<Case> illegal_cases() {
  return {
      {"awaiting_reply_to_processing_without_reply",
       Trace{}.see(AR).see(P),
       {{kEdges, 1}},
       kFromProcessing},
      {"awaiting_reply_to_solution_without_reply", Trace{}.see(AR).see(ASA), {{kEdges, 1}}, "ASA"},
      {"awaiting_reply_to_cancelled_without_cancel",
       Trace{}.see(AR).see(CXL),
       {{kEdges, 1}},
       "CXL"},
      {"solution_to_processing_without_reject",
       Trace{}.see(ASA).see(P),
       {{kEdges, 1}},
       kFromProcessing},
      {"solution_to_question_without_reject", Trace{}.see(ASA).see(AR), {{kEdges, 1}}, "AR"},
      {"solution_to_cancelled_without_cancel", Trace{}.see(ASA).see(CXL), {{kEdges, 1}}, "CXL"},
      {"created_then_completed", Trace{}.see(DONE), {{kNeedsConfirm, 0}}, "DONE"},
      {"processing_to_completed", Trace{}.see(P).see(DONE), {{kNeedsConfirm, 1}}, "DONE"},
      {"question_to_completed", Trace{}.see(AR).see(DONE), {{kNeedsConfirm, 1}}, "DONE"},
      {"solution_to_completed_without_confirm",
       Trace{}.see(ASA).see(DONE),
       {{kNeedsConfirm, 1}},
       "DONE"},
      {"reply_then_completed", Trace{}.see(AR).did(REPLY).see(DONE), {{kNeedsConfirm, 2}}, "DONE"},
      {"reject_then_completed",
       Trace{}.see(ASA).did(REJECT).see(DONE),
       {{kNeedsConfirm, 2}},
       "DONE"},
      {"completed_then_processing",
       Trace{}.see(ASA).did(CONFIRM).see(DONE).see(P),
       {{kTerminal, 3}},
       kFromProcessing},
      {"completed_then_cancelled",
       Trace{}.see(ASA).did(CONFIRM).see(DONE).see(CXL),
       {{kTerminal, 3}},
       "CXL"},
      {"completed_then_question",
       Trace{}.see(ASA).did(CONFIRM).see(DONE).see(AR),
       {{kTerminal, 3}},
       "AR"},
      {"completed_then_solution",
       Trace{}.see(ASA).did(CONFIRM).see(DONE).see(ASA),
       {{kTerminal, 3}},
       "ASA"},
      {"cancelled_then_processing", Trace{}.see(CXL).see(P), {{kTerminal, 1}}, kFromProcessing},
      {"cancelled_then_question", Trace{}.see(CXL).see(AR), {{kTerminal, 1}}, "AR"},
      {"cancelled_then_solution", Trace{}.see(CXL).see(ASA), {{kTerminal, 1}}, "ASA"},
      {"cancelled_then_completed", Trace{}.see(CXL).see(DONE), {{kTerminal, 1}}, "DONE"},
      {"confirm_then_processing",
       Trace{}.see(ASA).did(CONFIRM).see(P),
       {{kConfirm, 2}},
       kFromProcessing},
      {"confirm_then_the_same_solution",
       Trace{}.see(ASA).did(CONFIRM).see(ASA),
       {{kConfirm, 2}},
       "ASA"},
      {"confirm_then_cancelled", Trace{}.see(ASA).did(CONFIRM).see(CXL), {{kConfirm, 2}}, "CXL"},
      {"cancel_then_processing",
       Trace{}.see(P).did(CANCEL).see(P),
       {{kCancels, 2}},
       kFromProcessing},
      {"cancel_then_question", Trace{}.see(AR).did(CANCEL).see(AR), {{kCancels, 2}}, "AR"},
      {"cancel_then_completed", Trace{}.see(ASA).did(CANCEL).see(DONE), {{kCancels, 2}}, "DONE"},
      // Accepted actions that no possible state allows.
      {"reply_accepted_on_a_solution", Trace{}.see(ASA).did(REPLY), {{kEdges, 1}}, "P AR ASA CXL"},
      {"confirm_accepted_on_a_question", Trace{}.see(AR).did(CONFIRM), {{kEdges, 1}}, "AR DONE"},
      {"reject_accepted_on_a_question",
       Trace{}.see(AR).did(REJECT),
       {{kEdges, 1}},
       kFromProcessing},
      {"reply_accepted_when_completed",
       Trace{}.see(ASA).did(CONFIRM).see(DONE).did(REPLY),
       {{kEdges, 3}},
       "P AR ASA DONE CXL"},
      {"cancel_accepted_when_cancelled", Trace{}.see(CXL).did(CANCEL), {{kEdges, 1}}, "CXL"},
      {"cancel_accepted_after_confirm",
       Trace{}.see(ASA).did(CONFIRM).did(CANCEL),
       {{kEdges, 2}},
       "DONE CXL"},
      {"confirm_accepted_twice", Trace{}.see(ASA).did(CONFIRM).did(CONFIRM), {{kEdges, 2}}, "DONE"},
  };
}

std::vector<Case> refused_and_resync_cases() {
  return {
      // A refused action changes nothing, in either direction.
      {"refused_reply_question_stays", Trace{}.see(AR).refused(REPLY).see(AR), {}, "AR"},
      {"refused_reply_then_processing",
       Trace{}.see(AR).refused(REPLY).see(P),
       {{kEdges, 2}},
       kFromProcessing},
      {"refused_confirm_then_completed",
       Trace{}.see(ASA).refused(CONFIRM).see(DONE),
       {{kNeedsConfirm, 2}},
       "DONE"},
      {"refused_reject_then_processing",
       Trace{}.see(ASA).refused(REJECT).see(P),
       {{kEdges, 2}},
       kFromProcessing},
      {"refused_cancel_then_cancelled",
       Trace{}.see(AR).refused(CANCEL).see(CXL),
       {{kEdges, 2}},
       "CXL"},
      {"refused_cancel_on_terminal",
       Trace{}.see(CXL).refused(CANCEL).refused(REPLY).see(CXL),
       {},
       "CXL"},
      {"refused_actions_leave_the_set", Trace{}.see(AR).refused(REPLY).refused(CANCEL), {}, "AR"},
      // Resynchronisation: one bad poll, one violation.
      {"resync_after_a_missing_reply",
       Trace{}.see(AR).see(P).see(P).see(AR).did(REPLY).see(ASA),
       {{kEdges, 1}},
       "ASA"},
      {"resync_after_terminal",
       Trace{}.see(CXL).see(P).see(AR).did(REPLY).see(P),
       {{kTerminal, 1}},
       kFromProcessing},
      {"resync_after_unconfirmed_completion",
       Trace{}.see(P).see(DONE).see(DONE).see(DONE),
       {{kNeedsConfirm, 1}},
       "DONE"},
      {"resync_then_a_second_distinct_fault",
       Trace{}.see(P).see(DONE).see(DONE).see(P),
       {{kNeedsConfirm, 1}, {kTerminal, 3}},
       kFromProcessing},
      {"resync_after_impossible_action_ignored",
       Trace{}.see(CXL).did(REPLY).see(CXL),
       {{kEdges, 1}},
       "CXL"},
      {"resync_after_impossible_action_taken",
       Trace{}.see(CXL).did(REPLY).see(P),
       {{kEdges, 1}},
       kFromProcessing},
      {"resync_after_confirm_not_seen",
       Trace{}.see(ASA).did(CONFIRM).see(P).see(AR),
       {{kConfirm, 2}},
       "AR"},
  };
}

std::string case_name(const testing::TestParamInfo<Case>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Edges, TraceCases, testing::ValuesIn(edge_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(MissedStates, TraceCases, testing::ValuesIn(missed_state_cases()),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Illegal, TraceCases, testing::ValuesIn(illegal_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(RefusedAndResync, TraceCases,
                         testing::ValuesIn(refused_and_resync_cases()), case_name);

// --- details -------------------------------------------------------------------------------------

std::string only_detail(const Trace& t) {
  const auto violations = check_trace(t.entries);
  EXPECT_EQ(violations.size(), 1u);
  return violations.empty() ? std::string() : violations.front().detail;
}

TEST(TraceChecker, DetailsSayWhatWasExpectedAndWhatWasSeen) {
  EXPECT_EQ(only_detail(Trace{}.see(ASA).see(DONE)),
            "saw completed after awaiting_solution_approval with no accepted CONFIRMED");
  EXPECT_EQ(only_detail(Trace{}.see(ASA).did(REJECT).refused(CONFIRM).see(DONE)),
            "saw completed after awaiting_solution_approval then REJECTED with no accepted "
            "CONFIRMED");
  EXPECT_EQ(only_detail(Trace{}.see(DONE)),
            "saw completed after create with no accepted CONFIRMED");
  EXPECT_EQ(only_detail(Trace{}.see(AR).see(P)),
            "saw processing after awaiting_reply; the edge table allows only awaiting_reply");
  EXPECT_EQ(only_detail(Trace{}.see(CXL).see(AR)),
            "saw awaiting_reply after cancelled: cancelled is terminal");
  EXPECT_EQ(only_detail(Trace{}.see(ASA).did(CONFIRM).see(P)),
            "saw processing after awaiting_solution_approval then CONFIRMED: an accepted "
            "CONFIRMED completes the task");
  EXPECT_EQ(only_detail(Trace{}.see(AR).did(REPLY).did(CANCEL).see(AR)),
            "saw awaiting_reply after awaiting_reply then reply, cancel: an accepted cancel makes "
            "the task cancelled");
  EXPECT_EQ(only_detail(Trace{}.see(CXL).did(REPLY)),
            "reply was accepted while the task could only be cancelled (reply needs "
            "awaiting_reply)");
  EXPECT_EQ(only_detail(Trace{}.see(P).did(CONFIRM).did(REJECT)),
            "REJECTED was accepted while the task could only be completed (REJECTED needs "
            "awaiting_solution_approval)");
}

// --- last_activity_at ----------------------------------------------------------------------------

TEST(TraceChecker, LastActivityMustChangeWithTheState) {
  EXPECT_EQ(check(Trace{}.see_at(P, 10).see_at(AR, 10)),
            (Found{{"G.status.last_activity_at.changes", 1}}));
  EXPECT_EQ(check(Trace{}.see_at(P, 10).see_at(AR, 11)), Found{});
  EXPECT_EQ(check(Trace{}.see_at(ASA, 10).did(CONFIRM).see_at(DONE, 10)),
            (Found{{"G.status.last_activity_at.changes", 2}}));
}

TEST(TraceChecker, LastActivityMustChangeAfterAnAcceptedActionEvenInTheSameState) {
  EXPECT_EQ(check(Trace{}.see_at(AR, 10).did(REPLY).see_at(AR, 10)),
            (Found{{"G.status.last_activity_at.changes", 2}}));
  EXPECT_EQ(check(Trace{}.see_at(ASA, 10).did(REJECT).see_at(ASA, 10)),
            (Found{{"G.status.last_activity_at.changes", 2}}));
  EXPECT_EQ(check(Trace{}.see_at(AR, 10).did(REPLY).see_at(AR, 12)), Found{});
  const auto d = only_detail(Trace{}.see_at(AR, 10).did(REPLY).see_at(AR, 10));
  EXPECT_EQ(d,
            "last_activity_at stayed 1970-01-01T00:00:00.000010Z since step 0 although the task "
            "must have moved: saw awaiting_reply after awaiting_reply then reply");
}

TEST(TraceChecker, LastActivityMayStayWhenNothingMustHaveHappened) {
  EXPECT_EQ(check(Trace{}.see_at(P, 10).see_at(P, 10).see_at(P, 10)), Found{});
  EXPECT_EQ(check(Trace{}.see_at(AR, 10).refused(REPLY).see_at(AR, 10)), Found{});
  EXPECT_EQ(check(Trace{}.see_at(CXL, 10).refused(CANCEL).see_at(CXL, 10)), Found{});
  // An accepted but impossible action is one violation (edges), not two.
  EXPECT_EQ(check(Trace{}.see_at(CXL, 10).did(CANCEL).see_at(CXL, 10)), (Found{{kEdges, 1}}));
}

TEST(TraceChecker, WholeSecondTimestampsMayBeSharedByChangesWithinOneSecond) {
  // The guide's own example has whole seconds: a reply and the agent's next question within one
  // second share the value, and the client's polls of the old value lie inside that second.
  EXPECT_EQ(check(Trace{}.see_whole(AR, 100, 0).did(REPLY).see_whole(AR, 100, 400)), Found{});
  EXPECT_EQ(check(Trace{}.see_whole(P, 100, 0).see_whole(P, 100, 900).see_whole(AR, 100, 5000)),
            Found{});
  // Polls of the old value 5 s apart: it cannot have been set within the second of the change.
  EXPECT_EQ(check(Trace{}.see_whole(P, 100, 0).see_whole(P, 100, 5000).see_whole(AR, 100, 10000)),
            (Found{{"G.status.last_activity_at.changes", 2}}));
  // The span counts from the first poll of the value, across states: a change to awaiting_reply
  // within the second of the poll at 0 ms may share it; the reply after the poll at 1,700 ms
  // cannot (the value was already seen 1.7 s apart).
  EXPECT_EQ(check(Trace{}
                      .see_whole(P, 100, 0)
                      .see_whole(AR, 100, 1700)
                      .did(REPLY)
                      .see_whole(AR, 100, 2000)),
            (Found{{"G.status.last_activity_at.changes", 3}}));
  // A new value restarts the span.
  EXPECT_EQ(check(Trace{}
                      .see_whole(P, 100, 0)
                      .see_whole(AR, 107, 7000)
                      .did(REPLY)
                      .see_whole(AR, 107, 7400)),
            Found{});
  // Sub-second timestamps are compared exactly, whatever the poll times.
  Trace fine;
  fine.see_at(AR, 10);
  std::get<Observation>(fine.entries.back()).polled_us = 0;
  fine.did(REPLY).see_at(AR, 10);
  std::get<Observation>(fine.entries.back()).polled_us = 100;
  EXPECT_EQ(check(fine), (Found{{"G.status.last_activity_at.changes", 2}}));
  // Backwards is backwards.
  EXPECT_EQ(check(Trace{}.see_whole(P, 100, 0).see_whole(AR, 99, 200)),
            (Found{{"G.status.last_activity_at.monotonic", 1}}));
}

TEST(TraceChecker, LastActivityNeverGoesBackwards) {
  EXPECT_EQ(check(Trace{}.see_at(P, 10).see_at(P, 9)),
            (Found{{"G.status.last_activity_at.monotonic", 1}}));
  // Backwards with a state change: monotonic, and not also "changes".
  EXPECT_EQ(check(Trace{}.see_at(P, 10).see_at(AR, 4)),
            (Found{{"G.status.last_activity_at.monotonic", 1}}));
  // Each step compares with the poll before it, not the highest ever seen.
  EXPECT_EQ(check(Trace{}.see_at(P, 10).see_at(P, 5).see_at(P, 7)),
            (Found{{"G.status.last_activity_at.monotonic", 1}}));
  EXPECT_EQ(only_detail(Trace{}.see_at(P, 10).see_at(P, 9)),
            "last_activity_at went back by 1 us, from 1970-01-01T00:00:00.000010Z at step 0 to "
            "1970-01-01T00:00:00.000009Z");
  constexpr std::int64_t k20260222T143000Z = 1'771'770'600'000'000;
  EXPECT_EQ(
      only_detail(Trace{}.see_at(P, k20260222T143000Z + 1'500'000).see_at(P, k20260222T143000Z)),
      "last_activity_at went back by 1500000 us, from 2026-02-22T14:30:01.500000Z at step 0 "
      "to 2026-02-22T14:30:00.000000Z");
  // The first poll has nothing to compare with.
  EXPECT_EQ(check(Trace{}.see_at(AR, 0)), Found{});
}

TEST(TraceChecker, TimestampAndLifecycleFaultsAreReportedSeparately) {
  EXPECT_EQ(check(Trace{}.see_at(AR, 10).see_at(P, 10)),
            (Found{{kEdges, 1}, {"G.status.last_activity_at.changes", 1}}));
}

// --- message_id ----------------------------------------------------------------------------------

const std::string kNewId = "M.status.message_id.new";

TEST(TraceChecker, SameQuestionKeepsItsMessageId) {
  EXPECT_EQ(check(Trace{}.see(AR, "a").see(AR, "a")), Found{});
  EXPECT_EQ(check(Trace{}.see(AR, "a").see(AR, "b")), (Found{{kNewId, 1}}));
  EXPECT_EQ(check(Trace{}.see(ASA, "a").see(ASA, "b")), (Found{{kNewId, 1}}));
  EXPECT_EQ(check(Trace{}.see(AR, "a").refused(REPLY).see(AR, "b")), (Found{{kNewId, 2}}));
  const auto d = only_detail(Trace{}.see(AR, "a").see(AR, "b"));
  EXPECT_NE(d.find("changed from a (step 0) to b without a new question"), std::string::npos) << d;
}

TEST(TraceChecker, NewQuestionOrProposalNeedsANewMessageId) {
  EXPECT_EQ(check(Trace{}.see(AR, "a").did(REPLY).see(AR, "a")), (Found{{kNewId, 2}}));
  EXPECT_EQ(check(Trace{}.see(AR, "a").did(REPLY).see(AR, "b")), Found{});
  EXPECT_EQ(check(Trace{}.see(ASA, "a").did(REJECT).see(ASA, "a")), (Found{{kNewId, 2}}));
  EXPECT_EQ(check(Trace{}.see(ASA, "a").did(REJECT).see(ASA, "b")), Found{});
  // Also across polls in other states.
  EXPECT_EQ(check(Trace{}.see(AR, "a").did(REPLY).see(P).see(AR, "a")), (Found{{kNewId, 3}}));
  EXPECT_EQ(check(Trace{}.see(AR, "a").did(REPLY).see(P).see(AR, "b")), Found{});
  EXPECT_EQ(check(Trace{}.see(ASA, "a").did(REJECT).see(AR, "q").did(REPLY).see(ASA, "a")),
            (Found{{kNewId, 4}}));
  const auto d = only_detail(Trace{}.see(AR, "a").did(REPLY).see(AR, "a"));
  EXPECT_NE(d.find("a new question needs a new message_id"), std::string::npos) << d;
}

TEST(TraceChecker, MessageIdsSkipEmptyIdsAndKeepQuestionsApartFromProposals) {
  EXPECT_EQ(check(Trace{}.see(AR, "").see(AR, "b").see(AR, "")), Found{});
  // A question and a proposal are compared only with their own kind.
  EXPECT_EQ(check(Trace{}.see(AR, "a").did(REPLY).see(ASA, "b").did(REJECT).see(AR, "c")), Found{});
  EXPECT_EQ(check(Trace{}.see(AR, "a").did(REPLY).see(ASA, "b").did(REJECT).see(ASA, "b")),
            (Found{{kNewId, 4}}));
}

// --- incremental use -----------------------------------------------------------------------------

TEST(TraceChecker, PossibleStatesFollowTheTrace) {
  using V = std::vector<TaskState>;
  TraceChecker c;
  EXPECT_EQ(c.possible_states(), (V{P, AR, ASA, CXL}));
  c.observe({AR, 1, "q"});
  EXPECT_EQ(c.possible_states(), (V{AR}));
  c.act(REPLY, false);
  EXPECT_EQ(c.possible_states(), (V{AR}));
  c.act(REPLY, true);
  EXPECT_EQ(c.possible_states(), (V{P, AR, ASA, CXL}));
  c.observe({ASA, 2, "s"});
  c.act(CONFIRM, true);
  EXPECT_EQ(c.possible_states(), (V{DONE}));
  c.observe({DONE, 3, ""});
  EXPECT_TRUE(c.violations().empty());
  c.observe({P, 4, ""});
  ASSERT_EQ(c.violations().size(), 1u);
  EXPECT_EQ(c.violations()[0].rule_id, "G.lifecycle.terminal");
  EXPECT_EQ(c.violations()[0].step, 6u);  // refused actions count as steps too
}

// --- exhaustive: every short trace against a brute-force path search
// ------------------------------

struct Edge {
  TaskState from;
  TaskState to;
  std::optional<ClientAction> by;  // nullopt: the agent or the system
};

// CONTRACT.md section 1, row by row; "any non-terminal -> cancelled" written out.
const std::vector<Edge> kEdgeTable = {
    {P, AR, std::nullopt}, {P, ASA, std::nullopt}, {AR, P, REPLY},
    {ASA, DONE, CONFIRM},  {ASA, P, REJECT},       {P, CXL, CANCEL},
    {AR, CXL, CANCEL},     {ASA, CXL, CANCEL},     {P, CXL, std::nullopt},
};

std::set<TaskState> search_agent_edges(TaskState from) {
  std::set<TaskState> seen{from};
  std::vector<TaskState> todo{from};
  while (!todo.empty()) {
    const TaskState s = todo.back();
    todo.pop_back();
    for (const Edge& e : kEdgeTable) {
      if (!e.by && e.from == s && seen.insert(e.to).second) todo.push_back(e.to);
    }
  }
  return seen;
}

// Searched once per state: the exhaustive tests ask millions of times.
const std::set<TaskState>& agent_reachable(TaskState from) {
  static const auto table = [] {
    std::array<std::set<TaskState>, kTaskStateCount> t;
    for (std::size_t i = 0; i < kTaskStateCount; ++i) {
      t[i] = search_agent_edges(static_cast<TaskState>(i));
    }
    return t;
  }();
  return table[static_cast<std::size_t>(from)];
}

// Follows every concrete path from `s` through `rest`: agent edges anywhere, a client edge exactly
// at each accepted action, the polled state at each observation. Collects where paths can end.
void walk(TaskState s, std::span<const TraceEntry> rest, std::set<TaskState>& ends) {
  for (TaskState t : agent_reachable(s)) {
    if (rest.empty()) {
      ends.insert(t);
      continue;
    }
    if (const auto* o = std::get_if<Observation>(&rest.front())) {
      if (o->state == t) walk(t, rest.subspan(1), ends);
      continue;
    }
    const Action& a = std::get<Action>(rest.front());
    if (!a.accepted) {
      walk(t, rest.subspan(1), ends);
      continue;
    }
    for (const Edge& e : kEdgeTable) {
      if (e.by == a.action && e.from == t) walk(e.to, rest.subspan(1), ends);
    }
  }
}

struct Reference {
  Found lifecycle;
  std::set<std::size_t> impossible_actions;  // steps of accepted actions no path allows
};

// The reference of the lifecycle rules: a segment grows while some path explains it; a violation
// restarts the search from what was seen.
Reference reference_lifecycle(const std::vector<TraceEntry>& trace) {
  Reference ref;
  std::set<TaskState> anchors{P};
  std::vector<TraceEntry> segment;
  for (std::size_t i = 0; i < trace.size(); ++i) {
    std::set<TaskState> now;
    for (TaskState a : anchors) walk(a, segment, now);
    if (const auto* o = std::get_if<Observation>(&trace[i])) {
      if (now.count(o->state)) {
        segment.push_back(trace[i]);
        continue;
      }
      std::optional<std::size_t> last_action;
      for (std::size_t k = i; k-- > 0 && !std::holds_alternative<Observation>(trace[k]);) {
        if (!last_action && std::get<Action>(trace[k]).accepted) last_action = k;
      }
      std::string rule = kEdges;
      bool all_terminal = true;
      for (TaskState s : now) all_terminal = all_terminal && is_terminal(s);
      const auto acted = last_action && !ref.impossible_actions.count(*last_action)
                             ? std::optional(std::get<Action>(trace[*last_action]).action)
                             : std::nullopt;
      if (acted == CONFIRM) {
        rule = kConfirm;
      } else if (acted == CANCEL) {
        rule = kCancels;
      } else if (all_terminal) {
        rule = kTerminal;
      } else if (o->state == DONE) {
        rule = kNeedsConfirm;
      }
      ref.lifecycle.emplace_back(rule, i);
      anchors = {o->state};
      segment.clear();
      continue;
    }
    const Action& a = std::get<Action>(trace[i]);
    bool possible = !a.accepted;
    for (const Edge& e : kEdgeTable) possible = possible || (e.by == a.action && now.count(e.from));
    if (possible) {
      segment.push_back(trace[i]);
      continue;
    }
    ref.lifecycle.emplace_back(kEdges, i);
    ref.impossible_actions.insert(i);
    anchors = now;
    for (const Edge& e : kEdgeTable) {
      if (e.by == a.action) anchors.insert(e.to);
    }
    segment.clear();
  }
  return ref;
}

// The reference of everything, for traces in which every poll has the same last_activity_at and
// every waiting poll the same message_id: besides the lifecycle rules, "changes" fires at each
// poll after which the task must have moved since the previous poll, and "message_id.new" at each
// waiting poll when the task must have moved since the last poll in the same waiting state.
Found reference_all_same(const std::vector<TraceEntry>& trace) {
  const Reference ref = reference_lifecycle(trace);
  Found out;
  std::size_t next = 0;
  std::vector<std::size_t> polls;  // steps of the observations so far
  std::set<std::size_t> moved;     // polls with a transition since the poll before
  for (std::size_t i = 0; i < trace.size(); ++i) {
    while (next < ref.lifecycle.size() && ref.lifecycle[next].second == i) {
      out.push_back(ref.lifecycle[next++]);
    }
    const auto* o = std::get_if<Observation>(&trace[i]);
    if (!o) continue;
    const TaskState before = polls.empty() ? P : std::get<Observation>(trace[polls.back()]).state;
    bool transition = before != o->state;
    for (std::size_t k = polls.empty() ? 0 : polls.back() + 1; k < i; ++k) {
      const Action& a = std::get<Action>(trace[k]);
      transition = transition || (a.accepted && !ref.impossible_actions.count(k));
    }
    if (transition) moved.insert(i);
    if (!polls.empty() && transition) out.emplace_back("G.status.last_activity_at.changes", i);
    if (o->state == AR || o->state == ASA) {
      for (std::size_t m = polls.size(); m-- > 0;) {
        if (std::get<Observation>(trace[polls[m]]).state != o->state) continue;
        bool any = moved.count(i) > 0;
        for (std::size_t x = m + 1; x < polls.size(); ++x) any = any || moved.count(polls[x]);
        if (any) out.emplace_back("M.status.message_id.new", i);
        break;
      }
    }
    polls.push_back(i);
  }
  return out;
}

std::string render(const std::vector<TraceEntry>& trace) {
  std::string text;
  for (const auto& e : trace) {
    if (const auto* o = std::get_if<Observation>(&e)) {
      text += " " + short_name(o->state);
    } else {
      const Action& a = std::get<Action>(e);
      text += std::string(" ") + (a.accepted ? "+" : "-") + std::string(to_string(a.action));
    }
  }
  return text;
}

// Visits every trace of 1 to `depth` entries over the 5 states and the 4 actions, accepted or
// refused (13 symbols). `same` gives every poll the timestamp 7 and every waiting poll the
// message_id "m"; otherwise timestamps strictly increase and ids are empty.
template <typename Visit>
void for_each_trace(std::size_t depth, bool same, Visit visit) {
  std::vector<TraceEntry> alphabet;
  for (TaskState s : {P, AR, ASA, DONE, CXL}) {
    alphabet.emplace_back(Observation{s, 7, same && (s == AR || s == ASA) ? "m" : ""});
  }
  for (ClientAction a : {REPLY, CONFIRM, REJECT, CANCEL}) {
    alphabet.emplace_back(Action{a, true});
    alphabet.emplace_back(Action{a, false});
  }
  std::vector<TraceEntry> trace;
  auto extend = [&](auto& self, std::size_t left) -> bool {
    if (!trace.empty() && !visit(trace)) return false;
    if (left == 0) return true;
    for (const auto& symbol : alphabet) {
      trace.push_back(symbol);
      auto* o = std::get_if<Observation>(&trace.back());
      if (o && !same) o->last_activity_us = static_cast<std::int64_t>(trace.size());
      const bool go_on = self(self, left - 1);
      trace.pop_back();
      if (!go_on) return false;
    }
    return true;
  };
  extend(extend, depth);
}

TEST(TraceChecker, EveryTraceOfUpToFiveEntriesMatchesABruteForcePathSearch) {
  std::size_t traces = 0;
  std::size_t with_violations = 0;
  std::set<std::string> rules_seen;
  for_each_trace(5, false, [&](const std::vector<TraceEntry>& trace) {
    ++traces;
    const Found expected = reference_lifecycle(trace).lifecycle;
    with_violations += expected.empty() ? 0 : 1;
    for (const auto& [rule, step] : expected) rules_seen.insert(rule);
    const Found actual = found(check_trace(trace));
    EXPECT_EQ(actual, expected) << "trace:" << render(trace);
    return actual == expected;  // stop at the first mismatch
  });
  EXPECT_EQ(traces, 13u + 169u + 2'197u + 28'561u + 371'293u);
  EXPECT_GT(with_violations, traces / 2);
  EXPECT_EQ(rules_seen,
            (std::set<std::string>{kEdges, kTerminal, kNeedsConfirm, kConfirm, kCancels}));
}

TEST(TraceChecker, EveryTraceOfUpToFourEntriesWithUnchangingTimestampsAndIdsMatchesTheReference) {
  std::size_t traces = 0;
  std::set<std::string> rules_seen;
  for_each_trace(4, true, [&](const std::vector<TraceEntry>& trace) {
    ++traces;
    const Found expected = reference_all_same(trace);
    for (const auto& [rule, step] : expected) rules_seen.insert(rule);
    const Found actual = found(check_trace(trace));
    EXPECT_EQ(actual, expected) << "trace:" << render(trace);
    return actual == expected;
  });
  EXPECT_EQ(traces, 13u + 169u + 2'197u + 28'561u);
  EXPECT_EQ(rules_seen, (std::set<std::string>{kEdges, kTerminal, kNeedsConfirm, kConfirm, kCancels,
                                               "G.status.last_activity_at.changes",
                                               "M.status.message_id.new"}));
}

}  // namespace
}  // namespace agentwork::harness
