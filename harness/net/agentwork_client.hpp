// A typed client for every endpoint of spec/CONTRACT.md over the harness's HttpClient. Each
// call returns the raw exchange (for evidence and contract checks) with the body parsed as
// JSON when it is JSON; typed views of the bodies the runner reads are parsed on demand.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/net/http_client.hpp"

namespace agentwork::harness {

// Something an MCP tool route saw that the runner reports as a finding (an MCP rule, S.mcp.*).
struct RouteNote {
  std::string rule;
  std::string detail;
};

struct ApiCall {
  HttpExchange exchange;
  std::string path;     // as asked, under the base URL ("/api/v1/tasks/ID")
  std::string request_body;  // as sent; empty without a body
  nlohmann::json json;  // the parsed body; discarded when the body is not JSON
  // With a tool route only (--via mcp): "mcp" (a tools/call; `exchange` is its REST equivalent:
  // the status the result stands for, its structuredContent as the body) or "rest", and why.
  std::string via;
  std::string via_reason;
  std::vector<RouteNote> notes;  // the route's findings since its last call
  bool is_json() const { return !json.is_discarded(); }
  int status() const { return exchange.status; }
};

// How a raw request authenticates.
enum class Auth { key, none, invalid };

// Another way to the API for the calls that have a tool: an MCP server's tools/call
// (harness/runner/mcp_route.hpp). The client keeps REST for everything else.
class ToolRoute {
 public:
  virtual ~ToolRoute() = default;
  // nullopt: the server does not list `tool` (the call then goes over REST).
  virtual Awaitable<std::optional<ApiCall>> call_tool(std::string tool, nlohmann::json arguments,
                                                      std::string method, std::string path,
                                                      int success_status) = 0;
  // The account's key changed (registered): later calls use a server started with it.
  virtual void set_api_key(const std::string& key) = 0;
  // Starts the server now (not at the next call), so that its start-up does not delay a step.
  virtual Awaitable<void> start() = 0;
  virtual std::vector<RouteNote> take_notes() = 0;
};

class AgentworkClient {
 public:
  // base_url: "https://host[:port]" (paths are appended under /api/v1).
  AgentworkClient(HttpClient& http, std::string base_url, std::string api_key = "");

  void set_api_key(std::string key) {
    if (route_) route_->set_api_key(key);
    api_key_ = std::move(key);
  }
  // Calls with a tool go through `route` (null: all over REST, and ApiCall::via stays empty).
  void set_tool_route(std::shared_ptr<ToolRoute> route) { route_ = std::move(route); }
  const std::shared_ptr<ToolRoute>& tool_route() const { return route_; }
  // The route's start() (nothing without a route): after a key is set, before the next step.
  Awaitable<void> start_route();
  const std::string& api_key() const { return api_key_; }
  const std::string& base_url() const { return base_url_; }

  Awaitable<ApiCall> register_user(const std::string& email, const std::string& name,
                                   const std::optional<std::string>& organization_name = {});
  Awaitable<ApiCall> exchange_password(const std::string& email, const std::string& password,
                                       const std::optional<std::string>& key_name = {});
  // `mock_script`: the bundled mock's agent script for this task (null: none is sent).
  Awaitable<ApiCall> create_task(const std::string& title, const std::string& description,
                                 const nlohmann::json& mock_script = nullptr);
  Awaitable<ApiCall> list_tasks();
  Awaitable<ApiCall> task_status(const std::string& task_id);
  // body: {"message": ...}, {"content": ...} and/or {"answers": [...]}
  Awaitable<ApiCall> send_message(const std::string& task_id, const nlohmann::json& body);
  Awaitable<ApiCall> approve(const std::string& task_id);
  Awaitable<ApiCall> reject(const std::string& task_id, const std::string& reason);
  Awaitable<ApiCall> events(const std::string& task_id);
  Awaitable<ApiCall> cancel(const std::string& task_id);
  Awaitable<ApiCall> result(const std::string& task_id);
  // GET of an absolute download_url (no key: the URL is the credential).
  Awaitable<ApiCall> download(const std::string& url);
  // Any request under /api/v1 (negative cases): `raw_body` is sent as is.
  Awaitable<ApiCall> raw(const std::string& method, const std::string& path,
                         const std::optional<std::string>& raw_body, Auth auth);

 private:
  Awaitable<ApiCall> call(std::string method, std::string path, std::optional<std::string> body,
                          Auth auth);
  // Through the route's tool when there is one (and it lists the tool), else over REST.
  Awaitable<ApiCall> routed(std::string tool, nlohmann::json arguments, std::string method,
                            std::string path, std::optional<std::string> body, Auth auth,
                            int success_status);
  // Over REST; with a route, the call records why.
  Awaitable<ApiCall> rest(std::string reason, std::string method, std::string path,
                          std::optional<std::string> body, Auth auth);

  HttpClient& http_;
  std::string base_url_;
  std::string api_key_;
  std::shared_ptr<ToolRoute> route_;
};

// The fields of a status response the runner acts on; nullopt when they are not there
// (the contract checks say why).
struct QuestionView {
  std::string message_id;
  std::string type;                                    // CLARIFYING_QUESTIONS or TO_CUSTOMER
  std::string content;                                 // the raw content string
  nlohmann::json questions = nlohmann::json::array();  // parsed, for CLARIFYING_QUESTIONS
};
struct StatusView {
  std::string task_id;
  std::string status;
  std::string last_activity_at;
  std::optional<QuestionView> question;
  std::optional<std::string> solution_message_id;
  std::string solution_content;
};
std::optional<StatusView> status_view(const nlohmann::json& body);

// Structured answers to the view's clarifying questions, one per question: the first option of
// a single_select, a list of the first option for a multi_select, `text` for anything else.
nlohmann::json auto_answers(const StatusView& v, const std::string& text);

}  // namespace agentwork::harness
