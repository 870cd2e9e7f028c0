// Fault injection: rules that match requests by method and route and, with a probability and
// up to a count, add latency, answer with an error status (429/503 with Retry-After), drop the
// connection or truncate the body. Loaded from a flag file or set through the control API.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "mock_server/http_types.hpp"
#include "mock_server/ids.hpp"

namespace agentwork::mock {

struct FaultRule {
  enum class Action { latency, status, drop, truncate };
  int id = 0;                // assigned when added
  std::string method;        // empty: any method
  std::string route;         // a route template ("/api/v1/tasks/{id}") or empty: any API route
  double probability = 1.0;  // chance that a matching request is hit
  long long count = -1;      // how many hits at most; -1: no limit
  long long skip = 0;        // let this many matching requests through first
  Action action = Action::status;
  std::chrono::milliseconds latency{0};  // latency: added before the answer
  int status = 500;                      // status: the status to answer with
  int retry_after = -1;                  // status: Retry-After seconds (-1: no header)
  std::string body;                      // status: body (default {"detail": "injected fault"})

  long long matched = 0;  // matching requests seen
  long long hits = 0;     // times it fired
};

// Parses one rule; on error returns nullopt and `error` names the JSON path.
std::optional<FaultRule> parse_fault_rule(const nlohmann::json& j, const std::string& path,
                                          std::string& error);
nlohmann::json to_json(const FaultRule& rule);

// What a request got from the fault rules.
struct FaultDecision {
  std::chrono::milliseconds latency{0};
  std::optional<HttpResponse> respond;        // answer with this instead of handling the request
  FaultAction transport = FaultAction::none;  // drop (instead of handling) or truncate
};

class FaultSet {
 public:
  explicit FaultSet(std::uint64_t seed);

  int add(FaultRule rule);  // returns the rule's id
  bool remove(int id);
  void clear();
  std::vector<FaultRule> rules() const;
  bool empty() const { return empty_.load(std::memory_order_relaxed); }

  // Rules are tried in order: latencies add up; the first rule that answers, drops or
  // truncates ends the search.
  FaultDecision decide(std::string_view method, std::string_view route);

 private:
  mutable std::mutex mutex_;
  std::vector<FaultRule> rules_;
  Random random_;
  int next_id_ = 1;
  std::atomic<bool> empty_{true};
};

}  // namespace agentwork::mock
