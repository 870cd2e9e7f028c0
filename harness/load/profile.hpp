// Load profiles (docs/load-profile.md): what a `load` run does (which client, which arrival model,
// how long, how fast at most, when to stop) as one config struct, and the loader that turns a
// JSON file (comments allowed) into it, checking every field on the way. Command-line flags
// override single fields afterwards and are checked the same way. Pure: no sockets, no clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/result/thresholds.hpp"
#include "harness/runner/scenario.hpp"  // harness::Policy

namespace agentwork::load {

// What each virtual client runs: a scenario file looped, or the built-in reactive client.
struct ScenarioClient {
  std::string path;  // as written; relative paths are relative to the working directory
};
struct PolicyClient {  // create a task, drive it with `policy` until it is terminal
  std::string title = "Load test task";
  std::string description = "A task created by the agentwork load harness.";
  harness::Policy policy;
};
// Poll one existing task, never changing it: the polling cost alone (e.g. against a static
// status body, or a task made beforehand). Nothing to clean up: the run creates no task.
struct PollClient {
  std::string task_id;
};
using ClientSpec = std::variant<ScenarioClient, PolicyClient, PollClient>;

// Closed model: a fixed population; each client starts its next iteration when the last ends.
struct ClosedExecutor {
  std::int64_t clients = 10;
  std::optional<std::int64_t> iterations;  // per client; none: loop until the duration ends
  // Clients start evenly over this many seconds (a ramp that starts small); none: over one poll
  // interval, so that their polls spread evenly instead of arriving in lockstep.
  std::optional<double> ramp_up_s;
};
// One ramp stage: the arrival rate moves linearly to `target_rate` over `duration_s`.
struct Stage {
  double duration_s = 0;
  double target_rate = 0;  // tasks started per second at the end of the stage, >= 0
  bool operator==(const Stage&) const = default;
};
// Open model: tasks start at a rate regardless of how fast earlier ones finish.
struct OpenExecutor {
  std::optional<double> rate;          // constant tasks per second; exclusive with stages
  std::vector<Stage> stages;           // ramp; the first stage starts from `start_rate`
  double start_rate = 0;               // tasks per second at the start of the first stage
  std::int64_t max_in_flight = 10000;  // tasks started and not finished; arrivals beyond are
                                       // dropped and counted, never queued
};
using Executor = std::variant<ClosedExecutor, OpenExecutor>;

struct CircuitBreaker {
  double error_rate = 0.5;          // stop when errors / requests over the window exceed this
  double window_s = 10;             // sliding window, seconds
  std::int64_t min_requests = 100;  // no decision on fewer requests in the window
};

// hardware concurrency, at least 1, at most 64
int default_workers();

struct LoadProfile {
  std::string file;  // where it was loaded from ("" when built in code)
  std::string name;
  std::string description;
  ClientSpec client = PolicyClient{};
  Executor executor = ClosedExecutor{};
  double duration_s = 60;           // measured phase, seconds (after the warm-up)
  double warmup_s = 0;              // before the measured phase; its figures are not counted
  double poll_interval_s = 5;       // between two status polls of one task; 0: back to back
                                    // (a throughput test: no schedule, so no late polls)
  double jitter = 0.1;              // each interval drawn from poll_interval_s * [1 - j, 1 + j]
  int workers = default_workers();  // threads, each with its own io_context
  std::optional<std::int64_t> max_tasks;  // tasks the run creates at most; none: no limit
  std::optional<double> rate_cap;         // requests per second, all endpoints, never exceeded
  CircuitBreaker circuit_breaker;
  std::vector<Threshold> thresholds;  // parsed at load time
  bool abort_on_fail = false;         // stop the run as soon as a threshold has failed
};

struct ProfileError {
  std::string file;     // empty for command-line overrides
  std::string path;     // JSON path ("$.executor.closed.clients") or flag ("--clients")
  std::string message;  // what was expected, and what was found
  // "<file>: <path>: <message>"; parts that are empty are left out.
  std::string to_string() const;
};

std::variant<LoadProfile, ProfileError> parse_profile(const nlohmann::json& j,
                                                      const std::string& file);
// Reads JSON with comments; syntax errors give nlohmann's line and column.
std::variant<LoadProfile, ProfileError> load_profile_file(const std::string& path);

// Flags of the `load` subcommand that override the profile; unset fields leave it alone.
struct ProfileOverrides {
  std::optional<std::int64_t> clients;    // --clients: closed executor only
  std::optional<double> rate;             // --rate: open executor only; replaces its stages
  std::optional<double> duration_s;       // --duration
  std::optional<double> poll_interval_s;  // --poll-interval
  std::optional<int> workers;             // --workers
  std::optional<double> rate_cap;         // --rate-cap
  std::optional<std::int64_t> max_tasks;  // --max-tasks
  std::optional<std::string> poll_task;   // --poll-task: a poll client of this task
  std::vector<std::string> thresholds;    // --threshold, added to the profile's
  bool abort_on_fail = false;             // --abort-on-fail: sets it; never clears it
};
// Checks each value as the loader would; on an error the profile is left unchanged.
std::optional<ProfileError> apply_overrides(LoadProfile& profile,
                                            const ProfileOverrides& overrides);

// The executor in words, as results show it: "closed, 1000 clients", "open, 5 tasks/s",
// "open, 3 stages".
std::string describe_executor(const LoadProfile& profile);

// The profile flags that are set, as "--clients=100", in the order of ProfileOverrides (a
// sharded run's result keeps them, so that the merge can tell runs apart). --workers is left
// out: how many threads a shard uses does not change what the run is.
std::vector<std::string> override_flags(const ProfileOverrides& overrides);

// A run against anything but 127.0.0.1, ::1 or localhost needs a rate cap: the error otherwise.
std::optional<std::string> safety_error(const LoadProfile& profile, std::string_view target_host);

}  // namespace agentwork::load
