#include "harness/load/engine.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>
#include <unordered_set>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "harness/net/agentwork_client.hpp"  // status_view, auto_answers (no network here)
#include "harness/checks/contract_checks.hpp"
#include "harness/load/schedule.hpp"
#include "harness/load/token_bucket.hpp"
#include "harness/runner/scenario_run.hpp"
#include "common/timestamp.hpp"

namespace agentwork::load {
namespace {

namespace asio = boost::asio;
using harness::TaskState;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using Timer = asio::basic_waitable_timer<Clock, asio::wait_traits<Clock>, IoExecutor>;
using Policy = harness::Policy;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable_t<IoExecutor>{});

constexpr std::int64_t kMicros = 1'000'000;
constexpr std::size_t kMaxLeftIds = 100;
const std::string kNoBody;
const std::string kEmptyObject = "{}";

Clock::time_point at_us(std::int64_t us) {
  return Clock::time_point(std::chrono::microseconds(us));
}

std::int64_t wall_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t seconds_to_us(double s) {
  return static_cast<std::int64_t>(s * kMicros);
}

// The figures a worker publishes once a second for the calling thread.
struct Snapshot {
  explicit Snapshot(std::int64_t start_us) : metrics(start_us) {}
  WorkerMetrics metrics;                   // measured phase so far
  std::uint64_t requests = 0, errors = 0;  // every phase
  std::uint64_t active_clients = 0;
  std::array<std::uint64_t, harness::kTaskStateCount> tasks_by_state{};
  std::uint64_t tasks_created = 0;  // every phase
  std::uint64_t check_failures = 0;
  std::size_t open_connections = 0;
  bool finished = false;  // the worker's io_context ran out of work
};

// Shared by every worker; written rarely, read with relaxed loads.
struct Shared {
  const EngineConfig* config = nullptr;
  std::int64_t t0_us = 0;          // the schedule's origin (warm-up starts)
  std::int64_t main_start_us = 0;  // the measured phase
  std::int64_t main_end_us = 0;
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> tasks_started{0};   // against max_tasks
  std::atomic<std::int64_t> pause_until_us{0};  // Retry-After: nothing is sent before
  std::atomic<std::uint64_t> retry_after_pauses{0};

  bool measured(std::int64_t t_us) const { return t_us >= main_start_us && t_us < main_end_us; }
  // Reserves one task of the budget; false when max_tasks is reached.
  bool take_task() {
    const auto& max = config->profile.max_tasks;
    const auto n = tasks_started.fetch_add(1, std::memory_order_relaxed);
    if (max && n >= *max) return false;
    return true;
  }
};

// One virtual client's live state: its timer (cancelled on stop) and its task.
struct Client {
  explicit Client(IoExecutor ex) : timer(ex) {}
  Timer timer;
  std::size_t slot = 0;            // index in Worker::clients_
  std::optional<TaskState> state;  // last seen, while a task is live
};

class Worker {
 public:
  Worker(Shared& shared, int index, int count)
      : shared_(shared),
        cfg_(*shared.config),
        index_(index),
        count_(count),
        transport_(io_, cfg_.transport),
        metrics_(shared.main_start_us),
        rng_(cfg_.seed * 1000003 + static_cast<std::uint64_t>(index)),
        snapshot_(shared.main_start_us) {
    if (cfg_.profile.rate_cap) {
      const double share = *cfg_.profile.rate_cap / count;
      bucket_.emplace(share, std::max(1.0, share / 100), std::chrono::nanoseconds(0));
    }
    if (std::holds_alternative<ScenarioClient>(cfg_.profile.client)) set_up_scenarios();
  }

  void start() {
    spawn(publisher());
    const auto& p = cfg_.profile;
    if (const auto* closed = std::get_if<ClosedExecutor>(&p.executor)) {
      const double ramp_s = closed->ramp_up_s.value_or(p.poll_interval_s);
      for (std::int64_t i = index_; i < closed->clients; i += count_) {
        const auto offset = closed_start_offset_us(i, closed->clients, seconds_to_us(ramp_s));
        ++alive_;
        spawn(closed_client(shared_.t0_us + offset, closed->iterations));
      }
    } else {
      ++alive_;
      spawn(arrivals(std::get<OpenExecutor>(p.executor)));
    }
    thread_ = std::thread([this] { run(); });
  }

  // From any thread.
  // stop_us: when the controller decided to stop (steady µs); arrivals due before it still count.
  void request_stop(std::int64_t stop_us) {
    asio::post(io_, [this, stop_us] {
      stop_due_us_ = stop_us;
      begin_stop();
    });
  }
  void abandon() {
    asio::post(io_, [this] {
      begin_stop();
      transport_.close();
      io_.stop();
    });
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }

  // Copies the last published snapshot into `out` (merging metrics).
  void read_snapshot(Snapshot& out) {
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

  // After join().
  WorkerMetrics& metrics() { return metrics_; }
  const std::map<std::string, CheckFailure, std::less<>>& check_failures() const {
    return failures_;
  }
  std::uint64_t responses_checked() const { return checked_; }
  std::uint64_t reused_verdicts() const { return reused_verdicts_; }
  std::uint64_t arrivals() const { return arrivals_; }
  std::uint64_t dropped_arrivals() const { return dropped_arrivals_; }
  std::uint64_t rate_capped_waits() const { return capped_waits_; }
  std::uint64_t connections_opened() const {
    return transport_.connections_opened() + (http_ ? http_->connections_opened() : 0);
  }
  const CleanupFigures& cleanup() const { return cleanup_; }
  // Tasks still live after the worker stopped: created, never seen terminal, not cancelled.
  const std::unordered_set<std::string>& live_tasks() const { return live_tasks_; }
  const std::string& fatal() const { return fatal_; }

 private:
  void set_up_scenarios() {
    if (!cfg_.scenario) throw std::runtime_error("a scenario client needs its loaded scenario");
    auto& rc = runner_config_;
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
                                   harness::ErrorClass error, std::int64_t sent_us,
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
    rc.seed = cfg_.seed + static_cast<std::uint64_t>(index_);
    rc.api_key = cfg_.api_key;
    rc.run_id = cfg_.run_id + "w" + std::to_string(index_);
    rc.cleanup_timeout = cfg_.cleanup_timeout;
    http_ = std::make_unique<harness::HttpClient>(io_.get_executor(), rc.http);
    run_ctx_ = std::make_unique<harness::detail::RunContext>(rc, *http_, io_.get_executor());
  }

  // ---- plumbing
  template <class Awaitable>
  void spawn(Awaitable&& a) {
    asio::co_spawn(io_, std::forward<Awaitable>(a), [this](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        if (fatal_.empty()) fatal_ = ex.what();
      }
    });
  }

  void run() {
    io_.run();
    std::lock_guard lock(snapshot_mutex_);
    fill_snapshot();
    snapshot_.finished = true;
  }

  void begin_stop() {
    if (stopping_) return;
    stopping_ = true;
    if (run_ctx_) run_ctx_->stop();
    if (arrival_clock_) arrival_clock_->timer.cancel();
    for (Client* c : clients_) c->timer.cancel();
    publish_timer_.cancel();
  }

  Client& add_client(Client& c) {
    c.slot = clients_.size();
    clients_.push_back(&c);
    return c;
  }
  void remove_client(Client& c) {
    clients_[c.slot] = clients_.back();
    clients_[c.slot]->slot = c.slot;
    clients_.pop_back();
  }

  // Sleeps until t_us or until the run stops; false when stopping.
  Awaitable<bool> sleep_until(Client& c, std::int64_t t_us) {
    if (stopping_) co_return false;
    c.timer.expires_at(at_us(t_us));
    co_await c.timer.async_wait(use_nothrow);
    co_return !stopping_;
  }

  void fill_snapshot() {
    snapshot_.metrics = WorkerMetrics(shared_.main_start_us);
    snapshot_.metrics.merge(metrics_);
    snapshot_.requests = requests_all_;
    snapshot_.errors = errors_all_;
    snapshot_.active_clients = clients_.size();
    snapshot_.tasks_by_state = {};
    for (const Client* c : clients_) {
      if (c->state) ++snapshot_.tasks_by_state[static_cast<std::size_t>(*c->state)];
    }
    snapshot_.tasks_created = created_all_;
    snapshot_.check_failures = check_failure_count_;
    snapshot_.open_connections = transport_.open_connections();
  }

  // Publishes until the run stops or no client is left (then the io_context runs out of work).
  Awaitable<void> publisher() {
    while (!stopping_ && alive_ > 0) {
      {
        std::lock_guard lock(snapshot_mutex_);
        fill_snapshot();
      }
      publish_timer_.expires_after(std::chrono::milliseconds(500));
      co_await publish_timer_.async_wait(use_nothrow);
    }
  }

  // ---- requests

  // Waits for the Retry-After pause and the rate cap; false when the run stopped meanwhile
  // (cleanup requests pass `cleanup`, and still wait).
  Awaitable<bool> admit(Timer& timer, bool cleanup) {
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

  // Counts one finished request (every phase), honours its Retry-After, and measures it when it
  // was intended in the measured phase (never the cleanup's).
  void account(Endpoint ep, std::int64_t intended_us, std::int64_t sent_us, std::int64_t done_us,
               int status, harness::ErrorClass error, int retry_after_s, bool cleanup) {
    ++requests_all_;
    if (error != harness::ErrorClass::none || status >= 500) ++errors_all_;
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
      metrics_.on_response(ep, intended_us, sent_us, done_us, status, harness::to_string(error));
    }
  }

  // One request: admitted, sent, counted (always) and measured (when intended in the measured
  // phase and not cleanup). nullopt when the run stopped before it was sent.
  Awaitable<std::optional<LoadResponse>> request(Client& c, Endpoint ep, const char* method,
                                                 const std::string& target, const std::string& body,
                                                 std::int64_t intended_us, bool cleanup = false) {
    const bool admitted = co_await admit(c.timer, cleanup);
    if (!admitted) co_return std::nullopt;
    const LoadRequest req{method, target, body, cfg_.api_key};
    LoadResponse r = co_await transport_.send(req);
    account(ep, intended_us, r.sent_us, r.done_us, r.status, r.error, r.retry_after_s, cleanup);
    co_return r;
  }

  // Checks one response against the contract; returns the parsed body (discarded when not
  // JSON). Moves the body out of `r`.
  // `broken`, when given, receives the rule ids broken (static strings).
  json check(harness::Endpoint ep, std::string_view method, const std::string& path,
             LoadResponse& r, const harness::CheckContext& ctx,
             std::vector<std::string_view>* broken = nullptr) {
    harness::Exchange& ex = exchange_;  // reused: its strings keep their capacity
    ex.method.assign(method);
    ex.path.assign(path);
    ex.status = r.status;
    ex.headers.clear();
    if (!r.www_authenticate.empty())
      ex.headers.emplace_back("WWW-Authenticate", r.www_authenticate);
    ex.body.swap(r.body);
    ++checked_;
    json parsed = json::parse(ex.body, nullptr, /*allow_exceptions=*/false);
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

  // ---- executors

  Awaitable<void> closed_client(std::int64_t start_us, std::optional<std::int64_t> iterations) {
    Client c(io_.get_executor());
    add_client(c);
    bool running = co_await sleep_until(c, start_us);
    for (std::int64_t i = 0; running && (!iterations || i < *iterations); ++i) {
      if (!shared_.take_task()) break;
      ++arrivals_;
      const bool created = co_await run_iteration(c);
      running = !stopping_;
      // A failed create waits one poll interval: never a hot loop against a failing server.
      if (!created && running) {
        running = co_await sleep_until(c, steady_now_us() + interval_us());
      }
    }
    remove_client(c);
    --alive_;
  }

  Awaitable<void> arrivals(OpenExecutor open) {
    const ArrivalSchedule schedule(open, cfg_.profile.warmup_s + cfg_.profile.duration_s);
    const auto share = std::max<std::int64_t>(1, open.max_in_flight / count_);
    Client c(io_.get_executor());  // the arrival clock (not a task client)
    arrival_clock_ = &c;
    for (std::uint64_t k = static_cast<std::uint64_t>(index_);; k += count_) {
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
      ++alive_;
      spawn(open_task());
    }
    arrival_clock_ = nullptr;
    --alive_;
  }

  Awaitable<void> open_task() {
    Client c(io_.get_executor());
    add_client(c);
    co_await run_iteration(c);
    remove_client(c);
    --in_flight_;
    --alive_;
  }

  // ---- one task's lifecycle

  // The next poll interval, jittered; 0 when polling back to back.
  std::int64_t interval_us() {
    if (cfg_.profile.poll_interval_s <= 0) return 0;
    const double j = cfg_.profile.jitter;
    std::uniform_real_distribution<double> d(1 - j, 1 + j);
    return std::max<std::int64_t>(1000, seconds_to_us(cfg_.profile.poll_interval_s * d(rng_)));
  }

  std::string path(const std::string& id, std::string_view suffix = {}) const {
    std::string p = cfg_.api_prefix + "/tasks/" + id;
    p.append(suffix);
    return p;
  }

  struct TaskRun {
    std::string id;
    std::int64_t created_us = 0;  // steady
    std::uint64_t polls = 0;
    harness::TraceChecker trace;
    std::size_t violations_seen = 0;  // of trace.violations(), already counted
    // What the client knows: a new task is processing (the create said so); its
    // last_activity_at is unknown until the first poll (-1), which is then no transition.
    std::string last_status = "processing";
    std::int64_t last_activity_us = -1;  // wall, from the server
    std::string last_message_id;
    std::string handled_message_id;  // question or proposal already acted on
    int rounds = 0;
    int rejections = 0;
    int poll_errors = 0;
    std::int64_t activity_since_us = 0;  // steady time the current last_activity_at was first seen
    std::optional<TaskOutcome> outcome;
    // The previous 200 answer's bytes and what they gave. The checks and the view are a pure
    // function of the bytes, so an answer with the same bytes reuses them (not parsed again).
    std::string status_path;  // GET .../tasks/{id}
    struct Seen {
      std::string body;
      std::vector<std::string_view> broken;  // contract rules the body broke
      std::optional<TaskState> state;
      std::string status;
      bool has_activity = false;
      std::int64_t activity_us = 0;
      std::string message_id;
    };
    std::optional<Seen> seen;
    // false: only watch (a poll client of a task made elsewhere): no actions, no lifecycle trace
    // (the task's history before the first poll is unknown), nothing to clean up.
    bool react = true;
  };

  // One iteration of a client: a task's lifecycle, or polling an existing task; false when
  // nothing could start (the create failed).
  Awaitable<bool> run_iteration(Client& c) {
    const auto* poll = std::get_if<PollClient>(&cfg_.profile.client);
    // GCC 12: no locals with destructors in a block that spans a co_await, and no co_await
    // inside ?: — one plain call each.
    bool started = false;
    if (poll) {
      started = co_await watch_task(c, poll->task_id);
    } else if (run_ctx_) {
      started = co_await run_scenario_once(c);
    } else {
      started = co_await run_task(c);
    }
    co_return started;
  }

  // One run of the scenario by the runner's interpreter (its checks, its cleanup); its
  // requests are counted and measured through the HTTP client's hooks (no schedule: a scenario
  // polls at its own pace, so its corrected latency equals the uncorrected one).
  Awaitable<bool> run_scenario_once(Client& c) {
    const auto ordinal = ordinal_++ * static_cast<std::size_t>(count_) + index_;
    const auto began = steady_now_us();
    c.state = TaskState::processing;
    harness::ScenarioResult r =
        co_await harness::detail::run_scenario(*run_ctx_, *cfg_.scenario, ordinal);
    c.state.reset();
    record_scenario(r, began);
    co_return true;
  }

  // Polls an existing task until it is terminal or the run stops.
  Awaitable<bool> watch_task(Client& c, const std::string& id) {
    TaskRun t;
    t.id = id;
    t.react = false;
    t.created_us = steady_now_us();
    t.activity_since_us = t.created_us;
    const Policy policy;
    co_await drive(c, t, policy);
    c.state.reset();
    co_return true;
  }

  // Creates a task and drives it to its end; false when the create failed.
  Awaitable<bool> run_task(Client& c) {
    const auto& p = cfg_.profile;
    const auto& pc = std::get<PolicyClient>(p.client);
    const std::string create_path = cfg_.api_prefix + "/tasks/";
    const std::string create_body =
        json{{"title", pc.title}, {"description", pc.description}}.dump();
    const auto intended = steady_now_us();
    auto created =
        co_await request(c, Endpoint::create, "POST", create_path, create_body, intended);
    if (!created || !created->ok()) co_return false;
    const int create_status = created->status;
    const json body = check(harness::Endpoint::create_task, "POST", create_path, *created, {});
    const bool has_id = body.is_object() && body.contains("task_id") && body["task_id"].is_string();
    if (create_status / 100 != 2 || !has_id) co_return false;

    TaskRun t;
    t.id = body["task_id"].get<std::string>();
    t.created_us = steady_now_us();
    t.activity_since_us = t.created_us;
    ++created_all_;
    if (shared_.measured(intended)) metrics_.on_task_created();
    live_tasks_.insert(t.id);
    c.state = TaskState::processing;

    co_await drive(c, t, pc.policy);

    if (!t.outcome) {  // stopped: the cleanup's business
      co_await cancel_for_cleanup(c, t.id);
    } else if (live_tasks_.contains(t.id)) {  // given up (stalled, failed): cancel it now
      co_await cancel_for_cleanup(c, t.id);
    }
    if (t.outcome && shared_.measured(steady_now_us())) {
      metrics_.on_task_end(*t.outcome, steady_now_us() - t.created_us, t.polls);
    }
    c.state.reset();
    co_return true;
  }

  Awaitable<void> drive(Client& c, TaskRun& t, const Policy& policy) {
    std::int64_t intended = t.created_us + interval_us();
    t.status_path = path(t.id);
    const std::string& status_path = t.status_path;
    while (!t.outcome) {
      if (intended > steady_now_us()) {
        const bool running = co_await sleep_until(c, intended);
        if (!running) co_return;
      } else if (stopping_) {
        co_return;
      }
      auto r = co_await request(c, Endpoint::status, "GET", status_path, kNoBody, intended);
      if (!r) co_return;
      const auto interval = interval_us();
      if (interval > 0 && shared_.measured(intended)) {
        metrics_.on_poll_schedule(intended, r->sent_us, interval);
      }
      co_await on_status(c, t, policy, *r, intended);
      if (t.outcome) co_return;
      if (interval == 0) {  // back to back: the next poll is due now
        intended = steady_now_us();
        continue;
      }
      const auto next = next_poll(intended, steady_now_us(), interval);
      if (next.dropped > 0 && shared_.measured(next.intended_us)) {
        for (std::uint64_t i = 0; i < next.dropped; ++i) metrics_.on_dropped_poll();
      }
      intended = next.intended_us;
    }
  }

  // What a status answer said, kept for the next answer with the same bytes.
  static void remember(TaskRun::Seen& s, std::string_view status, std::string_view activity,
                       std::string_view question_id, std::string_view solution_id) {
    s.state = harness::parse_task_state(status);
    s.status.assign(status);
    agentwork::Micros at = 0;
    s.has_activity = agentwork::parse_timestamp(activity, at);
    s.activity_us = at;
    if (s.state == TaskState::awaiting_reply) {
      s.message_id.assign(question_id);
    } else if (s.state == TaskState::awaiting_solution_approval) {
      s.message_id.assign(solution_id);
    } else {
      s.message_id.clear();
    }
  }

  Awaitable<void> on_status(Client& c, TaskRun& t, const Policy& policy, LoadResponse& r,
                            std::int64_t intended) {
    const bool measured = shared_.measured(intended);
    if (!r.ok() || r.status != 200) {
      if (r.ok()) check(harness::Endpoint::task_status, "GET", t.status_path, r, {t.id, ""});
      if (++t.poll_errors >= cfg_.max_consecutive_poll_errors) t.outcome = TaskOutcome::failed;
      co_return;
    }
    t.poll_errors = 0;
    ++t.polls;
    bool fresh = false;  // these bytes were read now (not a reused verdict)
    if (cfg_.reuse_identical_answers && t.seen && t.seen->body == r.body) {
      ++checked_;
      ++reused_verdicts_;
      for (const auto rule : t.seen->broken) count_again(rule);
    } else {
      fresh = true;
      if (!t.seen) t.seen.emplace();
      TaskRun::Seen& s = *t.seen;
      s.body.assign(r.body);
      s.broken.clear();
      harness::StatusFacts facts;
      if (harness::status_answer_clean(s.body, t.id, facts)) {
        ++checked_;  // the fast path: no rule broken, the facts read from the bytes
        remember(s, facts.status, facts.last_activity_at, facts.question_message_id,
                 facts.solution_message_id);
      } else {
        const json body =
            check(harness::Endpoint::task_status, "GET", t.status_path, r, {t.id, ""}, &s.broken);
        const auto view = harness::status_view(body);
        const auto question_id = view && view->question ? view->question->message_id : "";
        remember(s, view ? view->status : "", view ? view->last_activity_at : "", question_id,
                 view ? view->solution_message_id.value_or("") : "");
        if (!view) s.state.reset();
      }
    }
    const TaskRun::Seen& seen = *t.seen;
    const auto state = seen.state;
    if (!state) {
      if (measured) metrics_.on_poll(false);
      co_return;  // the checks said why
    }
    const bool has_activity = seen.has_activity;
    const std::int64_t activity = seen.activity_us;
    const std::string& message_id = seen.message_id;
    if (t.react) {
      harness::Observation o{*state, has_activity ? activity : 0, message_id};
      // A value on a whole second is taken as a whole-second timestamp (see Observation).
      o.whole_seconds = has_activity && activity % 1'000'000 == 0;
      o.polled_us = r.done_us;  // the transport's own clock: no second read per poll
      t.trace.observe(o);
      record_trace_violations(t, r);
    }

    const bool known = t.last_activity_us >= 0;
    const bool changed = seen.status != t.last_status ||
                         (known && has_activity && activity != t.last_activity_us) ||
                         message_id != t.last_message_id;
    if (measured) {
      metrics_.on_poll(changed);
      if (changed && has_activity) metrics_.on_transition(wall_now_us() - activity);
    }
    if (has_activity && activity != t.last_activity_us) t.activity_since_us = steady_now_us();
    t.last_status = seen.status;
    t.last_activity_us = has_activity ? activity : t.last_activity_us;
    t.last_message_id = message_id;
    c.state = *state;
    if (!t.react) {
      if (harness::is_terminal(*state)) {
        t.outcome =
            *state == TaskState::completed ? TaskOutcome::completed : TaskOutcome::cancelled;
      }
      co_return;
    }

    switch (*state) {
      case TaskState::completed: {
        const std::string result_path = path(t.id, "/result");
        auto res =
            co_await request(c, Endpoint::result, "GET", result_path, kNoBody, steady_now_us());
        if (res && res->ok())
          check(harness::Endpoint::result, "GET", result_path, *res, {t.id, ""});
        finish(t, TaskOutcome::completed);
        co_return;
      }
      case TaskState::cancelled:
        finish(t, TaskOutcome::cancelled);
        co_return;
      case TaskState::processing: {
        const auto stalled_us = steady_now_us() - t.activity_since_us;
        if (stalled_us >= seconds_to_us(policy.on_stall.after_seconds)) {
          t.outcome = TaskOutcome::stalled;  // cancelled by run_task
        }
        co_return;
      }
      case TaskState::awaiting_reply:
      case TaskState::awaiting_solution_approval:
        break;
    }
    if (!message_id.empty() && message_id == t.handled_message_id) co_return;
    // A question or proposal not handled yet came in a parsed answer: the same bytes again mean
    // the same message, handled then.
    if (!fresh) co_return;
    const auto view = harness::status_view(json::parse(seen.body, nullptr, false));
    if (!view) co_return;
    if (++t.rounds > policy.max_rounds) {
      t.outcome = TaskOutcome::failed;
      co_return;
    }
    t.handled_message_id = message_id;
    // The reaction, as plain values (GCC 12: no temporaries from literals across co_await).
    harness::ClientAction action = harness::ClientAction::reply;
    Endpoint ep = Endpoint::message;
    std::string suffix = "/message", payload, expected_after = "processing";
    if (*state == TaskState::awaiting_reply) {
      json reply;
      const bool structured =
          policy.on_question.answer == Policy::OnQuestion::Answer::auto_answers && view->question &&
          view->question->type == "CLARIFYING_QUESTIONS" && !view->question->questions.empty();
      if (structured) {
        reply["answers"] = harness::auto_answers(*view, policy.on_question.text);
      } else {
        reply["message"] = policy.on_question.text;
      }
      payload = reply.dump();
    } else if (t.rejections < policy.on_solution.reject_times) {
      ++t.rejections;
      action = harness::ClientAction::reject;
      ep = Endpoint::solution;
      suffix = "/solution-status";
      payload =
          json{{"status", "REJECTED"}, {"rejection_reason", policy.on_solution.reason}}.dump();
    } else if (policy.on_solution.then == Policy::OnSolution::Then::approve) {
      action = harness::ClientAction::confirm;
      ep = Endpoint::solution;
      suffix = "/solution-status";
      payload = json{{"status", "CONFIRMED"}}.dump();
      expected_after = "completed";
    } else {
      action = harness::ClientAction::cancel;
      ep = Endpoint::cancel;
      suffix = "/cancel";
      payload = "{}";
      expected_after = "cancelled";
    }
    co_await act(c, t, action, ep, suffix, payload, expected_after);
  }

  Awaitable<void> act(Client& c, TaskRun& t, harness::ClientAction action, Endpoint ep,
                      const std::string& suffix, const std::string& body,
                      const std::string& expected_after) {
    const std::string p = path(t.id, suffix);
    auto r = co_await request(c, ep, "POST", p, body, steady_now_us());
    if (!r) co_return;
    const bool accepted = r->ok() && r->status / 100 == 2;
    if (r->ok()) {
      const auto contract_ep = ep == Endpoint::message    ? harness::Endpoint::message
                               : ep == Endpoint::solution ? harness::Endpoint::solution_status
                                                          : harness::Endpoint::cancel;
      check(contract_ep, "POST", p, *r, {t.id, expected_after});
    }
    t.trace.act(action, accepted);
    record_trace_violations(t, *r);
    if (accepted) {
      // The client moved the task itself: the state it caused is known, not a transition to
      // detect; its last_activity_at is learnt at the next poll.
      t.last_status = expected_after;
      t.last_activity_us = -1;
      t.last_message_id.clear();
    }
  }

  void record_scenario(const harness::ScenarioResult& r, std::int64_t began_us) {
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
    if (r.verdict == harness::Verdict::interrupted || !shared_.measured(steady_now_us())) return;
    const auto outcome =
        r.verdict == harness::Verdict::passed ? TaskOutcome::completed : TaskOutcome::failed;
    metrics_.on_task_end(outcome, static_cast<std::int64_t>(r.duration_ms * 1000), r.polls);
  }

  // Counts one breach of `rule`; the first one of the run is described by `describe`.
  template <class Describe>
  void record_failure(std::string_view rule, Describe&& describe) {
    ++check_failure_count_;
    auto it = failures_.find(rule);
    if (it == failures_.end()) {
      CheckFailure cf;
      cf.rule_id = std::string(rule);
      describe(cf);
      it = failures_.emplace(cf.rule_id, std::move(cf)).first;
    }
    ++it->second.count;
  }

  // A rule broken again by an answer identical to one already checked (so already described).
  void count_again(std::string_view rule) {
    record_failure(rule, [](CheckFailure&) {});
  }

  void finish(TaskRun& t, TaskOutcome outcome) {
    t.outcome = outcome;
    live_tasks_.erase(t.id);
  }

  void record_trace_violations(TaskRun& t, const LoadResponse& r) {
    const auto& v = t.trace.violations();
    for (; t.violations_seen < v.size(); ++t.violations_seen) {
      const auto& violation = v[t.violations_seen];
      record_failure(violation.rule_id, [&](CheckFailure& cf) {
        cf.detail = "task " + t.id + ": " + violation.detail;
        cf.evidence.method = "GET";
        cf.evidence.path = path(t.id);
        cf.evidence.status = r.status;
      });
    }
  }

  // Cancels a task the run leaves behind (not measured; the rate cap still applies).
  Awaitable<void> cancel_for_cleanup(Client& c, const std::string& id) {
    if (!live_tasks_.contains(id)) co_return;
    const std::string p = path(id, "/cancel");
    auto r = co_await request(c, Endpoint::cancel, "POST", p, kEmptyObject, steady_now_us(), true);
    // 409: already terminal (it finished meanwhile) also leaves nothing behind.
    if (r && r->ok() && (r->status / 100 == 2 || r->status == 409)) {
      ++cleanup_.cancelled;
      live_tasks_.erase(id);
    }
  }

  Shared& shared_;
  const EngineConfig& cfg_;
  int index_;
  int count_;
  // One thread runs it; the scheduler keeps its lock (other threads post the stop), the reactor
  // does not need one.
  asio::io_context io_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  Transport transport_;
  WorkerMetrics metrics_;
  std::mt19937_64 rng_;
  std::optional<TokenBucket> bucket_;
  std::thread thread_;
  bool stopping_ = false;
  std::optional<std::int64_t> stop_due_us_;  // set with a requested stop (not with abandon)
  std::vector<Client*> clients_;
  Client* arrival_clock_ = nullptr;  // the open executor's, while it runs
  Timer publish_timer_{io_.get_executor()};
  std::unordered_set<std::string> live_tasks_;
  std::map<std::string, CheckFailure, std::less<>> failures_;
  std::uint64_t checked_ = 0;
  std::uint64_t check_failure_count_ = 0;
  std::uint64_t requests_all_ = 0, errors_all_ = 0, created_all_ = 0;
  std::uint64_t arrivals_ = 0;
  std::uint64_t dropped_arrivals_ = 0;
  std::uint64_t capped_waits_ = 0;
  std::int64_t in_flight_ = 0;
  std::int64_t alive_ = 0;  // client and arrival coroutines running
  CleanupFigures cleanup_;
  std::string fatal_;
  harness::Exchange exchange_;         // check()'s, reused
  std::uint64_t reused_verdicts_ = 0;  // answers identical to the previous one: verdict reused

  // Scenario clients: the runner's interpreter over the harness's HTTP client, whose hooks
  // apply the rate cap and the Retry-After pause and report every attempt here.
  std::unique_ptr<harness::HttpClient> http_;
  std::unique_ptr<harness::detail::RunContext> run_ctx_;
  harness::RunnerConfig runner_config_;
  std::size_t ordinal_ = 0;

  std::mutex snapshot_mutex_;
  Snapshot snapshot_;
};

std::string describe_executor(const LoadProfile& p) {
  if (const auto* closed = std::get_if<ClosedExecutor>(&p.executor)) {
    return "closed, " + std::to_string(closed->clients) + " clients";
  }
  const auto& open = std::get<OpenExecutor>(p.executor);
  if (open.rate) {
    std::ostringstream s;
    s << "open, " << *open.rate << " tasks/s";
    return s.str();
  }
  return "open, " + std::to_string(open.stages.size()) + " stages";
}

}  // namespace

struct LoadEngine::Impl {
  explicit Impl(EngineConfig c) : config(std::move(c)) {
    shared.config = &config;
    // Once for every worker; a bad CA file fails here, before any worker starts.
    config.transport.tls = make_tls_context(config.transport);
  }

  EngineConfig config;
  Shared shared;
  std::mutex mutex;
  std::condition_variable wake;
  int interrupts = 0;
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
  // A short gate so that every worker starts on the same schedule.
  sh.t0_us = steady_now_us() + 50'000;
  sh.main_start_us = sh.t0_us + seconds_to_us(p.warmup_s);
  sh.main_end_us = sh.main_start_us + seconds_to_us(p.duration_s);

  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < p.workers; ++i) workers.push_back(std::make_unique<Worker>(sh, i, p.workers));
  for (auto& w : workers) w->start();

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

  // ---- the measured run: ticks until a stop condition
  std::optional<StopReason> reason;
  std::deque<std::pair<std::uint64_t, std::uint64_t>> window;  // (requests, errors) per tick
  const auto tick = std::chrono::milliseconds(1000);
  const auto ticks_per_window = static_cast<std::size_t>(std::max(1.0, p.circuit_breaker.window_s));
  std::uint64_t last_requests = 0;
  auto last_tick = Clock::now();
  bool stop_sent = false;
  int interrupts_seen = 0;
  std::optional<std::int64_t> stop_us;
  for (;;) {
    {
      std::unique_lock lock(d.mutex);
      d.wake.wait_for(lock, tick, [&] { return d.interrupts > interrupts_seen; });
      if (d.interrupts > interrupts_seen) {
        interrupts_seen = d.interrupts;
        if (!reason) {
          reason = StopReason::interrupted;
          result.stop_detail = "interrupted (Ctrl-C); cancelling the tasks left";
        } else if (interrupts_seen >= 2 || stop_sent) {
          for (auto& w : workers) w->abandon();  // second Ctrl-C: give up the cleanup
        }
      }
    }
    Snapshot snap(sh.main_start_us);
    snap.finished = true;
    for (auto& w : workers) w->read_snapshot(snap);
    const auto now = steady_now_us();
    const double dt = std::chrono::duration<double>(Clock::now() - last_tick).count();
    last_tick = Clock::now();

    if (on_tick) {
      LiveFigures live;
      live.elapsed_s = static_cast<double>(now - sh.t0_us) / kMicros;
      live.warmup = now < sh.main_start_us;
      live.stopping = stop_sent;
      live.requests = snap.requests;
      live.errors = snap.errors;
      // In the measured phase: the last whole second of the request-rate series (exact, whatever
      // the lag between the workers' snapshots and this tick); before it, the change since the
      // last tick.
      live.requests_per_s = dt > 0 ? static_cast<double>(snap.requests - last_requests) / dt : 0;
      const auto series = snap.metrics.rate_series();
      const auto second = (now - sh.main_start_us) / kMicros - 1;
      if (second >= 0 && snap.metrics.rate_slot_width_s() == 1 &&
          static_cast<std::size_t>(second) < series.size() && now < sh.main_end_us) {
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
      live.paused = sh.pause_until_us.load(std::memory_order_relaxed) > now;
      on_tick(live);
    }
    last_requests = snap.requests;

    if (!reason && !stop_sent) {
      // The circuit breaker: failed / all requests over the window.
      window.emplace_back(snap.requests, snap.errors);
      while (window.size() > ticks_per_window + 1) window.pop_front();
      const auto reqs = window.back().first - window.front().first;
      const auto errs = window.back().second - window.front().second;
      const auto& cb = p.circuit_breaker;
      if (window.size() > 1 && static_cast<std::int64_t>(reqs) >= cb.min_requests &&
          static_cast<double>(errs) > cb.error_rate * static_cast<double>(reqs)) {
        reason = StopReason::circuit_breaker;
        std::ostringstream s;
        s << "circuit breaker: " << errs << " of " << reqs << " requests failed over the last "
          << (window.size() - 1) << " s (limit " << cb.error_rate * 100 << "%)";
        result.stop_detail = s.str();
      }
    }
    if (!reason && !stop_sent && p.abort_on_fail && now >= sh.main_start_us) {
      const LoadMetricsView view(snap.metrics, std::max<std::int64_t>(1, now - sh.main_start_us));
      for (const auto& th : p.thresholds) {
        // A count only grows: "count > N" failing now may pass by the end; judged at the end.
        const bool growing = th.ref.statistic.kind == StatKind::count &&
                             (th.op == Comparison::greater || th.op == Comparison::greater_equal);
        if (growing) continue;
        const auto r = evaluate(th, view);
        if (r.verdict == Verdict::failed) {
          reason = StopReason::threshold_failed;
          result.stop_detail = "abort on fail: " + r.line;
          break;
        }
      }
    }
    if (!reason && now >= sh.main_end_us) {
      reason = StopReason::duration_elapsed;
    }
    if (!reason && snap.finished) {
      const bool budget = p.max_tasks && sh.tasks_started.load() >= *p.max_tasks;
      reason = budget ? StopReason::max_tasks : StopReason::iterations_done;
    }
    if (reason && !stop_sent) {
      stop_sent = true;
      stop_us = now;
      for (auto& w : workers) w->request_stop(now);
    }
    if (stop_sent) {
      if (snap.finished) break;
      if (Clock::now() >= at_us(*stop_us) + d.config.cleanup_timeout) {
        for (auto& w : workers) w->abandon();
      }
    }
  }
  for (auto& w : workers) w->join();
  result.stop_reason = *reason;

  // ---- merge and summarise
  const std::int64_t end_us = std::min(stop_us.value_or(sh.main_end_us), sh.main_end_us);
  const std::int64_t duration_us = std::max<std::int64_t>(1, end_us - sh.main_start_us);
  WorkerMetrics merged(sh.main_start_us);
  std::map<std::string, CheckFailure, std::less<>> failures;
  for (auto& w : workers) {
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
