#include "harness/load/merge.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

namespace agentwork::load {
namespace {

constexpr std::size_t kMaxLeftIds = 100;  // as a single run keeps

std::string describe(const ShardFile& f) {
  const ShardInfo& s = *f.result.shard;
  return f.name + " (shard " + std::to_string(s.shard.index) + " of " +
         std::to_string(s.shard.count) + " of run " + s.run_id + ")";
}

// Why the files are not one run's complete set of shards; nullopt when they are. `order` gets
// the files by shard index.
std::optional<std::string> check_set(const std::vector<ShardFile>& shards,
                                     std::vector<const ShardFile*>& order) {
  if (shards.empty()) return "no shard results given";
  for (const auto& f : shards) {
    if (!f.result.shard) {
      return f.name + ": not a shard's result (written by a run without --shard" +
             std::string(f.result.merged_shards.empty() ? "" : "; it is a merged result") + ")";
    }
  }
  const ShardFile& first = shards.front();
  const ShardInfo& a = *first.result.shard;
  for (const auto& f : shards) {
    const ShardInfo& b = *f.result.shard;
    if (b.run_id != a.run_id) {
      return describe(f) + " and " + describe(first) + " are shards of different runs";
    }
    if (b.shard.count != a.shard.count) {
      return describe(f) + " and " + describe(first) + " split the run differently";
    }
    if (b.profile != a.profile) {
      return describe(f) + " ran a different profile than " + describe(first);
    }
    if (b.overrides != a.overrides || b.thresholds != a.thresholds || b.rate_cap != a.rate_cap ||
        b.executor != a.executor) {
      return describe(f) + " ran with different flags than " + describe(first);
    }
  }
  order.assign(static_cast<std::size_t>(a.shard.count), nullptr);
  for (const auto& f : shards) {
    auto& slot = order[static_cast<std::size_t>(f.result.shard->shard.index)];
    if (slot != nullptr) {
      const ShardInfo& s = *f.result.shard;
      return f.name + " and " + slot->name + " are both shard " + std::to_string(s.shard.index) +
             " of " + std::to_string(s.shard.count) + " of run " + s.run_id +
             ": a shard given twice would count twice";
    }
    slot = &f;
  }
  std::string missing;
  int missing_count = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (order[i] != nullptr) continue;
    ++missing_count;
    if (missing_count <= 20) missing += (missing.empty() ? "" : ", ") + std::to_string(i);
  }
  if (missing_count > 0) {
    return std::string(missing_count == 1 ? "shard " : "shards ") + missing +
           (missing_count > 20 ? ", ..." : "") + " of " + std::to_string(a.shard.count) +
           " of run " + a.run_id + " missing (" + std::to_string(missing_count) +
           " of " + std::to_string(a.shard.count) + "): a merge needs every shard's result";
  }
  return std::nullopt;
}

// How bad a stop reason is for the whole run: the merged run ends with the worst.
int severity(StopReason r) {
  switch (r) {
    case StopReason::interrupted: return 3;
    case StopReason::circuit_breaker: return 2;
    case StopReason::threshold_failed: return 1;
    default: return 0;
  }
}

// The whole run's thresholds, parsed again from their text (each was parsed when the shard ran);
// an error message when one does not parse (a file edited by hand).
std::optional<std::string> parse_thresholds(const ShardFile& f, std::vector<Threshold>& out) {
  for (const auto& text : f.result.shard->thresholds) {
    auto parsed = parse_threshold(text);
    if (const auto* e = std::get_if<ParseError>(&parsed)) {
      return f.name + ": $.load.shard.thresholds: " + e->message();
    }
    out.push_back(std::get<Threshold>(std::move(parsed)));
  }
  return std::nullopt;
}

// What ran, as the whole run: the first shard's description with the run's executor and rate
// cap, started at the earliest shard's start; the counts are added by add_counts.
LoadResult merged_header(const LoadResult& head, std::int64_t origin_us) {
  LoadResult merged;
  merged.profile_name = head.profile_name;
  merged.profile_file = head.profile_file;
  merged.executor = head.shard->executor;
  merged.client = head.client;
  merged.poll_interval_s = head.poll_interval_s;
  merged.rate_cap = head.shard->rate_cap;
  merged.warmup_s = head.warmup_s;
  merged.started_unix_us = origin_us;
  merged.stop_reason = head.stop_reason;
  merged.workers = 0;
  return merged;
}

// A shard's counts outside its summary, added to the merged result's.
void add_counts(const LoadResult& r, LoadResult& merged) {
  merged.workers += r.workers;
  merged.responses_checked += r.responses_checked;
  merged.reused_verdicts += r.reused_verdicts;
  merged.arrivals += r.arrivals;
  merged.dropped_arrivals += r.dropped_arrivals;
  merged.connections_opened += r.connections_opened;
  merged.retry_after_pauses += r.retry_after_pauses;
  merged.rate_capped_waits += r.rate_capped_waits;
  merged.cleanup.cancelled += r.cleanup.cancelled;
  merged.cleanup.failed += r.cleanup.failed;
  for (const auto& id : r.cleanup.left_task_ids) {
    if (merged.cleanup.left_task_ids.size() >= kMaxLeftIds) break;
    merged.cleanup.left_task_ids.push_back(id);
  }
}

void add_check_failures(const LoadResult& from, std::map<std::string, CheckFailure>& into) {
  for (const auto& f : from.check_failures) {
    auto [it, fresh] = into.try_emplace(f.rule_id, f);
    if (!fresh) it->second.count += f.count;
  }
}

}  // namespace

std::variant<LoadResult, std::string> merge_shards(const std::vector<ShardFile>& shards) {
  std::vector<const ShardFile*> order;
  if (auto error = check_set(shards, order)) return *error;

  std::vector<Threshold> thresholds;
  if (auto error = parse_thresholds(*order.front(), thresholds)) return *error;

  // The common origin: the earliest start; each shard's series start that many whole seconds
  // later (rounded to the nearest).
  std::int64_t origin_us = INT64_MAX;
  std::int64_t end_us = INT64_MIN;
  for (const auto* f : order) {
    const auto& r = f->result;
    origin_us = std::min(origin_us, r.started_unix_us);
    end_us = std::max<std::int64_t>(end_us,
                                    r.started_unix_us + std::llround(r.summary.duration_s * 1e6));
  }

  LoadResult merged = merged_header(order.front()->result, origin_us);

  WorkerMetrics metrics(0);
  std::map<std::string, CheckFailure> failures;
  int worst = -1;
  for (const auto* f : order) {
    const LoadResult& r = f->result;
    const auto offset_s = static_cast<std::int64_t>(
        std::llround(static_cast<double>(r.started_unix_us - origin_us) / 1e6));
    metrics.merge(WorkerMetrics::from_summary(r.summary, offset_s));
    add_counts(r, merged);
    add_check_failures(r, failures);
    const int index = r.shard->shard.index;
    merged.merged_shards.push_back({index, r.stop_reason, r.stop_detail, r.summary.requests,
                                    r.summary.duration_s, shard_exit_code(r)});
    if (severity(r.stop_reason) > worst) {
      worst = severity(r.stop_reason);
      merged.stop_reason = r.stop_reason;
      merged.stop_detail =
          r.stop_detail.empty() ? "" : "shard " + std::to_string(index) + ": " + r.stop_detail;
    }
  }
  for (auto& [rule, f] : failures) merged.check_failures.push_back(std::move(f));

  const std::int64_t duration_us = std::max<std::int64_t>(1, end_us - origin_us);
  merged.summary = summarize(metrics, duration_us);
  const LoadMetricsView view(metrics, duration_us);
  merged.thresholds = evaluate_all(thresholds, view);
  return merged;
}

}  // namespace agentwork::load
