#include "harness/cli/target.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <utility>

#include "harness/runner/runner.hpp"  // probe_target
#include "mock_server/mock_cli.hpp"
#include "mock_server/mock_server.hpp"
#include "mock_server/violations.hpp"

namespace agentwork::harness {

// The bundled mock running in this process, on its own threads.
class InProcessMock {
 public:
  InProcessMock(mock::MockConfig config, mock::ServerOptions server)
      : server_(std::move(config), std::move(server)) {}
  mock::MockServer& server() { return server_; }

 private:
  mock::MockServer server_;
};

namespace {

// A load opens up to --connections per worker: far more than the mock's default bound.
constexpr std::size_t kLoadMockConnections = 100000;

std::unique_ptr<InProcessMock> make_mock(const MockSettings& s) {
  mock::MockConfig config;
  mock::ServerOptions server;
  server.threads = s.threads;
  if (s.kind == MockSettings::Kind::conformance) {
    config = mock::conformance_mock_config(s.seed, s.time_scale);
    config.violations = s.violations;
  } else {
    config.seed = s.seed;
    config.time_scale = s.time_scale;
    config.control_api = true;
    server.max_connections = kLoadMockConnections;
  }
  return std::make_unique<InProcessMock>(std::move(config), std::move(server));
}

std::string mock_label(const MockSettings& s, const std::string& base_url) {
  std::string label = "bundled mock (in-process, " + base_url;
  if (s.kind == MockSettings::Kind::load)
    return label + ", " + std::to_string(s.threads) + " threads)";
  label += ")";
  for (const auto& rule : s.violations) label += ", violating " + rule;
  return label;
}

// Fills `target` with the started mock, or says why it could not start.
std::optional<TargetError> start_mock(const MockSettings& s, std::unique_ptr<InProcessMock>& owner,
                                      Target& target) {
  owner = make_mock(s);
  try {
    owner->server().start();
  } catch (const std::exception& e) {
    owner.reset();
    return TargetError{3, std::string("the bundled mock could not start: ") + e.what()};
  }
  target.base_url = owner->server().base_url();
  target.label = mock_label(s, target.base_url);
  target.mock = true;
  target.in_process = true;
  target.mock_time_scale = s.time_scale;
  if (s.kind == MockSettings::Kind::conformance) {
    target.account_email = mock::kConformanceEmail;
    target.account_password = mock::kConformancePassword;
  }
  return std::nullopt;
}

// Checks the URL, asks `refuse`, then probes: the bundled mock (and its time scale) or not.
std::optional<TargetError> probe_url(const TargetRequest& r, Target& target) {
  if (!r.mock.violations.empty()) return TargetError{2, "--mock-violate needs --target mock"};
  std::string error;
  const auto url = parse_url(r.target, error);
  if (!url) {
    return TargetError{2, "--target \"" + r.target + "\": " + error +
                              " (expected \"mock\" or http(s)://host[:port])"};
  }
  target.base_url = r.target;
  while (!target.base_url.empty() && target.base_url.back() == '/') target.base_url.pop_back();
  if (r.refuse) {
    if (auto why = r.refuse(url->origin.host)) return TargetError{2, std::move(*why)};
  }
  TargetProbe probe;
  try {
    probe = probe_target(target.base_url, r.http);
  } catch (const std::exception& e) {  // e.g. an unreadable --ca-file
    return TargetError{2, e.what()};
  }
  if (!probe.reachable) {
    return TargetError{3, "target " + target.base_url + " unreachable: " + probe.error};
  }
  target.mock = probe.mock;
  target.mock_time_scale = probe.mock ? probe.time_scale : 1.0;
  target.label = target.base_url + (probe.mock ? " (the bundled mock)" : "");
  return std::nullopt;
}

}  // namespace

Target::Target() = default;
Target::Target(Target&&) noexcept = default;
Target& Target::operator=(Target&&) noexcept = default;
Target::~Target() {
  stop();
}

void Target::stop() {
  if (mock_) mock_->server().stop();
  mock_.reset();
}

std::variant<Target, TargetError> resolve_target(const TargetRequest& request) {
  Target target;
  const auto error = request.target == "mock" ? start_mock(request.mock, target.mock_, target)
                                              : probe_url(request, target);
  if (error) return *error;
  return target;
}

HttpClientOptions http_options(double request_timeout_s, const std::string& ca_file, bool insecure,
                               int total_multiple) {
  HttpClientOptions http;
  http.read_timeout = std::chrono::milliseconds(std::llround(request_timeout_s * 1000));
  http.connect_timeout = std::min(http.read_timeout, std::chrono::milliseconds(10000));
  http.total_timeout = http.read_timeout * total_multiple;
  http.ca_file = ca_file;
  http.insecure = insecure;
  return http;
}

std::vector<std::string> mock_violatable_rules() {
  const auto rules = mock::violatable_rules();
  return {rules.begin(), rules.end()};
}

std::function<int()> add_mock_command(CLI::App& cmd) {
  auto options = std::make_shared<mock::MockCliOptions>();
  mock::add_mock_options(cmd, *options);
  cmd.footer(mock::kMockExitCodes);
  return [options] { return mock::run_mock(*options, "agentwork mock"); };
}

}  // namespace agentwork::harness
