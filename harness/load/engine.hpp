// The load engine: runs a load profile against one origin and returns its LoadResult.
//
// Worker model (../shared/STYLE.md): `workers` threads, each with its own io_context, connection
// pool (transport.hpp), RNG, rate-cap share and WorkerMetrics; nothing shared on the hot path
// but three relaxed atomics (the stop flag, the task budget, the Retry-After pause). Once a
// second each worker publishes a copy of its figures; the calling thread merges those for the
// progress line, the circuit breaker and abort-on-fail, and merges the final figures after the
// workers join.
//
// Phases: warm-up (figures discarded), measured, then drain: every task the run created and did
// not see terminal is cancelled (not measured), within the cleanup deadline.
//
// Each virtual client creates a task and drives it with the profile's policy: it polls on a
// fixed-rate schedule (schedule.hpp), latency measured from each poll's intended send time and
// also from its actual one; it answers questions, decides on proposals, fetches the result of a
// completed task, and gives up a stalled one. Every response is checked against the contract
// (harness/checks/contract_checks.hpp) and every poll fed to the lifecycle trace checker.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "harness/load/load_result.hpp"
#include "harness/load/profile.hpp"
#include "harness/load/shard.hpp"
#include "harness/load/transport.hpp"
#include "harness/runner/scenario.hpp"
#include "harness/checks/trace_checker.hpp"

namespace agentwork::load {

struct EngineConfig {
  LoadProfile profile;
  TransportOptions transport;  // the origin; max_connections is per worker
  std::string api_prefix = "/api/v1";
  std::string api_key;         // sent with every request
  std::uint64_t seed = 1;      // the workers' RNGs (poll jitter) derive from it
  bool guide_profile = false;  // [M] rule findings are not counted as failures
  std::chrono::milliseconds cleanup_timeout{30000};  // drain: cancels must finish within this
  std::chrono::seconds max_retry_after{60};          // a longer Retry-After pauses this long
  // A status answer byte-identical to the previous one of the same task reuses its checks'
  // verdict and view instead of parsing again (both are pure functions of the bytes); off:
  // every answer is parsed and checked from scratch.
  bool reuse_identical_answers = true;
  int max_consecutive_poll_errors = 5;  // a task whose polls fail this often in a row is given
                                        // up (outcome failed) and cancelled
  // A scenario client: its scenario, loaded by the caller, run by the runner's interpreter.
  std::shared_ptr<const harness::Scenario> scenario;
  bool target_is_mock = false;  // scripts and the mock's clock may be used
  double time_scale = 1.0;      // the mock's: wall seconds per agent second
  std::string run_id = "load";  // "{run}" in a scenario's e-mail addresses
  // Shard I of N (shard.hpp): the workers take every Nth client and arrival of the profile's
  // schedule from the Ith; the profile's budgets are the caller's to divide (shard_profile).
  Shard shard;
  // The wall-clock time (microseconds since the Unix epoch) the run starts at, so that shards
  // started apart line up; none: at once. A time already past starts at once.
  std::optional<std::int64_t> start_at_unix_us;
};

// What the progress line shows; all counts cover every phase unless noted.
struct LiveFigures {
  double elapsed_s = 0;
  bool warmup = false;    // still in the warm-up
  bool stopping = false;  // draining: cancelling the tasks left
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;   // transport errors plus 5xx
  double requests_per_s = 0;  // over the last tick
  std::int64_t p99_us = -1;   // corrected latency, all endpoints, measured phase; -1: none yet
  std::uint64_t active_clients = 0;
  std::array<std::uint64_t, harness::kTaskStateCount> tasks_by_state{};  // live tasks, last seen
  std::uint64_t tasks_created = 0;
  std::uint64_t tasks_completed = 0;
  std::uint64_t tasks_cancelled = 0;
  std::uint64_t check_failures = 0;  // responses that broke a contract rule
  std::uint64_t late_polls = 0;
  std::uint64_t dropped_polls = 0;
  std::size_t open_connections = 0;
  bool paused = false;  // honouring a Retry-After
};

class LoadEngine {
 public:
  // Throws std::runtime_error when the transport cannot be set up (e.g. a bad CA file).
  explicit LoadEngine(EngineConfig config);
  ~LoadEngine();
  LoadEngine(const LoadEngine&) = delete;
  LoadEngine& operator=(const LoadEngine&) = delete;

  // Runs the whole profile on the calling thread's behalf; on_tick is called about once a
  // second on the calling thread.
  LoadResult run(const std::function<void(const LiveFigures&)>& on_tick = {});

  // Thread-safe. The first call stops the run (reason interrupted) and cancels the tasks left;
  // a second one abandons the cleanup at once (the tasks left are listed in the result).
  void interrupt();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Checks the profile's thresholds name metrics a load run can answer (an unknown metric, label
// or statistic is an error before the run, not a silent pass). Returns the first error.
std::optional<std::string> check_threshold_names(const LoadProfile& profile);

}  // namespace agentwork::load
