#include "harness/runner/scenario_driver.hpp"

#include "harness/runner/scenario_run.hpp"

namespace agentwork::harness {

ScenarioDriver::ScenarioDriver(RunnerConfig config, HttpClient& http, Executor executor)
    : config_(std::move(config)),
      ctx_(std::make_unique<detail::RunContext>(config_, http, executor)) {}

ScenarioDriver::~ScenarioDriver() = default;

Awaitable<ScenarioResult> ScenarioDriver::run(const Scenario& scenario, std::size_t ordinal) {
  ScenarioResult result = co_await detail::run_scenario(*ctx_, scenario, ordinal);
  co_return result;
}

void ScenarioDriver::stop() {
  ctx_->stop();
}

}  // namespace agentwork::harness
