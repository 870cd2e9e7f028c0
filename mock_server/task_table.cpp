#include "mock_server/task_table.hpp"

#include <stdexcept>

namespace agentwork::mock {

std::optional<TaskKey> task_key(std::string_view id) {
  if (id.size() != 36) return std::nullopt;
  TaskKey key;
  int digits = 0;
  for (std::size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return std::nullopt;
      continue;
    }
    std::uint64_t v;
    if (c >= '0' && c <= '9') {
      v = static_cast<std::uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v = static_cast<std::uint64_t>(c - 'a' + 10);
    } else {
      return std::nullopt;
    }
    std::uint64_t& half = digits < 16 ? key.hi : key.lo;
    half = (half << 4) | v;
    ++digits;
  }
  return key;
}

std::size_t TaskTable::home(const TaskKey& key) const {
  // The id's bits are random (version 4) except for a few fixed ones; one multiply spreads them.
  const std::uint64_t h = (key.hi ^ (key.lo * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull;
  return static_cast<std::size_t>(h >> 17) & (slots_.size() - 1);
}

Task* TaskTable::find(const TaskKey& key) const {
  if (slots_.empty()) return nullptr;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = home(key);; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.task == nullptr) return nullptr;
    if (slot.key == key) return slot.task;
  }
}

Task& TaskTable::insert(const TaskKey& key, Task task) {
  if (task_key(task.id) != key) throw std::logic_error("TaskTable: key does not match the id");
  if ((tasks_.size() + 1) * 2 > slots_.size()) grow();
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = home(key);
  for (; slots_[i].task != nullptr; i = (i + 1) & mask) {
    if (slots_[i].key == key) throw std::logic_error("TaskTable: duplicate task id");
  }
  tasks_.push_back(std::make_unique<Task>(std::move(task)));
  slots_[i] = Slot{key, tasks_.back().get()};
  return *tasks_.back();
}

void TaskTable::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 16 : old.size() * 2, Slot{});
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.task == nullptr) continue;
    std::size_t i = home(slot.key);
    while (slots_[i].task != nullptr) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

void TaskTable::clear() {
  slots_.clear();
  slots_.shrink_to_fit();
  tasks_.clear();
  tasks_.shrink_to_fit();
}

}  // namespace agentwork::mock
