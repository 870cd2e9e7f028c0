// CONTRACT.md section 6 as data: the eight tools of agentwork-mcp, their parameters (name, JSON
// type, required) and the REST endpoint each one wraps, and the MCP protocol versions
// agentwork-mcp speaks. Shared by the server (mcp/), which builds its tool definitions from it,
// and by the MCP checks (harness/checks/mcp_checks.hpp), which hold any server to it.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

namespace agentwork::mcp_contract {

enum class ParamType { string, boolean };

// The JSON Schema type name: "string", "boolean".
constexpr std::string_view json_type(ParamType t) {
  return t == ParamType::boolean ? "boolean" : "string";
}

struct ToolParam {
  std::string_view name;
  ParamType type = ParamType::string;
  bool required = false;
};

struct ToolContract {
  std::string_view name;    // "agentwork_get_task_status"
  std::string_view method;  // of the REST request it sends: "GET", "POST"
  std::string_view path;    // under /api/v1; "{task_id}" where the task id goes
  std::array<ToolParam, 3> params{};
  std::size_t param_count = 0;  // the first param_count entries of params
  bool needs_key = true;        // sends the Bearer key (all but registration)

  constexpr std::span<const ToolParam> parameters() const { return {params.data(), param_count}; }
};

namespace tool_table {

using enum ParamType;

// The guide's table, in its order. Required: what the API refuses without (email and name by
// the guide's word; title and description, 422 without; task_id; message; approved).
// organization_name and rejection_reason are optional.
inline constexpr std::array kTools = std::to_array<ToolContract>({
    {"agentwork_register",
     "POST",
     "/auth/register",
     {{{"email", string, true}, {"name", string, true}, {"organization_name", string, false}}},
     3,
     false},
    {"agentwork_create_task",
     "POST",
     "/tasks/",
     {{{"title", string, true}, {"description", string, true}}},
     2},
    {"agentwork_get_task_status", "GET", "/tasks/{task_id}", {{{"task_id", string, true}}}, 1},
    {"agentwork_send_message",
     "POST",
     "/tasks/{task_id}/message",
     {{{"task_id", string, true}, {"message", string, true}}},
     2},
    {"agentwork_approve_solution",
     "POST",
     "/tasks/{task_id}/solution-status",
     {{{"task_id", string, true},
       {"approved", boolean, true},
       {"rejection_reason", string, false}}},
     3},
    {"agentwork_get_task_result",
     "GET",
     "/tasks/{task_id}/result",
     {{{"task_id", string, true}}},
     1},
    {"agentwork_get_task_events",
     "GET",
     "/tasks/{task_id}/events",
     {{{"task_id", string, true}}},
     1},
    {"agentwork_cancel_task", "POST", "/tasks/{task_id}/cancel", {{{"task_id", string, true}}}, 1},
});

}  // namespace tool_table

using tool_table::kTools;

// nullptr for a name that is not one of the eight.
constexpr const ToolContract* find_tool(std::string_view name) {
  for (const auto& t : kTools) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

// The MCP protocol versions agentwork-mcp speaks, newest first. A client asking for another
// version is answered with the first (the spec's "latest it supports").
inline constexpr std::array<std::string_view, 2> kProtocolVersions = {"2025-11-25", "2025-06-18"};

constexpr bool supports_protocol_version(std::string_view v) {
  for (const auto s : kProtocolVersions) {
    if (s == v) return true;
  }
  return false;
}

}  // namespace agentwork::mcp_contract
