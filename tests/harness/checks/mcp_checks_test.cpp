#include "harness/checks/mcp_checks.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "common/mcp_tools.hpp"

namespace agentwork::harness {
namespace {

using nlohmann::json;

std::set<std::string_view> rules_of(const std::vector<Finding>& findings) {
  std::set<std::string_view> out;
  for (const auto& f : findings) out.insert(f.rule_id);
  return out;
}

// A tools/list result as CONTRACT.md section 6 asks for, written here by hand.
json good_tools() {
  json tools = json::array();
  for (const auto& c : mcp_contract::kTools) {
    json props = json::object(), required = json::array();
    for (const auto& p : c.parameters()) {
      props[std::string(p.name)] = {{"type", std::string(mcp_contract::json_type(p.type))}};
      if (p.required) required.push_back(std::string(p.name));
    }
    tools.push_back(
        {{"name", std::string(c.name)},
         {"inputSchema", {{"type", "object"}, {"properties", props}, {"required", required}}}});
  }
  return {{"tools", tools}};
}

TEST(McpChecks, ToolsListPassesAndFails) {
  EXPECT_TRUE(check_tools_list(good_tools()).empty());
  auto missing = good_tools();
  missing["tools"].erase(3);
  EXPECT_EQ(rules_of(check_tools_list(missing)), std::set<std::string_view>{"G.mcp.tools"});
  auto optional_email = good_tools();
  optional_email["tools"][0]["inputSchema"]["required"] = json{"name"};
  EXPECT_EQ(rules_of(check_tools_list(optional_email)), std::set<std::string_view>{"G.mcp.tools"});
  auto string_approved = good_tools();
  string_approved["tools"][4]["inputSchema"]["properties"]["approved"]["type"] = "string";
  EXPECT_EQ(rules_of(check_tools_list(string_approved)), std::set<std::string_view>{"G.mcp.tools"});
  EXPECT_EQ(rules_of(check_tools_list(json::array())), std::set<std::string_view>{"G.mcp.tools"});
}

TEST(McpChecks, SchemasPassAndFail) {
  auto untyped = good_tools();
  untyped["tools"][1]["inputSchema"].erase("type");
  EXPECT_EQ(rules_of(check_tools_list(untyped)), std::set<std::string_view>{"M.mcp.schemas"});
  auto extra = good_tools();
  extra["tools"].push_back(
      {{"name", "other"}, {"inputSchema", {{"type", "object"}, {"required", {"ghost"}}}}});
  const auto findings = check_tools_list(extra);
  EXPECT_EQ(rules_of(findings), std::set<std::string_view>{"M.mcp.schemas"});
  EXPECT_NE(findings.front().detail.find("ghost"), std::string::npos);
}

TEST(McpChecks, HandshakePassesAndFails) {
  const json asked = {{"protocolVersion", "2025-06-18"}};
  json response = {{"jsonrpc", "2.0"},
                   {"id", 0},
                   {"result",
                    {{"protocolVersion", "2025-06-18"},
                     {"capabilities", {{"tools", json::object()}}},
                     {"serverInfo", {{"name", "s"}, {"version", "1"}}}}}};
  EXPECT_TRUE(check_initialize(asked, response).empty());
  // An unknown version may be answered with any version the server has.
  EXPECT_TRUE(check_initialize({{"protocolVersion", "1999-01-01"}}, response).empty());
  auto other = response;
  other["result"]["protocolVersion"] = "2024-11-05";
  EXPECT_EQ(rules_of(check_initialize(asked, other)),
            std::set<std::string_view>{"M.mcp.handshake"});
  auto no_tools = response;
  no_tools["result"]["capabilities"] = json::object();
  EXPECT_FALSE(check_initialize(asked, no_tools).empty());
  auto no_info = response;
  no_info["result"].erase("serverInfo");
  EXPECT_FALSE(check_initialize(asked, no_info).empty());
  EXPECT_FALSE(check_initialize(asked, {{"error", {{"code", -32600}}}}).empty());
}

TEST(McpChecks, ExchangePassesAndFails) {
  const std::string ping = R"({"jsonrpc":"2.0","id":7,"method":"ping"})";
  EXPECT_TRUE(check_exchange(ping, {{R"({"jsonrpc":"2.0","id":7,"result":{}})"}}).empty());
  EXPECT_EQ(rules_of(check_exchange(ping, {{R"({"jsonrpc":"2.0","id":"7","result":{}})"}})),
            std::set<std::string_view>{"M.mcp.jsonrpc"});
  EXPECT_FALSE(check_exchange(ping, {}).empty());
  EXPECT_FALSE(
      check_exchange(ping, {{R"({"jsonrpc":"2.0","id":7,"result":{},"error":{}})"}}).empty());
  EXPECT_FALSE(
      check_exchange(ping, {{R"({"jsonrpc":"2.0","id":7,"error":{"code":1,"message":"x"}})"}})
          .empty());
  const std::string note = R"({"jsonrpc":"2.0","method":"notifications/initialized"})";
  EXPECT_TRUE(check_exchange(note, {}).empty());
  EXPECT_FALSE(check_exchange(note, {{R"({"jsonrpc":"2.0","id":null,"result":{}})"}}).empty());
  const std::string parse_error =
      R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"P"}})";
  EXPECT_TRUE(check_exchange("{oops", {{parse_error}}).empty());
  EXPECT_FALSE(check_exchange("[1]", {{parse_error}}).empty());  // -32600 expected
  EXPECT_TRUE(check_exchange(
                  "[1]", {{R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"I"}})"}})
                  .empty());
}

TEST(McpChecks, StdoutLinesPassAndFail) {
  EXPECT_TRUE(check_stdout_line(R"({"jsonrpc":"2.0","id":1,"result":{}})").empty());
  EXPECT_TRUE(check_stdout_line(R"({"jsonrpc":"2.0","method":"notifications/message"})").empty());
  EXPECT_EQ(rules_of(check_stdout_line("listening on 127.0.0.1")),
            std::set<std::string_view>{"M.mcp.stdout"});
  EXPECT_FALSE(check_stdout_line(R"({"id":1,"result":{}})").empty());
  EXPECT_FALSE(check_stdout_line(R"({"jsonrpc":"2.0"})").empty());
}

TEST(McpChecks, ToolResultsPassAndFail) {
  const std::string body = R"({"task_id":"t","status":"processing"})";
  const json ok = {{"content", {{{"type", "text"}, {"text", body}}}},
                   {"structuredContent", json::parse(body)}};
  EXPECT_TRUE(check_tool_result(ok, 200, body).empty());
  auto wrapped = ok;
  wrapped["structuredContent"] = {{"result", json::parse(body)}};
  EXPECT_EQ(rules_of(check_tool_result(wrapped, 200, body)),
            std::set<std::string_view>{"M.mcp.structured"});
  auto text_only = ok;
  text_only.erase("structuredContent");
  EXPECT_FALSE(check_tool_result(text_only, 200, body).empty());

  const std::string error = R"({"detail":"Task not found"})";
  const json is_error = {{"content", {{{"type", "text"}, {"text", "HTTP 404: Task not found"}}}},
                         {"isError", true}};
  EXPECT_TRUE(check_tool_result(is_error, 404, error).empty());
  const json passed_on = {{"content", {{{"type", "text"}, {"text", error}}}}};
  EXPECT_EQ(rules_of(check_tool_result(passed_on, 404, error)),
            std::set<std::string_view>{"M.mcp.is_error"});
  const json no_detail = {{"content", {{{"type", "text"}, {"text", "HTTP 404"}}}},
                          {"isError", true}};
  EXPECT_FALSE(check_tool_result(no_detail, 404, error).empty());
  EXPECT_TRUE(check_tool_result(is_error, 0, "").empty());  // no answer: isError is enough
}

// What the harness's --via mcp can judge of a tool result with no REST answer beside it.
TEST(McpChecks, AToolResultSeenByAClientAlone) {
  const std::string body = R"({"task_id":"t","status":"processing"})";
  const json ok = {{"content", {{{"type", "text"}, {"text", body}}}},
                   {"structuredContent", json::parse(body)}};
  EXPECT_TRUE(check_tool_result_seen(ok).empty());
  const json wrapped = {{"content", {{{"type", "text"}, {"text", body}}}},
                        {"structuredContent", {{"result", json::parse(body)}}}};
  EXPECT_EQ(rules_of(check_tool_result_seen(wrapped)),
            std::set<std::string_view>{"M.mcp.structured"});
  const json error_as_success = {
      {"content", {{{"type", "text"}, {"text", R"({"detail":"Task not found"})"}}}}};
  EXPECT_EQ(rules_of(check_tool_result_seen(error_as_success)),
            (std::set<std::string_view>{"M.mcp.is_error", "M.mcp.structured"}));
  const json is_error = {{"content", {{{"type", "text"}, {"text", "HTTP 404 from GET: gone"}}}},
                         {"isError", true}};
  EXPECT_TRUE(check_tool_result_seen(is_error).empty());
  const json vague = {{"content", {{{"type", "text"}, {"text", "something failed"}}}},
                      {"isError", true}};
  EXPECT_EQ(rules_of(check_tool_result_seen(vague)), std::set<std::string_view>{"M.mcp.is_error"});
  const json string_flag = {{"content", json::array()}, {"isError", "yes"}};
  EXPECT_TRUE(rules_of(check_tool_result_seen(string_flag)).contains("M.mcp.is_error"));
  EXPECT_EQ(rules_of(check_tool_result_seen(json::array())),
            std::set<std::string_view>{"M.mcp.structured"});
}

TEST(McpChecks, NeverThrowOnAnyInput) {
  for (const json& j : {json(), json(1), json("x"), json::array(), json::object()}) {
    EXPECT_NO_THROW(check_tools_list(j));
    EXPECT_NO_THROW(check_initialize(j, j));
    EXPECT_NO_THROW(check_tool_result(j, 200, "{}"));
    EXPECT_NO_THROW(check_tool_result(j, 500, "not json"));
    EXPECT_NO_THROW(check_tool_result_seen(j));
  }
  EXPECT_NO_THROW(check_exchange("\xff\xfe", {{"\xff"}}));
  EXPECT_NO_THROW(check_stdout_line("\xff"));
}

}  // namespace
}  // namespace agentwork::harness
