// `--via mcp`: the tool route of one account. It starts the MCP server (harness/net/
// mcp_process.hpp) with AGENTWORK_BASE_URL and the account's AGENTWORK_API_KEY, checks its
// initialize handshake and tools/list (and that an API error comes back as isError: one probe of
// an unknown task), then turns each tools/call into the ApiCall of its REST equivalent, so that
// the runner's contract checks, lifecycle trace and step logic judge it as they judge REST: the
// status the result stands for (success_status without isError, the "HTTP NNN" an isError result
// names) and structuredContent (or the text's JSON) as the body. Everything it sees of the MCP
// rules (harness/checks/mcp_checks.hpp) comes back as notes on the next ApiCall. A server that
// dies is restarted once per scenario (S.mcp.process); one that dies again, hangs past the call
// timeout or writes an overlong line fails the call on the wire (the runner's S.transport).
#pragma once

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "harness/net/agentwork_client.hpp"
#include "harness/net/mcp_process.hpp"

namespace agentwork::harness {

struct McpRouteConfig {
  std::vector<std::string> argv;  // the server's command
  std::string base_url;           // AGENTWORK_BASE_URL
  std::chrono::milliseconds call_timeout{30000};
  // Restarts left after a death, shared by the routes of one scenario (one restart a scenario).
  std::shared_ptr<int> restarts_left = std::make_shared<int>(1);
};

class McpRoute final : public ToolRoute {
 public:
  McpRoute(Executor executor, McpRouteConfig config, std::string api_key);
  ~McpRoute() override;

  Awaitable<std::optional<ApiCall>> call_tool(std::string tool, nlohmann::json arguments,
                                              std::string method, std::string path,
                                              int success_status) override;
  void set_api_key(const std::string& key) override;
  Awaitable<void> start() override;
  std::vector<RouteNote> take_notes() override;
  void stop();

 private:
  // Starts the server if it is not running and shakes hands; false (with a note) if it cannot.
  Awaitable<bool> ensure_started();
  Awaitable<void> handshake();
  Awaitable<void> probe_is_error();
  // Notes on one exchange's stdout lines (M.mcp.stdout, M.mcp.jsonrpc).
  void check_lines(const McpExchange& x);
  void note(std::string_view rule, std::string detail);
  std::string stderr_brief() const;
  ApiCall to_api_call(const McpExchange& x, const nlohmann::json& arguments,
                      const std::string& method, const std::string& path, int success_status);

  Executor executor_;
  McpRouteConfig config_;
  std::string api_key_;
  std::unique_ptr<McpProcess> process_;
  std::set<std::string> listed_;  // tool names tools/list gave
  bool handshaken_ = false;
  bool probed_ = false;
  bool failed_start_ = false;
  std::vector<RouteNote> notes_;
};

}  // namespace agentwork::harness
