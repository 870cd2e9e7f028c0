// Items parked until a due time, on a timing wheel (pure: time is passed in, in µs).
//
// The load engine parks every idle virtual client here until its next poll: a million entries,
// one taken and one put back per request. A binary heap costs about 20 dependent cache misses
// per take at that size (the heap's levels are spread over 16 MB); the wheel costs one bucket
// append per put and a sequential sweep of one bucket per tick, whatever the count.
//
// Time is cut into ticks of `tick_us`. An item due at t fires at the first tick boundary not
// before t (ceil(t / tick) * tick), or at the wheel's next tick when that boundary has already
// been swept; take_due(now) hands out every item whose firing time is <= now, earlier ticks first
// (the order within one tick is unspecified). The wheel holds `slots` ticks ahead of its sweep position; an
// item due further ahead waits in an overflow heap and moves onto the wheel as the sweep nears
// it (a poll interval fits on the wheel, so the heap holds only outliers).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

namespace agentwork::load {

template <class T>
class DueWheel {
 public:
  static constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

  // tick_us > 0; slots is rounded up to a power of two (at least 2). origin_us: the sweep
  // starts at the tick containing it (items due before it fire at the first take_due).
  DueWheel(std::int64_t tick_us, std::size_t slots, std::int64_t origin_us)
      : tick_(positive(tick_us)), cursor_(floor_div(origin_us, tick_us)), hint_(cursor_) {
    std::size_t n = 2;
    while (n < slots) n *= 2;
    buckets_.resize(n);
    mask_ = n - 1;
  }

  std::int64_t tick_us() const { return tick_; }
  std::size_t slots() const { return buckets_.size(); }
  std::size_t size() const { return in_wheel_ + overflow_.size(); }
  bool empty() const { return size() == 0; }

  // When an item due at due_us would fire if parked now.
  std::int64_t fire_time(std::int64_t due_us) const {
    return std::max(ceil_div(due_us, tick_), cursor_) * tick_;
  }

  void push(std::int64_t due_us, T* item) {
    const std::int64_t k = std::max(ceil_div(due_us, tick_), cursor_);
    if (k - cursor_ >= static_cast<std::int64_t>(buckets_.size())) {
      overflow_.push_back(Far{k, seq_++, item});
      std::push_heap(overflow_.begin(), overflow_.end(), Later{});
      return;
    }
    buckets_[static_cast<std::size_t>(k) & mask_].push_back(item);
    ++in_wheel_;
    hint_ = std::min(hint_, k);
  }

  // The earliest firing time of an item held, or kNever when empty.
  std::int64_t next_due() {
    std::int64_t k = kNever;
    if (in_wheel_ > 0) {
      hint_ = std::max(hint_, cursor_);
      while (buckets_[static_cast<std::size_t>(hint_) & mask_].empty()) ++hint_;
      k = hint_;
    }
    if (!overflow_.empty()) k = std::min(k, overflow_.front().tick);
    return k == kNever ? kNever : k * tick_;
  }

  // Appends to `out` every item whose firing time is <= now_us, earliest tick first, and moves
  // the sweep past now.
  void take_due(std::int64_t now_us, std::vector<T*>& out) {
    const std::int64_t last = floor_div(now_us, tick_);
    if (last < cursor_) return;
    if (in_wheel_ > 0) {
      // Every wheel bucket from the sweep position to `last` (all of them at most once).
      const std::int64_t end =
          std::min(last, cursor_ + static_cast<std::int64_t>(buckets_.size()) - 1);
      for (std::int64_t k = std::max(cursor_, hint_); k <= end && in_wheel_ > 0; ++k) {
        auto& bucket = buckets_[static_cast<std::size_t>(k) & mask_];
        if (bucket.empty()) continue;
        out.insert(out.end(), bucket.begin(), bucket.end());
        in_wheel_ -= bucket.size();
        bucket.clear();
      }
    }
    // Overflow items due by now (the sweep jumped a whole wheel or more) fire directly.
    while (!overflow_.empty() && overflow_.front().tick <= last) {
      std::pop_heap(overflow_.begin(), overflow_.end(), Later{});
      out.push_back(overflow_.back().item);
      overflow_.pop_back();
    }
    cursor_ = last + 1;
    hint_ = std::max(hint_, cursor_);
    // Overflow items now within reach of the wheel move onto it.
    const auto horizon = cursor_ + static_cast<std::int64_t>(buckets_.size());
    while (!overflow_.empty() && overflow_.front().tick < horizon) {
      std::pop_heap(overflow_.begin(), overflow_.end(), Later{});
      const Far far = overflow_.back();
      overflow_.pop_back();
      buckets_[static_cast<std::size_t>(far.tick) & mask_].push_back(far.item);
      ++in_wheel_;
      hint_ = std::min(hint_, far.tick);
    }
  }

  // The item that fires first (nullptr when empty), taken out without moving the sweep.
  T* take_earliest() {
    if (empty()) return nullptr;
    const std::int64_t wheel_k = in_wheel_ > 0 ? next_due() / tick_ : kNever;
    if (!overflow_.empty() && overflow_.front().tick < wheel_k) {
      std::pop_heap(overflow_.begin(), overflow_.end(), Later{});
      T* item = overflow_.back().item;
      overflow_.pop_back();
      return item;
    }
    auto& bucket = buckets_[static_cast<std::size_t>(wheel_k) & mask_];
    T* item = bucket.back();  // any item of the earliest tick
    bucket.pop_back();
    --in_wheel_;
    return item;
  }

 private:
  struct Far {
    std::int64_t tick;
    std::uint64_t seq;  // insertion order among equal ticks
    T* item;
  };
  struct Later {
    bool operator()(const Far& a, const Far& b) const {
      return a.tick != b.tick ? a.tick > b.tick : a.seq > b.seq;
    }
  };
  // Checked before the first division by it (UBSan: a zero tick divided by zero, then threw).
  static std::int64_t positive(std::int64_t tick_us) {
    if (tick_us <= 0) throw std::invalid_argument("DueWheel: tick must be positive");
    return tick_us;
  }
  static std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    const std::int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
  }
  static std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return -floor_div(-a, b); }

  std::int64_t tick_;
  std::int64_t cursor_;  // the first tick not swept yet: the wheel holds [cursor_, cursor_ + slots)
  std::int64_t hint_;    // no item on the wheel is due before this tick (>= cursor_ once swept)
  std::vector<std::vector<T*>> buckets_;
  std::size_t mask_ = 0;
  std::size_t in_wheel_ = 0;
  std::vector<Far> overflow_;  // min-heap on (tick, seq)
  std::uint64_t seq_ = 0;
};

}  // namespace agentwork::load
