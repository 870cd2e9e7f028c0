// What agentwork-mcp and `agentwork mcp-server` share: the settings (one struct, defaults shown
// by --help), their flags, and running the stdio server with them. The only copy of the stdio
// session wiring.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "mcp/line_reader.hpp"

namespace agentwork::mcp_server {

struct McpServerConfig {
  std::string base_url;  // --base-url, else AGENTWORK_BASE_URL
  std::string api_key;   // AGENTWORK_API_KEY (never a flag: keys do not belong in ps output)
  bool insecure = false;
  std::string ca_file;
  double request_timeout_s = 30;
  std::vector<std::string> violations;
  std::string log_level = "info";
  std::size_t max_line_bytes = LineReader::kDefaultMaxLine;
};

// The flags of both commands; with_base_url false for `agentwork mcp-server` (it has --target).
void add_mcp_server_options(CLI::App& cli, McpServerConfig& config, bool with_base_url);

// Checks the settings that do not depend on the base URL (--violate ids, --log-level,
// --request-timeout, --max-line); an empty string when they are fine, else the message (exit 2).
std::string check_mcp_settings(const McpServerConfig& config);

// Fills base_url and api_key from the environment where the flags left them empty, checks
// everything (a message on stderr and 2 when the base URL is missing or malformed, a --violate
// id is not an MCP rule, the CA file cannot be read), then serves stdio until stdin closes (0).
// `stdout_fd`: where JSON-RPC goes (claim_stdout(), done by the caller before anything else
// may print).
int run_mcp_server(McpServerConfig config, int stdout_fd, const std::string& program);

}  // namespace agentwork::mcp_server
