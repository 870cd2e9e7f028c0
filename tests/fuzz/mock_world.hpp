// What the mock's fuzz targets share: a fresh App per input (so that an input replays alone),
// with an account and three tasks waiting on the client in different ways, and the checks every
// answer must pass whatever the request was. A failed check aborts: libFuzzer reports the input.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/json_depth.hpp"
#include "mock_server/app.hpp"

namespace agentwork::fuzz {

[[noreturn]] inline void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz check failed: %s: %.*s\n", what,
               static_cast<int>(std::min<std::size_t>(detail.size(), 2000)), detail.data());
  std::abort();
}

struct MockWorld {
  std::unique_ptr<mock::App> app;
  std::string key;           // a registered user's API key
  std::string asking_task;   // awaiting_reply with clarifying questions (text, single, multi)
  std::string message_task;  // awaiting_reply with a TO_CUSTOMER message
  std::string proposal_task; // awaiting_solution_approval, with files

  mock::HttpResponse call(const std::string& method, const std::string& target,
                          const std::string& body, bool with_key = true) {
    mock::HttpRequest request;
    request.method = method;
    request.target = target;
    request.body = body;
    request.host = "mock.test";
    request.content_type = "application/json";
    if (with_key) request.authorization = "Bearer " + key;
    return app->handle(request);
  }

  // "@K" -> the key, "@T" -> the asking task, "@M" -> the message task, "@P" -> the proposal
  // task: lets an input name what exists only at run time.
  std::string substitute(std::string_view input) const {
    std::string out;
    out.reserve(input.size());
    for (std::size_t i = 0; i < input.size(); ++i) {
      if (input[i] == '@' && i + 1 < input.size()) {
        const char c = input[i + 1];
        const std::string* with = c == 'K'   ? &key
                                  : c == 'T' ? &asking_task
                                  : c == 'M' ? &message_task
                                  : c == 'P' ? &proposal_task
                                             : nullptr;
        if (with != nullptr) {
          out += *with;
          ++i;
          continue;
        }
      }
      out += input[i];
    }
    return out;
  }
};

inline std::string task_id_of(const mock::HttpResponse& r) {
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status != 201 || !j.is_object() || !j.contains("task_id")) fail("world: create", r.body);
  return j["task_id"].get<std::string>();
}

inline MockWorld make_world() {
  mock::MockConfig config;
  config.start_frozen = true;
  config.control_api = true;
  MockWorld w;
  w.app = std::make_unique<mock::App>(std::move(config));
  const auto reg = w.call("POST", "/api/v1/auth/register",
                          R"({"email":"fuzz@example.com","name":"Fuzz"})", false);
  const auto j = nlohmann::json::parse(reg.body, nullptr, false);
  if (reg.status != 201 || !j.is_object() || !j.contains("api_key")) fail("world: register", reg.body);
  w.key = j["api_key"].get<std::string>();
  w.asking_task = task_id_of(w.call("POST", "/api/v1/tasks/", R"({"title":"a","description":"d",
      "mock_script":{"steps":[{"do":"ask","questions":[{"type":"text","question":"Why?"},
      {"type":"single_select","question":"Which?","options":["A","B"]},
      {"type":"multi_select","question":"What?","options":["X","Y","Z"]}]},
      {"do":"propose","content":"P"}]}})"));
  w.message_task = task_id_of(w.call("POST", "/api/v1/tasks/", R"({"title":"m","description":"d",
      "mock_script":{"steps":[{"do":"message","content":"Q?"},{"do":"propose","content":"P"}]}})"));
  w.proposal_task = task_id_of(w.call("POST", "/api/v1/tasks/", R"({"title":"p","description":"d",
      "mock_script":{"steps":[{"do":"propose","content":"P","result_text":"R",
      "files":[{"name":"out.txt","content":"OUT"}]}]}})"));
  return w;
}

// Every answer of the mock, whatever was asked: a status the socket layer can send, no internal
// error (an exception the App did not turn into a 4xx), and JSON where it says JSON - unless a
// fault rule the input installed answers for the App.
inline void check_answer(const MockWorld& w, const mock::HttpResponse& r) {
  if (r.status < 100 || r.status > 599) fail("status out of range", std::to_string(r.status));
  if (!w.app->faults().empty()) return;
  if (r.status == 500) fail("500 from the App", r.body);
  if (r.content_type == "application/json" && !r.body.empty() &&
      !nlohmann::json::accept(r.body)) {
    fail("a JSON answer that does not parse", r.body);
  }
}

}  // namespace agentwork::fuzz
