// The bundled mock's command line, shared by the agentwork-mock executable and the
// `agentwork mock` subcommand: one options struct, the flags that fill it, and the run.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "mock_server/mock_server.hpp"

namespace agentwork::mock {

struct MockCliOptions {
  MockConfig mock;
  ServerOptions server;
  std::vector<std::string> user_specs;
  std::string users_file;
  std::string faults_file;
  std::string script_file;
  std::vector<std::string> named_scripts;  // NAME=FILE
  std::optional<double> stall_rate;        // --stall-rate, checked against --deployment-like
  std::string port_file;
  std::string log = "quiet";
  long long idle_timeout_ms = 30000;
  long long request_timeout_ms = 30000;
  long long head_timeout_ms = 10000;
  long long evict_after_ms = 1000;
  bool no_evict = false;
  long long max_store_mb = 2048;
  MockCliOptions() { server.port = 8080; }
};

// Adds every flag of the mock to `cli`, with the defaults of `o` shown in --help.
void add_mock_options(CLI::App& cli, MockCliOptions& o);
inline constexpr const char* kMockExitCodes =
    "Exit codes: 0 stopped by SIGINT/SIGTERM; 1 could not start (e.g. port in use);\n"
    "2 bad arguments or input files.";
// Loads the files the flags name, starts the mock and serves until SIGINT/SIGTERM.
// Returns the exit code: 0 stopped, 1 could not start, 2 bad input files or flags that do not go
// together (--deployment-like with --control, ...). `name` prefixes messages.
int run_mock(MockCliOptions& o, const std::string& name);

}  // namespace agentwork::mock
