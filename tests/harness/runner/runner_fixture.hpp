// Shared by the runner's integration tests: inline scenarios, a runner configuration for tests,
// the in-process mock, and a "broken mock" (the real mock application behind a generic server
// with a hook that edits its answers), to prove that each check sees what it must.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness/runner/runner.hpp"
#include "harness/runner/scenario.hpp"
#include "mock_server/app.hpp"
#include "mock_server/server.hpp"

namespace agentwork::harness {

using namespace std::chrono_literals;
using nlohmann::json;

inline Scenario scenario(const std::string& text) {
  auto parsed = parse_scenario(json::parse(text, nullptr, true, /*ignore_comments=*/true), "test");
  if (auto* e = std::get_if<LoadError>(&parsed)) {
    ADD_FAILURE() << e->to_string();
    return {};
  }
  return std::get<Scenario>(parsed);
}

inline RunnerConfig config_for(const std::string& base_url, double time_scale = 0.01) {
  RunnerConfig c;
  c.base_url = base_url;
  c.mock = true;
  c.time_scale = time_scale;
  c.run_id = "test";
  c.http.read_timeout = 2s;
  c.http.connect_timeout = 2s;
  c.http.total_timeout = 5s;
  c.http.backoff_base = 5ms;
  c.http.backoff_max = 20ms;
  c.cleanup_timeout = 5s;
  return c;
}

inline mock::MockConfig mock_config(double time_scale = 0.01) {
  mock::MockConfig m;
  m.control_api = true;
  m.time_scale = time_scale;
  m.seed = 7;
  return m;
}

// Non-terminal tasks on the mock, over every organization.
inline std::size_t open_tasks(mock::App& app) {
  const auto counts = app.store().count_by_status();
  return counts[0] + counts[1] + counts[2];
}

inline bool has_finding(const ScenarioResult& r, std::string_view rule, Severity severity) {
  for (const auto& f : r.findings) {
    if (f.rule_id == rule && f.severity == severity) return true;
  }
  return false;
}

inline std::string describe(const ScenarioResult& r) {
  std::string out = std::string(to_string(r.verdict)) + " (" + r.reason + ")";
  for (const auto& f : r.findings) {
    out += "\n  step " + std::to_string(f.step_index) + " " + f.step_kind + ": " + f.rule_id + " " +
           f.detail;
  }
  return out;
}

// --- A mock whose answers a test corrupts ----------------------------------------------

// The real mock application behind a generic server, with a hook that edits responses.
struct BrokenMock {
  using Edit = std::function<void(const mock::HttpRequest&, mock::HttpResponse&)>;
  explicit BrokenMock(Edit edit, double time_scale = 0.01)
      : BrokenMock(std::move(edit), mock_config(time_scale)) {}
  BrokenMock(Edit edit, mock::MockConfig config)
      : app(std::move(config)),
        server(mock::ServerOptions{}, [this, edit](const mock::HttpRequest& r) {
          auto response = app.handle(r);
          if (edit) edit(r, response);
          return response;
        }) {
    base = "http://127.0.0.1:" + std::to_string(server.start());
  }
  mock::App app;
  mock::Server server;
  std::string base;
};

inline bool is_status_poll(const mock::HttpRequest& r) {
  return r.method == "GET" && r.target.starts_with("/api/v1/tasks/") &&
         r.target.find('/', 14) == std::string::npos && r.target.size() > 14;
}

// Rewrites one JSON field of matching responses.
inline BrokenMock::Edit edit_json(std::function<bool(const mock::HttpRequest&)> match,
                                  std::function<void(json&)> change) {
  return [match, change](const mock::HttpRequest& r, mock::HttpResponse& response) {
    if (!match(r)) return;
    auto body = json::parse(response.body, nullptr, false);
    if (body.is_discarded()) return;
    change(body);
    response.body = body.dump();
  };
}

}  // namespace agentwork::harness
