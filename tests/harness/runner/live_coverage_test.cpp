// The pure parts of coverage-driven live runs: the interaction table, the choices that steer the
// next task, and the "not seen" verdicts.
#include "harness/runner/live_coverage.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "common/rules.hpp"

namespace agentwork::harness {
namespace {

using I = Interaction;

TEST(LiveCoverage, TheTableIsInEnumOrderWithUniqueNamesAndKnownRules) {
  std::set<std::string_view> names;
  for (std::size_t k = 0; k < all_interactions().size(); ++k) {
    const auto i = all_interactions()[k];
    EXPECT_EQ(static_cast<std::size_t>(i), k);
    EXPECT_TRUE(names.insert(to_string(i)).second) << to_string(i);
    EXPECT_EQ(parse_interaction(to_string(i)), i);
    for (const auto rule : rules_of(i)) EXPECT_TRUE(find_rule(rule).has_value()) << rule;
  }
  EXPECT_EQ(all_interactions().size(), kInteractionCount);
  EXPECT_FALSE(parse_interaction("question.essay").has_value());
}

TEST(LiveCoverage, StallsAndSystemCancelsAreSeenNotAwaited) {
  EXPECT_FALSE(wanted_by_default(I::stall));
  EXPECT_FALSE(wanted_by_default(I::system_cancel));
  LiveCoverage cov;
  for (auto i : all_interactions()) {
    if (wanted_by_default(i)) cov.see(i);
  }
  EXPECT_TRUE(cov.complete());
  EXPECT_TRUE(cov.missing().empty());
}

TEST(LiveCoverage, AGivenWantListIsAllThatCounts) {
  LiveCoverage cov({I::question_text, I::stall});
  EXPECT_FALSE(cov.complete());
  cov.see(I::question_text);
  EXPECT_EQ(cov.missing(), std::vector<Interaction>{I::stall});
  cov.see(I::stall);
  EXPECT_TRUE(cov.complete());
  EXPECT_FALSE(cov.is_wanted(I::reply_content));
}

TEST(LiveCoverage, RolesCancelOnceEachThenDriveToCompletion) {
  LiveCoverage cov;
  std::vector<TaskRole> flying;
  flying.push_back(cov.next_role(flying));
  flying.push_back(cov.next_role(flying));
  flying.push_back(cov.next_role(flying));
  EXPECT_EQ(flying, (std::vector<TaskRole>{TaskRole::cancel_after_reply,
                                           TaskRole::cancel_when_waiting, TaskRole::full}));
  cov.see(I::cancel_processing);
  cov.see(I::cancel_awaiting_reply);
  cov.see(I::cancel_awaiting_approval);
  EXPECT_EQ(cov.next_role({}), TaskRole::full);
}

TEST(LiveCoverage, ReplyStylesGoFromTheGuidesRulesToStructuredAnswers) {
  LiveCoverage cov;
  EXPECT_EQ(cov.reply_style(true), ReplyStyle::message_and_answers);
  cov.see(I::reply_message_and_answers);
  EXPECT_EQ(cov.reply_style(true), ReplyStyle::message);
  cov.see(I::reply_message);
  EXPECT_EQ(cov.reply_style(true), ReplyStyle::content);
  EXPECT_EQ(cov.reply_style(false), ReplyStyle::content);  // TO_CUSTOMER: content is plain text
  cov.see(I::reply_content);
  EXPECT_EQ(cov.reply_style(true), ReplyStyle::answers);
  EXPECT_EQ(cov.reply_style(false), ReplyStyle::message);
}

TEST(LiveCoverage, RejectsOnceUntilARevisionIsSeenOrAsThePolicySays) {
  LiveCoverage cov;
  EXPECT_TRUE(cov.should_reject(0, 0));
  EXPECT_FALSE(cov.should_reject(1, 0));  // one rejection per task is enough
  cov.see(I::reject_revised);
  EXPECT_FALSE(cov.should_reject(0, 0));
  EXPECT_TRUE(cov.should_reject(1, 2));
  EXPECT_FALSE(cov.should_reject(2, 2));
}

TEST(LiveCoverage, AnotherTaskOnlyWhenTheTasksInFlightCannotGiveWhatIsMissing) {
  LiveCoverage cov({I::events_read, I::cancel_processing});
  EXPECT_TRUE(cov.worth_another_task({}));
  const std::vector<TaskRole> both{TaskRole::full, TaskRole::cancel_after_reply};
  EXPECT_FALSE(cov.worth_another_task(both));
  const std::vector<TaskRole> full_only{TaskRole::full};
  EXPECT_TRUE(cov.worth_another_task(full_only));  // nobody will cancel while processing
  LiveCoverage agent_choice({I::question_multi_select});
  EXPECT_TRUE(agent_choice.worth_another_task(both));  // only the agents decide what they ask
}

TEST(LiveCoverage, NotSeenListsTheRulesOfCoversWhoseEveryChanceWentUnseen) {
  LiveCoverage cov;
  const std::vector<std::string> covers{"G.stall.last_activity", "G.status.question.options",
                                        "G.message.content_alias", "G.status.enum"};
  cov.see(I::question_multi_select);  // one chance of the options rule is enough
  const auto missing = cov.not_seen(covers, 7);
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_EQ(missing[0].rule_id, "G.stall.last_activity");
  EXPECT_EQ(missing[0].reason,
            "not seen in 7 tasks: a stall (processing, last_activity_at unchanged beyond the "
            "policy)");
  EXPECT_EQ(missing[1].rule_id, "G.message.content_alias");
  EXPECT_NE(missing[1].reason.find("\"content\""), std::string::npos);
  cov.see(I::stall);
  cov.see(I::reply_content);
  EXPECT_TRUE(cov.not_seen(covers, 7).empty());  // G.status.enum is checked on every poll
}

}  // namespace
}  // namespace agentwork::harness
