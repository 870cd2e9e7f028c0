// Internal to the runner: the interpreter of one scenario (steps, policy, checks, cleanup) and
// the state it shares with the other scenarios of a run on the same io_context. No Beast.
#pragma once

#include <chrono>
#include <cstddef>
#include <set>

#include <boost/asio/steady_timer.hpp>

#include "harness/net/http_client.hpp"
#include "harness/result/run_metrics.hpp"
#include "harness/result/run_result.hpp"
#include "harness/runner/runner.hpp"
#include "harness/runner/scenario.hpp"

namespace agentwork::harness::detail {

using Timer = boost::asio::steady_timer::rebind_executor<Executor>::other;
using SteadyClock = std::chrono::steady_clock;

// One per run; every scenario coroutine of the run holds a reference. Single-threaded: only
// touched on the run's io_context thread.
struct RunContext {
  RunContext(const RunnerConfig& c, HttpClient& h, Executor e) : config(c), http(h), executor(e) {}

  const RunnerConfig& config;
  HttpClient& http;
  Executor executor;
  bool stopping = false;     // interrupted: waits end at once, no new step starts
  std::set<Timer*> waiting;  // timers of the waits in progress, cancelled by stop()
  RunMetrics metrics;        // every request of every scenario's steps

  // Waits `d`; false when the run is stopping (at once, or when stop() comes during the wait).
  Awaitable<bool> wait(SteadyClock::duration d);
  void stop();
};

// Runs one scenario to its end, then cancels every task it created that is not terminal.
// `ordinal` makes the scenario's "{run}" e-mail addresses unique within the run.
Awaitable<ScenarioResult> run_scenario(RunContext& ctx, const Scenario& scenario,
                                       std::size_t ordinal);

}  // namespace agentwork::harness::detail
