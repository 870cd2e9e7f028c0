#include "harness/load/schedule.hpp"

#include <algorithm>
#include <cmath>

namespace agentwork::load {
namespace {

constexpr double kMicros = 1e6;

}  // namespace

ArrivalSchedule::ArrivalSchedule(const OpenExecutor& open, double duration_s) {
  if (open.rate) {
    segments_.push_back({0, duration_s, *open.rate, *open.rate, 0});
  } else {
    double start = 0, rate = open.start_rate, count = 0;
    for (const Stage& st : open.stages) {
      segments_.push_back({start, st.duration_s, rate, st.target_rate, count});
      count += (rate + st.target_rate) / 2 * st.duration_s;
      start += st.duration_s;
      rate = st.target_rate;
    }
  }
  // The run's duration cuts the schedule short (it never extends it).
  end_s_ = std::min(
      duration_s, segments_.empty() ? 0.0 : segments_.back().start_s + segments_.back().duration_s);
}

std::optional<std::int64_t> ArrivalSchedule::time_of(std::uint64_t k) const {
  const double target = static_cast<double>(k) + 1;  // the integral reaches k + 1
  for (const Segment& s : segments_) {
    const double slope = (s.rate1 - s.rate0) / s.duration_s;  // tasks/s per second
    const double in_segment = (s.rate0 + s.rate1) / 2 * s.duration_s;
    if (s.count0 + in_segment < target) continue;
    // Solve count0 + rate0 t + slope t^2 / 2 = target for the smallest t in [0, duration].
    const double need = target - s.count0;
    double t;
    if (std::abs(slope) < 1e-12) {
      t = need / s.rate0;
    } else {
      const double disc = s.rate0 * s.rate0 + 2 * slope * need;
      t = (-s.rate0 + std::sqrt(std::max(0.0, disc))) / slope;
    }
    t = std::clamp(t, 0.0, s.duration_s);
    const double at = s.start_s + t;
    if (at > end_s_) return std::nullopt;
    return static_cast<std::int64_t>(std::llround(at * kMicros));
  }
  return std::nullopt;
}

std::uint64_t ArrivalSchedule::due_by(std::int64_t t_us) const {
  const double t = std::min(static_cast<double>(t_us) / kMicros, end_s_);
  double count = 0;
  for (const Segment& s : segments_) {
    if (t <= s.start_s) break;
    const double dt = std::min(t - s.start_s, s.duration_s);
    const double slope = (s.rate1 - s.rate0) / s.duration_s;
    count = s.count0 + s.rate0 * dt + slope * dt * dt / 2;
  }
  // The integral's floor, then made to agree with time_of (which rounds to whole microseconds;
  // where the rate nears 0 the two can differ by one).
  auto n = static_cast<std::uint64_t>(std::floor(count + 1e-9));
  while (n > 0) {
    const auto at = time_of(n - 1);
    if (at && *at <= t_us) break;
    --n;
  }
  for (;;) {
    const auto at = time_of(n);
    if (!at || *at > t_us) break;
    ++n;
  }
  return n;
}

double ArrivalSchedule::rate_at(std::int64_t t_us) const {
  const double t = static_cast<double>(t_us) / kMicros;
  if (t < 0 || t >= end_s_) return 0;
  for (const Segment& s : segments_) {
    if (t < s.start_s + s.duration_s) {
      return s.rate0 + (s.rate1 - s.rate0) * (t - s.start_s) / s.duration_s;
    }
  }
  return 0;
}

std::int64_t closed_start_offset_us(std::int64_t index, std::int64_t clients,
                                    std::int64_t ramp_up_us) {
  if (clients <= 0) return 0;
  // index * ramp_up_us may overflow (10^7 x 10^13): split the ramp into quotient and remainder
  // (index * rem < clients^2 <= 10^14).
  const std::int64_t per = ramp_up_us / clients, rem = ramp_up_us % clients;
  return index * per + index * rem / clients;
}

NextPoll next_poll(std::int64_t prev_intended_us, std::int64_t now_us, std::int64_t interval_us) {
  NextPoll out{prev_intended_us + interval_us, 0};
  if (interval_us <= 0) return out;
  if (now_us >= out.intended_us + interval_us) {
    const auto skipped = (now_us - out.intended_us) / interval_us;
    out.dropped = static_cast<std::uint64_t>(skipped);
    out.intended_us += skipped * interval_us;
  }
  return out;
}

}  // namespace agentwork::load
