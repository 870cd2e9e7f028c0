// The scenario's run: the run's shared waits, each step's record, and the cleanup that cancels
// every task the scenario left behind.
#include "harness/runner/scenario_run.hpp"
#include "harness/runner/scenario_interpreter.hpp"
#include "common/rules.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace agentwork::harness::detail {

using nlohmann::json;
namespace asio = boost::asio;

Awaitable<bool> RunContext::wait(SteadyClock::duration d) {
  if (stopping) co_return false;
  Timer timer(executor);
  timer.expires_after(d);
  waiting.insert(&timer);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable_t<Executor>{}, ec));
  waiting.erase(&timer);
  co_return !stopping;
}

void RunContext::stop() {
  stopping = true;
  for (auto* t : waiting) t->cancel();
}

Awaitable<void> ScenarioRun::run_step(const Step& step) {
  step_index_ = step.index;
  step_kind_ = std::string(step_kind(step.action));
  step_note_.clear();
  step_ok_ = true;
  step_via_.clear();
  step_via_reason_.clear();
  const auto began = SteadyClock::now();
  StepRecord rec;
  rec.index = step.index;
  rec.kind = step_kind_;
  std::visit(
      [&](const auto& a) {
        if constexpr (requires { a.task; }) rec.task = a.task;
      },
      step.action);
  // The record is written however the step ends.
  struct Finish {
    ScenarioRun& run;
    StepRecord& rec;
    SteadyClock::time_point began;
    ~Finish() {
      rec.ok = run.step_ok_;
      rec.note = run.step_note_;
      if (run.step_via_.size() == 2) {
        rec.via = "mcp+rest";
      } else if (!run.step_via_.empty()) {
        rec.via = *run.step_via_.begin();
      }
      rec.via_reason = run.step_via_reason_;
      rec.duration_ms =
          std::chrono::duration<double, std::milli>(SteadyClock::now() - began).count();
      run.result_.steps.push_back(std::move(rec));
    }
  } finish{*this, rec, began};
  auto op = std::visit([this](const auto& a) { return this->step(a); }, step.action);
  co_await std::move(op);
}

Awaitable<void> ScenarioRun::cleanup() {
  step_index_ = sc_.steps.size();
  step_kind_ = "cleanup";
  // The cleanup goes over REST: the MCP servers are stopped first (a broken one must not leave
  // tasks running).
  for (auto& [account, api] : clients_) api.set_tool_route(nullptr);
  std::vector<TaskRec*> all;
  for (auto& t : replaced_) all.push_back(&t);
  for (auto& [name, t] : tasks_) all.push_back(&t);
  const auto give_up = SteadyClock::now() + ctx_.config.cleanup_timeout;
  for (TaskRec* t : all) {
    if (t->known_terminal) continue;
    if (SteadyClock::now() >= give_up) {
      add_finding("S.transport", "cleanup gave up: task " + t->id + " may still be running",
                  nullptr, t->name);
      continue;
    }
    auto it = clients_.find(t->account);
    if (it == clients_.end()) continue;
    AgentworkClient& api = it->second;
    ApiCall status = co_await api.task_status(t->id);
    const auto view = status.status() == 200 ? status_view(status.json) : std::nullopt;
    const auto state = view ? parse_task_state(view->status) : std::nullopt;
    if (state && is_terminal(*state)) continue;
    ApiCall c = co_await api.cancel(t->id);
    if (c.status() == 200) {
      ++result_.tasks_cancelled;
    } else {
      add_finding("S.step.status",
                  "cleanup: cancelling task " + t->id + " answered " + std::to_string(c.status()) +
                      (c.exchange.ok() ? "" : " (" + c.exchange.error_message + ")"),
                  &c, t->name);
    }
  }
}

Awaitable<ScenarioResult> ScenarioRun::run() {
  std::optional<Stop> stopped;
  if (!ctx_.config.mcp_command.empty()) {
    result_.transport = "mcp";
  } else {
    for (const auto& id : sc_.covers) {  // the MCP rules need an MCP server to check
      const auto rule = find_rule(id);
      if (rule && is_mcp_rule(*rule)) {
        result_.not_seen.push_back({id, "an MCP rule: run with --via mcp --mcp-command CMD"});
      }
    }
  }
  for (const auto& step : sc_.steps) {
    if (ctx_.stopping) {
      stopped = Stop{Verdict::interrupted, "interrupted"};
      break;
    }
    try {
      co_await run_step(step);
    } catch (const Stop& s) {
      stopped = s;
    } catch (const StepFailed&) {
      break;
    } catch (const std::exception& e) {  // a bug of the harness: report it, still clean up
      stopped = Stop{Verdict::error, std::string("internal error: ") + e.what()};
    }
    if (stopped) break;
  }
  co_await cleanup();
  result_.duration_ms =
      std::chrono::duration<double, std::milli>(SteadyClock::now() - started_).count();
  if (stopped) {
    result_.verdict = stopped->verdict;
    result_.reason = stopped->reason;
  } else {
    result_.verdict = result_.failures() ? Verdict::failed : Verdict::passed;
  }
  if (result_.verdict == Verdict::interrupted || result_.verdict == Verdict::error) {
    const std::size_t done = result_.steps.size();
    result_.reason +=
        " at step " + std::to_string(done) + " of " + std::to_string(sc_.steps.size());
  }
  co_return std::move(result_);
}

Awaitable<ScenarioResult> run_scenario(RunContext& ctx, const Scenario& scenario,
                                       std::size_t ordinal) {
  ScenarioRun run(ctx, scenario, ordinal);
  ScenarioResult result = co_await run.run();
  co_return result;
}

}  // namespace agentwork::harness::detail
