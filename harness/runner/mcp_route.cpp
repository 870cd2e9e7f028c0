#include "harness/runner/mcp_route.hpp"
#include "common/json_depth.hpp"

#include <regex>

#include "common/mcp_tools.hpp"
#include "harness/checks/mcp_checks.hpp"

namespace agentwork::harness {

using nlohmann::json;

namespace {

constexpr std::string_view kProcessRule = "S.mcp.process";
// A task id no deployment has: the probe's GET must come back as an API error (404).
constexpr std::string_view kUnknownTask = "00000000-0000-4000-8000-00000000dead";

ErrorClass error_class(McpExchange::Failure f) {
  switch (f) {
    case McpExchange::Failure::timeout:
      return ErrorClass::timeout;
    case McpExchange::Failure::too_long:
      return ErrorClass::too_large;
    default:
      return ErrorClass::read;
  }
}

std::vector<std::string> text_items(const json& result) {
  std::vector<std::string> out;
  const json content = result.is_object() ? result.value("content", json()) : json();
  if (!content.is_array()) return out;
  for (const auto& item : content) {
    if (item.is_object() && item.value("type", json()) == "text" &&
        item.value("text", json()).is_string()) {
      out.push_back(item["text"].get<std::string>());
    }
  }
  return out;
}

// The HTTP status an isError text names ("HTTP 404 from GET ...: Task not found") and the detail
// after it; status 0 when it names none.
std::pair<int, std::string> named_status(const std::string& text) {
  static const std::regex http(R"(HTTP ([1-5][0-9][0-9]))");
  static const std::regex bare(R"(\b([45][0-9][0-9])\b)");
  std::smatch m;
  if (!std::regex_search(text, m, http) && !std::regex_search(text, m, bare)) return {0, text};
  const auto after = static_cast<std::size_t>(m.position(0) + m.length(0));
  const auto colon = text.find(": ", after);
  return {std::stoi(m[1].str()), colon == std::string::npos ? text : text.substr(colon + 2)};
}

}  // namespace

McpRoute::McpRoute(Executor executor, McpRouteConfig config, std::string api_key)
    : executor_(executor), config_(std::move(config)), api_key_(std::move(api_key)) {}

McpRoute::~McpRoute() {
  stop();
}

void McpRoute::stop() {
  if (process_) process_->stop();
  process_.reset();
}

void McpRoute::set_api_key(const std::string& key) {
  if (key == api_key_) return;
  api_key_ = key;
  stop();  // the next call starts a server with the new key
}

Awaitable<void> McpRoute::start() {
  co_await ensure_started();  // its notes come with the next call
}

std::vector<RouteNote> McpRoute::take_notes() {
  return std::exchange(notes_, {});
}

void McpRoute::note(std::string_view rule, std::string detail) {
  notes_.push_back({std::string(rule), std::move(detail)});
}

std::string McpRoute::stderr_brief() const {
  if (!process_) return {};
  const auto tail = process_->stderr_tail();
  std::string out;
  for (std::size_t i = tail.size() > 3 ? tail.size() - 3 : 0; i < tail.size(); ++i) {
    out += (out.empty() ? "" : " | ") + tail[i];
  }
  return out.empty() ? "" : "; its stderr ends: " + out;
}

void McpRoute::check_lines(const McpExchange& x) {
  std::vector<std::string> messages;
  for (const auto& line : x.lines) {
    for (auto& f : check_stdout_line(line)) note(f.rule_id, std::move(f.detail));
    if (parse_json_bounded(line).is_object()) messages.push_back(line);
  }
  if (!x.ok()) return;
  for (auto& f : check_exchange(x.request_line, messages)) note(f.rule_id, std::move(f.detail));
}

Awaitable<void> McpRoute::handshake() {
  const json params = {{"protocolVersion", std::string(mcp_contract::kProtocolVersions[0])},
                       {"capabilities", json::object()},
                       {"clientInfo", {{"name", "agentwork-harness"}, {"version", "0.1"}}}};
  McpExchange init = co_await process_->request("initialize", params, config_.call_timeout);
  check_lines(init);
  if (!init.ok()) {
    note(kProcessRule, "initialize: " + std::string(to_string(init.failure)) + stderr_brief());
    co_return;
  }
  for (auto& f : check_initialize(params, init.response)) note(f.rule_id, std::move(f.detail));
  process_->notify("notifications/initialized", json::object());
  McpExchange list = co_await process_->request("tools/list", json::object(), config_.call_timeout);
  check_lines(list);
  const json result = list.response.is_object() ? list.response.value("result", json()) : json();
  if (!list.ok() || !result.is_object()) {
    note("G.mcp.tools",
         "tools/list: " + (list.ok() ? "no result" : std::string(to_string(list.failure))));
    co_return;
  }
  for (auto& f : check_tools_list(result)) note(f.rule_id, std::move(f.detail));
  listed_.clear();
  for (const auto& tool : result.value("tools", json::array())) {
    if (tool.is_object() && tool.value("name", json()).is_string()) {
      listed_.insert(tool["name"].get<std::string>());
    }
  }
  handshaken_ = true;
}

Awaitable<void> McpRoute::probe_is_error() {
  const json params = {{"name", "agentwork_get_task_status"},
                       {"arguments", {{"task_id", std::string(kUnknownTask)}}}};
  McpExchange x = co_await process_->request("tools/call", params, config_.call_timeout);
  check_lines(x);
  const json result = x.response.is_object() ? x.response.value("result", json()) : json();
  if (!x.ok() || !result.is_object()) co_return;
  for (auto& f : check_tool_result_seen(result)) note(f.rule_id, std::move(f.detail));
  if (result.value("isError", json()) != true) {
    note("M.mcp.is_error",
         "agentwork_get_task_status of an unknown task (the API answers 404) "
         "came back without isError: " +
             result.dump().substr(0, 200));
  }
}

Awaitable<bool> McpRoute::ensure_started() {
  if (process_ && process_->running() && handshaken_) co_return true;
  if (failed_start_) co_return false;
  stop();
  McpLaunch launch;
  launch.argv = config_.argv;
  launch.env = {{"AGENTWORK_BASE_URL", config_.base_url}, {"AGENTWORK_API_KEY", api_key_}};
  process_ = std::make_unique<McpProcess>(executor_, std::move(launch));
  std::string error;
  if (!process_->start(error)) {
    note(kProcessRule, "the MCP server could not be started: " + error);
    failed_start_ = true;
    co_return false;
  }
  handshaken_ = false;
  co_await handshake();
  // The probe needs a key: without one a server may refuse by itself, naming no HTTP status.
  if (handshaken_ && !probed_ && !api_key_.empty() &&
      listed_.contains("agentwork_get_task_status")) {
    probed_ = true;
    co_await probe_is_error();
  }
  co_return handshaken_ && process_->running();
}

ApiCall McpRoute::to_api_call(const McpExchange& x, const json& arguments,
                              const std::string& method, const std::string& path,
                              int success_status) {
  ApiCall c;
  c.via = "mcp";
  c.path = path;
  c.request_body = arguments.dump();
  c.exchange.method = method;
  c.exchange.url = config_.base_url + "/api/v1" + path;
  c.exchange.attempts = 1;
  c.exchange.total = c.exchange.ttfb = x.elapsed;
  c.json = json(json::value_t::discarded);
  if (!x.ok()) {
    c.exchange.error = error_class(x.failure);
    c.exchange.error_message = "MCP server: " + std::string(to_string(x.failure)) + stderr_brief();
    return c;
  }
  const json& r = x.response;
  if (!r.contains("result") || !r["result"].is_object()) {
    c.exchange.error = ErrorClass::protocol;
    c.exchange.error_message =
        "MCP server: tools/call answered without a result: " + r.dump().substr(0, 300);
    return c;
  }
  const json& result = r["result"];
  for (auto& f : check_tool_result_seen(result)) note(f.rule_id, std::move(f.detail));
  const auto texts = text_items(result);
  c.exchange.headers.emplace_back("Content-Type", "application/json");
  if (result.value("isError", json()) == true) {
    auto [status, detail] = named_status(texts.empty() ? std::string() : texts[0]);
    if (status == 0) {
      c.exchange.error = ErrorClass::protocol;
      c.exchange.error_message = "MCP server: an isError result naming no HTTP status: " + detail;
      return c;
    }
    c.exchange.status = status;
    c.exchange.body = json{{"detail", detail}}.dump();
  } else {
    const json structured = result.value("structuredContent", json());
    c.exchange.status = success_status;
    c.exchange.body = structured.is_object() ? structured.dump()
                      : texts.empty()        ? std::string()
                                             : texts[0];
  }
  c.json = json::parse(c.exchange.body, nullptr, false);
  return c;
}

Awaitable<std::optional<ApiCall>> McpRoute::call_tool(std::string tool, json arguments,
                                                      std::string method, std::string path,
                                                      int success_status) {
  const bool started = co_await ensure_started();
  if (started && !listed_.contains(tool)) co_return std::nullopt;
  const json params = {{"name", tool}, {"arguments", arguments}};
  McpExchange x;
  x.failure = McpExchange::Failure::not_running;
  if (started) x = co_await process_->request("tools/call", params, config_.call_timeout);
  check_lines(x);
  if (started && !x.ok() && *config_.restarts_left > 0) {
    --*config_.restarts_left;
    const std::string ended = process_->how_it_ended();
    note(kProcessRule, "tools/call " + tool + ": " + std::string(to_string(x.failure)) +
                           (ended.empty() ? "" : " (" + ended + ")") + stderr_brief() +
                           "; the server was restarted (once per scenario)");
    stop();
    handshaken_ = false;
    // A read is tried again on the new server; an action is not (it may have happened).
    if (co_await ensure_started(); method == "GET" && process_ && process_->running()) {
      x = co_await process_->request("tools/call", params, config_.call_timeout);
      check_lines(x);
    }
  }
  ApiCall c = to_api_call(x, params, method, path, success_status);
  c.notes = take_notes();
  co_return c;
}

}  // namespace agentwork::harness
