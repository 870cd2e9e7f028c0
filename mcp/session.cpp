#include "mcp/session.hpp"

#include <utility>

namespace agentwork::mcp_server {
namespace {

std::string_view trimmed(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  return line;
}

std::string invalid_text(int code, std::string_view what) {
  return std::string(error_name(code)) + ": " + std::string(what);
}

// A protocol revision is a date, YYYY-MM-DD ("2025-11-25").
bool looks_like_revision(std::string_view v) {
  if (v.size() != 10 || v[4] != '-' || v[7] != '-') return false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i != 4 && i != 7 && (v[i] < '0' || v[i] > '9')) return false;
  }
  return true;
}

constexpr std::string_view kInstructions =
    "Agentwork runs software engineering tasks with an agent. Create a task, then poll "
    "agentwork_get_task_status every 5-10 s and act on its status: awaiting_reply: "
    "agentwork_send_message; awaiting_solution_approval: agentwork_approve_solution; completed: "
    "agentwork_get_task_result.";

}  // namespace

McpSession::McpSession(Backend& backend, SessionOptions options)
    : backend_(backend), options_(std::move(options)) {}

std::vector<std::string> McpSession::handle_line(std::string_view line) {
  line = trimmed(line);
  if (line.empty()) return {};
  const Message m = classify(line);
  switch (m.kind) {
    case Message::Kind::notification:
    case Message::Kind::response:
      return {};
    case Message::Kind::invalid:
      return lines_of(error_message(m.id, m.error_code, invalid_text(m.error_code, m.error)));
    case Message::Kind::request:
      break;
  }
  return lines_of(answer(m));
}

std::vector<std::string> McpSession::oversized_line(std::size_t limit, std::size_t line_number) {
  return lines_of(error_message(
      nullptr, invalid_request,
      invalid_text(invalid_request, "line " + std::to_string(line_number) + " is longer than " +
                                        std::to_string(limit) + " bytes; skipped unread")));
}

std::vector<std::string> McpSession::lines_of(json message) const {
  options_.violator.response(message);
  std::vector<std::string> lines{to_line(message)};
  options_.violator.output(lines);
  return lines;
}

json McpSession::answer(const Message& m) {
  if (m.method == "initialize") return initialize(m);
  if (m.method == "ping") return result_message(m.id, json::object());
  if (!initialized_) {
    return error_message(m.id, invalid_request,
                         invalid_text(invalid_request,
                                      "the session is not initialized: send "
                                      "initialize first (got " +
                                          m.method + ")"));
  }
  if (m.method == "tools/list") {
    json result = tools_list_result();
    options_.violator.tools_list(result);
    return result_message(m.id, std::move(result));
  }
  if (m.method == "tools/call") return call_tool(m);
  return error_message(m.id, method_not_found, "Method not found: " + m.method);
}

json McpSession::initialize(const Message& m) {
  if (initialized_) {
    return error_message(m.id, invalid_request,
                         invalid_text(invalid_request, "the session is already initialized"));
  }
  const json params = m.params.is_object() ? m.params : json::object();
  const auto requested = params.find("protocolVersion");
  if (requested == params.end() || !requested->is_string()) {
    return error_message(m.id, invalid_params,
                         "Invalid params: initialize needs params.protocolVersion (a string)");
  }
  const auto& asked = requested->get_ref<const std::string&>();
  if (!looks_like_revision(asked)) {
    // Not a revision at all: the lifecycle page's "Unsupported protocol version" error, with
    // the versions we speak. A well-formed revision we do not know is negotiated below.
    json supported = json::array();
    for (const auto v : mcp_contract::kProtocolVersions) supported.push_back(std::string(v));
    json error = error_message(m.id, invalid_params, "Unsupported protocol version");
    error["error"]["data"] = {{"supported", std::move(supported)}, {"requested", asked}};
    return error;
  }
  version_ = mcp_contract::supports_protocol_version(asked)
                 ? asked
                 : std::string(mcp_contract::kProtocolVersions.front());
  initialized_ = true;
  json result = {{"protocolVersion", version_},
                 {"capabilities", {{"tools", {{"listChanged", false}}}}},
                 {"serverInfo",
                  {{"name", options_.server_name},
                   {"title", "Agentwork"},
                   {"version", options_.server_version}}},
                 {"instructions", std::string(kInstructions)}};
  options_.violator.initialize(result);
  return result_message(m.id, std::move(result));
}

json McpSession::call_tool(const Message& m) {
  const json& params = m.params;
  if (!params.is_object() || !params.contains("name") || !params["name"].is_string()) {
    return error_message(m.id, invalid_params,
                         "Invalid params: tools/call needs params.name (a string)");
  }
  const auto& name = params["name"].get_ref<const std::string&>();
  const auto* tool = mcp_contract::find_tool(name);
  if (tool == nullptr) return error_message(m.id, invalid_params, "Unknown tool: " + name);
  const auto args = params.find("arguments");
  if (args != params.end() && !args->is_object()) {
    return error_message(m.id, invalid_params,
                         "Invalid params: tools/call params.arguments must be an object");
  }
  return result_message(m.id, run_tool(*tool, args != params.end() ? *args : json::object()));
}

json McpSession::run_tool(const ToolContract& tool, const json& arguments) {
  const std::string name(tool.name);
  const Mapping mapping = rest_request_for(tool, arguments, options_.api_key);
  if (!mapping.request) return tool_error(name + ": " + mapping.error);
  if (tool.needs_key && options_.api_key.empty()) {
    return tool_error(name +
                      ": no API key: set AGENTWORK_API_KEY, or call agentwork_register "
                      "first (this session then uses the new key)");
  }
  const RestOutcome outcome = backend_.send(*mapping.request);
  json result = tool_result(*mapping.request, outcome);
  const bool registered = !tool.needs_key && !result.contains("isError");
  if (registered && options_.api_key.empty()) {
    const auto& body = result["structuredContent"];
    if (body.contains("api_key") && body["api_key"].is_string()) {
      options_.api_key = body["api_key"].get<std::string>();
    }
  }
  options_.violator.tool_result(result, outcome);
  return result;
}

}  // namespace agentwork::mcp_server
