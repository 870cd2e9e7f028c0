// The scenario runner: interprets loaded scenarios against a target (the bundled mock or a live
// deployment), one coroutine per running scenario on one io_context, and turns every exchange
// into contract findings (contract_checks.hpp), every poll into lifecycle findings
// (trace_checker.hpp) and every step into a transcript line. Every task a scenario created that
// is not terminal when the scenario ends (passed, failed, timed out or interrupted) is cancelled.
// No Beast in this header.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/net/http_client.hpp"
#include "harness/result/thresholds.hpp"
#include "harness/result/run_result.hpp"
#include "harness/runner/scenario.hpp"

namespace agentwork::harness {

struct RunnerConfig {
  std::string base_url;  // "http(s)://host[:port]"; the API is under /api/v1
  HttpClientOptions http;
  bool strict = true;  // profile: strict ([G] and [M] fail) or guide ([M] are observations)
  // The target is the bundled mock with its control API: agent scripts are sent with create,
  // advance_clock works and stalls are measured on the mock's clock. Off: scenarios that need
  // the mock are skipped and no script ever leaves the harness.
  bool mock = false;
  double time_scale = 1.0;  // wall seconds per agent second (the mock's --time-scale)
  std::size_t parallel = 4;
  std::optional<double> poll_interval_seconds;  // agent seconds; overrides the files' value
  double poll_jitter = 0.1;                     // each wait is the interval * (1 +- jitter)
  std::optional<double> timeout_seconds;        // wall seconds per scenario; overrides the files
  std::uint64_t seed = 1;                       // jitter and nothing else
  std::string api_key;                          // the "main" account; empty: register one
  std::string run_id;                           // "{run}" in e-mail addresses
  bool handle_signals = false;                  // SIGINT/SIGTERM interrupt the run
  std::chrono::milliseconds cleanup_timeout{30000};  // per scenario, for cancelling its tasks
  // Judged on the run's figures (harness/result/run_metrics.hpp) when it ends; the CLI has checked that
  // each names a figure the run has.
  std::vector<load::Threshold> thresholds;
  // A password account for the api-key exchange (`login` steps with "credentials": "cli");
  // empty: those steps are not run and their rules are reported not seen.
  std::string account_email, account_password;
  std::optional<std::size_t> max_tasks;  // overrides every `cover` step's max_tasks
  // --via mcp: the MCP server's command (argv; empty: every call over REST). One server per
  // account, started with AGENTWORK_BASE_URL and the account's AGENTWORK_API_KEY; the calls that
  // have a tool go through tools/call (harness/runner/mcp_route.hpp).
  std::vector<std::string> mcp_command;
  std::chrono::milliseconds mcp_call_timeout{30000};
};

// What a first request to the target found.
struct TargetProbe {
  bool reachable = false;
  std::string error;        // why not: "connect: Connection refused"
  bool mock = false;        // GET /_mock/clock answered like the bundled mock
  double time_scale = 1.0;  // the mock's
};
// Synchronous: runs its own io_context. Sends GET /_mock/clock (a 404 on a real deployment).
TargetProbe probe_target(const std::string& base_url, const HttpClientOptions& http);

class Runner {
 public:
  explicit Runner(RunnerConfig config);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Runs every scenario and returns when all are done or the run was interrupted and cleaned up.
  // Scenarios that move the mock's clock run alone, after the others (the clock is shared).
  // `on_done` is called on the runner's thread as each scenario finishes. The result lists the
  // scenarios in the given order.
  RunResult run(const std::vector<Scenario>& scenarios,
                const std::function<void(const ScenarioResult&)>& on_done = {});

  // Thread-safe: stop the run as Ctrl-C would (waits end, current requests finish, every
  // created non-terminal task is cancelled, remaining scenarios are reported interrupted).
  void interrupt();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentwork::harness
