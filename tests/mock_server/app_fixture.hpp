// The fixture of the App tests (app_test.cpp, hostile_input_test.cpp): the whole HTTP API
// through App::handle(), without sockets, on a frozen clock; the scripts and helpers they share.
#pragma once

#include <memory>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mock_server/app.hpp"
#include "mock_server/ids.hpp"

namespace agentwork::mock::app_testing {

using nlohmann::json;

inline constexpr Micros kSecond = kMicrosPerSecond;

// Work, clarifying questions, work, a question to the customer, work, a proposal with files.
inline constexpr const char* kFullScript = R"({"steps":[
    {"do":"work","seconds":10,"note":"Analyzing"},
    {"do":"ask","questions":[{"type":"text","question":"Why?"},
                             {"type":"single_select","question":"Which?","options":["A","B"]},
                             {"type":"multi_select","question":"What?","options":["X","Y","Z"]}]},
    {"do":"work","seconds":10,"note":"Building"},
    {"do":"message","content":"Should I add tests?"},
    {"do":"work","seconds":10,"note":"Finishing"},
    {"do":"propose","content":"Here it is","result_text":"All done",
     "files":[{"name":"src/main.ts","content":"export {};\n"},
              {"name":"docs/read me.md","content":"# Hello\n"}]}]})";

inline constexpr const char* kProposeScript =
    R"({"steps":[{"do":"propose","content":"P","result_text":"R",
        "files":[{"name":"out.txt","content":"OUT"}]}]})";
inline constexpr const char* kMessageScript = R"({"steps":[{"do":"message","content":"Q?"},
    {"do":"propose","content":"P"}]})";
inline constexpr const char* kAskScript = R"({"steps":[{"do":"ask","questions":[
    {"type":"text","question":"Why?"},
    {"type":"single_select","question":"Which?","options":["A","B"]},
    {"type":"multi_select","question":"What?","options":["X","Y","Z"]}]},
    {"do":"propose","content":"P"}]})";

inline std::string header(const HttpResponse& r, const std::string& name) {
  for (const auto& [key, value] : r.headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

inline json body_of(const HttpResponse& r) {
  auto j = json::parse(r.body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << r.body;
  return j;
}

inline std::set<std::string> keys_of(const json& j) {
  std::set<std::string> out;
  for (const auto& [key, value] : j.items()) out.insert(key);
  return out;
}

inline std::string detail_of(const HttpResponse& r) {
  const auto j = body_of(r);
  EXPECT_TRUE(j.is_object() && j.contains("detail") && j["detail"].is_string()) << r.body;
  return j.is_object() && j.contains("detail") && j["detail"].is_string()
             ? j["detail"].get<std::string>()
             : "";
}

class AppTest : public testing::Test {
 protected:
  AppTest() { restart(config()); }

  static MockConfig config() {
    MockConfig c;
    c.start_frozen = true;
    c.control_api = true;
    return c;
  }
  void restart(MockConfig c) { app_ = std::make_unique<App>(std::move(c)); }

  HttpResponse call(const std::string& method, const std::string& target,
                    const std::string& body = "", const std::string& key = "") {
    HttpRequest req;
    req.method = method;
    req.target = target;
    req.body = body;
    req.host = "mock.test:8080";
    if (!key.empty()) req.authorization = "Bearer " + key;
    if (!body.empty()) req.content_type = "application/json";
    return app_->handle(req);
  }
  HttpResponse get(const std::string& target, const std::string& key = "") {
    return call("GET", target, "", key);
  }
  HttpResponse post(const std::string& target, const json& body, const std::string& key = "") {
    return call("POST", target, body.dump(), key);
  }

  std::string register_user(const std::string& email) {
    auto r = post("/api/v1/auth/register", {{"email", email}, {"name", "Tester"}});
    EXPECT_EQ(r.status, 201) << r.body;
    return body_of(r).value("api_key", "");
  }

  std::string create_task(const std::string& key, const std::string& script = "",
                          const std::string& title = "Build a thing") {
    json body = {{"title", title}, {"description", "Please build it"}};
    if (!script.empty()) body["mock_script"] = json::parse(script);
    auto r = post("/api/v1/tasks/", body, key);
    EXPECT_EQ(r.status, 201) << r.body;
    return body_of(r).value("task_id", "");
  }

  json status(const std::string& key, const std::string& id) {
    auto r = get("/api/v1/tasks/" + id, key);
    EXPECT_EQ(r.status, 200) << r.body;
    return body_of(r);
  }

  json events(const std::string& key, const std::string& id) {
    auto r = get("/api/v1/tasks/" + id + "/events", key);
    EXPECT_EQ(r.status, 200) << r.body;
    return body_of(r)["events"];
  }

  void advance(double seconds) {
    app_->clock().advance(static_cast<Micros>(seconds * static_cast<double>(kSecond)));
  }

  // A completed task with the proposal's files.
  std::string completed_task(const std::string& key) {
    const auto id = create_task(key, kProposeScript);
    auto r = post("/api/v1/tasks/" + id + "/solution-status", {{"status", "CONFIRMED"}}, key);
    EXPECT_EQ(r.status, 200) << r.body;
    return id;
  }

  std::unique_ptr<App> app_;
};

}  // namespace agentwork::mock::app_testing
