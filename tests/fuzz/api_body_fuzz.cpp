// Fuzz target: one JSON body sent to one endpoint of the API or the control API (the first byte
// of the input picks which, the rest is the body), then the tasks' status, events and the list
// read back before and after the agents run on: the body readers, the agent script loader (an
// inline "mock_script", PUT /_mock/scripts), the fault rule loader (POST /_mock/faults) and the
// state machine driven by what they accepted.
// Checks: nothing throws, every answer passes check_answer, a task created by the body can be
// polled, answered and confirmed or cancelled without an internal error.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tests/fuzz/mock_world.hpp"

namespace {

struct Endpoint {
  const char* method;
  const char* target;  // with @T @M @P tokens
  bool with_key;
};

constexpr std::array<Endpoint, 14> kEndpoints{{
    {"POST", "/api/v1/auth/register", false},
    {"POST", "/api/v1/auth/api-key", false},
    {"POST", "/api/v1/tasks/", true},
    {"POST", "/api/v1/tasks/@T/message", true},
    {"POST", "/api/v1/tasks/@M/message", true},
    {"POST", "/api/v1/tasks/@P/solution-status", true},
    {"POST", "/api/v1/tasks/@P/cancel", true},
    {"PUT", "/_mock/scripts/fuzz", false},
    {"POST", "/_mock/faults", false},
    {"POST", "/_mock/clock", false},
    {"POST", "/_mock/users", false},
    {"POST", "/api/v1/tasks/@M/cancel", true},
    {"POST", "/_mock/reset", false},
    {"POST", "/api/v1/tasks/@T/solution-status", true},
}};

// Reads what a client would read about a task, checking every answer.
void read_task(agentwork::fuzz::MockWorld& w, const std::string& id) {
  for (const char* suffix : {"", "/events", "/result"}) {
    agentwork::fuzz::check_answer(w, w.call("GET", "/api/v1/tasks/" + id + suffix, ""));
  }
}

void read_everything(agentwork::fuzz::MockWorld& w, const std::string& created) {
  agentwork::fuzz::check_answer(w, w.call("GET", "/api/v1/tasks/", ""));
  const std::array<const std::string*, 4> ids{&w.asking_task, &w.message_task, &w.proposal_task,
                                              &created};
  for (const auto* id : ids) {
    if (!id->empty()) read_task(w, *id);
  }
  agentwork::fuzz::check_answer(w, w.call("GET", "/_mock/tasks", "", false));
}

// Drives a task the body created through whatever its script does: replies, a rejection, a
// confirmation, a cancel, with the clock run on between them.
void drive(agentwork::fuzz::MockWorld& w, const std::string& id) {
  const std::string base = "/api/v1/tasks/" + id;
  const std::array<std::pair<const char*, const char*>, 5> moves{{
      {"/message", R"({"message":"go on"})"},
      {"/message", R"({"answers":[{"question_index":0,"selected":"A"}]})"},
      {"/solution-status", R"({"status":"REJECTED","rejection_reason":"again"})"},
      {"/solution-status", R"({"status":"CONFIRMED"})"},
      {"/cancel", ""},
  }};
  for (const auto& [suffix, body] : moves) {
    agentwork::fuzz::check_answer(w, w.call("POST", "/_mock/clock",
                                            R"({"action":"advance","seconds":3600})", false));
    agentwork::fuzz::check_answer(w, w.call("POST", base + suffix, body));
    read_task(w, id);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto w = agentwork::fuzz::make_world();
  const Endpoint& e = kEndpoints[data[0] % kEndpoints.size()];
  const std::string body =
      w.substitute(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  const auto answer = w.call(e.method, w.substitute(e.target), body, e.with_key);
  agentwork::fuzz::check_answer(w, answer);

  std::string created;
  if (std::string_view(e.target) == "/api/v1/tasks/" && answer.status == 201) {
    const auto j = nlohmann::json::parse(answer.body, nullptr, false);
    if (!j.is_object() || !j.contains("task_id") || !j["task_id"].is_string()) {
      agentwork::fuzz::fail("201 without a task_id", answer.body);
    }
    created = j["task_id"].get<std::string>();
  }
  read_everything(w, created);
  if (!created.empty()) drive(w, created);
  agentwork::fuzz::check_answer(w, w.call("POST", "/_mock/clock",
                                          R"({"action":"advance","seconds":86400})", false));
  read_everything(w, created);
  return 0;
}
