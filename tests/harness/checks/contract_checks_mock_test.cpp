// The contract checks against the bundled mock's real responses (App::handle(), no sockets): a
// whole lifecycle and its error answers give no finding, and the mock's 401 carries the header.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/checks/contract_checks.hpp"
#include "mock_server/app.hpp"

namespace agentwork::harness {
namespace {

using nlohmann::json;

constexpr const char* kScript = R"({"steps":[
    {"do":"work","seconds":10,"note":"Analyzing"},
    {"do":"ask","questions":[{"type":"text","question":"Why?"},
                             {"type":"single_select","question":"Which?","options":["A","B"]},
                             {"type":"multi_select","question":"What?","options":["X","Y","Z"]}]},
    {"do":"work","seconds":10,"note":"Building"},
    {"do":"message","content":"Should I add tests?"},
    {"do":"propose","content":"Here it is","result_text":"All done",
     "on_reject":{"seconds":30},
     "files":[{"name":"src/main.ts","content":"export {};\n"}]}]})";

class ContractChecksOnTheMock : public testing::Test {
 protected:
  ContractChecksOnTheMock() {
    mock::MockConfig config;
    config.start_frozen = true;
    app_ = std::make_unique<mock::App>(config);
  }

  // Sends one request and checks its response; returns the body (parsed when JSON).
  json exchange(Endpoint e, const std::string& method, const std::string& target,
                const std::string& body, const CheckContext& ctx = {}) {
    mock::HttpRequest req;
    req.method = method;
    req.target = target;
    req.body = body;
    req.host = "mock.test:8080";
    if (!key_.empty()) req.authorization = "Bearer " + key_;
    if (!body.empty()) req.content_type = "application/json";
    const auto r = app_->handle(req);
    const Exchange ex{method, target, r.status, r.headers, r.body};
    for (const auto& f : check_response(e, ex, ctx))
      ADD_FAILURE() << method << " " << target << " -> " << r.status << ": " << f.rule_id << ": "
                    << f.detail << "\n  body: " << r.body;
    return json::parse(r.body, nullptr, false);
  }

  json poll(const std::string& id) {
    return exchange(Endpoint::task_status, "GET", "/api/v1/tasks/" + id, "", {id, ""});
  }

  void advance(int seconds) { app_->clock().advance(seconds * agentwork::kMicrosPerSecond); }

  std::unique_ptr<mock::App> app_;
  std::string key_;
};

TEST_F(ContractChecksOnTheMock, AWholeLifecycleGivesNoFinding) {
  const auto registered = exchange(Endpoint::register_user, "POST", "/api/v1/auth/register",
                                   R"({"email":"a@example.com","name":"A"})");
  key_ = registered.value("api_key", "");
  ASSERT_FALSE(key_.empty());
  const auto created = exchange(
      Endpoint::create_task, "POST", "/api/v1/tasks/",
      json{{"title", "T"}, {"description", "D"}, {"mock_script", json::parse(kScript)}}.dump());
  const std::string id = created.value("task_id", "");
  ASSERT_FALSE(id.empty());
  const std::string task = "/api/v1/tasks/" + id;

  EXPECT_EQ(poll(id)["status"], "processing");
  advance(10);
  EXPECT_EQ(poll(id)["status"], "awaiting_reply");
  exchange(Endpoint::message, "POST", task + "/message",
           R"({"answers":[{"question_index":1,"selected":"A"}]})", {id, "processing"});
  advance(10);
  EXPECT_EQ(poll(id)["question"]["type"], "TO_CUSTOMER");
  exchange(Endpoint::message, "POST", task + "/message", R"({"message":"Yes"})",
           {id, "processing"});
  EXPECT_EQ(poll(id)["status"], "awaiting_solution_approval");
  exchange(Endpoint::solution_status, "POST", task + "/solution-status",
           R"({"status":"REJECTED","rejection_reason":"Smaller"})", {id, "processing"});
  advance(60);
  EXPECT_EQ(poll(id)["status"], "awaiting_solution_approval");
  exchange(Endpoint::solution_status, "POST", task + "/solution-status",
           R"({"status":"CONFIRMED"})", {id, "completed"});
  EXPECT_EQ(poll(id)["status"], "completed");
  exchange(Endpoint::events, "GET", task + "/events", "", {id, ""});
  exchange(Endpoint::list_tasks, "GET", "/api/v1/tasks/", "");
  const auto result = exchange(Endpoint::result, "GET", task + "/result", "", {id, ""});
  ASSERT_EQ(result["files"].size(), 1u);
  const auto url = result["files"][0]["download_url"].get<std::string>();
  exchange(Endpoint::file_download, "GET", url.substr(url.find("/files/")), "");

  const auto other = exchange(Endpoint::create_task, "POST", "/api/v1/tasks/",
                              R"({"title":"T2","description":"D2"})");
  exchange(Endpoint::cancel, "POST", "/api/v1/tasks/" + other.value("task_id", "") + "/cancel", "",
           {other.value("task_id", ""), ""});
}

// The mock's error answers: {"detail"} bodies, and WWW-Authenticate on a Bearer failure.
TEST_F(ContractChecksOnTheMock, ErrorAnswersGiveNoFinding) {
  exchange(Endpoint::task_status, "GET", "/api/v1/tasks/nope", "");  // 401, no key
  key_ = "aw_live_not_a_key";
  exchange(Endpoint::list_tasks, "GET", "/api/v1/tasks/", "");  // 401, unknown key
  exchange(Endpoint::api_key, "POST", "/api/v1/auth/api-key",
           R"({"email":"x@example.com","password":"wrong"})");  // 401, no Bearer header
  key_.clear();
  const auto registered = exchange(Endpoint::register_user, "POST", "/api/v1/auth/register",
                                   R"({"email":"b@example.com","name":"B"})");
  exchange(Endpoint::register_user, "POST", "/api/v1/auth/register",
           R"({"email":"B@example.com","name":"B"})");                      // 409
  exchange(Endpoint::register_user, "POST", "/api/v1/auth/register", "{");  // 422
  key_ = registered.value("api_key", "");
  exchange(Endpoint::task_status, "GET", "/api/v1/tasks/00000000-0000-4000-8000-000000000000",
           "");                                                                  // 404
  exchange(Endpoint::create_task, "POST", "/api/v1/tasks/", R"({"title":""})");  // 422
  const auto created = exchange(Endpoint::create_task, "POST", "/api/v1/tasks/",
                                R"({"title":"T","description":"D"})");
  const std::string task = "/api/v1/tasks/" + created.value("task_id", "");
  exchange(Endpoint::result, "GET", task + "/result", "");  // 409
  exchange(Endpoint::solution_status, "POST", task + "/solution-status",
           R"({"status":"MAYBE"})");                                             // 422
  exchange(Endpoint::cancel, "POST", task + "/cancel", "");                      // 200
  exchange(Endpoint::cancel, "POST", task + "/cancel", "");                      // 409
  exchange(Endpoint::message, "POST", task + "/message", R"({"message":"x"})");  // 409
}

}  // namespace
}  // namespace agentwork::harness
