// `agentwork mcp-server`: the MCP server of mcp/ (the same stdio session as agentwork-mcp) in
// front of a target: the bundled mock in-process (--target mock, an offline stand-in) or a
// deployment's URL.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace agentwork::harness {

// Adds the command's flags to `cmd`; the function returned serves stdio until stdin closes and
// returns the exit code.
std::function<int()> add_mcp_server_command(CLI::App& cmd);

}  // namespace agentwork::harness
