// Deliberate breaches of the contract, one per rule id (`--violate RULE_ID`, repeatable): the
// mock then answers as a faulty deployment would on that one point, so that a conformance suite
// can be proved to catch every rule. Off unless asked for; with none enabled nothing changes.
// Pure: request and response structs in, edited response out (plus a little per-task memory).
#pragma once

#include <cstdint>
#include <memory>
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
namespace breach {
struct Breach;
struct Memory;
}  // namespace breach

// Every rule id the mock can break, in catalogue order: the catalogue's REST rules
// (common/rules.hpp rest_rules(); the MCP rules are agentwork-mcp's, mcp/breaches.hpp), each of
// which has its breach (checked at compile time in violations.cpp).
std::span<const std::string_view> violatable_rules();

class Violator {
 public:
  Violator();
  ~Violator();

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

  std::set<std::string, std::less<>> on_;
  std::vector<const breach::Breach*> breaches_;  // the enabled rows, in table order
  std::mutex mutex_;
  std::unique_ptr<breach::Memory> memory_;  // guarded by mutex_
};

}  // namespace agentwork::mock
