#include "harness/checks/mcp_checks.hpp"
#include "common/json_depth.hpp"

#include <algorithm>
#include <regex>

#include "common/mcp_tools.hpp"

namespace agentwork::harness {
namespace {

using mcp_contract::kTools;
using mcp_contract::ToolContract;
using nlohmann::json;

constexpr std::string_view kTools_ = "G.mcp.tools";
constexpr std::string_view kSchemas = "M.mcp.schemas";
constexpr std::string_view kHandshake = "M.mcp.handshake";
constexpr std::string_view kJsonRpc = "M.mcp.jsonrpc";
constexpr std::string_view kStdout = "M.mcp.stdout";
constexpr std::string_view kIsError = "M.mcp.is_error";
constexpr std::string_view kStructured = "M.mcp.structured";

void add(std::vector<Finding>& out, std::string_view rule, std::string detail) {
  out.push_back({rule, std::move(detail)});
}

json parse(std::string_view text) {
  return parse_json_bounded(text);
}

std::string shown(const json& j) {
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return s.size() <= 120 ? s : s.substr(0, 120) + "...";
}

bool in(const json& array, std::string_view name) {
  return array.is_array() && std::any_of(array.begin(), array.end(), [&](const json& v) {
           return v.is_string() && v.get_ref<const std::string&>() == name;
         });
}

const json* find_tool(const json& tools, std::string_view name) {
  for (const auto& t : tools) {
    if (t.is_object() && t.contains("name") && t["name"] == name) return &t;
  }
  return nullptr;
}

void check_guide_tool(std::vector<Finding>& out, const ToolContract& c, const json& tool) {
  const std::string at = "tools[" + std::string(c.name) + "].inputSchema";
  const json schema = tool.value("inputSchema", json());
  const json props = schema.is_object() ? schema.value("properties", json()) : json();
  const json required = schema.is_object() ? schema.value("required", json::array()) : json();
  for (const auto& p : c.parameters()) {
    const std::string name(p.name), type(mcp_contract::json_type(p.type));
    if (!props.is_object() || !props.contains(name)) {
      add(out, kTools_, at + ".properties: no \"" + name + "\" (the guide's parameter)");
    } else if (!props[name].is_object() || props[name].value("type", json()) != type) {
      add(out, kTools_,
          at + ".properties." + name + ".type: expected \"" + type + "\", got " +
              shown(props[name].is_object() ? props[name].value("type", json()) : props[name]));
    }
    if (p.required && !in(required, name)) {
      add(out, kTools_, at + ".required: \"" + name + "\" is not required");
    }
  }
  if (!required.is_array()) return;
  for (const auto& r : required) {
    const auto params = c.parameters();
    const bool guide = r.is_string() && std::any_of(params.begin(), params.end(), [&](auto& p) {
                         return p.name == r.get_ref<const std::string&>();
                       });
    if (!guide) add(out, kTools_, at + ".required: " + shown(r) + " is not a guide parameter");
  }
}

void check_schema(std::vector<Finding>& out, std::size_t i, const json& tool) {
  const std::string at = "tools[" + std::to_string(i) + "].inputSchema";
  const auto schema = tool.is_object() ? tool.value("inputSchema", json()) : json();
  if (!schema.is_object())
    return add(out, kSchemas, at + ": expected an object, got " + shown(schema));
  if (schema.value("type", json()) != "object") {
    add(out, kSchemas,
        at + ".type: expected \"object\", got " + shown(schema.value("type", json())));
  }
  const auto props = schema.value("properties", json::object());
  if (!props.is_object()) return add(out, kSchemas, at + ".properties: expected an object");
  for (const auto& [name, p] : props.items()) {
    if (!p.is_object())
      add(out, kSchemas, at + ".properties." + name + ": expected a schema object");
  }
  if (!schema.contains("required")) return;
  const auto& required = schema["required"];
  if (!required.is_array()) return add(out, kSchemas, at + ".required: expected an array");
  for (const auto& r : required) {
    if (!r.is_string() || !props.contains(r.get_ref<const std::string&>())) {
      add(out, kSchemas, at + ".required: " + shown(r) + " is not one of its properties");
    }
  }
}

bool standard_code(const json& code) {
  if (!code.is_number_integer()) return false;
  const auto c = code.get<long long>();
  return c == -32700 || c == -32600 || c == -32601 || c == -32602 || c == -32603 ||
         (c >= -32099 && c <= -32000);
}

// The one response to a request of id `id`: its envelope.
void check_response(std::vector<Finding>& out, const json& id, const json& r) {
  if (!r.is_object()) return add(out, kJsonRpc, "the response is not a JSON object: " + shown(r));
  if (r.value("jsonrpc", json()) != "2.0") add(out, kJsonRpc, "$.jsonrpc: expected \"2.0\"");
  if (!r.contains("id") || r["id"] != id) {
    add(out, kJsonRpc, "$.id: expected " + shown(id) + ", got " + shown(r.value("id", json())));
  }
  if (r.contains("result") == r.contains("error")) {
    add(out, kJsonRpc, "expected exactly one of result and error: " + shown(r));
  }
  if (!r.contains("error")) return;
  const auto& e = r["error"];
  if (!e.is_object() || !standard_code(e.value("code", json())) ||
      !e.value("message", json()).is_string()) {
    add(out, kJsonRpc,
        "$.error: expected {code: a JSON-RPC code, message: a string}, got " + shown(e));
  }
}

void expect_error(std::vector<Finding>& out, const json& r, int code, const std::string& why) {
  if (!r.is_object() || !r.contains("error") || !r["error"].is_object() ||
      r["error"].value("code", json()) != code) {
    add(out, kJsonRpc, why + ": expected error " + std::to_string(code) + ", got " + shown(r));
  }
}

}  // namespace

std::vector<Finding> check_tools_list(const json& result) {
  std::vector<Finding> out;
  const json tools = result.is_object() ? result.value("tools", json()) : json();
  if (!tools.is_array()) {
    add(out, kTools_, "$.tools: expected an array, got " + shown(tools));
    return out;
  }
  for (const auto& c : kTools) {
    const json* tool = find_tool(tools, c.name);
    if (tool == nullptr) {
      add(out, kTools_, "$.tools: no tool named " + std::string(c.name));
      continue;
    }
    check_guide_tool(out, c, *tool);
  }
  for (std::size_t i = 0; i < tools.size(); ++i) check_schema(out, i, tools[i]);
  return out;
}

std::vector<Finding> check_initialize(const json& request_params, const json& response) {
  std::vector<Finding> out;
  const json result = response.is_object() ? response.value("result", json()) : json();
  if (!result.is_object()) {
    add(out, kHandshake, "initialize: expected a result object, got " + shown(response));
    return out;
  }
  const json asked =
      request_params.is_object() ? request_params.value("protocolVersion", json()) : json();
  const json got = result.value("protocolVersion", json());
  static const std::regex date(R"(\d{4}-\d{2}-\d{2})");
  if (!got.is_string() || !std::regex_match(got.get_ref<const std::string&>(), date)) {
    add(out, kHandshake,
        "$.result.protocolVersion: expected a YYYY-MM-DD version, got " + shown(got));
  } else if (asked.is_string() &&
             mcp_contract::supports_protocol_version(asked.get<std::string>()) && got != asked) {
    add(out, kHandshake,
        "$.result.protocolVersion: asked for the supported " + shown(asked) + ", got " +
            shown(got));
  }
  const json caps = result.value("capabilities", json());
  if (!caps.is_object() || !caps.value("tools", json()).is_object()) {
    add(out, kHandshake, "$.result.capabilities.tools: expected an object, got " + shown(caps));
  }
  const json info = result.value("serverInfo", json());
  if (!info.is_object() || !info.value("name", json()).is_string() ||
      !info.value("version", json()).is_string()) {
    add(out, kHandshake,
        "$.result.serverInfo: expected {name, version} strings, got " + shown(info));
  }
  return out;
}

std::vector<Finding> check_exchange(std::string_view request_line,
                                    std::span<const std::string> output_lines) {
  std::vector<Finding> out;
  const json request = parse(request_line);
  const bool is_object = request.is_object();
  const bool notification = is_object && request.contains("method") && !request.contains("id");
  const bool response = is_object && !request.contains("method") &&
                        (request.contains("result") || request.contains("error"));
  if (notification || response) {
    if (!output_lines.empty()) {
      add(out, kJsonRpc,
          std::string(notification ? "a notification" : "a response") +
              " was answered: " + output_lines.front());
    }
    return out;
  }
  if (output_lines.size() != 1) {
    add(out, kJsonRpc, "expected one response line, got " + std::to_string(output_lines.size()));
    if (output_lines.empty()) return out;
  }
  const json r = parse(output_lines.back());
  const bool with_id = is_object && request.contains("id") &&
                       (request["id"].is_string() || request["id"].is_number_integer());
  check_response(out, with_id ? request["id"] : json(), r);
  if (request.is_discarded()) expect_error(out, r, -32700, "a line that is not JSON");
  if (!request.is_discarded() && !is_object)
    expect_error(out, r, -32600, "JSON that is not an object");
  return out;
}

std::vector<Finding> check_stdout_line(std::string_view line) {
  std::vector<Finding> out;
  const std::string brief(line.substr(0, 120));
  if (line.find('\n') != std::string_view::npos) add(out, kStdout, "a newline inside a message");
  const json j = parse(line);
  if (!j.is_object()) {
    add(out, kStdout, "not a JSON-RPC message on stdout: " + brief);
    return out;
  }
  const bool message = j.contains("method") || j.contains("result") || j.contains("error");
  if (j.value("jsonrpc", json()) != "2.0" || !message) {
    add(out, kStdout, "not a JSON-RPC 2.0 message on stdout: " + brief);
  }
  return out;
}

std::vector<Finding> check_tool_result(const json& result, int rest_status,
                                       std::string_view rest_body) {
  std::vector<Finding> out;
  const bool is_error =
      result.is_object() && result.contains("isError") && result["isError"] == true;
  const json content = result.is_object() ? result.value("content", json()) : json();
  std::vector<std::string> texts;
  if (content.is_array()) {
    for (const auto& item : content) {
      if (item.is_object() && item.value("type", json()) == "text" &&
          item.value("text", json()).is_string()) {
        texts.push_back(item["text"].get<std::string>());
      }
    }
  }
  const json body = parse(rest_body);
  if (rest_status == 0 || rest_status >= 400) {
    if (!is_error) {
      add(out, kIsError, "HTTP " + std::to_string(rest_status) + ": expected isError true");
    }
    const std::string status = std::to_string(rest_status);
    const std::string detail = body.is_object() && body.value("detail", json()).is_string()
                                   ? body["detail"].get<std::string>()
                                   : std::string();
    const bool named = std::any_of(texts.begin(), texts.end(), [&](const std::string& t) {
      return (rest_status == 0 || t.find(status) != std::string::npos) &&
             t.find(detail) != std::string::npos;
    });
    if (!named) {
      add(out, kIsError,
          "no text item names HTTP " + status + (detail.empty() ? "" : " and \"" + detail + "\""));
    }
    return out;
  }
  if (rest_status < 200 || rest_status > 299 || !body.is_object()) return out;
  if (is_error) add(out, kStructured, "HTTP " + std::to_string(rest_status) + ": isError true");
  if (!result.is_object() || result.value("structuredContent", json()) != body) {
    add(out, kStructured,
        "$.structuredContent: expected the API's body " + shown(body) + ", got " +
            shown(result.is_object() ? result.value("structuredContent", json()) : json()));
  }
  if (std::none_of(texts.begin(), texts.end(),
                   [&](const std::string& t) { return parse(t) == body; })) {
    add(out, kStructured, "$.content: no text item holds the API's JSON");
  }
  return out;
}

}  // namespace agentwork::harness

namespace agentwork::harness {

std::vector<Finding> check_tool_result_seen(const json& result) {
  std::vector<Finding> out;
  if (!result.is_object()) {
    add(out, kStructured, "the tools/call result is not an object: " + shown(result));
    return out;
  }
  if (result.contains("isError") && !result["isError"].is_boolean()) {
    add(out, kIsError, "$.isError: not a boolean: " + shown(result["isError"]));
  }
  std::vector<std::string> texts;
  if (const json content = result.value("content", json()); content.is_array()) {
    for (const auto& item : content) {
      if (item.is_object() && item.value("type", json()) == "text" &&
          item.value("text", json()).is_string()) {
        texts.push_back(item["text"].get<std::string>());
      }
    }
  }
  if (result.value("isError", json()) == true) {
    static const std::regex status(R"(\b[45][0-9][0-9]\b|no answer)");
    if (std::none_of(texts.begin(), texts.end(),
                     [](const std::string& t) { return std::regex_search(t, status); })) {
      add(out, kIsError, "an isError result with no text item naming the HTTP status");
    }
    return out;
  }
  const json structured = result.value("structuredContent", json());
  if (!structured.is_object()) {
    add(out, kStructured, "$.structuredContent: expected the API's JSON object, got " +
                              shown(structured));
  } else if (std::none_of(texts.begin(), texts.end(),
                          [&](const std::string& t) { return parse(t) == structured; })) {
    add(out, kStructured, "$.content: no text item holds the JSON of structuredContent " +
                              shown(structured));
  }
  const json seen = structured.is_object() ? structured : texts.empty() ? json() : parse(texts[0]);
  if (seen.is_object() && seen.size() == 1 && seen.contains("detail")) {
    add(out, kIsError, "a result without isError holds an API error body: " + shown(seen));
  }
  return out;
}

}  // namespace agentwork::harness
