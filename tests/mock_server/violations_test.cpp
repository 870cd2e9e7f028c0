// The mock's deliberate breaches (`--violate RULE_ID`): off by default, one rule at a time, and
// the mock stays usable (a breached key prefix still authenticates). Their power against the
// conformance suite is the violation sweep's business (tests/harness/runner/violation_sweep_test.cpp).
#include "mock_server/violations.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <stdexcept>

#include "common/rules.hpp"
#include "mock_server/app.hpp"

namespace agentwork::mock {
namespace {

using nlohmann::json;

HttpRequest request(std::string method, std::string target, std::string body = "",
                    std::string key = "") {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  r.content_type = "application/json";
  if (!key.empty()) r.authorization = "Bearer " + key;
  return r;
}

MockConfig breaking(std::vector<std::string> rules) {
  MockConfig c;
  c.violations = std::move(rules);
  return c;
}

json registered(App& app, const std::string& email) {
  const auto r = app.handle(
      request("POST", "/api/v1/auth/register", json{{"email", email}, {"name", "N"}}.dump()));
  return json::parse(r.body);
}

TEST(Violations, EveryIdIsUniqueAndUnknownIdsAreRefused) {
  std::set<std::string_view> seen;
  for (const auto id : violatable_rules()) EXPECT_TRUE(seen.insert(id).second) << id;
  Violator v;
  EXPECT_TRUE(v.empty());
  EXPECT_FALSE(v.enable("G.no.such.rule"));
  EXPECT_TRUE(v.empty());
  EXPECT_TRUE(v.enable("M.http.method"));
  EXPECT_EQ(v.enabled(), std::vector<std::string>{"M.http.method"});
  EXPECT_THROW(App(breaking({"G.no.such.rule"})), std::invalid_argument);
  // The MCP rules are agentwork-mcp's to break (mcp/breaches.cpp), not the mock's.
  EXPECT_FALSE(v.enable("M.mcp.stdout"));
  EXPECT_EQ(violatable_rules().size(), rest_rules().size());
}

TEST(Violations, OffByDefaultAndOnlyTheNamedRuleChanges) {
  App clean(MockConfig{});
  App broken(breaking({"M.http.method"}));
  EXPECT_EQ(clean.handle(request("DELETE", "/api/v1/tasks/")).status, 405);
  EXPECT_EQ(broken.handle(request("DELETE", "/api/v1/tasks/")).status, 404);
  // Everything else answers as before.
  EXPECT_EQ(broken.handle(request("GET", "/api/v1/tasks/")).status, 401);
  EXPECT_EQ(broken.handle(request("GET", "/api/v1/nowhere")).status, 404);
}

TEST(Violations, ABrokenKeyPrefixStillAuthenticates) {
  App app(breaking({"G.keys.api_key_prefix"}));
  const auto reg = registered(app, "prefix@example.com");
  const auto key = reg["api_key"].get<std::string>();
  EXPECT_TRUE(key.starts_with("aw_test_")) << key;
  EXPECT_EQ(app.handle(request("GET", "/api/v1/tasks/", "", key)).status, 200);
}

TEST(Violations, RefusalsChangeNothing) {
  // A refused valid request must not act: the cancel of a stalled task is refused and the task
  // stays processing.
  MockConfig config = breaking({"G.stall.last_activity"});
  App app(config);
  const auto key = registered(app, "stall@example.com")["api_key"].get<std::string>();
  const auto created = app.handle(request(
      "POST", "/api/v1/tasks/",
      json{{"title", "T"}, {"description", "D"}, {"mock_script", {{"steps", {{{"do", "stall"}}}}}}}
          .dump(),
      key));
  ASSERT_EQ(created.status, 201) << created.body;
  const auto id = json::parse(created.body)["task_id"].get<std::string>();
  const auto cancel = app.handle(request("POST", "/api/v1/tasks/" + id + "/cancel", "{}", key));
  EXPECT_EQ(cancel.status, 409);
  const auto status = app.handle(request("GET", "/api/v1/tasks/" + id, "", key));
  EXPECT_EQ(json::parse(status.body)["status"], "processing");
}

TEST(Violations, FrozenActionsKeepShowingTheOldStatus) {
  App app(breaking({"G.cancel.cancels"}));
  const auto key = registered(app, "freeze@example.com")["api_key"].get<std::string>();
  const auto created = app.handle(request(
      "POST", "/api/v1/tasks/",
      json{{"title", "T"}, {"description", "D"}, {"mock_script", {{"steps", {{{"do", "stall"}}}}}}}
          .dump(),
      key));
  const auto id = json::parse(created.body)["task_id"].get<std::string>();
  EXPECT_EQ(json::parse(app.handle(request("GET", "/api/v1/tasks/" + id, "", key)).body)["status"],
            "processing");
  EXPECT_EQ(app.handle(request("POST", "/api/v1/tasks/" + id + "/cancel", "{}", key)).status, 200);
  EXPECT_EQ(json::parse(app.handle(request("GET", "/api/v1/tasks/" + id, "", key)).body)["status"],
            "processing");
}

// The breach fakes a system cancel for a processing task whose script cannot cancel: the fleet
// agents of a deployment-like mock (which have no cancel step) as much as the default agent;
// never for a script that can cancel by itself.
TEST(Violations, SystemCancelIsFakedForFleetAndDefaultAgentsOnly) {
  auto status_after_create = [](MockConfig config, const json& mock_script) {
    config.start_frozen = true;  // the agents stay at their first work step
    config.violations = {"M.lifecycle.system_cancel"};
    App app(config);
    const auto key = registered(app, "cancel@example.com")["api_key"].get<std::string>();
    json body = {{"title", "T"}, {"description", "D"}};
    if (!mock_script.is_null()) body["mock_script"] = mock_script;
    const auto created = app.handle(request("POST", "/api/v1/tasks/", body.dump(), key));
    EXPECT_EQ(created.status, 201) << created.body;
    const auto id = json::parse(created.body)["task_id"].get<std::string>();
    return json::parse(app.handle(request("GET", "/api/v1/tasks/" + id, "", key)).body)["status"];
  };
  MockConfig fleet;
  fleet.deployment_like = true;
  for (const double rate : {0.0, 1.0}) {
    fleet.stall_rate = rate;
    EXPECT_EQ(status_after_create(fleet, nullptr), "cancelled") << "stall rate " << rate;
  }
  EXPECT_EQ(status_after_create(MockConfig{}, nullptr), "cancelled");
  const auto gives_up = json::parse(R"({"steps":[{"do":"work","seconds":60},
      {"do":"propose","on_reject":{"revise":0,"then":"cancel"}}]})");
  EXPECT_EQ(status_after_create(MockConfig{}, gives_up), "processing");
  const auto cancels = json::parse(R"({"steps":[{"do":"work","seconds":60},{"do":"cancel"}]})");
  EXPECT_EQ(status_after_create(MockConfig{}, cancels), "processing");
  // Wording is not a cancel step: a note that mentions one does not hide the breach.
  const auto mentions =
      json::parse(R"({"steps":[{"do":"work","seconds":60,"note":"Avoiding a cancel"}]})");
  EXPECT_EQ(status_after_create(MockConfig{}, mentions), "cancelled");
}

}  // namespace
}  // namespace agentwork::mock
