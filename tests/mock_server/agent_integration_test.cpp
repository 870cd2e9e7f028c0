// Every agent-script step, the default seeded agent, the time scale and the virtual clock,
// over real sockets.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "tests/mock_server/mock_fixture.hpp"

namespace agentwork::testing {
namespace {

class AgentTest : public MockFixture {
 protected:
  std::string key_;
  void SetUp() override {
    MockFixture::SetUp();
    key_ = register_user("agent@example.com");
  }
  std::string st(const std::string& id) { return status(key_, id)["status"]; }
  int post(const std::string& id, const std::string& what, const json& body) {
    return http().post("/api/v1/tasks/" + id + "/" + what, body, key_).status;
  }
};

TEST_F(AgentTest, WorkLastsItsScaledDurationOnTheVirtualClock) {
  auto config = default_config();
  config.time_scale = 0.5;
  start(config);
  key_ = register_user("agent@example.com");
  auto id = create_task(key_, json::parse(R"({"steps":[{"do":"work","seconds":10},
      {"do":"message","content":"Done thinking. Anything else?"}]})"));
  advance(4.9);  // 10 s at scale 0.5 is 5 s
  EXPECT_EQ(st(id), "processing");
  advance(0.2);
  auto s = status(key_, id);
  ASSERT_EQ(s["status"], "awaiting_reply");
  EXPECT_EQ(s["question"]["type"], "TO_CUSTOMER");
  EXPECT_EQ(s["question"]["content"], "Done thinking. Anything else?");
}

TEST_F(AgentTest, MessageStepWaitsForAReplyThenTheScriptGoesOn) {
  auto id = create_task(key_, json::parse(R"({"steps":[
      {"do":"message","content":"Should I add tests?"},
      {"do":"work","seconds":5},
      {"do":"propose","content":"v1"}]})"));
  ASSERT_EQ(st(id), "awaiting_reply");
  advance(100);  // waiting on the client: nothing happens
  ASSERT_EQ(st(id), "awaiting_reply");
  // Structured answers are not possible for TO_CUSTOMER; plain text always is.
  EXPECT_EQ(post(id, "message", json{{"answers", {{{"question_index", 0}, {"selected", "yes"}}}}}),
            422);
  EXPECT_EQ(post(id, "message", json{{"message", "Yes please"}}), 200);
  EXPECT_EQ(st(id), "processing");
  advance(5);
  EXPECT_EQ(st(id), "awaiting_solution_approval");
}

TEST_F(AgentTest, AskStepAcceptsPlainTextForClarifyingQuestions) {
  auto id = create_task(key_, json::parse(R"({"steps":[
      {"do":"ask","questions":[{"type":"multi_select","question":"Which?","options":["A","B"]}]},
      {"do":"propose","content":"v1"}]})"));
  ASSERT_EQ(st(id), "awaiting_reply");
  EXPECT_EQ(post(id, "message", json{{"message", "A and B, please"}}), 200);
  EXPECT_EQ(st(id), "awaiting_solution_approval");  // zero think time: proposes at once
}

TEST_F(AgentTest, ReviseNTimesThenCancel) {
  auto id = create_task(key_, json::parse(R"({"steps":[{"do":"propose","content":"v",
      "on_reject":{"revise":1,"seconds":30,"then":"cancel"}}]})"));
  ASSERT_EQ(st(id), "awaiting_solution_approval");
  const auto first = status(key_, id)["solution"]["message_id"];
  EXPECT_EQ(post(id, "solution-status", json{{"status", "REJECTED"}, {"rejection_reason", "no"}}),
            200);
  advance(29);
  EXPECT_EQ(st(id), "processing");
  advance(1);
  auto s = status(key_, id);
  ASSERT_EQ(s["status"], "awaiting_solution_approval");
  EXPECT_NE(s["solution"]["message_id"], first);
  EXPECT_EQ(s["solution"]["content"], "v (revision 1)");
  EXPECT_EQ(
      post(id, "solution-status", json{{"status", "REJECTED"}, {"rejection_reason", "still no"}}),
      200);
  EXPECT_EQ(st(id), "cancelled");
  EXPECT_EQ(events(key_, id).back()["content"], "Cancelled by the system: no further revisions");
}

TEST_F(AgentTest, RevisionsUsedUpThenStallOrContinue) {
  auto stall = create_task(key_, json::parse(R"({"steps":[{"do":"propose","content":"v",
      "on_reject":{"revise":0,"then":"stall"}}]})"));
  auto next = create_task(key_, json::parse(R"({"steps":[{"do":"propose","content":"v",
      "on_reject":{"revise":0,"then":"continue"}},{"do":"message","content":"What now?"}]})"));
  EXPECT_EQ(post(stall, "solution-status", json{{"status", "REJECTED"}}), 200);
  EXPECT_EQ(post(next, "solution-status", json{{"status", "REJECTED"}}), 200);
  const auto seen = status(key_, stall)["last_activity_at"];
  advance(3600);
  auto s = status(key_, stall);
  EXPECT_EQ(s["status"], "processing");
  EXPECT_EQ(s["last_activity_at"], seen);
  EXPECT_EQ(status(key_, next)["question"]["content"], "What now?");
}

TEST_F(AgentTest, StallStepShowsAFiveMinuteStallInstantly) {
  auto id =
      create_task(key_, json::parse(R"({"steps":[{"do":"work","seconds":20},{"do":"stall"}]})"));
  advance(20);
  const auto s0 = status(key_, id);
  advance(300);
  const auto s1 = status(key_, id);
  EXPECT_EQ(s1["status"], "processing");
  EXPECT_EQ(s1["last_activity_at"], s0["last_activity_at"]);
  auto clock = http().get("/_mock/clock").json();
  EXPECT_TRUE(clock["frozen"].get<bool>());
  // The task can still be cancelled by the client.
  EXPECT_EQ(post(id, "cancel", json::object()), 200);
}

TEST_F(AgentTest, CancelStepIsTheSystemGivingUp) {
  auto id = create_task(key_, json::parse(R"({"steps":[{"do":"work","seconds":5},
      {"do":"cancel","reason":"agent crashed"}]})"));
  EXPECT_EQ(st(id), "processing");
  advance(5);
  EXPECT_EQ(st(id), "cancelled");
  EXPECT_EQ(events(key_, id).back()["content"], "Cancelled by the system: agent crashed");
  EXPECT_EQ(post(id, "cancel", json::object()), 409);
}

TEST_F(AgentTest, OutOfStepsStaysProcessing) {
  auto id = create_task(key_, json::parse(R"({"steps":[{"do":"ask","questions":[
      {"type":"text","question":"Why?","options":null}]}]})"));
  EXPECT_EQ(post(id, "message", json{{"message", "Because"}}), 200);
  advance(10000);
  EXPECT_EQ(st(id), "processing");
}

TEST_F(AgentTest, NamedScriptsAndInvalidScripts) {
  auto put = http().request("PUT", "/_mock/scripts/quick",
                            R"({"steps":[{"do":"propose","content":"fast"}]})",
                            {{"Content-Type", "application/json"}});
  ASSERT_EQ(put.status, 201) << put.body;
  auto r = http().post("/api/v1/tasks/",
                       json{{"title", "T"}, {"description", "D"}, {"mock_script", "quick"}}, key_);
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(status(key_, r.json()["task_id"])["solution"]["content"], "fast");
  auto missing = http().post(
      "/api/v1/tasks/", json{{"title", "T"}, {"description", "D"}, {"mock_script", "nope"}}, key_);
  EXPECT_EQ(missing.status, 422);
  auto bad = http().post("/api/v1/tasks/",
                         json{{"title", "T"},
                              {"description", "D"},
                              {"mock_script", json::parse(R"({"steps":[{"do":"ask","questions":[
                                  {"type":"single_select","question":"?","options":[]}]}]})")}},
                         key_);
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["detail"],
            "mock_script.steps[0].questions[0].options: a select question needs 1 to 5 options");
}

// The default agent: work, one round of mixed clarifying questions, propose, revise on
// rejection, complete with files.
TEST_F(AgentTest, DefaultAgentRunsAPlausibleLifecycle) {
  auto id = create_task(key_);
  EXPECT_EQ(st(id), "processing");
  advance(90);  // the first work step takes 20-90 s
  auto s = status(key_, id);
  ASSERT_EQ(s["status"], "awaiting_reply");
  auto content = json::parse(s["question"]["content"].get<std::string>());
  std::set<std::string> types;
  for (const auto& q : content["questions"]) types.insert(q["type"]);
  EXPECT_EQ(types, (std::set<std::string>{"text", "single_select", "multi_select"}));
  ASSERT_EQ(post(id, "message", json{{"message", "Whatever you think is best"}}), 200);
  for (int round = 0; round < 3 && st(id) != "awaiting_solution_approval"; ++round) {
    advance(120);
    if (st(id) == "awaiting_reply") post(id, "message", json{{"message", "Yes"}});
  }
  ASSERT_EQ(st(id), "awaiting_solution_approval");
  ASSERT_EQ(
      post(id, "solution-status", json{{"status", "REJECTED"}, {"rejection_reason", "More tests"}}),
      200);
  advance(60);
  ASSERT_EQ(st(id), "awaiting_solution_approval");
  ASSERT_EQ(post(id, "solution-status", json{{"status", "CONFIRMED"}}), 200);
  auto result = http().get("/api/v1/tasks/" + id + "/result", key_).json();
  EXPECT_GE(result["files"].size(), 1u);
}

TEST_F(AgentTest, SameSeedSameAgentDifferentSeedDifferentAgent) {
  auto questions_with_seed = [&](std::uint64_t seed) {
    auto config = default_config();
    config.seed = seed;
    start(config);
    key_ = register_user("seed@example.com");
    auto id = create_task(key_, nullptr, "Same title");
    advance(90);
    return status(key_, id)["question"]["content"].get<std::string>();
  };
  const auto a = questions_with_seed(11);
  const auto b = questions_with_seed(11);
  const auto c = questions_with_seed(12);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST_F(AgentTest, RunningClockWithTimeScaleMovesOnItsOwn) {
  auto config = default_config();
  config.start_frozen = false;
  config.time_scale = 0.001;  // 10 s of agent work take 10 ms
  start(config);
  key_ = register_user("real@example.com");
  auto id = create_task(key_, json::parse(R"({"steps":[{"do":"work","seconds":10},
      {"do":"propose","content":"v"}]})"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (st(id) != "awaiting_solution_approval" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(st(id), "awaiting_solution_approval");
}

TEST_F(AgentTest, LastActivityChangesOnEveryTransitionAndNeverGoesBack) {
  auto id = create_task(key_, json::parse(R"({"steps":[{"do":"work","seconds":3},
      {"do":"ask","questions":[{"type":"text","question":"?","options":null}]},
      {"do":"work","seconds":3},{"do":"propose","content":"v"}]})"));
  std::vector<std::string> seen{status(key_, id)["last_activity_at"]};
  advance(3);
  seen.push_back(status(key_, id)["last_activity_at"]);
  advance(1);
  post(id, "message", json{{"message", "x"}});
  seen.push_back(status(key_, id)["last_activity_at"]);
  advance(3);
  seen.push_back(status(key_, id)["last_activity_at"]);
  advance(1);
  post(id, "solution-status", json{{"status", "CONFIRMED"}});
  seen.push_back(status(key_, id)["last_activity_at"]);
  for (std::size_t i = 1; i < seen.size(); ++i) EXPECT_LT(seen[i - 1], seen[i]) << i;
}

TEST_F(AgentTest, ClockCanBeSetAndResumedButNeverGoesBack) {
  auto now = http().get("/_mock/clock").json();
  EXPECT_TRUE(now["frozen"].get<bool>());
  auto set = http().post("/_mock/clock", json{{"action", "set"}, {"to", "2099-01-01T00:00:00Z"}});
  ASSERT_EQ(set.status, 200);
  EXPECT_EQ(set.json()["now"], "2099-01-01T00:00:00.000000Z");
  EXPECT_EQ(
      http().post("/_mock/clock", json{{"action", "set"}, {"to", "2000-01-01T00:00:00Z"}}).status,
      409);
  EXPECT_EQ(http().post("/_mock/clock", json{{"action", "resume"}}).json()["frozen"], false);
  EXPECT_EQ(http().post("/_mock/clock", json{{"action", "rewind"}}).status, 422);
}

}  // namespace
}  // namespace agentwork::testing
