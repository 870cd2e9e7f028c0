// The mock's tasks by id: an open-addressing table keyed by the id's 128 bits.
//
// Every status poll looks one task up among up to millions. A std::unordered_map<std::string,
// Task> took about five dependent memory reads per lookup (bucket, the node before it, the
// node's cached hash at its far end, the key's heap text, then the task), each a likely cache
// and TLB miss once the tasks outgrow the caches. Here a lookup reads one 24-byte slot (the
// key is the id's 32 hex digits as two integers, compared in place) and then the task.
//
// Ids are the mock's own canonical lower-case UUIDs (new_uuid); text that is not one (upper
// case, braces, any other length) names no task, as with the exact string comparison before.
// Tasks are never removed one by one (only all at once, by clear()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "mock_server/task.hpp"

namespace agentwork::mock {

struct TaskKey {
  std::uint64_t hi = 0, lo = 0;
  friend bool operator==(const TaskKey&, const TaskKey&) = default;
};

// The key of a canonical lower-case UUID (8-4-4-4-12 hex digits), else nullopt.
std::optional<TaskKey> task_key(std::string_view id);

class TaskTable {
 public:
  // nullptr when no task has this id.
  Task* find(const TaskKey& key) const;
  // Adds a task whose id is canonical and new (throws std::logic_error otherwise); returns it.
  Task& insert(const TaskKey& key, Task task);
  std::size_t size() const { return tasks_.size(); }
  void clear();
  // Every task, in insertion order.
  template <class F>
  void for_each(F&& f) {
    for (auto& task : tasks_) f(*task);
  }

 private:
  struct Slot {
    TaskKey key;
    Task* task = nullptr;  // null: empty
  };
  std::size_t home(const TaskKey& key) const;
  void grow();

  std::vector<Slot> slots_;  // a power of two long; at most half full
  std::vector<std::unique_ptr<Task>> tasks_;
};

}  // namespace agentwork::mock
