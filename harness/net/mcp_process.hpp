// An MCP server as a child process speaking newline-delimited JSON-RPC over its stdio, as the
// harness's `--via mcp` drives it: started without a shell (fork, execvp, three pipes), its
// stdout read line by line with a bound on the line length, each request answered within a
// timeout, its stderr kept (the last lines) for the report, and the child always killed and
// reaped (stop(), the destructor). Knows JSON-RPC only as far as matching a response to its id;
// judging what the server writes is the MCP checks' job (harness/checks/mcp_checks.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/net/http_client.hpp"

namespace agentwork::harness {

// "CMD ARG 'two words' \"x\\\"y\"" -> argv. Whitespace separates words; single quotes keep
// everything literally; double quotes keep everything but \" and \\; a backslash outside quotes
// escapes the next character. nullopt with `error` for an unterminated quote or an empty command.
std::optional<std::vector<std::string>> split_command(std::string_view command, std::string& error);

struct McpLaunch {
  std::vector<std::string> argv;                         // argv[0] is looked up in PATH
  std::vector<std::pair<std::string, std::string>> env;  // set (or, with an empty value, unset)
  std::size_t max_line_bytes = 4 * 1024 * 1024;          // a longer stdout line is a failure
  std::size_t stderr_lines_kept = 20;
};

// One request's exchange as the client saw it.
struct McpExchange {
  enum class Failure { none, not_running, write, died, timeout, too_long };
  Failure failure = Failure::none;
  std::string request_line;        // as written, without the newline
  std::vector<std::string> lines;  // every stdout line read while waiting, the response last
  nlohmann::json response;         // the response to this request (null when none came)
  std::chrono::microseconds elapsed{0};
  bool ok() const { return failure == Failure::none; }
};
std::string_view to_string(McpExchange::Failure f);

class McpProcess {
 public:
  McpProcess(Executor executor, McpLaunch launch);
  ~McpProcess();  // stop()
  McpProcess(const McpProcess&) = delete;
  McpProcess& operator=(const McpProcess&) = delete;

  // Starts the child; false with `error` ("cannot run X: No such file or directory").
  bool start(std::string& error);
  // Sends a request with a fresh integer id and reads stdout until a response whose id matches
  // (an id of another JSON type but the same value matches too: the checks judge it), the
  // timeout, a line over the bound, or the end of stdout.
  Awaitable<McpExchange> request(std::string method, nlohmann::json params,
                                 std::chrono::milliseconds timeout);
  // A notification (no answer is read).
  void notify(const std::string& method, const nlohmann::json& params);
  // Closes stdin, waits briefly for the child to exit, then kills it; always reaps it.
  void stop();
  bool running() const { return pid_ > 0; }
  // The last lines the child wrote to stderr, oldest first, and how it ended ("exit 3",
  // "signal 9"; empty while running).
  std::vector<std::string> stderr_tail() const;
  std::string how_it_ended() const { return ended_; }

  struct Pipes;  // the child's stdio, shared with the stderr reader

 private:
  Awaitable<McpExchange::Failure> read_line(std::string& line, std::chrono::milliseconds left);
  void reap(bool wait);

  Executor executor_;
  McpLaunch launch_;
  int pid_ = -1;
  std::string ended_;
  std::shared_ptr<Pipes> pipes_;
  long long next_id_ = 1;
};

}  // namespace agentwork::harness
