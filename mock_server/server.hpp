// The mock's HTTP/1.1 (and HTTPS) server: Boost.Beast with C++20 coroutines behind a small,
// Beast-free interface. It knows nothing of Agentwork: every request goes to the Handler.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "mock_server/http_types.hpp"

namespace agentwork::mock {

struct ServerOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;     // 0: any free port; read it back with Server::port()
  int threads = 1;            // threads running the one io_context
  std::string tls_cert_file;  // PEM; both set: HTTPS only
  std::string tls_key_file;
  std::size_t max_header_bytes = 16 * 1024;          // larger request head: 431, then close
  std::size_t max_body_bytes = 1024 * 1024;          // larger body: 413, then close
  std::chrono::milliseconds idle_timeout{30000};     // keep-alive connection idle this long: closed
  std::chrono::milliseconds request_timeout{30000};  // a request's body must arrive within this
  // A request's head (and, over TLS, the handshake before the first one) must arrive within
  // this, counted from the connection's accept for the first request and from the first byte
  // for later ones: a client sending one byte a second cannot hold a connection longer.
  std::chrono::milliseconds head_timeout{10000};
  // At this many open connections a new one takes the place of one that waits on its client:
  // the longest idle keep-alive connection (idle at least evict_after), else the connection
  // whose unfinished head (or TLS handshake) started first; when there is none (every
  // connection busy or idle for less than evict_after), the new one gets 503 and is closed.
  std::size_t max_connections = 10000;
  std::chrono::milliseconds evict_after{1000};
  bool evict = true;  // false: 503 at max_connections, whatever the connections are doing
  std::chrono::milliseconds shutdown_grace{5000};    // stop(): in-flight requests get this long
  bool log_requests = false;                         // one line per request to the log sink
  std::function<void(const std::string&)> log_sink;  // default: std::cerr
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();  // stops (gracefully) if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the worker threads; returns the bound port.
  // Throws std::runtime_error naming the address and the cause when it cannot.
  std::uint16_t start();
  // Stops accepting, lets in-flight requests finish (up to shutdown_grace), closes idle
  // connections, joins the threads. Idempotent; safe from any thread except a worker.
  void stop();
  // Blocks until SIGINT or SIGTERM arrives or stop() is called from elsewhere, then stops.
  void run_until_signal();

  std::uint16_t port() const;
  bool tls() const;
  std::size_t open_connections() const;
  // Connections closed to make room for new ones at max_connections, since start().
  std::size_t evicted_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentwork::mock
