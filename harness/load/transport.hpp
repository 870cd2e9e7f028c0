// The load workers' HTTP/1.1 transport: a bounded keep-alive connection pool to one origin, on
// one worker's io_context. Lean on purpose (no redirects, no retries but one re-send on a stale
// keep-alive connection): load mode counts every failure instead of hiding it. A request that
// finds every connection busy and the pool at its cap waits for one; that wait, like the rate
// cap's, is the harness's own delay and so is inside the corrected latency and outside the
// uncorrected one (`sent_us` is taken when a connection is in hand). No Beast in this header.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "harness/net/http_client.hpp"  // Origin, ErrorClass (no Beast there either)

namespace agentwork::load {

// The profile's Executor is the arrival model; the io_context's executor is IoExecutor here.
using IoExecutor = harness::Executor;
using harness::Awaitable;

// Microseconds on the steady clock: the one clock of a load run's schedule and latencies.
std::int64_t steady_now_us();

// The TLS set-up of an https origin (trust anchors, verification), made once and shared by every
// worker's Transport: a configured OpenSSL context is safe to use from several threads.
class TlsContext;

struct TransportOptions {
  harness::Origin origin;
  bool insecure = false;               // skip certificate verification
  std::string ca_file;                 // extra PEM trust anchors (the system store is always used)
  // From make_tls_context; when null, a Transport to an https origin makes its own.
  std::shared_ptr<TlsContext> tls;
  std::size_t max_connections = 1024;  // open at once; requests beyond wait for one
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{30000};  // waiting, connecting, writing and reading
  std::size_t max_response_bytes = 1024 * 1024;
  std::string user_agent = "agentwork-load/0.1";
};

struct LoadRequest {
  std::string_view method;  // "GET", "POST"
  std::string_view target;  // "/api/v1/tasks/ID"
  std::string_view body;    // sent as application/json when not empty (or when method is POST)
  std::string_view bearer;  // the API key; empty: no Authorization header
};

struct LoadResponse {
  int status = 0;  // 0: no response (see error)
  std::string body;
  int retry_after_s = -1;  // the Retry-After header in seconds; -1 when absent or not a number
  std::string www_authenticate;  // the WWW-Authenticate header (a 401's contract), if any
  ErrorClass error = ErrorClass::none;
  std::string error_message;  // with a context word: "connect: Connection refused"
  std::int64_t sent_us = 0;   // a connection was in hand and the request about to be written
  std::int64_t done_us = 0;   // the whole response read, or the failure
  bool ok() const { return error == ErrorClass::none; }
};

// The TLS context of `options` (insecure, ca_file); null for an http origin. Throws
// std::runtime_error naming --ca-file when that file cannot be loaded.
std::shared_ptr<TlsContext> make_tls_context(const TransportOptions& options);

class Transport {
 public:
  // Throws std::runtime_error when ca_file cannot be loaded.
  Transport(boost::asio::io_context& io, TransportOptions options);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // The request's views must stay valid until the call completes.
  Awaitable<LoadResponse> send(const LoadRequest& request);

  // Closes idle connections and makes waiting and later requests fail at once (shutdown).
  void close();

  std::uint64_t connections_opened() const;  // connect attempts that succeeded
  std::size_t open_connections() const;      // in use plus idle
  std::size_t waiting() const;               // requests waiting for a connection

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentwork::load
