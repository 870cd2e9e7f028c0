#include "mock_server/clock.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>

namespace agentwork::mock {
namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;

// The running time is a wall-clock origin plus steady-clock elapsed time: it never goes back
// even when the system clock is stepped.
struct Origin {
  Micros wall;
  std::chrono::steady_clock::time_point steady;
};

const Origin& origin() {
  static const Origin o{
      duration_cast<microseconds>(std::chrono::system_clock::now().time_since_epoch()).count(),
      std::chrono::steady_clock::now()};
  return o;
}

}  // namespace

Clock::Clock(double time_scale) : time_scale_(time_scale > 0 ? time_scale : 1.0) {}

Micros Clock::running_now_locked() const {
  const auto elapsed = std::chrono::steady_clock::now() - origin().steady;
  return origin().wall + duration_cast<microseconds>(elapsed).count() + offset_;
}

Micros Clock::now() const {
  std::lock_guard lock(mutex_);
  return frozen_ ? frozen_at_ : running_now_locked();
}

Micros Clock::scaled(double agent_seconds) const {
  if (!(agent_seconds > 0)) return 0;
  const double us = agent_seconds * time_scale_ * static_cast<double>(kMicrosPerSecond);
  return us >= 9e18 ? Micros{9'000'000'000'000'000'000} : static_cast<Micros>(std::llround(us));
}

void Clock::freeze() {
  std::lock_guard lock(mutex_);
  if (frozen_) return;
  frozen_at_ = running_now_locked();
  frozen_ = true;
}

void Clock::resume() {
  std::lock_guard lock(mutex_);
  if (!frozen_) return;
  frozen_ = false;
  offset_ += frozen_at_ - running_now_locked();
}

void Clock::advance(Micros delta) {
  if (delta <= 0) return;
  std::lock_guard lock(mutex_);
  if (frozen_) {
    frozen_at_ += delta;
  } else {
    offset_ += delta;
  }
}

bool Clock::set(Micros at) {
  std::lock_guard lock(mutex_);
  const Micros current = frozen_ ? frozen_at_ : running_now_locked();
  if (at < current) return false;
  if (frozen_) {
    frozen_at_ = at;
  } else {
    offset_ += at - current;
  }
  return true;
}

bool Clock::frozen() const {
  std::lock_guard lock(mutex_);
  return frozen_;
}

}  // namespace agentwork::mock
