// The mock's task table (mock_server/task_table.hpp): which texts are task ids, and lookups in a
// table of many tasks checked against a std::unordered_map of the same ids (the structure it
// replaced), before and after the table grows and after it is cleared.
#include "mock_server/task_table.hpp"

#include <gtest/gtest.h>

#include <random>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "mock_server/ids.hpp"

namespace agentwork::mock {
namespace {

Task task_with_id(std::string id, std::uint32_t ordinal = 0) {
  Task t;
  t.id = std::move(id);
  t.ordinal = ordinal;
  return t;
}

TEST(TaskKey, ReadsOnlyCanonicalLowerCaseUuids) {
  const auto key = task_key("0123abcd-4567-89ef-0123-456789abcdef");
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->hi, 0x0123abcd456789efull);
  EXPECT_EQ(key->lo, 0x0123456789abcdefull);
  for (const char* bad : {
           "0123ABCD-4567-89ef-0123-456789abcdef",    // upper case
           "0123abcd-4567-89ef-0123-456789abcde",     // 35 characters
           "0123abcd-4567-89ef-0123-456789abcdef0",   // 37
           "0123abcd04567-89ef-0123-456789abcdef",    // no dash where one belongs
           "0123abcd-4567-89ef-0123-456789abcdeg",    // not hex
           "{123abcd-4567-89ef-0123-456789abcde}",    // braces
           "0123abcd-4567-89ef-0123-456789abcd-f",    // a dash where a digit belongs
           "",
       }) {
    EXPECT_FALSE(task_key(bad).has_value()) << bad;
  }
}

TEST(TaskKey, EveryIdTheMockGivesOutIsCanonical) {
  for (int i = 0; i < 1000; ++i) {
    const auto id = new_uuid();
    ASSERT_TRUE(task_key(id).has_value()) << id;
  }
}

TEST(TaskTable, FindsWhatAStringMapFindsAcrossGrowthAndClear) {
  TaskTable table;
  std::unordered_map<std::string, Task*> reference;
  std::vector<std::string> ids;
  for (std::uint32_t i = 0; i < 50'000; ++i) {
    auto id = new_uuid();
    Task& stored = table.insert(*task_key(id), task_with_id(id, i));
    reference.emplace(id, &stored);
    ids.push_back(id);
  }
  EXPECT_EQ(table.size(), 50'000u);
  // Pointers taken while the table grew still name the same tasks.
  for (const auto& id : ids) {
    Task* found = table.find(*task_key(id));
    ASSERT_EQ(found, reference.at(id)) << id;
    ASSERT_EQ(found->id, id);
  }
  // Ids not in it: fresh ones, and stored ones with one digit changed.
  std::mt19937 rng(7);
  for (int i = 0; i < 20'000; ++i) {
    auto id = i % 2 ? new_uuid() : ids[rng() % ids.size()];
    if (i % 2 == 0) {
      auto& c = id[rng() % 8];  // in the first group: always a hex digit
      c = c == 'a' ? 'b' : 'a';
    }
    const bool present = reference.contains(id);
    ASSERT_EQ(table.find(*task_key(id)) != nullptr, present) << id;
  }
  std::uint32_t expected = 0;
  table.for_each([&](Task& t) { EXPECT_EQ(t.ordinal, expected++); });
  EXPECT_EQ(expected, 50'000u);

  table.clear();
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.find(*task_key(ids[0])), nullptr);
  Task& again = table.insert(*task_key(ids[0]), task_with_id(ids[0], 9));
  EXPECT_EQ(table.find(*task_key(ids[0])), &again);
}

TEST(TaskTable, RefusesADuplicateOrAKeyThatIsNotTheTasksId) {
  TaskTable table;
  const auto id = new_uuid();
  table.insert(*task_key(id), task_with_id(id));
  EXPECT_THROW(table.insert(*task_key(id), task_with_id(id)), std::logic_error);
  const auto other = new_uuid();
  EXPECT_THROW(table.insert(*task_key(other), task_with_id(id)), std::logic_error);
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(table.find(TaskKey{}), nullptr);
}

}  // namespace
}  // namespace agentwork::mock
