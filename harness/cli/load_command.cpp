#include "harness/cli/load_command.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <chrono>
#include <cmath>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "common/json_file.hpp"
#include "common/version.hpp"
#include "harness/cli/cli_util.hpp"
#include "harness/cli/target.hpp"
#include "harness/load/engine.hpp"
#include "harness/net/agentwork_client.hpp"
#include "harness/net/http_client.hpp"
#include "harness/result/run_result.hpp"
#include "harness/runner/scenario.hpp"
#include "reports/load_report.hpp"

namespace agentwork::harness {
namespace {


// SIGINT and SIGTERM are blocked in every thread of the run (the mock's and the workers'
// inherit the mask) and taken by one thread with sigtimedwait, which calls interrupt().
class SignalWatch {
 public:
  SignalWatch() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  ~SignalWatch() {
    stop();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  void start(load::LoadEngine& engine) {
    thread_ = std::thread([this, &engine] {
      const timespec tick{0, 100'000'000};
      while (!done_.load()) {
        if (sigtimedwait(&set_, nullptr, &tick) > 0) engine.interrupt();
      }
    });
  }
  void stop() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  sigset_t set_{};
  sigset_t old_{};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

std::string iso_now() {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::ostringstream s;
  s << std::put_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return s.str();
}

// Registers a fresh account at base_url (the bundled mock) and returns its key, or "" with
// `error` set.
std::string register_account(const std::string& base_url, const HttpClientOptions& http,
                             const std::string& run_id, std::string& error) {
  boost::asio::io_context io;
  HttpClient client(io.get_executor(), http);
  AgentworkClient api(client, base_url);
  std::string key;
  boost::asio::co_spawn(
      io,
      [&]() -> Awaitable<void> {
        const auto call =
            co_await api.register_user("load-" + run_id + "@example.com", "Load test " + run_id);
        if (call.is_json() && call.json.contains("api_key") && call.json["api_key"].is_string()) {
          key = call.json["api_key"].get<std::string>();
        } else {
          error = "POST /auth/register answered " + std::to_string(call.status()) +
                  (call.exchange.ok() ? "" : " (" + call.exchange.error_message + ")");
        }
      },
      boost::asio::detached);
  io.run();
  return key;
}

std::string fmt(double v, int decimals) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(decimals) << v;
  return s.str();
}

std::string progress_line(const load::LiveFigures& f) {
  std::ostringstream s;
  s << "[" << std::setw(6) << fmt(f.elapsed_s, 0) << "s" << (f.warmup ? " warm-up" : "")
    << (f.stopping ? " cleanup" : "") << "] clients " << f.active_clients << " | "
    << fmt(f.requests_per_s, 0) << " req/s | p99 "
    << (f.p99_us < 0 ? std::string("-") : fmt(static_cast<double>(f.p99_us) / 1000.0, 1) + " ms")
    << " | errors " << f.errors;
  if (f.requests > 0) {
    s << " (" << fmt(100.0 * static_cast<double>(f.errors) / static_cast<double>(f.requests), 2)
      << "%)";
  }
  using S = TaskState;
  const auto n = [&](S st) { return f.tasks_by_state[static_cast<std::size_t>(st)]; };
  s << " | tasks processing " << n(S::processing) << ", reply " << n(S::awaiting_reply)
    << ", approval " << n(S::awaiting_solution_approval) << ", done " << f.tasks_completed
    << ", cancelled " << f.tasks_cancelled << " | late " << f.late_polls << ", dropped "
    << f.dropped_polls;
  if (f.check_failures > 0) s << " | contract failures " << f.check_failures;
  if (f.paused) s << " | PAUSED (Retry-After)";
  return s.str();
}

}  // namespace

namespace {

// The profile and what the flags change in it.
void add_profile_options(CLI::App& cmd, LoadOptions& o) {
  cmd.add_option("profile", o.profile, "The load profile (JSON; docs/load-profile.md)")->required();
  cmd.add_option("-t,--target", o.target,
                 "\"mock\" (the bundled mock, started in-process) or http(s)://host[:port]")
      ->capture_default_str();
  auto& ov = o.overrides;
  cmd.add_option("--clients", ov.clients, "Closed executor: virtual clients");
  cmd.add_option("--rate", ov.rate, "Open executor: a constant rate of tasks/s (replaces stages)");
  cmd.add_option("--duration", ov.duration_s, "Seconds of the measured phase");
  cmd.add_option("--poll-interval", ov.poll_interval_s, "Seconds between polls of one task");
  cmd.add_option("--workers", ov.workers, "Worker threads");
  cmd.add_option("--rate-cap", ov.rate_cap,
                 "Requests/s over all endpoints, never exceeded (required for a non-local target)");
  cmd.add_option("--max-tasks", ov.max_tasks, "Tasks the run creates at most");
  cmd.add_option("--threshold", ov.thresholds,
                 "Add a threshold, e.g. 'latency{endpoint=status}.p99 < 200ms' (repeatable)");
  cmd.add_flag("--abort-on-fail", ov.abort_on_fail, "Stop as soon as a threshold fails");
  cmd.add_option("--poll-task", ov.poll_task,
                 "Instead of the profile's client: poll this existing task (never changed)");
}

// The account, TLS, the bundled mock, the checks and the connections.
void add_target_options(CLI::App& cmd, LoadOptions& o) {
  cmd.add_option("--api-key", o.api_key,
                 "Key of the account the tasks are created in (default on the bundled mock: a "
                 "fresh account)")
      ->envname("AGENTWORK_API_KEY");
  cmd.add_option("--ca-file", o.ca_file, "Extra PEM trust anchors for HTTPS")
      ->check(CLI::ExistingFile);
  cmd.add_flag("-k,--insecure", o.insecure, "Do not verify TLS certificates");
  cmd.add_option("--seed", o.seed, "Seed of the mock's agents and of the poll jitter")
      ->capture_default_str();
  cmd.add_option("--mock-time-scale", o.mock_time_scale,
                 "With --target mock: multiply every agent duration (0.1: ten times faster)")
      ->check(CLI::Range(1e-4, 1e4))
      ->capture_default_str();
  cmd.add_option("--mock-threads", o.mock_threads, "With --target mock: the mock's threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd.add_option("--profile-rules", o.check_profile,
                 "strict ([M] rules count) or guide ([G] only); default: strict on the mock, "
                 "guide elsewhere")
      ->check(CLI::IsMember({"strict", "guide"}));
  cmd.add_flag("--check-every-answer", o.check_every_answer,
               "Parse and check every status answer from scratch, also one byte-identical to the "
               "task's previous answer (default: reuse that answer's verdict)");
  cmd.add_option("--connections", o.connections, "Connections per worker, at most")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd.add_option("--request-timeout", o.request_timeout, "Seconds one request may take")
      ->check(CLI::Range(0.001, 3600.0))
      ->capture_default_str();
  cmd.add_option("--cleanup-timeout", o.cleanup_timeout,
                 "Seconds the cancels of the tasks left may take at the end")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
}

// Sharded runs: which shard, which run, when it starts.
void add_shard_options(CLI::App& cmd, LoadOptions& o) {
  auto* shard = cmd.add_option("--shard", o.shard,
                               "Run shard I of N of the profile (I from 0), e.g. --shard 2/8; "
                               "merge the shards' results with `agentwork merge`");
  cmd.add_option("--shards", o.shards,
                 "Run one of N shards, its index from JOB_COMPLETION_INDEX (as a Kubernetes "
                 "Indexed Job sets it)")
      ->check(CLI::Range(1, load::kMaxShards))
      ->excludes(shard);
  cmd.add_option("--run-id", o.run_id,
                 "The run's id, the same for all its shards (required with --shard/--shards)")
      ->envname("AGENTWORK_RUN_ID");
  cmd.add_option("--start-at", o.start_at,
                 "Start at this wall-clock time, so that shards line up: "
                 "2026-12-06T05:00:00Z, @UNIX_SECONDS or +SECONDS")
      ->envname("AGENTWORK_START_AT");
}

// The console: colour and the progress line.
void add_console_options(CLI::App& cmd, LoadOptions& o) {
  cmd.add_option("--color", o.color, "auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  cmd.add_option(
         "--progress", o.progress,
         "auto (a refreshed line on a terminal, plain lines otherwise), line, lines or none")
      ->check(CLI::IsMember({"auto", "line", "lines", "none"}))
      ->capture_default_str();
  cmd.add_option("--progress-every", o.progress_every, "Seconds between plain progress lines")
      ->check(CLI::Range(1.0, 3600.0))
      ->capture_default_str();
}

}  // namespace

void add_load_options(CLI::App& cmd, LoadOptions& o) {
  add_profile_options(cmd, o);
  add_target_options(cmd, o);
  add_shard_options(cmd, o);
  o.reports.add_options(cmd, reports::FileCommand::run);
  add_console_options(cmd, o);
  cmd.footer(kLoadExitCodes);
}

namespace {

// The scenario a scenario client loops: exactly one, and not moving the mock's clock. Null (after
// printing why) when unusable; `ok` false then.
std::shared_ptr<const Scenario> scenario_client(const load::LoadProfile& profile, bool& ok) {
  ok = true;
  const auto* sc = std::get_if<load::ScenarioClient>(&profile.client);
  if (sc == nullptr) return nullptr;
  ok = false;
  auto loaded = load_scenarios({resolve_data_path(sc->path)});
  for (const auto& e : loaded.errors) std::cerr << e.to_string() << "\n";
  if (!loaded.errors.empty()) return nullptr;
  if (loaded.scenarios.size() != 1) {
    std::cerr << "agentwork load: " << profile.file << ": $.client.scenario: \"" << sc->path
              << "\" holds " << loaded.scenarios.size()
              << " scenarios; a scenario client loops exactly one\n";
    return nullptr;
  }
  const Scenario& s = loaded.scenarios.front();
  for (const auto& step : s.steps) {
    if (std::holds_alternative<steps::AdvanceClock>(step.action)) {
      std::cerr << "agentwork load: " << sc->path << ": $.steps[" << step.index
                << "]: advance_clock moves the mock's clock under every other client; a "
                   "scenario for load mode cannot use it\n";
      return nullptr;
    }
  }
  ok = true;
  return std::make_shared<const Scenario>(s);
}

// The profile with the flags over it, and its scenario; false (printed) when unusable.
bool prepare_profile(const LoadOptions& o, load::LoadProfile& profile,
                     std::shared_ptr<const Scenario>& scenario) {
  auto loaded = load::load_profile_file(o.profile);
  if (const auto* e = std::get_if<load::ProfileError>(&loaded)) {
    std::cerr << "agentwork load: " << e->to_string() << "\n";
    return false;
  }
  profile = std::get<load::LoadProfile>(std::move(loaded));
  if (const auto e = load::apply_overrides(profile, o.overrides)) {
    std::cerr << "agentwork load: " << e->to_string() << "\n";
    return false;
  }
  bool ok = true;
  scenario = scenario_client(profile, ok);
  if (!ok) return false;
  if (const auto e = load::check_threshold_names(profile)) {
    std::cerr << "agentwork load: " << profile.file << ": " << *e << "\n";
    return false;
  }
  return true;
}

// The in-process mock or the probed URL (after the safety rule); the exit code when unusable.
std::optional<int> resolve(const LoadOptions& o, const load::LoadProfile& profile,
                           const HttpClientOptions& http, Target& out) {
  TargetRequest request;
  request.command = "load";
  request.target = o.target;
  request.http = http;
  request.mock.kind = MockSettings::Kind::load;
  request.mock.seed = o.seed;
  request.mock.time_scale = o.mock_time_scale;
  request.mock.threads = o.mock_threads;
  request.refuse = [&profile](const std::string& host) {
    return load::safety_error(profile, host);
  };
  auto resolved = resolve_target(request);
  if (const auto* e = std::get_if<TargetError>(&resolved)) {
    std::cerr << "agentwork load: " << e->message << "\n";
    return e->exit_code;
  }
  out = std::get<Target>(std::move(resolved));
  return std::nullopt;
}

// The key the tasks are created with: --api-key, or a fresh account on the bundled mock. Empty
// (printed) when there is none; `code` is the exit code then.
std::string account_key(const LoadOptions& o, const Target& target, const HttpClientOptions& http,
                        const std::string& run_id, int& code) {
  if (!o.api_key.empty()) return o.api_key;
  code = 2;
  if (!target.mock) {
    std::cerr << "agentwork load: --api-key (or AGENTWORK_API_KEY) is needed against "
              << target.base_url << ": the tasks are created in an existing account\n";
    return {};
  }
  std::string error;
  std::string key = register_account(target.base_url, http, run_id, error);
  if (key.empty()) {
    code = 3;
    std::cerr << "agentwork load: could not register an account at " << target.base_url << ": "
              << error << "\n";
  }
  return key;
}

load::EngineConfig engine_config(const LoadOptions& o, const load::LoadProfile& profile,
                                 const Target& target, const HttpClientOptions& http) {
  std::string url_error;
  load::EngineConfig config;
  config.profile = profile;
  config.transport.origin = parse_url(target.base_url, url_error)->origin;
  config.transport.insecure = o.insecure;
  config.transport.ca_file = o.ca_file;
  config.transport.max_connections = o.connections;
  config.transport.request_timeout = http.read_timeout;
  config.transport.connect_timeout = http.connect_timeout;
  config.seed = o.seed;
  config.guide_profile = o.check_profile.empty() ? !target.mock : o.check_profile == "guide";
  config.reuse_identical_answers = !o.check_every_answer;
  config.cleanup_timeout = std::chrono::milliseconds(std::llround(o.cleanup_timeout * 1000));
  config.target_is_mock = target.mock;
  config.time_scale = target.mock ? target.mock_time_scale : 1.0;
  return config;
}

// Runs the engine, showing the figures as `o.progress` asks, until the run ends or a signal.
load::LoadResult run_with_progress(const LoadOptions& o, load::LoadEngine& engine,
                                   SignalWatch& signals) {
  const bool tty = ::isatty(STDOUT_FILENO) != 0;
  const std::string mode = o.progress == "auto" ? (tty ? "line" : "lines") : o.progress;
  double last_line_s = -1e9;
  bool line_open = false;
  signals.start(engine);
  load::LoadResult result = engine.run([&](const load::LiveFigures& f) {
    if (mode == "none") return;
    const std::string line = progress_line(f);
    if (mode == "line") {
      std::cout << "\r\033[K" << line << std::flush;
      line_open = true;
    } else if (f.elapsed_s - last_line_s >= o.progress_every - 0.5) {
      last_line_s = f.elapsed_s;
      std::cout << line << "\n" << std::flush;
    }
  });
  signals.stop();
  if (line_open) std::cout << "\n";
  return result;
}

void print_start(const load::LoadProfile& profile, const load::EngineConfig& config,
                 const std::string& target_label, const std::optional<load::ShardInfo>& shard) {
  std::cout << "agentwork load: " << (profile.name.empty() ? profile.file : profile.name)
            << " against " << target_label << "; " << profile.workers << " worker"
            << (profile.workers == 1 ? "" : "s") << ", rules "
            << (config.guide_profile ? "guide" : "strict") << ", rate cap "
            << (profile.rate_cap ? fmt(*profile.rate_cap, 0) + " req/s" : std::string("none"))
            << (shard ? " (this shard's share)" : "") << "\n";
  if (shard) {
    std::cout << "agentwork load: shard " << shard->shard.index << " of " << shard->shard.count
              << " of run " << shard->run_id << ": clients and arrivals " << shard->shard.index
              << ", " << shard->shard.index + shard->shard.count << ", "
              << shard->shard.index + 2 * shard->shard.count << ", ... of the profile's schedule\n";
  }
  std::cout << std::flush;
}

// The run result's header of a load run: what ran, where and when.
RunResult run_header(const LoadOptions& o, const load::EngineConfig& config, const Target& target,
                     const load::LoadResult& result) {
  RunResult run;
  run.tool_version = std::string(version());
  run.target = target.label;
  run.profile = config.guide_profile ? "guide" : "strict";
  run.mock = target.mock;
  run.seed = o.seed;
  run.run_id = config.run_id;
  run.interrupted = result.stop_reason == load::StopReason::interrupted;
  return run;
}

// The shard this process runs and what its result must carry, from --shard or --shards and
// JOB_COMPLETION_INDEX; nullopt in `info` when the run is not sharded. False after printing why.
bool resolve_shard(const LoadOptions& o, const load::LoadProfile& profile,
                   std::optional<load::ShardInfo>& info) {
  info.reset();
  if (o.shard.empty() && o.shards == 0) return true;
  std::variant<load::Shard, std::string> parsed;
  if (!o.shard.empty()) {
    parsed = load::parse_shard(o.shard);
  } else {
    const char* index = std::getenv("JOB_COMPLETION_INDEX");
    if (index == nullptr) {
      std::cerr << "agentwork load: --shards " << o.shards
                << " takes the shard's index from JOB_COMPLETION_INDEX, which is not set (use "
                   "--shard I/N outside a Kubernetes Indexed Job)\n";
      return false;
    }
    parsed = load::shard_from_index(index, o.shards);
  }
  if (const auto* e = std::get_if<std::string>(&parsed)) {
    std::cerr << "agentwork load: " << (o.shard.empty() ? "JOB_COMPLETION_INDEX" : "--shard")
              << ": " << *e << "\n";
    return false;
  }
  if (o.run_id.empty()) {
    std::cerr << "agentwork load: --run-id (or AGENTWORK_RUN_ID) is needed with a shard: "
                 "`agentwork merge` tells the shards of one run by it\n";
    return false;
  }
  std::string error;
  const auto document = read_json_file(o.profile, error);
  if (!document) {
    std::cerr << "agentwork load: " << o.profile << ": " << error << "\n";
    return false;
  }
  load::ShardInfo s;
  s.shard = std::get<load::Shard>(parsed);
  s.run_id = o.run_id;
  s.profile = *document;
  s.overrides = load::override_flags(o.overrides);
  for (const auto& t : profile.thresholds) s.thresholds.push_back(t.text);
  s.rate_cap = profile.rate_cap;
  s.executor = load::describe_executor(profile);
  info = std::move(s);
  return true;
}

// --start-at as microseconds since the epoch; nullopt when not given. False after printing why.
bool resolve_start_at(const LoadOptions& o, std::optional<std::int64_t>& start_at) {
  start_at.reset();
  if (o.start_at.empty()) return true;
  const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto parsed = load::parse_start_at(o.start_at, now_us);
  if (const auto* e = std::get_if<std::string>(&parsed)) {
    std::cerr << "agentwork load: --start-at: " << *e << "\n";
    return false;
  }
  start_at = std::get<std::int64_t>(parsed);
  const double ahead_s = static_cast<double>(*start_at - now_us) / 1e6;
  if (ahead_s > 24 * 3600.0) {
    std::cerr << "agentwork load: --start-at " << o.start_at << " is " << fmt(ahead_s / 3600, 1)
              << " h away (at most 24 h)\n";
    return false;
  }
  if (ahead_s < -1.0) {
    std::cerr << "agentwork load: warning: --start-at " << o.start_at << " passed "
              << fmt(-ahead_s, 1) << " s ago; starting at once (the merge aligns this shard's "
              << "series on its own start)\n";
  } else if (ahead_s > 0) {
    std::cout << "agentwork load: starting at " << o.start_at << " (in " << fmt(ahead_s, 1)
              << " s)\n" << std::flush;
  }
  return true;
}

}  // namespace

int load_command(const LoadOptions& o) {
  // 1. The profile, the flags over it, and what can be checked before any request.
  load::LoadProfile profile;
  std::shared_ptr<const Scenario> scenario;
  if (!prepare_profile(o, profile, scenario)) return 2;
  std::optional<load::ShardInfo> shard;
  std::optional<std::int64_t> start_at;
  if (!resolve_shard(o, profile, shard) || !resolve_start_at(o, start_at)) return 2;
  if (!check_report_files(o.reports, "load")) return 2;

  // Signals are blocked from here on, before any thread starts.
  SignalWatch signals;

  // 2. The target.
  HttpClientOptions http = http_options(o.request_timeout, o.ca_file, o.insecure, 2);
  http.max_attempts = 1;
  Target target;
  if (const auto code = resolve(o, profile, http, target)) return *code;
  if (scenario && scenario->needs_mock && !target.mock) {
    std::cerr << "agentwork load: " << scenario->file
              << ": the scenario is mock-only (tagged mock-only or scripted for the mock); "
              << target.base_url << " is not the bundled mock\n";
    return 2;
  }
  load::EngineConfig config = engine_config(o, profile, target, http);
  config.scenario = scenario;
  config.run_id = shard ? o.run_id : new_run_id();
  config.start_at_unix_us = start_at;
  if (shard) {
    config.shard = shard->shard;
    config.profile = load::shard_profile(profile, shard->shard);
  }
  int code = 0;
  config.api_key = account_key(o, target, http, config.run_id, code);
  if (config.api_key.empty()) return code;

  // 3. Run, with the progress line.
  std::unique_ptr<load::LoadEngine> engine;
  try {
    engine = std::make_unique<load::LoadEngine>(config);
  } catch (const std::exception& e) {
    std::cerr << "agentwork load: " << e.what() << "\n";
    return 2;
  }
  print_start(config.profile, config, target.label, shard);
  const std::string started_at = iso_now();
  const auto began = std::chrono::steady_clock::now();
  load::LoadResult result = run_with_progress(o, *engine, signals);
  const auto ended = std::chrono::steady_clock::now();
  target.stop();
  result.shard = shard;

  // 4. Reports: the console summary, then the files.
  std::cout << reports::load_summary(result, use_color(o.color)) << std::flush;
  code = shard ? load::shard_exit_code(result) : load::exit_code(result);
  RunResult run = run_header(o, config, target, result);
  run.started_at = started_at;
  run.duration_ms = std::chrono::duration<double, std::milli>(ended - began).count();
  if (!write_report_files(o.reports, "load", run, &result) && code == 0) code = 2;
  return code;
}

}  // namespace agentwork::harness
