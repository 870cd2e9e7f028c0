// `agentwork load`: the options of a load run (one struct, filled by the flags), and the command
// that loads the profile, applies the flags, starts the bundled mock when asked, checks the
// target and the safety rules, runs the load engine with a live progress line, and prints and
// writes the reports. No Beast in this header.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "harness/cli/report_files.hpp"

#include "harness/load/profile.hpp"

namespace agentwork::harness {

struct LoadOptions {
  std::string profile;          // the load profile file (required)
  std::string target = "mock";  // "mock" or "http(s)://host[:port]"
  load::ProfileOverrides overrides;
  std::string api_key;  // or AGENTWORK_API_KEY; on the bundled mock: registered
  std::string ca_file;
  bool insecure = false;
  std::uint64_t seed = 42;          // the mock's agents and the clients' poll jitter
  double mock_time_scale = 1.0;     // --target mock: multiplies every agent duration
  int mock_threads = 2;             // --target mock: the in-process mock's threads
  std::string check_profile;        // strict | guide; empty: strict on the mock, guide elsewhere
  std::size_t connections = 1024;   // per worker, at most open at once
  bool check_every_answer = false;  // no reuse of the verdict of a byte-identical answer
  double request_timeout = 30;      // seconds per request (waiting for a connection included)
  double cleanup_timeout = 30;      // seconds the cancels of the tasks left may take
  ReportFiles reports;              // --report-json, --junit, --markdown, --openmetrics, --html
  std::string color = "auto";       // auto | always | never
  std::string progress = "auto";    // auto (a refreshed line on a terminal, else lines) | line |
                                    // lines | none
  double progress_every = 5;        // seconds between plain progress lines
  // Sharding (docs/distributed-load.md): --shard I/N, or --shards N with the index from
  // JOB_COMPLETION_INDEX (a Kubernetes Indexed Job's); the run's id, common to its shards; the
  // wall-clock start the shards share.
  std::string shard;
  int shards = 0;     // 0: not given
  std::string run_id;  // or AGENTWORK_RUN_ID
  std::string start_at;  // or AGENTWORK_START_AT
};

inline constexpr const char* kLoadExitCodes =
    "Exit codes: 0 thresholds passed and every response met the contract; 1 a response broke the\n"
    "contract; 2 bad usage or bad profile; 3 target unreachable; 4 a threshold failed;\n"
    "5 the circuit breaker stopped the run; 130 interrupted (Ctrl-C).\n"
    "A shard (--shard, --shards) leaves thresholds and contract findings to `agentwork merge`:\n"
    "it exits 0 when it ran to its end, 2, 3, 5 or 130 as above otherwise.";

void add_load_options(CLI::App& cmd, LoadOptions& o);
// Returns the exit code.
int load_command(const LoadOptions& o);

}  // namespace agentwork::harness
