// The task state machine with explicit times: every edge of CONTRACT.md section 1, the event
// log, and every 409/422 rule of POST /message and /solution-status.
#include "mock_server/state_machine.hpp"

#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mock_server/ids.hpp"

namespace agentwork::mock {
namespace {

using nlohmann::json;

constexpr Micros kSecond = kMicrosPerSecond;
constexpr Micros kT0 = 1'771'770'600'000'000;  // 2026-02-22T14:30:00Z

ScriptPtr script_of(const std::string& text) {
  std::string error;
  auto parsed = parse_agent_script(json::parse(text), error);
  EXPECT_TRUE(parsed) << error;
  return std::make_shared<const AgentScript>(parsed ? *parsed : AgentScript{});
}

Task started(const std::string& script, Micros at = kT0) {
  Task t;
  t.id = "task-1";
  start_task(t, script_of(script), at);
  return t;
}

// The invariants every task keeps: events append-only with strictly increasing timestamps (each
// at least 1 us after the one before), and last_activity_at is the time of the latest event.
void expect_consistent(const Task& t) {
  ASSERT_FALSE(t.events.empty());
  for (std::size_t i = 1; i < t.events.size(); ++i) {
    EXPECT_GT(t.events[i].timestamp, t.events[i - 1].timestamp) << "event " << i;
  }
  EXPECT_EQ(t.last_activity_at, t.events.back().timestamp);
}

struct E {
  Micros at;
  EventType type;
  std::string content;
};

void expect_events(const Task& t, const std::vector<E>& expected) {
  ASSERT_EQ(t.events.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE("event " + std::to_string(i));
    EXPECT_EQ(t.events[i].timestamp, expected[i].at);
    EXPECT_EQ(t.events[i].type, expected[i].type);
    EXPECT_EQ(t.events[i].content, expected[i].content);
  }
  expect_consistent(t);
}

Reply text_reply(const std::string& text) {
  Reply r;
  r.text = text;
  return r;
}

Reply answers_reply(const std::string& answers) {
  Reply r;
  r.answers = json::parse(answers);
  return r;
}

const char* kAskScript = R"({"steps":[{"do":"ask","questions":[
    {"type":"text","question":"Why?"},
    {"type":"single_select","question":"Which?","options":["React","Vue"]},
    {"type":"multi_select","question":"What?","options":["Auth","Search","Payments"]}]},
    {"do":"work","seconds":5,"note":"After the answers"}]})";

TEST(StateNames, AreTheWireNames) {
  EXPECT_STREQ(to_string(Status::processing), "processing");
  EXPECT_STREQ(to_string(Status::awaiting_reply), "awaiting_reply");
  EXPECT_STREQ(to_string(Status::awaiting_solution_approval), "awaiting_solution_approval");
  EXPECT_STREQ(to_string(Status::completed), "completed");
  EXPECT_STREQ(to_string(Status::cancelled), "cancelled");
  EXPECT_STREQ(to_string(EventType::status), "status");
  EXPECT_STREQ(to_string(EventType::question), "question");
  EXPECT_STREQ(to_string(EventType::reply), "reply");
  EXPECT_STREQ(to_string(EventType::message_to_customer), "message_to_customer");
  EXPECT_STREQ(to_string(EventType::solution_proposed), "solution_proposed");
  EXPECT_STREQ(to_string(EventType::solution_decision), "solution_decision");
  EXPECT_TRUE(is_terminal(Status::completed));
  EXPECT_TRUE(is_terminal(Status::cancelled));
  EXPECT_FALSE(is_terminal(Status::processing));
  EXPECT_FALSE(is_terminal(Status::awaiting_reply));
  EXPECT_FALSE(is_terminal(Status::awaiting_solution_approval));
}

TEST(StartTask, CreatesAProcessingTaskWithOneEvent) {
  auto t = started(R"({"steps":[{"do":"work","seconds":10}]})");
  EXPECT_EQ(t.status, Status::processing);
  EXPECT_EQ(t.created_at, kT0);
  EXPECT_EQ(t.last_activity_at, kT0);
  EXPECT_EQ(t.pending, Pending::none);
  EXPECT_EQ(t.pc, 0u);
  EXPECT_EQ(t.wake_at, kT0);
  expect_events(t, {{kT0, EventType::status, "Task created"}});
}

TEST(Advance, WorkStepsTakeTheirDurationAndAreStampedWhenDue) {
  auto t = started(R"({"steps":[{"do":"work","seconds":60,"note":"A"},
                                {"do":"work","seconds":30,"note":"B"},
                                {"do":"message","content":"Hi"}]})");
  advance(t, kT0, 1.0);
  // "A" is due at kT0, like "Task created": it is stamped 1 us later. Its duration still counts
  // from the time it was due.
  expect_events(t, {{kT0, EventType::status, "Task created"}, {kT0 + 1, EventType::status, "A"}});
  EXPECT_EQ(t.wake_at, kT0 + 60 * kSecond);

  advance(t, kT0 + 60 * kSecond - 1, 1.0);
  EXPECT_EQ(t.events.size(), 2u);
  EXPECT_EQ(t.status, Status::processing);

  // Advancing lazily far past both steps stamps each with the time it was due.
  advance(t, kT0 + 1000 * kSecond, 1.0);
  expect_events(t, {{kT0, EventType::status, "Task created"},
                    {kT0 + 1, EventType::status, "A"},
                    {kT0 + 60 * kSecond, EventType::status, "B"},
                    {kT0 + 90 * kSecond, EventType::message_to_customer, "Hi"}});
  EXPECT_EQ(t.status, Status::awaiting_reply);
  EXPECT_EQ(t.last_activity_at, kT0 + 90 * kSecond);
}

TEST(Advance, TimeScaleMultipliesDurations) {
  auto t = started(R"({"steps":[{"do":"work","seconds":60},{"do":"propose"}]})");
  advance(t, kT0 + 599'999, 0.01);
  EXPECT_EQ(t.status, Status::processing);
  advance(t, kT0 + 600'000, 0.01);
  EXPECT_EQ(t.status, Status::awaiting_solution_approval);
  EXPECT_EQ(t.events.back().timestamp, kT0 + 600'000);
}

TEST(Advance, AskPostsClarifyingQuestions) {
  auto t = started(kAskScript);
  advance(t, kT0 + kSecond, 1.0);
  EXPECT_EQ(t.status, Status::awaiting_reply);
  EXPECT_EQ(t.pending, Pending::clarifying_questions);
  EXPECT_TRUE(is_uuid(t.message_id)) << t.message_id;
  const json content = json::parse(t.message_content);
  EXPECT_EQ(content["type"], "clarifying_questions");
  ASSERT_EQ(content["questions"].size(), 3u);
  EXPECT_EQ(content["questions"][0],
            json::parse(R"({"type":"text","question":"Why?","options":null})"));
  EXPECT_EQ(content["questions"][1]["options"], json::parse(R"(["React","Vue"])"));
  EXPECT_EQ(content["questions"][2]["type"], "multi_select");
  // The question event carries the same content, stamped when the step was due (kT0), moved
  // 1 us past "Task created".
  expect_events(t, {{kT0, EventType::status, "Task created"},
                    {kT0 + 1, EventType::question, t.message_content}});
  EXPECT_EQ(t.wake_at, kNever);
}

TEST(Advance, MessageAsksTheCustomerInPlainText) {
  auto t = started(R"({"steps":[{"do":"message","content":"Should I add tests?"}]})");
  advance(t, kT0, 1.0);
  EXPECT_EQ(t.status, Status::awaiting_reply);
  EXPECT_EQ(t.pending, Pending::to_customer);
  EXPECT_EQ(t.message_content, "Should I add tests?");
  EXPECT_TRUE(is_uuid(t.message_id));
  expect_events(t, {{kT0, EventType::status, "Task created"},
                    {kT0 + 1, EventType::message_to_customer, "Should I add tests?"}});
}

TEST(Advance, WaitingOnTheClientNothingHappensHowEverLongItWaits) {
  auto t = started(R"({"steps":[{"do":"message","content":"Q"},{"do":"work","seconds":1}]})");
  advance(t, kT0, 1.0);
  const auto id = t.message_id;
  advance(t, kT0 + 365LL * 86400 * kSecond, 1.0);
  EXPECT_EQ(t.status, Status::awaiting_reply);
  EXPECT_EQ(t.message_id, id);
  EXPECT_EQ(t.events.size(), 2u);
}

TEST(Advance, ProposeAwaitsApproval) {
  auto t = started(R"({"steps":[{"do":"work","seconds":2},{"do":"propose","content":"My fix"}]})");
  advance(t, kT0 + 2 * kSecond, 1.0);
  EXPECT_EQ(t.status, Status::awaiting_solution_approval);
  EXPECT_EQ(t.pending, Pending::solution);
  EXPECT_EQ(t.message_content, "My fix");
  EXPECT_TRUE(is_uuid(t.message_id));
  EXPECT_EQ(t.events.back().type, EventType::solution_proposed);
  EXPECT_EQ(t.events.back().content, "My fix");
  EXPECT_EQ(t.events.back().timestamp, kT0 + 2 * kSecond);
  expect_consistent(t);
}

TEST(Advance, ZeroSecondStepsAllHappenAtOnce) {
  auto t = started(R"({"steps":[{"do":"work","seconds":0,"note":"a"},
                                {"do":"work","seconds":0,"note":"b"},
                                {"do":"propose","content":"P"}]})");
  advance(t, kT0, 1.0);
  // All due at kT0; each event is stamped 1 us after the one before.
  expect_events(t, {{kT0, EventType::status, "Task created"},
                    {kT0 + 1, EventType::status, "a"},
                    {kT0 + 2, EventType::status, "b"},
                    {kT0 + 3, EventType::solution_proposed, "P"}});
  EXPECT_EQ(t.status, Status::awaiting_solution_approval);
  EXPECT_EQ(t.last_activity_at, kT0 + 3);
}

TEST(Advance, ManyZeroSecondStepsStillEnd) {
  json steps = json::array();
  for (int i = 0; i < 999; ++i) steps.push_back({{"do", "work"}, {"seconds", 0}});
  steps.push_back({{"do", "message"}, {"content", "done"}});
  auto t = started(json{{"steps", steps}}.dump());
  advance(t, kT0, 1.0);
  EXPECT_EQ(t.status, Status::awaiting_reply);
  ASSERT_EQ(t.events.size(), 1001u);
  EXPECT_EQ(t.events.back().timestamp, kT0 + 1000);
  expect_consistent(t);
}

TEST(Advance, StallStaysProcessingWithNoActivity) {
  auto t = started(R"({"steps":[{"do":"work","seconds":1,"note":"w"},{"do":"stall"},
                                {"do":"propose"}]})");
  advance(t, kT0 + 10 * 3600 * kSecond, 1.0);
  EXPECT_EQ(t.status, Status::processing);
  EXPECT_TRUE(t.stalled);
  EXPECT_EQ(t.wake_at, kNever);
  // The stall adds no event: the last activity stays the work step's (due at kT0, stamped +1 us).
  EXPECT_EQ(t.last_activity_at, kT0 + 1);
  expect_events(t, {{kT0, EventType::status, "Task created"}, {kT0 + 1, EventType::status, "w"}});
}

TEST(Advance, SystemCancelStepCancelsWithTheReason) {
  auto t = started(R"({"steps":[{"do":"work","seconds":30},{"do":"cancel","reason":"Budget"},
                                {"do":"propose"}]})");
  advance(t, kT0 + 100 * kSecond, 1.0);
  EXPECT_EQ(t.status, Status::cancelled);
  EXPECT_EQ(t.events.back().type, EventType::status);
  EXPECT_EQ(t.events.back().content, "Cancelled by the system: Budget");
  EXPECT_EQ(t.events.back().timestamp, kT0 + 30 * kSecond);
  EXPECT_EQ(t.last_activity_at, kT0 + 30 * kSecond);
  EXPECT_EQ(t.script, nullptr);
  EXPECT_EQ(t.pending, Pending::none);
  expect_consistent(t);
}

TEST(Advance, OutOfStepsStaysProcessingQuietly) {
  auto t = started(R"({"steps":[{"do":"work","seconds":5,"note":"only"}]})");
  advance(t, kT0 + 3600 * kSecond, 1.0);
  EXPECT_EQ(t.status, Status::processing);
  EXPECT_EQ(t.wake_at, kNever);
  EXPECT_EQ(t.events.size(), 2u);
  EXPECT_EQ(t.events[1].timestamp, kT0 + 1);
  EXPECT_EQ(t.last_activity_at, kT0 + 1);  // the "only" step's event; running out adds none

  auto empty = started(R"({"steps":[]})");
  advance(empty, kT0 + 3600 * kSecond, 1.0);
  EXPECT_EQ(empty.status, Status::processing);
  EXPECT_EQ(empty.events.size(), 1u);
  EXPECT_EQ(empty.last_activity_at, kT0);
}

TEST(Reply, TextReplyResumesTheAgentAtOnce) {
  auto t = started(R"({"steps":[{"do":"work","seconds":10,"note":"w"},
                                {"do":"message","content":"Tests?"},
                                {"do":"work","seconds":20,"note":"after"},
                                {"do":"propose","content":"P"}]})");
  // reply() advances the task itself: the message was due at +10 s.
  const Micros at = kT0 + 15 * kSecond;
  auto r = reply(t, text_reply("Yes please"), at, 1.0);
  EXPECT_EQ(r.error, ActionError::none);
  EXPECT_EQ(r.detail, "");
  EXPECT_EQ(t.status, Status::processing);
  EXPECT_EQ(t.pending, Pending::none);
  // The next step is due at the reply's time; it is stamped 1 us after the reply, and its 20 s
  // count from the time it was due.
  expect_events(t, {{kT0, EventType::status, "Task created"},
                    {kT0 + 1, EventType::status, "w"},
                    {kT0 + 10 * kSecond, EventType::message_to_customer, "Tests?"},
                    {at, EventType::reply, "Yes please"},
                    {at + 1, EventType::status, "after"}});
  EXPECT_EQ(t.last_activity_at, at + 1);
  advance(t, at + 20 * kSecond - 1, 1.0);
  EXPECT_EQ(t.status, Status::processing);
  advance(t, at + 20 * kSecond, 1.0);
  EXPECT_EQ(t.status, Status::awaiting_solution_approval);
  EXPECT_EQ(t.events.back().timestamp, at + 20 * kSecond);
}

TEST(Reply, PlainTextIsAcceptedForClarifyingQuestions) {
  auto t = started(kAskScript);
  advance(t, kT0, 1.0);
  auto r = reply(t, text_reply("Use whatever you like"), kT0 + kSecond, 1.0);
  EXPECT_EQ(r.error, ActionError::none);
  EXPECT_EQ(t.events[2].type, EventType::reply);
  EXPECT_EQ(t.events[2].content, "Use whatever you like");
  EXPECT_EQ(t.events[3].content, "After the answers");
}

TEST(Reply, StructuredAnswersAreRecordedAsTheAnswers) {
  auto t = started(kAskScript);
  advance(t, kT0, 1.0);
  const char* answers = R"([{"question_index":0,"selected":"For a demo"},
                            {"question_index":1,"selected":"Vue"},
                            {"question_index":2,"selected":["Auth","Search"]}])";
  auto r = reply(t, answers_reply(answers), kT0 + 3 * kSecond, 1.0);
  EXPECT_EQ(r.error, ActionError::none);
  ASSERT_EQ(t.events.size(), 4u);
  EXPECT_EQ(t.events[2].type, EventType::reply);
  EXPECT_EQ(json::parse(t.events[2].content), json::parse(answers));
  EXPECT_EQ(t.status, Status::processing);
  expect_consistent(t);
}

TEST(Reply, AnswersWinOverMessage) {
  auto t = started(kAskScript);
  advance(t, kT0, 1.0);
  Reply both = answers_reply(R"([{"question_index":1,"selected":"React"}])");
  both.text = "ignored text";
  ASSERT_EQ(reply(t, both, kT0, 1.0).error, ActionError::none);
  EXPECT_EQ(json::parse(t.events[2].content),
            json::parse(R"([{"question_index":1,"selected":"React"}])"));
  EXPECT_EQ(t.events[2].content.find("ignored text"), std::string::npos);
}

TEST(Reply, NewQuestionGetsANewMessageId) {
  auto t = started(R"({"steps":[{"do":"message","content":"One"},
                                {"do":"message","content":"Two"}]})");
  advance(t, kT0, 1.0);
  const auto first = t.message_id;
  ASSERT_EQ(reply(t, text_reply("a"), kT0 + kSecond, 1.0).error, ActionError::none);
  EXPECT_EQ(t.status, Status::awaiting_reply);
  EXPECT_EQ(t.message_content, "Two");
  EXPECT_TRUE(is_uuid(t.message_id));
  EXPECT_NE(t.message_id, first);
}

TEST(Reply, WrongStateIs409AndChangesNothing) {
  auto t = started(R"({"steps":[{"do":"work","seconds":10},{"do":"propose"}]})");
  auto r = reply(t, text_reply("hi"), kT0 + kSecond, 1.0);
  EXPECT_EQ(r.error, ActionError::wrong_state);
  EXPECT_EQ(r.detail, "task is processing, not awaiting_reply");
  EXPECT_EQ(t.events.size(), 2u);  // created + the work step reply() advanced to

  advance(t, kT0 + 10 * kSecond, 1.0);
  const auto before = t.events.size();
  r = reply(t, text_reply("hi"), kT0 + 11 * kSecond, 1.0);
  EXPECT_EQ(r.error, ActionError::wrong_state);
  EXPECT_EQ(r.detail, "task is awaiting_solution_approval, not awaiting_reply");
  EXPECT_EQ(t.events.size(), before);
  EXPECT_EQ(t.status, Status::awaiting_solution_approval);
}

struct AnswerError {
  const char* answers;
  const char* detail;
};

// A one-line name for test listings and failure messages (the default prints raw bytes).
void PrintTo(const AnswerError& c, std::ostream* os) {
  *os << c.detail;
}

class ReplyAnswerError : public testing::TestWithParam<AnswerError> {};

TEST_P(ReplyAnswerError, Is422AndLeavesTheQuestionOpen) {
  auto t = started(kAskScript);
  advance(t, kT0, 1.0);
  const auto id = t.message_id;
  auto r = reply(t, answers_reply(GetParam().answers), kT0 + kSecond, 1.0);
  EXPECT_EQ(r.error, ActionError::invalid);
  EXPECT_EQ(r.detail, GetParam().detail);
  EXPECT_EQ(t.status, Status::awaiting_reply);
  EXPECT_EQ(t.message_id, id);
  EXPECT_EQ(t.events.size(), 2u);
  EXPECT_EQ(t.last_activity_at, kT0 + 1);  // still the question's time (due at kT0, +1 us)
}

INSTANTIATE_TEST_SUITE_P(
    Rules, ReplyAnswerError,
    testing::Values(
        AnswerError{R"([{"question_index":3,"selected":"x"}])",
                    "answers[0].question_index: 3 is out of range (the question has 3 "
                    "questions)"},
        AnswerError{R"([{"question_index":-1,"selected":"x"}])",
                    "answers[0].question_index: -1 is out of range (the question has 3 "
                    "questions)"},
        AnswerError{R"([{"question_index":0,"selected":["a"]}])",
                    "answers[0].selected: expected a string for a text question, got a list"},
        AnswerError{R"([{"question_index":0,"selected":"ok"},
                        {"question_index":1,"selected":["React"]}])",
                    "answers[1].selected: expected a string for a single_select question, got a "
                    "list"},
        AnswerError{R"([{"question_index":2,"selected":"Auth"}])",
                    "answers[0].selected: expected a list of strings for a multi_select "
                    "question, got a string"}));

TEST(Reply, OutOfRangeWordingForOneQuestion) {
  auto t = started(R"({"steps":[{"do":"ask","questions":[{"type":"text","question":"q"}]}]})");
  advance(t, kT0, 1.0);
  auto r = reply(t, answers_reply(R"([{"question_index":1,"selected":"x"}])"), kT0, 1.0);
  EXPECT_EQ(r.error, ActionError::invalid);
  EXPECT_EQ(r.detail, "answers[0].question_index: 1 is out of range (the question has 1 question)");
}

TEST(Reply, AnswersToAPlainMessageAreOutOfRange) {
  auto t = started(R"({"steps":[{"do":"message","content":"Tests?"}]})");
  advance(t, kT0, 1.0);
  auto r = reply(t, answers_reply(R"([{"question_index":0,"selected":"yes"}])"), kT0, 1.0);
  EXPECT_EQ(r.error, ActionError::invalid);
  EXPECT_EQ(r.detail,
            "answers[0].question_index: 0 is out of range (the question has 0 questions)");
  EXPECT_EQ(t.status, Status::awaiting_reply);
  // Text is always accepted.
  EXPECT_EQ(reply(t, text_reply("yes"), kT0, 1.0).error, ActionError::none);
}

TEST(Decide, ConfirmCompletesWithResultAndFiles) {
  auto t = started(R"({"steps":[{"do":"propose","content":"P","result_text":"All done",
      "files":[{"name":"a.txt","content":"A"},{"name":"b/c.md","content":"C"}]}]})");
  advance(t, kT0, 1.0);
  const Micros at = kT0 + 42 * kSecond;
  auto r = decide(t, true, "", at, 1.0);
  EXPECT_EQ(r.error, ActionError::none);
  EXPECT_EQ(t.status, Status::completed);
  EXPECT_EQ(t.result_text, "All done");
  ASSERT_EQ(t.files.size(), 2u);
  EXPECT_EQ(t.files[0].name, "a.txt");
  EXPECT_EQ(t.files[0].content, "A");
  EXPECT_EQ(t.files[1].name, "b/c.md");
  EXPECT_EQ(t.files[1].content, "C");
  EXPECT_EQ(t.files[0].token.size(), 24u);
  EXPECT_NE(t.files[0].token, t.files[1].token);
  expect_events(t, {{kT0, EventType::status, "Task created"},
                    {kT0 + 1, EventType::solution_proposed, "P"},
                    {at, EventType::solution_decision, "CONFIRMED"},
                    {at + 1, EventType::status, "Task completed"}});
  EXPECT_EQ(t.last_activity_at, at + 1);
  EXPECT_EQ(t.pending, Pending::none);
  EXPECT_EQ(t.script, nullptr);
  EXPECT_EQ(t.wake_at, kNever);
}

TEST(Decide, RejectRevisesUpToTheLimitWithNewMessageIds) {
  auto t = started(R"({"steps":[{"do":"propose","content":"P",
      "on_reject":{"revise":2,"seconds":10,"then":"continue"}},
      {"do":"message","content":"Anything else?"}]})");
  advance(t, kT0, 1.0);
  std::set<std::string> ids = {t.message_id};

  Micros at = kT0 + 5 * kSecond;
  for (int revision = 1; revision <= 2; ++revision) {
    SCOPED_TRACE("revision " + std::to_string(revision));
    const auto before = t.events.size();
    ASSERT_EQ(decide(t, false, "too slow", at, 1.0).error, ActionError::none);
    EXPECT_EQ(t.status, Status::processing);
    EXPECT_EQ(t.pending, Pending::none);
    ASSERT_EQ(t.events.size(), before + 2);
    EXPECT_EQ(t.events[before].type, EventType::solution_decision);
    EXPECT_EQ(t.events[before].content, "REJECTED: too slow");
    EXPECT_EQ(t.events[before].timestamp, at);
    EXPECT_EQ(t.events[before + 1].type, EventType::status);
    EXPECT_EQ(t.events[before + 1].content, "Revising the solution: too slow");
    EXPECT_EQ(t.events[before + 1].timestamp, at + 1);
    EXPECT_EQ(t.last_activity_at, at + 1);

    advance(t, at + 10 * kSecond - 1, 1.0);
    EXPECT_EQ(t.status, Status::processing);
    advance(t, at + 10 * kSecond, 1.0);
    EXPECT_EQ(t.status, Status::awaiting_solution_approval);
    const auto expected = "P (revision " + std::to_string(revision) + ")";
    EXPECT_EQ(t.message_content, expected);
    EXPECT_EQ(t.events.back().type, EventType::solution_proposed);
    EXPECT_EQ(t.events.back().content, expected);
    EXPECT_EQ(t.events.back().timestamp, at + 10 * kSecond);
    EXPECT_TRUE(ids.insert(t.message_id).second) << "message id reused";
    at += 60 * kSecond;
  }

  // Revisions used up: "continue" goes on with the script at once (1 us after the decision).
  ASSERT_EQ(decide(t, false, "", at, 1.0).error, ActionError::none);
  EXPECT_EQ(t.events[t.events.size() - 2].type, EventType::solution_decision);
  EXPECT_EQ(t.events[t.events.size() - 2].content, "REJECTED");
  EXPECT_EQ(t.events[t.events.size() - 2].timestamp, at);
  EXPECT_EQ(t.events.back().type, EventType::message_to_customer);
  EXPECT_EQ(t.events.back().timestamp, at + 1);
  EXPECT_EQ(t.status, Status::awaiting_reply);
  expect_consistent(t);
}

TEST(Decide, RejectWithoutReasonRevises) {
  auto t = started(R"({"steps":[{"do":"propose","content":"P"}]})");
  advance(t, kT0, 1.0);
  ASSERT_EQ(decide(t, false, "", kT0, 1.0).error, ActionError::none);
  EXPECT_EQ(t.events[2].content, "REJECTED");
  EXPECT_EQ(t.events[3].content, "Revising the solution");
  // The default on_reject: 10 s, no limit.
  advance(t, kT0 + 10 * kSecond, 1.0);
  EXPECT_EQ(t.status, Status::awaiting_solution_approval);
  EXPECT_EQ(t.message_content, "P (revision 1)");
}

TEST(Decide, RevisionTimeIsScaled) {
  auto t = started(R"({"steps":[{"do":"propose","on_reject":{"seconds":100}}]})");
  advance(t, kT0, 0.5);
  ASSERT_EQ(decide(t, false, "", kT0, 0.5).error, ActionError::none);
  advance(t, kT0 + 50 * kSecond - 1, 0.5);
  EXPECT_EQ(t.status, Status::processing);
  advance(t, kT0 + 50 * kSecond, 0.5);
  EXPECT_EQ(t.status, Status::awaiting_solution_approval);
}

TEST(Decide, RevisionsUsedUpThenCancel) {
  auto t = started(R"({"steps":[{"do":"propose","on_reject":{"revise":0,"then":"cancel"}},
                                {"do":"message","content":"never"}]})");
  advance(t, kT0, 1.0);
  ASSERT_EQ(decide(t, false, "no", kT0 + kSecond, 1.0).error, ActionError::none);
  EXPECT_EQ(t.status, Status::cancelled);
  EXPECT_EQ(t.events[2].content, "REJECTED: no");
  EXPECT_EQ(t.events[2].timestamp, kT0 + kSecond);
  EXPECT_EQ(t.events.back().type, EventType::status);
  EXPECT_EQ(t.events.back().content, "Cancelled by the system: no further revisions");
  EXPECT_EQ(t.events.back().timestamp, kT0 + kSecond + 1);
  expect_consistent(t);
}

TEST(Decide, RevisionsUsedUpThenStall) {
  auto t = started(R"({"steps":[{"do":"propose","on_reject":{"revise":1,"seconds":0,
      "then":"stall"}},{"do":"message","content":"never"}]})");
  advance(t, kT0, 1.0);
  ASSERT_EQ(decide(t, false, "", kT0, 1.0).error, ActionError::none);
  EXPECT_EQ(t.status, Status::awaiting_solution_approval);  // zero-second revision
  ASSERT_EQ(decide(t, false, "", kT0 + kSecond, 1.0).error, ActionError::none);
  const auto events = t.events.size();
  advance(t, kT0 + 86400 * kSecond, 1.0);
  EXPECT_EQ(t.status, Status::processing);
  EXPECT_TRUE(t.stalled);
  EXPECT_EQ(t.events.size(), events);
  EXPECT_EQ(t.events.back().type, EventType::solution_decision);
  EXPECT_EQ(t.last_activity_at, kT0 + kSecond);
}

TEST(Decide, WrongStateIs409) {
  auto t = started(R"({"steps":[{"do":"message","content":"Q"}]})");
  auto r = decide(t, true, "", kT0, 1.0);
  EXPECT_EQ(r.error, ActionError::wrong_state);
  EXPECT_EQ(r.detail, "task is awaiting_reply, not awaiting_solution_approval");
  EXPECT_EQ(t.status, Status::awaiting_reply);

  auto p = started(R"({"steps":[{"do":"work","seconds":5}]})");
  r = decide(p, false, "x", kT0, 1.0);
  EXPECT_EQ(r.error, ActionError::wrong_state);
  EXPECT_EQ(r.detail, "task is processing, not awaiting_solution_approval");
}

TEST(Cancel, FromEveryNonTerminalState) {
  const std::vector<std::pair<const char*, Status>> cases = {
      {R"({"steps":[{"do":"work","seconds":100}]})", Status::processing},
      {R"({"steps":[{"do":"message","content":"Q"}]})", Status::awaiting_reply},
      {R"({"steps":[{"do":"propose"}]})", Status::awaiting_solution_approval},
  };
  for (const auto& [script, state] : cases) {
    SCOPED_TRACE(to_string(state));
    auto t = started(script);
    advance(t, kT0, 1.0);
    ASSERT_EQ(t.status, state);
    const Micros at = kT0 + 7 * kSecond;
    auto r = cancel(t, at);
    EXPECT_EQ(r.error, ActionError::none);
    EXPECT_EQ(t.status, Status::cancelled);
    EXPECT_EQ(t.events.back().type, EventType::status);
    EXPECT_EQ(t.events.back().content, "Task cancelled by the client");
    EXPECT_EQ(t.events.back().timestamp, at);
    EXPECT_EQ(t.last_activity_at, at);
    EXPECT_EQ(t.pending, Pending::none);
    expect_consistent(t);
  }
}

TEST(Cancel, StopsTheAgent) {
  auto t = started(R"({"steps":[{"do":"work","seconds":10},{"do":"propose"}]})");
  advance(t, kT0, 1.0);
  ASSERT_EQ(cancel(t, kT0 + kSecond).error, ActionError::none);
  advance(t, kT0 + 3600 * kSecond, 1.0);
  EXPECT_EQ(t.status, Status::cancelled);
  EXPECT_EQ(t.events.size(), 3u);
}

TEST(Cancel, TerminalIs409) {
  auto t = started(R"({"steps":[{"do":"propose"}]})");
  advance(t, kT0, 1.0);
  ASSERT_EQ(decide(t, true, "", kT0, 1.0).error, ActionError::none);
  auto r = cancel(t, kT0 + kSecond);
  EXPECT_EQ(r.error, ActionError::wrong_state);
  EXPECT_EQ(r.detail, "task is already completed");
  EXPECT_EQ(t.status, Status::completed);

  auto c = started(R"({"steps":[]})");
  ASSERT_EQ(cancel(c, kT0).error, ActionError::none);
  r = cancel(c, kT0 + kSecond);
  EXPECT_EQ(r.error, ActionError::wrong_state);
  EXPECT_EQ(r.detail, "task is already cancelled");
}

// Once completed or cancelled, nothing changes a task any more.
TEST(TerminalTasks, NeverChange) {
  auto completed = started(R"({"steps":[{"do":"propose"},{"do":"message","content":"x"}]})");
  advance(completed, kT0, 1.0);
  ASSERT_EQ(decide(completed, true, "", kT0 + kSecond, 1.0).error, ActionError::none);
  auto cancelled = started(R"({"steps":[{"do":"message","content":"x"}]})");
  advance(cancelled, kT0, 1.0);
  ASSERT_EQ(cancel(cancelled, kT0 + kSecond).error, ActionError::none);

  for (Task* t : {&completed, &cancelled}) {
    SCOPED_TRACE(to_string(t->status));
    const auto status = t->status;
    const auto events = t->events.size();
    const auto last = t->last_activity_at;
    const Micros later = kT0 + 86400 * kSecond;
    advance(*t, later, 1.0);
    EXPECT_EQ(reply(*t, text_reply("x"), later, 1.0).error, ActionError::wrong_state);
    EXPECT_EQ(decide(*t, true, "", later, 1.0).error, ActionError::wrong_state);
    EXPECT_EQ(decide(*t, false, "x", later, 1.0).error, ActionError::wrong_state);
    EXPECT_EQ(cancel(*t, later).error, ActionError::wrong_state);
    EXPECT_EQ(t->status, status);
    EXPECT_EQ(t->events.size(), events);
    EXPECT_EQ(t->last_activity_at, last);
  }
}

// The whole lifecycle of a task: every event in order, with last_activity_at following each.
TEST(Lifecycle, FullRunLogsEveryEventInOrder) {
  auto t = started(R"({"steps":[{"do":"work","seconds":30,"note":"Analyzing"},
      {"do":"ask","questions":[{"type":"single_select","question":"Which?","options":["A","B"]}]},
      {"do":"work","seconds":60,"note":"Building"},
      {"do":"message","content":"Tests too?"},
      {"do":"work","seconds":15,"note":"Finishing"},
      {"do":"propose","content":"Done","on_reject":{"revise":1,"seconds":20}}]})");
  advance(t, kT0 + 31 * kSecond, 1.0);
  ASSERT_EQ(t.status, Status::awaiting_reply);
  const Micros r1 = kT0 + 40 * kSecond;
  ASSERT_EQ(reply(t, answers_reply(R"([{"question_index":0,"selected":"B"}])"), r1, 1.0).error,
            ActionError::none);
  EXPECT_EQ(t.last_activity_at, r1 + 1);  // "Building", 1 us after the reply
  const Micros r2 = r1 + 70 * kSecond;
  ASSERT_EQ(reply(t, text_reply("yes"), r2, 1.0).error, ActionError::none);
  const Micros d1 = r2 + 20 * kSecond;
  ASSERT_EQ(decide(t, false, "rename it", d1, 1.0).error, ActionError::none);
  const Micros d2 = d1 + 25 * kSecond;
  ASSERT_EQ(decide(t, true, "", d2, 1.0).error, ActionError::none);

  const auto questions =
      clarifying_questions_content({{QuestionType::single_select, "Which?", {"A", "B"}}});
  // Events due at the same time as the one before are stamped 1 us after it; durations count
  // from the time a step was due.
  expect_events(t, {{kT0, EventType::status, "Task created"},
                    {kT0 + 1, EventType::status, "Analyzing"},
                    {kT0 + 30 * kSecond, EventType::question, questions},
                    {r1, EventType::reply, R"([{"question_index":0,"selected":"B"}])"},
                    {r1 + 1, EventType::status, "Building"},
                    {r1 + 60 * kSecond, EventType::message_to_customer, "Tests too?"},
                    {r2, EventType::reply, "yes"},
                    {r2 + 1, EventType::status, "Finishing"},
                    {r2 + 15 * kSecond, EventType::solution_proposed, "Done"},
                    {d1, EventType::solution_decision, "REJECTED: rename it"},
                    {d1 + 1, EventType::status, "Revising the solution: rename it"},
                    {d1 + 20 * kSecond, EventType::solution_proposed, "Done (revision 1)"},
                    {d2, EventType::solution_decision, "CONFIRMED"},
                    {d2 + 1, EventType::status, "Task completed"}});
  EXPECT_EQ(t.status, Status::completed);
}

// Events of a task are stamped at least 1 us after the one before, so that last_activity_at
// changes on every transition (CONTRACT section 2) even when steps take no time and the clock
// is frozen. A client action at frozen time t is stamped max(t, previous event + 1 us).
TEST(EventTimes, FrozenClockReplyRightAfterAZeroSecondStep) {
  auto t = started(R"({"steps":[{"do":"work","seconds":0,"note":"w"},
                                {"do":"message","content":"Q1"},
                                {"do":"work","seconds":0,"note":"x"},
                                {"do":"message","content":"Q2"},
                                {"do":"work","seconds":60,"note":"long"}]})");
  advance(t, kT0, 1.0);
  ASSERT_EQ(t.status, Status::awaiting_reply);
  EXPECT_EQ(t.last_activity_at, kT0 + 2);

  // The clock has not moved: the reply still comes after the question, and so does all that
  // it sets off.
  ASSERT_EQ(reply(t, text_reply("A1"), kT0, 1.0).error, ActionError::none);
  EXPECT_EQ(t.status, Status::awaiting_reply);
  EXPECT_EQ(t.message_content, "Q2");
  EXPECT_EQ(t.last_activity_at, kT0 + 5);

  // Stamps may run ahead of a frozen clock; the next reply still goes after them.
  ASSERT_EQ(reply(t, text_reply("A2"), kT0, 1.0).error, ActionError::none);
  EXPECT_EQ(t.status, Status::processing);
  EXPECT_EQ(t.last_activity_at, kT0 + 7);
  expect_events(t, {{kT0, EventType::status, "Task created"},
                    {kT0 + 1, EventType::status, "w"},
                    {kT0 + 2, EventType::message_to_customer, "Q1"},
                    {kT0 + 3, EventType::reply, "A1"},
                    {kT0 + 4, EventType::status, "x"},
                    {kT0 + 5, EventType::message_to_customer, "Q2"},
                    {kT0 + 6, EventType::reply, "A2"},
                    {kT0 + 7, EventType::status, "long"}});
  // Durations count from the time a step was due (kT0), not from its stamp.
  EXPECT_EQ(t.wake_at, kT0 + 60 * kSecond);

  // Once the clock has moved past the last stamp, events take the clock's time exactly.
  const Micros later = kT0 + 5 * kSecond;
  ASSERT_EQ(cancel(t, later).error, ActionError::none);
  EXPECT_EQ(t.events.back().timestamp, later);
  EXPECT_EQ(t.last_activity_at, later);
}

TEST(EventTimes, FrozenClockCancelRightAfterAZeroSecondStep) {
  auto t = started(R"({"steps":[{"do":"work","seconds":0,"note":"w"}]})");
  advance(t, kT0, 1.0);
  ASSERT_EQ(t.status, Status::processing);
  EXPECT_EQ(t.last_activity_at, kT0 + 1);
  ASSERT_EQ(cancel(t, kT0).error, ActionError::none);
  EXPECT_EQ(t.status, Status::cancelled);
  expect_events(t, {{kT0, EventType::status, "Task created"},
                    {kT0 + 1, EventType::status, "w"},
                    {kT0 + 2, EventType::status, "Task cancelled by the client"}});
  EXPECT_EQ(t.last_activity_at, kT0 + 2);

  // Cancelled while awaiting a reply that a zero-second step led to.
  auto q = started(R"({"steps":[{"do":"work","seconds":0,"note":"w"},
                                {"do":"message","content":"Q"}]})");
  advance(q, kT0, 1.0);
  ASSERT_EQ(q.status, Status::awaiting_reply);
  ASSERT_EQ(cancel(q, kT0).error, ActionError::none);
  expect_events(q, {{kT0, EventType::status, "Task created"},
                    {kT0 + 1, EventType::status, "w"},
                    {kT0 + 2, EventType::message_to_customer, "Q"},
                    {kT0 + 3, EventType::status, "Task cancelled by the client"}});
}

TEST(EventTimes, LastActivityMovesOnEveryTransitionWithAFrozenClock) {
  auto t = started(R"({"steps":[{"do":"work","seconds":0,"note":"w"},
      {"do":"ask","questions":[{"type":"text","question":"Why?"}]},
      {"do":"work","seconds":0,"note":"x"},
      {"do":"message","content":"M"},
      {"do":"propose","content":"P","on_reject":{"seconds":0}}]})");
  std::vector<Micros> seen = {t.last_activity_at};
  advance(t, kT0, 1.0);
  ASSERT_EQ(t.status, Status::awaiting_reply);
  const auto questions = t.message_content;
  seen.push_back(t.last_activity_at);
  ASSERT_EQ(reply(t, answers_reply(R"([{"question_index":0,"selected":"demo"}])"), kT0, 1.0).error,
            ActionError::none);
  ASSERT_EQ(t.pending, Pending::to_customer);
  seen.push_back(t.last_activity_at);
  ASSERT_EQ(reply(t, text_reply("ok"), kT0, 1.0).error, ActionError::none);
  ASSERT_EQ(t.status, Status::awaiting_solution_approval);
  seen.push_back(t.last_activity_at);
  ASSERT_EQ(decide(t, false, "", kT0, 1.0).error, ActionError::none);
  ASSERT_EQ(t.status, Status::awaiting_solution_approval);  // zero-second revision
  seen.push_back(t.last_activity_at);
  ASSERT_EQ(decide(t, true, "", kT0, 1.0).error, ActionError::none);
  ASSERT_EQ(t.status, Status::completed);
  seen.push_back(t.last_activity_at);

  EXPECT_EQ(seen, (std::vector<Micros>{kT0, kT0 + 2, kT0 + 5, kT0 + 7, kT0 + 10, kT0 + 12}));
  expect_events(t, {{kT0, EventType::status, "Task created"},
                    {kT0 + 1, EventType::status, "w"},
                    {kT0 + 2, EventType::question, questions},
                    {kT0 + 3, EventType::reply, R"([{"question_index":0,"selected":"demo"}])"},
                    {kT0 + 4, EventType::status, "x"},
                    {kT0 + 5, EventType::message_to_customer, "M"},
                    {kT0 + 6, EventType::reply, "ok"},
                    {kT0 + 7, EventType::solution_proposed, "P"},
                    {kT0 + 8, EventType::solution_decision, "REJECTED"},
                    {kT0 + 9, EventType::status, "Revising the solution"},
                    {kT0 + 10, EventType::solution_proposed, "P (revision 1)"},
                    {kT0 + 11, EventType::solution_decision, "CONFIRMED"},
                    {kT0 + 12, EventType::status, "Task completed"}});
}

// parse_reply_body: the 422 rules that do not depend on the question.
struct BodyError {
  const char* body;
  const char* detail;
};

// A one-line name for test listings and failure messages (the default prints raw bytes).
void PrintTo(const BodyError& c, std::ostream* os) {
  *os << c.detail;
}

class ParseReplyBodyError : public testing::TestWithParam<BodyError> {};

TEST_P(ParseReplyBodyError, Is422WithTheReason) {
  std::string detail;
  EXPECT_FALSE(parse_reply_body(json::parse(GetParam().body), detail)) << GetParam().body;
  EXPECT_EQ(detail, GetParam().detail);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, ParseReplyBodyError,
    testing::Values(
        BodyError{R"([])",
                  R"(body: expected a JSON object with "message", "content" or "answers")"},
        BodyError{R"("hi")",
                  R"(body: expected a JSON object with "message", "content" or "answers")"},
        BodyError{R"({})", R"(body: one of "message", "content" or "answers" is required)"},
        BodyError{R"({"text":"hi"})",
                  R"(body: one of "message", "content" or "answers" is required)"},
        BodyError{R"({"message":null,"content":null,"answers":null})",
                  R"(body: one of "message", "content" or "answers" is required)"},
        BodyError{R"({"message":5})", "message: expected a string, got a number"},
        BodyError{R"({"message":["a"]})", "message: expected a string, got a list"},
        BodyError{R"({"message":{"a":1}})", "message: expected a string, got an object"},
        BodyError{R"({"content":true})", "content: expected a string, got a boolean"},
        BodyError{R"({"message":"ok","content":7})", "content: expected a string, got a number"},
        BodyError{R"({"message":""})", "message: must not be empty"},
        // `message` and `content` are one field: empty only when both are.
        BodyError{R"({"content":""})", "message: must not be empty"},
        BodyError{R"({"message":"","content":""})", "message: must not be empty"},
        BodyError{R"({"message":null,"content":""})", "message: must not be empty"},
        BodyError{R"({"message":"","content":5})", "content: expected a string, got a number"},
        BodyError{R"({"message":5,"content":"hi"})", "message: expected a string, got a number"},
        BodyError{R"({"answers":[]})",
                  "answers: expected a non-empty list of {question_index, selected}"},
        BodyError{R"({"answers":{"question_index":0}})",
                  "answers: expected a non-empty list of {question_index, selected}"},
        BodyError{R"({"answers":[1]})",
                  "answers[0]: expected an object {question_index, selected}"},
        BodyError{R"({"answers":[{"selected":"a"}]})",
                  "answers[0].question_index: expected an integer"},
        BodyError{R"({"answers":[{"question_index":"0","selected":"a"}]})",
                  "answers[0].question_index: expected an integer"},
        BodyError{R"({"answers":[{"question_index":0.5,"selected":"a"}]})",
                  "answers[0].question_index: expected an integer"},
        BodyError{R"({"answers":[{"question_index":0,"selected":"a"},{"question_index":1}]})",
                  "answers[1].selected: expected a string or a list of strings"},
        BodyError{R"({"answers":[{"question_index":0,"selected":3}]})",
                  "answers[0].selected: expected a string or a list of strings"},
        BodyError{R"({"answers":[{"question_index":0,"selected":["a",3]}]})",
                  "answers[0].selected: every selected option must be a string"},
        BodyError{R"({"message":"valid","answers":[{"question_index":0}]})",
                  "answers[0].selected: expected a string or a list of strings"}));

TEST(ParseReplyBody, MessageAndContentAreInterchangeable) {
  std::string detail;
  auto m = parse_reply_body(json::parse(R"({"message":"hello"})"), detail);
  ASSERT_TRUE(m) << detail;
  EXPECT_EQ(m->text, "hello");
  EXPECT_FALSE(m->answers);
  auto c = parse_reply_body(json::parse(R"({"content":"hello"})"), detail);
  ASSERT_TRUE(c) << detail;
  EXPECT_EQ(c->text, "hello");
  auto both = parse_reply_body(json::parse(R"({"message":"first","content":"second"})"), detail);
  ASSERT_TRUE(both) << detail;
  EXPECT_EQ(both->text, "first");
  auto null_message = parse_reply_body(json::parse(R"({"message":null,"content":"c"})"), detail);
  ASSERT_TRUE(null_message) << detail;
  EXPECT_EQ(null_message->text, "c");
}

TEST(ParseReplyBody, TheFirstNonEmptyOfMessageAndContentIsTheText) {
  std::string detail;
  auto content = parse_reply_body(json::parse(R"({"message":"","content":"hi"})"), detail);
  ASSERT_TRUE(content) << detail;
  EXPECT_EQ(content->text, "hi");
  EXPECT_FALSE(content->answers);
  auto message = parse_reply_body(json::parse(R"({"message":"hi","content":""})"), detail);
  ASSERT_TRUE(message) << detail;
  EXPECT_EQ(message->text, "hi");
  auto with_answers = parse_reply_body(
      json::parse(
          R"({"message":"","content":"hi","answers":[{"question_index":0,"selected":"a"}]})"),
      detail);
  ASSERT_TRUE(with_answers) << detail;
  EXPECT_EQ(with_answers->text, "hi");
  ASSERT_TRUE(with_answers->answers);
  EXPECT_EQ(*with_answers->answers, json::parse(R"([{"question_index":0,"selected":"a"}])"));
}

TEST(Reply, EmptyMessageWithContentRepliesWithTheContent) {
  auto t = started(R"({"steps":[{"do":"message","content":"Tests?"}]})");
  advance(t, kT0, 1.0);
  std::string detail;
  const auto parsed = parse_reply_body(json::parse(R"({"message":"","content":"hi"})"), detail);
  ASSERT_TRUE(parsed) << detail;
  const Micros at = kT0 + kSecond;
  ASSERT_EQ(reply(t, *parsed, at, 1.0).error, ActionError::none);
  EXPECT_EQ(t.status, Status::processing);
  expect_events(t, {{kT0, EventType::status, "Task created"},
                    {kT0 + 1, EventType::message_to_customer, "Tests?"},
                    {at, EventType::reply, "hi"}});
}

TEST(ParseReplyBody, AnswersAreKeptAlongsideTheMessage) {
  std::string detail;
  const auto answers = json::parse(R"([{"question_index":0,"selected":["a","b"]},
                                       {"question_index":1,"selected":[]}])");
  auto r = parse_reply_body(json{{"message", "text"}, {"answers", answers}}, detail);
  ASSERT_TRUE(r) << detail;
  EXPECT_EQ(r->text, "text");
  ASSERT_TRUE(r->answers);
  EXPECT_EQ(*r->answers, answers);
  // With answers, an empty message does not matter.
  auto empty_text = parse_reply_body(json{{"message", ""}, {"answers", answers}}, detail);
  ASSERT_TRUE(empty_text) << detail;
  EXPECT_EQ(*empty_text->answers, answers);
  auto only = parse_reply_body(json{{"answers", answers}}, detail);
  ASSERT_TRUE(only) << detail;
  EXPECT_FALSE(only->text);
}

}  // namespace
}  // namespace agentwork::mock
