// agentwork-mcp: the Agentwork API as MCP tools over stdio (CONTRACT.md section 6). `main` only
// wires the flags to mcp/server_main.
#include <iostream>

#include <CLI/CLI.hpp>

#include "common/version.hpp"
#include "mcp/server_main.hpp"
#include "mcp/stdio_server.hpp"

int main(int argc, char** argv) {
  using namespace agentwork::mcp_server;
  CLI::App cli{
      "agentwork-mcp: the Agentwork API as eight MCP tools (agentwork_register, "
      "agentwork_create_task, ...) over stdio: JSON-RPC on stdin/stdout, logs on stderr."};
  std::string version = agentwork::version_text("agentwork-mcp");
  version.pop_back();  // CLI11 ends the line
  cli.set_version_flag("--version", version);
  McpServerConfig config;
  add_mcp_server_options(cli, config, /*with_base_url=*/true);
  try {
    cli.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version: printed on stdout, before serving
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    cli.exit(e);
    return 2;
  }
  // From here on stdout is JSON-RPC only: anything else printed goes to stderr.
  const int out = claim_stdout();
  if (out < 0) {
    std::cerr << "agentwork-mcp: cannot set stdout aside for JSON-RPC\n";
    return 1;
  }
  return run_mcp_server(std::move(config), out, "agentwork-mcp");
}
