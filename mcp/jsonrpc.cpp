#include "mcp/jsonrpc.hpp"

#include "common/json_depth.hpp"

#include <utility>

namespace agentwork::mcp_server {
namespace {

Message invalid(json id, int code, std::string what) {
  Message m;
  m.kind = Message::Kind::invalid;
  m.id = std::move(id);
  m.error_code = code;
  m.error = std::move(what);
  return m;
}

// A request id MCP accepts: a string or an integer (never null, never a fraction).
bool usable_id(const json& id) {
  return id.is_string() || id.is_number_integer();
}

std::string dump(const json& j) {
  // Invalid UTF-8 (an API body may hold any bytes) is replaced, never thrown on.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

Message classify(std::string_view line) {
  bool too_deep = false;
  json j = parse_json_bounded(line, &too_deep);
  if (too_deep) {
    return invalid(nullptr, parse_error,
                   "the line nests JSON deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  if (j.is_discarded()) return invalid(nullptr, parse_error, "the line is not valid JSON");
  if (j.is_array()) {
    return invalid(nullptr, invalid_request,
                   "a JSON array (a batch): MCP has no batches since 2025-06-18, send one "
                   "message per line");
  }
  if (!j.is_object()) {
    return invalid(nullptr, invalid_request,
                   std::string("expected a JSON object, got ") + j.type_name());
  }
  const bool has_method = j.contains("method");
  if (!has_method && (j.contains("result") || j.contains("error"))) {
    Message m;
    m.kind = Message::Kind::response;
    m.id = j.value("id", json());
    return m;
  }
  const bool has_id = j.contains("id");
  json id = has_id && usable_id(j["id"]) ? j["id"] : json();
  if (has_id && id.is_null()) {
    return invalid(nullptr, invalid_request, "\"id\" must be a string or an integer");
  }
  const auto version = j.find("jsonrpc");
  if (version == j.end() || *version != "2.0") {
    return invalid(id, invalid_request, "\"jsonrpc\" must be \"2.0\"");
  }
  if (!has_method) return invalid(id, invalid_request, "no \"method\"");
  if (!j["method"].is_string()) return invalid(id, invalid_request, "\"method\" must be a string");
  Message m;
  m.kind = has_id ? Message::Kind::request : Message::Kind::notification;
  m.id = std::move(id);
  m.method = j["method"].get<std::string>();
  const auto params = j.find("params");
  if (params != j.end() && !params->is_object()) {
    if (!has_id) return m;  // a notification is never answered, whatever its params
    return invalid(m.id, invalid_params, "\"params\" must be an object");
  }
  if (params != j.end()) m.params = *params;
  return m;
}

json result_message(const json& id, json result) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json error_message(const json& id, int code, std::string_view message) {
  return json{{"jsonrpc", "2.0"},
              {"id", id},
              {"error", {{"code", code}, {"message", std::string(message)}}}};
}

std::string to_line(const json& message) {
  return dump(message);
}

std::string_view error_name(int code) {
  switch (code) {
    case parse_error:
      return "Parse error";
    case invalid_request:
      return "Invalid Request";
    case method_not_found:
      return "Method not found";
    case invalid_params:
      return "Invalid params";
    case internal_error:
      return "Internal error";
    default:
      return "Error";
  }
}

}  // namespace agentwork::mcp_server
