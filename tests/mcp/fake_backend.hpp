// A Backend for session tests: records every request and answers with a canned outcome
// (201 {} unless the test queued others). No sockets.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp/session.hpp"

namespace agentwork::mcp_server::testing {

using nlohmann::json;

// An HTTP answer of the API.
inline RestOutcome http(int status, std::string body) {
  RestOutcome o;
  o.status = status;
  o.body = std::move(body);
  return o;
}

class FakeBackend : public Backend {
 public:
  RestOutcome send(const RestRequest& request) override {
    requests.push_back(request);
    if (outcomes.empty()) return http(200, R"({"task_id":"t-1","status":"processing"})");
    RestOutcome next = outcomes.front();
    outcomes.pop_front();
    return next;
  }
  void answer(int status, const json& body) { outcomes.push_back(http(status, body.dump())); }

  std::vector<RestRequest> requests;
  std::deque<RestOutcome> outcomes;
};

inline std::string request_line(int id, const std::string& method, const json& params = nullptr) {
  json m = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null()) m["params"] = params;
  return m.dump();
}

inline std::string call_line(int id, const std::string& tool, const json& arguments) {
  return request_line(id, "tools/call", {{"name", tool}, {"arguments", arguments}});
}

inline std::string initialize_line(int id = 0, const std::string& version = "2025-06-18") {
  return request_line(id, "initialize",
                      {{"protocolVersion", version},
                       {"capabilities", json::object()},
                       {"clientInfo", {{"name", "test"}, {"version", "1"}}}});
}

}  // namespace agentwork::mcp_server::testing
