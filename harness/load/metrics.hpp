// The figures of a load run: what one worker thread records (WorkerMetrics), their merge after the
// workers join, the plain-number summary a report renders (LoadSummary), and the MetricsView the
// thresholds read (LoadMetricsView). Pure: no sockets, no clock reads; every time is passed in as
// microseconds on one clock (the worker's steady clock), durations as microseconds.
//
// Memory of one WorkerMetrics (see the static_asserts in metrics.cpp and the tests):
//   - the object itself: under 64 KiB (the request-rate and error series, 2 x 3600 x 8 bytes,
//     plus counters);
//   - the latency time series on the heap: 512 bytes per slot used, at most 3600 (1.8 MiB; a
//     10-minute run uses 600 slots, 300 KiB);
//   - histograms on the heap, each 185,808 bytes (181.5 KiB), allocated on the first value
//     recorded into it: 2 per endpoint used (corrected, uncorrected latency), plus transition
//     delay and task duration. At most 26 histograms (every Endpoint of common/api.hpp, other
//     included) = 4,831,008 bytes (4.6 MiB) per worker; load mode never sends api_key or
//     download requests, so 22 (3.9 MiB) in practice; a run polling status, create and cancel
//     holds 8 (1.4 MiB).
// So 64 workers stay under 415 MiB in the worst case, about 95 MiB in a 10-minute run.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/api.hpp"
#include "harness/load/histogram.hpp"
#include "harness/result/thresholds.hpp"

namespace agentwork::load {

// Load mode's figures per endpoint are kept for every Endpoint (common/api.hpp) and listed in
// this order: the polls first, then a task's actions, then the rest.
inline constexpr std::array<Endpoint, kEndpointCount> kFigureOrder = {
    Endpoint::task_status, Endpoint::create_task, Endpoint::message,     Endpoint::solution_status,
    Endpoint::cancel,      Endpoint::result,      Endpoint::events,      Endpoint::list_tasks,
    Endpoint::register_user, Endpoint::api_key,   Endpoint::file_download, Endpoint::other};

// The transport-error figures: one count per class a load request fails with (common/api.hpp's
// ErrorClass), and a last one, "other", for the classes the load client does not produce
// (bad_url, redirects, aborted; none is no error). A response with a status outside 100..599
// counts as protocol.
inline constexpr std::array kCountedErrors = {
    ErrorClass::dns,     ErrorClass::connect, ErrorClass::tls,       ErrorClass::write,
    ErrorClass::read,    ErrorClass::timeout, ErrorClass::too_large, ErrorClass::protocol};
inline constexpr std::size_t kErrorSlots = kCountedErrors.size() + 1;
// The slot of a class: its index in kCountedErrors, else the last ("other").
std::size_t error_slot(ErrorClass e);
// The class's name ("dns", ...), or "other" for the last slot.
std::string_view error_slot_name(std::size_t slot);

enum class TaskOutcome : std::uint8_t { completed, cancelled, stalled, failed };
inline constexpr std::size_t kTaskOutcomeCount = 4;
std::string_view to_string(TaskOutcome o);  // "completed", "cancelled", "stalled", "failed"
std::optional<TaskOutcome> task_outcome_from_name(std::string_view name);

// A poll is late when sent more than this after its intended time: 10% of the poll interval or
// 100 ms, whichever is smaller (a 5 s interval: 100 ms; a 200 ms interval: 20 ms).
std::int64_t late_poll_threshold_us(std::int64_t interval_us);

// The request-rate series: requests (responses and transport errors) per slot by the time they
// finished, from the run's start. Slots are 1 s wide until 3600 slots are filled; past that the
// slot width doubles (pairs folded), so a run of any length keeps 3600 slots. Times past 10^8 s
// count at 10^8 s, so the width stays below 2^16 s.
inline constexpr std::size_t kRateSlots = 3600;

// A coarse latency histogram for one slot of the time series (the charts' percentiles over
// time): 4 buckets per power of two from 1 us (bucket 4k + j holds [2^k (1 + j/4),
// 2^k (1 + (j+1)/4)) us), 128 buckets up to 2^32 us; a value reads as its bucket's middle, at
// most 12.5% off the exact one. 512 bytes.
class SlotLatency {
 public:
  static constexpr std::size_t kBuckets = 128;
  static std::size_t bucket_of(std::int64_t us);
  static std::int64_t middle_of(std::size_t bucket);
  void record(std::int64_t us) { ++counts_[bucket_of(us)]; }
  void add(const SlotLatency& other);
  // The bucket counts themselves (a result file keeps the non-empty ones, so that shards merge).
  std::uint32_t count_at(std::size_t bucket) const { return counts_[bucket]; }
  void add_count(std::size_t bucket, std::uint32_t n) { counts_[bucket] += n; }
  std::uint64_t count() const;
  // The middle of the bucket holding the value of rank percentile_rank(p, count()); 0 when empty.
  std::int64_t percentile(double p) const;
  bool operator==(const SlotLatency&) const = default;

 private:
  std::array<std::uint32_t, kBuckets> counts_{};
};

struct LoadSummary;

// The figures one worker thread records. Owned by that thread alone: no atomics, no locks.
// Move-only (its histograms are on the heap); merged into one after the threads join.
class WorkerMetrics {
 public:
  // start_us: the start of the measured phase, the origin of the request-rate series.
  explicit WorkerMetrics(std::int64_t start_us = 0) : start_us_(start_us) {}
  WorkerMetrics(WorkerMetrics&&) noexcept = default;
  WorkerMetrics& operator=(WorkerMetrics&&) noexcept = default;
  WorkerMetrics(const WorkerMetrics&) = delete;
  WorkerMetrics& operator=(const WorkerMetrics&) = delete;
  ~WorkerMetrics();

  // One request finished. intended_us: when it was scheduled to go out; sent_us: when it did;
  // done_us: when the response (or the failure) came. A transport error (error not none) counts
  // in its error_slot() and records no latency; otherwise status counts by its class
  // (1xx..5xx; a status outside 100..599 counts as a protocol error) and the latency is recorded
  // twice: corrected done - intended, uncorrected done - sent.
  void on_response(Endpoint endpoint, std::int64_t intended_us, std::int64_t sent_us,
                   std::int64_t done_us, int status, ErrorClass error);
  // A status poll answered; changed: the task's state differs from the one seen before.
  void on_poll(bool changed);
  // Counts a late poll when sent more than late_poll_threshold_us(interval_us) after intended.
  void on_poll_schedule(std::int64_t intended_us, std::int64_t sent_us, std::int64_t interval_us);
  void on_late_poll() { ++late_polls_; }
  void on_dropped_poll() { ++dropped_polls_; }
  // The client saw a new state (by a poll or an event); delay_us: when it saw it minus the
  // state's last_activity_at. A negative delay (clocks skewed) is counted, not recorded.
  void on_transition(std::int64_t delay_us);
  void on_task_created() { ++tasks_created_; }
  // A task left the run: its outcome, created-to-end duration and the status polls it took.
  void on_task_end(TaskOutcome outcome, std::int64_t duration_us, std::uint64_t polls);

  // Adds every figure of `other`, as if recorded here (both must share start_us).
  void merge(const WorkerMetrics& other);

  // The figures a summary holds, back as metrics (a shard's result read from its file), with
  // the time series starting offset_s seconds after this one's start (a shard that started
  // later than the earliest); merge() then adds them up. Exact for every count and histogram
  // slot; the series too when offset_s is a multiple of the summary's slot width (1 s for runs
  // under an hour).
  static WorkerMetrics from_summary(const LoadSummary& s, std::int64_t offset_s);

  // --- Reading. A histogram never recorded into reads as empty (count 0).
  const Histogram& latency(Endpoint e) const;              // corrected, from intended send
  const Histogram& latency_uncorrected(Endpoint e) const;  // from the actual send
  const Histogram& transition_delay() const;               // non-negative delays only
  const Histogram& task_duration() const;                  // every ended task
  // Requests of an endpoint: responses (every status) plus transport errors.
  std::uint64_t requests(Endpoint e) const;
  std::uint64_t requests() const;  // all endpoints
  // Responses of an endpoint by status class: [0] is 1xx ... [4] is 5xx; subset of requests(e).
  const std::array<std::uint64_t, 5>& status_classes(Endpoint e) const {
    return per_endpoint_[index(e)].status_classes;
  }
  // Transport errors of an endpoint by class; subset of requests(e), disjoint from the statuses.
  const std::array<std::uint64_t, kErrorSlots>& transport_errors(Endpoint e) const {
    return per_endpoint_[index(e)].transport_errors;
  }
  // Failed requests: transport errors plus 5xx. 4xx do not count: the checks judge those.
  std::uint64_t errors(Endpoint e) const;
  std::uint64_t errors() const;
  std::uint64_t polls() const { return polls_; }                  // status polls answered
  std::uint64_t wasted_polls() const { return wasted_polls_; }    // subset of polls(): no change
  std::uint64_t late_polls() const { return late_polls_; }        // polls sent late (not a subset)
  std::uint64_t dropped_polls() const { return dropped_polls_; }  // skipped, never sent
  // States seen: transition_delay().count() + negative_transition_delays().
  std::uint64_t transitions() const { return transitions_; }
  std::uint64_t negative_transition_delays() const { return negative_delays_; }
  std::uint64_t tasks_created() const { return tasks_created_; }
  std::uint64_t tasks_ended(TaskOutcome o) const { return tasks_ended_[index(o)]; }
  std::uint64_t tasks_ended() const;  // all outcomes; = task_duration().count()
  // Status polls per ended task: sum, count of tasks (= tasks_ended()), min, max.
  std::uint64_t polls_per_task_sum() const { return polls_per_task_sum_; }
  std::uint64_t polls_per_task_min() const { return tasks_ended() == 0 ? 0 : polls_per_task_min_; }
  std::uint64_t polls_per_task_max() const { return polls_per_task_max_; }
  // The request-rate series: slot i counts requests that finished in
  // [start + i * width, start + (i + 1) * width) seconds; slots past the last request are 0.
  std::span<const std::uint64_t> rate_series() const { return rate_series_; }
  std::uint32_t rate_slot_width_s() const { return rate_slot_width_s_; }
  // The same slots: failed requests (transport errors and 5xx), and the corrected latency of the
  // responses (every endpoint), slots past the last response absent.
  std::span<const std::uint64_t> error_series() const { return error_series_; }
  const std::vector<SlotLatency>& latency_series() const { return latency_series_; }
  std::int64_t start_us() const { return start_us_; }

  // Histograms allocated so far (at most 2 * kEndpointCount + 2) and the bytes held in all.
  std::size_t allocated_histograms() const;
  std::size_t memory_bytes() const {
    return sizeof(*this) + allocated_histograms() * sizeof(Histogram) +
           latency_series_.capacity() * sizeof(SlotLatency);
  }

  // Equal figures (a histogram never allocated equals an empty one).
  bool operator==(const WorkerMetrics& other) const;

 private:
  struct PerEndpoint {
    std::unique_ptr<Histogram> corrected;
    std::unique_ptr<Histogram> uncorrected;
    std::array<std::uint64_t, 5> status_classes{};
    std::array<std::uint64_t, kErrorSlots> transport_errors{};
  };
  static std::size_t index(Endpoint e) { return static_cast<std::size_t>(e); }
  static std::size_t index(TaskOutcome o) { return static_cast<std::size_t>(o); }
  // The slot of a request that finished at done_us (folding the series when it is past them).
  std::size_t slot_at(std::int64_t done_us);
  void fold_rate_series();

  std::int64_t start_us_ = 0;
  std::array<PerEndpoint, kEndpointCount> per_endpoint_{};
  std::unique_ptr<Histogram> transition_delay_;
  std::unique_ptr<Histogram> task_duration_;
  std::uint64_t polls_ = 0;
  std::uint64_t wasted_polls_ = 0;
  std::uint64_t late_polls_ = 0;
  std::uint64_t dropped_polls_ = 0;
  std::uint64_t transitions_ = 0;
  std::uint64_t negative_delays_ = 0;
  std::uint64_t tasks_created_ = 0;
  std::array<std::uint64_t, kTaskOutcomeCount> tasks_ended_{};
  std::uint64_t polls_per_task_sum_ = 0;
  std::uint64_t polls_per_task_min_ = UINT64_MAX;  // meaningful when a task ended
  std::uint64_t polls_per_task_max_ = 0;
  std::array<std::uint64_t, kRateSlots> rate_series_{};
  std::array<std::uint64_t, kRateSlots> error_series_{};
  std::vector<SlotLatency> latency_series_;  // grows with the slots used, at most kRateSlots
  std::uint32_t rate_slot_width_s_ = 1;
};

// Latency figures in microseconds; 0 when count is 0.
struct LatencySummary {
  std::uint64_t count = 0;
  double mean = 0;
  std::int64_t min = 0;
  std::int64_t p50 = 0;
  std::int64_t p90 = 0;
  std::int64_t p99 = 0;
  std::int64_t p99_9 = 0;
  std::int64_t max = 0;
  bool operator==(const LatencySummary&) const = default;
};
LatencySummary summarize(const Histogram& h);

struct EndpointSummary {
  Endpoint endpoint = Endpoint::other;
  std::uint64_t requests = 0;                     // responses plus transport errors
  double requests_per_s = 0;                      // requests / run duration
  std::uint64_t errors = 0;                       // transport errors plus 5xx; subset of requests
  double error_rate = 0;                          // errors / requests; 0 without requests
  std::array<std::uint64_t, 5> status_classes{};  // 1xx..5xx
  std::array<std::uint64_t, kErrorSlots> transport_errors{};
  LatencySummary corrected;    // from the intended send time
  LatencySummary uncorrected;  // from the actual send time
  // The two histograms in their mergeable form (for exports and comparisons).
  std::vector<HistogramSlot> corrected_histogram, uncorrected_histogram;
  bool operator==(const EndpointSummary&) const = default;
};

// Everything a report prints, as plain numbers. Ratios are 0 when their denominator is 0.
struct LoadSummary {
  double duration_s = 0;
  std::vector<EndpointSummary> endpoints;  // endpoints with at least one request, enum order
  std::uint64_t requests = 0;
  double requests_per_s = 0;
  std::uint64_t errors = 0;  // transport errors plus 5xx
  double error_rate = 0;     // errors / requests
  std::array<std::uint64_t, 5> status_classes{};
  std::array<std::uint64_t, kErrorSlots> transport_errors{};
  std::uint64_t polls = 0;
  std::uint64_t wasted_polls = 0;  // subset of polls
  double wasted_poll_share = 0;    // wasted_polls / polls
  std::uint64_t late_polls = 0;
  std::uint64_t dropped_polls = 0;
  std::uint64_t transitions = 0;
  double polls_per_transition = 0;  // polls / transitions
  LatencySummary transition_delay;  // non-negative delays only
  std::uint64_t negative_transition_delays = 0;
  std::uint64_t tasks_created = 0;
  std::array<std::uint64_t, kTaskOutcomeCount> tasks_ended{};  // by TaskOutcome
  double polls_per_task_mean = 0;
  std::uint64_t polls_per_task_sum = 0;  // polls_per_task_mean * tasks ended, exactly
  std::uint64_t polls_per_task_min = 0;  // 0 when no task ended
  std::uint64_t polls_per_task_max = 0;
  LatencySummary task_duration;
  std::vector<HistogramSlot> transition_delay_histogram, task_duration_histogram;
  std::vector<std::uint64_t> rate_series;  // trimmed after the last non-zero slot
  std::uint32_t rate_slot_width_s = 1;
  // The same slots: failed requests, and the corrected latency percentiles of the responses
  // (0 in a slot without one), at most 12.5% off (SlotLatency).
  struct LatencyPoint {
    std::int64_t p50 = 0, p90 = 0, p99 = 0;
    bool operator==(const LatencyPoint&) const = default;
  };
  std::vector<std::uint64_t> error_series;
  std::vector<LatencyPoint> latency_series;
  // The slots' latency buckets themselves, from which latency_series is read (the mergeable
  // form: shards' series add bucket by bucket). Same length as latency_series.
  std::vector<SlotLatency> latency_buckets;
  bool operator==(const LoadSummary&) const = default;
};

// duration_us: the measured phase's length (rates are per second of it).
LoadSummary summarize(const WorkerMetrics& merged, std::int64_t duration_us);

// The thresholds' view over merged metrics; both must outlive it. Names: docs/load-profile.md
// "Metrics".
class LoadMetricsView : public MetricsView {
 public:
  LoadMetricsView(const WorkerMetrics& merged, std::int64_t duration_us)
      : metrics_(merged), duration_us_(duration_us) {}
  MetricValue value(const MetricRef& ref) const override;

 private:
  const WorkerMetrics& metrics_;
  std::int64_t duration_us_;
};

}  // namespace agentwork::load
