// Every row of spec/CONTRACT.md section 3 over real sockets against the in-process mock.
#include <gtest/gtest.h>

#include <regex>

#include "tests/mock_server/mock_fixture.hpp"

namespace agentwork::testing {
namespace {

// work 10 s -> three clarifying questions -> work 10 s -> propose (with two files).
json script() {
  return json::parse(R"({"steps":[
    {"do":"work","seconds":10,"note":"Analyzing requirements..."},
    {"do":"ask","questions":[
      {"type":"text","question":"What is the primary use case?","options":null},
      {"type":"single_select","question":"Which framework?","options":["React","Vue","Svelte"]},
      {"type":"multi_select","question":"Which features?","options":["Auth","Database","Payments"]}]},
    {"do":"work","seconds":10,"note":"Implementing..."},
    {"do":"propose","content":"I built it.","result_text":"All done.",
     "files":[{"name":"src/main.rs","content":"fn main() {}\n"},
              {"name":"README.md","content":"# FizzBuzz\n"}]}]})");
}

const std::regex kUuid("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");

class ApiTest : public MockFixture {
 protected:
  // A task brought to awaiting_reply (the clarifying questions).
  std::string task_awaiting_reply(const std::string& key) {
    auto id = create_task(key, script());
    advance(10);
    EXPECT_EQ(status(key, id)["status"], "awaiting_reply");
    return id;
  }
  std::string task_awaiting_approval(const std::string& key) {
    auto id = task_awaiting_reply(key);
    EXPECT_EQ(http()
                  .post("/api/v1/tasks/" + id + "/message", json{{"message", "A CLI tool"}}, key)
                  .status,
              200);
    advance(10);
    EXPECT_EQ(status(key, id)["status"], "awaiting_solution_approval");
    return id;
  }
};

TEST_F(ApiTest, RegisterReturnsKeyWithPrefixAndIds) {
  auto r = http().post(
      "/api/v1/auth/register",
      json{{"email", "ada@example.com"}, {"name", "Ada"}, {"organization_name", "Acme"}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto j = r.json();
  const auto key = j["api_key"].get<std::string>();
  EXPECT_TRUE(key.starts_with("aw_live_"));
  EXPECT_EQ(j["key_prefix"], key.substr(0, 16));
  EXPECT_TRUE(std::regex_match(j["organization_id"].get<std::string>(), kUuid));
  EXPECT_TRUE(std::regex_match(j["user_id"].get<std::string>(), kUuid));
  EXPECT_TRUE(std::regex_match(j["organization_short_id"].get<std::string>(),
                               std::regex("^[A-Za-z0-9]{5}$")));
  EXPECT_EQ(r.headers["content-type"], "application/json");
}

TEST_F(ApiTest, RegisterWithoutOrganizationNameStillWorks) {
  auto r = http().post("/api/v1/auth/register", json{{"email", "b@example.com"}, {"name", "B"}});
  EXPECT_EQ(r.status, 201);
}

TEST_F(ApiTest, RegisterDuplicateEmailInAnyCaseIs409) {
  register_user("Dup@Example.com");
  auto r = http().post("/api/v1/auth/register", json{{"email", "dUP@example.COM"}, {"name", "X"}});
  EXPECT_EQ(r.status, 409);
  EXPECT_TRUE(r.json().contains("detail"));
}

TEST_F(ApiTest, RegisterMissingOrInvalidFieldsIs422) {
  EXPECT_EQ(http().post("/api/v1/auth/register", json{{"name", "X"}}).status, 422);
  EXPECT_EQ(http().post("/api/v1/auth/register", json{{"email", "x@example.com"}}).status, 422);
  EXPECT_EQ(
      http().post("/api/v1/auth/register", json{{"email", "not-an-email"}, {"name", "X"}}).status,
      422);
  EXPECT_EQ(http()
                .request("POST", "/api/v1/auth/register", "{not json",
                         {{"Content-Type", "application/json"}})
                .status,
            422);
}

TEST_F(ApiTest, PasswordExchangeIssuesKeysAndRejectsWrongPassword) {
  ASSERT_EQ(
      http().post("/_mock/users", json{{"email", "pw@example.com"}, {"password", "s3cret"}}).status,
      201);
  auto ok =
      http().post("/api/v1/auth/api-key",
                  json{{"email", "PW@example.com"}, {"password", "s3cret"}, {"key_name", "CI"}});
  ASSERT_EQ(ok.status, 201) << ok.body;
  auto j = ok.json();
  EXPECT_EQ(j["key_name"], "CI");
  EXPECT_EQ(j["key_prefix"], j["api_key"].get<std::string>().substr(0, 16));
  // The key works.
  EXPECT_EQ(http().get("/api/v1/tasks/", j["api_key"]).status, 200);
  EXPECT_EQ(
      http()
          .post("/api/v1/auth/api-key", json{{"email", "pw@example.com"}, {"password", "nope"}})
          .status,
      401);
  EXPECT_EQ(http()
                .post("/api/v1/auth/api-key", json{{"email", "who@example.com"}, {"password", "x"}})
                .status,
            401);
}

TEST_F(ApiTest, CreateTaskAnd401WithoutOrWithBadKey) {
  auto key = register_user("c@example.com");
  auto r = http().post("/api/v1/tasks/", json{{"title", "T"}, {"description", "D"}}, key);
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(r.json()["status"], "processing");
  EXPECT_TRUE(std::regex_match(r.json()["task_id"].get<std::string>(), kUuid));

  auto none = http().post("/api/v1/tasks/", json{{"title", "T"}, {"description", "D"}});
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.headers["www-authenticate"], "Bearer");
  auto bad =
      http().post("/api/v1/tasks/", json{{"title", "T"}, {"description", "D"}}, "aw_live_wrong");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.headers["www-authenticate"], "Bearer");
}

TEST_F(ApiTest, CreateTaskMissingOrEmptyFieldsIs422) {
  auto key = register_user("c422@example.com");
  EXPECT_EQ(http().post("/api/v1/tasks/", json{{"description", "D"}}, key).status, 422);
  EXPECT_EQ(http().post("/api/v1/tasks/", json{{"title", "T"}}, key).status, 422);
  EXPECT_EQ(http().post("/api/v1/tasks/", json{{"title", ""}, {"description", "D"}}, key).status,
            422);
  EXPECT_EQ(http().post("/api/v1/tasks/", json{{"title", "T"}, {"description", 5}}, key).status,
            422);
}

TEST_F(ApiTest, ListIsNewestFirstSameWithAndWithoutSlashAndIsolated) {
  auto a = register_user("list-a@example.com");
  auto b = register_user("list-b@example.com");
  auto first = create_task(a, nullptr, "first");
  advance(1);
  auto second = create_task(a, nullptr, "second");
  auto other = create_task(b, nullptr, "other org");
  for (const char* path : {"/api/v1/tasks/", "/api/v1/tasks"}) {
    auto r = http().get(path, a);
    ASSERT_EQ(r.status, 200) << path;
    auto tasks = r.json()["tasks"];
    ASSERT_EQ(tasks.size(), 2u) << r.body;
    EXPECT_EQ(tasks[0]["task_id"], second);
    EXPECT_EQ(tasks[1]["task_id"], first);
    for (const auto& t : tasks) {
      for (const char* k : {"task_id", "title", "status", "created_at", "last_activity_at"}) {
        EXPECT_TRUE(t.contains(k)) << k;
      }
      EXPECT_NE(t["task_id"], other);
    }
  }
  EXPECT_EQ(http().get("/api/v1/tasks/", "").status, 401);
}

TEST_F(ApiTest, StatusShowsQuestionExactlyWhenAwaitingReply) {
  auto key = register_user("s@example.com");
  auto id = create_task(key, script());
  auto s = status(key, id);
  EXPECT_EQ(s["task_id"], id);
  EXPECT_EQ(s["status"], "processing");
  EXPECT_FALSE(s.contains("question"));
  EXPECT_FALSE(s.contains("solution"));
  EXPECT_TRUE(std::regex_match(s["last_activity_at"].get<std::string>(),
                               std::regex(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$)")));
  advance(10);
  s = status(key, id);
  ASSERT_EQ(s["status"], "awaiting_reply");
  ASSERT_TRUE(s.contains("question"));
  EXPECT_FALSE(s.contains("solution"));
  EXPECT_EQ(s["question"]["type"], "CLARIFYING_QUESTIONS");
  EXPECT_TRUE(std::regex_match(s["question"]["message_id"].get<std::string>(), kUuid));
  auto content = json::parse(s["question"]["content"].get<std::string>());
  EXPECT_EQ(content["type"], "clarifying_questions");
  ASSERT_EQ(content["questions"].size(), 3u);
  EXPECT_EQ(content["questions"][0]["type"], "text");
  EXPECT_TRUE(content["questions"][0]["options"].is_null());
  EXPECT_EQ(content["questions"][2]["options"].size(), 3u);
}

TEST_F(ApiTest, StatusShowsSolutionExactlyWhenAwaitingApproval) {
  auto key = register_user("sol@example.com");
  auto id = task_awaiting_approval(key);
  auto s = status(key, id);
  ASSERT_TRUE(s.contains("solution"));
  EXPECT_FALSE(s.contains("question"));
  EXPECT_EQ(s["solution"]["content"], "I built it.");
  EXPECT_TRUE(std::regex_match(s["solution"]["message_id"].get<std::string>(), kUuid));
}

TEST_F(ApiTest, UnknownAndOtherOrganizationsTasksAre404OnEveryTaskEndpoint) {
  auto owner = register_user("owner@example.com");
  auto stranger = register_user("stranger@example.com");
  auto id = task_awaiting_reply(owner);
  const std::string unknown = "00000000-0000-4000-8000-000000000000";
  for (const auto& tid : {id, unknown}) {
    const auto base = "/api/v1/tasks/" + tid;
    EXPECT_EQ(http().get(base, stranger).status, 404) << tid;
    EXPECT_EQ(http().get(base + "/events", stranger).status, 404);
    EXPECT_EQ(http().get(base + "/result", stranger).status, 404);
    EXPECT_EQ(http().post(base + "/message", json{{"message", "hi"}}, stranger).status, 404);
    EXPECT_EQ(
        http().post(base + "/solution-status", json{{"status", "CONFIRMED"}}, stranger).status,
        404);
    EXPECT_EQ(http().post(base + "/cancel", json::object(), stranger).status, 404);
  }
  // The stranger's list never shows it, and the owner's task is untouched.
  EXPECT_TRUE(http().get("/api/v1/tasks/", stranger).json()["tasks"].empty());
  EXPECT_EQ(status(owner, id)["status"], "awaiting_reply");
}

TEST_F(ApiTest, EveryTaskEndpointNeedsAKey) {
  auto key = register_user("auth@example.com");
  auto id = create_task(key);
  const auto base = "/api/v1/tasks/" + id;
  for (const auto& [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"GET", base},
                                                        {"GET", base + "/events"},
                                                        {"GET", base + "/result"},
                                                        {"POST", base + "/message"},
                                                        {"POST", base + "/solution-status"},
                                                        {"POST", base + "/cancel"},
                                                        {"GET", "/api/v1/tasks/"},
                                                        {"POST", "/api/v1/tasks/"}}) {
    auto r = http().request(method, path, method == "POST" ? "{}" : "",
                            {{"Authorization", "Bearer aw_live_invalid"}});
    EXPECT_EQ(r.status, 401) << method << " " << path;
    EXPECT_EQ(r.headers["www-authenticate"], "Bearer");
  }
}

TEST_F(ApiTest, MessageAndContentAreInterchangeable) {
  auto key = register_user("m@example.com");
  auto a = task_awaiting_reply(key);
  auto b = task_awaiting_reply(key);
  auto ra =
      http().post("/api/v1/tasks/" + a + "/message", json{{"message", "plain text answer"}}, key);
  auto rb =
      http().post("/api/v1/tasks/" + b + "/message", json{{"content", "plain text answer"}}, key);
  ASSERT_EQ(ra.status, 200);
  ASSERT_EQ(rb.status, 200);
  EXPECT_EQ(ra.json(), (json{{"task_id", a}, {"status", "processing"}}));
  EXPECT_EQ(status(key, a)["status"], "processing");
  for (const auto& id : {a, b}) {
    auto ev = events(key, id);
    auto reply =
        std::find_if(ev.begin(), ev.end(), [](const json& e) { return e["type"] == "reply"; });
    ASSERT_NE(reply, ev.end()) << id;
    EXPECT_EQ((*reply)["content"], "plain text answer");
  }
}

TEST_F(ApiTest, AnswersWinOverMessageAndShowInTheEvents) {
  auto key = register_user("ans@example.com");
  auto id = task_awaiting_reply(key);
  json answers = json::array({{{"question_index", 0}, {"selected", "A SaaS dashboard"}},
                              {{"question_index", 1}, {"selected", "React"}},
                              {{"question_index", 2}, {"selected", {"Auth", "Database"}}}});
  auto r = http().post("/api/v1/tasks/" + id + "/message",
                       json{{"message", "ignored text"}, {"answers", answers}}, key);
  ASSERT_EQ(r.status, 200) << r.body;
  auto ev = events(key, id);
  auto reply =
      std::find_if(ev.begin(), ev.end(), [](const json& e) { return e["type"] == "reply"; });
  ASSERT_NE(reply, ev.end());
  EXPECT_EQ(json::parse((*reply)["content"].get<std::string>()), answers);
}

TEST_F(ApiTest, MessageErrors409And422) {
  auto key = register_user("merr@example.com");
  auto busy = create_task(key, script());  // processing: not awaiting a reply
  EXPECT_EQ(http().post("/api/v1/tasks/" + busy + "/message", json{{"message", "x"}}, key).status,
            409);
  auto id = task_awaiting_reply(key);
  const auto path = "/api/v1/tasks/" + id + "/message";
  EXPECT_EQ(http().post(path, json::object(), key).status, 422);
  EXPECT_EQ(http()
                .post(path, json{{"answers", {{{"question_index", 9}, {"selected", "x"}}}}}, key)
                .status,
            422);
  EXPECT_EQ(
      http()
          .post(path, json{{"answers", {{{"question_index", 1}, {"selected", {"React"}}}}}}, key)
          .status,
      422);
  EXPECT_EQ(http()
                .post(path, json{{"answers", {{{"question_index", 0}, {"selected", {"x"}}}}}}, key)
                .status,
            422);
  EXPECT_EQ(http()
                .post(path, json{{"answers", {{{"question_index", 2}, {"selected", "Auth"}}}}}, key)
                .status,
            422);
  EXPECT_EQ(
      http().request("POST", path, "{\"message\": ", {{"Authorization", "Bearer " + key}}).status,
      422);
  // None of those changed the task.
  EXPECT_EQ(status(key, id)["status"], "awaiting_reply");
}

TEST_F(ApiTest, ConfirmCompletesAndResultServesFiles) {
  auto key = register_user("conf@example.com");
  auto id = task_awaiting_approval(key);
  EXPECT_EQ(http().get("/api/v1/tasks/" + id + "/result", key).status, 409);
  auto r =
      http().post("/api/v1/tasks/" + id + "/solution-status", json{{"status", "CONFIRMED"}}, key);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json(), (json{{"task_id", id}, {"status", "completed"}}));
  EXPECT_EQ(status(key, id)["status"], "completed");
  auto res = http().get("/api/v1/tasks/" + id + "/result", key);
  ASSERT_EQ(res.status, 200) << res.body;
  auto j = res.json();
  EXPECT_EQ(j["status"], "completed");
  EXPECT_EQ(j["result_text"], "All done.");
  ASSERT_EQ(j["files"].size(), 2u);
  EXPECT_EQ(j["files"][0]["name"], "src/main.rs");
  // download_url is absolute and really serves the file, without the key.
  const auto url = j["files"][0]["download_url"].get<std::string>();
  const auto prefix = "http://127.0.0.1:" + std::to_string(port_);
  ASSERT_TRUE(url.starts_with(prefix)) << url;
  auto file = http().get(url.substr(prefix.size()));
  EXPECT_EQ(file.status, 200);
  EXPECT_EQ(file.body, "fn main() {}\n");
  EXPECT_EQ(http().get("/files/" + id + "/wrongtoken/src/main.rs").status, 404);
}

TEST_F(ApiTest, RejectRevisesWithNewMessageIdAndSolutionStatusErrors) {
  auto key = register_user("rej@example.com");
  auto id = task_awaiting_approval(key);
  const auto first = status(key, id)["solution"]["message_id"];
  const auto path = "/api/v1/tasks/" + id + "/solution-status";
  EXPECT_EQ(http().post(path, json{{"status", "MAYBE"}}, key).status, 422);
  EXPECT_EQ(http().post(path, json::object(), key).status, 422);
  auto r = http().post(
      path, json{{"status", "REJECTED"}, {"rejection_reason", "Too small on mobile"}}, key);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["status"], "processing");
  EXPECT_EQ(status(key, id)["status"], "processing");
  EXPECT_EQ(http().post(path, json{{"status", "CONFIRMED"}}, key).status, 409);  // not awaiting
  advance(10);  // the default revision takes 10 s
  auto s = status(key, id);
  ASSERT_EQ(s["status"], "awaiting_solution_approval");
  EXPECT_NE(s["solution"]["message_id"], first);
  auto ev = events(key, id);
  bool decision = false;
  for (const auto& e : ev) {
    decision = decision ||
               (e["type"] == "solution_decision" &&
                e["content"].get<std::string>().find("Too small on mobile") != std::string::npos);
  }
  EXPECT_TRUE(decision);
}

TEST_F(ApiTest, CancelFromNonTerminalAnd409FromTerminal) {
  auto key = register_user("cancel@example.com");
  auto processing = create_task(key, script());
  auto awaiting = task_awaiting_reply(key);
  auto approval = task_awaiting_approval(key);
  for (const auto& id : {processing, awaiting, approval}) {
    auto r = http().post("/api/v1/tasks/" + id + "/cancel", json::object(), key);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(status(key, id)["status"], "cancelled");
    EXPECT_EQ(http().post("/api/v1/tasks/" + id + "/cancel", json::object(), key).status, 409);
    EXPECT_EQ(http().get("/api/v1/tasks/" + id + "/result", key).status, 409);
  }
  advance(1000);  // a cancelled task never changes again
  EXPECT_EQ(status(key, processing)["status"], "cancelled");
}

TEST_F(ApiTest, EventsHaveTheDocumentedShapeAndOrder) {
  auto key = register_user("ev@example.com");
  auto id = task_awaiting_approval(key);
  http().post("/api/v1/tasks/" + id + "/solution-status", json{{"status", "CONFIRMED"}}, key);
  auto r = http().get("/api/v1/tasks/" + id + "/events", key);
  ASSERT_EQ(r.status, 200);
  auto j = r.json();
  EXPECT_EQ(j["task_id"], id);
  std::vector<std::string> types;
  std::string last;
  for (const auto& e : j["events"]) {
    types.push_back(e["type"]);
    EXPECT_TRUE(e["content"].is_string());
    const auto ts = e["timestamp"].get<std::string>();
    EXPECT_LE(last, ts);
    last = ts;
  }
  EXPECT_EQ(types, (std::vector<std::string>{"status", "status", "question", "reply", "status",
                                             "solution_proposed", "solution_decision", "status"}));
}

TEST_F(ApiTest, WrongMethodIs405UnknownPathIs404) {
  auto key = register_user("m405@example.com");
  auto r = http().request("DELETE", "/api/v1/tasks/", "", {{"Authorization", "Bearer " + key}});
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers["allow"], "GET, POST");
  EXPECT_EQ(http().request("PUT", "/api/v1/auth/register").status, 405);
  EXPECT_EQ(http().get("/api/v1/nothing-here", key).status, 404);
  EXPECT_EQ(http().get("/api/v2/tasks/", key).status, 404);
  EXPECT_EQ(http().get("/api/v1/tasks/x/unknown", key).status, 404);
  EXPECT_EQ(http().get("/_mock/health").status, 200);  // control on in this fixture
}

TEST_F(ApiTest, CreditsRunOutWith402WhenSwitchedOn) {
  auto config = default_config();
  config.credits.enabled = true;
  config.credits.per_day = 30;
  config.credits.task_cost = 10;
  start(config);
  auto key = register_user("credits@example.com");
  for (int i = 0; i < 3; ++i) create_task(key);
  auto r = http().post("/api/v1/tasks/", json{{"title", "T"}, {"description", "D"}}, key);
  EXPECT_EQ(r.status, 402);
  EXPECT_TRUE(r.json()["detail"].is_string());
  advance(86400);  // a new day: credits again
  EXPECT_EQ(http().post("/api/v1/tasks/", json{{"title", "T"}, {"description", "D"}}, key).status,
            201);
}

TEST_F(ApiTest, ControlApiIs404WhenNotEnabled) {
  auto config = default_config();
  config.control_api = false;
  start(config);
  EXPECT_EQ(http().get("/_mock/health").status, 404);
  EXPECT_EQ(http().post("/_mock/reset", json::object()).status, 404);
  EXPECT_EQ(http().post("/_mock/clock", json{{"action", "freeze"}}).status, 404);
}

// The stand-in the live suite is proved against: a deployment's surface and nothing more.
TEST_F(ApiTest, DeploymentMockConfigLooksLikeADeployment) {
  const auto config = mock::deployment_mock_config(7, 1.0, 0.25);
  EXPECT_TRUE(config.deployment_like);
  EXPECT_DOUBLE_EQ(config.stall_rate, 0.25);
  EXPECT_DOUBLE_EQ(config.time_scale, 1.0);  // agents work 10 s and more: none asks yet
  EXPECT_FALSE(config.credits.enabled);
  start(config);
  EXPECT_EQ(http().get("/_mock/health").status, 404);
  EXPECT_EQ(http().post("/_mock/clock", json{{"action", "freeze"}}).status, 404);
  // The password account exchanges its credentials for a working key.
  auto r = http().post("/api/v1/auth/api-key", json{{"email", mock::kConformanceEmail},
                                                    {"password", mock::kConformancePassword}});
  ASSERT_EQ(r.status, 201) << r.body;
  const auto key = r.json()["api_key"].get<std::string>();
  // Credits off: more tasks than a day's credits would allow; a mock_script changes nothing.
  for (int i = 0; i < 12; ++i) {
    const auto id = create_task(key, json{{"steps", {{{"do", "propose"}}}}});
    EXPECT_EQ(status(key, id)["status"], "processing");
  }
}

}  // namespace
}  // namespace agentwork::testing
