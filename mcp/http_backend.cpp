// The one Asio translation unit of mcp/: each REST call is a coroutine of the harness's
// HttpClient, run to completion on this backend's io_context.
#include "mcp/http_backend.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "harness/net/http_client.hpp"

namespace agentwork::mcp_server {

namespace asio = boost::asio;

std::string base_url_error(std::string_view url) {
  std::string error;
  const auto parsed = harness::parse_url(url, error);
  if (!parsed) return error.empty() ? "not an http(s) URL" : error;
  if (parsed->target != "/" && !parsed->target.empty()) {
    return "expected http(s)://host[:port] without a path, got path " + parsed->target;
  }
  return {};
}

struct HttpBackend::Impl {
  asio::io_context ioc;
  harness::HttpClient client;
  std::string base_url;

  Impl(std::string url, harness::HttpClientOptions options)
      : client(ioc.get_executor(), std::move(options)), base_url(std::move(url)) {}
};

namespace {

harness::HttpClientOptions client_options(const HttpBackendOptions& o) {
  harness::HttpClientOptions c;
  const auto timeout =
      std::chrono::milliseconds(static_cast<long long>(o.request_timeout_s * 1000));
  c.read_timeout = timeout;
  c.total_timeout = timeout;
  c.connect_timeout = std::min(timeout, std::chrono::milliseconds(10000));
  c.insecure = o.insecure;
  c.ca_file = o.ca_file;
  c.user_agent = "agentwork-mcp/0.1";
  return c;
}

RestOutcome outcome_of(const harness::HttpExchange& ex) {
  RestOutcome out;
  if (!ex.ok()) {
    out.transport_error = true;
    out.message = std::string(agentwork::to_string(ex.error)) + ": " + ex.error_message;
    return out;
  }
  out.status = ex.status;
  out.body = ex.body;
  return out;
}

}  // namespace

HttpBackend::HttpBackend(std::string base_url, const HttpBackendOptions& options)
    : impl_(std::make_unique<Impl>(std::move(base_url), client_options(options))) {
  while (!impl_->base_url.empty() && impl_->base_url.back() == '/') impl_->base_url.pop_back();
}

HttpBackend::~HttpBackend() = default;

RestOutcome HttpBackend::send(const RestRequest& request) {
  harness::HttpRequest http;
  http.method = request.method;
  http.url = impl_->base_url + request.path;
  http.headers.emplace_back("Accept", "application/json");
  if (!request.key.empty()) http.headers.emplace_back("Authorization", "Bearer " + request.key);
  if (!request.body.empty()) http.headers.emplace_back("Content-Type", "application/json");
  http.body = request.body;
  RestOutcome outcome;
  outcome.transport_error = true;
  outcome.message = "the request did not finish";
  asio::co_spawn(impl_->ioc, impl_->client.send(std::move(http)),
                 [&outcome](std::exception_ptr failure, harness::HttpExchange ex) {
                   if (failure) return;  // the client classifies every failure; kept as above
                   outcome = outcome_of(ex);
                 });
  impl_->ioc.restart();
  impl_->ioc.run();
  return outcome;
}

}  // namespace agentwork::mcp_server
