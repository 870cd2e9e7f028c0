// The load engine end to end against the in-process mock: the open model keeps its arrival rate
// when the server slows (corrected latency grows, uncorrected does not), the rate cap holds
// under a fast server, Retry-After pauses the run, the circuit breaker stops it, thresholds pass
// and fail as written, and an interrupt cancels every task the run created. Each run is a few
// seconds, bounded by its duration and the cleanup deadline.
#include "harness/load/engine.hpp"

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mock_server/mock_server.hpp"

namespace agentwork::load {
namespace {

using nlohmann::json;

struct Target {
  explicit Target(mock::MockConfig config) : server(std::move(config), options()) {
    server.start();
    key = request("POST", "/api/v1/auth/register",
                  R"({"email":"load@example.com","name":"Load"})")["api_key"];
  }
  static mock::ServerOptions options() {
    mock::ServerOptions o;
    o.threads = 1;
    return o;
  }
  // A request straight to the mock's application (no socket).
  json request(const std::string& method, const std::string& target, const std::string& body,
               const std::string& bearer = "") {
    mock::HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.content_type = "application/json";
    r.host = "127.0.0.1";
    if (!bearer.empty()) r.authorization = "Bearer " + bearer;
    return json::parse(server.app().handle(r).body);
  }
  std::size_t non_terminal() {
    const auto counts = server.app().store().count_by_status();
    std::size_t n = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      if (!mock::is_terminal(static_cast<mock::Status>(i))) n += counts[i];
    }
    return n;
  }
  EngineConfig config(LoadProfile profile) {
    EngineConfig c;
    c.profile = std::move(profile);
    c.transport.origin = {false, "127.0.0.1", server.port()};
    c.api_key = key;
    c.cleanup_timeout = std::chrono::milliseconds(5000);
    return c;
  }

  mock::MockServer server;
  std::string key;
};

mock::MockConfig mock_config(double time_scale) {
  mock::MockConfig c;
  c.time_scale = time_scale;
  c.control_api = true;
  return c;
}

mock::FaultRule latency_fault(std::chrono::milliseconds latency) {
  mock::FaultRule f;
  f.action = mock::FaultRule::Action::latency;
  f.latency = latency;
  return f;
}

LoadProfile policy_profile(double duration_s, double poll_interval_s) {
  LoadProfile p;
  p.name = "test";
  p.duration_s = duration_s;
  p.poll_interval_s = poll_interval_s;
  p.jitter = 0;
  p.workers = 1;
  return p;
}

const EndpointSummary* endpoint(const LoadSummary& s, Endpoint e) {
  for (const auto& x : s.endpoints) {
    if (x.endpoint == e) return &x;
  }
  return nullptr;
}

// The server answers every request 50 ms late and the harness has 2 connections: 40 requests/s
// at most, far below what 10 tasks/s polling every 50 ms ask for. The open model still starts
// its 10 tasks a second; the polls queue for a connection, so their latency from the intended
// send time grows many times over while the time on the wire stays near 50 ms.
TEST(LoadEngine, OpenModelKeepsItsRateWhenTheServerSlows) {
  auto mc = mock_config(100);  // tasks stay processing
  mc.faults.push_back(latency_fault(std::chrono::milliseconds(50)));
  Target target(mc);
  LoadProfile p = policy_profile(3, 0.05);
  OpenExecutor open;
  open.rate = 10;
  p.executor = open;
  EngineConfig c = target.config(p);
  c.transport.max_connections = 2;
  LoadEngine engine(c);
  const LoadResult r = engine.run();

  EXPECT_EQ(r.stop_reason, StopReason::duration_elapsed);
  EXPECT_EQ(r.arrivals, 30u);  // 10/s for 3 s: on schedule although nothing keeps up
  // None is over max_in_flight. On a loaded machine the worker may reach the last one, due at
  // 3 s (the schedule's end), after the stop: it still counts, as dropped.
  EXPECT_LE(r.dropped_arrivals, 1u);
  const auto* status = endpoint(r.summary, Endpoint::task_status);
  ASSERT_NE(status, nullptr);
  EXPECT_GE(status->uncorrected.p50, 50'000);  // the server's own 50 ms
  EXPECT_LT(status->uncorrected.p99, 400'000);
  // Each client has one poll pending at most (missed slots are dropped, not queued), so the
  // wait is the queue of clients ahead: up to 30 tasks / 40 requests/s = 0.75 s at the end.
  EXPECT_GT(status->corrected.p99, 500'000);
  EXPECT_GT(status->corrected.p99, 5 * status->uncorrected.p99);
  EXPECT_GT(status->corrected.p50, 3 * status->uncorrected.p50);
  EXPECT_GT(r.summary.late_polls + r.summary.dropped_polls, 0u);
  EXPECT_TRUE(r.check_failures.empty());
  EXPECT_EQ(target.non_terminal(), 0u);
}

// With the same profile and a fast server, the two latencies agree: the gap above is the
// harness's queueing, not a measurement artefact.
TEST(LoadEngine, CorrectedAndUncorrectedAgreeWhenTheServerKeepsUp) {
  Target target(mock_config(100));
  LoadProfile p = policy_profile(2, 0.2);
  OpenExecutor open;
  open.rate = 5;
  p.executor = open;
  LoadEngine engine(target.config(p));
  const LoadResult r = engine.run();
  const auto* status = endpoint(r.summary, Endpoint::task_status);
  ASSERT_NE(status, nullptr);
  EXPECT_LT(status->corrected.p50, 50'000);
  EXPECT_LT(status->corrected.p50, status->uncorrected.p50 + 20'000);
  EXPECT_EQ(r.summary.dropped_polls, 0u);
}

// 100 clients polling every 10 ms would send about 10,000 requests/s; the cap allows 200.
TEST(LoadEngine, RateCapHoldsUnderAFastServer) {
  Target target(mock_config(100));
  LoadProfile p = policy_profile(3, 0.01);
  p.executor = ClosedExecutor{100, std::nullopt, 0.0};
  p.workers = 2;
  p.rate_cap = 200;
  LoadEngine engine(target.config(p));
  const LoadResult r = engine.run();
  // Each worker's bucket holds at most max(1, 100/100) token at its start: 2 over the cap in any
  // second. A request intended before the end is counted even when the stop reaches its client
  // a moment after the end (a busy machine delays it), so the run's seconds are the rate series'
  // (by completion time): 3, and partial ones after them (a stop 2 s late would be a bug).
  const auto& series = r.summary.rate_series;
  ASSERT_GE(series.size(), 3u);
  ASSERT_LE(series.size(), 5u);
  for (std::size_t i = 0; i < series.size(); ++i) EXPECT_LE(series[i], 202u) << "second " << i;
  EXPECT_LE(r.summary.requests, 202u * series.size());
  EXPECT_GE(r.summary.requests, 200u * 3 * 8 / 10);  // the cap is the limit, not far below it
  EXPECT_GT(r.rate_capped_waits, 0u);
  EXPECT_EQ(target.non_terminal(), 0u);
}

// A 429 with Retry-After: 2 early in the run: nothing is sent for the next two seconds.
TEST(LoadEngine, RetryAfterPausesEveryClient) {
  auto mc = mock_config(100);
  mock::FaultRule f;
  f.action = mock::FaultRule::Action::status;
  f.method = "GET";
  f.route = "/api/v1/tasks/{id}";
  f.status = 429;
  f.retry_after = 2;
  f.count = 1;
  f.skip = 5;
  mc.faults.push_back(f);
  Target target(mc);
  LoadProfile p = policy_profile(3, 0.05);
  p.executor = ClosedExecutor{5, std::nullopt, 0.0};
  LoadEngine engine(target.config(p));
  const LoadResult r = engine.run();
  EXPECT_EQ(r.retry_after_pauses, 1u);
  ASSERT_GE(r.summary.rate_series.size(), 3u);
  EXPECT_GT(r.summary.rate_series[0], 0u);
  EXPECT_EQ(r.summary.rate_series[1], 0u);  // paused from ~0.1 s to ~2.1 s
  EXPECT_GT(r.summary.rate_series[2], 0u);  // and resumed
}

TEST(LoadEngine, CircuitBreakerStopsARunThatMostlyFails) {
  auto mc = mock_config(100);
  mock::FaultRule f;
  f.action = mock::FaultRule::Action::status;
  f.method = "GET";
  f.route = "/api/v1/tasks/{id}";
  f.status = 500;
  mc.faults.push_back(f);
  Target target(mc);
  LoadProfile p = policy_profile(30, 0.02);
  p.executor = ClosedExecutor{10, std::nullopt, 0.0};
  p.circuit_breaker = {0.5, 1, 20};
  LoadEngine engine(target.config(p));
  const auto began = std::chrono::steady_clock::now();
  const LoadResult r = engine.run();
  EXPECT_EQ(r.stop_reason, StopReason::circuit_breaker);
  EXPECT_NE(r.stop_detail.find("circuit breaker"), std::string::npos) << r.stop_detail;
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(10));
  EXPECT_EQ(exit_code(r), kExitCircuitBreaker);
  EXPECT_EQ(target.non_terminal(), 0u);  // the tasks made before the stop are cancelled
}

TEST(LoadEngine, ThresholdsPassAndFailAsWritten) {
  Target target(mock_config(0.02));
  LoadProfile p = policy_profile(2, 0.1);
  p.executor = ClosedExecutor{10, std::nullopt, 0.0};
  for (const char* text : {"requests.count > 0", "latency{endpoint=status}.p99 < 1us",
                           "errors.rate < 1%", "tasks{outcome=created}.count >= 10"}) {
    p.thresholds.push_back(std::get<Threshold>(parse_threshold(text)));
  }
  LoadEngine engine(target.config(p));
  const LoadResult r = engine.run();
  ASSERT_EQ(r.thresholds.size(), 4u);
  EXPECT_EQ(r.thresholds[0].verdict, Verdict::passed) << r.thresholds[0].line;
  EXPECT_EQ(r.thresholds[1].verdict, Verdict::failed) << r.thresholds[1].line;
  EXPECT_EQ(r.thresholds[2].verdict, Verdict::passed) << r.thresholds[2].line;
  EXPECT_EQ(r.thresholds[3].verdict, Verdict::passed) << r.thresholds[3].line;
  EXPECT_EQ(exit_code(r), kExitThresholdsFailed);
}

TEST(LoadEngine, AbortOnFailStopsEarly) {
  Target target(mock_config(100));
  LoadProfile p = policy_profile(30, 0.05);
  p.executor = ClosedExecutor{5, std::nullopt, 0.0};
  p.thresholds.push_back(std::get<Threshold>(parse_threshold("latency.p99 < 1us")));
  p.abort_on_fail = true;
  LoadEngine engine(target.config(p));
  const auto began = std::chrono::steady_clock::now();
  const LoadResult r = engine.run();
  EXPECT_EQ(r.stop_reason, StopReason::threshold_failed);
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(10));
  EXPECT_EQ(target.non_terminal(), 0u);
}

// A growing count ("more than N requests") is judged at the end, not aborted on at the start.
TEST(LoadEngine, AbortOnFailWaitsForAGrowingCount) {
  Target target(mock_config(100));
  LoadProfile p = policy_profile(2, 0.1);
  p.executor = ClosedExecutor{5, std::nullopt, 0.0};
  p.thresholds.push_back(std::get<Threshold>(parse_threshold("requests.count > 20")));
  p.thresholds.push_back(std::get<Threshold>(parse_threshold("requests.count > 1000000")));
  p.abort_on_fail = true;
  LoadEngine engine(target.config(p));
  const LoadResult r = engine.run();
  EXPECT_EQ(r.stop_reason, StopReason::duration_elapsed);
  ASSERT_EQ(r.thresholds.size(), 2u);
  EXPECT_EQ(r.thresholds[0].verdict, Verdict::passed) << r.thresholds[0].line;
  EXPECT_EQ(r.thresholds[1].verdict, Verdict::failed) << r.thresholds[1].line;
  EXPECT_EQ(exit_code(r), kExitThresholdsFailed);
}

TEST(LoadEngine, UnknownThresholdMetricIsAnErrorBeforeTheRun) {
  LoadProfile p;
  p.thresholds.push_back(std::get<Threshold>(parse_threshold("latncy.p99 < 1ms")));
  const auto error = check_threshold_names(p);
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("latncy"), std::string::npos) << *error;
  p.thresholds = {std::get<Threshold>(parse_threshold("latency{endpoint=cancel}.p99 < 1ms"))};
  EXPECT_FALSE(check_threshold_names(p).has_value());  // no data yet is not an error
}

// An interrupt mid-run: the run stops, and every task it created and did not see terminal is
// cancelled before run() returns.
TEST(LoadEngine, InterruptCancelsEveryTaskTheRunCreated) {
  Target target(mock_config(100));  // the default agent works for minutes: nothing ends alone
  LoadProfile p = policy_profile(60, 0.2);
  p.executor = ClosedExecutor{30, std::nullopt, 0.0};
  p.workers = 2;
  LoadEngine engine(target.config(p));
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    engine.interrupt();
  });
  const LoadResult r = engine.run();
  stopper.join();
  EXPECT_EQ(r.stop_reason, StopReason::interrupted);
  EXPECT_EQ(exit_code(r), 130);
  EXPECT_EQ(r.cleanup.failed, 0u);
  EXPECT_EQ(r.cleanup.cancelled, 30u);
  EXPECT_EQ(target.server.app().store().task_count(), 30u);
  EXPECT_EQ(target.non_terminal(), 0u);
}

// A broken answer polled again and again: every answer counts against its rule, whether the
// verdict of an identical answer is reused (default) or every answer is parsed from scratch.
TEST(LoadEngine, IdenticalAnswersCountEveryTimeWithOrWithoutReuse) {
  for (const bool reuse : {true, false}) {
    SCOPED_TRACE(reuse ? "reuse" : "check every answer");
    auto mc = mock_config(100);
    mc.violations = {"G.status.task_id"};
    Target target(mc);
    const auto task =
        target.request("POST", "/api/v1/tasks/", R"({"title":"t","description":"d"})", target.key);
    LoadProfile p = policy_profile(1.5, 0.05);
    p.client = PollClient{task["task_id"].get<std::string>()};
    p.executor = ClosedExecutor{3, std::nullopt, 0.0};
    EngineConfig c = target.config(p);
    c.reuse_identical_answers = reuse;
    LoadEngine engine(c);
    const LoadResult r = engine.run();
    ASSERT_EQ(r.check_failures.size(), 1u);
    EXPECT_EQ(r.check_failures[0].rule_id, "G.status.task_id");
    EXPECT_GT(r.summary.polls, 20u);
    // Every answer of the run (warm-up and drain included) broke the rule once.
    EXPECT_EQ(r.check_failures[0].count, r.responses_checked);
    EXPECT_GE(r.responses_checked, r.summary.polls);
    if (reuse) {
      EXPECT_GT(r.reused_verdicts, r.responses_checked / 2);
    } else {
      EXPECT_EQ(r.reused_verdicts, 0u);
    }
    EXPECT_EQ(exit_code(r), 1);  // thresholds passed (none), the contract did not
  }
}

// An open executor waiting for its next arrival (10 s away) stops at once when interrupted.
TEST(LoadEngine, InterruptDoesNotWaitForTheNextArrival) {
  Target target(mock_config(100));
  LoadProfile p = policy_profile(60, 1);
  OpenExecutor open;
  open.rate = 0.1;
  p.executor = open;
  LoadEngine engine(target.config(p));
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    engine.interrupt();
  });
  const auto began = std::chrono::steady_clock::now();
  const LoadResult r = engine.run();
  stopper.join();
  EXPECT_EQ(r.stop_reason, StopReason::interrupted);
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(4));
  EXPECT_EQ(r.arrivals, 0u);
}

// The live figures count every client's task by its last seen state (kept as states change,
// not by a walk over the clients): 30 tasks that stay processing show as 30 processing.
TEST(LoadEngine, LiveFiguresCountEveryLiveTaskByState) {
  Target target(mock_config(100));  // the default agent works for minutes: nothing ends alone
  LoadProfile p = policy_profile(2.5, 0.2);
  p.executor = ClosedExecutor{30, std::nullopt, 0.0};
  p.workers = 2;
  LoadEngine engine(target.config(p));
  std::vector<LiveFigures> ticks;
  const LoadResult r = engine.run([&](const LiveFigures& f) { ticks.push_back(f); });
  EXPECT_EQ(r.stop_reason, StopReason::duration_elapsed);
  std::size_t running_ticks = 0;
  for (const auto& f : ticks) {
    if (f.stopping || f.tasks_created < 30) continue;
    ++running_ticks;
    EXPECT_EQ(f.tasks_by_state[static_cast<std::size_t>(harness::TaskState::processing)], 30u);
    std::uint64_t live = 0;
    for (const auto n : f.tasks_by_state) live += n;
    EXPECT_EQ(live, 30u);
  }
  EXPECT_GE(running_ticks, 1u);
  // After the stop every task is cancelled by the cleanup and no client is left to count.
  ASSERT_FALSE(ticks.empty());
  std::uint64_t left = 0;
  for (const auto n : ticks.back().tasks_by_state) left += n;
  EXPECT_EQ(left, 0u);
  EXPECT_EQ(target.non_terminal(), 0u);
}

}  // namespace
}  // namespace agentwork::load
