// Sharded runs: the shard flags' parsing, the exact split of a profile's budgets, the strides
// that partition the clients and arrivals whatever each shard's worker count, the lanes'
// seeds, and --start-at.
#include "harness/load/shard.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace agentwork::load {
namespace {

Shard shard_ok(std::string_view text) {
  auto parsed = parse_shard(text);
  if (const auto* e = std::get_if<std::string>(&parsed)) {
    ADD_FAILURE() << text << ": " << *e;
    return {};
  }
  return std::get<Shard>(parsed);
}

std::string shard_error(std::string_view text) {
  auto parsed = parse_shard(text);
  if (std::holds_alternative<Shard>(parsed)) {
    ADD_FAILURE() << text << " parsed";
    return {};
  }
  return std::get<std::string>(parsed);
}

TEST(ParseShard, IndexFromZeroBelowCount) {
  EXPECT_EQ(shard_ok("0/1"), (Shard{0, 1}));
  EXPECT_EQ(shard_ok("3/4"), (Shard{3, 4}));
  EXPECT_EQ(shard_ok("9999/10000"), (Shard{9999, 10000}));
  EXPECT_FALSE(shard_ok("0/1").sharded());
  EXPECT_TRUE(shard_ok("0/2").sharded());
}

TEST(ParseShard, ErrorsNameWhatIsWrong) {
  EXPECT_NE(shard_error("3").find("expected I/N"), std::string::npos);
  EXPECT_NE(shard_error("4/4").find("not below the shard count 4 (indexes start at 0)"),
            std::string::npos);
  EXPECT_NE(shard_error("0/0").find("count must be an integer from 1 to 10000"),
            std::string::npos);
  EXPECT_NE(shard_error("0/10001").find("got \"10001\""), std::string::npos);
  EXPECT_NE(shard_error("-1/4").find("index must be an integer from 0 to 3"), std::string::npos);
  EXPECT_NE(shard_error("a/4").find("got \"a\""), std::string::npos);
  EXPECT_NE(shard_error("1/4x").find("got \"4x\""), std::string::npos);
  EXPECT_NE(shard_error("/4").find("got \"\""), std::string::npos);
}

TEST(ParseShard, FromKubernetesIndex) {
  EXPECT_EQ(std::get<Shard>(shard_from_index("2", 3)), (Shard{2, 3}));
  EXPECT_TRUE(std::holds_alternative<std::string>(shard_from_index("3", 3)));
  EXPECT_TRUE(std::holds_alternative<std::string>(shard_from_index("", 3)));
  EXPECT_TRUE(std::holds_alternative<std::string>(shard_from_index(" 1", 3)));
  EXPECT_TRUE(std::holds_alternative<std::string>(shard_from_index("1", 0)));
}

TEST(SplitCount, PartsAddUpAndDifferByOneAtMost) {
  for (std::int64_t total : {0, 1, 2, 3, 7, 10, 99, 100, 101, 1'000'003}) {
    for (int count : {1, 2, 3, 4, 7, 16}) {
      std::int64_t sum = 0, lo = INT64_MAX, hi = 0;
      for (int i = 0; i < count; ++i) {
        const auto part = split_count(total, i, count);
        sum += part;
        lo = std::min(lo, part);
        hi = std::max(hi, part);
        // The remainder goes to the first shards.
        if (i > 0) {
          EXPECT_LE(part, split_count(total, i - 1, count));
        }
      }
      EXPECT_EQ(sum, total) << total << " over " << count;
      EXPECT_LE(hi - lo, 1) << total << " over " << count;
    }
  }
  EXPECT_EQ(split_count(10, 0, 4), 3);
  EXPECT_EQ(split_count(10, 1, 4), 3);
  EXPECT_EQ(split_count(10, 2, 4), 2);
  EXPECT_EQ(split_count(10, 3, 4), 2);
}

LoadProfile open_profile() {
  LoadProfile p;
  OpenExecutor open;
  open.rate = 40;
  open.max_in_flight = 1001;
  p.executor = open;
  p.max_tasks = 10;
  p.rate_cap = 300;
  p.circuit_breaker.min_requests = 100;
  return p;
}

TEST(ShardProfile, BudgetsSplitExactlyScheduleUntouched) {
  const LoadProfile whole = open_profile();
  for (int count : {1, 3, 4, 16}) {
    std::int64_t tasks = 0, in_flight = 0, min_requests = 0;
    double cap = 0;
    for (int i = 0; i < count; ++i) {
      const LoadProfile p = shard_profile(whole, {i, count});
      tasks += *p.max_tasks;
      in_flight += std::get<OpenExecutor>(p.executor).max_in_flight;
      min_requests += p.circuit_breaker.min_requests;
      cap += *p.rate_cap;
      // The schedule is the engine's to stride, not divided here.
      EXPECT_EQ(std::get<OpenExecutor>(p.executor).rate, 40);
      EXPECT_EQ(p.duration_s, whole.duration_s);
    }
    EXPECT_EQ(tasks, 10) << count;
    EXPECT_EQ(in_flight, 1001) << count;
    EXPECT_EQ(min_requests, 100) << count;
    EXPECT_NEAR(cap, 300, 1e-9) << count;
  }
  // 16 shards, 10 tasks: the last 6 shards create none.
  EXPECT_EQ(*shard_profile(whole, {9, 16}).max_tasks, 1);
  EXPECT_EQ(*shard_profile(whole, {10, 16}).max_tasks, 0);
  // min_requests stays at least 1 (the profile's minimum).
  LoadProfile few = whole;
  few.circuit_breaker.min_requests = 2;
  EXPECT_EQ(shard_profile(few, {3, 4}).circuit_breaker.min_requests, 1);
}

TEST(ItemStride, ShardsAndWorkersPartitionEveryItem) {
  // Shards with different worker counts still take every item exactly once.
  for (int count : {1, 2, 3, 5}) {
    std::vector<int> taken(1000, 0);
    for (int i = 0; i < count; ++i) {
      const int workers = 1 + (i * 7) % 4;
      for (int w = 0; w < workers; ++w) {
        const ItemStride s = item_stride({i, count}, w, workers);
        for (std::int64_t k = s.first; k < 1000; k += s.step) ++taken[static_cast<std::size_t>(k)];
      }
    }
    for (std::size_t k = 0; k < taken.size(); ++k) ASSERT_EQ(taken[k], 1) << k << " of " << count;
  }
  // Unsharded: worker w of W takes w, w + W, ... as it always did.
  const ItemStride s = item_stride({0, 1}, 2, 3);
  EXPECT_EQ(s.first, 2);
  EXPECT_EQ(s.step, 3);
}

TEST(LaneIndex, DistinctPerShardAndWorker) {
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 6; ++i) {
    for (int w = 0; w < 5; ++w) EXPECT_TRUE(seen.insert(lane_index({i, 6}, w)).second);
  }
  EXPECT_EQ(lane_index({0, 1}, 3), 3u);
}

TEST(StartAt, UtcUnixAndRelative) {
  const auto at = [](std::string_view t, std::int64_t now = 0) {
    auto parsed = parse_start_at(t, now);
    if (const auto* e = std::get_if<std::string>(&parsed)) {
      ADD_FAILURE() << t << ": " << *e;
      return std::int64_t{-1};
    }
    return std::get<std::int64_t>(parsed);
  };
  // Reference values: Python's calendar.timegm.
  EXPECT_EQ(at("2026-12-06T05:00:00Z"), 1'796'533'200'000'000);
  EXPECT_EQ(at("2000-02-29T23:59:59Z"), 951'868'799'000'000);
  EXPECT_EQ(at("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(at("2026-12-06T05:00:00.25Z"), 1'796'533'200'250'000);
  EXPECT_EQ(at("2026-12-06T05:00:00+00:00"), 1'796'533'200'000'000);
  EXPECT_EQ(at("@1796533200"), 1'796'533'200'000'000);
  EXPECT_EQ(at("+30", 5'000'000), 35'000'000);
  for (const char* bad : {"", "2026-12-06 05:00:00Z", "2026-12-06T05:00:00", "2026-13-06T05:00:00Z",
                          "2026-12-06T05:00:00+01:00", "2026-12-06T05:00:00.Z", "@-5", "+", "+1e3",
                          "tomorrow"}) {
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_start_at(bad, 0))) << bad;
  }
}

TEST(OverrideFlags, OnlyWhatIsSetWorkersLeftOut) {
  ProfileOverrides o;
  EXPECT_TRUE(override_flags(o).empty());
  o.clients = 100;
  o.duration_s = 2.5;
  o.workers = 4;
  o.thresholds = {"errors.rate < 1%"};
  o.abort_on_fail = true;
  EXPECT_EQ(override_flags(o), (std::vector<std::string>{"--clients=100", "--duration=2.5",
                                                         "--threshold=errors.rate < 1%",
                                                         "--abort-on-fail"}));
}

}  // namespace
}  // namespace agentwork::load
