// The controller: starts the workers (worker.hpp) behind a short gate, ticks once a second on the
// calling thread (progress, circuit breaker, abort-on-fail, the end of the run, interrupts),
// stops them, and merges their figures after they join.
#include "harness/load/engine.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <vector>

#include "harness/load/worker.hpp"

namespace agentwork::load {

using internal::at_us;
using internal::Clock;
using internal::kMicros;
using internal::seconds_to_us;
using internal::Shared;
using internal::Snapshot;
using internal::Worker;

namespace {

constexpr std::size_t kMaxLeftIds = 100;

// Microseconds since the Unix epoch on the wall clock: when a run starts, for the reports and
// to line shards up; never for durations.
std::int64_t unix_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
using Workers = std::vector<std::unique_ptr<Worker>>;

// What the result says of the run before it starts.
LoadResult result_header(const LoadProfile& p) {
  LoadResult result;
  result.profile_name = p.name;
  result.profile_file = p.file;
  result.executor = describe_executor(p);
  if (const auto* poll = std::get_if<PollClient>(&p.client)) {
    result.client = "poll " + poll->task_id;
  } else if (const auto* scenario = std::get_if<ScenarioClient>(&p.client)) {
    result.client = "scenario " + scenario->path;
  } else {
    result.client = "policy";
  }
  result.workers = p.workers;
  result.poll_interval_s = p.poll_interval_s;
  result.rate_cap = p.rate_cap;
  result.warmup_s = p.warmup_s;
  return result;
}

// The calling thread's view of the run between ticks: what stops it and when.
class Controller {
 public:
  Controller(const EngineConfig& config, Shared& shared, Workers& workers, LoadResult& result)
      : config_(config), p_(config.profile), sh_(shared), workers_(workers), result_(result) {
    ticks_per_window_ = static_cast<std::size_t>(std::max(1.0, p_.circuit_breaker.window_s));
  }

  // An interrupt (Ctrl-C) seen since the last tick: the first stops the run, a second one (or
  // one during the stop) abandons the cleanup.
  void on_interrupt(int interrupts_seen) {
    if (!reason_) {
      reason_ = StopReason::interrupted;
      result_.stop_detail = "interrupted (Ctrl-C); cancelling the tasks left";
    } else if (interrupts_seen >= 2 || stop_sent_) {
      for (auto& w : workers_) w->abandon();
    }
  }

  // One tick; true when the run is over (every worker finished after the stop).
  bool tick(const std::function<void(const LiveFigures&)>& on_tick) {
    Snapshot snap(sh_.main_start_us);
    snap.finished = true;
    for (auto& w : workers_) w->read_snapshot(snap);
    const auto now = steady_now_us();
    const double dt = std::chrono::duration<double>(Clock::now() - last_tick_).count();
    last_tick_ = Clock::now();
    if (on_tick) on_tick(live_figures(snap, now, dt));
    last_requests_ = snap.requests;
    if (!reason_ && !stop_sent_) check_circuit_breaker(snap);
    if (!reason_ && !stop_sent_ && p_.abort_on_fail && now >= sh_.main_start_us) {
      check_thresholds(snap, now);
    }
    if (!reason_ && now >= sh_.main_end_us) reason_ = StopReason::duration_elapsed;
    if (!reason_ && snap.finished) {
      const bool budget = p_.max_tasks && sh_.tasks_started.load() >= *p_.max_tasks;
      reason_ = budget ? StopReason::max_tasks : StopReason::iterations_done;
    }
    if (reason_ && !stop_sent_) {
      stop_sent_ = true;
      stop_us_ = now;
      for (auto& w : workers_) w->request_stop(now);
    }
    if (!stop_sent_) return false;
    if (snap.finished) return true;
    if (Clock::now() >= at_us(*stop_us_) + config_.cleanup_timeout) {
      for (auto& w : workers_) w->abandon();
    }
    return false;
  }

  StopReason reason() const { return *reason_; }
  std::optional<std::int64_t> stop_us() const { return stop_us_; }

 private:
  LiveFigures live_figures(const Snapshot& snap, std::int64_t now, double dt) const;
  // The circuit breaker: failed / all requests over the window.
  void check_circuit_breaker(const Snapshot& snap);
  // Abort on fail: a threshold failing now that cannot pass by the end.
  void check_thresholds(const Snapshot& snap, std::int64_t now);

  const EngineConfig& config_;
  const LoadProfile& p_;
  Shared& sh_;
  Workers& workers_;
  LoadResult& result_;
  std::optional<StopReason> reason_;
  std::deque<std::pair<std::uint64_t, std::uint64_t>> window_;  // (requests, errors) per tick
  std::size_t ticks_per_window_ = 1;
  std::uint64_t last_requests_ = 0;
  Clock::time_point last_tick_ = Clock::now();
  bool stop_sent_ = false;
  std::optional<std::int64_t> stop_us_;
};

LiveFigures Controller::live_figures(const Snapshot& snap, std::int64_t now, double dt) const {
  LiveFigures live;
  live.elapsed_s = static_cast<double>(now - sh_.t0_us) / kMicros;
  live.warmup = now < sh_.main_start_us;
  live.stopping = stop_sent_;
  live.requests = snap.requests;
  live.errors = snap.errors;
  // In the measured phase: the last whole second of the request-rate series (exact, whatever
  // the lag between the workers' snapshots and this tick); before it, the change since the
  // last tick.
  live.requests_per_s = dt > 0 ? static_cast<double>(snap.requests - last_requests_) / dt : 0;
  const auto series = snap.metrics.rate_series();
  const auto second = (now - sh_.main_start_us) / kMicros - 1;
  if (second >= 0 && snap.metrics.rate_slot_width_s() == 1 &&
      static_cast<std::size_t>(second) < series.size() && now < sh_.main_end_us) {
    live.requests_per_s = static_cast<double>(series[static_cast<std::size_t>(second)]);
  }
  Histogram all;
  for (std::size_t e = 0; e < kEndpointCount; ++e) {
    all.merge(snap.metrics.latency(static_cast<Endpoint>(e)));
  }
  live.p99_us = all.count() ? all.value_at_percentile(99) : -1;
  live.active_clients = snap.active_clients;
  live.tasks_by_state = snap.tasks_by_state;
  live.tasks_created = snap.tasks_created;
  live.tasks_completed = snap.metrics.tasks_ended(TaskOutcome::completed);
  live.tasks_cancelled = snap.metrics.tasks_ended(TaskOutcome::cancelled);
  live.check_failures = snap.check_failures;
  live.late_polls = snap.metrics.late_polls();
  live.dropped_polls = snap.metrics.dropped_polls();
  live.open_connections = snap.open_connections;
  live.paused = sh_.pause_until_us.load(std::memory_order_relaxed) > now;
  return live;
}

void Controller::check_circuit_breaker(const Snapshot& snap) {
  window_.emplace_back(snap.requests, snap.errors);
  while (window_.size() > ticks_per_window_ + 1) window_.pop_front();
  const auto reqs = window_.back().first - window_.front().first;
  const auto errs = window_.back().second - window_.front().second;
  const auto& cb = p_.circuit_breaker;
  if (window_.size() > 1 && static_cast<std::int64_t>(reqs) >= cb.min_requests &&
      static_cast<double>(errs) > cb.error_rate * static_cast<double>(reqs)) {
    reason_ = StopReason::circuit_breaker;
    std::ostringstream s;
    s << "circuit breaker: " << errs << " of " << reqs << " requests failed over the last "
      << (window_.size() - 1) << " s (limit " << cb.error_rate * 100 << "%)";
    result_.stop_detail = s.str();
  }
}

void Controller::check_thresholds(const Snapshot& snap, std::int64_t now) {
  const LoadMetricsView view(snap.metrics, std::max<std::int64_t>(1, now - sh_.main_start_us));
  for (const auto& th : p_.thresholds) {
    // A count only grows: "count > N" failing now may pass by the end; judged at the end.
    const bool growing = th.ref.statistic.kind == StatKind::count &&
                         (th.op == Comparison::greater || th.op == Comparison::greater_equal);
    if (growing) continue;
    const auto r = evaluate(th, view);
    if (r.verdict == Verdict::failed) {
      reason_ = StopReason::threshold_failed;
      result_.stop_detail = "abort on fail: " + r.line;
      return;
    }
  }
}

// The workers' figures, merged after they joined, into `result`.
void merge_workers(const Workers& workers, WorkerMetrics& merged, LoadResult& result) {
  std::map<std::string, CheckFailure, std::less<>> failures;
  for (const auto& w : workers) {
    merged.merge(w->metrics());
    result.responses_checked += w->responses_checked();
    result.reused_verdicts += w->reused_verdicts();
    result.arrivals += w->arrivals();
    result.dropped_arrivals += w->dropped_arrivals();
    result.rate_capped_waits += w->rate_capped_waits();
    result.connections_opened += w->connections_opened();
    result.cleanup.cancelled += w->cleanup().cancelled;
    for (const auto& id : w->live_tasks()) {
      ++result.cleanup.failed;
      if (result.cleanup.left_task_ids.size() < kMaxLeftIds) {
        result.cleanup.left_task_ids.push_back(id);
      }
    }
    for (const auto& [rule, f] : w->check_failures()) {
      auto [it, fresh] = failures.try_emplace(rule, f);
      if (!fresh) it->second.count += f.count;
    }
    if (!w->fatal().empty() && result.stop_detail.empty()) {
      result.stop_detail = "worker error: " + w->fatal();
    }
  }
  for (auto& [rule, f] : failures) result.check_failures.push_back(std::move(f));
}

}  // namespace

struct LoadEngine::Impl {
  explicit Impl(EngineConfig c) : config(std::move(c)) {
    shared.config = &config;
    // Once for every worker; a bad CA file fails here, before any worker starts.
    config.transport.tls = make_tls_context(config.transport);
  }

  // Waits for the next tick (a second after the last), for `deadline` (the end of the measured
  // phase: the stop is sent then, not up to a tick later), for a worker to finish (the run is
  // over as soon as the last one has) or for an interrupt; true when an interrupt came since
  // the last call.
  bool wait_tick(int& interrupts_seen, int& finished_seen, Clock::time_point deadline) {
    std::unique_lock lock(mutex);
    const auto until = std::min(Clock::now() + std::chrono::milliseconds(1000), deadline);
    wake.wait_until(lock, until, [&] {
      return interrupts > interrupts_seen || workers_finished > finished_seen;
    });
    finished_seen = workers_finished;
    if (interrupts <= interrupts_seen) return false;
    interrupts_seen = interrupts;
    return true;
  }

  EngineConfig config;
  Shared shared;
  std::mutex mutex;
  std::condition_variable wake;
  int interrupts = 0;
  int workers_finished = 0;
};

LoadEngine::LoadEngine(EngineConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
LoadEngine::~LoadEngine() = default;

void LoadEngine::interrupt() {
  std::lock_guard lock(impl_->mutex);
  ++impl_->interrupts;
  impl_->wake.notify_all();
}

LoadResult LoadEngine::run(const std::function<void(const LiveFigures&)>& on_tick) {
  Impl& d = *impl_;
  const LoadProfile& p = d.config.profile;
  Shared& sh = d.shared;
  // A short gate so that every worker starts on the same schedule, or the wall-clock start
  // asked for (shards started apart), as a time on the steady clock.
  const std::int64_t steady_now = steady_now_us();
  const std::int64_t unix_now = unix_now_us();
  std::int64_t gate_us = 50'000;
  if (d.config.start_at_unix_us) gate_us = std::max(gate_us, *d.config.start_at_unix_us - unix_now);
  sh.t0_us = steady_now + gate_us;
  sh.main_start_us = sh.t0_us + seconds_to_us(p.warmup_s);
  sh.main_end_us = sh.main_start_us + seconds_to_us(p.duration_s);

  sh.on_worker_finished = [&d] {
    std::lock_guard lock(d.mutex);
    ++d.workers_finished;
    d.wake.notify_all();
  };
  Workers workers;
  for (int i = 0; i < p.workers; ++i) workers.push_back(std::make_unique<Worker>(sh, i, p.workers));
  for (auto& w : workers) w->start();

  LoadResult result = result_header(p);
  result.started_unix_us = unix_now + (sh.main_start_us - steady_now);
  if (d.config.shard.sharded()) {
    result.executor += " (shard " + std::to_string(d.config.shard.index) + " of " +
                       std::to_string(d.config.shard.count) + ")";
  }
  Controller controller(d.config, sh, workers, result);
  int interrupts_seen = 0;
  int finished_seen = 0;
  for (;;) {
    // The end of the measured phase wakes the controller once; after it, ticks and finishing
    // workers do.
    const auto deadline = controller.stop_us() ? Clock::time_point::max() : at_us(sh.main_end_us);
    if (d.wait_tick(interrupts_seen, finished_seen, deadline)) {
      controller.on_interrupt(interrupts_seen);
    }
    if (controller.tick(on_tick)) break;
  }
  for (auto& w : workers) w->join();
  result.stop_reason = controller.reason();

  const std::int64_t end_us =
      std::min(controller.stop_us().value_or(sh.main_end_us), sh.main_end_us);
  const std::int64_t duration_us = std::max<std::int64_t>(1, end_us - sh.main_start_us);
  WorkerMetrics merged(sh.main_start_us);
  merge_workers(workers, merged, result);
  result.retry_after_pauses = sh.retry_after_pauses.load();
  result.summary = summarize(merged, duration_us);
  const LoadMetricsView view(merged, duration_us);
  result.thresholds = evaluate_all(p.thresholds, view);
  return result;
}

std::optional<std::string> check_threshold_names(const LoadProfile& profile) {
  const WorkerMetrics empty(0);
  const LoadMetricsView view(empty, 1);
  for (const auto& th : profile.thresholds) {
    const auto v = view.value(th.ref);
    using S = MetricValue::Status;
    if (v.status == S::unknown_metric || v.status == S::unknown_label ||
        v.status == S::unknown_statistic) {
      return "threshold \"" + th.text + "\": " + v.detail;
    }
  }
  return std::nullopt;
}

}  // namespace agentwork::load
