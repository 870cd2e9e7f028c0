// The whole HTTP API through App::handle(), without sockets: every row of CONTRACT.md section 3
// with its errors, and the /_mock/ control API. The agent is driven by a frozen clock.
#include "mock_server/app.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mock_server/ids.hpp"
#include "tests/mock_server/app_fixture.hpp"

namespace agentwork::mock {
namespace {

using namespace app_testing;

// --- POST /auth/register ---

TEST_F(AppTest, RegisterReturns201WithTheDocumentedFields) {
  auto r = post("/api/v1/auth/register",
                {{"email", "ada@example.com"}, {"name", "Ada"}, {"organization_name", "Engines"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  const auto j = body_of(r);
  EXPECT_EQ(keys_of(j), (std::set<std::string>{"api_key", "key_prefix", "organization_id",
                                               "organization_short_id", "user_id"}));
  const auto key = j["api_key"].get<std::string>();
  EXPECT_TRUE(key.starts_with("aw_live_")) << key;
  EXPECT_EQ(j["key_prefix"], key.substr(0, 16));
  EXPECT_TRUE(is_uuid(j["organization_id"].get<std::string>()));
  EXPECT_TRUE(is_uuid(j["user_id"].get<std::string>()));
  EXPECT_EQ(j["organization_short_id"].get<std::string>().size(), 5u);
  // The key works at once.
  EXPECT_EQ(get("/api/v1/tasks/", key).status, 200);
}

TEST_F(AppTest, RegisterWithoutOrganizationName) {
  auto r = post("/api/v1/auth/register", {{"email", "b@example.com"}, {"name", "B"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(body_of(r)["organization_short_id"].get<std::string>().size(), 5u);
}

TEST_F(AppTest, RegisterTwiceIs409InAnyLetterCase) {
  ASSERT_EQ(post("/api/v1/auth/register", {{"email", "Ada@Example.com"}, {"name", "A"}}).status,
            201);
  for (const char* email : {"Ada@Example.com", "ada@example.com", "ADA@EXAMPLE.COM"}) {
    auto r = post("/api/v1/auth/register", {{"email", email}, {"name", "Again"}});
    EXPECT_EQ(r.status, 409) << email;
    EXPECT_EQ(detail_of(r), "A user with this email already exists");
  }
}

TEST_F(AppTest, RegisterValidationIs422) {
  struct Case {
    std::string body;
    std::string detail;
  };
  for (const auto& c : std::vector<Case>{
           {R"({"name":"A"})", "email: field required"},
           {R"({"email":null,"name":"A"})", "email: field required"},
           {R"({"email":"a@example.com"})", "name: field required"},
           {R"({"email":"a@example.com","name":"  "})", "name: must not be empty"},
           {R"({"email":"a@example.com","name":5})", "name: expected a string"},
           {R"({"email":7,"name":"A"})", "email: expected a string"},
           {R"({"email":"","name":"A"})", "email: must not be empty"},
           {R"({"email":"a@example.com","name":"A","organization_name":5})",
            "organization_name: expected a string"},
           {R"({"email":"not-an-email","name":"A"})", "email: not a valid email address"},
           {R"({"email":"@example.com","name":"A"})", "email: not a valid email address"},
           {R"({"email":"a@example","name":"A"})", "email: not a valid email address"},
           {R"({"email":"a@.com","name":"A"})", "email: not a valid email address"},
           {R"({"email":"a@example.","name":"A"})", "email: not a valid email address"},
           {R"({"email":"a b@example.com","name":"A"})", "email: not a valid email address"},
           {R"({"email":"a@b@example.com","name":"A"})", "email: not a valid email address"},
           {R"([])", "body: expected a JSON object"},
           {R"({"email":)", "body: not valid JSON"},
           {"", "body: a JSON object is required"},
       }) {
    auto r = call("POST", "/api/v1/auth/register", c.body);
    EXPECT_EQ(r.status, 422) << c.body;
    EXPECT_EQ(detail_of(r), c.detail) << c.body;
  }
}

// --- POST /auth/api-key ---

TEST_F(AppTest, ApiKeyExchangeForAUserAddedThroughTheControlApi) {
  auto added = post("/_mock/users", {{"email", "pat@example.com"}, {"password", "pw"}});
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(body_of(added), json::parse(R"({"email":"pat@example.com"})"));

  auto r = post("/api/v1/auth/api-key",
                {{"email", "PAT@example.com"}, {"password", "pw"}, {"key_name", "ci"}});
  ASSERT_EQ(r.status, 201) << r.body;
  const auto j = body_of(r);
  EXPECT_EQ(keys_of(j), (std::set<std::string>{"api_key", "key_prefix", "key_name",
                                               "organization_id", "user_id"}));
  EXPECT_EQ(j["key_name"], "ci");
  const auto key = j["api_key"].get<std::string>();
  EXPECT_TRUE(key.starts_with("aw_live_"));
  EXPECT_EQ(j["key_prefix"], key.substr(0, 16));
  EXPECT_TRUE(is_uuid(j["organization_id"].get<std::string>()));
  EXPECT_TRUE(is_uuid(j["user_id"].get<std::string>()));

  // A second key of the same organization sees the first key's tasks.
  auto second = post("/api/v1/auth/api-key", {{"email", "pat@example.com"}, {"password", "pw"}});
  ASSERT_EQ(second.status, 201);
  EXPECT_EQ(body_of(second)["key_name"], "API key");
  EXPECT_EQ(body_of(second)["organization_id"], j["organization_id"]);
  const auto id = create_task(key, kProposeScript);
  EXPECT_EQ(status(body_of(second)["api_key"].get<std::string>(), id)["task_id"], id);
}

TEST_F(AppTest, ApiKeyForConfiguredUsers) {
  auto c = config();
  c.users = {{"cfg@example.com", "secret", "Cfg", "Cfg Org"}};
  restart(c);
  auto r = post("/api/v1/auth/api-key", {{"email", "cfg@example.com"}, {"password", "secret"}});
  EXPECT_EQ(r.status, 201) << r.body;
}

TEST_F(AppTest, ApiKeyWrongCredentialsIs401) {
  ASSERT_EQ(post("/_mock/users", {{"email", "pat@example.com"}, {"password", "pw"}}).status, 201);
  register_user("reg@example.com");
  for (const json& body : {json{{"email", "pat@example.com"}, {"password", "PW"}},
                           json{{"email", "nobody@example.com"}, {"password", "pw"}},
                           json{{"email", "reg@example.com"}, {"password", "anything"}}}) {
    auto r = post("/api/v1/auth/api-key", body);
    EXPECT_EQ(r.status, 401) << body.dump();
    EXPECT_EQ(detail_of(r), "Incorrect email or password");
  }
}

TEST_F(AppTest, ApiKeyValidationIs422) {
  for (const auto& [body, detail] : std::vector<std::pair<std::string, std::string>>{
           {R"({"password":"pw"})", "email: field required"},
           {R"({"email":"a@example.com"})", "password: field required"},
           {R"({"email":"a@example.com","password":""})", "password: must not be empty"},
           {R"({"email":"a@example.com","password":"pw","key_name":1})",
            "key_name: expected a string"},
           {"{", "body: not valid JSON"},
       }) {
    auto r = call("POST", "/api/v1/auth/api-key", body);
    EXPECT_EQ(r.status, 422) << body;
    EXPECT_EQ(detail_of(r), detail) << body;
  }
}

// --- POST /tasks/ ---

TEST_F(AppTest, CreateTaskReturns201Processing) {
  const auto key = register_user("a@example.com");
  auto r = post("/api/v1/tasks/", {{"title", "T"}, {"description", "D"}}, key);
  ASSERT_EQ(r.status, 201) << r.body;
  const auto j = body_of(r);
  EXPECT_EQ(keys_of(j), (std::set<std::string>{"task_id", "status"}));
  EXPECT_EQ(j["status"], "processing");
  EXPECT_TRUE(is_uuid(j["task_id"].get<std::string>()));
  // Without the slash it is the same resource.
  auto r2 = post("/api/v1/tasks", {{"title", "T"}, {"description", "D"}}, key);
  EXPECT_EQ(r2.status, 201) << r2.body;
  EXPECT_EQ(app_->store().task_count(), 2u);
}

TEST_F(AppTest, CreateTaskValidationIs422) {
  const auto key = register_user("a@example.com");
  for (const auto& [body, detail] : std::vector<std::pair<std::string, std::string>>{
           {R"({"description":"D"})", "title: field required"},
           {R"({"title":"T"})", "description: field required"},
           {R"({"title":"","description":"D"})", "title: must not be empty"},
           {R"({"title":"T","description":" \n"})", "description: must not be empty"},
           {R"({"title":5,"description":"D"})", "title: expected a string"},
           {R"(["T","D"])", "body: expected a JSON object"},
           {R"({"title":"T",)", "body: not valid JSON"},
       }) {
    auto r = call("POST", "/api/v1/tasks/", body, key);
    EXPECT_EQ(r.status, 422) << body;
    EXPECT_EQ(detail_of(r), detail) << body;
  }
  EXPECT_EQ(app_->store().task_count(), 0u);
}

TEST_F(AppTest, CreditsOnGive402ThenRenewTheNextDay) {
  auto c = config();
  c.credits = {true, 20, 10};
  restart(c);
  const auto key = register_user("a@example.com");
  const json body = {{"title", "T"}, {"description", "D"}};
  EXPECT_EQ(post("/api/v1/tasks/", body, key).status, 201);
  EXPECT_EQ(post("/api/v1/tasks/", body, key).status, 201);
  auto r = post("/api/v1/tasks/", body, key);
  EXPECT_EQ(r.status, 402);
  EXPECT_EQ(detail_of(r), "Out of credits for today: each organization gets 20 credits a day");
  EXPECT_EQ(body_of(get("/api/v1/tasks/", key))["tasks"].size(), 2u);
  // Another organization is not affected.
  EXPECT_EQ(post("/api/v1/tasks/", body, register_user("b@example.com")).status, 201);
  advance(86400);
  EXPECT_EQ(post("/api/v1/tasks/", body, key).status, 201);
}

TEST_F(AppTest, CreditsOffByDefault) {
  const auto key = register_user("a@example.com");
  for (int i = 0; i < 15; ++i) {
    ASSERT_EQ(post("/api/v1/tasks/", {{"title", "T"}, {"description", "D"}}, key).status, 201);
  }
}

// --- 401 on every endpoint that needs a key ---

TEST_F(AppTest, MissingOrInvalidKeyIs401WithWwwAuthenticate) {
  const auto key = register_user("a@example.com");
  const auto id = create_task(key, kProposeScript);
  const std::vector<std::pair<std::string, std::string>> endpoints = {
      {"GET", "/api/v1/tasks/"},
      {"POST", "/api/v1/tasks/"},
      {"GET", "/api/v1/tasks"},
      {"GET", "/api/v1/tasks/" + id},
      {"POST", "/api/v1/tasks/" + id + "/message"},
      {"POST", "/api/v1/tasks/" + id + "/solution-status"},
      {"GET", "/api/v1/tasks/" + id + "/events"},
      {"POST", "/api/v1/tasks/" + id + "/cancel"},
      {"GET", "/api/v1/tasks/" + id + "/result"},
  };
  const std::vector<std::pair<std::string, std::string>> credentials = {
      {"", "Not authenticated"},
      {"Bearer aw_live_wrong", "Invalid API key"},
      {"Bearer ", "Invalid API key"},
      {"Basic " + key, "Invalid authentication scheme (expected Bearer)"},
      {key, "Invalid authentication scheme (expected Bearer)"},
  };
  for (const auto& [method, target] : endpoints) {
    for (const auto& [authorization, detail] : credentials) {
      HttpRequest req;
      req.method = method;
      req.target = target;
      req.authorization = authorization;
      req.body = R"({"title":"T","description":"D","message":"m","status":"CONFIRMED"})";
      auto r = app_->handle(req);
      EXPECT_EQ(r.status, 401) << method << ' ' << target << " [" << authorization << ']';
      EXPECT_EQ(header(r, "WWW-Authenticate"), "Bearer");
      EXPECT_EQ(detail_of(r), detail);
    }
  }
  // Nothing happened to the task.
  EXPECT_EQ(status(key, id)["status"], "awaiting_solution_approval");
  EXPECT_EQ(app_->store().task_count(), 1u);
}

TEST_F(AppTest, BearerSchemeIsCaseInsensitive) {
  const auto key = register_user("a@example.com");
  HttpRequest req;
  req.method = "GET";
  req.target = "/api/v1/tasks/";
  req.authorization = "bearer " + key;
  EXPECT_EQ(app_->handle(req).status, 200);
  req.authorization = "BEARER   " + key;
  EXPECT_EQ(app_->handle(req).status, 200);
}

// --- GET /tasks/ ---

TEST_F(AppTest, ListTasksNewestFirstWithTheDocumentedShape) {
  const auto key = register_user("a@example.com");
  const auto other = register_user("b@example.com");
  const auto first = create_task(key, kProposeScript, "first");
  advance(1);
  const auto theirs = create_task(other, kProposeScript, "theirs");
  advance(1);
  const auto second = create_task(key, R"({"steps":[{"do":"work","seconds":100}]})", "second");
  advance(1);

  auto r = get("/api/v1/tasks/", key);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto j = body_of(r);
  EXPECT_EQ(keys_of(j), std::set<std::string>{"tasks"});
  ASSERT_EQ(j["tasks"].size(), 2u);
  const auto& newest = j["tasks"][0];
  EXPECT_EQ(keys_of(newest), (std::set<std::string>{"task_id", "title", "status", "created_at",
                                                    "last_activity_at"}));
  EXPECT_EQ(newest["task_id"], second);
  EXPECT_EQ(newest["title"], "second");
  EXPECT_EQ(newest["status"], "processing");
  EXPECT_EQ(j["tasks"][1]["task_id"], first);
  EXPECT_EQ(j["tasks"][1]["status"], "awaiting_solution_approval");
  Micros created = 0, second_created = 0;
  ASSERT_TRUE(parse_timestamp(j["tasks"][1]["created_at"].get<std::string>(), created));
  ASSERT_TRUE(parse_timestamp(newest["created_at"].get<std::string>(), second_created));
  EXPECT_EQ(second_created - created, 2 * kSecond);

  // /tasks and /tasks/ (and a query string) are the same resource.
  EXPECT_EQ(get("/api/v1/tasks", key).body, r.body);
  EXPECT_EQ(get("/api/v1/tasks/?limit=5", key).body, r.body);

  const auto others = body_of(get("/api/v1/tasks", other));
  ASSERT_EQ(others["tasks"].size(), 1u);
  EXPECT_EQ(others["tasks"][0]["task_id"], theirs);
}

TEST_F(AppTest, ListTasksEmpty) {
  const auto key = register_user("a@example.com");
  EXPECT_EQ(body_of(get("/api/v1/tasks/", key)), json::parse(R"({"tasks":[]})"));
}

// --- GET /tasks/{id}: section 2 through the whole lifecycle ---

TEST_F(AppTest, StatusFieldsThroughTheLifecycle) {
  const auto key = register_user("a@example.com");
  const Micros t0 = app_->clock().now();
  const auto id = create_task(key, kFullScript);
  auto check_common = [&](const json& s, const char* expected, Micros last) {
    EXPECT_EQ(s["task_id"], id);
    EXPECT_EQ(s["status"], expected);
    EXPECT_EQ(s["last_activity_at"], format_timestamp(last));
  };

  // Events are stamped at least 1 us apart: a step due at the same time as the event before it
  // (a client action or "Task created") shows 1 us later.
  auto s = status(key, id);
  check_common(s, "processing", t0 + 1);  // "Analyzing", due at t0
  EXPECT_EQ(keys_of(s), (std::set<std::string>{"task_id", "status", "last_activity_at"}));

  advance(10);
  s = status(key, id);
  check_common(s, "awaiting_reply", t0 + 10 * kSecond);
  EXPECT_EQ(keys_of(s),
            (std::set<std::string>{"task_id", "status", "last_activity_at", "question"}));
  EXPECT_EQ(keys_of(s["question"]), (std::set<std::string>{"message_id", "content", "type"}));
  EXPECT_EQ(s["question"]["type"], "CLARIFYING_QUESTIONS");
  const auto question_id = s["question"]["message_id"].get<std::string>();
  EXPECT_TRUE(is_uuid(question_id));
  ASSERT_TRUE(s["question"]["content"].is_string());
  const auto content = json::parse(s["question"]["content"].get<std::string>());
  EXPECT_EQ(content, json::parse(R"({"type":"clarifying_questions","questions":[
      {"type":"text","question":"Why?","options":null},
      {"type":"single_select","question":"Which?","options":["A","B"]},
      {"type":"multi_select","question":"What?","options":["X","Y","Z"]}]})"));
  // Polling again changes nothing.
  EXPECT_EQ(status(key, id), s);

  advance(1);
  auto r = post("/api/v1/tasks/" + id + "/message", {{"message", "For a demo"}}, key);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r), (json{{"task_id", id}, {"status", "processing"}}));
  s = status(key, id);
  check_common(s, "processing", t0 + 11 * kSecond + 1);  // "Building", 1 us after the reply
  EXPECT_FALSE(s.contains("question"));
  EXPECT_FALSE(s.contains("solution"));

  advance(10);
  s = status(key, id);
  check_common(s, "awaiting_reply", t0 + 21 * kSecond);
  EXPECT_EQ(s["question"]["type"], "TO_CUSTOMER");
  EXPECT_EQ(s["question"]["content"], "Should I add tests?");
  EXPECT_TRUE(is_uuid(s["question"]["message_id"].get<std::string>()));
  EXPECT_NE(s["question"]["message_id"], question_id);

  // Replied at once (frozen clock): the reply is stamped t0 + 21 s + 1 us, "Finishing" + 2 us,
  // and its 10 s count from t0 + 21 s, when it was due.
  ASSERT_EQ(post("/api/v1/tasks/" + id + "/message", {{"content", "Yes"}}, key).status, 200);
  check_common(status(key, id), "processing", t0 + 21 * kSecond + 2);
  advance(10);
  s = status(key, id);
  check_common(s, "awaiting_solution_approval", t0 + 31 * kSecond);
  EXPECT_EQ(keys_of(s),
            (std::set<std::string>{"task_id", "status", "last_activity_at", "solution"}));
  EXPECT_EQ(keys_of(s["solution"]), (std::set<std::string>{"message_id", "content"}));
  EXPECT_EQ(s["solution"]["content"], "Here it is");
  EXPECT_TRUE(is_uuid(s["solution"]["message_id"].get<std::string>()));

  advance(2);
  r = post("/api/v1/tasks/" + id + "/solution-status", {{"status", "CONFIRMED"}}, key);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r), (json{{"task_id", id}, {"status", "completed"}}));
  s = status(key, id);
  check_common(s, "completed", t0 + 33 * kSecond + 1);  // "Task completed" after "CONFIRMED"
  EXPECT_EQ(keys_of(s), (std::set<std::string>{"task_id", "status", "last_activity_at"}));

  // Terminal: nothing changes it any more.
  advance(3600);
  EXPECT_EQ(status(key, id), s);
}

TEST_F(AppTest, TaskPathWithTrailingSlashAndQuery) {
  const auto key = register_user("a@example.com");
  const auto id = create_task(key, kProposeScript);
  EXPECT_EQ(status(key, id + "/")["task_id"], id);
  EXPECT_EQ(status(key, id + "?verbose=1")["task_id"], id);
}

// --- 404: unknown ids and other organizations' tasks, on every task endpoint ---

TEST_F(AppTest, UnknownOrForeignTaskIs404OnEveryEndpoint) {
  const auto owner = register_user("owner@example.com");
  const auto intruder = register_user("intruder@example.com");
  const auto id = create_task(owner, kMessageScript);
  const auto unknown = new_uuid();
  for (const auto& task_id : {id, unknown, std::string("not-a-uuid")}) {
    for (const auto& [method, suffix, body] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"GET", "", ""},
             {"GET", "/events", ""},
             {"GET", "/result", ""},
             {"POST", "/message", R"({"message":"hi"})"},
             {"POST", "/solution-status", R"({"status":"CONFIRMED"})"},
             {"POST", "/cancel", ""},
         }) {
      const auto target = "/api/v1/tasks/" + task_id + suffix;
      auto r = call(method, target, body, intruder);
      EXPECT_EQ(r.status, 404) << method << ' ' << target << ' ' << r.body;
      EXPECT_EQ(detail_of(r), "Task not found");
      if (task_id != id) {
        EXPECT_EQ(call(method, target, body, owner).status, 404) << target;
      }
    }
  }
  EXPECT_EQ(body_of(get("/api/v1/tasks/", intruder))["tasks"].size(), 0u);
  // The intruder's reply and cancel did nothing.
  const auto s = status(owner, id);
  EXPECT_EQ(s["status"], "awaiting_reply");
  const auto log = events(owner, id);
  for (const auto& e : log) EXPECT_NE(e["type"], "reply");
}

// --- POST /tasks/{id}/message ---

TEST_F(AppTest, MessageAndContentAreInterchangeable) {
  const auto key = register_user("a@example.com");
  for (const char* field : {"message", "content"}) {
    const auto id = create_task(key, kMessageScript);
    auto r = post("/api/v1/tasks/" + id + "/message", {{field, std::string("via ") + field}}, key);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(body_of(r), (json{{"task_id", id}, {"status", "processing"}}));
    const auto log = events(key, id);
    bool found = false;
    for (const auto& e : log) {
      if (e["type"] == "reply") {
        EXPECT_EQ(e["content"], std::string("via ") + field);
        found = true;
      }
    }
    EXPECT_TRUE(found) << field;
    EXPECT_EQ(status(key, id)["status"], "awaiting_solution_approval");
  }
}

TEST_F(AppTest, TheFirstNonEmptyOfMessageAndContentIsTheReply) {
  const auto key = register_user("a@example.com");
  for (const auto& body :
       {json{{"message", ""}, {"content", "hi"}}, json{{"message", "hi"}, {"content", ""}}}) {
    const auto id = create_task(key, kMessageScript);
    auto r = post("/api/v1/tasks/" + id + "/message", body, key);
    ASSERT_EQ(r.status, 200) << body.dump() << ' ' << r.body;
    EXPECT_EQ(body_of(r), (json{{"task_id", id}, {"status", "processing"}}));
    std::vector<std::string> replies;
    for (const auto& e : events(key, id)) {
      if (e["type"] == "reply") replies.push_back(e["content"].get<std::string>());
    }
    EXPECT_EQ(replies, std::vector<std::string>{"hi"}) << body.dump();
  }
}

TEST_F(AppTest, PlainTextAnswersClarifyingQuestions) {
  const auto key = register_user("a@example.com");
  const auto id = create_task(key, kAskScript);
  ASSERT_EQ(status(key, id)["question"]["type"], "CLARIFYING_QUESTIONS");
  auto r = post("/api/v1/tasks/" + id + "/message", {{"message", "anything works"}}, key);
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(AppTest, AnswersWinOverMessageAndShowInTheEvents) {
  const auto key = register_user("a@example.com");
  const auto id = create_task(key, kAskScript);
  const auto answers = json::parse(R"([{"question_index":0,"selected":"demo"},
                                       {"question_index":1,"selected":"B"},
                                       {"question_index":2,"selected":["X","Z"]}])");
  auto r = post("/api/v1/tasks/" + id + "/message",
                {{"message", "this text loses"}, {"answers", answers}}, key);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto log = events(key, id);
  int replies = 0;
  for (const auto& e : log) {
    if (e["type"] != "reply") continue;
    ++replies;
    EXPECT_EQ(json::parse(e["content"].get<std::string>()), answers);
    EXPECT_EQ(e["content"].get<std::string>().find("this text loses"), std::string::npos);
  }
  EXPECT_EQ(replies, 1);
}

TEST_F(AppTest, MessageIn409WhenNotAwaitingReply) {
  const auto key = register_user("a@example.com");
  const auto processing = create_task(key, R"({"steps":[{"do":"work","seconds":60}]})");
  auto r = post("/api/v1/tasks/" + processing + "/message", {{"message", "hi"}}, key);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(detail_of(r), "task is processing, not awaiting_reply");

  const auto proposing = create_task(key, kProposeScript);
  r = post("/api/v1/tasks/" + proposing + "/message", {{"message", "hi"}}, key);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(detail_of(r), "task is awaiting_solution_approval, not awaiting_reply");

  const auto done = completed_task(key);
  r = post("/api/v1/tasks/" + done + "/message", {{"message", "hi"}}, key);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(detail_of(r), "task is completed, not awaiting_reply");
}

TEST_F(AppTest, MessageValidationIs422) {
  const auto key = register_user("a@example.com");
  const auto id = create_task(key, kAskScript);
  for (const auto& [body, detail] : std::vector<std::pair<std::string, std::string>>{
           {R"({})", R"(body: one of "message", "content" or "answers" is required)"},
           {R"({"text":"hi"})", R"(body: one of "message", "content" or "answers" is required)"},
           {R"({"message":42})", "message: expected a string, got a number"},
           {R"({"message":""})", "message: must not be empty"},
           {R"({"content":""})", "message: must not be empty"},
           {R"({"message":"","content":""})", "message: must not be empty"},
           {R"({"answers":[]})",
            "answers: expected a non-empty list of {question_index, selected}"},
           {R"({"answers":[{"question_index":5,"selected":"x"}]})",
            "answers[0].question_index: 5 is out of range (the question has 3 questions)"},
           {R"({"answers":[{"question_index":0,"selected":["a"]}]})",
            "answers[0].selected: expected a string for a text question, got a list"},
           {R"({"answers":[{"question_index":1,"selected":["A"]}]})",
            "answers[0].selected: expected a string for a single_select question, got a list"},
           {R"({"answers":[{"question_index":2,"selected":"X"}]})",
            "answers[0].selected: expected a list of strings for a multi_select question, got a "
            "string"},
           {R"({"message":"ok","answers":[{"question_index":2,"selected":"X"}]})",
            "answers[0].selected: expected a list of strings for a multi_select question, got a "
            "string"},
           {R"(not json)", "body: not valid JSON"},
           {R"("hi")", "body: expected a JSON object"},
       }) {
    auto r = call("POST", "/api/v1/tasks/" + id + "/message", body, key);
    EXPECT_EQ(r.status, 422) << body;
    EXPECT_EQ(detail_of(r), detail) << body;
  }
  // None of them was taken as a reply.
  EXPECT_EQ(status(key, id)["status"], "awaiting_reply");
}

// --- POST /tasks/{id}/solution-status ---

TEST_F(AppTest, RejectedMakesTheAgentReviseWithANewMessageId) {
  const auto key = register_user("a@example.com");
  const auto id =
      create_task(key, R"({"steps":[{"do":"propose","content":"P","on_reject":{"seconds":30}}]})");
  const auto first = status(key, id)["solution"]["message_id"];
  auto r = post("/api/v1/tasks/" + id + "/solution-status",
                {{"status", "REJECTED"}, {"rejection_reason", "Use blue"}}, key);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r), (json{{"task_id", id}, {"status", "processing"}}));
  EXPECT_EQ(status(key, id)["status"], "processing");
  advance(30);
  const auto s = status(key, id);
  EXPECT_EQ(s["status"], "awaiting_solution_approval");
  EXPECT_EQ(s["solution"]["content"], "P (revision 1)");
  EXPECT_NE(s["solution"]["message_id"], first);

  const auto log = events(key, id);
  std::vector<std::string> decisions;
  for (const auto& e : log) {
    if (e["type"] == "solution_decision") decisions.push_back(e["content"].get<std::string>());
  }
  EXPECT_EQ(decisions, std::vector<std::string>{"REJECTED: Use blue"});
}

TEST_F(AppTest, SolutionStatusValidationIs422) {
  const auto key = register_user("a@example.com");
  const auto id = create_task(key, kProposeScript);
  for (const auto& [body, detail] : std::vector<std::pair<std::string, std::string>>{
           {R"({"status":"confirmed"})",
            R"(status: expected "CONFIRMED" or "REJECTED", got "confirmed")"},
           {R"({"status":"APPROVED"})",
            R"(status: expected "CONFIRMED" or "REJECTED", got "APPROVED")"},
           {R"({})", "status: field required"},
           {R"({"status":true})", "status: expected a string"},
           {R"({"status":"REJECTED","rejection_reason":5})", "rejection_reason: expected a string"},
           {R"({"status":)", "body: not valid JSON"},
       }) {
    auto r = call("POST", "/api/v1/tasks/" + id + "/solution-status", body, key);
    EXPECT_EQ(r.status, 422) << body;
    EXPECT_EQ(detail_of(r), detail) << body;
  }
  EXPECT_EQ(status(key, id)["status"], "awaiting_solution_approval");
}

TEST_F(AppTest, SolutionStatusIs409WhenNotAwaitingApproval) {
  const auto key = register_user("a@example.com");
  const auto id = create_task(key, kMessageScript);
  auto r = post("/api/v1/tasks/" + id + "/solution-status", {{"status", "CONFIRMED"}}, key);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(detail_of(r), "task is awaiting_reply, not awaiting_solution_approval");
  const auto done = completed_task(key);
  r = post("/api/v1/tasks/" + done + "/solution-status", {{"status", "REJECTED"}}, key);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(detail_of(r), "task is completed, not awaiting_solution_approval");
  EXPECT_EQ(status(key, done)["status"], "completed");
}

// --- GET /tasks/{id}/events ---

TEST_F(AppTest, EventsShapeTypesAndOrder) {
  const auto key = register_user("a@example.com");
  const auto id = create_task(key, kFullScript);
  advance(10);
  post("/api/v1/tasks/" + id + "/message",
       {{"answers", json::parse(R"([{"question_index":1,"selected":"A"}])")}}, key);
  advance(10);
  post("/api/v1/tasks/" + id + "/message", {{"message", "No tests"}}, key);
  advance(10);
  post("/api/v1/tasks/" + id + "/solution-status", {{"status", "REJECTED"}}, key);
  advance(10);
  post("/api/v1/tasks/" + id + "/solution-status", {{"status", "CONFIRMED"}}, key);

  auto r = get("/api/v1/tasks/" + id + "/events", key);
  ASSERT_EQ(r.status, 200);
  const auto j = body_of(r);
  EXPECT_EQ(keys_of(j), (std::set<std::string>{"task_id", "events"}));
  EXPECT_EQ(j["task_id"], id);
  const std::set<std::string> allowed = {
      "status",           "question", "reply", "message_to_customer", "solution_proposed",
      "solution_decision"};
  std::vector<std::string> types;
  Micros previous = 0;
  for (const auto& e : j["events"]) {
    EXPECT_EQ(keys_of(e), (std::set<std::string>{"timestamp", "type", "content"}));
    EXPECT_TRUE(allowed.count(e["type"].get<std::string>())) << e.dump();
    EXPECT_TRUE(e["content"].is_string());
    Micros t = 0;
    ASSERT_TRUE(parse_timestamp(e["timestamp"].get<std::string>(), t)) << e.dump();
    EXPECT_GT(t, previous);  // strictly increasing, even for events at the same clock time
    previous = t;
    types.push_back(e["type"].get<std::string>());
  }
  EXPECT_EQ(types, (std::vector<std::string>{"status", "status", "question", "reply", "status",
                                             "message_to_customer", "reply", "status",
                                             "solution_proposed", "solution_decision", "status",
                                             "solution_proposed", "solution_decision", "status"}));
  EXPECT_EQ(j["events"][3]["content"], R"([{"question_index":1,"selected":"A"}])");
  EXPECT_EQ(j["events"][6]["content"], "No tests");
  EXPECT_EQ(j["events"][9]["content"], "REJECTED");
  EXPECT_EQ(j["events"][12]["content"], "CONFIRMED");
  // The latest event is the last activity.
  EXPECT_EQ(status(key, id)["last_activity_at"], j["events"].back()["timestamp"]);
}

// --- POST /tasks/{id}/cancel ---

TEST_F(AppTest, CancelThen409) {
  const auto key = register_user("a@example.com");
  const auto id = create_task(key, R"({"steps":[{"do":"work","seconds":60},{"do":"propose"}]})");
  advance(5);
  auto r = call("POST", "/api/v1/tasks/" + id + "/cancel", "", key);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r), (json{{"task_id", id}, {"status", "cancelled"}}));
  EXPECT_EQ(status(key, id)["status"], "cancelled");
  r = call("POST", "/api/v1/tasks/" + id + "/cancel", "", key);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(detail_of(r), "task is already cancelled");
  advance(600);
  EXPECT_EQ(status(key, id)["status"], "cancelled");

  const auto done = completed_task(key);
  r = call("POST", "/api/v1/tasks/" + done + "/cancel", "{}", key);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(detail_of(r), "task is already completed");
}

TEST_F(AppTest, CancelFromAwaitingStates) {
  const auto key = register_user("a@example.com");
  for (const char* script : {kMessageScript, kProposeScript}) {
    const auto id = create_task(key, script);
    EXPECT_EQ(call("POST", "/api/v1/tasks/" + id + "/cancel", "", key).status, 200);
    const auto s = status(key, id);
    EXPECT_EQ(s["status"], "cancelled");
    EXPECT_FALSE(s.contains("question"));
    EXPECT_FALSE(s.contains("solution"));
  }
}

// --- GET /tasks/{id}/result and the download URLs ---

TEST_F(AppTest, ResultWithFilesThatDownload) {
  const auto key = register_user("a@example.com");
  const auto id = create_task(key, kFullScript);
  advance(10);
  post("/api/v1/tasks/" + id + "/message", {{"message", "m"}}, key);
  advance(10);
  post("/api/v1/tasks/" + id + "/message", {{"message", "m"}}, key);
  advance(10);
  ASSERT_EQ(post("/api/v1/tasks/" + id + "/solution-status", {{"status", "CONFIRMED"}}, key).status,
            200);

  auto r = get("/api/v1/tasks/" + id + "/result", key);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto j = body_of(r);
  EXPECT_EQ(keys_of(j), (std::set<std::string>{"task_id", "status", "result_text", "files"}));
  EXPECT_EQ(j["task_id"], id);
  EXPECT_EQ(j["status"], "completed");
  EXPECT_EQ(j["result_text"], "All done");
  ASSERT_EQ(j["files"].size(), 2u);
  EXPECT_EQ(j["files"][0]["name"], "src/main.ts");
  EXPECT_EQ(j["files"][1]["name"], "docs/read me.md");

  const std::vector<std::string> contents = {"export {};\n", "# Hello\n"};
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& file = j["files"][i];
    EXPECT_EQ(keys_of(file), (std::set<std::string>{"name", "download_url"}));
    const auto url = file["download_url"].get<std::string>();
    const std::string base = "http://mock.test:8080/files/" + id + "/";
    ASSERT_TRUE(url.starts_with(base)) << url;
    // The URL is the credential: no key needed.
    auto download = get(url.substr(std::string("http://mock.test:8080").size()));
    EXPECT_EQ(download.status, 200) << url;
    EXPECT_EQ(download.body, contents[i]);
    EXPECT_EQ(download.content_type, "application/octet-stream");
  }
  EXPECT_TRUE(j["files"][1]["download_url"].get<std::string>().ends_with("/docs/read%20me.md"));
  EXPECT_EQ(header(get(j["files"][1]["download_url"].get<std::string>().substr(21)),
                   "Content-Disposition"),
            "attachment; filename=\"read me.md\"");
}

TEST_F(AppTest, DownloadUrlUsesThePublicBaseUrlOrTheScheme) {
  auto c = config();
  c.public_base_url = "https://mock.example.org";
  restart(c);
  const auto key = register_user("a@example.com");
  const auto id = completed_task(key);
  auto url = body_of(get("/api/v1/tasks/" + id + "/result", key))["files"][0]["download_url"]
                 .get<std::string>();
  EXPECT_TRUE(url.starts_with("https://mock.example.org/files/" + id + "/")) << url;
  EXPECT_TRUE(url.ends_with("/out.txt")) << url;

  restart(config());
  const auto key2 = register_user("a@example.com");
  const auto id2 = completed_task(key2);
  HttpRequest req;
  req.method = "GET";
  req.target = "/api/v1/tasks/" + id2 + "/result";
  req.authorization = "Bearer " + key2;
  req.tls = true;
  req.host = "secure.test";
  url = body_of(app_->handle(req))["files"][0]["download_url"].get<std::string>();
  EXPECT_TRUE(url.starts_with("https://secure.test/files/" + id2 + "/")) << url;
  req.tls = false;
  req.host = "";
  url = body_of(app_->handle(req))["files"][0]["download_url"].get<std::string>();
  EXPECT_TRUE(url.starts_with("http://127.0.0.1/files/" + id2 + "/")) << url;
}

TEST_F(AppTest, DownloadWithAWrongTokenOrTaskIs404) {
  const auto key = register_user("a@example.com");
  const auto id = completed_task(key);
  const auto url = body_of(get("/api/v1/tasks/" + id + "/result", key))["files"][0]["download_url"]
                       .get<std::string>();
  const auto path = url.substr(url.find("/files/"));
  ASSERT_EQ(get(path).status, 200);
  EXPECT_EQ(get(path).body, "OUT");
  const auto token_at = path.find('/', 7) + 1;
  auto wrong = path;
  wrong[token_at] = wrong[token_at] == 'A' ? 'B' : 'A';
  EXPECT_EQ(get(wrong).status, 404);
  EXPECT_EQ(get("/files/" + new_uuid() + path.substr(path.find('/', 7))).status, 404);
  EXPECT_EQ(get("/files/" + id).status, 404);
  EXPECT_EQ(get("/files/").status, 404);
  auto r = call("POST", path, "{}");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(header(r, "Allow"), "GET");
}

TEST_F(AppTest, ResultIs409UntilCompleted) {
  const auto key = register_user("a@example.com");
  const auto id = create_task(key, kProposeScript);
  auto r = get("/api/v1/tasks/" + id + "/result", key);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(detail_of(r), "Task is awaiting_solution_approval, not completed");
  call("POST", "/api/v1/tasks/" + id + "/cancel", "", key);
  r = get("/api/v1/tasks/" + id + "/result", key);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(detail_of(r), "Task is cancelled, not completed");
}

// --- 405, 404, 422 for the whole API ---

TEST_F(AppTest, WrongMethodIs405WithAllowBeforeAuthentication) {
  const auto id = new_uuid();
  for (const auto& [method, target, allow] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"DELETE", "/api/v1/tasks/", "GET, POST"},
           {"PUT", "/api/v1/tasks", "GET, POST"},
           {"POST", "/api/v1/tasks/" + id, "GET"},
           {"DELETE", "/api/v1/tasks/" + id, "GET"},
           {"POST", "/api/v1/tasks/" + id + "/events", "GET"},
           {"POST", "/api/v1/tasks/" + id + "/result", "GET"},
           {"GET", "/api/v1/tasks/" + id + "/message", "POST"},
           {"GET", "/api/v1/tasks/" + id + "/solution-status", "POST"},
           {"GET", "/api/v1/tasks/" + id + "/cancel", "POST"},
           {"GET", "/api/v1/auth/register", "POST"},
           {"GET", "/api/v1/auth/api-key", "POST"},
       }) {
    auto r = call(method, target);
    EXPECT_EQ(r.status, 405) << method << ' ' << target;
    EXPECT_EQ(header(r, "Allow"), allow) << method << ' ' << target;
    EXPECT_EQ(detail_of(r), "Method Not Allowed");
  }
}

TEST_F(AppTest, UnknownPathIs404) {
  const auto key = register_user("a@example.com");
  const auto id = create_task(key, kProposeScript);
  for (const auto& target : std::vector<std::string>{
           "/", "/api/v1", "/api/v1/", "/api/v2/tasks/", "/api/v1/task", "/api/v1/auth/login",
           "/api/v1/tasks//message", "/api/v1/tasks/" + id + "/unknown",
           "/api/v1/tasks/" + id + "/events/extra", "/_mockery"}) {
    auto r = get(target, key);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_EQ(detail_of(r), "Not Found") << target;
  }
}

// --- mock_script: inline, by name, invalid ---

TEST_F(AppTest, InlineMockScriptDrivesTheTask) {
  const auto key = register_user("a@example.com");
  const auto id = create_task(key, R"({"steps":[{"do":"message","content":"Inline!"}]})");
  EXPECT_EQ(status(key, id)["question"]["content"], "Inline!");
}

TEST_F(AppTest, InvalidInlineMockScriptIs422NamingThePath) {
  const auto key = register_user("a@example.com");
  for (
      const auto& [script, detail] : std::vector<std::pair<std::string, std::string>>{
          {R"({"steps":[{"do":"dance"}]})",
           R"(mock_script.steps[0].do: expected one of work, ask, message, propose, stall, cancel; got "dance")"},
          {R"({"steps":[{"do":"work","seconds":1},{"do":"ask","questions":[{"type":"single_select","question":"q","options":[]}]}]})",
           "mock_script.steps[1].questions[0].options: a select question needs 1 to 5 options"},
          {R"([1])", R"(mock_script: expected an object {"name"?, "steps": [...]})"},
          {R"(42)", R"(mock_script: expected an object {"name"?, "steps": [...]})"},
          {R"("nope")", R"(mock_script: no script named "nope")"},
      }) {
    auto r =
        post("/api/v1/tasks/",
             {{"title", "T"}, {"description", "D"}, {"mock_script", json::parse(script)}}, key);
    EXPECT_EQ(r.status, 422) << script;
    EXPECT_EQ(detail_of(r), detail) << script;
  }
  EXPECT_EQ(app_->store().task_count(), 0u);
}

TEST_F(AppTest, NamedScriptsThroughTheControlApi) {
  const auto key = register_user("a@example.com");
  auto r = call("PUT", "/_mock/scripts/quick", R"({"steps":[{"do":"message","content":"Named"}]})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(body_of(r), json::parse(R"({"name":"quick"})"));
  r = call("PUT", "/_mock/scripts/quick", R"({"steps":[{"do":"message","content":"Replaced"}]})");
  EXPECT_EQ(r.status, 200) << r.body;

  auto created =
      post("/api/v1/tasks/", {{"title", "T"}, {"description", "D"}, {"mock_script", "quick"}}, key);
  ASSERT_EQ(created.status, 201) << created.body;
  const auto id = body_of(created)["task_id"].get<std::string>();
  EXPECT_EQ(status(key, id)["question"]["content"], "Replaced");

  EXPECT_EQ(body_of(get("/_mock/scripts/quick")),
            json::parse(R"({"name":"quick","steps":[{"do":"message","content":"Replaced"}]})"));
  const auto all = body_of(get("/_mock/scripts"));
  EXPECT_EQ(keys_of(all["scripts"]), std::set<std::string>{"quick"});

  r = call("PUT", "/_mock/scripts/bad", R"({"steps":[{"do":"work"}]})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(detail_of(r), "$.steps[0].seconds: required number of seconds is missing");
  EXPECT_EQ(get("/_mock/scripts/bad").status, 404);

  r = call("DELETE", "/_mock/scripts/quick");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(body_of(r), json::parse(R"({"deleted":"quick"})"));
  EXPECT_EQ(call("DELETE", "/_mock/scripts/quick").status, 404);
  r = get("/_mock/scripts/quick");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(detail_of(r), R"(no script named "quick")");
  r = post("/api/v1/tasks/", {{"title", "T"}, {"description", "D"}, {"mock_script", "quick"}}, key);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(detail_of(r), R"(mock_script: no script named "quick")");
  // The task created with it keeps its script.
  EXPECT_EQ(status(key, id)["question"]["content"], "Replaced");
}

TEST_F(AppTest, ConfiguredDefaultAndNamedScripts) {
  auto c = config();
  std::string error;
  c.default_script = std::make_shared<const AgentScript>(*parse_agent_script(
      json::parse(R"({"steps":[{"do":"message","content":"Default"}]})"), error));
  c.scripts["named"] = std::make_shared<const AgentScript>(
      *parse_agent_script(json::parse(R"({"steps":[{"do":"message","content":"Named"}]})"), error));
  restart(c);
  const auto key = register_user("a@example.com");
  EXPECT_EQ(status(key, create_task(key))["question"]["content"], "Default");
  auto r =
      post("/api/v1/tasks/", {{"title", "T"}, {"description", "D"}, {"mock_script", "named"}}, key);
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(status(key, body_of(r)["task_id"].get<std::string>())["question"]["content"], "Named");
}

TEST_F(AppTest, DefaultAgentAsksClarifyingQuestionsThenProposes) {
  const auto key = register_user("a@example.com");
  const auto id = create_task(key);
  EXPECT_EQ(status(key, id)["status"], "processing");
  advance(90);  // the first work step takes 20 to 90 s
  auto s = status(key, id);
  ASSERT_EQ(s["status"], "awaiting_reply");
  ASSERT_EQ(s["question"]["type"], "CLARIFYING_QUESTIONS");
  const auto content = json::parse(s["question"]["content"].get<std::string>());
  std::set<std::string> types;
  for (const auto& q : content["questions"]) types.insert(q["type"].get<std::string>());
  EXPECT_EQ(types, (std::set<std::string>{"text", "single_select", "multi_select"}));
  // Reply, and answer any follow-up message, until the proposal comes.
  ASSERT_EQ(post("/api/v1/tasks/" + id + "/message", {{"message", "whatever"}}, key).status, 200);
  for (int i = 0; i < 3 && status(key, id)["status"] != "awaiting_solution_approval"; ++i) {
    advance(120);
    if (status(key, id)["status"] == "awaiting_reply") {
      ASSERT_EQ(post("/api/v1/tasks/" + id + "/message", {{"message", "yes"}}, key).status, 200);
    }
  }
  EXPECT_EQ(status(key, id)["status"], "awaiting_solution_approval");
  ASSERT_EQ(post("/api/v1/tasks/" + id + "/solution-status", {{"status", "CONFIRMED"}}, key).status,
            200);
  const auto result = body_of(get("/api/v1/tasks/" + id + "/result", key));
  EXPECT_GE(result["files"].size(), 1u);
}

// --- the deployment-like mode ---

MockConfig deployment_like(double stall_rate) {
  MockConfig c;
  c.start_frozen = true;  // the tests move the clock directly, as on any App
  c.control_api = true;   // must be overridden
  c.deployment_like = true;
  c.stall_rate = stall_rate;
  return c;
}

TEST_F(AppTest, DeploymentLikeHasNoControlApiWhateverControlApiSays) {
  restart(deployment_like(0.0));
  EXPECT_FALSE(app_->config().control_api);
  for (const auto& [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/_mock/clock"},
                                                        {"GET", "/_mock/health"},
                                                        {"POST", "/_mock/reset"},
                                                        {"PUT", "/_mock/scripts/x"}}) {
    auto r = call(method, target, "{}");
    EXPECT_EQ(r.status, 404) << method << " " << target;
    EXPECT_EQ(detail_of(r), "Not Found");
  }
}

TEST_F(AppTest, DeploymentLikeIgnoresMockScriptsAndRunsTheFleet) {
  auto c = deployment_like(0.0);
  std::string error;
  const auto message_script = std::make_shared<const AgentScript>(*parse_agent_script(
      json::parse(R"({"steps":[{"do":"message","content":"Scripted"}]})"), error));
  c.default_script = message_script;
  c.scripts["named"] = message_script;
  restart(c);
  const auto key = register_user("fleet@example.com");
  // Inline, named, unknown and invalid scripts alike: an unknown field, so a plain 201.
  for (const json& mock_script :
       {json::parse(kProposeScript), json("named"), json("no-such-script"),
        json::parse(R"({"steps": 5})"), json(nullptr)}) {
    auto r = post("/api/v1/tasks/",
                  {{"title", "T"}, {"description", "D"}, {"mock_script", mock_script}}, key);
    ASSERT_EQ(r.status, 201) << mock_script.dump() << ": " << r.body;
    const auto id = body_of(r)["task_id"].get<std::string>();
    EXPECT_EQ(body_of(r), (json{{"task_id", id}, {"status", "processing"}}));
    std::string name;
    app_->store().with_any_task(id, [&](Task& t) { name = t.script ? t.script->name : ""; });
    EXPECT_EQ(name, "fleet") << mock_script.dump();
    // The fleet works at least 10 s first (the proposal script would be waiting already).
    EXPECT_EQ(status(key, id)["status"], "processing");
  }
  EXPECT_EQ(status(key, create_task(key))["status"], "processing");  // no default script either
}

TEST_F(AppTest, DeploymentLikeFleetAgentsTalkAndPropose) {
  restart(deployment_like(0.0));
  const auto key = register_user("fleet@example.com");
  std::set<std::string> question_types;
  for (int n = 0; n < 8; ++n) {
    const auto id = create_task(key, "", "Task " + std::to_string(n));
    json s;
    // Replies until the proposal: at most 2 rounds and a message, no step over 60 s.
    for (int i = 0; i < 12; ++i) {
      advance(61);
      s = status(key, id);
      if (s["status"] != "awaiting_reply") continue;
      question_types.insert(s["question"]["type"].get<std::string>());
      ASSERT_EQ(post("/api/v1/tasks/" + id + "/message", {{"message", "ok"}}, key).status, 200);
    }
    ASSERT_EQ(s["status"], "awaiting_solution_approval") << s.dump();
    ASSERT_EQ(
        post("/api/v1/tasks/" + id + "/solution-status", {{"status", "CONFIRMED"}}, key).status,
        200);
    EXPECT_EQ(get("/api/v1/tasks/" + id + "/result", key).status, 200);
  }
  EXPECT_TRUE(question_types.contains("CLARIFYING_QUESTIONS"));
}

TEST_F(AppTest, DeploymentLikeStallRateOneStallsForGood) {
  restart(deployment_like(1.0));
  const auto key = register_user("stall@example.com");
  for (int n = 0; n < 6; ++n) {
    SCOPED_TRACE("task " + std::to_string(n));
    const auto id = create_task(key, "", "Task " + std::to_string(n));
    // The stall replaces one work step, perhaps after a question: answer up to the stall.
    for (int i = 0; i < 12; ++i) {
      advance(61);
      const auto s = status(key, id);
      ASSERT_NE(s["status"], "awaiting_solution_approval");
      if (s["status"] == "awaiting_reply") {
        ASSERT_EQ(post("/api/v1/tasks/" + id + "/message", {{"message", "ok"}}, key).status, 200);
      }
    }
    const auto before = status(key, id);
    ASSERT_EQ(before["status"], "processing");
    const auto events_before = events(key, id).size();
    advance(3600);
    const auto after = status(key, id);
    EXPECT_EQ(after["status"], "processing");
    EXPECT_EQ(after["last_activity_at"], before["last_activity_at"]);
    EXPECT_EQ(events(key, id).size(), events_before);
  }
}

// --- the control API ---

TEST_F(AppTest, ControlApiIs404WhenDisabled) {
  auto c = config();
  c.control_api = false;
  restart(c);
  for (const auto& [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/_mock/health"},
                                                        {"GET", "/_mock/clock"},
                                                        {"POST", "/_mock/reset"},
                                                        {"POST", "/_mock/users"},
                                                        {"GET", "/_mock/calls"},
                                                        {"PUT", "/_mock/scripts/x"},
                                                        {"POST", "/_mock/faults"},
                                                        {"GET", "/_mock"}}) {
    auto r = call(method, target, "{}");
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_EQ(detail_of(r), "Not Found");
  }
}

TEST_F(AppTest, ControlHealthAndUnknownPaths) {
  auto r = get("/_mock/health");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(body_of(r), json::parse(R"({"status":"ok","tasks":0})"));
  r = get("/_mock/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(detail_of(r).rfind("Not Found (control API: ", 0), 0u);
}

TEST_F(AppTest, ClockFreezeAndAdvanceFinishAWorkStepExactly) {
  auto c = config();
  c.start_frozen = false;
  restart(c);
  ASSERT_EQ(body_of(get("/_mock/clock"))["frozen"], false);
  auto r = post("/_mock/clock", {{"action", "freeze"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto frozen = body_of(r);
  EXPECT_EQ(frozen["frozen"], true);
  EXPECT_EQ(frozen["time_scale"], 1.0);
  const auto t0 = frozen["now_us"].get<Micros>();
  EXPECT_EQ(frozen["now"], format_timestamp(t0));
  EXPECT_EQ(body_of(get("/_mock/clock"))["now_us"], t0);

  const auto key = register_user("a@example.com");
  const auto id =
      create_task(key, R"({"steps":[{"do":"work","seconds":60.001},{"do":"propose"}]})");
  r = post("/_mock/clock", {{"action", "advance"}, {"seconds", 60}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r)["now_us"], t0 + 60 * kSecond);
  EXPECT_EQ(status(key, id)["status"], "processing");
  r = post("/_mock/clock", {{"action", "advance"}, {"seconds", 0.001}});
  EXPECT_EQ(body_of(r)["now_us"], t0 + 60 * kSecond + 1000);
  const auto s = status(key, id);
  EXPECT_EQ(s["status"], "awaiting_solution_approval");
  EXPECT_EQ(s["last_activity_at"], format_timestamp(t0 + 60'001'000));
}

TEST_F(AppTest, ClockAdvanceRoundsToTheMicrosecond) {
  const auto t0 = body_of(get("/_mock/clock"))["now_us"].get<Micros>();
  const auto key = register_user("a@example.com");
  const auto id = create_task(key, R"({"steps":[{"do":"work","seconds":1.001},{"do":"propose"}]})");
  auto r = post("/_mock/clock", {{"action", "advance"}, {"seconds", 1.001}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(body_of(r)["now_us"], t0 + 1'001'000);
  EXPECT_EQ(status(key, id)["status"], "awaiting_solution_approval");
}

TEST_F(AppTest, ClockSetResumeAndErrors) {
  const auto t0 = body_of(get("/_mock/clock"))["now_us"].get<Micros>();
  const auto later = format_timestamp(t0 + 3600 * kSecond);
  auto r = post("/_mock/clock", {{"action", "set"}, {"to", later}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r)["now"], later);
  EXPECT_EQ(body_of(r)["now_us"], t0 + 3600 * kSecond);

  r = post("/_mock/clock", {{"action", "set"}, {"to", format_timestamp(t0)}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(detail_of(r), "to: the clock never goes backwards");
  EXPECT_EQ(body_of(get("/_mock/clock"))["now_us"], t0 + 3600 * kSecond);

  for (const auto& [body, detail] : std::vector<std::pair<json, std::string>>{
           {{{"action", "set"}, {"to", "yesterday"}}, "to: expected an ISO-8601 timestamp"},
           {{{"action", "set"}}, "to: expected an ISO-8601 timestamp"},
           {{{"action", "advance"}}, "seconds: expected a number of seconds from 0 to 1e9"},
           {{{"action", "advance"}, {"seconds", -1}},
            "seconds: expected a number of seconds from 0 to 1e9"},
           {{{"action", "advance"}, {"seconds", "5"}},
            "seconds: expected a number of seconds from 0 to 1e9"},
           {{{"action", "rewind"}}, R"(action: expected "freeze", "resume", "advance" or "set")"},
           {json::object(), R"(action: expected "freeze", "resume", "advance" or "set")"},
       }) {
    r = post("/_mock/clock", body);
    EXPECT_EQ(r.status, 422) << body.dump();
    EXPECT_EQ(detail_of(r), detail) << body.dump();
  }
  r = call("POST", "/_mock/clock", "{");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(detail_of(r), "body: not valid JSON");
  r = call("DELETE", "/_mock/clock");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(header(r, "Allow"), "GET, POST");

  r = post("/_mock/clock", {{"action", "resume"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(body_of(r)["frozen"], false);
  EXPECT_GE(body_of(r)["now_us"].get<Micros>(), t0 + 3600 * kSecond);
}

TEST_F(AppTest, ControlBodiesOfTheWrongTypeAre422NotExceptions) {
  for (const auto& [target, body] : std::vector<std::pair<std::string, std::string>>{
           {"/_mock/clock", R"([])"},
           {"/_mock/clock", R"({"action":5})"},
           {"/_mock/populate", R"({"count":"5"})"},
           {"/_mock/populate", R"({"outcome":1})"},
           {"/_mock/populate", R"([1])"},
       }) {
    HttpResponse r;
    EXPECT_NO_THROW(r = call("POST", target, body)) << target << ' ' << body;
    EXPECT_EQ(r.status, 422) << target << ' ' << body;
  }
}

TEST_F(AppTest, FaultsAddListDelete) {
  const auto key = register_user("a@example.com");
  const auto id = create_task(key, kProposeScript);
  auto r = post("/_mock/faults", {{"route", "/api/v1/tasks/{id}"},
                                  {"method", "GET"},
                                  {"action", "status"},
                                  {"status", 503},
                                  {"retry_after", 2},
                                  {"count", 1}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(body_of(r), json::parse(R"({"ids":[1]})"));

  r = get("/api/v1/tasks/" + id, key);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(header(r, "Retry-After"), "2");
  EXPECT_EQ(detail_of(r), "injected fault");
  EXPECT_EQ(get("/api/v1/tasks/" + id, key).status, 200);              // count 1: used up
  EXPECT_EQ(get("/api/v1/tasks/" + id + "/events", key).status, 200);  // other route

  auto list = body_of(get("/_mock/faults"));
  ASSERT_EQ(list["faults"].size(), 1u);
  EXPECT_EQ(list["faults"][0]["id"], 1);
  EXPECT_EQ(list["faults"][0]["matched"], 2);
  EXPECT_EQ(list["faults"][0]["hits"], 1);
  EXPECT_EQ(list["faults"][0]["retry_after"], 2);

  r = call("DELETE", "/_mock/faults/1");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(body_of(r), json::parse(R"({"deleted":1})"));
  r = call("DELETE", "/_mock/faults/1");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(detail_of(r), "no such fault rule");
  EXPECT_EQ(call("DELETE", "/_mock/faults/abc").status, 404);
  EXPECT_EQ(call("GET", "/_mock/faults/2").status, 405);

  r = call("POST", "/_mock/faults",
           R"([{"action":"latency","latency_ms":30},
               {"action":"truncate","route":"/api/v1/tasks/","method":"GET"}])");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(body_of(r), json::parse(R"({"ids":[2,3]})"));
  r = get("/api/v1/tasks/", key);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.delay, std::chrono::milliseconds(30));
  EXPECT_EQ(r.fault, FaultAction::truncate);
  EXPECT_EQ(body_of(r)["tasks"].size(), 1u);  // the body is whole; the server truncates it
  r = get("/api/v1/tasks/" + id, key);
  EXPECT_EQ(r.delay, std::chrono::milliseconds(30));
  EXPECT_EQ(r.fault, FaultAction::none);

  r = call("DELETE", "/_mock/faults");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(body_of(r), json::parse(R"({"faults":[]})"));
  EXPECT_EQ(body_of(get("/_mock/faults")), json::parse(R"({"faults":[]})"));
  r = get("/api/v1/tasks/", key);
  EXPECT_EQ(r.delay, std::chrono::milliseconds(0));
  EXPECT_EQ(r.fault, FaultAction::none);
}

TEST_F(AppTest, DropFaultAnswersNothingAndDoesNotHandleTheRequest) {
  const auto key = register_user("a@example.com");
  const auto id = create_task(key, kProposeScript);
  ASSERT_EQ(post("/_mock/faults",
                 {{"action", "drop"}, {"route", "/api/v1/tasks/{id}/cancel"}, {"count", 1}})
                .status,
            201);
  auto r = call("POST", "/api/v1/tasks/" + id + "/cancel", "", key);
  EXPECT_EQ(r.fault, FaultAction::drop);
  EXPECT_EQ(status(key, id)["status"], "awaiting_solution_approval");
  EXPECT_EQ(call("POST", "/api/v1/tasks/" + id + "/cancel", "", key).status, 200);
}

TEST_F(AppTest, FaultsSpareTheControlApiAndUnknownPaths) {
  ASSERT_EQ(post("/_mock/faults", {{"action", "status"}, {"status", 500}}).status, 201);
  EXPECT_EQ(get("/_mock/health").status, 200);
  EXPECT_EQ(get("/nowhere").status, 404);
  EXPECT_EQ(post("/api/v1/auth/register", {{"email", "a@example.com"}, {"name", "A"}}).status, 500);
}

TEST_F(AppTest, InvalidFaultRulesAre422AndAddNothing) {
  auto r = post("/_mock/faults", {{"action", "explode"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(detail_of(r),
            R"($.action: expected "latency", "status", "drop" or "truncate", got "explode")");
  r = call("POST", "/_mock/faults", R"([{"action":"drop"},{"action":"status","status":42}])");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(detail_of(r), "$[1].status: expected an HTTP status 100-599");
  EXPECT_EQ(body_of(get("/_mock/faults")), json::parse(R"({"faults":[]})"));
}

TEST_F(AppTest, ConfiguredFaultsAreActiveFromTheStart) {
  auto c = config();
  std::string error;
  c.faults.push_back(*parse_fault_rule(
      json::parse(R"({"action":"status","status":429,"route":"/api/v1/auth/register"})"), "$",
      error));
  restart(c);
  EXPECT_EQ(post("/api/v1/auth/register", {{"email", "a@example.com"}, {"name", "A"}}).status, 429);
}

TEST_F(AppTest, UsersControlValidation) {
  for (const auto& [body, detail] : std::vector<std::pair<std::string, std::string>>{
           {R"({"password":"pw"})", "email: field required"},
           {R"({"email":"a@example.com"})", "password: field required"},
           {R"({"email":"a@example.com","password":""})", "password: expected a non-empty string"},
           {R"({"email":"a@example.com","password":"pw","name":3})",
            "name: expected a non-empty string"},
       }) {
    auto r = call("POST", "/_mock/users", body);
    EXPECT_EQ(r.status, 422) << body;
    EXPECT_EQ(detail_of(r), detail) << body;
  }
  auto r = get("/_mock/users");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(header(r, "Allow"), "POST");
}

TEST_F(AppTest, CallsAreCountedByRouteMethodAndStatus) {
  const auto key = register_user("a@example.com");
  const auto id = create_task(key, kProposeScript);
  get("/api/v1/tasks/" + id, key);
  get("/api/v1/tasks/" + new_uuid(), key);
  get("/api/v1/tasks/" + new_uuid(), key);
  call("DELETE", "/api/v1/tasks/");
  get("/nowhere");

  EXPECT_EQ(app_->calls(Route::task, "GET", 200), 1u);
  EXPECT_EQ(app_->calls(Route::task, "GET", 404), 2u);
  EXPECT_EQ(app_->calls(Route::tasks, "POST", 201), 1u);
  EXPECT_EQ(app_->calls(Route::task, "POST", 200), 0u);
  EXPECT_EQ(app_->calls(Route::task, "GET", 700), 0u);

  auto r = get("/_mock/calls");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(body_of(r), json::parse(R"({"calls":{
      "POST /api/v1/auth/register":{"total":1,"by_status":{"201":1}},
      "POST /api/v1/tasks/":{"total":1,"by_status":{"201":1}},
      "GET /api/v1/tasks/{id}":{"total":3,"by_status":{"200":1,"404":2}},
      "other /api/v1/tasks/":{"total":1,"by_status":{"405":1}},
      "GET unknown":{"total":1,"by_status":{"404":1}}}})"));

  r = call("DELETE", "/_mock/calls");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(body_of(get("/_mock/calls")), json::parse(R"({"calls":{
      "other /_mock/":{"total":1,"by_status":{"200":1}}}})"));
  EXPECT_EQ(app_->calls(Route::task, "GET", 404), 0u);
}

TEST_F(AppTest, ResetForgetsAccountsTasksScriptsFaultsAndCalls) {
  auto c = config();
  c.users = {{"seed@example.com", "pw", "", ""}};
  std::string error;
  c.scripts["configured"] = std::make_shared<const AgentScript>(
      *parse_agent_script(json::parse(R"({"steps":[{"do":"stall"}]})"), error));
  restart(c);
  const auto key = register_user("a@example.com");
  create_task(key, kProposeScript);
  ASSERT_EQ(call("PUT", "/_mock/scripts/mine", R"({"steps":[]})").status, 201);
  ASSERT_EQ(post("/_mock/faults", {{"action", "latency"}, {"latency_ms", 5}}).status, 201);

  auto r = call("POST", "/_mock/reset", "");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r), json::parse(R"({"reset":true})"));

  EXPECT_EQ(get("/api/v1/tasks/", key).status, 401);
  EXPECT_EQ(body_of(get("/_mock/tasks"))["total"], 0);
  EXPECT_EQ(body_of(get("/_mock/faults")), json::parse(R"({"faults":[]})"));
  EXPECT_EQ(keys_of(body_of(get("/_mock/scripts"))["scripts"]),
            std::set<std::string>{"configured"});
  EXPECT_EQ(
      post("/api/v1/auth/api-key", {{"email", "seed@example.com"}, {"password", "pw"}}).status,
      201);
  // The email can register again.
  EXPECT_EQ(post("/api/v1/auth/register", {{"email", "a@example.com"}, {"name", "A"}}).status, 201);
  EXPECT_EQ(call("GET", "/_mock/reset").status, 405);
}

TEST_F(AppTest, ResetClearsCallCounts) {
  register_user("a@example.com");
  ASSERT_EQ(call("POST", "/_mock/reset").status, 200);
  EXPECT_EQ(body_of(get("/_mock/calls")), json::parse(R"({"calls":{
      "POST /_mock/":{"total":1,"by_status":{"200":1}}}})"));
}

TEST_F(AppTest, PopulateCompletedTasks) {
  auto r = post("/_mock/populate", {{"count", 5}});
  ASSERT_EQ(r.status, 201) << r.body;
  const auto j = body_of(r);
  EXPECT_EQ(j["count"], 5);
  EXPECT_EQ(j["outcome"], "completed");
  ASSERT_EQ(j["task_ids"].size(), 5u);
  EXPECT_TRUE(j["seconds"].is_number());
  const auto key = j["api_key"].get<std::string>();
  const auto list = body_of(get("/api/v1/tasks/", key));
  ASSERT_EQ(list["tasks"].size(), 5u);
  for (const auto& t : list["tasks"]) EXPECT_EQ(t["status"], "completed");
  const auto result =
      body_of(get("/api/v1/tasks/" + j["task_ids"][0].get<std::string>() + "/result", key));
  EXPECT_EQ(result["result_text"], "Done.");
  ASSERT_EQ(result["files"].size(), 1u);
  EXPECT_EQ(result["files"][0]["name"], "src/main.ts");
  EXPECT_EQ(body_of(get("/_mock/tasks"))["total"], 5);
}

TEST_F(AppTest, PopulateOtherOutcomesAndLimits) {
  auto r = post("/_mock/populate", {{"count", 3}, {"outcome", "cancelled"}, {"return_ids", 2}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(body_of(r)["task_ids"].size(), 2u);
  auto list = body_of(get("/api/v1/tasks/", body_of(r)["api_key"].get<std::string>()));
  ASSERT_EQ(list["tasks"].size(), 3u);
  for (const auto& t : list["tasks"]) EXPECT_EQ(t["status"], "cancelled");

  // Populated twice under the frozen clock: a second organization, not a crash.
  r = post("/_mock/populate", {{"count", 2}, {"outcome", "processing"}});
  ASSERT_EQ(r.status, 201) << r.body;
  list = body_of(get("/api/v1/tasks/", body_of(r)["api_key"].get<std::string>()));
  ASSERT_EQ(list["tasks"].size(), 2u);
  for (const auto& t : list["tasks"]) EXPECT_NE(t["status"], "completed");
  EXPECT_EQ(body_of(get("/_mock/tasks"))["total"], 5);

  r = post("/_mock/populate", {{"count", 0}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(detail_of(r), "count: expected 1 to 5000000");
  r = post("/_mock/populate", {{"outcome", "exploded"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(detail_of(r), R"(outcome: expected "completed", "cancelled" or "processing")");
  EXPECT_EQ(get("/_mock/populate").status, 405);
}

TEST_F(AppTest, ControlViewOfATask) {
  const auto org =
      body_of(post("/api/v1/auth/register", {{"email", "b@example.com"}, {"name", "B"}}));
  const auto id =
      create_task(org["api_key"].get<std::string>(), R"({"steps":[{"do":"work","seconds":30}]})");
  auto r = get("/_mock/tasks/" + id);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto j = body_of(r);
  EXPECT_EQ(j["task_id"], id);
  EXPECT_EQ(j["organization_id"], org["organization_id"]);
  EXPECT_EQ(j["status"], "processing");
  EXPECT_EQ(j["script_step"], 1);
  EXPECT_EQ(j["stalled"], false);
  EXPECT_EQ(j["events"].size(), 2u);
  EXPECT_EQ(j["script"]["steps"][0]["do"], "work");
  Micros wake = 0, created = 0;
  ASSERT_TRUE(parse_timestamp(j["next_agent_action_at"].get<std::string>(), wake));
  ASSERT_TRUE(parse_timestamp(j["created_at"].get<std::string>(), created));
  EXPECT_EQ(wake - created, 30 * kSecond);
  EXPECT_EQ(get("/_mock/tasks/" + new_uuid()).status, 404);
  EXPECT_EQ(body_of(get("/_mock/tasks"))["total"], 1);
}

// GET /_mock/tasks/{id} racing task creation. The view must not take the accounts lock while
// it holds the task's shard lock, since create_task takes them the other way round: that order
// inversion deadlocks. A deadlock cannot fail an assertion, so a watchdog ends the process.
TEST_F(AppTest, ControlTaskViewRacingCreationDoesNotDeadlock) {
  const auto key = register_user("a@example.com");
  std::vector<std::string> ids;
  for (int i = 0; i < 256; ++i) ids.push_back(create_task(key, kFullScript));
  auto race = std::async(std::launch::async, [&] {
    int viewed = 0, created = 0;
    std::thread viewer([&] {
      for (int n = 0; n < 6000; ++n)
        viewed += get("/_mock/tasks/" + ids[n % ids.size()]).status == 200;
    });
    for (int n = 0; n < 3000; ++n) {
      created += post("/api/v1/tasks/", {{"title", "T"}, {"description", "D"}}, key).status == 201;
    }
    viewer.join();
    return std::pair{viewed, created};
  });
  if (race.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    std::fprintf(stderr, "FATAL: GET /_mock/tasks/{id} and POST /tasks/ deadlocked\n");
    std::_Exit(EXIT_FAILURE);
  }
  const auto [viewed, created] = race.get();
  EXPECT_EQ(viewed, 6000);
  EXPECT_EQ(created, 3000);
}

}  // namespace
}  // namespace agentwork::mock
