// JSON-RPC 2.0 as MCP uses it over stdio: one message per line, classified, and the lines a
// server writes back. Pure (nlohmann_json only).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace agentwork::mcp_server {

using nlohmann::json;

// The JSON-RPC error codes MCP uses.
enum ErrorCode : int {
  parse_error = -32700,       // the line is not JSON
  invalid_request = -32600,   // JSON, but not a request, notification or response
  method_not_found = -32601,  // a request for a method the server does not have
  invalid_params = -32602,    // params of the wrong shape; an unknown tool
  internal_error = -32603,    // the server broke (never expected)
};

// What one input line holds.
struct Message {
  enum class Kind {
    request,       // method and id: answered exactly once
    notification,  // method, no id: never answered
    response,      // result or error with an id: the client answering us; ignored
    invalid,       // answered with `error` (id: the message's, when it had a usable one)
  };
  Kind kind = Kind::invalid;
  json id;  // a string or an integer; null when there is none or it is unusable
  std::string method;
  json params;         // an object, or null when absent (a non-object is `invalid`)
  int error_code = 0;  // for invalid: parse_error or invalid_request or invalid_params
  std::string error;   // for invalid: what is wrong, for the error message
};

// Classifies one line (without its newline). Never throws. A JSON array is a batch, which MCP
// removed in 2025-06-18: invalid_request.
Message classify(std::string_view line);

// The messages a server writes back.
json result_message(const json& id, json result);
json error_message(const json& id, int code, std::string_view message);
// One message as a stdout line: compact JSON with no newline inside (dump escapes control
// characters in strings; invalid UTF-8 is replaced), without the line's own newline.
std::string to_line(const json& message);

// The standard message of a code ("Parse error", "Invalid Request", ...).
std::string_view error_name(int code);

}  // namespace agentwork::mcp_server
