// The MCP checks (common/rules.hpp section 6, Checker::mcp): what a client sees of an MCP
// server that wraps the Agentwork API, held to CONTRACT.md section 6 (common/mcp_tools.hpp) and
// to the MCP specification. Pure: JSON and lines in, findings out; no sockets, no Beast. Every
// function never throws on any input.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/checks/contract_checks.hpp"

namespace agentwork::harness {

// The result of tools/list: G.mcp.tools (the eight tools with the guide's parameters, their
// types, the required ones required and nothing else required) and M.mcp.schemas (each
// inputSchema: type object, properties an object of schema objects, required a list of names of
// properties).
std::vector<Finding> check_tools_list(const nlohmann::json& result);

// An initialize request's params and its response message: M.mcp.handshake (the requested
// version when it is one of mcp_contract::kProtocolVersions, else a date-like version;
// capabilities.tools an object; serverInfo name and version strings).
std::vector<Finding> check_initialize(const nlohmann::json& request_params,
                                      const nlohmann::json& response);

// One input line and every stdout line it produced: M.mcp.jsonrpc. A request (method and id)
// gets exactly one response with jsonrpc "2.0", its id (same type and value) and exactly one of
// result or error; an error has an integer code (-32700, -32600, -32601, -32602, -32603 or
// -32000..-32099) and a string message. A line that is not JSON gets -32700 with id null; JSON
// that is not an object (an array, a number) gets -32600 with id null. A notification (method,
// no id) and a response (result or error, no method) get nothing.
std::vector<Finding> check_exchange(std::string_view request_line,
                                    std::span<const std::string> output_lines);

// One stdout line: M.mcp.stdout (a JSON object with jsonrpc "2.0" that is a request, a
// notification or a response; no newline inside).
std::vector<Finding> check_stdout_line(std::string_view line);

// A tools/call result and the REST answer it reflects (status 0: no answer): M.mcp.is_error
// (a 4xx/5xx or no answer: isError true and a text item naming the status and the API's detail)
// and M.mcp.structured (a 2xx with a JSON object: no isError, a text item whose JSON equals
// structuredContent, which equals the API's body).
std::vector<Finding> check_tool_result(const nlohmann::json& result, int rest_status,
                                       std::string_view rest_body);

// A tools/call result as a client alone sees it (no REST answer to compare with), the harness's
// `--via mcp`: M.mcp.is_error (an isError result names an HTTP status or says no answer came; a
// result without isError is not an API error body {"detail": ...}) and M.mcp.structured (without
// isError: structuredContent an object, and a text item holding the same JSON).
std::vector<Finding> check_tool_result_seen(const nlohmann::json& result);

}  // namespace agentwork::harness
