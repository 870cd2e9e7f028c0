// When things are due in a load run, as pure functions of time (microseconds from the start of
// the run's schedule; no clock is read here):
//   - the open executor's arrivals: the k-th task starts when the integral of the arrival rate
//     reaches k + 1 (a constant rate R: at 1/R, 2/R, ...; a ramp: piecewise-linear rate);
//   - the closed executor's start offsets: clients start evenly over the ramp-up;
//   - a virtual client's poll slots: fixed-rate from the intended time of the previous poll, so
//     a slow response makes the next poll late (measured from its intended time), and slots that
//     passed entirely while the client waited are dropped and counted, never sent as a burst.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "harness/load/profile.hpp"

namespace agentwork::load {

class ArrivalSchedule {
 public:
  // From an open executor: a constant rate, or stages starting at start_rate.
  explicit ArrivalSchedule(const OpenExecutor& open, double duration_s);

  // When the k-th arrival (k from 0) is due, in microseconds from the start; nullopt when the
  // schedule ends before it (the duration, or the end of the last stage).
  std::optional<std::int64_t> time_of(std::uint64_t k) const;
  // Arrivals due in [0, t_us]: the k with time_of(k) <= t_us (the floor of the rate's integral
  // up to rounding).
  std::uint64_t due_by(std::int64_t t_us) const;
  // The arrival rate at t_us, tasks/s (0 past the end).
  double rate_at(std::int64_t t_us) const;

 private:
  struct Segment {
    double start_s = 0, duration_s = 0;  // [start, start + duration)
    double rate0 = 0, rate1 = 0;         // linear from rate0 to rate1
    double count0 = 0;                   // arrivals integrated before the segment
  };
  std::vector<Segment> segments_;
  double end_s_ = 0;
};

// Client `index` of `clients` starts at index * ramp_up / clients (microseconds from the start).
std::int64_t closed_start_offset_us(std::int64_t index, std::int64_t clients,
                                    std::int64_t ramp_up_us);

struct NextPoll {
  std::int64_t intended_us = 0;  // when the next poll should go out
  std::uint64_t dropped = 0;     // whole slots that passed while the client was busy
};
// The previous poll was intended at `prev_intended_us` and its handling ended at `now_us`; the
// next slot is `interval_us` later. If now is past that slot by a whole interval or more, the
// slots in between are dropped and the next poll is due at the latest slot not after now (so it
// goes out at once, late by less than one interval, and its corrected latency shows the wait).
NextPoll next_poll(std::int64_t prev_intended_us, std::int64_t now_us, std::int64_t interval_us);

}  // namespace agentwork::load
