// `agentwork merge`: the results of a sharded run's shards (shard.hpp), one LoadResult each as
// read from its file, made into the one result of the whole run — exactly, not averaged:
//   - every count summed; histograms added slot by slot, percentiles read from the sum;
//   - the per-second series aligned on wall-clock seconds (each shard's start, to the nearest
//     second after the earliest) and added;
//   - contract findings added by rule (the first case of the lowest shard kept), cleanups
//     added, task outcomes added;
//   - the thresholds (the whole run's, carried in every shard's result) judged again on the
//     merged figures; the duration is from the earliest start to the latest end.
// It refuses results that are not one run's complete set: a file that is not a shard's result,
// shards of different runs, profiles, flags or shard counts, a shard given twice, a missing
// shard. A shard that stopped early (interrupted, circuit breaker) is merged and reported; the
// merged run's stop reason is the worst of the shards'.
// Pure: no files, no clock.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "harness/load/load_result.hpp"

namespace agentwork::load {

struct ShardFile {
  std::string name;  // the file, for messages
  LoadResult result;
};

// The merged result, or why the set cannot be merged ("b.json: shard 1 of 4 of run r2, but
// a.json is of run r1: shards of different runs").
std::variant<LoadResult, std::string> merge_shards(const std::vector<ShardFile>& shards);

}  // namespace agentwork::load
