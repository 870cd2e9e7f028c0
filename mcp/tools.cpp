#include "mcp/tools.hpp"
#include "common/json_depth.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace agentwork::mcp_server {
namespace {

using mcp_contract::kTools;
using mcp_contract::ParamType;
using mcp_contract::ToolParam;

constexpr std::string_view kApiPrefix = "/api/v1";
constexpr std::size_t kMaxQuotedBody = 1000;  // of an API body quoted in an error text

struct ToolText {
  std::string_view name, title, description;
};

constexpr auto kTexts = std::to_array<ToolText>({
    {"agentwork_register", "Register with Agentwork",
     "Create an Agentwork account and get an API key (POST /api/v1/auth/register). When the "
     "server was started without AGENTWORK_API_KEY, it uses the new key for every later call of "
     "this session. The key is shown only once: keep it. 409 when the email is taken."},
    {"agentwork_create_task", "Create a task",
     "Delegate a software engineering task (POST /api/v1/tasks/). Returns task_id and status "
     "processing; poll agentwork_get_task_status."},
    {"agentwork_get_task_status", "Get a task's status",
     "Poll a task (GET /api/v1/tasks/{task_id}). status says what to do: processing: wait 5-10 s "
     "and poll again; awaiting_reply: answer question.content with agentwork_send_message; "
     "awaiting_solution_approval: read solution.content and call agentwork_approve_solution; "
     "completed: call agentwork_get_task_result; cancelled: nothing to do."},
    {"agentwork_send_message", "Reply to the agent",
     "Answer the agent's question while the task is awaiting_reply "
     "(POST /api/v1/tasks/{task_id}/message with {\"message\": ...})."},
    {"agentwork_approve_solution", "Approve or reject a solution",
     "Decide on a proposed solution while the task is awaiting_solution_approval "
     "(POST /api/v1/tasks/{task_id}/solution-status): approved true completes the task; false "
     "sends it back to the agent with rejection_reason."},
    {"agentwork_get_task_result", "Get a task's result",
     "The result text and files of a completed task (GET /api/v1/tasks/{task_id}/result)."},
    {"agentwork_get_task_events", "Get a task's events",
     "The task's activity log (GET /api/v1/tasks/{task_id}/events): status, question, reply, "
     "message_to_customer, solution_proposed and solution_decision events."},
    {"agentwork_cancel_task", "Cancel a task",
     "Cancel a task that is not completed or cancelled yet (POST /api/v1/tasks/{task_id}/cancel)."},
});

constexpr auto kParamTexts = std::to_array<std::pair<std::string_view, std::string_view>>({
    {"email", "Your email address (409 when it already has an account)"},
    {"name", "Your name"},
    {"organization_name", "Your organization's name (generated when omitted)"},
    {"title", "A short title of the task"},
    {"description", "What you need, in detail: the more specific, the fewer questions"},
    {"task_id", "The task's id, as agentwork_create_task returned it"},
    {"message", "Your reply in plain text"},
    {"approved", "true to accept the solution, false to reject it"},
    {"rejection_reason", "With approved false: what the agent should change"},
});

std::string_view text_of(std::string_view param) {
  for (const auto& [name, text] : kParamTexts) {
    if (name == param) return text;
  }
  return {};
}

const ToolText& texts_of(const ToolContract& tool) {
  return *std::find_if(kTexts.begin(), kTexts.end(),
                       [&](const ToolText& t) { return t.name == tool.name; });
}

json input_schema(const ToolContract& tool) {
  json properties = json::object();
  json required = json::array();
  for (const auto& p : tool.parameters()) {
    properties[std::string(p.name)] = {{"type", std::string(mcp_contract::json_type(p.type))},
                                       {"description", std::string(text_of(p.name))}};
    if (p.required) required.push_back(std::string(p.name));
  }
  return {{"type", "object"},
          {"properties", std::move(properties)},
          {"required", std::move(required)},
          {"additionalProperties", false}};
}

// What a success carries: the API's JSON object (the REST contract's shapes); only the members
// every answer of the tool has are typed, none required, so that a result is never refused here
// for what the REST checks report.
json output_schema(const ToolContract& tool) {
  json properties = json::object();
  if (tool.name == "agentwork_register") {
    for (const char* key : {"api_key", "key_prefix", "organization_id", "user_id"}) {
      properties[key] = {{"type", "string"}};
    }
  } else {
    properties["task_id"] = {{"type", "string"}};
  }
  return {{"type", "object"}, {"properties", std::move(properties)}};
}

json annotations(const ToolContract& tool) {
  const bool read_only = tool.method == "GET";
  return {{"readOnlyHint", read_only},
          {"destructiveHint", tool.name == "agentwork_cancel_task"},
          {"idempotentHint", read_only},
          {"openWorldHint", true}};
}

bool has_type(const json& value, ParamType type) {
  return type == ParamType::boolean ? value.is_boolean() : value.is_string();
}

std::string names_of(const ToolContract& tool) {
  std::string out;
  for (const auto& p : tool.parameters()) out += (out.empty() ? "" : ", ") + std::string(p.name);
  return out;
}

// Empty when the arguments fit the tool's inputSchema and task_id is URL-safe.
std::string argument_error(const ToolContract& tool, const json& arguments) {
  for (const auto& p : tool.parameters()) {
    const std::string name(p.name);
    const auto it = arguments.find(name);
    const std::string type(mcp_contract::json_type(p.type));
    if (it == arguments.end()) {
      if (p.required) return "missing required argument \"" + name + "\" (" + type + ")";
      continue;
    }
    if (!has_type(*it, p.type)) {
      return "argument \"" + name + "\" must be a " + type + ", got " + it->type_name();
    }
    if (p.name == "task_id" && !url_safe_id(it->get_ref<const std::string&>())) {
      return "argument \"task_id\" must be 1 to 128 letters, digits, '-', '_', '.' or '~', got " +
             it->dump(-1, ' ', false, json::error_handler_t::replace);
    }
  }
  for (const auto& [key, value] : arguments.items()) {
    const auto params = tool.parameters();
    if (std::none_of(params.begin(), params.end(),
                     [&](const ToolParam& p) { return p.name == key; })) {
      return "unknown argument \"" + key + "\": " + std::string(tool.name) + " takes " +
             names_of(tool);
    }
  }
  return {};
}

json request_body(const ToolContract& tool, const json& args) {
  if (tool.name == "agentwork_approve_solution") {
    if (args["approved"].get<bool>()) return {{"status", "CONFIRMED"}};
    json body = {{"status", "REJECTED"}};
    if (args.contains("rejection_reason")) body["rejection_reason"] = args["rejection_reason"];
    return body;
  }
  if (tool.name == "agentwork_cancel_task") return json::object();
  json body = json::object();
  for (const auto& p : tool.parameters()) {
    if (p.name != "task_id" && args.contains(p.name)) body[std::string(p.name)] = args[p.name];
  }
  return body;
}

std::string quoted_body(const std::string& body) {
  if (body.size() <= kMaxQuotedBody) return body;
  return body.substr(0, kMaxQuotedBody) + "... (" + std::to_string(body.size()) + " bytes)";
}

std::string api_error_text(const RestRequest& request, const RestOutcome& outcome) {
  const json body = parse_json_bounded(outcome.body);
  std::string detail;
  if (body.is_object() && body.contains("detail")) {
    const auto& d = body["detail"];
    detail = d.is_string() ? d.get<std::string>()
                           : d.dump(-1, ' ', false, json::error_handler_t::replace);
  } else {
    detail = outcome.body.empty() ? "(empty body)" : quoted_body(outcome.body);
  }
  std::string text = "HTTP " + std::to_string(outcome.status) + " from " + request.method + " " +
                     request.path + ": " + detail;
  if (outcome.status == 401) text += " (check AGENTWORK_API_KEY, or call agentwork_register)";
  return text;
}

}  // namespace

json tool_definition(const ToolContract& tool) {
  const auto& texts = texts_of(tool);
  return {{"name", std::string(tool.name)},
          {"title", std::string(texts.title)},
          {"description", std::string(texts.description)},
          {"inputSchema", input_schema(tool)},
          {"outputSchema", output_schema(tool)},
          {"annotations", annotations(tool)}};
}

json tools_list_result() {
  json tools = json::array();
  for (const auto& t : kTools) tools.push_back(tool_definition(t));
  return {{"tools", std::move(tools)}};
}

bool url_safe_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' ||
                              c == '_' || c == '.' || c == '~';
                     }) &&
         id != "." && id != "..";
}

Mapping rest_request_for(const ToolContract& tool, const json& arguments, const std::string& key) {
  Mapping m;
  if (!arguments.is_object()) {
    m.error = "arguments must be an object";
    return m;
  }
  m.error = argument_error(tool, arguments);
  if (!m.error.empty()) return m;
  std::string path = std::string(kApiPrefix) + std::string(tool.path);
  if (const auto at = path.find("{task_id}"); at != std::string::npos) {
    path.replace(at, 9, arguments["task_id"].get<std::string>());
  }
  const json body = request_body(tool, arguments);
  m.request = RestRequest{std::string(tool.method), std::move(path),
                          tool.method == "GET" ? std::string() : body.dump(),
                          tool.needs_key ? key : std::string()};
  return m;
}

json tool_error(std::string_view text) {
  return {{"content", json::array({{{"type", "text"}, {"text", std::string(text)}}})},
          {"isError", true}};
}

json tool_result(const RestRequest& request, const RestOutcome& outcome) {
  if (outcome.transport_error || outcome.status == 0) {
    return tool_error("the request " + request.method + " " + request.path +
                      " got no answer: " + outcome.message);
  }
  if (outcome.status < 200 || outcome.status > 299) {
    return tool_error(api_error_text(request, outcome));
  }
  json body = parse_json_bounded(outcome.body);
  if (!body.is_object()) {
    return tool_error("HTTP " + std::to_string(outcome.status) + " from " + request.method + " " +
                      request.path +
                      " with a body that is not a JSON object: " + quoted_body(outcome.body));
  }
  return {{"content", json::array({{{"type", "text"}, {"text", outcome.body}}})},
          {"structuredContent", std::move(body)}};
}

const ToolContract* tool_for_rest(std::string_view method, std::string_view path) {
  if (const auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  if (path.starts_with(kApiPrefix)) path.remove_prefix(kApiPrefix.size());
  for (const auto& t : kTools) {
    if (t.method != method) continue;
    const auto at = t.path.find("{task_id}");
    if (at == std::string_view::npos) {
      if (path == t.path) return &t;
      continue;
    }
    const auto head = t.path.substr(0, at), tail = t.path.substr(at + 9);
    if (path.size() <= head.size() + tail.size() || !path.starts_with(head) ||
        !path.ends_with(tail)) {
      continue;
    }
    const auto id = path.substr(head.size(), path.size() - head.size() - tail.size());
    if (id.find('/') == std::string_view::npos) return &t;
  }
  return nullptr;
}

}  // namespace agentwork::mcp_server
