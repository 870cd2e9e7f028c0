#include "mcp/breaches.hpp"

#include <algorithm>
#include <array>

#include "common/rules.hpp"

namespace agentwork::mcp_server {
namespace {

// G.mcp.tools: the last tool (agentwork_cancel_task) is not listed.
void drop_a_tool(json& result) {
  if (result.contains("tools") && result["tools"].is_array() && !result["tools"].empty()) {
    result["tools"].erase(result["tools"].size() - 1);
  }
}

// M.mcp.schemas: the first tool's inputSchema says nothing of its type.
void untyped_schema(json& result) {
  if (!result.contains("tools") || !result["tools"].is_array() || result["tools"].empty()) return;
  auto& tool = result["tools"][0];
  if (tool.contains("inputSchema") && tool["inputSchema"].is_object()) {
    tool["inputSchema"].erase("type");
  }
}

// M.mcp.handshake: an old version whatever the client asked for.
void old_version(json& result) {
  result["protocolVersion"] = "2024-11-05";
}

// M.mcp.jsonrpc: an integer id echoed as a string.
void id_as_string(json& message) {
  if (message.contains("id") && message["id"].is_number_integer()) {
    message["id"] = std::to_string(message["id"].get<long long>());
  }
}

// M.mcp.stdout: a log line on stdout before every answer.
void banner_on_stdout(std::vector<std::string>& lines) {
  if (!lines.empty()) lines.insert(lines.begin(), "agentwork-mcp: answering");
}

// M.mcp.is_error: an API error passed on as a successful result.
void error_as_success(json& result, const RestOutcome& outcome) {
  if (outcome.status < 400) return;
  result = {{"content", json::array({{{"type", "text"}, {"text", outcome.body}}})}};
}

// M.mcp.structured: structuredContent wrapped in another object, unlike the text.
void wrapped_structured(json& result, const RestOutcome&) {
  if (result.contains("structuredContent")) {
    result["structuredContent"] = {{"result", result["structuredContent"]}};
  }
}

constexpr auto kMcpBreaches = std::to_array<McpBreach>({
    {.rule = "G.mcp.tools", .on_tools_list = drop_a_tool},
    {.rule = "M.mcp.schemas", .on_tools_list = untyped_schema},
    {.rule = "M.mcp.handshake", .on_initialize = old_version},
    {.rule = "M.mcp.jsonrpc", .on_response = id_as_string},
    {.rule = "M.mcp.stdout", .on_output = banner_on_stdout},
    {.rule = "M.mcp.is_error", .on_tool_result = error_as_success},
    {.rule = "M.mcp.structured", .on_tool_result = wrapped_structured},
});

constexpr std::size_t rows_for(std::string_view rule) {
  std::size_t n = 0;
  for (const auto& b : kMcpBreaches) n += b.rule == rule ? 1 : 0;
  return n;
}

// The catalogue's MCP rules and these rows name the same rules, each once: an MCP rule without
// a breach (or a breach of no MCP rule) does not compile.
constexpr bool one_breach_per_mcp_rule() {
  for (const auto& rule : mcp_rules()) {
    if (rows_for(rule.id) != 1) return false;
  }
  return kMcpBreaches.size() == mcp_rules().size();
}
static_assert(one_breach_per_mcp_rule(),
              "every MCP rule (Checker::mcp) of common/rules.hpp needs exactly one row in "
              "kMcpBreaches, and every row names an MCP rule");

constexpr bool every_breach_does_something() {
  return std::all_of(kMcpBreaches.begin(), kMcpBreaches.end(), [](const McpBreach& b) {
    return b.on_initialize || b.on_tools_list || b.on_tool_result || b.on_response || b.on_output;
  });
}
static_assert(every_breach_does_something(), "a breach row without a hook breaks nothing");

constexpr auto breakable_ids() {
  std::array<std::string_view, mcp_rules().size()> ids{};
  std::size_t n = 0;
  for (const auto& rule : mcp_rules()) ids[n++] = rule.id;
  return ids;
}
constexpr auto kBreakable = breakable_ids();

}  // namespace

std::span<const std::string_view> mcp_violatable_rules() {
  return kBreakable;
}

bool McpViolator::enable(std::string_view rule_id) {
  const auto it = std::find_if(kMcpBreaches.begin(), kMcpBreaches.end(),
                               [&](const McpBreach& b) { return b.rule == rule_id; });
  if (it == kMcpBreaches.end()) return false;
  if (std::find(on_.begin(), on_.end(), &*it) == on_.end()) {
    on_.push_back(&*it);
    std::sort(on_.begin(), on_.end());  // rows of one array: table order
  }
  return true;
}

void McpViolator::initialize(json& result) const {
  for (const auto* b : on_) {
    if (b->on_initialize) b->on_initialize(result);
  }
}

void McpViolator::tools_list(json& result) const {
  for (const auto* b : on_) {
    if (b->on_tools_list) b->on_tools_list(result);
  }
}

void McpViolator::tool_result(json& result, const RestOutcome& outcome) const {
  for (const auto* b : on_) {
    if (b->on_tool_result) b->on_tool_result(result, outcome);
  }
}

void McpViolator::response(json& message) const {
  for (const auto* b : on_) {
    if (b->on_response) b->on_response(message);
  }
}

void McpViolator::output(std::vector<std::string>& lines) const {
  for (const auto* b : on_) {
    if (b->on_output) b->on_output(lines);
  }
}

}  // namespace agentwork::mcp_server
