// TaskTracker: the stall clock, transitions told from the client's own moves, and the trace
// checker's violations handed out once.
#include "harness/runner/task_tracker.hpp"

#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace agentwork::harness {
namespace {

using S = TaskState;
constexpr std::int64_t kSecond = 1'000'000;

PolledStatus answer(S state, const char* activity, std::int64_t activity_us, std::int64_t at_us,
                    const char* message_id = "") {
  PolledStatus p;
  p.state = state;
  p.message_id = message_id;
  p.last_activity_at = activity;
  p.activity_us = activity_us;
  p.polled_us = at_us;
  return p;
}

TEST(TaskTracker, StallClockRunsWhileProcessingWithoutActivity) {
  TaskTracker t(0);
  EXPECT_EQ(t.stalled_us(5 * kSecond), 0);  // nothing polled yet
  t.observe(answer(S::processing, "2026-01-01T00:00:01.000001Z", 1, kSecond));
  EXPECT_EQ(t.stalled_us(4 * kSecond), 3 * kSecond);
  t.observe(answer(S::processing, "2026-01-01T00:00:01.000001Z", 1, 3 * kSecond));
  EXPECT_EQ(t.stalled_us(4 * kSecond), 3 * kSecond);  // unchanged: still since the first
  EXPECT_EQ(t.last_activity_at(), "2026-01-01T00:00:01.000001Z");
  // Activity restarts it.
  t.observe(answer(S::processing, "2026-01-01T00:00:05.000001Z", 2, 5 * kSecond));
  EXPECT_EQ(t.stalled_us(6 * kSecond), kSecond);
  EXPECT_EQ(t.last_activity_us(), 2);
  // Another state stops it; coming back to processing restarts it, same value or not.
  t.observe(answer(S::awaiting_reply, "2026-01-01T00:00:05.000001Z", 2, 7 * kSecond, "q1"));
  EXPECT_EQ(t.stalled_us(8 * kSecond), 0);
  t.observe(answer(S::processing, "2026-01-01T00:00:05.000001Z", 2, 9 * kSecond));
  EXPECT_EQ(t.stalled_us(10 * kSecond), kSecond);
  EXPECT_EQ(t.last_state(), S::processing);
}

TEST(TaskTracker, UnparsableActivityKeepsTheLastValue) {
  TaskTracker t(0);
  t.observe(answer(S::processing, "2026-01-01T00:00:01Z", 7, kSecond));
  PolledStatus bad = answer(S::processing, "yesterday", 0, 2 * kSecond);
  bad.activity_us.reset();
  t.observe(bad);
  EXPECT_EQ(t.last_activity_us(), 7);
  EXPECT_EQ(t.last_activity_at(), "yesterday");  // the stall clock runs on the value as sent
  EXPECT_EQ(t.stalled_us(3 * kSecond), kSecond);
}

TEST(TaskTracker, TransitionsAreChangesTheClientDidNotCause) {
  TaskTracker t(0);
  // The first answer's last_activity_at is no transition: the create said processing.
  EXPECT_FALSE(t.observe(answer(S::processing, "a", 10, kSecond)));
  EXPECT_FALSE(t.observe(answer(S::processing, "a", 10, 2 * kSecond)));
  EXPECT_TRUE(t.observe(answer(S::processing, "b", 20, 3 * kSecond)));  // activity moved
  EXPECT_TRUE(t.observe(answer(S::awaiting_reply, "c", 30, 4 * kSecond, "q1")));
  EXPECT_FALSE(t.observe(answer(S::awaiting_reply, "c", 30, 5 * kSecond, "q1")));
  // The client's accepted reply: processing is known, and the next activity is not a change.
  t.act(ClientAction::reply, true);
  EXPECT_FALSE(t.observe(answer(S::processing, "d", 40, 6 * kSecond)));
  // A refused action teaches nothing.
  t.act(ClientAction::cancel, false);
  EXPECT_FALSE(t.observe(answer(S::processing, "d", 40, 7 * kSecond)));
  EXPECT_TRUE(t.observe(answer(S::awaiting_solution_approval, "e", 50, 8 * kSecond, "s1")));
  t.act(ClientAction::confirm, true);
  EXPECT_FALSE(t.observe(answer(S::completed, "f", 60, 9 * kSecond)));
}

TEST(TaskTracker, ViolationsAreHandedOutOnce) {
  TaskTracker t(0);
  t.observe(answer(S::processing, "2026-01-01T00:00:01.000001Z", 1'000'001, kSecond));
  // Completed without the client's CONFIRMED: a lifecycle violation.
  t.observe(answer(S::completed, "2026-01-01T00:00:02.000001Z", 2'000'001, 2 * kSecond));
  const auto first = t.new_violations();
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first.front().rule_id, "G.lifecycle.completion_needs_confirm");
  EXPECT_TRUE(t.new_violations().empty());
  EXPECT_EQ(t.trace().violations().size(), first.size());
}

TEST(TaskTracker, WatchedTasksKeepNoTrace) {
  TaskTracker t(0, /*trace=*/false);
  t.observe(answer(S::processing, "a", 1, kSecond));
  t.observe(answer(S::completed, "b", 2, 2 * kSecond));
  t.act(ClientAction::cancel, true);
  EXPECT_TRUE(t.new_violations().empty());
  EXPECT_EQ(t.last_state(), S::completed);
}

}  // namespace
}  // namespace agentwork::harness
