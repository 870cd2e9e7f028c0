// The bundled mock Agentwork server as one object: the application and its HTTP(S) server.
// Tests and the harness start it in-process on port 0; the agentwork-mock executable wraps it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "mock_server/app.hpp"
#include "mock_server/server.hpp"

namespace agentwork::mock {

class MockServer {
 public:
  explicit MockServer(MockConfig config, ServerOptions server = {});
  ~MockServer();
  MockServer(const MockServer&) = delete;
  MockServer& operator=(const MockServer&) = delete;

  std::uint16_t start();  // throws std::runtime_error when it cannot listen
  void stop();
  void run_until_signal();

  std::uint16_t port() const;
  std::string base_url() const;  // "http://127.0.0.1:PORT" (https with TLS)
  App& app() { return *app_; }

 private:
  std::unique_ptr<App> app_;
  std::string host_;
  Server server_;
};

// The mock as `agentwork run --target mock` starts it for the conformance suite: control API on
// (agent scripts, clock), credits on (100 a day per organization, 10 per task: the 11th task of
// a day gets 402) and one password account for POST /auth/api-key:
// conformance@example.com / conformance-password.
MockConfig conformance_mock_config(std::uint64_t seed, double time_scale);
inline constexpr const char* kConformanceEmail = "conformance@example.com";
inline constexpr const char* kConformancePassword = "conformance-password";

// A stand-in for a real deployment, to prove the live suite against: deployment-like (no control
// API, no scripts, a seeded fleet agent per task that stalls for good with `stall_rate`),
// credits off, and the conformance password account above so that live runs can exercise
// POST /auth/api-key.
MockConfig deployment_mock_config(std::uint64_t seed, double time_scale, double stall_rate);

}  // namespace agentwork::mock
