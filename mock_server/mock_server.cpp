#include "mock_server/mock_server.hpp"

namespace agentwork::mock {

MockServer::MockServer(MockConfig config, ServerOptions server)
    : app_(std::make_unique<App>(std::move(config))),
      host_(server.bind_address == "0.0.0.0" || server.bind_address.empty() ? "127.0.0.1"
                                                                            : server.bind_address),
      server_(std::move(server),
              [app = app_.get()](const HttpRequest& r) { return app->handle(r); }) {}

MockServer::~MockServer() {
  server_.stop();
}

std::uint16_t MockServer::start() {
  return server_.start();
}
void MockServer::stop() {
  server_.stop();
}
void MockServer::run_until_signal() {
  server_.run_until_signal();
}
std::uint16_t MockServer::port() const {
  return server_.port();
}

std::string MockServer::base_url() const {
  const bool v6 = host_.find(':') != std::string::npos;
  return std::string(server_.tls() ? "https://" : "http://") + (v6 ? "[" + host_ + "]" : host_) +
         ":" + std::to_string(server_.port());
}

MockConfig conformance_mock_config(std::uint64_t seed, double time_scale) {
  MockConfig config;
  config.seed = seed;
  config.time_scale = time_scale;
  config.control_api = true;
  config.credits.enabled = true;
  config.credits.per_day = 100;
  config.credits.task_cost = 10;
  config.users.push_back({kConformanceEmail, kConformancePassword, "Conformance", "Conformance"});
  return config;
}

MockConfig deployment_mock_config(std::uint64_t seed, double time_scale, double stall_rate) {
  MockConfig config;
  config.seed = seed;
  config.time_scale = time_scale;
  config.deployment_like = true;
  config.stall_rate = stall_rate;
  config.users.push_back({kConformanceEmail, kConformancePassword, "Conformance", "Conformance"});
  return config;
}

}  // namespace agentwork::mock
