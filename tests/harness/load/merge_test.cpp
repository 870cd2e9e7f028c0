// `agentwork merge`: shards' results, written to JSON and read back as the command reads them,
// merge into exactly the figures of one run that recorded every sample itself (the reference):
// counts, histogram slots, percentiles, the per-second series aligned on wall-clock seconds,
// and the thresholds judged on the whole. And the refusals: not a shard, mixed runs, profiles or
// flags, a duplicate, a missing shard.
#include "harness/load/merge.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "reports/load_report.hpp"

namespace agentwork::load {
namespace {

constexpr std::int64_t kSecond = 1'000'000;
constexpr std::int64_t kBaseUnixUs = 1'796'533'200'000'000;  // 2026-12-06T05:00:00Z

const std::vector<std::string> kThresholds = {
    "latency{endpoint=status}.p99 < 40ms", "requests.count > 2500", "errors.rate < 5%",
    "polls_per_transition.mean < 3", "tasks{outcome=completed}.count >= 1",
    "polls_per_task.min >= 2"};

std::vector<Threshold> parsed_thresholds() {
  std::vector<Threshold> out;
  for (const auto& t : kThresholds) out.push_back(std::get<Threshold>(parse_threshold(t)));
  return out;
}

ShardInfo info(int index, int count, std::string run = "run-1") {
  ShardInfo s;
  s.shard = {index, count};
  s.run_id = std::move(run);
  s.profile = {{"name", "merge-test"}, {"executor", {{"closed", {{"clients", 100}}}}}};
  s.overrides = {"--duration=60"};
  s.thresholds = kThresholds;
  s.rate_cap = 400;
  s.executor = "closed, 100 clients";
  return s;
}

// What one shard recorded, and the same samples recorded by one process (the reference), whose
// clock starts `offset_s` seconds before this shard's.
struct Recorder {
  WorkerMetrics shard{0};
  WorkerMetrics* whole;
  std::int64_t offset_us;

  void response(Endpoint e, std::int64_t intended, std::int64_t sent, std::int64_t done,
                int status, ErrorClass error) {
    shard.on_response(e, intended, sent, done, status, error);
    whole->on_response(e, intended + offset_us, sent + offset_us, done + offset_us, status, error);
  }
  template <typename F>
  void both(F f) {
    f(shard);
    f(*whole);
  }
};

// Random samples of a run of `duration_us` into one shard and the reference.
void record_samples(Recorder& r, std::mt19937_64& rng, std::int64_t duration_us, int n) {
  std::uniform_int_distribution<std::int64_t> at(0, duration_us - 200'000);
  std::lognormal_distribution<double> latency(std::log(3000.0), 1.2);
  std::uniform_int_distribution<int> pick(0, 99);
  for (int i = 0; i < n; ++i) {
    const auto intended = at(rng);
    const auto lag = pick(rng) < 5 ? 20'000 : 0;  // some polls sent late: corrected != uncorrected
    const auto took = static_cast<std::int64_t>(latency(rng));
    const int kind = pick(rng);
    const Endpoint e = kind < 80 ? Endpoint::task_status
                       : kind < 90 ? Endpoint::create_task
                                   : Endpoint::message;
    if (kind == 97) {
      r.response(e, intended, intended + lag, intended + lag + took, 0, ErrorClass::timeout);
    } else {
      const int status = kind == 98 ? 503 : kind == 99 ? 409 : 200;
      r.response(e, intended, intended + lag, intended + lag + took, status, ErrorClass::none);
    }
    if (e == Endpoint::task_status) {
      const bool changed = pick(rng) < 30;
      r.both([&](WorkerMetrics& m) {
        m.on_poll(changed);
        m.on_poll_schedule(intended, intended + lag, 1 * kSecond);
        if (changed) m.on_transition(took * 10 - 5000);  // a few negative (clock skew)
      });
    }
    if (kind < 3) {
      const auto outcome = static_cast<TaskOutcome>(pick(rng) % kTaskOutcomeCount);
      const auto duration = 1000 * static_cast<std::int64_t>(latency(rng));
      const auto polls = static_cast<std::uint64_t>(1 + pick(rng));
      r.both([&](WorkerMetrics& m) {
        m.on_task_created();
        m.on_task_end(outcome, duration, polls);
      });
    }
    if (kind == 50) r.both([](WorkerMetrics& m) { m.on_dropped_poll(); });
  }
}

// The shard's result as `agentwork merge` gets it: written as `agentwork load` writes it and
// read back.
ShardFile through_json(LoadResult r, const std::string& name) {
  const auto text = reports::load_to_json(r).dump();
  std::string error;
  auto back = reports::load_from_json(nlohmann::json::parse(text), error);
  EXPECT_TRUE(back) << error;
  return {name, back ? std::move(*back) : LoadResult{}};
}

struct Scenario {
  std::vector<ShardFile> files;
  WorkerMetrics whole{0};
  std::int64_t whole_duration_us = 0;
};

// `count` shards; shard k starts offsets_s[k] seconds after the first and runs durations_s[k].
void build(Scenario& s, int count, const std::vector<std::int64_t>& offsets_s,
           const std::vector<std::int64_t>& durations_s, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (int k = 0; k < count; ++k) {
    Recorder r{WorkerMetrics(0), &s.whole, offsets_s[static_cast<std::size_t>(k)] * kSecond};
    const auto duration_us = durations_s[static_cast<std::size_t>(k)] * kSecond;
    record_samples(r, rng, duration_us, 1500 + 300 * k);
    s.whole_duration_us = std::max(s.whole_duration_us, r.offset_us + duration_us);
    LoadResult result;
    result.profile_name = "merge-test";
    result.executor = "closed, 100 clients (shard " + std::to_string(k) + " of 4)";
    result.client = "policy";
    result.workers = 2;
    result.poll_interval_s = 1;
    result.rate_cap = 100;
    result.started_unix_us = kBaseUnixUs + r.offset_us + 1234;  // sub-second skew: still aligned
    result.summary = summarize(r.shard, duration_us);
    result.thresholds = evaluate_all(parsed_thresholds(), LoadMetricsView(r.shard, duration_us));
    result.responses_checked = 10 + static_cast<std::uint64_t>(k);
    result.arrivals = 100;
    result.connections_opened = 3;
    result.cleanup.cancelled = 2;
    if (k == 1) {
      result.check_failures.push_back({"task.status.enum", 3, "first in shard 1", {}});
      result.cleanup.failed = 1;
      result.cleanup.left_task_ids = {"task-x"};
    }
    if (k == 2) result.check_failures.push_back({"task.status.enum", 4, "first in shard 2", {}});
    result.shard = info(k, count);
    s.files.push_back(through_json(std::move(result), "shard" + std::to_string(k) + ".json"));
  }
}

LoadResult merge_ok(const std::vector<ShardFile>& files) {
  auto merged = merge_shards(files);
  if (const auto* e = std::get_if<std::string>(&merged)) {
    ADD_FAILURE() << *e;
    return {};
  }
  return std::get<LoadResult>(std::move(merged));
}

TEST(MergeShards, EqualsOneRunOfTheSameSamples) {
  Scenario s;
  build(s, 4, {0, 0, 0, 0}, {60, 60, 60, 60}, 7);
  const LoadResult merged = merge_ok(s.files);
  const LoadSummary reference = summarize(s.whole, s.whole_duration_us);
  // Field by field first (a readable failure), then the whole summary.
  EXPECT_EQ(merged.summary.requests, reference.requests);
  ASSERT_EQ(merged.summary.endpoints.size(), reference.endpoints.size());
  for (std::size_t i = 0; i < reference.endpoints.size(); ++i) {
    EXPECT_EQ(merged.summary.endpoints[i].corrected, reference.endpoints[i].corrected);
    EXPECT_EQ(merged.summary.endpoints[i].corrected_histogram,
              reference.endpoints[i].corrected_histogram);
    EXPECT_EQ(merged.summary.endpoints[i].uncorrected, reference.endpoints[i].uncorrected);
  }
  EXPECT_EQ(merged.summary.rate_series, reference.rate_series);
  EXPECT_EQ(merged.summary.latency_series, reference.latency_series);
  EXPECT_EQ(merged.summary.task_duration, reference.task_duration);
  EXPECT_EQ(merged.summary.polls_per_task_mean, reference.polls_per_task_mean);
  EXPECT_EQ(merged.summary.polls_per_task_min, reference.polls_per_task_min);
  EXPECT_TRUE(merged.summary == reference);

  // The thresholds judged on the whole, as one run would have judged them.
  const auto expected =
      evaluate_all(parsed_thresholds(), LoadMetricsView(s.whole, s.whole_duration_us));
  ASSERT_EQ(merged.thresholds.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(merged.thresholds[i].line, expected[i].line);
    EXPECT_EQ(merged.thresholds[i].verdict, expected[i].verdict);
  }
  // A count threshold no shard met alone passes on the whole.
  for (const auto& f : s.files) EXPECT_EQ(f.result.thresholds[1].verdict, Verdict::failed);
  EXPECT_EQ(merged.thresholds[1].verdict, Verdict::passed);

  // The rest: summed, combined by rule, the whole run's description.
  EXPECT_EQ(merged.workers, 8);
  EXPECT_EQ(merged.responses_checked, 10u + 11u + 12u + 13u);
  EXPECT_EQ(merged.arrivals, 400u);
  EXPECT_EQ(merged.cleanup.cancelled, 8u);
  EXPECT_EQ(merged.cleanup.failed, 1u);
  EXPECT_EQ(merged.cleanup.left_task_ids, std::vector<std::string>{"task-x"});
  ASSERT_EQ(merged.check_failures.size(), 1u);
  EXPECT_EQ(merged.check_failures[0].count, 7u);
  EXPECT_EQ(merged.check_failures[0].detail, "first in shard 1");
  EXPECT_EQ(merged.executor, "closed, 100 clients");
  EXPECT_EQ(merged.rate_cap, 400);
  EXPECT_EQ(merged.started_unix_us, kBaseUnixUs + 1234);
  EXPECT_FALSE(merged.shard);  // a merged result is not a shard: it cannot be merged again
  ASSERT_EQ(merged.merged_shards.size(), 4u);
  EXPECT_EQ(merged.merged_shards[2].index, 2);
  EXPECT_EQ(merged.merged_shards[2].requests, s.files[2].result.summary.requests);
}

TEST(MergeShards, PercentilesAreOfTheMergedHistogramNotAveraged) {
  Scenario s;
  build(s, 4, {0, 0, 0, 0}, {60, 60, 60, 60}, 11);
  const LoadResult merged = merge_ok(s.files);
  double mean_of_p99 = 0;
  for (const auto& f : s.files) {
    mean_of_p99 += static_cast<double>(f.result.summary.endpoints[0].corrected.p99) / 4;
  }
  const auto whole = summarize(s.whole, s.whole_duration_us);  // (ASan: a reference into a
  const auto& reference = whole.endpoints[0].corrected;          // temporary was read freed)
  EXPECT_EQ(merged.summary.endpoints[0].corrected.p99, reference.p99);
  EXPECT_NE(static_cast<double>(reference.p99), mean_of_p99);
}

TEST(MergeShards, SeriesAlignOnWallClockSeconds) {
  // Shards started 0, 3, 7 and 12 s apart and ran different lengths: the merged series is the
  // one run's whose clock started with the first shard; the duration spans first start to
  // last end. The files come in any order.
  Scenario s;
  build(s, 4, {0, 3, 7, 12}, {30, 20, 40, 25}, 3);
  std::swap(s.files[0], s.files[3]);
  const LoadResult merged = merge_ok(s.files);
  const LoadSummary reference = summarize(s.whole, s.whole_duration_us);
  EXPECT_EQ(merged.summary.duration_s, 47.0);
  EXPECT_EQ(merged.summary.rate_series, reference.rate_series);
  EXPECT_EQ(merged.summary.error_series, reference.error_series);
  EXPECT_EQ(merged.summary.latency_buckets, reference.latency_buckets);
  EXPECT_TRUE(merged.summary == reference);
}

TEST(MergeShards, WorstStopReasonAndTheShardsThatEndedBadly) {
  Scenario s;
  build(s, 3, {0, 0, 0}, {60, 60, 60}, 5);
  s.files[1].result.stop_reason = StopReason::circuit_breaker;
  s.files[1].result.stop_detail = "circuit breaker: 90 of 100 requests failed";
  s.files[2].result.stop_reason = StopReason::interrupted;
  s.files[2].result.stop_detail = "interrupted (Ctrl-C)";
  const LoadResult merged = merge_ok(s.files);
  EXPECT_EQ(merged.stop_reason, StopReason::interrupted);
  EXPECT_EQ(merged.stop_detail, "shard 2: interrupted (Ctrl-C)");
  EXPECT_EQ(exit_code(merged), 130);
  EXPECT_EQ(merged.merged_shards[0].exit_code, 0);
  EXPECT_EQ(merged.merged_shards[1].exit_code, kExitCircuitBreaker);
  EXPECT_EQ(merged.merged_shards[2].exit_code, 130);
  const std::string summary = reports::load_summary(merged, false);
  EXPECT_NE(summary.find("3 shards, 2 did not end well"), std::string::npos) << summary;
  EXPECT_NE(summary.find("shard 1: circuit_breaker, exit 5"), std::string::npos) << summary;
}

std::string merge_error(const std::vector<ShardFile>& files) {
  auto merged = merge_shards(files);
  if (std::holds_alternative<LoadResult>(merged)) {
    ADD_FAILURE() << "merged";
    return {};
  }
  return std::get<std::string>(merged);
}

TEST(MergeShards, RefusesWhatIsNotOneRunsCompleteSet) {
  Scenario s;
  build(s, 3, {0, 0, 0}, {10, 10, 10}, 1);
  EXPECT_EQ(merge_error({}), "no shard results given");

  auto files = s.files;
  files[1].result.shard.reset();
  EXPECT_NE(merge_error(files).find("shard1.json: not a shard's result"), std::string::npos);

  files = s.files;
  files[2].result.shard->run_id = "run-2";
  EXPECT_NE(merge_error(files).find("are shards of different runs"), std::string::npos);

  files = s.files;
  files[2].result.shard->profile["name"] = "other";
  EXPECT_NE(merge_error(files).find("shard2.json (shard 2 of 3 of run run-1) ran a different "
                                    "profile than shard0.json"),
            std::string::npos);

  files = s.files;
  files[1].result.shard->overrides = {"--duration=30"};
  EXPECT_NE(merge_error(files).find("ran with different flags"), std::string::npos);

  files = s.files;
  files[1].result.shard->shard = {1, 4};
  EXPECT_NE(merge_error(files).find("split the run differently"), std::string::npos);

  files = s.files;
  files.push_back(files[1]);
  files.back().name = "copy.json";
  EXPECT_EQ(merge_error(files),
            "copy.json and shard1.json are both shard 1 of 3 of run run-1: a shard given twice "
            "would count twice");

  files = s.files;
  files.erase(files.begin() + 1);
  EXPECT_EQ(merge_error(files),
            "shard 1 of 3 of run run-1 missing (1 of 3): a merge needs every shard's result");

  // A merged result is not a shard.
  const LoadResult merged = merge_ok(s.files);
  EXPECT_NE(merge_error({{"merged.json", merged}}).find("it is a merged result"),
            std::string::npos);
}

TEST(MergeShards, ShardFieldsRoundTripThroughJson) {
  LoadResult r;
  r.shard = info(2, 5, "r-9");
  r.started_unix_us = kBaseUnixUs;
  r.merged_shards.push_back({1, StopReason::interrupted, "Ctrl-C", 12, 3.5, 130});
  const ShardFile back = through_json(r, "x");
  EXPECT_EQ(back.result.shard, r.shard);
  EXPECT_EQ(back.result.started_unix_us, kBaseUnixUs);
  EXPECT_EQ(back.result.merged_shards, r.merged_shards);
  // A file from before sharding has neither.
  auto j = reports::load_to_json(LoadResult{});
  j.erase("shard");
  j.erase("started_unix_us");
  j.erase("merged_shards");
  std::string error;
  const auto old = reports::load_from_json(j, error);
  ASSERT_TRUE(old) << error;
  EXPECT_FALSE(old->shard);
  // A corrupt shard object is named.
  j = reports::load_to_json(r);
  j["shard"]["index"] = 7;
  EXPECT_FALSE(reports::load_from_json(j, error));
  EXPECT_NE(error.find("$.load.shard: expected 0 <= index < count"), std::string::npos) << error;
}

}  // namespace
}  // namespace agentwork::load
