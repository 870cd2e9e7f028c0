// The worker's scenario clients (one coroutine each, running the runner's scenario) and the
// open model's arrivals; policy and poll clients are parked between requests (worker_fleet.cpp).
#include "harness/load/schedule.hpp"
#include "harness/load/worker.hpp"

namespace agentwork::load::internal {

Awaitable<void> Worker::scenario_client(std::int64_t start_us,
                                        std::optional<std::int64_t> iterations) {
  Client c(io_.get_executor());
  add_client(c);
  bool running = co_await sleep_until(c, start_us);
  for (std::int64_t i = 0; running && (!iterations || i < *iterations); ++i) {
    if (!shared_.take_task()) break;
    ++arrivals_;
    co_await run_scenario_once(c);
    running = !stopping_;
  }
  remove_client(c);
  --alive_;
}

Awaitable<void> Worker::arrivals(OpenExecutor open) {
  const ArrivalSchedule schedule(open, cfg_.profile.warmup_s + cfg_.profile.duration_s);
  const auto share = std::max<std::int64_t>(1, open.max_in_flight / count_);
  Client c(io_.get_executor());  // the arrival clock (not a task client)
  arrival_clock_ = &c;
  const ItemStride stride = item_stride(cfg_.shard, index_, count_);
  for (auto k = static_cast<std::uint64_t>(stride.first);; k += static_cast<std::uint64_t>(stride.step)) {
    const auto at = schedule.time_of(k);
    if (!at) break;
    const auto due_us = shared_.t0_us + *at;
    const bool running = co_await sleep_until(c, due_us);
    if (!running) {
      // Due by the stop but reached after it (this thread ran late): the schedule promised
      // it, so it counts, as an arrival that started no task.
      if (stop_due_us_ && due_us <= *stop_due_us_) {
        ++arrivals_;
        ++dropped_arrivals_;
      }
      break;
    }
    ++arrivals_;
    if (in_flight_ >= share) {
      ++dropped_arrivals_;
      continue;
    }
    if (!shared_.take_task()) break;
    ++in_flight_;
    if (scenarios_) {
      ++alive_;
      spawn(open_scenario());
    } else {
      add_fleet_client(steady_now_us(), 1, /*open=*/true);
    }
  }
  arrival_clock_ = nullptr;
  --alive_;
  wake_dispatcher(INT64_MIN);  // it ends when no client is left and no arrival will come
}

Awaitable<void> Worker::open_scenario() {
  Client c(io_.get_executor());
  add_client(c);
  co_await run_scenario_once(c);
  remove_client(c);
  --in_flight_;
  --alive_;
}

std::int64_t Worker::interval_us() {
  if (cfg_.profile.poll_interval_s <= 0) return 0;
  const double j = cfg_.profile.jitter;
  std::uniform_real_distribution<double> d(1 - j, 1 + j);
  return std::max<std::int64_t>(1000, seconds_to_us(cfg_.profile.poll_interval_s * d(rng_)));
}

Awaitable<bool> Worker::run_scenario_once(Client& c) {
  const ItemStride stride = item_stride(cfg_.shard, index_, count_);
  const auto ordinal = static_cast<std::size_t>(stride.first) +
                       ordinal_++ * static_cast<std::size_t>(stride.step);
  const auto began = steady_now_us();
  set_state(c, TaskState::processing);
  harness::ScenarioResult r = co_await scenarios_->run(*cfg_.scenario, ordinal);
  set_state(c, std::nullopt);
  record_scenario(r, began);
  co_return true;
}

void Worker::record_scenario(const harness::ScenarioResult& r, std::int64_t began_us) {
  checked_ += r.requests;
  cleanup_.cancelled += r.tasks_cancelled;
  created_all_ += r.tasks_created;
  const bool measured = shared_.measured(began_us);
  if (measured) {
    for (std::size_t i = 0; i < r.tasks_created; ++i) metrics_.on_task_created();
  }
  for (const auto& f : r.findings) {
    if (f.severity != harness::Severity::failure) continue;
    record_failure(f.rule_id, [&](CheckFailure& cf) {
      cf.detail = r.name + ": " + f.detail;
      if (f.evidence) cf.evidence = *f.evidence;
    });
  }
  if (r.verdict == agentwork::Verdict::interrupted || !shared_.measured(steady_now_us())) return;
  const auto outcome =
      r.verdict == agentwork::Verdict::passed ? TaskOutcome::completed : TaskOutcome::failed;
  metrics_.on_task_end(outcome, static_cast<std::int64_t>(r.duration_ms * 1000), r.polls);
}

}  // namespace agentwork::load::internal
