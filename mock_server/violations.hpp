// Deliberate breaches of the contract, one per rule id (`--violate RULE_ID`, repeatable): the
// mock then answers as a faulty deployment would on that one point, so that a conformance suite
// can be proved to catch every rule. Off unless asked for; with none enabled nothing changes.
// Pure: request and response structs in, edited response out (plus a little per-task memory).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mock_server/http_types.hpp"

namespace agentwork::mock {

enum class Route : std::uint8_t;
class Store;

// Every rule id the mock can break, in catalogue order.
std::span<const std::string_view> violatable_rules();

class Violator {
 public:
  // False (nothing changed) for an id violatable_rules() does not list.
  bool enable(std::string_view rule_id);
  bool empty() const { return on_.empty(); }
  std::vector<std::string> enabled() const { return {on_.begin(), on_.end()}; }

  // Before routing: the key-prefix breach hands out keys the mock must still accept.
  void before(HttpRequest& request) const;
  // Before the application acts: the breaches that refuse a valid request answer here (so the
  // refused request changes nothing).
  std::optional<HttpResponse> refuse(const HttpRequest& request, Route route,
                                     const std::string& task_id, Store& store) const;
  // After the application answered. `store` is read for what the response alone does not say
  // (is the task stalled?); thread-safe.
  void after(const HttpRequest& request, Route route, const std::string& task_id, Store& store,
             HttpResponse& response);

 private:
  bool on(std::string_view id) const { return on_.find(id) != on_.end(); }

  // What the breaches that span several requests remember of a task.
  struct TaskMemory {
    std::string owner;        // the Authorization header that created it
    std::string last_status;  // the last status body sent before a frozen action
    bool frozen = false;      // status polls keep answering last_status
    int awaiting_reply_polls = 0;
    int completed_polls = 0;
  };

  std::set<std::string, std::less<>> on_;
  std::mutex mutex_;
  std::map<std::string, TaskMemory, std::less<>> tasks_;
  std::vector<std::pair<std::string, std::string>> created_;  // (owner, task id)
  // Tasks whose last reply sent a message with the answers: the JSON of that message.
  std::map<std::string, std::string, std::less<>> answers_with_message_;
  int descending_second_ = 59;
};

}  // namespace agentwork::mock
