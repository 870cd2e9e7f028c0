// The session's Backend over the harness's HTTP(S) client (harness/net), on a private
// io_context run to completion for each request. No Asio or Beast in this header.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "mcp/session.hpp"

namespace agentwork::mcp_server {

struct HttpBackendOptions {
  double request_timeout_s = 30;  // the whole exchange, retries included
  bool insecure = false;          // skip certificate verification
  std::string ca_file;            // extra PEM trust anchors
};

// Empty when `url` is an http(s)://host[:port] base URL; otherwise why not.
std::string base_url_error(std::string_view url);

class HttpBackend : public Backend {
 public:
  // Throws std::runtime_error when ca_file cannot be loaded.
  HttpBackend(std::string base_url, const HttpBackendOptions& options);
  ~HttpBackend() override;
  RestOutcome send(const RestRequest& request) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentwork::mcp_server
