// A small synchronous HTTP/1.1 client for tests: one keep-alive connection (plain or TLS), every
// operation bounded by a timeout, transport failures returned as values. Beast stays in the .cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentwork::testing {

struct Reply {
  int status = 0;                              // 0 when no status line arrived
  std::map<std::string, std::string> headers;  // lower-case names; repeated fields joined by ", "
  std::string body;
  std::string error;  // non-empty when the transport failed: "connect: ...", "read: ...", ...
  // The body parsed as JSON; a discarded value (is_discarded()) when it is not JSON.
  nlohmann::json json() const;
};

class HttpClient {
 public:
  // With tls, verifies the server certificate against ca_file when given (host name checked,
  // SNI sent unless host is an IP literal), otherwise does not verify.
  HttpClient(std::string host, std::uint16_t port, bool tls = false, std::string ca_file = "");
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request on the kept-alive connection (reconnecting when the server closed it).
  // The timeout bounds the whole exchange, connecting included.
  Reply request(const std::string& method, const std::string& target, const std::string& body = "",
                const std::vector<std::pair<std::string, std::string>>& headers = {},
                std::chrono::milliseconds timeout = std::chrono::seconds(10));
  Reply get(const std::string& target, const std::string& bearer = "");
  // Sets Content-Type: application/json, and Authorization: Bearer when bearer is non-empty.
  Reply post(const std::string& target, const nlohmann::json& body, const std::string& bearer = "");
  Reply put(const std::string& target, const nlohmann::json& body, const std::string& bearer = "");
  Reply del(const std::string& target, const std::string& bearer = "");

  int connects() const;  // TCP connections opened so far (1 after many keep-alive requests)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Raw bytes over a fresh TCP connection to 127.0.0.1:port; returns everything read until the
// peer closes or the timeout passes (never hangs). Connect failures return an empty string.
std::string raw_exchange(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Path of a file under tests/data.
std::string test_data(const std::string& name);

}  // namespace agentwork::testing
