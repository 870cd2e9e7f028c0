// Internal to the load engine (engine.hpp): one worker thread with its own io_context,
// connections, RNG, rate-cap share and figures, the virtual clients it runs, and the figures it
// publishes for the controller. Asio, no Beast.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "harness/checks/contract_checks.hpp"
#include "harness/load/due_wheel.hpp"
#include "harness/load/engine.hpp"
#include "harness/load/token_bucket.hpp"
#include "harness/net/agentwork_client.hpp"
#include "harness/runner/policy.hpp"
#include "harness/runner/scenario_driver.hpp"
#include "harness/runner/task_tracker.hpp"

namespace agentwork::load::internal {

namespace asio = boost::asio;
using harness::TaskState;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using Timer = asio::basic_waitable_timer<Clock, asio::wait_traits<Clock>, IoExecutor>;
using Policy = harness::Policy;
inline constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable_t<IoExecutor>{});

inline constexpr std::int64_t kMicros = 1'000'000;

inline Clock::time_point at_us(std::int64_t us) {
  return Clock::time_point(std::chrono::microseconds(us));
}
inline std::int64_t seconds_to_us(double s) {
  return static_cast<std::int64_t>(s * kMicros);
}
std::int64_t wall_now_us();

// The fleet dispatcher's tick (µs): due clients go in one wake-up per tick (worker_fleet.cpp).
std::int64_t dispatch_tick_us(const EngineConfig& cfg);
// Ticks on its due-wheel: a poll interval and its jitter, so that the overflow stays empty.
std::size_t wheel_slots(const EngineConfig& cfg);

// The figures a worker publishes twice a second for the calling thread.
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
  // Called by a worker's thread when its io_context ran out of work (its last snapshot says
  // finished), so that the controller notices at once rather than at its next tick.
  std::function<void()> on_worker_finished;

  bool measured(std::int64_t t_us) const { return t_us >= main_start_us && t_us < main_end_us; }
  // Reserves one task of the budget; false when max_tasks is reached.
  bool take_task() {
    const auto& max = config->profile.max_tasks;
    const auto n = tasks_started.fetch_add(1, std::memory_order_relaxed);
    return !(max && n >= *max);
  }
};

// One virtual client's live state: its timer (cancelled on stop) and its task.
struct Client {
  explicit Client(IoExecutor ex) : timer(ex) {}
  Timer timer;
  std::size_t slot = 0;            // index in Worker::clients_
  std::optional<TaskState> state;  // last seen, while a task is live (set with Worker::set_state)
};

// One task a client drives (or only watches).
struct TaskRun {
  TaskRun(std::string task_id, std::int64_t created, bool reacts)
      : id(std::move(task_id)), created_us(created), track(created, reacts), react(reacts) {}
  std::string id;
  std::int64_t created_us = 0;  // steady
  std::uint64_t polls = 0;
  harness::TaskTracker track;   // trace checker (reacting tasks only), stall clock, transitions
  harness::PolicyState policy;  // rounds, rejections, the message last acted on
  int poll_errors = 0;
  std::optional<TaskOutcome> outcome;
  std::string status_path;  // GET .../tasks/{id}
  // The previous 200 answer's bytes and what they gave. The checks and the view are a pure
  // function of the bytes, so an answer with the same bytes reuses them (not parsed again).
  struct Seen {
    std::string body;
    std::vector<std::string_view> broken;  // contract rules the body broke
    std::optional<TaskState> state;
    std::string activity;                     // last_activity_at as sent
    std::optional<std::int64_t> activity_us;  // parsed
    std::string message_id;                   // of the question or proposal waiting
    // Parsed while awaiting_reply (the question), else null: most answers are not questions,
    // and an idle client should not carry a StatusView's 288 bytes.
    std::unique_ptr<harness::StatusView> view;
  };
  std::optional<Seen> seen;
  // false: only watch (a poll client of a task made elsewhere): no actions, no lifecycle trace
  // (the task's history before the first poll is unknown), nothing to clean up.
  bool react = true;
};

// A policy or poll client of the closed or open executor. Between two of its requests it is
// parked: an entry in the worker's due-queue, with everything it needs to go on held here
// rather than in a suspended coroutine chain, so that an idle client costs this struct and its
// task's state (about 1 KiB) and not the frames of the coroutines that drive it. A step (one
// coroutine per due client, ended when it parks again) makes its next request(s).
struct FleetClient {
  explicit FleetClient(IoExecutor ex) : c(ex) {}
  Client c;
  std::optional<TaskRun> task;      // the task it drives or watches; none between iterations
  std::int64_t intended_us = 0;     // the next poll's intended send time
  std::int64_t iterations_left = -1;  // -1: unbounded (the closed executor's `iterations`)
  bool open = false;                // one arrival of the open executor (counted in in_flight_)
  std::size_t slot = 0;             // index in Worker::fleet_
};

class Worker {
 public:
  Worker(Shared& shared, int index, int count);

  void start();
  // From any thread. stop_us: when the controller decided to stop (steady µs); arrivals due
  // before it still count.
  void request_stop(std::int64_t stop_us);
  void abandon();
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  // Adds the last published snapshot to `out` (merging metrics).
  void read_snapshot(Snapshot& out);

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
  // ---- plumbing (worker.cpp)
  void set_up_scenarios();
  template <class A>
  void spawn(A&& a) {
    asio::co_spawn(io_, std::forward<A>(a), [this](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        if (fatal_.empty()) fatal_ = ex.what();
      }
    });
  }
  void run();
  void begin_stop();
  Client& add_client(Client& c);
  void remove_client(Client& c);
  // Sets a client's task state, keeping tasks_by_state_ (the snapshot's live tasks by state,
  // counted as states change rather than by a walk over a million clients).
  void set_state(Client& c, std::optional<TaskState> state);
  // Sleeps until t_us or until the run stops; false when stopping.
  Awaitable<bool> sleep_until(Client& c, std::int64_t t_us);
  void fill_snapshot();
  // Publishes until the run stops or no client is left (then the io_context runs out of work).
  Awaitable<void> publisher();

  // ---- requests (worker.cpp)
  // Waits for the Retry-After pause and the rate cap; false when the run stopped meanwhile
  // (cleanup requests pass `cleanup`, and still wait).
  Awaitable<bool> admit(Timer& timer, bool cleanup);
  // Counts one finished request (every phase), honours its Retry-After, and measures it when it
  // was intended in the measured phase (never the cleanup's).
  void account(Endpoint ep, std::int64_t intended_us, std::int64_t sent_us, std::int64_t done_us,
               int status, ErrorClass error, int retry_after_s, bool cleanup);
  // One request: admitted, sent, counted (always) and measured (when intended in the measured
  // phase and not cleanup). nullopt when the run stopped before it was sent.
  Awaitable<std::optional<LoadResponse>> request(Client& c, Endpoint ep, const char* method,
                                                 const std::string& target, const std::string& body,
                                                 std::int64_t intended_us, bool cleanup = false);
  // Checks one response against the contract; returns the parsed body (discarded when not
  // JSON). Moves the body out of `r`. `broken`, when given, receives the rule ids broken
  // (static strings).
  json check(Endpoint ep, std::string_view method, const std::string& path,
             LoadResponse& r, const harness::CheckContext& ctx,
             std::vector<std::string_view>* broken = nullptr);
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

  // ---- scenario clients (worker_clients.cpp): one coroutine each, the runner's
  Awaitable<void> scenario_client(std::int64_t start_us, std::optional<std::int64_t> iterations);
  Awaitable<void> arrivals(OpenExecutor open);
  Awaitable<void> open_scenario();
  // One run of the scenario by the runner (its checks, its cleanup); its requests are counted
  // and measured through the HTTP client's hooks (no schedule: a scenario polls at its own
  // pace, so its corrected latency equals the uncorrected one).
  Awaitable<bool> run_scenario_once(Client& c);
  void record_scenario(const harness::ScenarioResult& r, std::int64_t began_us);
  // The next poll interval, jittered; 0 when polling back to back.
  std::int64_t interval_us();

  // ---- policy and poll clients, parked between requests (worker_fleet.cpp)
  // A new client, first due at start_us.
  void add_fleet_client(std::int64_t start_us, std::optional<std::int64_t> iterations, bool open);
  // Puts a client back in the due-queue (or winds it down when the run is stopping).
  void park(FleetClient& f, std::int64_t due_us);
  // Runs due clients' steps until the run stops, then winds every parked client down (a bounded
  // number at a time).
  Awaitable<void> dispatch();
  void wake_dispatcher(std::int64_t due_us);
  // A due client's requests until it parks again or ends.
  Awaitable<void> step(FleetClient& f);
  // The run stopped: the client's live task is cancelled (cleanup) and the client ends.
  Awaitable<void> wind_down(FleetClient& f);
  void end_client(FleetClient& f);

  // ---- one task's lifecycle (worker_task.cpp)
  std::string path(const std::string& id, std::string_view suffix = {}) const;
  // Starts the client's next task: creates one (policy client) or begins watching the poll
  // client's; false when the create failed.
  Awaitable<bool> start_task(FleetClient& f);
  Awaitable<bool> create_task(FleetClient& f);  // a policy client's: POST /tasks/
  // One status poll of the client's task and the reaction to it; the task has an outcome after
  // it when it ended. false when the run stopped before the poll was sent.
  Awaitable<bool> poll_once(FleetClient& f, const Policy& policy);
  // The task ended (or the run stopped): cancels it when it is left live, counts its outcome.
  Awaitable<void> end_task(FleetClient& f);
  Awaitable<void> on_status(Client& c, TaskRun& t, const Policy& policy, LoadResponse& r,
                            std::int64_t intended);
  // Reads a 200 status answer into t.seen (checked, or the previous verdict reused when the
  // bytes are the same); true when these bytes were read now.
  bool read_answer(TaskRun& t, LoadResponse& r);
  // Feeds the answer to the task's tracker; true when it shows a transition.
  bool observe(TaskRun& t, const LoadResponse& r);
  // Carries out the policy's reaction to the task's last answer.
  Awaitable<void> react(Client& c, TaskRun& t, const harness::Reaction& next);
  Awaitable<void> act(Client& c, TaskRun& t, harness::ClientAction action, Endpoint ep,
                      const std::string& suffix, const std::string& body,
                      const std::string& expected_after);
  void finish(TaskRun& t, TaskOutcome outcome);
  void record_trace_violations(TaskRun& t, const LoadResponse& r);
  // Cancels a task the run leaves behind (not measured; the rate cap still applies).
  Awaitable<void> cancel_for_cleanup(Client& c, const std::string& id);

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
  std::array<std::uint64_t, harness::kTaskStateCount> tasks_by_state_{};  // of clients_
  Client* arrival_clock_ = nullptr;  // the open executor's, while it runs
  // The parked fleet clients by due time (a timing wheel on the dispatcher's tick), the clients
  // themselves, and the one timer that wakes the dispatcher for the earliest.
  DueWheel<FleetClient> due_;
  std::vector<FleetClient*> ready_;  // dispatch()'s, reused: the clients due at one wake-up
  std::vector<std::unique_ptr<FleetClient>> fleet_;  // FleetClient::slot is the index
  Timer dispatch_timer_{io_.get_executor()};
  std::int64_t dispatch_armed_us_ = INT64_MAX;  // what dispatch_timer_ waits for
  bool dispatching_ = false;                    // dispatch() is running
  std::int64_t winding_down_ = 0;               // wind_down()s running
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

  // Scenario clients: the runner's ScenarioDriver over the harness's HTTP client, whose hooks
  // apply the rate cap and the Retry-After pause and report every attempt here.
  std::unique_ptr<harness::HttpClient> http_;
  std::unique_ptr<harness::ScenarioDriver> scenarios_;
  std::size_t ordinal_ = 0;

  std::mutex snapshot_mutex_;
  Snapshot snapshot_;
};

}  // namespace agentwork::load::internal
