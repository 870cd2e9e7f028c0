// The worker's plumbing: its thread and io_context, the snapshots it publishes, and every
// request's admission (rate cap, Retry-After), accounting and contract check.
#include "harness/load/worker.hpp"
#include "common/json_depth.hpp"

#include <boost/asio/post.hpp>

#include "harness/load/schedule.hpp"

namespace agentwork::load::internal {

std::int64_t wall_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Worker::Worker(Shared& shared, int index, int count)
    : shared_(shared),
      cfg_(*shared.config),
      index_(index),
      count_(count),
      transport_(io_, cfg_.transport),
      metrics_(shared.main_start_us),
      rng_(cfg_.seed * 1000003 + lane_index(cfg_.shard, index)),
      due_(dispatch_tick_us(cfg_), wheel_slots(cfg_), steady_now_us()),
      snapshot_(shared.main_start_us) {
  if (cfg_.profile.rate_cap) {
    const double share = *cfg_.profile.rate_cap / count;
    bucket_.emplace(share, std::max(1.0, share / 100), std::chrono::nanoseconds(0));
  }
  if (std::holds_alternative<ScenarioClient>(cfg_.profile.client)) set_up_scenarios();
}

void Worker::start() {
  spawn(publisher());
  const auto& p = cfg_.profile;
  if (const auto* closed = std::get_if<ClosedExecutor>(&p.executor)) {
    const double ramp_s = closed->ramp_up_s.value_or(p.poll_interval_s);
    const ItemStride stride = item_stride(cfg_.shard, index_, count_);
    for (std::int64_t i = stride.first; i < closed->clients; i += stride.step) {
      const auto start_us =
          shared_.t0_us + closed_start_offset_us(i, closed->clients, seconds_to_us(ramp_s));
      if (scenarios_) {
        ++alive_;
        spawn(scenario_client(start_us, closed->iterations));
      } else {
        add_fleet_client(start_us, closed->iterations, /*open=*/false);
      }
    }
  } else {
    ++alive_;
    spawn(arrivals(std::get<OpenExecutor>(p.executor)));
  }
  if (!scenarios_) spawn(dispatch());
  thread_ = std::thread([this] { run(); });
}

void Worker::request_stop(std::int64_t stop_us) {
  asio::post(io_, [this, stop_us] {
    stop_due_us_ = stop_us;
    begin_stop();
  });
}
void Worker::abandon() {
  asio::post(io_, [this] {
    begin_stop();
    transport_.close();
    io_.stop();
  });
}
void Worker::read_snapshot(Snapshot& out) {
  std::lock_guard lock(snapshot_mutex_);
  out.metrics.merge(snapshot_.metrics);
  out.requests += snapshot_.requests;
  out.errors += snapshot_.errors;
  out.active_clients += snapshot_.active_clients;
  for (std::size_t i = 0; i < out.tasks_by_state.size(); ++i) {
    out.tasks_by_state[i] += snapshot_.tasks_by_state[i];
  }
  out.tasks_created += snapshot_.tasks_created;
  out.check_failures += snapshot_.check_failures;
  out.open_connections += snapshot_.open_connections;
  out.finished = out.finished && snapshot_.finished;
}

void Worker::set_up_scenarios() {
  if (!cfg_.scenario) throw std::runtime_error("a scenario client needs its loaded scenario");
  harness::RunnerConfig rc;
  const auto& o = cfg_.transport.origin;
  rc.base_url = std::string(o.tls ? "https://" : "http://") +
                (o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host) + ":" +
                std::to_string(o.port);
  rc.http.connect_timeout = cfg_.transport.connect_timeout;
  rc.http.read_timeout = cfg_.transport.request_timeout;
  rc.http.total_timeout = cfg_.transport.request_timeout * 2;
  rc.http.insecure = cfg_.transport.insecure;
  rc.http.ca_file = cfg_.transport.ca_file;
  rc.http.max_attempts = 1;  // load mode counts failures instead of retrying them
  rc.http.max_idle_per_origin = cfg_.transport.max_connections;
  rc.http.before_attempt = [this]() -> Awaitable<bool> {
    Timer timer(io_.get_executor());
    const bool admitted = co_await admit(timer, /*cleanup=*/true);
    co_return admitted;
  };
  rc.http.after_attempt = [this](std::string_view method, std::string_view path, int status,
                                 ErrorClass error, std::int64_t sent_us,
                                 std::int64_t done_us, int retry_after_s) {
    // The mock's control API (the runner reads its clock) is not the API under load.
    if (path.starts_with("/_mock/")) return;
    account(endpoint_of(method, path), sent_us, sent_us, done_us, status, error, retry_after_s,
            false);
  };
  rc.strict = !cfg_.guide_profile;
  rc.mock = cfg_.target_is_mock;
  rc.time_scale = cfg_.time_scale;
  // The profile's poll interval is wall seconds; the runner's is agent seconds.
  rc.poll_interval_seconds = cfg_.profile.poll_interval_s / cfg_.time_scale;
  rc.poll_jitter = cfg_.profile.jitter;
  rc.seed = cfg_.seed + lane_index(cfg_.shard, index_);
  rc.api_key = cfg_.api_key;
  rc.run_id = cfg_.run_id + (cfg_.shard.sharded() ? "s" + std::to_string(cfg_.shard.index) : "") +
              "w" + std::to_string(index_);
  rc.cleanup_timeout = cfg_.cleanup_timeout;
  http_ = std::make_unique<harness::HttpClient>(io_.get_executor(), rc.http);
  scenarios_ = std::make_unique<harness::ScenarioDriver>(rc, *http_, io_.get_executor());
}

void Worker::run() {
  io_.run();
  {
    std::lock_guard lock(snapshot_mutex_);
    fill_snapshot();
    snapshot_.finished = true;
  }
  if (shared_.on_worker_finished) shared_.on_worker_finished();
}

void Worker::begin_stop() {
  if (stopping_) return;
  stopping_ = true;
  if (scenarios_) scenarios_->stop();
  if (arrival_clock_) arrival_clock_->timer.cancel();
  for (Client* c : clients_) c->timer.cancel();
  publish_timer_.cancel();
  dispatch_timer_.cancel();
}

Client& Worker::add_client(Client& c) {
  c.slot = clients_.size();
  clients_.push_back(&c);
  return c;
}
void Worker::set_state(Client& c, std::optional<TaskState> state) {
  if (c.state) --tasks_by_state_[static_cast<std::size_t>(*c.state)];
  c.state = state;
  if (c.state) ++tasks_by_state_[static_cast<std::size_t>(*c.state)];
}
void Worker::remove_client(Client& c) {
  set_state(c, std::nullopt);
  clients_[c.slot] = clients_.back();
  clients_[c.slot]->slot = c.slot;
  clients_.pop_back();
}

Awaitable<bool> Worker::sleep_until(Client& c, std::int64_t t_us) {
  if (stopping_) co_return false;
  c.timer.expires_at(at_us(t_us));
  co_await c.timer.async_wait(use_nothrow);
  co_return !stopping_;
}

void Worker::fill_snapshot() {
  snapshot_.metrics = WorkerMetrics(shared_.main_start_us);
  snapshot_.metrics.merge(metrics_);
  snapshot_.requests = requests_all_;
  snapshot_.errors = errors_all_;
  snapshot_.active_clients = clients_.size();
  snapshot_.tasks_by_state = tasks_by_state_;
  snapshot_.tasks_created = created_all_;
  snapshot_.check_failures = check_failure_count_;
  snapshot_.open_connections = transport_.open_connections();
}

Awaitable<void> Worker::publisher() {
  while (!stopping_ && alive_ > 0) {
    {
      std::lock_guard lock(snapshot_mutex_);
      fill_snapshot();
    }
    publish_timer_.expires_after(std::chrono::milliseconds(500));
    co_await publish_timer_.async_wait(use_nothrow);
  }
}

Awaitable<bool> Worker::admit(Timer& timer, bool cleanup) {
  bool waited = false;  // for the rate cap: counted once per request
  for (;;) {
    if (stopping_ && !cleanup) co_return false;
    const auto now = steady_now_us();
    const auto pause = shared_.pause_until_us.load(std::memory_order_relaxed);
    std::int64_t wake = 0;
    if (now < pause) {
      wake = pause;
    } else if (bucket_) {
      const std::chrono::nanoseconds now_ns(now * 1000);
      if (bucket_->try_take(now_ns)) co_return true;
      if (!waited) ++capped_waits_;
      waited = true;
      const auto next = bucket_->next_available(now_ns);
      if (next == std::chrono::nanoseconds::max()) co_return false;
      wake = std::chrono::duration_cast<std::chrono::microseconds>(next).count() + 1;
    } else {
      co_return true;
    }
    timer.expires_at(at_us(wake));
    co_await timer.async_wait(use_nothrow);
  }
}

void Worker::account(Endpoint ep, std::int64_t intended_us, std::int64_t sent_us,
                     std::int64_t done_us, int status, ErrorClass error, int retry_after_s,
                     bool cleanup) {
  ++requests_all_;
  if (error != ErrorClass::none || status >= 500) ++errors_all_;
  if ((status == 429 || status == 503) && retry_after_s >= 0) {
    const auto wait = std::min<std::int64_t>(retry_after_s, cfg_.max_retry_after.count());
    const auto until = done_us + wait * kMicros;
    auto cur = shared_.pause_until_us.load(std::memory_order_relaxed);
    while (cur < until &&
           !shared_.pause_until_us.compare_exchange_weak(cur, until, std::memory_order_relaxed)) {
    }
    if (cur < until) shared_.retry_after_pauses.fetch_add(1, std::memory_order_relaxed);
  }
  if (!cleanup && shared_.measured(intended_us)) {
    metrics_.on_response(ep, intended_us, sent_us, done_us, status, error);
  }
}

Awaitable<std::optional<LoadResponse>> Worker::request(Client& c, Endpoint ep, const char* method,
                                                       const std::string& target,
                                                       const std::string& body,
                                                       std::int64_t intended_us, bool cleanup) {
  const bool admitted = co_await admit(c.timer, cleanup);
  if (!admitted) co_return std::nullopt;
  const LoadRequest req{method, target, body, cfg_.api_key};
  LoadResponse r = co_await transport_.send(req);
  account(ep, intended_us, r.sent_us, r.done_us, r.status, r.error, r.retry_after_s, cleanup);
  co_return r;
}

json Worker::check(Endpoint ep, std::string_view method, const std::string& path,
                   LoadResponse& r, const harness::CheckContext& ctx,
                   std::vector<std::string_view>* broken) {
  harness::Exchange& ex = exchange_;  // reused: its strings keep their capacity
  ex.method.assign(method);
  ex.path.assign(path);
  ex.status = r.status;
  ex.headers.clear();
  if (!r.www_authenticate.empty()) ex.headers.emplace_back("WWW-Authenticate", r.www_authenticate);
  ex.body.swap(r.body);
  ++checked_;
  json parsed = parse_json_bounded(ex.body);
  for (auto& f : harness::check_response(ep, ex, ctx, parsed)) {
    if (cfg_.guide_profile && f.rule_id.starts_with("M.")) continue;
    if (broken) broken->push_back(f.rule_id);
    record_failure(f.rule_id, [&](CheckFailure& cf) {
      cf.detail = std::move(f.detail);
      cf.evidence.method = ex.method;
      cf.evidence.path = path;
      cf.evidence.status = r.status;
      cf.evidence.body_excerpt = harness::excerpt(ex.body);
      cf.evidence.duration_ms = static_cast<double>(r.done_us - r.sent_us) / 1000.0;
    });
  }
  return parsed;
}

}  // namespace agentwork::load::internal
