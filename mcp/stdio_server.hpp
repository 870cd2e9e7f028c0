// The stdio transport: newline-delimited JSON-RPC on stdin, answers on stdout, logs on stderr.
// One request at a time: a line is answered (its REST call included) before the next is read.
#pragma once

#include <cstddef>

#include "mcp/line_reader.hpp"
#include "mcp/session.hpp"

namespace agentwork::mcp_server {

// Keeps the real stdout for JSON-RPC and points file descriptor 1 (std::cout, printf, any
// library's output) at stderr, so that nothing but our lines can reach the client. Returns the
// descriptor to write JSON-RPC lines to; -1 (and stdout left alone) when dup fails.
int claim_stdout();

// Serves the session until stdin ends (returns 0) or stdout is gone (returns 0 too: the client
// left). Each answer is written whole, newline-terminated, before the next line is read.
int serve_stdio(McpSession& session, int in_fd, int out_fd,
                std::size_t max_line = LineReader::kDefaultMaxLine);

}  // namespace agentwork::mcp_server
