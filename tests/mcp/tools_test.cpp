#include "mcp/tools.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/mcp/fake_backend.hpp"

namespace agentwork::mcp_server {
namespace {

struct Case {
  std::string tool;
  json arguments;
  std::string method, path;
  json body;  // null: no body
};

const std::string kKey = "aw_live_k";

// Each tool's REST request, as CONTRACT.md section 6 and the guide map it.
TEST(Tools, EachToolMapsToItsRestRequest) {
  const std::vector<Case> cases = {
      {"agentwork_register",
       {{"email", "a@b.c"}, {"name", "A"}, {"organization_name", "O"}},
       "POST",
       "/api/v1/auth/register",
       {{"email", "a@b.c"}, {"name", "A"}, {"organization_name", "O"}}},
      {"agentwork_create_task",
       {{"title", "T"}, {"description", "D"}},
       "POST",
       "/api/v1/tasks/",
       {{"title", "T"}, {"description", "D"}}},
      {"agentwork_get_task_status", {{"task_id", "t-1"}}, "GET", "/api/v1/tasks/t-1", nullptr},
      {"agentwork_send_message",
       {{"task_id", "t-1"}, {"message", "React"}},
       "POST",
       "/api/v1/tasks/t-1/message",
       {{"message", "React"}}},
      {"agentwork_approve_solution",
       {{"task_id", "t-1"}, {"approved", true}, {"rejection_reason", "ignored"}},
       "POST",
       "/api/v1/tasks/t-1/solution-status",
       {{"status", "CONFIRMED"}}},
      {"agentwork_approve_solution",
       {{"task_id", "t-1"}, {"approved", false}, {"rejection_reason", "too small"}},
       "POST",
       "/api/v1/tasks/t-1/solution-status",
       {{"status", "REJECTED"}, {"rejection_reason", "too small"}}},
      {"agentwork_get_task_result",
       {{"task_id", "t-1"}},
       "GET",
       "/api/v1/tasks/t-1/result",
       nullptr},
      {"agentwork_get_task_events",
       {{"task_id", "t-1"}},
       "GET",
       "/api/v1/tasks/t-1/events",
       nullptr},
      {"agentwork_cancel_task",
       {{"task_id", "t-1"}},
       "POST",
       "/api/v1/tasks/t-1/cancel",
       json::object()},
  };
  for (const auto& c : cases) {
    const auto* tool = mcp_contract::find_tool(c.tool);
    ASSERT_NE(tool, nullptr) << c.tool;
    const auto m = rest_request_for(*tool, c.arguments, kKey);
    ASSERT_TRUE(m.request) << c.tool << ": " << m.error;
    EXPECT_EQ(m.request->method, c.method) << c.tool;
    EXPECT_EQ(m.request->path, c.path) << c.tool;
    if (c.body.is_null()) {
      EXPECT_TRUE(m.request->body.empty()) << c.tool;
    } else {
      EXPECT_EQ(json::parse(m.request->body), c.body) << c.tool;
    }
    EXPECT_EQ(m.request->key, c.tool == "agentwork_register" ? "" : kKey) << c.tool;
    // The table read backwards: the tool of that REST request.
    const auto* back = tool_for_rest(c.method, c.path);
    ASSERT_NE(back, nullptr) << c.path;
    EXPECT_EQ(back->name, c.tool);
  }
}

TEST(Tools, ARejectionWithoutAReasonSendsNone) {
  const auto m = rest_request_for(*mcp_contract::find_tool("agentwork_approve_solution"),
                                  {{"task_id", "t"}, {"approved", false}}, kKey);
  ASSERT_TRUE(m.request);
  EXPECT_EQ(json::parse(m.request->body), (json{{"status", "REJECTED"}}));
}

TEST(Tools, RestRequestsNoToolSendsHaveNoTool) {
  EXPECT_EQ(tool_for_rest("GET", "/api/v1/tasks/"), nullptr);
  EXPECT_EQ(tool_for_rest("POST", "/api/v1/auth/api-key"), nullptr);
  EXPECT_EQ(tool_for_rest("GET", "/api/v1/tasks/a/b"), nullptr);
  EXPECT_EQ(tool_for_rest("DELETE", "/api/v1/tasks/t"), nullptr);
  EXPECT_EQ(tool_for_rest("GET", "/tasks/t?x=1")->name, "agentwork_get_task_status");
}

TEST(Tools, UrlSafeIds) {
  EXPECT_TRUE(url_safe_id("550e8400-e29b-41d4-a716-446655440000"));
  EXPECT_TRUE(url_safe_id("a.b_c~d"));
  for (const char* bad : {"", "a/b", "a b", "..", ".", "a?b", "a%2F", "\xc3\xa9"}) {
    EXPECT_FALSE(url_safe_id(bad)) << bad;
  }
  EXPECT_FALSE(url_safe_id(std::string(129, 'a')));
}

TEST(Tools, DefinitionsCarryTheGuidesParameters) {
  const auto list = tools_list_result();
  ASSERT_EQ(list["tools"].size(), mcp_contract::kTools.size());
  const auto& approve = list["tools"][4];
  EXPECT_EQ(approve["name"], "agentwork_approve_solution");
  EXPECT_EQ(approve["inputSchema"]["properties"]["approved"]["type"], "boolean");
  EXPECT_EQ(approve["inputSchema"]["required"], (json{"task_id", "approved"}));
  const auto& reg = list["tools"][0];
  EXPECT_EQ(reg["inputSchema"]["required"], (json{"email", "name"}));
  EXPECT_NE(reg["description"].get<std::string>().find("AGENTWORK_API_KEY"), std::string::npos);
  EXPECT_EQ(reg["annotations"]["readOnlyHint"], false);
  EXPECT_EQ(list["tools"][2]["annotations"]["readOnlyHint"], true);
}

TEST(Tools, ResultsOfEveryKindOfOutcome) {
  const RestRequest get{"GET", "/api/v1/tasks/t", "", "k"};
  const auto ok = tool_result(get, testing::http(200, R"({"task_id":"t"})"));
  EXPECT_EQ(ok["structuredContent"], (json{{"task_id", "t"}}));
  EXPECT_FALSE(ok.contains("isError"));
  const auto array = tool_result(get, testing::http(200, "[1]"));
  EXPECT_EQ(array["isError"], true);  // every success of the API is an object
  const auto not_json = tool_result(get, testing::http(500, "<html>oops</html>"));
  EXPECT_EQ(not_json["content"][0]["text"], "HTTP 500 from GET /api/v1/tasks/t: <html>oops</html>");
  const auto unauthorized = tool_result(get, testing::http(401, R"({"detail":"Invalid API key"})"));
  EXPECT_NE(unauthorized["content"][0]["text"].get<std::string>().find("AGENTWORK_API_KEY"),
            std::string::npos);
  const auto huge = tool_result(get, testing::http(502, std::string(5000, 'x')));
  EXPECT_LT(huge["content"][0]["text"].get<std::string>().size(), 1200u);
}

}  // namespace
}  // namespace agentwork::mcp_server
