// The result of a finished `load` run: plain data the load engine fills and the reporters
// (reports/load_report.hpp) render into the console summary, the run result JSON (its "load"
// object, docs/run-result.md) and JUnit. Pure: no sockets, no clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/load/metrics.hpp"
#include "harness/load/shard.hpp"
#include "harness/result/thresholds.hpp"
#include "harness/result/run_result.hpp"  // Evidence

namespace agentwork::load {

// Why the run ended.
enum class StopReason {
  duration_elapsed,  // the measured phase ran its full length
  iterations_done,   // closed executor: every client ran its iterations
  max_tasks,         // the run created max_tasks tasks and they ended
  interrupted,       // Ctrl-C (SIGINT/SIGTERM)
  circuit_breaker,   // too many failed requests in the breaker's window
  threshold_failed,  // abort_on_fail and a threshold failed during the run
};
// "duration_elapsed", "iterations_done", "max_tasks", "interrupted", "circuit_breaker",
// "threshold_failed"
std::string_view to_string(StopReason r);
std::optional<StopReason> stop_reason_from_name(std::string_view name);

// One contract rule that responses broke during the run: how often, and the first case.
struct CheckFailure {
  std::string rule_id;
  std::uint64_t count = 0;
  std::string detail;          // of the first case
  harness::Evidence evidence;  // of the first case
};

// The run's own cleanup on the way out: every task it created that was not seen terminal.
struct CleanupFigures {
  std::uint64_t cancelled = 0;  // cancel answered 2xx (or 409: already terminal)
  std::uint64_t failed = 0;     // cancel failed or was not sent before the cleanup deadline
  std::vector<std::string> left_task_ids;  // the failed ones, at most 100
  bool operator==(const CleanupFigures&) const = default;
};

// What a shard's result carries so that `agentwork merge` can tell the shards of one run from
// others and judge the whole: the run, the profile as its file held it, and the flags over it.
struct ShardInfo {
  Shard shard;
  std::string run_id;                   // common to every shard of one run
  nlohmann::json profile;               // the profile file's JSON, as read
  std::vector<std::string> overrides;   // the profile flags, as "--clients=100", in flag order
  std::vector<std::string> thresholds;  // the whole run's thresholds (profile's and --threshold)
  std::optional<double> rate_cap;       // the whole run's, requests/s
  std::string executor;                 // the whole run's ("closed, 1000 clients")
  bool operator==(const ShardInfo&) const = default;
};

// How one shard of a merged run ended.
struct ShardOutcome {
  int index = 0;
  StopReason stop_reason = StopReason::duration_elapsed;
  std::string stop_detail;
  std::uint64_t requests = 0;
  double duration_s = 0;
  int exit_code = 0;  // the shard's own
  bool operator==(const ShardOutcome&) const = default;
};

struct LoadResult {
  // What ran.
  std::string profile_name;
  std::string profile_file;
  std::string executor;  // "closed, 1000 clients" / "open, 5 tasks/s" / "open, 3 stages"
  std::string client;    // "policy" or the scenario file
  int workers = 1;
  double poll_interval_s = 0;
  std::optional<double> rate_cap;  // requests/s
  double warmup_s = 0;
  // When the measured phase started, microseconds since the Unix epoch (wall clock); 0 in files
  // written before it was kept.
  std::int64_t started_unix_us = 0;
  // Set on a shard's result (--shard) and on a merged one (the count of shards merged, index 0).
  std::optional<ShardInfo> shard;
  // A merged result (`agentwork merge`): how each shard ended, in index order; empty otherwise.
  std::vector<ShardOutcome> merged_shards;

  // How it ended.
  StopReason stop_reason = StopReason::duration_elapsed;
  std::string stop_detail;  // "errors 62% over the last 10 s (min 100 requests)", ...

  // The figures of the measured phase.
  LoadSummary summary;
  std::vector<ThresholdResult> thresholds;  // in the profile's order; text = the threshold

  // Checks of every response against the contract.
  std::uint64_t responses_checked = 0;
  // Of which status answers byte-identical to the task's previous one: the verdict of that one
  // counted again (not parsed again). 0 with --check-every-answer.
  std::uint64_t reused_verdicts = 0;
  std::vector<CheckFailure> check_failures;  // by rule id

  // The harness's own limits at work.
  // Iterations the executor started on schedule: open, arrivals due (dropped ones included);
  // closed, iterations begun by the clients. Warm-up included.
  std::uint64_t arrivals = 0;
  // Open executor: arrivals that started no task: over max_in_flight, or due by the time the run
  // stopped but reached after it (the harness's own thread ran late). A subset of arrivals.
  std::uint64_t dropped_arrivals = 0;
  std::uint64_t connections_opened = 0;  // over all workers
  std::uint64_t retry_after_pauses = 0;  // 429/503 with Retry-After that paused the run
  std::uint64_t rate_capped_waits = 0;   // requests that waited for the rate cap

  CleanupFigures cleanup;

  // passed: every threshold passed and no response broke the contract; failed otherwise.
  bool thresholds_passed() const;
  bool checks_passed() const { return check_failures.empty(); }
};

// Exit codes of `agentwork load`: 0 passed; 4 a threshold failed (or could not be evaluated);
// 1 responses broke the contract (thresholds passed); 5 the circuit breaker stopped the run;
// 130 interrupted. (2 bad usage and 3 target unreachable are decided before the run.)
inline constexpr int kExitThresholdsFailed = 4;
inline constexpr int kExitCircuitBreaker = 5;
int exit_code(const LoadResult& r);
// A shard's exit code (--shard): its thresholds and contract findings are the merge's to judge,
// so 4 and 1 read 0; 5 and 130 stay.
int shard_exit_code(const LoadResult& r);

}  // namespace agentwork::load
