// The mock Agentwork application: routes a plain HttpRequest to the endpoint of
// spec/CONTRACT.md (or the /_mock/ control API) and returns a plain HttpResponse. No sockets
// here, so every rule can be tested and benchmarked by calling handle() directly.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "mock_server/clock.hpp"
#include "mock_server/faults.hpp"
#include "mock_server/http_types.hpp"
#include "mock_server/store.hpp"
#include "mock_server/violations.hpp"

namespace agentwork::mock {

struct MockConfig {
  std::uint64_t seed = 1;                    // seeds the seeded agents and fault probabilities
  double time_scale = 1.0;                   // multiplies every agent duration
  bool control_api = false;                  // answer /_mock/ (404 otherwise)
  bool start_frozen = false;                 // start with the virtual clock frozen
  CreditOptions credits;                     // off by default
  StoreLimits limits;                        // tasks per organization, bytes of task data
  std::vector<PasswordUser> users;           // accounts for POST /auth/api-key
  std::vector<FaultRule> faults;             // active from the start
  ScriptPtr default_script;                  // for tasks created without one (null: seeded agent)
  std::map<std::string, ScriptPtr> scripts;  // named scripts tasks can ask for
  std::string public_base_url;               // for download_url; empty: scheme + Host header
  // Rule ids to break on purpose (violations.hpp); the App throws std::invalid_argument for an
  // id the mock cannot break.
  std::vector<std::string> violations;
  // Behave as a real deployment: no control API (whatever control_api says), no scripts (an
  // inline "mock_script" is ignored as an unknown field; default_script and scripts are unused)
  // and a seeded fleet agent for every task (fleet_agent_script).
  bool deployment_like = false;
  double stall_rate = 0.0;  // deployment-like: probability in [0, 1] that an agent stalls for good
};

// The routes the mock knows, for call counting and fault matching.
enum class Route : std::uint8_t {
  register_user,
  api_key,
  tasks,
  task,
  message,
  solution_status,
  events,
  cancel,
  result,
  file,
  control,
  unknown,
};
inline constexpr std::size_t kRouteCount = 12;
const char* route_template(Route r);  // "/api/v1/tasks/{id}" ...

class App {
 public:
  // Throws std::invalid_argument for a violation id the mock cannot break or a stall_rate
  // outside [0, 1].
  explicit App(MockConfig config);

  HttpResponse handle(const HttpRequest& request);

  Clock& clock() { return clock_; }
  Store& store() { return store_; }
  FaultSet& faults() { return faults_; }
  const MockConfig& config() const { return config_; }

  // Requests answered per route, method (GET, POST, other) and status.
  std::uint64_t calls(Route route, const std::string& method, int status) const;
  nlohmann::json calls_json() const;
  void reset_calls();

 private:
  friend struct ControlApi;

  HttpResponse route_request(const HttpRequest& request, Route& route);
  HttpResponse dispatch(const HttpRequest& request, Route route, const std::string& task_id,
                        const std::string& path);
  void count(Route route, const std::string& method, int status);

  MockConfig config_;
  Clock clock_;
  Store store_;
  FaultSet faults_;
  Violator violator_;
  // [route][method: 0 GET, 1 POST, 2 other][status 0..599]
  std::unique_ptr<
      std::array<std::array<std::array<std::atomic<std::uint64_t>, 600>, 3>, kRouteCount>>
      calls_;
};

// The control API under /_mock/ (control_api.cpp).
HttpResponse handle_control(App& app, const HttpRequest& request, const std::string& path);

}  // namespace agentwork::mock
