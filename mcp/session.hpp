// One MCP session over the Agentwork API: fed one input line at a time (a JSON-RPC message,
// without its newline), it answers with the lines to write (none or one; a breach may add one)
// and calls the REST API through a synchronous Backend. Pure: no I/O of its own, no Asio.
//
// Choices where the spec leaves room (README "MCP"):
// - Before `initialize`, only `initialize` and `ping` are served; other requests get -32600
//   ("the session is not initialized"). Requests between the initialize answer and
//   `notifications/initialized` are served (the client SHOULD NOT send them; nothing breaks).
//   A second `initialize` gets -32600.
// - Notifications are never answered, whatever they hold; `notifications/cancelled` is ignored
//   (one request at a time: a request is answered before the next line is read).
// - Messages from the client with result or error (responses) are ignored: we send no requests.
// - Empty and blank lines are skipped without an answer (they hold no message).
// - The call's structure (params not an object, no tool name, arguments not an object, an
//   unknown tool) is a protocol error, -32602. The arguments' values (a missing required one, a
//   wrong JSON type, an argument the tool does not take, a task_id that is not URL-safe) give a
//   tool result with isError true naming the argument, as the spec's tools page advises.
// - Without an API key, every tool but agentwork_register answers isError. After a successful
//   agentwork_register in a session started without a key, the session adopts the new key.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/version.hpp"
#include "mcp/breaches.hpp"
#include "mcp/jsonrpc.hpp"
#include "mcp/tools.hpp"

namespace agentwork::mcp_server {

// The REST API, synchronously: one request, its outcome. Never throws.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual RestOutcome send(const RestRequest& request) = 0;
};

struct SessionOptions {
  std::string api_key;  // AGENTWORK_API_KEY; empty: none (agentwork_register can provide one)
  std::string server_name = "agentwork-mcp";
  std::string server_version = std::string(agentwork::version());
  McpViolator violator;  // the breaches to apply (--violate); empty: an honest server
};

class McpSession {
 public:
  McpSession(Backend& backend, SessionOptions options);

  // The lines to write for one input line (without its newline; a trailing '\r' is ignored).
  std::vector<std::string> handle_line(std::string_view line);
  // The answer to a line longer than the limit, which was skipped unread: -32600, id null.
  std::vector<std::string> oversized_line(std::size_t limit, std::size_t line_number);

  bool initialized() const { return initialized_; }
  const std::string& negotiated_version() const { return version_; }
  const std::string& api_key() const { return options_.api_key; }

 private:
  json answer(const Message& m);  // a response message for a request
  json initialize(const Message& m);
  json call_tool(const Message& m);
  json run_tool(const ToolContract& tool, const json& arguments);
  std::vector<std::string> lines_of(json message) const;

  Backend& backend_;
  SessionOptions options_;
  bool initialized_ = false;
  std::string version_;
};

}  // namespace agentwork::mcp_server
