#include "harness/cli/run_command.hpp"

#include <algorithm>
#include <iostream>
#include <sstream>
#include <variant>

#include "common/version.hpp"
#include "harness/cli/cli_util.hpp"
#include "harness/cli/target.hpp"
#include "harness/net/mcp_process.hpp"
#include "harness/result/run_metrics.hpp"
#include "harness/runner/runner.hpp"
#include "harness/runner/scenario.hpp"
#include "reports/console_report.hpp"

namespace agentwork::harness {

namespace {

constexpr double kMockTimeScale = 0.01;

bool has_any(const std::vector<std::string>& have, const std::vector<std::string>& wanted) {
  for (const auto& w : wanted) {
    if (std::find(have.begin(), have.end(), w) != have.end()) return true;
  }
  return false;
}

// The command line that runs the same scenarios the same way (same seed, scale and filters).
std::string reproduce_command(const RunOptions& o, const RunnerConfig& config) {
  std::ostringstream out;
  auto quoted = [](const std::string& s) {
    if (s.find_first_of(" '\"$\\") == std::string::npos) return s;
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
  };
  out << "agentwork run";
  for (const auto& p : o.paths) out << " " << quoted(p);
  out << " --target " << quoted(o.target) << " --seed " << o.seed << " --profile "
      << (config.strict ? "strict" : "guide");
  if (o.time_scale) out << " --time-scale " << *o.time_scale;
  if (o.poll_interval) out << " --poll-interval " << *o.poll_interval;
  for (const auto& t : o.tags) out << " --tag " << quoted(t);
  for (const auto& t : o.exclude_tags) out << " --exclude-tag " << quoted(t);
  for (const auto& v : o.mock_violations) out << " --mock-violate " << v;
  for (const auto& t : o.thresholds) out << " --threshold " << quoted(t);
  if (o.max_tasks) out << " --max-tasks " << *o.max_tasks;
  if (o.via == "mcp") out << " --via mcp --mcp-command " << quoted(o.mcp_command);
  if (!o.account.empty()) out << " --account \"$AGENTWORK_ACCOUNT\"";
  if (!o.api_key.empty()) out << " --api-key \"$AGENTWORK_API_KEY\"";
  return out.str();
}

}  // namespace

namespace {

// What runs and at what pace: the scenarios, the target, the profile, tags, parallelism, time.
void add_selection_options(CLI::App& cmd, RunOptions& o) {
  cmd.add_option("paths", o.paths, "Scenario files or folders")->capture_default_str();
  cmd.add_option("-t,--target", o.target,
                 "\"mock\" (the bundled mock, started in-process) or https://host[:port]")
      ->capture_default_str();
  cmd.add_option("--profile", o.profile,
                 "strict ([G] and [M] rules fail) or guide ([M] points are observations); "
                 "default: strict on the bundled mock, guide elsewhere")
      ->check(CLI::IsMember({"strict", "guide"}));
  // One value per flag: "--tag live scenarios/" must not take the path for a tag.
  cmd.add_option("--tag", o.tags, "Run only scenarios with one of these tags (repeatable)")
      ->allow_extra_args(false);
  cmd.add_option("--exclude-tag", o.exclude_tags, "Skip scenarios with one of these tags")
      ->allow_extra_args(false);
  cmd.add_option("-j,--parallel", o.parallel, "Scenarios running at once")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd.add_option("--poll-interval", o.poll_interval,
                 "Seconds between status polls (agent time; default: each scenario's)")
      ->check(CLI::Range(0.001, 3600.0));
  cmd.add_option("--time-scale", o.time_scale,
                 "Wall seconds per agent second, shared with the mock (default 0.01 with "
                 "--target mock, 1 elsewhere)")
      ->check(CLI::Range(1e-6, 1e6));
  cmd.add_option("--seed", o.seed, "Seed of the mock's agents and of poll jitter")
      ->capture_default_str();
  cmd.add_option("--timeout", o.timeout,
                 "Wall seconds each scenario may take (default: its timeout_seconds, scaled)")
      ->check(CLI::Range(0.001, 1e6));
  cmd.add_option("--request-timeout", o.request_timeout, "Wall seconds one request may take")
      ->check(CLI::Range(0.001, 3600.0))
      ->capture_default_str();
}

// How to reach the target, what the mock breaks, and what the live run checks.
void add_access_options(CLI::App& cmd, RunOptions& o) {
  cmd.add_option("--api-key", o.api_key,
                 "Key of the main account (default: register a fresh account per scenario)")
      ->envname("AGENTWORK_API_KEY");
  cmd.add_option("--ca-file", o.ca_file, "Extra PEM trust anchors for HTTPS")
      ->check(CLI::ExistingFile);
  cmd.add_flag("-k,--insecure", o.insecure, "Do not verify TLS certificates");
  cmd.add_option("--color", o.color, "auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  cmd.add_option("--mock-violate", o.mock_violations,
                 "With --target mock: make the mock break this rule (repeatable)")
      ->check(CLI::IsMember(mock_violatable_rules()))
      ->option_text("RULE_ID ...");
  cmd.add_option("--threshold", o.thresholds,
                 "A threshold on the run's figures, as agentwork load's: "
                 "'latency{endpoint=status}.p50 < 100ms', 'errors.count == 0' (repeatable; "
                 "exit 4 when one fails)")
      ->allow_extra_args(false);
  cmd.add_option("--account", o.account,
                 "EMAIL:PASSWORD of an existing password account, for the api-key exchange "
                 "(without it those checks are reported not seen)")
      ->envname("AGENTWORK_ACCOUNT");
  cmd.add_option("--max-tasks", o.max_tasks,
                 "Most tasks a coverage-driven live scenario may create (default: its own)")
      ->check(CLI::Range(1, 100000));
  cmd.add_option("--via", o.via,
                 "rest (default), or mcp: the calls that have a tool go through an MCP server's "
                 "tools/call (--mcp-command), the others over REST")
      ->check(CLI::IsMember({"rest", "mcp"}));
  cmd.add_option("--mcp-command", o.mcp_command,
                 "The MCP server to start for --via mcp, e.g. \"agentwork-mcp\" (no shell: words, "
                 "'single' and \"double\" quotes); it gets AGENTWORK_BASE_URL and AGENTWORK_API_KEY");
  cmd.add_option("--mcp-timeout", o.mcp_timeout, "Wall seconds one MCP call may take")
      ->check(CLI::Range(0.1, 3600.0));
}

}  // namespace

void add_run_options(CLI::App& cmd, RunOptions& o) {
  add_selection_options(cmd, o);
  o.reports.add_options(cmd, reports::FileCommand::run);
  add_access_options(cmd, o);
  cmd.footer(kRunExitCodes);
}

namespace {

// The --threshold texts, parsed and checked against the figures a run has; false (printed) on
// the first that is not usable.
bool parse_run_thresholds(const std::vector<std::string>& texts,
                          std::vector<load::Threshold>& out) {
  const RunMetrics empty;
  for (const auto& text : texts) {
    auto parsed = load::parse_threshold(text);
    if (const auto* e = std::get_if<load::ParseError>(&parsed)) {
      std::cerr << "agentwork run: --threshold " << e->message() << "\n";
      return false;
    }
    auto t = std::get<load::Threshold>(std::move(parsed));
    const auto v = empty.value(t.ref);
    if (v.status != load::MetricValue::Status::ok &&
        v.status != load::MetricValue::Status::no_data) {
      std::cerr << "agentwork run: --threshold " << text << ": unknown "
                << (v.status == load::MetricValue::Status::unknown_metric  ? "metric "
                    : v.status == load::MetricValue::Status::unknown_label ? "label "
                                                                           : "statistic ")
                << v.detail
                << " (a run has latency{endpoint=E}, requests{endpoint=E}.count and "
                   "errors{endpoint=E}.count|rate)\n";
      return false;
    }
    out.push_back(std::move(t));
  }
  return true;
}

// --threshold, --account and --max-tasks into the runner's configuration; false (printed) when
// one is not usable.
bool apply_live_inputs(const RunOptions& o, RunnerConfig& config) {
  if (!parse_run_thresholds(o.thresholds, config.thresholds)) return false;
  config.max_tasks = o.max_tasks;
  if (o.account.empty()) return true;
  const auto colon = o.account.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == o.account.size()) {
    std::cerr << "agentwork run: --account: expected EMAIL:PASSWORD\n";
    return false;
  }
  config.account_email = o.account.substr(0, colon);
  config.account_password = o.account.substr(colon + 1);
  return true;
}

// --via, --mcp-command and --mcp-timeout into the runner's configuration; false (printed) when
// they do not fit together or the command cannot be split.
bool apply_mcp_inputs(const RunOptions& o, RunnerConfig& config) {
  if (o.via != "mcp") {
    if (o.mcp_command.empty()) return true;
    std::cerr << "agentwork run: --mcp-command needs --via mcp\n";
    return false;
  }
  std::string error;
  auto argv = split_command(o.mcp_command, error);
  if (!argv) {
    std::cerr << "agentwork run: --mcp-command: " << error
              << (o.mcp_command.empty() ? " (--via mcp needs the MCP server's command)" : "")
              << "\n";
    return false;
  }
  config.mcp_command = std::move(*argv);
  config.mcp_call_timeout =
      std::chrono::milliseconds(static_cast<long long>(o.mcp_timeout * 1000.0));
  return true;
}

}  // namespace

namespace {

// The scenarios of the paths that pass the tag filters; false (printed) on a bad file or none.
bool choose_scenarios(const RunOptions& o, std::vector<Scenario>& chosen) {
  ScenarioSet loaded = load_scenarios(o.paths);
  for (const auto& e : loaded.errors) std::cerr << e.to_string() << "\n";
  if (!loaded.errors.empty()) return false;
  for (auto& s : loaded.scenarios) {
    if (!o.tags.empty() && !has_any(s.tags, o.tags)) continue;
    if (has_any(s.tags, o.exclude_tags)) continue;
    chosen.push_back(std::move(s));
  }
  if (chosen.empty()) {
    std::cerr << "agentwork run: no scenario matches the tag filters\n";
    return false;
  }
  return true;
}

RunnerConfig runner_config(const RunOptions& o) {
  RunnerConfig config;
  config.http = http_options(o.request_timeout, o.ca_file, o.insecure, 3);
  config.parallel = o.parallel;
  config.poll_interval_seconds = o.poll_interval;
  config.timeout_seconds = o.timeout;
  config.seed = o.seed;
  config.api_key = o.api_key;
  config.run_id = new_run_id();
  config.handle_signals = true;
  return config;
}

// The in-process mock or the probed URL, into `config`; the exit code (printed) when unusable.
std::optional<int> resolve(const RunOptions& o, RunnerConfig& config, Target& out) {
  TargetRequest request;
  request.command = "run";
  request.target = o.target;
  request.http = config.http;
  request.mock.kind = MockSettings::Kind::conformance;
  request.mock.seed = o.seed;
  request.mock.time_scale = o.time_scale.value_or(kMockTimeScale);
  request.mock.violations = o.mock_violations;
  auto resolved = resolve_target(request);
  if (const auto* e = std::get_if<TargetError>(&resolved)) {
    std::cerr << "agentwork run: " << e->message << "\n";
    return e->exit_code;
  }
  out = std::get<Target>(std::move(resolved));
  config.base_url = out.base_url;
  config.mock = out.mock;
  config.time_scale = out.mock ? out.mock_time_scale : o.time_scale.value_or(1.0);
  if (config.account_email.empty() && !out.account_email.empty()) {
    config.account_email = out.account_email;  // the in-process mock's own password account
    config.account_password = out.account_password;
  }
  if (out.mock && !out.in_process && o.time_scale && *o.time_scale != out.mock_time_scale) {
    std::cerr << "agentwork run: note: the mock at " << config.base_url << " runs at time scale "
              << out.mock_time_scale << "; using it instead of --time-scale " << *o.time_scale
              << "\n";
  }
  return std::nullopt;
}

// Scripts never leave the harness for a real deployment: scenarios written around a scripted
// agent then meet the real one. Says so before an hour of puzzling failures.
void note_scripted(const std::vector<Scenario>& chosen, const std::string& base_url) {
  std::size_t scripted = 0;
  for (const auto& s : chosen) {
    bool uses_script = s.agent.has_value();
    for (const auto& step : s.steps) {
      if (const auto* c = std::get_if<steps::Create>(&step.action)) {
        uses_script = uses_script || c->agent.has_value();
      }
    }
    scripted += uses_script && !s.needs_mock;
  }
  if (scripted > 0) {
    std::cerr << "agentwork run: note: " << scripted << " scenario" << (scripted == 1 ? "" : "s")
              << (scripted == 1 ? " scripts" : " script") << " the mock's agent; against "
              << base_url
              << " they meet the real agent instead (the live-safe subset is --tag live)\n";
  }
}

// Runs, printing one line per scenario as it finishes.
RunResult run_scenarios(const RunnerConfig& config, const std::vector<Scenario>& chosen,
                        const std::string& target_label, bool color) {
  std::cout << "agentwork run: " << chosen.size() << " scenario" << (chosen.size() == 1 ? "" : "s")
            << " against " << target_label << "; profile " << (config.strict ? "strict" : "guide")
            << ", time scale " << config.time_scale << ", parallel " << config.parallel
            << (config.mcp_command.empty() ? "" : ", via mcp (" + config.mcp_command[0] + ")")
            << "\n"
            << std::flush;
  Runner runner(config);
  RunResult result = runner.run(chosen, [&](const ScenarioResult& r) {
    std::cout << reports::scenario_line(r, color) << std::flush;
  });
  result.tool_version = std::string(version());
  result.target = target_label;
  return result;
}

}  // namespace

int run_command(const RunOptions& o) {
  // 1. Scenarios: every error of every file, then exit 2.
  std::vector<Scenario> chosen;
  if (!choose_scenarios(o, chosen)) return 2;
  if (!check_report_files(o.reports, "run")) return 2;
  // 2. The target: the in-process mock, or a URL probed once.
  RunnerConfig config = runner_config(o);
  if (!apply_live_inputs(o, config) || !apply_mcp_inputs(o, config)) return 2;
  Target target;
  if (const auto code = resolve(o, config, target)) return *code;
  config.strict = o.profile.empty() ? config.mock : o.profile == "strict";
  if (!config.mock) note_scripted(chosen, config.base_url);

  // 3. Run.
  const bool color = use_color(o.color);
  const RunResult result = run_scenarios(config, chosen, target.label, color);
  target.stop();

  // 4. Reports.
  std::cout << reports::failure_details(result, color) << reports::summary(result, color);
  int code = exit_code(result);
  if (code == 1 || code == kExitRunThresholdsFailed) {
    std::cout << "reproduce: " << reproduce_command(o, config) << "\n";
  }
  if (!write_report_files(o.reports, "run", result, nullptr) && code == 0) code = 2;
  return code;
}

}  // namespace agentwork::harness
