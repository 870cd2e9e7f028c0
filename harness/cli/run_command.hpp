// `agentwork run`: the options of a run (one struct, filled by the flags), and the command that
// loads the scenarios, starts the bundled mock when asked, probes the target, runs, prints the
// console report and writes the JSON and JUnit files. No Beast in this header.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "harness/cli/report_files.hpp"

namespace agentwork::harness {

struct RunOptions {
  // scenarios/load holds load profiles, not scenarios: not a default.
  std::vector<std::string> paths{"scenarios/examples", "scenarios/conformance"};
  std::string target = "mock";    // "mock" or "http(s)://host[:port]"
  std::string profile;            // "strict" | "guide"; empty: strict on the mock, guide elsewhere
  std::vector<std::string> tags;  // run scenarios having any of these (none: all)
  std::vector<std::string> exclude_tags;  // skip scenarios having any of these
  std::size_t parallel = 4;
  std::optional<double> poll_interval;  // agent seconds
  std::optional<double> time_scale;     // none: 0.01 on the in-process mock, else 1 (or the mock's)
  std::uint64_t seed = 42;
  std::optional<double> timeout;  // wall seconds per scenario
  double request_timeout = 30;    // wall seconds per request
  ReportFiles reports;            // --report-json, --junit, --markdown, --openmetrics, --html
  std::string api_key;            // or AGENTWORK_API_KEY; empty: register an account per scenario
  std::string ca_file;
  bool insecure = false;
  std::string color = "auto";                // auto | always | never
  std::vector<std::string> mock_violations;  // --target mock only: rules the mock breaks
  std::vector<std::string> thresholds;       // --threshold, agentwork load's language
  std::string account;  // --account EMAIL:PASSWORD (or AGENTWORK_ACCOUNT): a password account
  std::optional<std::size_t> max_tasks;  // --max-tasks: the coverage driver's task budget
  std::string via = "rest";              // --via rest|mcp
  std::string mcp_command;               // --mcp-command "CMD ARGS...": the MCP server (--via mcp)
  double mcp_timeout = 30;               // --mcp-timeout: wall seconds per MCP call
};

inline constexpr const char* kRunExitCodes =
    "Exit codes: 0 all scenarios passed; 1 a conformance failure (or a scenario error);\n"
    "2 bad usage or bad scenario file; 3 target unreachable; 4 a --threshold failed;\n"
    "130 interrupted (Ctrl-C).";

void add_run_options(CLI::App& cmd, RunOptions& o);
// Returns the exit code.
int run_command(const RunOptions& o);

}  // namespace agentwork::harness
