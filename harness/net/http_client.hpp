// The harness's HTTP(S) client: keep-alive connection pool per origin, TLS with verification
// (system store, --ca-file, or --insecure), SNI, connect/read/total timeouts, redirects (307/308
// re-send the body), retries with backoff for idempotent requests on connection errors and on
// 429/503 honouring Retry-After (429 also for other methods: the server did not process the
// request), a bound on response size, and every failure classified.
// One client per worker thread: it lives on that thread's io_context. No Beast in this header.
#pragma once

#include <chrono>
#include <functional>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "common/api.hpp"

namespace agentwork::harness {

using Executor = boost::asio::io_context::executor_type;
template <class T>
using Awaitable = boost::asio::awaitable<T, Executor>;

struct Origin {
  bool tls = false;
  std::string host;
  std::uint16_t port = 0;
  std::string key() const;  // "https://host:port"
};

struct ParsedUrl {
  Origin origin;
  std::string target;  // path and query, "/" at least
};

// http(s)://host[:port][/path][?query]; nullopt with `error` set for anything else.
std::optional<ParsedUrl> parse_url(std::string_view url, std::string& error);

// Why an exchange failed: common/api.hpp's ErrorClass. http_4xx/http_5xx are not classes: the
// exchange itself worked, the caller reads the status.

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{5000};  // resolve + connect + TLS handshake
  std::chrono::milliseconds read_timeout{30000};    // from the request sent to the whole response
  std::chrono::milliseconds total_timeout{120000};  // the whole exchange, retries included
  bool insecure = false;                            // skip certificate verification
  std::string ca_file;  // extra PEM trust anchors (the system store is always used)
  std::size_t max_response_bytes = 8 * 1024 * 1024;
  int max_redirects = 5;
  int max_attempts = 3;                         // 1: no retries
  std::chrono::milliseconds backoff_base{100};  // doubled per attempt, with jitter
  std::chrono::milliseconds backoff_max{5000};
  std::chrono::seconds max_retry_after{60};  // a longer Retry-After is not waited for
  std::size_t max_idle_per_origin = 64;
  std::string user_agent = "agentwork-harness/0.1";

  // Load mode's hooks (empty: none). before_attempt is awaited before every request sent
  // (retries and redirects included): the rate cap and a Retry-After pause; false: do not send,
  // the exchange fails as aborted. after_attempt sees every attempt's outcome: method, path,
  // status (0: none), error, steady-clock microseconds sent and done, Retry-After seconds (-1).
  std::function<Awaitable<bool>()> before_attempt;
  std::function<void(std::string_view method, std::string_view path, int status, ErrorClass error,
                     std::int64_t sent_us, std::int64_t done_us, int retry_after_s)>
      after_attempt;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// An attempt of an exchange that failed and was retried (a transport failure of an idempotent
// request, a 429 or 503): retrying keeps a run alive, but the failure is still the server's,
// so it is kept for the caller to report.
struct FailedAttempt {
  int status = 0;                       // 0: no response (see error)
  ErrorClass error = ErrorClass::none;  // none when the attempt got a response
  std::string error_message;
  std::string body;                              // the response's body, at most 4 KiB
  std::chrono::microseconds duration{0};         // of this attempt
};

struct HttpExchange {
  std::string method;
  std::string url;  // the last URL asked (after redirects)
  int status = 0;   // 0: no response
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  ErrorClass error = ErrorClass::none;
  std::string error_message;  // with a context word: "connect: Connection refused"
  int attempts = 0;           // requests sent, retries and redirects included
  std::vector<FailedAttempt> retried;  // failed attempts before the last, in order (a subset of
                                       // attempts)
  int redirects = 0;
  bool reused_connection = false;             // the last attempt used a pooled connection
  std::chrono::microseconds connect_time{0};  // of the last attempt (0 when reused)
  std::chrono::microseconds ttfb{0};          // request written to response head read
  std::chrono::microseconds total{0};         // the whole exchange

  bool ok() const { return error == ErrorClass::none; }
  // First header of that name (case-insensitive), empty if none.
  std::string header(std::string_view name) const;
};

class HttpClient {
 public:
  // Throws std::runtime_error when ca_file cannot be loaded.
  HttpClient(Executor executor, HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  Awaitable<HttpExchange> send(HttpRequest request);

  // Connections opened so far (for keep-alive checks and load figures).
  std::uint64_t connections_opened() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentwork::harness
