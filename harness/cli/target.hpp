// The target of `agentwork run` and `agentwork load`: the bundled mock started in-process
// ("mock"), or a deployment at an http(s) URL probed once (and found to be the bundled mock, or
// not). target.cpp is the one file of the harness that includes mock_server/: the in-process mock,
// the rules it can break and the `agentwork mock` subcommand are reached through this header,
// which includes no mock header. No Beast in this header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <CLI/CLI.hpp>

#include "harness/net/http_client.hpp"

namespace agentwork::harness {

// The bundled mock as a command starts it in-process (--target mock).
struct MockSettings {
  enum class Kind {
    conformance,  // `run`: control API, credits and the conformance password account
    load,         // `load`: the control API, every connection the load brings
  };
  Kind kind = Kind::conformance;
  std::uint64_t seed = 42;
  double time_scale = 1.0;              // multiplies every agent duration
  std::vector<std::string> violations;  // conformance: rules the mock breaks
  int threads = 2;
};

struct TargetRequest {
  std::string command;  // "run", "load": what messages name
  std::string target;   // "mock" or http(s)://host[:port]
  MockSettings mock;
  HttpClientOptions http;  // of the probe
  // Asked about a URL's host before anything is sent to it; a message refuses the target (exit
  // 2). `load`'s safety rule: a refused run sends nothing, not even the probe.
  std::function<std::optional<std::string>(const std::string& host)> refuse;
};

// Why a target could not be used: the exit code (2 bad usage or a bad --ca-file, 3 unreachable
// or the mock could not start) and the message, without the "agentwork COMMAND: " prefix.
struct TargetError {
  int exit_code = 2;
  std::string message;
};

class InProcessMock;

// A target ready to be sent requests. Owns the in-process mock, if any, and stops it when
// destroyed (or at stop()).
class Target {
 public:
  Target();
  Target(Target&&) noexcept;
  Target& operator=(Target&&) noexcept;
  ~Target();

  std::string base_url;  // without a trailing '/'
  // For the console and the result: "bundled mock (in-process, http://127.0.0.1:PORT)" or the
  // URL, with " (the bundled mock)" when the probe found it.
  std::string label;
  bool mock = false;           // the bundled mock, in-process or found by the probe
  bool in_process = false;     // started here
  double mock_time_scale = 1;  // the mock's time scale; meaningful when `mock`
  // The in-process conformance mock's password account; empty otherwise.
  std::string account_email, account_password;

  // Stops the in-process mock (nothing otherwise); idempotent.
  void stop();

 private:
  friend std::variant<Target, TargetError> resolve_target(const TargetRequest& request);
  std::unique_ptr<InProcessMock> mock_;
};

// Starts the in-process mock, or checks the URL and probes it.
std::variant<Target, TargetError> resolve_target(const TargetRequest& request);

// The options of a command's requests: read_timeout from `request_timeout_s`, the connect
// timeout at most 10 s, the whole exchange `total_multiple` times the read timeout.
HttpClientOptions http_options(double request_timeout_s, const std::string& ca_file, bool insecure,
                               int total_multiple);

// The rule ids --mock-violate takes: those the bundled mock can break.
std::vector<std::string> mock_violatable_rules();

// `agentwork mock`: adds the bundled mock's flags and exit codes to `cmd`; the function returned
// runs the mock with them until SIGINT/SIGTERM and returns its exit code.
std::function<int()> add_mock_command(CLI::App& cmd);

}  // namespace agentwork::harness
