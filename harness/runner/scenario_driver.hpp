// One scenario at a time for a caller that owns the io_context and the HTTP client: the load
// engine's scenario clients. The same interpreter, checks and cleanup as Runner, without its
// batches, signals or thresholds. No Beast.
#pragma once

#include <cstddef>
#include <memory>

#include "harness/net/http_client.hpp"
#include "harness/result/run_result.hpp"
#include "harness/runner/runner.hpp"
#include "harness/runner/scenario.hpp"

namespace agentwork::harness {

namespace detail {
struct RunContext;
}

class ScenarioDriver {
 public:
  // `http` and the executor's io_context outlive the driver; the config is copied.
  ScenarioDriver(RunnerConfig config, HttpClient& http, Executor executor);
  ~ScenarioDriver();
  ScenarioDriver(const ScenarioDriver&) = delete;
  ScenarioDriver& operator=(const ScenarioDriver&) = delete;

  // Runs `scenario` to its end, then cancels every task it created that is not terminal.
  // `ordinal` makes its "{run}" e-mail addresses unique among the runs of this driver.
  Awaitable<ScenarioResult> run(const Scenario& scenario, std::size_t ordinal);

  // On the executor's thread: waits end at once and no new step starts (cleanups still run).
  void stop();

 private:
  RunnerConfig config_;
  std::unique_ptr<detail::RunContext> ctx_;
};

}  // namespace agentwork::harness
