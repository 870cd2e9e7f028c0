// The eight Agentwork tools as MCP tools (CONTRACT.md section 6, common/mcp_tools.hpp): their
// definitions for tools/list, the validation of a call's arguments, the REST request a call
// sends, and the tool result a REST outcome becomes. Pure (nlohmann_json only), so that the
// harness can use the same table as an MCP client: tool_for_rest() names the tool of a REST
// step, rest_request_for() is the mapping a server must follow.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/mcp_tools.hpp"

namespace agentwork::mcp_server {

using mcp_contract::ToolContract;
using nlohmann::json;

// A request to the Agentwork REST API.
struct RestRequest {
  std::string method;  // "GET", "POST"
  std::string path;    // "/api/v1/tasks/ID/message"
  std::string body;    // JSON; empty: no body
  std::string key;     // the Bearer key; empty: no Authorization header
};

// What came back. transport_error: no HTTP response at all (status 0, message says why).
struct RestOutcome {
  int status = 0;
  std::string body;
  bool transport_error = false;
  std::string message;
};

// {"tools": [...]}: every tool with name, title, description, inputSchema (JSON Schema:
// type object, properties, required, additionalProperties false), outputSchema, annotations.
json tools_list_result();
json tool_definition(const ToolContract& tool);

// The REST request a call of `tool` with `arguments` (an object) sends, or why the arguments
// cannot be sent: a missing required argument, a value of the wrong JSON type, an argument the
// tool does not take, a task_id that is not URL-safe. The message names the argument.
struct Mapping {
  std::optional<RestRequest> request;
  std::string error;
};
Mapping rest_request_for(const ToolContract& tool, const json& arguments, const std::string& key);

// A task id fit for a path segment: 1 to 128 of [A-Za-z0-9._~-].
bool url_safe_id(std::string_view id);

// The tool result of an outcome. A 2xx answer with a JSON object: that JSON as one text item
// and as structuredContent. Anything else (a 4xx/5xx with the API's detail, another status, a
// body that is not a JSON object, a transport failure): isError true, with one text item saying
// what happened (the HTTP status and the API's detail).
json tool_result(const RestRequest& request, const RestOutcome& outcome);
// isError true with one text item.
json tool_error(std::string_view text);

// The tool that wraps a REST request (path under /api/v1 with or without the prefix, query
// ignored); nullptr for a request no tool sends (GET /tasks/, POST /auth/api-key, ...).
const ToolContract* tool_for_rest(std::string_view method, std::string_view path);

}  // namespace agentwork::mcp_server
