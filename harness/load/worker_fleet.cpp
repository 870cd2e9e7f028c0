// The worker's policy and poll clients (worker.hpp, FleetClient): parked in a due-queue between
// their requests, stepped by one dispatcher. A million idle clients cost a million small
// structs and heap entries, not a million suspended coroutine chains.
#include <algorithm>

#include "harness/load/worker.hpp"

namespace agentwork::load::internal {

namespace {

// Wind-downs at once after a stop (each cancels a live task): enough to keep every connection
// busy, few enough that a million parked clients do not all hold a coroutine at once.
std::int64_t wind_down_limit(const EngineConfig& cfg) {
  return std::max<std::int64_t>(64, 2 * static_cast<std::int64_t>(cfg.transport.max_connections));
}

}  // namespace

void Worker::add_fleet_client(std::int64_t start_us, std::optional<std::int64_t> iterations,
                              bool open) {
  auto f = std::make_unique<FleetClient>(io_.get_executor());
  f->iterations_left = iterations.value_or(-1);
  f->open = open;
  f->slot = fleet_.size();
  add_client(f->c);
  ++alive_;
  FleetClient& client = *f;
  fleet_.push_back(std::move(f));
  park(client, start_us);
}

void Worker::park(FleetClient& f, std::int64_t due_us) {
  due_.push(due_us, &f);
  wake_dispatcher(due_us);
}

// The dispatcher wakes on a tick of this many µs (the earliest due time rounded up), so that
// clients due within one tick go in one wake-up and one timer update: a million clients
// ramping up over a minute are due every 60 µs. A fortieth of the poll interval at most, so
// that the delay stays far below a late poll's threshold (a tenth of the interval); 1 ms at
// most.
std::int64_t dispatch_tick_us(const EngineConfig& cfg) {
  return std::clamp<std::int64_t>(seconds_to_us(cfg.profile.poll_interval_s) / 40, 1, 1000);
}

// One and a half poll intervals (jitter stretches one by at most a half) on the wheel; at least
// 1,024 ticks, at most 2^17 (3.1 MiB of empty buckets; a longer interval waits in the
// overflow heap until the sweep nears it).
std::size_t wheel_slots(const EngineConfig& cfg) {
  const auto ticks = seconds_to_us(cfg.profile.poll_interval_s) * 3 / 2 / dispatch_tick_us(cfg);
  return static_cast<std::size_t>(std::clamp<std::int64_t>(ticks + 2, 1024, 1 << 17));
}

void Worker::wake_dispatcher(std::int64_t due_us) {
  if (due_us != INT64_MIN) due_us = due_.fire_time(due_us);
  if (dispatching_ && due_us < dispatch_armed_us_) {
    dispatch_armed_us_ = due_us;
    dispatch_timer_.cancel();
  }
}

Awaitable<void> Worker::dispatch() {
  dispatching_ = true;
  while (!stopping_ && alive_ > 0) {
    dispatch_armed_us_ = due_.next_due();  // DueWheel::kNever (INT64_MAX) when none is parked
    dispatch_timer_.expires_at(dispatch_armed_us_ == INT64_MAX ? Clock::time_point::max()
                                                               : at_us(dispatch_armed_us_));
    co_await dispatch_timer_.async_wait(use_nothrow);
    dispatch_armed_us_ = INT64_MAX;
    if (stopping_) break;
    // Woken at a tick: every client due by now (those due within the tick passed) goes.
    due_.take_due(steady_now_us(), ready_);
    for (FleetClient* f : ready_) spawn(step(*f));
    ready_.clear();
  }
  // Stopped: every parked client winds down, a bounded number at a time (each finishing one
  // wakes this loop).
  const auto limit = wind_down_limit(cfg_);
  while (!due_.empty()) {
    if (winding_down_ >= limit) {
      dispatch_armed_us_ = INT64_MAX;
      dispatch_timer_.expires_at(Clock::time_point::max());
      co_await dispatch_timer_.async_wait(use_nothrow);
      continue;
    }
    FleetClient* f = due_.take_earliest();
    ++winding_down_;
    spawn([this, f]() -> Awaitable<void> {
      co_await wind_down(*f);
      --winding_down_;
      wake_dispatcher(INT64_MIN);
    });
  }
  dispatching_ = false;
}

Awaitable<void> Worker::step(FleetClient& f) {
  static const Policy kWatchPolicy;  // a poll client only watches
  const auto* policy_client = std::get_if<PolicyClient>(&cfg_.profile.client);
  const Policy& policy = policy_client ? policy_client->policy : kWatchPolicy;
  for (;;) {
    if (stopping_) {
      co_await wind_down(f);
      co_return;
    }
    if (!f.task) {  // the next iteration: a new task (or the poll client's again)
      if (f.iterations_left == 0 || (!f.open && !shared_.take_task())) {
        end_client(f);
        co_return;
      }
      if (!f.open) ++arrivals_;
      if (f.iterations_left > 0) --f.iterations_left;
      const bool started = co_await start_task(f);
      if (started) continue;
      // A failed create waits one poll interval: never a hot loop against a failing server.
      if (stopping_ || f.open || f.iterations_left == 0) {
        end_client(f);
      } else {
        park(f, steady_now_us() + interval_us());
      }
      co_return;
    }
    if (f.intended_us > steady_now_us()) {
      park(f, f.intended_us);
      co_return;
    }
    const bool polled = co_await poll_once(f, policy);
    if (!polled) continue;  // stopped before it was sent: wound down above
    if (f.task->outcome) co_await end_task(f);
  }
}

Awaitable<void> Worker::wind_down(FleetClient& f) {
  if (f.task) co_await end_task(f);
  end_client(f);
}

void Worker::end_client(FleetClient& f) {
  remove_client(f.c);
  if (f.open) --in_flight_;
  --alive_;
  const std::size_t slot = f.slot;
  fleet_[slot] = std::move(fleet_.back());  // destroys f when it was not the last
  fleet_[slot]->slot = slot;
  fleet_.pop_back();
  if (alive_ == 0) wake_dispatcher(INT64_MIN);
}

}  // namespace agentwork::load::internal
