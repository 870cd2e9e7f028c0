// Per-worker load metrics: exact figures on tiny inputs, merge equal to recording in one, the
// corrected and uncorrected latency under a server stall, the summary, the thresholds' view
// (through parse_threshold and evaluate), and the memory bounds.
#include "harness/load/metrics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace agentwork::load {
namespace {

constexpr std::int64_t kSecond = 1'000'000;

Threshold parse_ok(std::string_view text) {
  auto parsed = parse_threshold(text);
  if (auto* error = std::get_if<ParseError>(&parsed)) {
    ADD_FAILURE() << error->message();
    return {};
  }
  return std::get<Threshold>(parsed);
}

MetricValue view_value(const WorkerMetrics& m, std::int64_t duration_us, std::string_view expr) {
  // A threshold with a dummy comparison, to parse the reference as a profile would.
  const Threshold t = parse_ok(std::string(expr) + " < 1");
  return LoadMetricsView(m, duration_us).value(t.ref);
}

TEST(MetricsNames, ErrorSlotsAndOutcomes) {
  // Every endpoint has its figures, each once, in the figure order.
  std::array<int, kEndpointCount> seen{};
  for (const Endpoint e : kFigureOrder) ++seen[static_cast<std::size_t>(e)];
  for (int n : seen) EXPECT_EQ(n, 1);
  EXPECT_EQ(kFigureOrder.front(), Endpoint::task_status);
  EXPECT_EQ(error_slot_name(error_slot(ErrorClass::too_large)), "too_large");
  EXPECT_EQ(error_slot_name(error_slot(ErrorClass::protocol)), "protocol");
  EXPECT_EQ(error_slot(ErrorClass::bad_url), kErrorSlots - 1);
  EXPECT_EQ(error_slot(ErrorClass::redirects), kErrorSlots - 1);
  EXPECT_EQ(error_slot_name(kErrorSlots - 1), "other");
  EXPECT_EQ(task_outcome_from_name("stalled"), TaskOutcome::stalled);
  EXPECT_EQ(task_outcome_from_name("created"), std::nullopt);
}

TEST(WorkerMetrics, ResponsesByClassAndLatencyBothWays) {
  WorkerMetrics m;
  m.on_response(Endpoint::task_status, 0, 100, 1100, 200, ErrorClass::none);
  m.on_response(Endpoint::task_status, 1000, 1000, 1500, 404, ErrorClass::none);
  m.on_response(Endpoint::task_status, 2000, 2000, 2300, 503, ErrorClass::none);
  m.on_response(Endpoint::task_status, 3000, 3000, 9000, 0, ErrorClass::timeout);
  m.on_response(Endpoint::task_status, 4000, 4000, 4001, 0, ErrorClass::none);    // no status: protocol
  m.on_response(Endpoint::task_status, 5000, 5000, 5001, 700, ErrorClass::none);  // outside 100..599: protocol
  m.on_response(Endpoint::create_task, 0, 0, 2000, 201, ErrorClass::none);
  m.on_response(Endpoint::cancel, 0, 0, 1, 0, ErrorClass::bad_url);

  EXPECT_EQ(m.requests(Endpoint::task_status), 6u);
  EXPECT_EQ(m.requests(Endpoint::create_task), 1u);
  EXPECT_EQ(m.requests(Endpoint::cancel), 1u);
  EXPECT_EQ(m.requests(), 8u);
  EXPECT_EQ(m.status_classes(Endpoint::task_status), (std::array<std::uint64_t, 5>{0, 1, 0, 1, 1}));
  std::array<std::uint64_t, kErrorSlots> status_errors{};
  status_errors[load::error_slot(ErrorClass::timeout)] = 1;
  status_errors[load::error_slot(ErrorClass::protocol)] = 2;
  EXPECT_EQ(m.transport_errors(Endpoint::task_status), status_errors);
  // 503 + timeout + 2 protocol; the 404 is not an error.
  EXPECT_EQ(m.errors(Endpoint::task_status), 4u);
  EXPECT_EQ(m.errors(Endpoint::cancel), 1u);
  EXPECT_EQ(m.errors(), 5u);
  // Latencies only for the three answered statuses: corrected from intended, uncorrected from sent.
  const Histogram& c = m.latency(Endpoint::task_status);
  const Histogram& u = m.latency_uncorrected(Endpoint::task_status);
  EXPECT_EQ(c.count(), 3u);
  EXPECT_EQ(c.min(), 300);
  EXPECT_EQ(c.max(), 1100);
  EXPECT_EQ(c.mean(), (1100.0 + 500.0 + 300.0) / 3.0);
  EXPECT_EQ(u.max(), 1000);
  EXPECT_EQ(u.mean(), (1000.0 + 500.0 + 300.0) / 3.0);
  EXPECT_EQ(m.latency(Endpoint::cancel).count(), 0u);
  EXPECT_EQ(m.latency(Endpoint::other).count(), 0u);
}

TEST(WorkerMetrics, PollingFigures) {
  WorkerMetrics m;
  m.on_poll(true);
  m.on_poll(false);
  m.on_poll(false);
  m.on_poll(true);
  m.on_transition(2000);
  m.on_transition(0);    // recorded as 1 us (the histogram's floor), in its underflow
  m.on_transition(-50);  // clocks skewed: counted apart, not recorded
  m.on_late_poll();
  m.on_dropped_poll();
  m.on_dropped_poll();
  EXPECT_EQ(m.polls(), 4u);
  EXPECT_EQ(m.wasted_polls(), 2u);
  EXPECT_EQ(m.transitions(), 3u);
  EXPECT_EQ(m.negative_transition_delays(), 1u);
  EXPECT_EQ(m.transition_delay().count(), 2u);
  EXPECT_EQ(m.transition_delay().min(), 1);
  EXPECT_EQ(m.transition_delay().underflow(), 1u);
  EXPECT_EQ(m.transition_delay().max(), 2000);
  EXPECT_EQ(m.late_polls(), 1u);
  EXPECT_EQ(m.dropped_polls(), 2u);
}

TEST(WorkerMetrics, LatePollThreshold) {
  EXPECT_EQ(late_poll_threshold_us(5 * kSecond), 100'000);  // 10% is 500 ms: 100 ms is smaller
  EXPECT_EQ(late_poll_threshold_us(200'000), 20'000);       // 10% of 200 ms
  WorkerMetrics m;
  m.on_poll_schedule(0, 100'000, 5 * kSecond);  // exactly at the threshold: on time
  m.on_poll_schedule(0, 100'001, 5 * kSecond);  // late
  m.on_poll_schedule(0, 20'001, 200'000);       // late
  m.on_poll_schedule(0, 20'000, 200'000);       // on time
  m.on_poll_schedule(50, 0, 200'000);           // early: on time
  EXPECT_EQ(m.late_polls(), 2u);
}

TEST(WorkerMetrics, Tasks) {
  WorkerMetrics m;
  EXPECT_EQ(m.polls_per_task_min(), 0u);
  for (int i = 0; i < 5; ++i) m.on_task_created();
  m.on_task_end(TaskOutcome::completed, 10 * kSecond, 4);
  m.on_task_end(TaskOutcome::completed, 20 * kSecond, 6);
  m.on_task_end(TaskOutcome::cancelled, 1000, 1);
  m.on_task_end(TaskOutcome::stalled, 30 * kSecond, 9);
  EXPECT_EQ(m.tasks_created(), 5u);
  EXPECT_EQ(m.tasks_ended(TaskOutcome::completed), 2u);
  EXPECT_EQ(m.tasks_ended(TaskOutcome::cancelled), 1u);
  EXPECT_EQ(m.tasks_ended(TaskOutcome::stalled), 1u);
  EXPECT_EQ(m.tasks_ended(TaskOutcome::failed), 0u);
  EXPECT_EQ(m.tasks_ended(), 4u);
  EXPECT_EQ(m.polls_per_task_sum(), 20u);
  EXPECT_EQ(m.polls_per_task_min(), 1u);
  EXPECT_EQ(m.polls_per_task_max(), 9u);
  EXPECT_EQ(m.task_duration().count(), 4u);
  EXPECT_EQ(m.task_duration().min(), 1000);
  EXPECT_EQ(m.task_duration().max(), 30 * kSecond);
}

TEST(WorkerMetrics, RateSeriesPerSecondThenFolded) {
  const std::int64_t start = 7 * kSecond;
  WorkerMetrics m(start);
  m.on_response(Endpoint::task_status, 0, 0, start + 500'000, 200, ErrorClass::none);
  m.on_response(Endpoint::task_status, 0, 0, start + 1'200'000, 200, ErrorClass::none);
  m.on_response(Endpoint::task_status, 0, 0, start + 1'999'999, 0, ErrorClass::read);  // errors count too
  m.on_response(Endpoint::task_status, 0, 0, start - 1, 200, ErrorClass::none);            // before: first slot
  EXPECT_EQ(m.rate_slot_width_s(), 1u);
  EXPECT_EQ(m.rate_series()[0], 2u);
  EXPECT_EQ(m.rate_series()[1], 2u);
  EXPECT_EQ(m.rate_series()[2], 0u);
  // Second 3599 still fits; second 3600 folds to 2 s slots, second 8000 to 4 s slots.
  m.on_response(Endpoint::task_status, 0, 0, start + 3599 * kSecond, 200, ErrorClass::none);
  EXPECT_EQ(m.rate_slot_width_s(), 1u);
  m.on_response(Endpoint::task_status, 0, 0, start + 3600 * kSecond, 200, ErrorClass::none);
  EXPECT_EQ(m.rate_slot_width_s(), 2u);
  EXPECT_EQ(m.rate_series()[0], 4u);
  EXPECT_EQ(m.rate_series()[1799], 1u);
  EXPECT_EQ(m.rate_series()[1800], 1u);
  m.on_response(Endpoint::task_status, 0, 0, start + 8000 * kSecond, 200, ErrorClass::none);
  EXPECT_EQ(m.rate_slot_width_s(), 4u);
  EXPECT_EQ(m.rate_series()[0], 4u);
  EXPECT_EQ(m.rate_series()[899], 1u);
  EXPECT_EQ(m.rate_series()[900], 1u);
  EXPECT_EQ(m.rate_series()[2000], 1u);
  EXPECT_EQ(m.rate_series().size(), kRateSlots);
  // A wild timestamp lands in the last second kept (10^8 s): the width stays bounded.
  m.on_response(Endpoint::task_status, 0, 0, INT64_MAX, 200, ErrorClass::none);
  EXPECT_EQ(m.rate_slot_width_s(), 32768u);
  EXPECT_EQ(m.rate_series()[100'000'000 / 32768], 1u);
}

// Every kind of event, applied to one worker or the other by its index.
void record_events(const std::function<WorkerMetrics&(int)>& into) {
  for (int i = 0; i < 200; ++i) {
    WorkerMetrics& m = into(i);
    const auto endpoint = static_cast<Endpoint>(i % kEndpointCount);
    const std::int64_t intended = std::int64_t{i} * 37'000;
    const int status = i % 13 == 0 ? 503 : (i % 7 == 0 ? 404 : 200);
    m.on_response(endpoint, intended, intended + i * 11, intended + 500 + i * i * 3, status,
                  i % 17 == 0 ? ErrorClass::connect : ErrorClass::none);
    m.on_poll(i % 3 == 0);
    if (i % 5 == 0) m.on_transition(i % 10 == 0 ? -i : i * 1000);
    if (i % 19 == 0) m.on_late_poll();
    if (i % 23 == 0) m.on_dropped_poll();
    if (i % 4 == 0) m.on_task_created();
    if (i % 8 == 0) {
      m.on_task_end(static_cast<TaskOutcome>(i % kTaskOutcomeCount), i * 5000,
                    static_cast<std::uint64_t>(i % 11));
    }
  }
  // A request late in the run, folding one worker's series to 4 s slots.
  into(1).on_response(Endpoint::list_tasks, 0, 0, 9000 * kSecond, 200, ErrorClass::none);
  into(2).on_response(Endpoint::list_tasks, 0, 0, 12 * kSecond, 200, ErrorClass::none);
}

TEST(WorkerMetrics, MergeOfTwoWorkersEqualsOne) {
  WorkerMetrics a;
  WorkerMetrics b;
  WorkerMetrics all;
  record_events([&](int i) -> WorkerMetrics& { return i % 2 == 0 ? a : b; });
  record_events([&](int) -> WorkerMetrics& { return all; });
  EXPECT_NE(a.rate_slot_width_s(), b.rate_slot_width_s());
  EXPECT_FALSE(a == all);
  WorkerMetrics merged;
  merged.merge(a);
  merged.merge(b);
  EXPECT_TRUE(merged == all);
  b.merge(a);  // the other order, into the folded series
  EXPECT_TRUE(b == all);
  EXPECT_EQ(summarize(merged, 60 * kSecond), summarize(all, 60 * kSecond));
}

TEST(WorkerMetrics, ServerStallGrowsCorrectedLatencyOnly) {
  // An open-model schedule: one request every 10 ms on one connection, served in 1 ms, except
  // request 500, which the server holds for 200 ms. The next requests cannot go out until it
  // answers; their intended times keep the schedule.
  WorkerMetrics m;
  std::int64_t free_at = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::int64_t intended = std::int64_t{i} * 10'000;
    const std::int64_t sent = std::max(intended, free_at);
    const std::int64_t done = sent + (i == 500 ? 200'000 : 1'000);
    free_at = done;
    m.on_poll_schedule(intended, sent, 10'000);
    m.on_response(Endpoint::task_status, intended, sent, done, 200, ErrorClass::none);
  }
  const Histogram& corrected = m.latency(Endpoint::task_status);
  const Histogram& uncorrected = m.latency_uncorrected(Endpoint::task_status);
  EXPECT_EQ(corrected.max(), 200'000);
  EXPECT_EQ(uncorrected.max(), 200'000);
  // Request 500 + k (k = 1..22) goes out when 500 + k - 1 answers: corrected 200 ms - 9k ms,
  // uncorrected 1 ms. p99 is rank 990, the 11th largest: k = 10, 110 ms (its slot's top).
  EXPECT_EQ(corrected.value_at_percentile(99), Histogram::highest_equivalent(110'000));
  EXPECT_EQ(corrected.value_at_percentile(50), 1'000);
  EXPECT_EQ(uncorrected.value_at_percentile(99), 1'000);
  EXPECT_EQ(uncorrected.value_at_percentile(99.9), 1'000);
  EXPECT_GT(corrected.mean(), 2.0 * uncorrected.mean());
  // Sent 199 ms - 9k ms late: more than 1 ms (10% of 10 ms) for k = 1..21.
  EXPECT_EQ(m.late_polls(), 21u);
}

TEST(LoadSummary, ExactFigures) {
  WorkerMetrics m;
  // Latencies below 2048 us, where the histogram is exact (mean included).
  m.on_response(Endpoint::task_status, 0, 0, 1000, 200, ErrorClass::none);
  m.on_response(Endpoint::task_status, 0, 0, 1500, 200, ErrorClass::none);
  m.on_response(Endpoint::task_status, 0, 0, 0, 0, ErrorClass::timeout);
  m.on_response(Endpoint::task_status, 0, 0, 1800, 500, ErrorClass::none);
  m.on_response(Endpoint::cancel, 0, 500, 2000, 204, ErrorClass::none);
  for (int i = 0; i < 6; ++i) m.on_poll(i < 2);
  m.on_transition(100);
  m.on_transition(300);
  m.on_transition(-1);
  m.on_late_poll();
  m.on_dropped_poll();
  m.on_task_created();
  m.on_task_created();
  m.on_task_end(TaskOutcome::completed, 5 * kSecond, 3);
  m.on_task_end(TaskOutcome::failed, kSecond, 4);
  const LoadSummary s = summarize(m, 2 * kSecond);
  EXPECT_EQ(s.duration_s, 2.0);
  ASSERT_EQ(s.endpoints.size(), 2u);
  const EndpointSummary& st = s.endpoints[0];
  EXPECT_EQ(st.endpoint, Endpoint::task_status);
  EXPECT_EQ(st.requests, 4u);
  EXPECT_EQ(st.requests_per_s, 2.0);
  EXPECT_EQ(st.errors, 2u);
  EXPECT_EQ(st.error_rate, 0.5);
  EXPECT_EQ(st.corrected, (LatencySummary{3, 4300.0 / 3.0, 1000, 1500, 1800, 1800, 1800, 1800}));
  EXPECT_EQ(s.endpoints[1].endpoint, Endpoint::cancel);
  EXPECT_EQ(s.endpoints[1].corrected.max, 2000);
  EXPECT_EQ(s.endpoints[1].uncorrected.max, 1500);
  EXPECT_EQ(s.requests, 5u);
  EXPECT_EQ(s.requests_per_s, 2.5);
  EXPECT_EQ(s.errors, 2u);
  EXPECT_EQ(s.error_rate, 0.4);
  EXPECT_EQ(s.status_classes, (std::array<std::uint64_t, 5>{0, 3, 0, 0, 1}));
  EXPECT_EQ(s.polls, 6u);
  EXPECT_EQ(s.wasted_polls, 4u);
  EXPECT_EQ(s.wasted_poll_share, 4.0 / 6.0);
  EXPECT_EQ(s.late_polls, 1u);
  EXPECT_EQ(s.dropped_polls, 1u);
  EXPECT_EQ(s.transitions, 3u);
  EXPECT_EQ(s.polls_per_transition, 2.0);
  EXPECT_EQ(s.transition_delay, (LatencySummary{2, 200.0, 100, 100, 300, 300, 300, 300}));
  EXPECT_EQ(s.negative_transition_delays, 1u);
  EXPECT_EQ(s.tasks_created, 2u);
  EXPECT_EQ(s.tasks_ended, (std::array<std::uint64_t, kTaskOutcomeCount>{1, 0, 0, 1}));
  EXPECT_EQ(s.polls_per_task_mean, 3.5);
  EXPECT_EQ(s.polls_per_task_max, 4u);
  EXPECT_EQ(s.task_duration.count, 2u);
  EXPECT_EQ(s.rate_series, (std::vector<std::uint64_t>{5}));
  EXPECT_EQ(s.rate_slot_width_s, 1u);
}

TEST(LoadSummary, EmptyRunIsAllZero) {
  const LoadSummary s = summarize(WorkerMetrics(), 0);
  EXPECT_TRUE(s.endpoints.empty());
  EXPECT_EQ(s.requests_per_s, 0.0);
  EXPECT_EQ(s.error_rate, 0.0);
  EXPECT_EQ(s.polls_per_transition, 0.0);
  EXPECT_TRUE(s.rate_series.empty());
}

WorkerMetrics small_run() {
  WorkerMetrics m;
  m.on_response(Endpoint::task_status, 0, 0, 1000, 200, ErrorClass::none);
  m.on_response(Endpoint::task_status, 0, 500, 2000, 200, ErrorClass::none);
  m.on_response(Endpoint::task_status, 0, 0, 10, 404, ErrorClass::none);
  m.on_response(Endpoint::create_task, 0, 0, 5000, 201, ErrorClass::none);
  m.on_response(Endpoint::create_task, 0, 0, 0, 0, ErrorClass::connect);
  for (int i = 0; i < 4; ++i) m.on_poll(i == 0);
  m.on_transition(1000);
  m.on_transition(2000);
  m.on_late_poll();
  m.on_task_created();
  m.on_task_end(TaskOutcome::completed, kSecond, 4);
  m.on_task_end(TaskOutcome::cancelled, kSecond, 2);
  return m;
}

TEST(LoadMetricsView, EveryMetricName) {
  const WorkerMetrics m = small_run();
  const std::int64_t d = 2 * kSecond;
  struct Row {
    const char* expr;
    double value;
    Dimension dimension;
  };
  const Row rows[] = {
      {"latency{endpoint=status}.p50", 1000, Dimension::duration},
      {"latency{endpoint=status}.p100", 2000, Dimension::duration},
      {"latency{endpoint=status}.max", 2000, Dimension::duration},
      {"latency{endpoint=status}.min", 10, Dimension::duration},
      {"latency{endpoint=status}.mean", 3010.0 / 3.0, Dimension::duration},
      {"latency{endpoint=status}.count", 3, Dimension::number},
      {"latency_uncorrected{endpoint=status}.max", 1500, Dimension::duration},
      {"latency.max", 5000, Dimension::duration},  // all endpoints
      {"latency.count", 4, Dimension::number},
      {"latency{endpoint=cancel}.count", 0, Dimension::number},
      {"errors.rate", 0.2, Dimension::ratio},  // the connect error; the 404 does not count
      {"errors.count", 1, Dimension::number},
      {"errors{endpoint=create}.rate", 0.5, Dimension::ratio},
      {"requests.rate", 2.5, Dimension::number},
      {"requests.count", 5, Dimension::number},
      {"requests{endpoint=status}.count", 3, Dimension::number},
      {"polls_per_task.mean", 3, Dimension::number},
      {"polls_per_task.max", 4, Dimension::number},
      {"polls_per_task.min", 2, Dimension::number},
      {"polls_per_transition.mean", 2, Dimension::number},
      {"transition_delay.p50", 1000, Dimension::duration},
      {"transition_delay.mean", 1500, Dimension::duration},
      {"transition_delay.max", 2000, Dimension::duration},
      {"task_duration.p99", kSecond, Dimension::duration},
      {"wasted_polls.rate", 0.75, Dimension::ratio},
      {"wasted_polls.count", 3, Dimension::number},
      {"late_polls.count", 1, Dimension::number},
      {"dropped_polls.count", 0, Dimension::number},
      {"tasks{outcome=completed}.count", 1, Dimension::number},
      {"tasks{outcome=cancelled}.count", 1, Dimension::number},
      {"tasks{outcome=stalled}.count", 0, Dimension::number},
      {"tasks{outcome=failed}.count", 0, Dimension::number},
      {"tasks{outcome=created}.count", 1, Dimension::number},
      {"tasks.count", 2, Dimension::number},
  };
  for (const Row& row : rows) {
    const MetricValue v = view_value(m, d, row.expr);
    EXPECT_EQ(v.status, MetricValue::Status::ok) << row.expr << ": " << v.detail;
    EXPECT_DOUBLE_EQ(v.value, row.value) << row.expr;
    EXPECT_EQ(v.dimension, row.dimension) << row.expr;
  }
}

TEST(LoadMetricsView, ErrorsAndNoData) {
  const WorkerMetrics m = small_run();
  using S = MetricValue::Status;
  struct Row {
    const char* expr;
    S status;
  };
  const Row rows[] = {
      {"latencies.p99", S::unknown_metric},
      {"tasks.completed.count", S::unknown_metric},
      {"latency{endpoint=nope}.p99", S::unknown_label},
      {"latency{region=eu}.p99", S::unknown_label},
      {"errors{outcome=completed}.rate", S::unknown_label},
      {"tasks{endpoint=status}.count", S::unknown_label},
      {"tasks{outcome=lost}.count", S::unknown_label},
      {"polls_per_task{endpoint=status}.mean", S::unknown_label},
      {"latency{endpoint=status}.rate", S::unknown_statistic},
      {"errors.mean", S::unknown_statistic},
      {"late_polls.rate", S::unknown_statistic},
      {"polls_per_transition.max", S::unknown_statistic},
      {"latency{endpoint=cancel}.p99", S::no_data},
      {"latency{endpoint=cancel}.mean", S::no_data},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(view_value(m, kSecond, row.expr).status, row.status) << row.expr;
  }
  const WorkerMetrics empty;
  for (const char* expr : {"errors.rate", "polls_per_task.mean", "polls_per_transition.mean",
                           "transition_delay.p99", "wasted_polls.rate", "latency.p99"}) {
    EXPECT_EQ(view_value(empty, kSecond, expr).status, S::no_data) << expr;
  }
  EXPECT_EQ(view_value(empty, 0, "requests.rate").status, S::no_data);
  EXPECT_EQ(view_value(empty, kSecond, "requests.count").value, 0.0);
}

TEST(LoadMetricsView, ThresholdsEndToEnd) {
  const WorkerMetrics m = small_run();
  const LoadMetricsView view(m, 2 * kSecond);
  struct Row {
    const char* text;
    Verdict verdict;
  };
  const Row rows[] = {
      {"latency{endpoint=status}.p99 < 200ms", Verdict::passed},
      {"latency{endpoint=status}.max < 2ms", Verdict::failed},
      {"errors.rate < 1%", Verdict::failed},
      {"errors.rate < 25%", Verdict::passed},
      {"polls_per_task.mean < 40", Verdict::passed},
      {"wasted_polls.rate <= 0.5", Verdict::failed},
      {"dropped_polls.count == 0", Verdict::passed},
      {"tasks{outcome=completed}.count >= 1", Verdict::passed},
      {"transition_delay.p90 < 1.5ms", Verdict::failed},
      {"latencies.p99 < 200ms", Verdict::error},                 // unknown metric
      {"latency{endpoint=cancel}.p99 < 200ms", Verdict::error},  // no data
      {"latency{endpoint=status}.p99 < 0.2", Verdict::error},    // duration without a unit
  };
  for (const Row& row : rows) {
    const ThresholdResult r = evaluate(parse_ok(row.text), view);
    EXPECT_EQ(r.verdict, row.verdict) << r.line;
  }
  EXPECT_EQ(evaluate(parse_ok("latencies.p99 < 200ms"), view).line,
            "latencies.p99 < 200ms: error: unknown metric latencies");
  EXPECT_EQ(evaluate(parse_ok("latency{endpoint=cancel}.p99 < 200ms"), view).line,
            "latency{endpoint=cancel}.p99 < 200ms: error: no data for "
            "latency{endpoint=cancel}.p99 (nothing recorded)");
}

TEST(SlotLatency, QuarterOctaveBuckets) {
  EXPECT_EQ(SlotLatency::bucket_of(0), 0u);
  EXPECT_EQ(SlotLatency::bucket_of(1), 0u);
  EXPECT_EQ(SlotLatency::bucket_of(2), 4u);
  EXPECT_EQ(SlotLatency::bucket_of(3), 6u);
  EXPECT_EQ(SlotLatency::bucket_of(4), 8u);
  EXPECT_EQ(SlotLatency::bucket_of(5), 9u);
  EXPECT_EQ(SlotLatency::bucket_of(7), 11u);
  EXPECT_EQ(SlotLatency::bucket_of(1024), 40u);
  EXPECT_EQ(SlotLatency::bucket_of(1279), 40u);  // [1024, 1280)
  EXPECT_EQ(SlotLatency::bucket_of(1280), 41u);
  EXPECT_EQ(SlotLatency::bucket_of(std::int64_t{1} << 40), SlotLatency::kBuckets - 1);
  EXPECT_EQ(SlotLatency::middle_of(40), 1152);  // the middle of [1024, 1280)
}

TEST(SlotLatency, PercentilesWithinAnEighthOfTheSortedValues) {
  std::mt19937_64 rng(5);
  std::vector<std::int64_t> values;
  SlotLatency s;
  for (int i = 0; i < 5000; ++i) {
    const auto v = static_cast<std::int64_t>(std::exp(std::uniform_real_distribution<>(0, 20)(rng)));
    values.push_back(std::max<std::int64_t>(v, 1));
    s.record(values.back());
  }
  std::sort(values.begin(), values.end());
  EXPECT_EQ(s.count(), 5000u);
  for (const double p : {1.0, 50.0, 90.0, 99.0, 100.0}) {
    const auto exact = static_cast<double>(values[percentile_rank(p, values.size()) - 1]);
    const auto got = static_cast<double>(s.percentile(p));
    EXPECT_LE(std::fabs(got - exact), 0.125 * exact + 1) << "p" << p;
  }
  EXPECT_EQ(SlotLatency().percentile(99), 0);
}

// Errors and latency per slot of the rate series, folded and merged with it.
TEST(WorkerMetrics, ErrorAndLatencySeries) {
  WorkerMetrics m(0);
  m.on_response(Endpoint::task_status, 0, 0, 500'000, 200, ErrorClass::none);             // second 0: 500 ms
  m.on_response(Endpoint::task_status, 1'000'000, 1'000'000, 1'004'000, 503, ErrorClass::none);  // second 1: 4 ms, error
  m.on_response(Endpoint::task_status, 1'000'000, 1'000'000, 1'500'000, 0, ErrorClass::timeout);  // error, no latency
  m.on_response(Endpoint::create_task, 1'000'000, 1'000'000, 1'002'000, 201, ErrorClass::none);       // 2 ms
  EXPECT_EQ(m.rate_series()[0], 1u);
  EXPECT_EQ(m.rate_series()[1], 3u);
  EXPECT_EQ(m.error_series()[0], 0u);
  EXPECT_EQ(m.error_series()[1], 2u);
  ASSERT_EQ(m.latency_series().size(), 2u);
  EXPECT_EQ(m.latency_series()[0].count(), 1u);
  EXPECT_EQ(m.latency_series()[1].count(), 2u);
  const LoadSummary s = summarize(m, 2'000'000);
  EXPECT_EQ(s.error_series, (std::vector<std::uint64_t>{0, 2}));
  ASSERT_EQ(s.latency_series.size(), 2u);
  EXPECT_EQ(s.latency_series[0].p50, SlotLatency::middle_of(SlotLatency::bucket_of(500'000)));
  EXPECT_EQ(s.latency_series[1].p50, SlotLatency::middle_of(SlotLatency::bucket_of(2'000)));
  EXPECT_EQ(s.latency_series[1].p99, SlotLatency::middle_of(SlotLatency::bucket_of(4'000)));

  // Past 3600 slots the width doubles and every series folds alike; merging a worker that did
  // not fold gives what one worker recording everything gives.
  WorkerMetrics late(0), both(0), early(0);
  for (auto* w : {&late, &both}) w->on_response(Endpoint::task_status, 0, 0, 4000LL * 1'000'000, 500, ErrorClass::none);
  for (auto* w : {&early, &both}) {
    w->on_response(Endpoint::task_status, 0, 0, 3'000'000, 500, ErrorClass::none);
    w->on_response(Endpoint::task_status, 2'000'000, 2'000'000, 2'010'000, 200, ErrorClass::none);
  }
  EXPECT_EQ(both.rate_slot_width_s(), 2u);
  EXPECT_EQ(both.error_series()[1], 1u);  // second 3 is in slot 1
  EXPECT_EQ(both.latency_series()[1].count(), 2u);  // seconds 2 and 3
  late.merge(early);
  EXPECT_TRUE(late == both);
}

TEST(WorkerMetrics, BoundedMemory) {
  EXPECT_LT(sizeof(WorkerMetrics), 64u * 1024u);
  WorkerMetrics m;
  EXPECT_EQ(m.allocated_histograms(), 0u);
  m.on_poll(true);
  m.on_late_poll();
  EXPECT_EQ(m.allocated_histograms(), 0u);
  m.on_response(Endpoint::task_status, 0, 0, 1, 0, ErrorClass::timeout);  // no latency: nothing allocated
  EXPECT_EQ(m.allocated_histograms(), 0u);
  m.on_response(Endpoint::task_status, 0, 0, 1, 200, ErrorClass::none);
  EXPECT_EQ(m.allocated_histograms(), 2u);
  for (std::size_t e = 0; e < kEndpointCount; ++e) {
    m.on_response(static_cast<Endpoint>(e), 0, 0, 1, 200, ErrorClass::none);
  }
  m.on_transition(1);
  m.on_task_end(TaskOutcome::completed, 1, 1);
  // Everything recorded, every endpoint: the documented worst case of 26 histograms.
  for (int i = 0; i < 100'000; ++i) {
    m.on_response(Endpoint::task_status, 0, 0, i * 1000, 200, ErrorClass::none);
    m.on_transition(i);
  }
  EXPECT_EQ(m.allocated_histograms(), 2 * kEndpointCount + 2);
  // 100 s of responses: 100 one-second slots of the latency series.
  EXPECT_EQ(m.latency_series().size(), 100u);
  EXPECT_EQ(m.memory_bytes(), sizeof(WorkerMetrics) + 26u * 185'808u +
                                  m.latency_series().capacity() * sizeof(SlotLatency));
  EXPECT_LT(m.memory_bytes(), 5u * 1024u * 1024u);
  // Merging an empty worker allocates nothing.
  WorkerMetrics other;
  other.merge(WorkerMetrics());
  EXPECT_EQ(other.allocated_histograms(), 0u);
}

}  // namespace
}  // namespace agentwork::load
