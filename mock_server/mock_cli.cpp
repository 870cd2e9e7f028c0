#include "mock_server/mock_cli.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "mock_server/config_files.hpp"

namespace agentwork::mock {
namespace {

// Loads the files the flags name into the config; returns an error message or "".
std::string load_inputs(MockCliOptions& o) {
  std::string error;
  for (const auto& spec : o.user_specs) {
    auto u = parse_user_spec(spec, error);
    if (!u) return error;
    o.mock.users.push_back(*u);
  }
  if (!o.users_file.empty()) {
    auto users = load_users_file(o.users_file, error);
    if (!users) return "--users-file " + error;
    o.mock.users.insert(o.mock.users.end(), users->begin(), users->end());
  }
  if (!o.faults_file.empty()) {
    auto faults = load_faults_file(o.faults_file, error);
    if (!faults) return "--faults " + error;
    o.mock.faults = std::move(*faults);
  }
  if (!o.script_file.empty()) {
    auto script = load_script_file(o.script_file, error);
    if (!script) return "--script " + error;
    o.mock.default_script = std::make_shared<const AgentScript>(std::move(*script));
  }
  for (const auto& spec : o.named_scripts) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      return "--named-script \"" + spec + "\": expected NAME=FILE";
    }
    auto script = load_script_file(spec.substr(eq + 1), error);
    if (!script) return "--named-script " + error;
    const auto name = spec.substr(0, eq);
    if (!valid_script_name(name)) {
      return "--named-script \"" + name + "\": script name " + kScriptNameRule;
    }
    script->name = name;
    o.mock.scripts[name] = std::make_shared<const AgentScript>(std::move(*script));
  }
  if ((o.server.tls_cert_file.empty()) != (o.server.tls_key_file.empty())) {
    return "--tls-cert and --tls-key go together";
  }
  return "";
}

// --stall-rate and the flags a deployment-like mock refuses, with the reason; returns an error
// message or "". Fills o.mock.stall_rate.
std::string check_deployment_like(MockCliOptions& o) {
  if (o.stall_rate) {
    std::ostringstream value;
    value << *o.stall_rate;
    if (!o.mock.deployment_like) {
      return "--stall-rate " + value.str() +
             " needs --deployment-like: only the fleet agents of a deployment-like mock stall";
    }
    if (!(*o.stall_rate >= 0.0 && *o.stall_rate <= 1.0)) {
      return "--stall-rate " + value.str() + ": expected a probability from 0 to 1";
    }
    o.mock.stall_rate = *o.stall_rate;
  }
  if (!o.mock.deployment_like) return "";
  if (o.mock.control_api) {
    return "--deployment-like excludes --control: a deployment has no control API "
           "(/_mock/ answers 404)";
  }
  if (o.mock.start_frozen) {
    return "--deployment-like excludes --frozen-clock: a deployment's clock cannot be frozen, "
           "and without the control API nothing could move it";
  }
  if (!o.script_file.empty() || !o.named_scripts.empty()) {
    return std::string("--deployment-like excludes ") +
           (o.script_file.empty() ? "--named-script" : "--script") +
           ": a deployment runs its own agents, not scripts";
  }
  return "";
}

}  // namespace

namespace {

// Where and how it listens.
void add_listen_options(CLI::App& cli, MockCliOptions& o) {
  cli.add_option("--host", o.server.bind_address, "Address to listen on")->capture_default_str();
  cli.add_option("-p,--port", o.server.port, "Port to listen on (0: any free port)")
      ->capture_default_str();
  cli.add_option("--port-file", o.port_file, "Write the bound port to this file once listening");
  cli.add_option("--threads", o.server.threads, "Server threads")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cli.add_option("--tls-cert", o.server.tls_cert_file, "PEM certificate chain: serve HTTPS")
      ->check(CLI::ExistingFile);
  cli.add_option("--tls-key", o.server.tls_key_file, "PEM private key for --tls-cert")
      ->check(CLI::ExistingFile);
}

// The agents, the clock and credits.
void add_agent_options(CLI::App& cli, MockCliOptions& o) {
  cli.add_option("--seed", o.mock.seed, "Seed of the default agents and fault probabilities")
      ->capture_default_str();
  cli.add_option("--time-scale", o.mock.time_scale,
                 "Multiplies every agent duration (0.01: a 60 s step takes 0.6 s)")
      ->check(CLI::Range(1e-6, 1e6))
      ->capture_default_str();
  cli.add_flag("--control", o.mock.control_api,
               "Answer the control API under /_mock/ (404 otherwise)");
  cli.add_flag("--frozen-clock", o.mock.start_frozen,
               "Start with the clock frozen (advance it with POST /_mock/clock)");
  cli.add_flag("--deployment-like", o.mock.deployment_like,
               "Behave as a real deployment: no control API, no scripts (\"mock_script\" is "
               "ignored), a seeded fleet agent per task");
  cli.add_option("--stall-rate", o.stall_rate,
                 "With --deployment-like: probability (0 to 1) that a task's agent stalls for "
                 "good (default 0)")
      ->option_text("R");
  cli.add_flag("--credits", o.mock.credits.enabled, "Charge credits per task; 402 when out");
  cli.add_option("--credits-per-day", o.mock.credits.per_day, "Credits per organization per day")
      ->check(CLI::Range(0, 1 << 30))
      ->capture_default_str();
  cli.add_option("--task-cost", o.mock.credits.task_cost, "Credits one task costs")
      ->check(CLI::Range(0, 1 << 30))
      ->capture_default_str();
}

// Accounts, faults, scripts and breaches, from the command line or files.
void add_input_options(CLI::App& cli, MockCliOptions& o) {
  cli.add_option("--user", o.user_specs,
                 "Password account for POST /auth/api-key: email:password[:name[:org]] "
                 "(repeatable)");
  cli.add_option("--users-file", o.users_file,
                 "JSON array of {email, password, name?, organization_name?}")
      ->check(CLI::ExistingFile);
  cli.add_option("--faults", o.faults_file, "JSON array of fault rules active from the start")
      ->check(CLI::ExistingFile);
  cli.add_option("--script", o.script_file,
                 "Agent script for every task created without its own (default: seeded agent)")
      ->check(CLI::ExistingFile);
  cli.add_option("--named-script", o.named_scripts,
                 "NAME=FILE: a script tasks can name in \"mock_script\" (repeatable)");
  {
    std::vector<std::string> rules(violatable_rules().begin(), violatable_rules().end());
    cli.add_option("--violate", o.mock.violations,
                   "Break this contract rule on purpose (repeatable; proves a suite catches it)")
        ->check(CLI::IsMember(rules))
        ->option_text("RULE_ID ...");
  }
  cli.add_option("--public-url", o.mock.public_base_url,
                 "Base URL for download_url (default: scheme + Host header)");
}

// Limits and logging.
void add_limit_options(CLI::App& cli, MockCliOptions& o) {
  cli.add_option("--max-body", o.server.max_body_bytes, "Largest request body in bytes (413 above)")
      ->capture_default_str();
  cli.add_option("--max-header", o.server.max_header_bytes,
                 "Largest request head in bytes (431 above)")
      ->capture_default_str();
  cli.add_option("--max-tasks-per-org", o.mock.limits.max_tasks_per_org,
                 "Tasks one organization may hold (429 above; its GET /tasks/ lists them all)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100'000'000}))
      ->capture_default_str();
  cli.add_option("--max-store-mb", o.max_store_mb,
                 "MiB of task data (texts, scripts, events, files; estimated) the mock holds at "
                 "most: creates and replies beyond get 429")
      ->check(CLI::Range(1LL, 1LL << 30))
      ->capture_default_str();
  cli.add_option("--max-connections", o.server.max_connections,
                 "Open connections at most (then a new one evicts the longest-waiting idle or unfinished one, or gets 503)")
      ->capture_default_str();
  cli.add_option("--idle-timeout-ms", o.idle_timeout_ms,
                 "Close keep-alive connections idle this long")
      ->check(CLI::Range(1LL, 86400000LL))
      ->capture_default_str();
  cli.add_option("--evict-after-ms", o.evict_after_ms,
                 "At --max-connections, a keep-alive connection idle this long (or any unfinished "
                 "request head) gives way to a new one")
      ->check(CLI::Range(1LL, 86400000LL))
      ->capture_default_str();
  cli.add_flag("--no-evict", o.no_evict,
               "At --max-connections, answer 503 instead of evicting a waiting connection");
  cli.add_option("--head-timeout-ms", o.head_timeout_ms,
                 "A request's head (and TLS handshake) must arrive within this")
      ->check(CLI::Range(1LL, 86400000LL))
      ->capture_default_str();
  cli.add_option("--request-timeout-ms", o.request_timeout_ms,
                 "A request's body must arrive within this once its head is in")
      ->check(CLI::Range(1LL, 86400000LL))
      ->capture_default_str();
  cli.add_option("--log", o.log, "quiet, or requests: one line per request on stderr")
      ->check(CLI::IsMember({"quiet", "requests"}))
      ->capture_default_str();
}

}  // namespace

void add_mock_options(CLI::App& cli, MockCliOptions& o) {
  add_listen_options(cli, o);
  add_agent_options(cli, o);
  add_input_options(cli, o);
  add_limit_options(cli, o);
}

namespace {

// --max-connections against the open-file limit: each connection holds a descriptor, and one
// more than the process may open is not refused with a 503 but left hanging in the backlog
// (issue 17's probe). The soft limit is raised toward what the setting needs (up to the hard
// limit); when that is not enough, the setting is lowered to fit, and both are said on stderr.
void fit_connections_to_file_limit(ServerOptions& server, const std::string& name) {
  constexpr rlim_t kReserve = 64;  // listening sockets, epoll, timers, stdio, files, 503 replies
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t wanted = static_cast<rlim_t>(server.max_connections) + kReserve;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    const rlim_t before = limit.rlim_cur;
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
    if (raised.rlim_cur > before && setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      limit = raised;
      std::cerr << name << ": raised the open-file limit from " << before << " to "
                << limit.rlim_cur << " for --max-connections " << server.max_connections
                << "\n";
    }
  }
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    const auto fitted = static_cast<std::size_t>(
        limit.rlim_cur > kReserve + 1 ? limit.rlim_cur - kReserve : 1);
    std::cerr << name << ": --max-connections " << server.max_connections << " lowered to "
              << fitted << ": the open-file limit is " << limit.rlim_cur << " (hard "
              << (limit.rlim_max == RLIM_INFINITY ? std::string("unlimited")
                                                  : std::to_string(limit.rlim_max))
              << "); connections beyond it get 503\n";
    server.max_connections = fitted;
  }
}

}  // namespace

int run_mock(MockCliOptions& o, const std::string& name) {
  if (auto error = check_deployment_like(o); !error.empty()) {
    std::cerr << name << ": " << error << "\n";
    return 2;
  }
  if (auto error = load_inputs(o); !error.empty()) {
    std::cerr << name << ": " << error << "\n";
    return 2;
  }
  o.server.log_requests = o.log == "requests";
  o.server.idle_timeout = std::chrono::milliseconds(o.idle_timeout_ms);
  o.server.request_timeout = std::chrono::milliseconds(o.request_timeout_ms);
  o.server.head_timeout = std::chrono::milliseconds(o.head_timeout_ms);
  o.server.evict_after = std::chrono::milliseconds(o.evict_after_ms);
  o.server.evict = !o.no_evict;
  o.mock.limits.max_bytes = static_cast<std::size_t>(o.max_store_mb) << 20;
  fit_connections_to_file_limit(o.server, name);

  try {
    MockServer mock(o.mock, o.server);
    const auto port = mock.start();
    if (!o.port_file.empty()) {
      std::ofstream(o.port_file) << port << "\n";
    }
    std::cout << name << " listening on " << mock.base_url() << " (threads " << o.server.threads
              << ", time scale " << o.mock.time_scale << ", control API "
              << (o.mock.control_api ? "on" : "off");
    if (o.mock.deployment_like) std::cout << ", deployment-like, stall rate " << o.mock.stall_rate;
    std::cout << ")" << std::endl;
    for (const auto& rule : o.mock.violations) {
      std::cerr << name << ": VIOLATING " << rule << " on purpose\n";
    }
    mock.run_until_signal();
    std::cout << name << " stopped" << std::endl;
  } catch (const std::exception& e) {
    std::cerr << name << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace agentwork::mock
