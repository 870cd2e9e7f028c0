#include "mcp/server_main.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <stdexcept>

#include "mcp/breaches.hpp"
#include "mcp/http_backend.hpp"
#include "mcp/log.hpp"
#include "mcp/session.hpp"
#include "mcp/stdio_server.hpp"

namespace agentwork::mcp_server {
namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

std::string joined(std::span<const std::string_view> ids) {
  std::string out;
  for (const auto id : ids) out += (out.empty() ? "" : ", ") + std::string(id);
  return out;
}

int usage_error(const std::string& program, const std::string& message) {
  std::cerr << program << ": " << message << "\n";
  return 2;
}

}  // namespace

void add_mcp_server_options(CLI::App& cli, McpServerConfig& c, bool with_base_url) {
  if (with_base_url) {
    cli.add_option("--base-url", c.base_url,
                   "The Agentwork deployment, http(s)://host[:port] (default: "
                   "$AGENTWORK_BASE_URL; one of them is required)");
  }
  cli.add_flag("--insecure", c.insecure, "Do not verify the server's TLS certificate");
  cli.add_option("--ca-file", c.ca_file, "Extra PEM trust anchors for HTTPS");
  cli.add_option("--request-timeout", c.request_timeout_s,
                 "Seconds one REST request may take, retries included")
      ->capture_default_str();
  cli.add_option("--violate", c.violations,
                 "Break this MCP rule on purpose (repeatable; to prove the MCP checks catch it): " +
                     joined(mcp_violatable_rules()));
  cli.add_option("--log-level", c.log_level, "quiet, error, warn, info or debug (stderr only)")
      ->capture_default_str();
  cli.add_option("--max-line", c.max_line_bytes,
                 "Longest input line in bytes; a longer one is answered -32600 and skipped")
      ->capture_default_str();
  cli.footer(
      "\nThe API key comes from $AGENTWORK_API_KEY; without one, only agentwork_register works,\n"
      "and its new key is used for the rest of the session. stdout carries JSON-RPC only.\n"
      "Exit codes: 0 stdin closed; 2 bad usage (a missing or malformed base URL, an unknown\n"
      "--violate rule, an unreadable --ca-file).");
}

std::string check_mcp_settings(const McpServerConfig& c) {
  McpViolator probe;
  for (const auto& id : c.violations) {
    if (!probe.enable(id)) {
      return "--violate: " + id + " is not an MCP rule; one of: " + joined(mcp_violatable_rules());
    }
  }
  if (!parse_log_level(c.log_level)) {
    return "--log-level: expected quiet, error, warn, info or debug, got \"" + c.log_level + "\"";
  }
  if (!(c.request_timeout_s > 0)) return "--request-timeout: expected seconds > 0";
  if (c.max_line_bytes < 1024) return "--max-line: expected at least 1024 bytes";
  return {};
}

int run_mcp_server(McpServerConfig c, int stdout_fd, const std::string& program) {
  if (c.base_url.empty()) c.base_url = env("AGENTWORK_BASE_URL");
  if (c.api_key.empty()) c.api_key = env("AGENTWORK_API_KEY");
  if (const auto error = check_mcp_settings(c); !error.empty()) return usage_error(program, error);
  if (c.base_url.empty()) {
    return usage_error(program,
                       "no base URL: set AGENTWORK_BASE_URL or pass --base-url "
                       "(http(s)://host[:port])");
  }
  if (const auto error = base_url_error(c.base_url); !error.empty()) {
    return usage_error(program, "base URL \"" + c.base_url +
                                    "\" (--base-url or "
                                    "AGENTWORK_BASE_URL): " +
                                    error);
  }
  set_log_level(*parse_log_level(c.log_level));
  SessionOptions options;
  options.api_key = c.api_key;
  for (const auto& id : c.violations) options.violator.enable(id);
  try {
    HttpBackend backend(c.base_url, {c.request_timeout_s, c.insecure, c.ca_file});
    McpSession session(backend, std::move(options));
    log(LogLevel::info,
        "serving MCP on stdio for " + c.base_url + (c.api_key.empty() ? " (no API key yet)" : ""));
    return serve_stdio(session, STDIN_FILENO, stdout_fd, c.max_line_bytes);
  } catch (const std::runtime_error& e) {
    return usage_error(program, std::string("--ca-file: ") + e.what());
  }
}

}  // namespace agentwork::mcp_server
