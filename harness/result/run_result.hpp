// The result of a finished run: plain data the runner fills and the reporters (reports/) render.
// Nothing here talks to the network. The JSON form of this struct is documented in
// docs/run-result.md and versioned by kRunResultSchemaVersion.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/result/verdict.hpp"

namespace agentwork::harness {

inline constexpr int kRunResultSchemaVersion = 1;

// failure: counts against the verdict. observation: recorded only (an [M] point under the
// `guide` profile).
enum class Severity { failure, observation };
std::string_view to_string(Severity s);

// A scenario's verdict: see harness/result/verdict.hpp. passed: every step ran and no failure
// was found; error: it also has a failure finding saying why.

// What was on the wire when a finding was made; a bounded excerpt, never the whole body.
struct Evidence {
  std::string method;        // "GET"
  std::string path;          // "/api/v1/tasks/<id>"
  int status = 0;            // 0: no response (see `error`)
  std::string body_excerpt;  // at most kBodyExcerptBytes, cut on a UTF-8 boundary, "…" appended
  std::string error;         // transport failure: "timeout: read: ..."; empty when none
  double duration_ms = 0;
};
inline constexpr std::size_t kBodyExcerptBytes = 512;
// `body` cut to at most `limit` bytes without splitting a UTF-8 sequence; "..." marks a cut.
std::string excerpt(std::string_view body, std::size_t limit = kBodyExcerptBytes);

struct FindingRecord {
  std::string rule_id;  // a catalogue id (common/rules.hpp) or a scenario id ("S.await.timeout")
  char tag = 'G';       // 'G' guide, 'M' mock choice, 'S' the scenario's own expectation
  Severity severity = Severity::failure;
  std::size_t step_index = 0;  // position in the scenario's $.steps
  std::string step_kind;       // "await", "reply", ... ("cleanup" for the run's own cleanup)
  std::string task;            // the scenario's task name; empty when none
  std::string detail;          // expected vs seen
  std::optional<Evidence> evidence;
};

// One step as it ran: the transcript of a scenario.
struct StepRecord {
  std::size_t index = 0;
  std::string kind;
  std::string task;  // empty when the step has none
  bool ok = true;    // no failure finding at this step
  double duration_ms = 0;
  std::string note;  // what happened: "status awaiting_reply after 3 polls"
  // --via mcp only (empty otherwise): "mcp" (tools/call), "rest", "mcp+rest", or "" for a step
  // with no API call; why a REST call was not a tool call ("no tool for structured answers").
  std::string via;
  std::string via_reason;
};

// One moment of a task's life as the client saw it, for the HTML report's timelines.
struct TimelineEvent {
  double at_ms = 0;   // since the scenario started
  std::string kind;   // "created", "state" (the first poll showing a state) or "action"
  std::string value;  // the state ("awaiting_reply") or the action ("reply", "approve",
                      // "reject", "cancel"); "" for "created"
  bool ok = true;     // an action the server accepted (2xx)
};

// A task's timeline: created, each change of state a poll saw, the client's actions.
struct TaskTimeline {
  std::string task;     // the scenario's task name
  std::string task_id;  // a task re-created after a stall gets a timeline of its own
  std::size_t polls = 0;
  std::vector<TimelineEvent> events;
};

// A rule the scenario meant to check but never had the chance to: a live deployment never showed
// what the check needs (no stall happened, no TO_CUSTOMER message was asked, no file was
// offered), or the run lacked an input (no --account for the password exchange). Never a pass:
// reports show it as "not seen" (a skipped JUnit case) with its reason.
struct NotSeen {
  std::string rule_id;  // a catalogue id
  std::string reason;   // "the deployment never asked a multi_select question (12 tasks)"
};

struct ScenarioResult {
  std::string name;
  std::string file;
  std::vector<std::string> tags;
  Verdict verdict = Verdict::passed;
  std::string transport;  // "mcp" with --via mcp; empty for REST (the default)
  std::string reason;  // why skipped / errored / interrupted; empty when passed or failed
  double duration_ms = 0;
  std::size_t tasks_created = 0;
  std::size_t requests = 0;         // API requests sent by the steps (cleanup not included)
  std::size_t polls = 0;            // of which status polls
  std::size_t tasks_cancelled = 0;  // by the cleanup: created, not terminal, then cancelled
  std::vector<StepRecord> steps;
  std::vector<FindingRecord> findings;
  std::vector<TaskTimeline> timelines;  // one per task created, in creation order
  std::vector<NotSeen> not_seen;        // rules of `covers` this run could not check, by id

  std::size_t failures() const;
  std::size_t observations() const;
};

// The latency of one endpoint over every request of the run (the scenarios' steps; cleanup not
// included), from the request's start to its whole response, retries and redirects included.
// Exact percentiles of the recorded samples (nearest rank), in milliseconds.
struct EndpointLatency {
  std::string endpoint;  // the threshold label: "status", "create", "message", ... (endpoint_name)
  std::size_t count = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
};

// One `--threshold` of `agentwork run`, judged on the finished run.
struct ThresholdOutcome {
  std::string text;     // as written: "latency{endpoint=status}.p50 < 100ms"
  bool passed = false;  // false also when the run could not answer it (an error)
  std::string line;     // the judged line: "latency{endpoint=status}.p50 < 100ms: 12.3ms ok"
};

// How the steps of the --via mcp scenarios reached the API (all zero for a REST run): through
// tools only, over REST only (each with its reason), both, or no API call at all.
struct ViaCounts {
  std::size_t scenarios = 0;  // with transport "mcp"
  std::size_t tools = 0, rest = 0, both = 0, none = 0;
};
struct RunResult;
ViaCounts via_counts(const RunResult& r);

struct RunResult {
  int schema_version = kRunResultSchemaVersion;
  std::string tool_version;
  std::string target;   // "mock (in-process, http://127.0.0.1:PORT)" or the base URL
  std::string profile;  // "strict" or "guide"
  bool mock = false;    // the target is the bundled mock (agent scripts and clock used)
  double time_scale = 1.0;
  std::uint64_t seed = 0;
  std::string run_id;      // replaces {run} in e-mail addresses
  std::string started_at;  // ISO-8601 UTC
  double duration_ms = 0;
  bool interrupted = false;
  std::vector<ScenarioResult> scenarios;
  std::vector<EndpointLatency> latency;       // per endpoint that was called, in Endpoint order
  std::vector<ThresholdOutcome> thresholds;  // empty without --threshold

  struct Totals {
    std::size_t scenarios = 0, passed = 0, failed = 0, errors = 0, skipped = 0, interrupted = 0;
    std::size_t failures = 0, observations = 0, requests = 0, polls = 0, tasks = 0;
    std::size_t not_seen = 0;
  };
  Totals totals() const;
};

// Exit code of a run whose --threshold failed (as agentwork load's).
inline constexpr int kExitRunThresholdsFailed = 4;
// The process exit code of a run: 130 interrupted, 4 a threshold failed, 1 any scenario failed
// or errored, else 0 (the order of agentwork load's). (2, bad usage, and 3, target unreachable,
// are decided before a run starts.)
int exit_code(const RunResult& r);

}  // namespace agentwork::harness
