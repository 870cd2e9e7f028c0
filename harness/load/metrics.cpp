#include "harness/load/metrics.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>
#include <utility>

namespace agentwork::load {

// The object itself stays small; the histograms are on the heap (see the header).
static_assert(sizeof(WorkerMetrics) < 64 * 1024);
static_assert(sizeof(SlotLatency) == 512);
static_assert(sizeof(Histogram) == 185'808);

namespace {

constexpr std::array<std::string_view, kTaskOutcomeCount> kTaskOutcomeNames = {
    "completed", "cancelled", "stalled", "failed"};

const Histogram& empty_histogram() {
  static const auto* const empty = new Histogram();
  return *empty;
}

const Histogram& or_empty(const std::unique_ptr<Histogram>& h) {
  return h ? *h : empty_histogram();
}

Histogram& allocated(std::unique_ptr<Histogram>& h) {
  if (!h) h = std::make_unique<Histogram>();
  return *h;
}

void merge_into(std::unique_ptr<Histogram>& into, const std::unique_ptr<Histogram>& from) {
  if (from && from->count() > 0) allocated(into).merge(*from);
}

template <std::size_t N>
void add(std::array<std::uint64_t, N>& into, const std::array<std::uint64_t, N>& from) {
  for (std::size_t i = 0; i < N; ++i) into[i] += from[i];
}

double ratio(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

std::size_t error_slot(ErrorClass e) {
  for (std::size_t i = 0; i < kCountedErrors.size(); ++i) {
    if (kCountedErrors[i] == e) return i;
  }
  return kErrorSlots - 1;
}

std::string_view error_slot_name(std::size_t slot) {
  return slot < kCountedErrors.size() ? to_string(kCountedErrors[slot]) : "other";
}

std::string_view to_string(TaskOutcome o) {
  return kTaskOutcomeNames[static_cast<std::size_t>(o)];
}

std::optional<TaskOutcome> task_outcome_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kTaskOutcomeCount; ++i) {
    if (kTaskOutcomeNames[i] == name) return static_cast<TaskOutcome>(i);
  }
  return std::nullopt;
}

std::int64_t late_poll_threshold_us(std::int64_t interval_us) {
  return std::min<std::int64_t>(interval_us / 10, 100'000);
}

WorkerMetrics::~WorkerMetrics() = default;

void WorkerMetrics::on_response(Endpoint endpoint, std::int64_t intended_us, std::int64_t sent_us,
                                std::int64_t done_us, int status, ErrorClass error) {
  PerEndpoint& ep = per_endpoint_[index(endpoint)];
  const std::size_t slot = slot_at(done_us);
  ++rate_series_[slot];
  if (error != ErrorClass::none) {
    ++ep.transport_errors[error_slot(error)];
    ++error_series_[slot];
    return;
  }
  if (status < 100 || status > 599) {
    ++ep.transport_errors[error_slot(ErrorClass::protocol)];
    ++error_series_[slot];
    return;
  }
  ++ep.status_classes[static_cast<std::size_t>(status / 100 - 1)];
  if (status >= 500) ++error_series_[slot];
  if (latency_series_.size() <= slot) latency_series_.resize(slot + 1);
  latency_series_[slot].record(done_us - intended_us);
  allocated(ep.corrected).record(done_us - intended_us);
  allocated(ep.uncorrected).record(done_us - sent_us);
}

void WorkerMetrics::on_poll(bool changed) {
  ++polls_;
  if (!changed) ++wasted_polls_;
}

void WorkerMetrics::on_poll_schedule(std::int64_t intended_us, std::int64_t sent_us,
                                     std::int64_t interval_us) {
  if (sent_us - intended_us > late_poll_threshold_us(interval_us)) ++late_polls_;
}

void WorkerMetrics::on_transition(std::int64_t delay_us) {
  ++transitions_;
  if (delay_us < 0) {
    ++negative_delays_;
    return;
  }
  allocated(transition_delay_).record(delay_us);
}

void WorkerMetrics::on_task_end(TaskOutcome outcome, std::int64_t duration_us,
                                std::uint64_t polls) {
  ++tasks_ended_[index(outcome)];
  allocated(task_duration_).record(duration_us);
  polls_per_task_sum_ += polls;
  polls_per_task_min_ = std::min(polls_per_task_min_, polls);
  polls_per_task_max_ = std::max(polls_per_task_max_, polls);
}

std::size_t WorkerMetrics::slot_at(std::int64_t done_us) {
  // Before the start (a clock step, a warm-up request) counts in the first slot; past 10^8 s
  // (3 years; profiles end by 10^7 s) in the slot of 10^8 s, so the width stays below 2^16.
  const auto second = static_cast<std::uint64_t>(
      std::clamp<std::int64_t>(done_us - start_us_, 0, 100'000'000 * 1'000'000LL) / 1'000'000);
  while (second / rate_slot_width_s_ >= kRateSlots) fold_rate_series();
  return second / rate_slot_width_s_;
}

// Doubles the slot width: slot i becomes slots 2i and 2i + 1 added.
void WorkerMetrics::fold_rate_series() {
  for (std::size_t i = 0; i < kRateSlots / 2; ++i) {
    rate_series_[i] = rate_series_[2 * i] + rate_series_[2 * i + 1];
    error_series_[i] = error_series_[2 * i] + error_series_[2 * i + 1];
  }
  std::fill(rate_series_.begin() + kRateSlots / 2, rate_series_.end(), 0);
  std::fill(error_series_.begin() + kRateSlots / 2, error_series_.end(), 0);
  std::vector<SlotLatency> folded((latency_series_.size() + 1) / 2);
  for (std::size_t i = 0; i < latency_series_.size(); ++i) folded[i / 2].add(latency_series_[i]);
  latency_series_ = std::move(folded);
  rate_slot_width_s_ *= 2;
}

void WorkerMetrics::merge(const WorkerMetrics& other) {
  for (std::size_t e = 0; e < kEndpointCount; ++e) {
    PerEndpoint& into = per_endpoint_[e];
    const PerEndpoint& from = other.per_endpoint_[e];
    merge_into(into.corrected, from.corrected);
    merge_into(into.uncorrected, from.uncorrected);
    add(into.status_classes, from.status_classes);
    add(into.transport_errors, from.transport_errors);
  }
  merge_into(transition_delay_, other.transition_delay_);
  merge_into(task_duration_, other.task_duration_);
  polls_ += other.polls_;
  wasted_polls_ += other.wasted_polls_;
  late_polls_ += other.late_polls_;
  dropped_polls_ += other.dropped_polls_;
  transitions_ += other.transitions_;
  negative_delays_ += other.negative_delays_;
  tasks_created_ += other.tasks_created_;
  add(tasks_ended_, other.tasks_ended_);
  polls_per_task_sum_ += other.polls_per_task_sum_;
  polls_per_task_min_ = std::min(polls_per_task_min_, other.polls_per_task_min_);
  polls_per_task_max_ = std::max(polls_per_task_max_, other.polls_per_task_max_);
  // Widths are powers of two: fold to the wider one, then each slot of `other` lies in one of ours.
  while (rate_slot_width_s_ < other.rate_slot_width_s_) fold_rate_series();
  const std::uint32_t per_slot = rate_slot_width_s_ / other.rate_slot_width_s_;
  for (std::size_t i = 0; i < kRateSlots; ++i) {
    rate_series_[i / per_slot] += other.rate_series_[i];
    error_series_[i / per_slot] += other.error_series_[i];
  }
  const std::size_t needed = (other.latency_series_.size() + per_slot - 1) / per_slot;
  if (latency_series_.size() < needed) latency_series_.resize(needed);
  for (std::size_t i = 0; i < other.latency_series_.size(); ++i)
    latency_series_[i / per_slot].add(other.latency_series_[i]);
}

namespace {

void restore_into(std::unique_ptr<Histogram>& h, const LatencySummary& l,
                  const std::vector<HistogramSlot>& slots) {
  if (l.count == 0 || slots.empty()) return;
  allocated(h).restore(slots, l.min, l.max);
}

}  // namespace

WorkerMetrics WorkerMetrics::from_summary(const LoadSummary& s, std::int64_t offset_s) {
  WorkerMetrics m(0);
  for (const auto& e : s.endpoints) {
    PerEndpoint& ep = m.per_endpoint_[index(e.endpoint)];
    add(ep.status_classes, e.status_classes);
    add(ep.transport_errors, e.transport_errors);
    restore_into(ep.corrected, e.corrected, e.corrected_histogram);
    restore_into(ep.uncorrected, e.uncorrected, e.uncorrected_histogram);
  }
  restore_into(m.transition_delay_, s.transition_delay, s.transition_delay_histogram);
  restore_into(m.task_duration_, s.task_duration, s.task_duration_histogram);
  m.polls_ = s.polls;
  m.wasted_polls_ = s.wasted_polls;
  m.late_polls_ = s.late_polls;
  m.dropped_polls_ = s.dropped_polls;
  m.transitions_ = s.transitions;
  m.negative_delays_ = s.negative_transition_delays;
  m.tasks_created_ = s.tasks_created;
  m.tasks_ended_ = s.tasks_ended;
  m.polls_per_task_sum_ = s.polls_per_task_sum;
  m.polls_per_task_max_ = s.polls_per_task_max;
  m.polls_per_task_min_ = m.tasks_ended() == 0 ? UINT64_MAX : s.polls_per_task_min;
  // The series: the summary's slot i covers [i * w, (i + 1) * w) s of its own run, so
  // [offset + i * w, ...) of ours; the width doubles until the last one fits.
  const auto width = std::max<std::uint32_t>(1, s.rate_slot_width_s);
  while (m.rate_slot_width_s_ < width) m.fold_rate_series();
  const auto slot_of = [&](std::size_t i) {
    const auto second = static_cast<std::uint64_t>(std::max<std::int64_t>(0, offset_s)) +
                        static_cast<std::uint64_t>(i) * width;
    while (second / m.rate_slot_width_s_ >= kRateSlots) m.fold_rate_series();
    return static_cast<std::size_t>(second / m.rate_slot_width_s_);
  };
  for (std::size_t i = 0; i < s.rate_series.size(); ++i) {
    const std::size_t at = slot_of(i);
    m.rate_series_[at] += s.rate_series[i];
    if (i < s.error_series.size()) m.error_series_[at] += s.error_series[i];
  }
  for (std::size_t i = 0; i < s.latency_buckets.size(); ++i) {
    const std::size_t at = slot_of(i);
    if (m.latency_series_.size() <= at) m.latency_series_.resize(at + 1);
    m.latency_series_[at].add(s.latency_buckets[i]);
  }
  return m;
}

const Histogram& WorkerMetrics::latency(Endpoint e) const {
  return or_empty(per_endpoint_[index(e)].corrected);
}
const Histogram& WorkerMetrics::latency_uncorrected(Endpoint e) const {
  return or_empty(per_endpoint_[index(e)].uncorrected);
}
const Histogram& WorkerMetrics::transition_delay() const {
  return or_empty(transition_delay_);
}
const Histogram& WorkerMetrics::task_duration() const {
  return or_empty(task_duration_);
}

std::uint64_t WorkerMetrics::requests(Endpoint e) const {
  const PerEndpoint& ep = per_endpoint_[index(e)];
  std::uint64_t n = 0;
  for (auto c : ep.status_classes) n += c;
  for (auto c : ep.transport_errors) n += c;
  return n;
}

std::uint64_t WorkerMetrics::requests() const {
  std::uint64_t n = 0;
  for (std::size_t e = 0; e < kEndpointCount; ++e) n += requests(static_cast<Endpoint>(e));
  return n;
}

std::uint64_t WorkerMetrics::errors(Endpoint e) const {
  const PerEndpoint& ep = per_endpoint_[index(e)];
  std::uint64_t n = ep.status_classes[4];
  for (auto c : ep.transport_errors) n += c;
  return n;
}

std::uint64_t WorkerMetrics::errors() const {
  std::uint64_t n = 0;
  for (std::size_t e = 0; e < kEndpointCount; ++e) n += errors(static_cast<Endpoint>(e));
  return n;
}

std::uint64_t WorkerMetrics::tasks_ended() const {
  std::uint64_t n = 0;
  for (auto c : tasks_ended_) n += c;
  return n;
}

std::size_t WorkerMetrics::allocated_histograms() const {
  std::size_t n = (transition_delay_ ? 1 : 0) + (task_duration_ ? 1 : 0);
  for (const PerEndpoint& ep : per_endpoint_)
    n += (ep.corrected ? 1 : 0) + (ep.uncorrected ? 1 : 0);
  return n;
}

// Equal slot by slot, a missing slot reading as empty.
static bool same_slots(const std::vector<SlotLatency>& a, const std::vector<SlotLatency>& b) {
  static const SlotLatency empty;
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    if (!((i < a.size() ? a[i] : empty) == (i < b.size() ? b[i] : empty))) return false;
  }
  return true;
}

std::size_t SlotLatency::bucket_of(std::int64_t us) {
  if (us < 1) return 0;
  const auto u = static_cast<std::uint64_t>(us);
  const int octave = 63 - std::countl_zero(u);
  const auto quarter = static_cast<std::size_t>(((u << 2) >> octave) & 3);
  return std::min<std::size_t>(static_cast<std::size_t>(octave) * 4 + quarter, kBuckets - 1);
}

std::int64_t SlotLatency::middle_of(std::size_t bucket) {
  const double base = std::ldexp(1.0, static_cast<int>(bucket / 4));
  const double quarter = static_cast<double>(bucket % 4);
  return std::llround(base * (1.0 + (quarter + 0.5) / 4.0));
}

void SlotLatency::add(const SlotLatency& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
}

std::uint64_t SlotLatency::count() const {
  std::uint64_t n = 0;
  for (const auto c : counts_) n += c;
  return n;
}

std::int64_t SlotLatency::percentile(double p) const {
  const std::uint64_t n = count();
  if (n == 0) return 0;
  const std::uint64_t rank = percentile_rank(p, n);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return middle_of(i);
  }
  return middle_of(kBuckets - 1);
}

bool WorkerMetrics::operator==(const WorkerMetrics& other) const {
  for (std::size_t e = 0; e < kEndpointCount; ++e) {
    const PerEndpoint& a = per_endpoint_[e];
    const PerEndpoint& b = other.per_endpoint_[e];
    if (!(or_empty(a.corrected) == or_empty(b.corrected)) ||
        !(or_empty(a.uncorrected) == or_empty(b.uncorrected)) ||
        a.status_classes != b.status_classes || a.transport_errors != b.transport_errors) {
      return false;
    }
  }
  return start_us_ == other.start_us_ && transition_delay() == other.transition_delay() &&
         task_duration() == other.task_duration() && polls_ == other.polls_ &&
         wasted_polls_ == other.wasted_polls_ && late_polls_ == other.late_polls_ &&
         dropped_polls_ == other.dropped_polls_ && transitions_ == other.transitions_ &&
         negative_delays_ == other.negative_delays_ && tasks_created_ == other.tasks_created_ &&
         tasks_ended_ == other.tasks_ended_ && polls_per_task_sum_ == other.polls_per_task_sum_ &&
         polls_per_task_min() == other.polls_per_task_min() &&
         polls_per_task_max_ == other.polls_per_task_max_ && rate_series_ == other.rate_series_ &&
         error_series_ == other.error_series_ &&
         same_slots(latency_series_, other.latency_series_) &&
         rate_slot_width_s_ == other.rate_slot_width_s_;
}

LatencySummary summarize(const Histogram& h) {
  LatencySummary s;
  s.count = h.count();
  if (s.count == 0) return s;
  s.mean = h.mean();
  s.min = h.min();
  s.p50 = h.value_at_percentile(50);
  s.p90 = h.value_at_percentile(90);
  s.p99 = h.value_at_percentile(99);
  s.p99_9 = h.value_at_percentile(99.9);
  s.max = h.max();
  return s;
}

namespace {

// The figures of endpoint `e`, which has requests.
EndpointSummary endpoint_summary(const WorkerMetrics& m, Endpoint e, double duration_s) {
  EndpointSummary ep;
  ep.endpoint = e;
  ep.requests = m.requests(e);
  ep.requests_per_s = duration_s <= 0 ? 0.0 : static_cast<double>(ep.requests) / duration_s;
  ep.errors = m.errors(e);
  ep.error_rate = ratio(ep.errors, ep.requests);
  ep.status_classes = m.status_classes(e);
  ep.transport_errors = m.transport_errors(e);
  ep.corrected = summarize(m.latency(e));
  ep.uncorrected = summarize(m.latency_uncorrected(e));
  ep.corrected_histogram = m.latency(e).slots();
  ep.uncorrected_histogram = m.latency_uncorrected(e).slots();
  return ep;
}

// The time series, trimmed after the last slot with a request.
void summarize_series(const WorkerMetrics& m, LoadSummary& s) {
  const auto series = m.rate_series();
  auto last = series.size();
  while (last > 0 && series[last - 1] == 0) --last;
  s.rate_series.assign(series.begin(), series.begin() + static_cast<std::ptrdiff_t>(last));
  s.rate_slot_width_s = m.rate_slot_width_s();
  const auto errors = m.error_series();
  s.error_series.assign(errors.begin(), errors.begin() + static_cast<std::ptrdiff_t>(last));
  const auto& latencies = m.latency_series();
  s.latency_series.resize(last);
  s.latency_buckets.resize(last);
  for (std::size_t i = 0; i < last && i < latencies.size(); ++i) {
    s.latency_series[i] = {latencies[i].percentile(50), latencies[i].percentile(90),
                           latencies[i].percentile(99)};
    s.latency_buckets[i] = latencies[i];
  }
}

// Polls, transitions and tasks.
void summarize_polling(const WorkerMetrics& m, LoadSummary& s) {
  s.polls = m.polls();
  s.wasted_polls = m.wasted_polls();
  s.wasted_poll_share = ratio(s.wasted_polls, s.polls);
  s.late_polls = m.late_polls();
  s.dropped_polls = m.dropped_polls();
  s.transitions = m.transitions();
  s.polls_per_transition = ratio(s.polls, s.transitions);
  s.transition_delay = summarize(m.transition_delay());
  s.transition_delay_histogram = m.transition_delay().slots();
  s.negative_transition_delays = m.negative_transition_delays();
  s.tasks_created = m.tasks_created();
  for (std::size_t o = 0; o < kTaskOutcomeCount; ++o) {
    s.tasks_ended[o] = m.tasks_ended(static_cast<TaskOutcome>(o));
  }
  s.polls_per_task_mean = ratio(m.polls_per_task_sum(), m.tasks_ended());
  s.polls_per_task_sum = m.polls_per_task_sum();
  s.polls_per_task_min = m.polls_per_task_min();
  s.polls_per_task_max = m.polls_per_task_max();
  s.task_duration = summarize(m.task_duration());
  s.task_duration_histogram = m.task_duration().slots();
}

}  // namespace

LoadSummary summarize(const WorkerMetrics& m, std::int64_t duration_us) {
  LoadSummary s;
  s.duration_s = static_cast<double>(duration_us) / 1e6;
  const auto per_second = [&](std::uint64_t n) {
    return duration_us <= 0 ? 0.0 : static_cast<double>(n) / s.duration_s;
  };
  for (const Endpoint e : kFigureOrder) {
    add(s.status_classes, m.status_classes(e));
    add(s.transport_errors, m.transport_errors(e));
    if (m.requests(e) > 0) s.endpoints.push_back(endpoint_summary(m, e, s.duration_s));
  }
  s.requests = m.requests();
  s.requests_per_s = per_second(s.requests);
  s.errors = m.errors();
  s.error_rate = ratio(s.errors, s.requests);
  summarize_polling(m, s);
  summarize_series(m, s);
  return s;
}

}  // namespace agentwork::load
