// The mock's clock. Time is microseconds since the Unix epoch (UTC). It runs with the wall
// clock by default (never backwards: it follows a steady clock from a wall-clock origin) and
// can be frozen, advanced and set through the control API, so that a test sees a five-minute
// stall instantly and deterministically.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "common/timestamp.hpp"

namespace agentwork::mock {

class Clock {
 public:
  // time_scale multiplies every agent duration: 0.01 makes a 60 s step take 0.6 s.
  explicit Clock(double time_scale = 1.0);

  Micros now() const;
  double time_scale() const { return time_scale_; }
  // An agent duration in seconds, scaled, in microseconds (never negative).
  Micros scaled(double agent_seconds) const;

  void freeze();               // stop at the current time
  void resume();               // run again from the frozen time
  void advance(Micros delta);  // jump forward (frozen or running); negative deltas are ignored
  bool set(Micros at);         // jump to an absolute time; false (unchanged) if it is earlier
  bool frozen() const;

 private:
  Micros running_now_locked() const;

  double time_scale_;
  mutable std::mutex mutex_;
  bool frozen_ = false;
  Micros frozen_at_ = 0;
  Micros offset_ = 0;  // added to the running time by advance()/set()/resume()
};

}  // namespace agentwork::mock
