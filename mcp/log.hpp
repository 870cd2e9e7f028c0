// The MCP server's log: stderr only (stdout carries JSON-RPC and nothing else), one line per
// entry, "agentwork-mcp: LEVEL: text".
#pragma once

#include <optional>
#include <string_view>

namespace agentwork::mcp_server {

enum class LogLevel { quiet, error, warn, info, debug };

// nullopt for a name that is not quiet, error, warn, info or debug.
std::optional<LogLevel> parse_log_level(std::string_view name);
void set_log_level(LogLevel level);
void log(LogLevel level, std::string_view text);

}  // namespace agentwork::mcp_server
