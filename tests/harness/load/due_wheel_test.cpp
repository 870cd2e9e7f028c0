// The load engine's due-queue (harness/load/due_wheel.hpp): exact firing times at tick
// boundaries, items due in the past, the overflow beyond the wheel, and a seeded random run
// against a plain reference model (a list of items with their firing tick).
#include "harness/load/due_wheel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <stdexcept>
#include <vector>

namespace agentwork::load {
namespace {

struct Item {
  int id = 0;
};

std::vector<int> ids(const std::vector<Item*>& items) {
  std::vector<int> out;
  for (const Item* i : items) out.push_back(i->id);
  return out;
}

TEST(DueWheel, FiresAtTheFirstTickBoundaryNotBeforeTheDueTime) {
  DueWheel<Item> wheel(1000, 16, 0);
  Item a{1}, b{2}, c{3};
  wheel.push(1500, &a);  // fires at 2000
  wheel.push(2000, &b);  // exactly on a boundary: 2000
  wheel.push(2001, &c);  // 3000
  EXPECT_EQ(wheel.size(), 3u);
  EXPECT_EQ(wheel.next_due(), 2000);
  std::vector<Item*> out;
  wheel.take_due(1999, out);
  EXPECT_TRUE(out.empty());
  wheel.take_due(2000, out);
  EXPECT_EQ(ids(out), (std::vector<int>{1, 2}));
  EXPECT_EQ(wheel.next_due(), 3000);
  out.clear();
  wheel.take_due(2999, out);
  EXPECT_TRUE(out.empty());
  wheel.take_due(5000, out);
  EXPECT_EQ(ids(out), (std::vector<int>{3}));
  EXPECT_TRUE(wheel.empty());
  EXPECT_EQ(wheel.next_due(), DueWheel<Item>::kNever);
}

TEST(DueWheel, AnItemDueBeforeTheSweepFiresAtTheNextTick) {
  DueWheel<Item> wheel(1000, 16, 10'500);  // the sweep starts at tick 10
  Item a{1};
  EXPECT_EQ(wheel.fire_time(500), 10'000);
  wheel.push(500, &a);
  EXPECT_EQ(wheel.next_due(), 10'000);
  std::vector<Item*> out;
  wheel.take_due(10'000, out);
  ASSERT_EQ(ids(out), (std::vector<int>{1}));
  // Swept past 10: a new item due at 10'000 now fires at the next tick.
  Item b{2};
  EXPECT_EQ(wheel.fire_time(10'000), 11'000);
  wheel.push(10'000, &b);
  out.clear();
  wheel.take_due(10'999, out);
  EXPECT_TRUE(out.empty());
  wheel.take_due(11'000, out);
  EXPECT_EQ(ids(out), (std::vector<int>{2}));
}

TEST(DueWheel, ItemsBeyondTheWheelWaitInTheOverflowAndFireOnTime) {
  DueWheel<Item> wheel(10, 4, 0);  // 4 slots of 10 us: 40 us ahead at most
  EXPECT_EQ(wheel.slots(), 4u);
  Item near{1}, far{2}, farther{3};
  wheel.push(20, &near);
  wheel.push(1000, &far);
  wheel.push(100'000, &farther);
  EXPECT_EQ(wheel.next_due(), 20);
  std::vector<Item*> out;
  wheel.take_due(25, out);
  EXPECT_EQ(ids(out), (std::vector<int>{1}));
  EXPECT_EQ(wheel.next_due(), 1000);
  out.clear();
  for (std::int64_t t = 30; t < 1000; t += 10) {  // the sweep nears it: onto the wheel
    wheel.take_due(t, out);
    ASSERT_TRUE(out.empty()) << t;
  }
  wheel.take_due(1000, out);
  EXPECT_EQ(ids(out), (std::vector<int>{2}));
  out.clear();
  wheel.take_due(1'000'000, out);  // a jump over the whole wheel: straight from the overflow
  EXPECT_EQ(ids(out), (std::vector<int>{3}));
  EXPECT_TRUE(wheel.empty());
}

TEST(DueWheel, TakeEarliestEmptiesItInDueOrder) {
  DueWheel<Item> wheel(100, 8, 0);
  std::vector<Item> items(6);
  const std::int64_t due[] = {5000, 150, 99'000, 720, 150, 3};
  for (int i = 0; i < 6; ++i) {
    items[i].id = i;
    wheel.push(due[i], &items[i]);
  }
  std::vector<std::int64_t> fired;
  while (Item* item = wheel.take_earliest()) fired.push_back(wheel.fire_time(due[item->id]));
  EXPECT_EQ(fired.size(), 6u);
  EXPECT_TRUE(std::is_sorted(fired.begin(), fired.end()));
  EXPECT_TRUE(wheel.empty());
  EXPECT_EQ(wheel.take_earliest(), nullptr);
}

TEST(DueWheel, RejectsANonPositiveTick) {
  EXPECT_THROW(DueWheel<Item>(0, 16, 0), std::invalid_argument);
  EXPECT_THROW(DueWheel<Item>(-5, 16, 0), std::invalid_argument);
}

// Random pushes (due in the past, on the wheel and far beyond it) and takes (small steps and
// jumps over the whole wheel), checked after every step against a model that knows only the
// rule: an item fires at max(ceil(due / tick), first unswept tick) * tick.
TEST(DueWheel, AgreesWithAReferenceModelOnSeededRandomRuns) {
  for (const std::uint64_t seed : {1u, 2u, 3u, 4u, 5u}) {
    std::mt19937_64 rng(seed);
    const std::int64_t tick = 1 + static_cast<std::int64_t>(rng() % 1000);
    const std::size_t slots = std::size_t{1} << (1 + rng() % 8);
    std::int64_t now = static_cast<std::int64_t>(rng() % 1'000'000);
    DueWheel<Item> wheel(tick, slots, now);
    std::int64_t model_cursor = now >= 0 ? now / tick : 0;
    std::map<int, std::int64_t> model;  // id -> firing tick
    std::vector<Item> items(4000);
    int next = 0;
    std::vector<Item*> out;
    const auto horizon = tick * static_cast<std::int64_t>(slots);
    for (int step = 0; step < 20'000; ++step) {
      const auto op = rng() % 10;
      if (op < 6 && next < static_cast<int>(items.size())) {
        const std::int64_t due =
            now - 2 * tick + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(3 * horizon + 5 * tick));
        Item* item = &items[next];
        item->id = next++;
        wheel.push(due, item);
        const std::int64_t k = std::max((due + tick - 1) / tick, model_cursor);
        model[item->id] = k;
      } else if (op < 9) {
        now += (rng() % 20 == 0) ? 2 * horizon : static_cast<std::int64_t>(rng() % (2 * tick + 1));
        out.clear();
        wheel.take_due(now, out);
        const std::int64_t last = now / tick;
        std::vector<int> expected;
        for (const auto& [id, k] : model) {
          if (k <= last) expected.push_back(id);
        }
        std::vector<std::int64_t> ticks;
        for (const Item* i : out) ticks.push_back(model.at(i->id));
        ASSERT_TRUE(std::is_sorted(ticks.begin(), ticks.end())) << "seed " << seed;
        auto got = ids(out);
        std::sort(got.begin(), got.end());
        ASSERT_EQ(got, expected) << "seed " << seed << " step " << step;
        for (const int id : expected) model.erase(id);
        model_cursor = std::max(model_cursor, last + 1);
      } else if (!model.empty()) {
        Item* item = wheel.take_earliest();
        ASSERT_NE(item, nullptr);
        std::int64_t min_k = INT64_MAX;
        for (const auto& [id, k] : model) min_k = std::min(min_k, k);
        ASSERT_EQ(model.at(item->id), min_k) << "seed " << seed;
        model.erase(item->id);
      }
      ASSERT_EQ(wheel.size(), model.size());
      std::int64_t min_k = DueWheel<Item>::kNever;
      for (const auto& [id, k] : model) min_k = std::min(min_k, k);
      ASSERT_EQ(wheel.next_due(), min_k == DueWheel<Item>::kNever ? min_k : min_k * tick)
          << "seed " << seed << " step " << step;
    }
  }
}

}  // namespace
}  // namespace agentwork::load
