#include "harness/runner/runner.hpp"

#include <cstdlib>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "common/timestamp.hpp"
#include "harness/net/agentwork_client.hpp"
#include "harness/runner/scenario_run.hpp"

namespace agentwork::harness {

namespace asio = boost::asio;
using detail::RunContext;
using detail::SteadyClock;
using detail::Timer;

TargetProbe probe_target(const std::string& base_url, const HttpClientOptions& http) {
  asio::io_context io;
  HttpClientOptions options = http;
  options.max_attempts = 1;  // an unreachable target is reported at once
  HttpClient client(io.get_executor(), options);
  TargetProbe probe;
  auto task = [&]() -> Awaitable<void> {
    AgentworkClient api(client, base_url);
    const std::string url = api.base_url() + "/_mock/clock";
    ApiCall c = co_await api.raw("GET", url, std::nullopt, Auth::none);
    if (!c.exchange.ok()) {
      probe.error = std::string(to_string(c.exchange.error)) + ": " + c.exchange.error_message;
      co_return;
    }
    probe.reachable = true;
    if (c.status() == 200 && c.is_json() && c.json.is_object() && c.json.contains("time_scale") &&
        c.json["time_scale"].is_number() && c.json.contains("now_us")) {
      probe.mock = true;
      probe.time_scale = c.json["time_scale"].get<double>();
    }
  };
  asio::co_spawn(io, task(), asio::detached);
  io.run();
  return probe;
}

struct Runner::Impl {
  explicit Impl(RunnerConfig c) : config(std::move(c)) {}

  // Runs scenarios[indices] with at most `width` at a time.
  Awaitable<void> run_batch(RunContext& ctx, const std::vector<Scenario>& scenarios,
                            const std::vector<std::size_t>& indices, std::size_t width,
                            std::vector<std::optional<ScenarioResult>>& results,
                            const std::function<void(const ScenarioResult&)>& on_done);

  RunnerConfig config;
  asio::io_context io;
  RunContext* ctx = nullptr;  // while running
};

Awaitable<void> Runner::Impl::run_batch(RunContext& ctx, const std::vector<Scenario>& scenarios,
                                        const std::vector<std::size_t>& indices, std::size_t width,
                                        std::vector<std::optional<ScenarioResult>>& results,
                                        const std::function<void(const ScenarioResult&)>& on_done) {
  std::size_t next = 0, running = 0;
  // Each worker takes the next scenario until none is left; the batch ends when all are done.
  Timer done_signal(ctx.executor);
  done_signal.expires_at(SteadyClock::time_point::max());
  auto worker = [&]() -> Awaitable<void> {
    while (next < indices.size() && !ctx.stopping) {
      const std::size_t i = indices[next++];
      ScenarioResult r = co_await detail::run_scenario(ctx, scenarios[i], i + 1);
      if (on_done) on_done(r);
      results[i] = std::move(r);
    }
    if (--running == 0) done_signal.cancel();
  };
  const std::size_t n = std::min(std::max<std::size_t>(width, 1), indices.size());
  if (n == 0) co_return;
  running = n;
  for (std::size_t w = 0; w < n; ++w) asio::co_spawn(ctx.executor, worker(), asio::detached);
  // A worker that finds nothing to do ends before this waits (its cancel is then lost): hence
  // the loop on the count rather than one wait.
  while (running > 0) {
    boost::system::error_code ec;
    co_await done_signal.async_wait(asio::redirect_error(asio::use_awaitable_t<Executor>{}, ec));
  }
}

Runner::Runner(RunnerConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
Runner::~Runner() = default;

void Runner::interrupt() {
  asio::post(impl_->io, [impl = impl_.get()] {
    if (impl->ctx) impl->ctx->stop();
  });
}

namespace {

ScenarioResult unrun(const Scenario& s, Verdict verdict, std::string reason) {
  ScenarioResult r;
  r.name = s.name;
  r.file = s.file;
  r.tags = s.tags;
  r.verdict = verdict;
  r.reason = std::move(reason);
  return r;
}

// Which scenarios run side by side (`shared`) and which alone, after the others (they move the
// mock's clock); those that need the mock off the mock are skipped at once.
void plan(const RunnerConfig& cfg, const std::vector<Scenario>& scenarios,
          std::vector<std::optional<ScenarioResult>>& results, std::vector<std::size_t>& shared,
          std::vector<std::size_t>& alone,
          const std::function<void(const ScenarioResult&)>& on_done) {
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    const auto& s = scenarios[i];
    if (s.needs_mock && !cfg.mock) {
      ScenarioResult r = unrun(s, Verdict::skipped,
                               "needs the bundled mock (tagged mock-only or moves its clock)");
      if (on_done) on_done(r);
      results[i] = std::move(r);
      continue;
    }
    bool moves_clock = false;
    for (const auto& step : s.steps) {
      moves_clock = moves_clock || std::holds_alternative<steps::AdvanceClock>(step.action);
    }
    (moves_clock ? alone : shared).push_back(i);
  }
}

RunResult result_header(const RunnerConfig& cfg) {
  RunResult out;
  out.profile = cfg.strict ? "strict" : "guide";
  out.mock = cfg.mock;
  out.time_scale = cfg.time_scale;
  out.seed = cfg.seed;
  out.run_id = cfg.run_id;
  out.target = cfg.base_url;
  out.started_at =
      agentwork::format_timestamp(std::chrono::duration_cast<std::chrono::microseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count());
  return out;
}

// The scenarios' results in the given order (those never started: interrupted), the run's
// latency and its thresholds.
void finish_result(RunResult& out, const RunnerConfig& cfg, const std::vector<Scenario>& scenarios,
                   std::vector<std::optional<ScenarioResult>>& results, const RunMetrics& metrics) {
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    if (!results[i]) {  // never started: the run was interrupted first
      results[i] =
          unrun(scenarios[i], Verdict::interrupted, "not started: the run was interrupted");
    }
    out.scenarios.push_back(std::move(*results[i]));
  }
  out.latency = metrics.summary();
  const auto judged = load::evaluate_all(cfg.thresholds, metrics);
  for (std::size_t i = 0; i < judged.size(); ++i) {
    out.thresholds.push_back(
        {cfg.thresholds[i].text, judged[i].verdict == agentwork::Verdict::passed, judged[i].line});
  }
}

}  // namespace

RunResult Runner::run(const std::vector<Scenario>& scenarios,
                      const std::function<void(const ScenarioResult&)>& on_done) {
  auto& cfg = impl_->config;
  RunResult out = result_header(cfg);
  const auto began = SteadyClock::now();

  std::vector<std::optional<ScenarioResult>> results(scenarios.size());
  std::vector<std::size_t> shared, alone;
  plan(cfg, scenarios, results, shared, alone, on_done);

  auto& io = impl_->io;
  io.restart();
  HttpClient http(io.get_executor(), cfg.http);
  RunContext ctx(cfg, http, io.get_executor());
  impl_->ctx = &ctx;
  asio::signal_set signals(io);
  if (cfg.handle_signals) {
    signals.add(SIGINT);
    signals.add(SIGTERM);
    // The first signal stops the run (and its cleanup runs); a second one exits at once.
    signals.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      ctx.stop();
      signals.async_wait([](const boost::system::error_code& again, int) {
        if (!again) std::_Exit(130);
      });
    });
  }
  auto main = [&]() -> Awaitable<void> {
    co_await impl_->run_batch(ctx, scenarios, shared, cfg.parallel, results, on_done);
    // Scenarios that move the mock's clock would disturb the timing of the others: one by one.
    co_await impl_->run_batch(ctx, scenarios, alone, 1, results, on_done);
    signals.cancel();
  };
  asio::co_spawn(io, main(), asio::detached);
  io.run();
  impl_->ctx = nullptr;

  out.interrupted = ctx.stopping;
  finish_result(out, cfg, scenarios, results, ctx.metrics);
  out.duration_ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - began).count();
  return out;
}

}  // namespace agentwork::harness
