// Deliberate breaches of the MCP rules (common/rules.hpp section 6), one per rule id
// (`agentwork-mcp --violate RULE`, repeatable): the server then answers as a faulty MCP server
// would on that one point, so that the MCP checks (harness/checks/mcp_checks.hpp) can be proved
// to catch every rule. Off unless asked for. Pure: the session's messages in, edited out.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp/tools.hpp"

namespace agentwork::mcp_server {

// One breach: the hooks it edits, in the order a request meets them.
struct McpBreach {
  std::string_view rule;
  void (*on_initialize)(json& result) = nullptr;  // the initialize result
  void (*on_tools_list)(json& result) = nullptr;  // the tools/list result
  // A tools/call result and the REST outcome it reflects (not called without one).
  void (*on_tool_result)(json& result, const RestOutcome& outcome) = nullptr;
  void (*on_response)(json& message) = nullptr;  // every response message, result or error
  void (*on_output)(std::vector<std::string>& lines) = nullptr;  // the lines of one input line
};

// Every MCP rule id the server can break: the catalogue's MCP rules, in its order (each has
// exactly one row in kMcpBreaches, checked at compile time in breaches.cpp).
std::span<const std::string_view> mcp_violatable_rules();

// The enabled breaches, applied in table order.
class McpViolator {
 public:
  // False (nothing changed) for an id mcp_violatable_rules() does not list.
  bool enable(std::string_view rule_id);
  bool empty() const { return on_.empty(); }

  void initialize(json& result) const;
  void tools_list(json& result) const;
  void tool_result(json& result, const RestOutcome& outcome) const;
  void response(json& message) const;
  void output(std::vector<std::string>& lines) const;

 private:
  std::vector<const McpBreach*> on_;
};

}  // namespace agentwork::mcp_server
