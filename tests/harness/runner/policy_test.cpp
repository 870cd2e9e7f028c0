// decide(): one table of inputs and the reaction each must give, and the bookkeeping after it.
#include "harness/runner/policy.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace agentwork::harness {
namespace {

using S = TaskState;

Policy rejecting(int times, Policy::OnSolution::Then then = Policy::OnSolution::Then::approve) {
  Policy p;
  p.on_solution.reject_times = times;
  p.on_solution.then = then;
  return p;
}

Policy text_answers() {
  Policy p;
  p.on_question.answer = Policy::OnQuestion::Answer::text;
  return p;
}

Policy rounds(int max) {
  Policy p;
  p.max_rounds = max;
  return p;
}

struct Row {
  const char* name;
  Policy policy;
  PolicyView view;
  PolicyState state;
  std::string expected;  // to_string(reaction)
};

PolicyView waiting(S state, const char* id, bool clarifying = false) {
  PolicyView v;
  v.state = state;
  v.message_id = id;
  v.clarifying_questions = clarifying;
  return v;
}

PolicyView processing(double stalled) {
  PolicyView v;
  v.stalled_seconds = stalled;
  return v;
}

PolicyState handled(const char* id, int rounds = 1, int rejections = 0) {
  return PolicyState{rounds, rejections, id};
}

TEST(Policy, DecideTable) {
  const Policy defaults;
  PolicyView seen_bytes = waiting(S::awaiting_reply, "q2");
  seen_bytes.already_decided = true;
  PolicyView no_id_seen = waiting(S::awaiting_reply, "");
  no_id_seen.already_decided = true;
  const std::vector<Row> rows = {
      {"completed is done", defaults, waiting(S::completed, ""), {}, "done"},
      {"cancelled is done", defaults, waiting(S::cancelled, ""), {}, "done"},
      {"processing waits", defaults, processing(10), {}, "wait"},
      {"processing just short of the stall waits", defaults, processing(299.9), {}, "wait"},
      {"processing at the stall time is stalled", defaults, processing(300), {}, "stalled"},
      {"a new question is replied to", defaults, waiting(S::awaiting_reply, "q1"), {}, "reply"},
      {"a question without an id is replied to", defaults, waiting(S::awaiting_reply, ""),
       handled(""), "reply"},
      {"the question replied to waits", defaults, waiting(S::awaiting_reply, "q1"), handled("q1"),
       "wait"},
      {"a question after another is replied to", defaults, waiting(S::awaiting_reply, "q2"),
       handled("q1"), "reply"},
      {"identical bytes wait", defaults, seen_bytes, handled("q1"), "wait"},
      {"identical bytes without an id wait", defaults, no_id_seen, {}, "wait"},
      {"a proposal is approved",
       defaults,
       waiting(S::awaiting_solution_approval, "s1"),
       {},
       "approve"},
      {"the first proposals are rejected", rejecting(2),
       waiting(S::awaiting_solution_approval, "s1"), handled("q1", 1, 0), "reject"},
      {"the second is rejected too", rejecting(2), waiting(S::awaiting_solution_approval, "s2"),
       handled("s1", 2, 1), "reject"},
      {"then approved", rejecting(2), waiting(S::awaiting_solution_approval, "s3"),
       handled("s2", 3, 2), "approve"},
      {"or cancelled", rejecting(1, Policy::OnSolution::Then::cancel),
       waiting(S::awaiting_solution_approval, "s2"), handled("s1", 1, 1), "cancel"},
      {"the proposal acted on waits", rejecting(1), waiting(S::awaiting_solution_approval, "s1"),
       handled("s1", 1, 1), "wait"},
      {"past max_rounds gives up", rounds(2), waiting(S::awaiting_reply, "q3"), handled("q2", 2),
       "give_up"},
      {"at max_rounds a handled one still waits", rounds(2), waiting(S::awaiting_reply, "q2"),
       handled("q2", 2), "wait"},
      {"the last round is answered", rounds(2), waiting(S::awaiting_reply, "q2"), handled("q1", 1),
       "reply"},
      {"text answers reply too",
       text_answers(),
       waiting(S::awaiting_reply, "q1", true),
       {},
       "reply"},
  };
  for (const auto& row : rows) {
    const Reaction r = decide(row.policy, row.view, row.state);
    EXPECT_EQ(to_string(r), row.expected) << row.name;
  }
}

TEST(Policy, ReplyForm) {
  const Policy defaults;
  const auto structured = decide(defaults, waiting(S::awaiting_reply, "q1", true), {});
  ASSERT_TRUE(std::holds_alternative<reaction::Reply>(structured));
  EXPECT_TRUE(std::get<reaction::Reply>(structured).answers);
  EXPECT_EQ(std::get<reaction::Reply>(structured).text, defaults.on_question.text);
  // TO_CUSTOMER or an empty list: a message.
  const auto message = decide(defaults, waiting(S::awaiting_reply, "q1", false), {});
  EXPECT_FALSE(std::get<reaction::Reply>(message).answers);
  // "text" answers never send structured answers.
  const auto text = decide(text_answers(), waiting(S::awaiting_reply, "q1", true), {});
  EXPECT_FALSE(std::get<reaction::Reply>(text).answers);
}

TEST(Policy, RejectCarriesTheReasonAndStalledItsTime) {
  Policy p = rejecting(1);
  p.on_solution.reason = "Not yet.";
  const auto reject = decide(p, waiting(S::awaiting_solution_approval, "s1"), {});
  EXPECT_EQ(std::get<reaction::Reject>(reject).reason, "Not yet.");
  const auto stalled = decide(p, processing(301), {});
  EXPECT_DOUBLE_EQ(std::get<reaction::Stalled>(stalled).seconds, 301);
}

TEST(Policy, NoteReactionCountsRoundsAndRejections) {
  const Policy p = rejecting(1);
  PolicyState state;
  const auto question = waiting(S::awaiting_reply, "q1");
  note_reaction(state, question, decide(p, question, state));
  EXPECT_EQ(state.rounds, 1);
  EXPECT_EQ(state.rejections, 0);
  EXPECT_EQ(state.handled_message_id, "q1");
  const auto proposal = waiting(S::awaiting_solution_approval, "s1");
  note_reaction(state, proposal, decide(p, proposal, state));
  EXPECT_EQ(state.rounds, 2);
  EXPECT_EQ(state.rejections, 1);
  EXPECT_EQ(state.handled_message_id, "s1");
  // Waiting, done, stalled and give-up reactions change nothing.
  note_reaction(state, proposal, decide(p, proposal, state));
  note_reaction(state, processing(1000), decide(p, processing(1000), state));
  EXPECT_EQ(state.rounds, 2);
  EXPECT_EQ(state.handled_message_id, "s1");
}

TEST(Policy, ActionOf) {
  EXPECT_EQ(action_of(reaction::Reply{}), ClientAction::reply);
  EXPECT_EQ(action_of(reaction::Reject{}), ClientAction::reject);
  EXPECT_EQ(action_of(reaction::Approve{}), ClientAction::confirm);
  EXPECT_EQ(action_of(reaction::Cancel{}), ClientAction::cancel);
  EXPECT_FALSE(action_of(reaction::Wait{}));
  EXPECT_FALSE(action_of(reaction::Stalled{}));
  EXPECT_FALSE(action_of(reaction::GiveUp{}));
  EXPECT_FALSE(action_of(reaction::Done{}));
}

TEST(Policy, OnStall) {
  Policy p;
  EXPECT_EQ(on_stall(p, 0), StallAction::fail);  // the default: fail
  p.on_stall.action = Policy::OnStall::Action::cancel_and_recreate;
  p.on_stall.max_recreate = 2;
  EXPECT_EQ(on_stall(p, 0), StallAction::recreate);
  EXPECT_EQ(on_stall(p, 1), StallAction::recreate);
  EXPECT_EQ(on_stall(p, 2), StallAction::fail);
}

}  // namespace
}  // namespace agentwork::harness
