// A bundled mock started in-process on 127.0.0.1 port 0 with a test HTTP client, plus the
// small steps every integration test repeats (register, create, advance the clock).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "mock_server/mock_server.hpp"
#include "tests/support/http_client.hpp"

namespace agentwork::testing {

using nlohmann::json;

class MockFixture : public ::testing::Test {
 protected:
  // Control API on and the clock frozen unless the test says otherwise.
  static mock::MockConfig default_config() {
    mock::MockConfig c;
    c.control_api = true;
    c.start_frozen = true;
    c.seed = 7;
    return c;
  }

  void start(mock::MockConfig config = default_config(), mock::ServerOptions server = {}) {
    mock_ = std::make_unique<mock::MockServer>(std::move(config), std::move(server));
    port_ = mock_->start();
    http_ = std::make_unique<HttpClient>("127.0.0.1", port_);
  }

  void SetUp() override { start(); }
  void TearDown() override {
    http_.reset();
    if (mock_) mock_->stop();
  }

  HttpClient& http() { return *http_; }
  mock::App& app() { return mock_->app(); }

  // Registers a fresh user and returns its API key.
  std::string register_user(const std::string& email) {
    auto r = http().post("/api/v1/auth/register", json{{"email", email}, {"name", "Test User"}});
    EXPECT_EQ(r.status, 201) << r.error << r.body;
    return r.json().value("api_key", std::string());
  }

  // Creates a task (with an inline agent script when given) and returns its id.
  std::string create_task(const std::string& key, const json& script = nullptr,
                          const std::string& title = "FizzBuzz in Rust") {
    json body = {{"title", title}, {"description", "Write FizzBuzz with tests."}};
    if (!script.is_null()) body["mock_script"] = script;
    auto r = http().post("/api/v1/tasks/", body, key);
    EXPECT_EQ(r.status, 201) << r.error << r.body;
    return r.json().value("task_id", std::string());
  }

  json status(const std::string& key, const std::string& id) {
    auto r = http().get("/api/v1/tasks/" + id, key);
    EXPECT_EQ(r.status, 200) << r.error << r.body;
    return r.json();
  }

  json events(const std::string& key, const std::string& id) {
    auto r = http().get("/api/v1/tasks/" + id + "/events", key);
    EXPECT_EQ(r.status, 200) << r.error << r.body;
    return r.json()["events"];
  }

  void advance(double seconds) {
    auto r = http().post("/_mock/clock", json{{"action", "advance"}, {"seconds", seconds}});
    ASSERT_EQ(r.status, 200) << r.body;
  }

  std::unique_ptr<mock::MockServer> mock_;
  std::unique_ptr<HttpClient> http_;
  std::uint16_t port_ = 0;
};

}  // namespace agentwork::testing
