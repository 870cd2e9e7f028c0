// Sharded load runs (docs/distributed-load.md): one profile run as N processes (a Kubernetes
// Indexed Job's pods, or N local processes) whose sum is exactly the profile.
//
// How the profile is split. The load engine already spreads a profile over its worker threads
// by striding: worker w of W takes closed clients w, w + W, ... and open arrivals w, w + W, ...
// of the one global schedule. A shard widens the stride: worker w of shard I of N takes the
// items I + N * (w + W * k), k = 0, 1, ... — so the shards partition every client and every
// arrival of the single-process schedule (same start offsets, same ramp), whatever the number of
// workers each shard has. What is a budget rather than a schedule is divided:
//   - max_tasks, open max_in_flight and the circuit breaker's min_requests: integers, shard I
//     gets floor(total / N) plus one when I < total mod N (the remainders go to the first
//     shards); max_in_flight and min_requests at least 1, max_tasks possibly 0 (that shard
//     creates no task);
//   - rate_cap: total / N requests per second each (a sum of N equal shares).
// Thresholds are left as they are: each shard's own verdict on them is informative only; the
// merge (merge.hpp) judges them on the merged figures.
// Pure: no sockets, no clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "harness/load/profile.hpp"

namespace agentwork::load {

struct Shard {
  int index = 0;  // 0-based, < count (as Kubernetes' JOB_COMPLETION_INDEX)
  int count = 1;  // 1: not sharded
  bool sharded() const { return count > 1; }
  bool operator==(const Shard&) const = default;
};

inline constexpr int kMaxShards = 10000;

// "I/N" (0 <= I < N <= 10000), as --shard takes it. An error message naming what is wrong.
std::variant<Shard, std::string> parse_shard(std::string_view text);
// From the index a Kubernetes Indexed Job gives each pod (JOB_COMPLETION_INDEX, a decimal
// string) and the shard count: the same checks.
std::variant<Shard, std::string> shard_from_index(std::string_view index, int count);

// --start-at: when a sharded run's shards start, as microseconds since the Unix epoch. Takes
// "2026-12-06T05:00:00Z" (UTC, optional fraction of a second), "@1765000800" (Unix seconds) or
// "+30" (seconds after now_unix_us). An error message naming what is wrong.
std::variant<std::int64_t, std::string> parse_start_at(std::string_view text,
                                                       std::int64_t now_unix_us);

// Shard `index` of `count`'s part of `total`: floor(total / count), plus one for the first
// total mod count shards. The parts add up to total.
std::int64_t split_count(std::int64_t total, int index, int count);

// The profile shard `shard` runs: the budgets above divided; the schedule is not changed here
// (the engine strides it, see ItemStride).
LoadProfile shard_profile(const LoadProfile& profile, Shard shard);

// The items (closed clients, open arrivals) one worker of one shard takes: first, first + step,
// ... of the global sequence.
struct ItemStride {
  std::int64_t first = 0;
  std::int64_t step = 1;
};
ItemStride item_stride(Shard shard, int worker, int workers);

// Worker w of shard I is lane I + N * w of the interleaving: distinct for every (shard, worker)
// pair, and w in an unsharded run. The workers' seeds and run ids derive from it.
std::uint64_t lane_index(Shard shard, int worker);

}  // namespace agentwork::load
