#include "harness/cli/mcp_command.hpp"

#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <variant>

#include "harness/cli/target.hpp"
#include "mcp/server_main.hpp"
#include "mcp/stdio_server.hpp"

namespace agentwork::harness {
namespace {

constexpr const char* kProgram = "agentwork mcp-server";

struct McpCommandOptions {
  std::string target = "mock";
  std::uint64_t seed = 42;
  double time_scale = 1.0;
  mcp_server::McpServerConfig server;
};

int fail(int code, const std::string& message) {
  std::cerr << kProgram << ": " << message << "\n";
  return code;
}

int run(McpCommandOptions o) {
  // Before the mock starts: whatever it (or anything else) prints goes to stderr.
  const int out = mcp_server::claim_stdout();
  if (out < 0) return fail(1, "cannot set stdout aside for JSON-RPC");
  if (const auto error = mcp_server::check_mcp_settings(o.server); !error.empty())
    return fail(2, error);
  if (o.time_scale <= 0) return fail(2, "--time-scale: expected a factor > 0");
  TargetRequest request;
  request.command = "mcp-server";
  request.target = o.target;
  request.mock.seed = o.seed;
  request.mock.time_scale = o.time_scale;
  request.http = http_options(o.server.request_timeout_s, o.server.ca_file, o.server.insecure, 1);
  auto resolved = resolve_target(request);
  if (const auto* error = std::get_if<TargetError>(&resolved)) {
    return fail(error->exit_code, error->message);
  }
  auto& target = std::get<Target>(resolved);
  std::cerr << kProgram << ": target " << target.label << "\n";
  o.server.base_url = target.base_url;
  const int code = mcp_server::run_mcp_server(std::move(o.server), out, kProgram);
  target.stop();
  return code;
}

}  // namespace

std::function<int()> add_mcp_server_command(CLI::App& cmd) {
  auto o = std::make_shared<McpCommandOptions>();
  cmd.add_option("--target", o->target,
                 "mock: the bundled mock in-process (offline; its logs on stderr), or a "
                 "deployment's http(s)://host[:port]")
      ->capture_default_str();
  cmd.add_option("--seed", o->seed, "With --target mock: the seed of its default agents")
      ->capture_default_str();
  cmd.add_option("--time-scale", o->time_scale,
                 "With --target mock: multiplies every agent duration (0.01: a task in seconds)")
      ->capture_default_str();
  mcp_server::add_mcp_server_options(cmd, o->server, /*with_base_url=*/false);
  cmd.footer(
      "\nThe API key comes from $AGENTWORK_API_KEY; without one, only agentwork_register works,\n"
      "and its new key is used for the rest of the session. stdout carries JSON-RPC only.\n"
      "Exit codes: 0 stdin closed; 2 bad usage (an unknown --violate rule, an unreadable\n"
      "--ca-file, a malformed --target); 3 the target is unreachable or the mock cannot start.");
  return [o] { return run(*o); };
}

}  // namespace agentwork::harness
