// The MCP sweep: a scripted session through McpSession with a fake API, every line checked by
// the MCP checks (harness/checks/mcp_checks.hpp). The honest server passes every check; with
// each MCP rule broken on purpose (kMcpBreaches), the checks report that rule.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "common/rules.hpp"
#include "harness/checks/mcp_checks.hpp"
#include "mcp/breaches.hpp"
#include "mcp/session.hpp"
#include "tests/mcp/fake_backend.hpp"

namespace agentwork::mcp_server {
namespace {

using harness::Finding;
using testing::call_line;
using testing::FakeBackend;
using testing::initialize_line;
using testing::request_line;

// Every rule the checks report over one scripted session.
std::set<std::string> sweep(McpViolator violator) {
  FakeBackend api;
  SessionOptions options;
  options.api_key = "aw_live_sweep";
  options.violator = std::move(violator);
  McpSession session(api, std::move(options));
  std::set<std::string> failed;
  auto note = [&](const std::vector<Finding>& findings) {
    for (const auto& f : findings) failed.insert(std::string(f.rule_id));
  };
  // Sends one line; checks the exchange and every stdout line; returns the last line, parsed.
  auto send = [&](const std::string& line) {
    const auto out = session.handle_line(line);
    note(harness::check_exchange(line, out));
    for (const auto& l : out) note(harness::check_stdout_line(l));
    return out.empty() ? json() : json::parse(out.back(), nullptr, false);
  };
  const json asked = {{"protocolVersion", "2025-06-18"}};
  note(harness::check_initialize(asked, send(initialize_line(0, "2025-06-18"))));
  send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  send(request_line(1, "ping"));
  note(harness::check_tools_list(send(request_line(2, "tools/list"))["result"]));
  const std::string ok_body = R"({"task_id":"t-1","status":"awaiting_reply"})";
  const std::string error_body = R"({"detail":"Task not found"})";
  api.outcomes = {testing::http(200, ok_body), testing::http(404, error_body)};
  const auto ok = send(call_line(3, "agentwork_get_task_status", {{"task_id", "t-1"}}));
  note(harness::check_tool_result(ok["result"], 200, ok_body));
  const auto missing = send(call_line(4, "agentwork_get_task_status", {{"task_id", "t-2"}}));
  note(harness::check_tool_result(missing["result"], 404, error_body));
  send("{garbage");
  send("[1, 2]");
  send("42");
  send(request_line(5, "resources/list"));
  send(call_line(6, "agentwork_fly", json::object()));
  send(R"({"jsonrpc":"2.0","id":77,"result":{}})");
  return failed;
}

TEST(McpSweep, TheHonestServerPassesEveryMcpCheck) {
  EXPECT_EQ(sweep(McpViolator{}), std::set<std::string>{});
}

TEST(McpSweep, EachBrokenMcpRuleIsCaughtByItsCheck) {
  ASSERT_EQ(mcp_violatable_rules().size(), mcp_rules().size());
  for (const auto& rule : mcp_rules()) {
    McpViolator violator;
    ASSERT_TRUE(violator.enable(rule.id)) << rule.id;
    const auto failed = sweep(std::move(violator));
    EXPECT_TRUE(failed.contains(std::string(rule.id))) << rule.id << " was not caught";
  }
}

TEST(McpSweep, OnlyMcpRulesCanBeBrokenHere) {
  McpViolator v;
  EXPECT_FALSE(v.enable("G.status.enum"));  // a REST rule: the mock's (--violate)
  EXPECT_FALSE(v.enable("M.mcp.no_such_rule"));
  EXPECT_TRUE(v.empty());
  for (const auto id : mcp_violatable_rules()) {
    const auto rule = find_rule(id);
    ASSERT_TRUE(rule.has_value()) << id;
    EXPECT_TRUE(is_mcp_rule(*rule)) << id;
  }
}

}  // namespace
}  // namespace agentwork::mcp_server
