// Internal to the mock's server (server.cpp, its one Beast translation unit): the Asio types it
// uses, and ServerCore, which owns the listener, the threads and the registry of connections.
// Sessions (server_session.hpp) serve the connections it accepts.
#pragma once

#include "mock_server/json_util.hpp"
#include "mock_server/server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>

namespace agentwork::mock::server_detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

// Typed executors all the way down: no type-erased executor on the hot path.
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<tcp, Executor>;
using Acceptor = asio::basic_socket_acceptor<tcp, Executor>;
using Timer = asio::basic_waitable_timer<Clock, asio::wait_traits<Clock>, Executor>;
using PlainStream = Socket;
using TlsStream = ssl::stream<Socket>;
template <class T>
using Awaitable = asio::awaitable<T, Executor>;

// Completion token: co_await yields (error_code, ...) instead of throwing.
inline constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable_t<Executor>{});

// A slow reader may hold a connection this long for one response.
inline constexpr std::chrono::seconds kWriteTimeout{30};
// After an error response, unread request bytes are drained this long so that closing the
// socket does not reset the connection and destroy the response before the peer reads it.
inline constexpr std::chrono::milliseconds kLingerTimeout{500};
inline constexpr std::chrono::seconds kTlsShutdownTimeout{1};
// Accept failures such as EMFILE: wait this long before accepting again.
inline constexpr std::chrono::milliseconds kAcceptBackoff{50};
// After each accept the loop takes up to this many more connections the kernel has already
// queued (non-blocking) before yielding: with thousands of connections opening at once, one
// accept per turn of a loop busy with every other connection lets the listen backlog overflow,
// and a client whose handshake was dropped waits a SYN retransmission (1 s, then 3 s, ...).
inline constexpr int kAcceptBatch = 256;
// stop(): after force-closing what outlived shutdown_grace, wait at most this long for it.
inline constexpr std::chrono::seconds kForceCloseWait{2};
// A read's chunk: a connection's read buffer holds this much from its first request on, so it is
// most of an idle connection's memory (about 3.8 KiB per connection with 1 KiB, 6.7 KiB with
// 4 KiB: bench/connections.sh); a status poll's request is about 200 bytes, and longer ones grow
// the buffer as they need.
inline constexpr std::size_t kReadChunk = 1024;

template <class Stream>
inline constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

inline Socket& lowest_layer(PlainStream& s) {
  return s;
}
inline Socket& lowest_layer(TlsStream& s) {
  return s.next_layer();
}

// How a connection ends after serving (or failing to serve) a request.
enum class Ending {
  keep_alive,  // wait for the next request
  close,       // graceful: TLS close_notify, FIN, drain the peer's leftovers
  abort,       // close the socket now (peer gone, timeout, injected fault)
};


// What a connection waits on, for choosing whom to evict at max_connections.
enum class Phase : std::uint8_t {
  head,  // accepted, TLS handshake or request head unfinished: waits on its client
  busy,  // a request is being read, handled or answered
  idle,  // keep-alive, between requests: waits on its client
};

// What stop() and eviction may do to a connection; the virtual calls are always invoked on the
// connection's own thread. Its phase is written there and read by the accept loop's thread
// (under the registry's lock, which keeps a registered connection alive).
class Connection {
 public:
  virtual ~Connection() = default;
  virtual void close_if_idle() = 0;
  virtual void force_close() = 0;
  // Closes the connection if it still waits on its client (head or idle); else it stays, and
  // may be chosen again.
  virtual void evict() = 0;

  void set_phase(Phase phase) {
    since_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    phase_.store(phase, std::memory_order_relaxed);
  }
  Phase phase() const { return phase_.load(std::memory_order_relaxed); }
  // When the current phase began (Clock's ticks).
  Clock::rep phase_since() const { return since_.load(std::memory_order_relaxed); }
  // Set by the accept loop when it chose this connection; cleared when the eviction did not
  // close it. A connection is chosen at most once at a time.
  std::atomic<bool> evicting{false};

 private:
  std::atomic<Phase> phase_{Phase::head};
  std::atomic<Clock::rep> since_{Clock::now().time_since_epoch().count()};
};

class ServerCore {
 public:
  ServerCore(ServerOptions options, Handler handler)
      : options_(std::move(options)), handler_(std::move(handler)) {
    options_.threads = std::max(1, options_.threads);
    for (int i = 0; i < options_.threads; ++i) {
      iocs_.push_back(std::make_unique<asio::io_context>(1));
    }
    acceptor_.emplace(iocs_[0]->get_executor());
  }
  ~ServerCore() { stop(); }
  ServerCore(const ServerCore&) = delete;
  ServerCore& operator=(const ServerCore&) = delete;

  std::uint16_t start();
  void stop();
  void run_until_signal();

  std::uint16_t port() const { return port_.load(); }
  bool tls() const { return !options_.tls_cert_file.empty() && !options_.tls_key_file.empty(); }
  std::size_t open_connections() const { return open_.load(); }
  std::size_t evicted_connections() const { return evicted_.load(); }

  // Used by the sessions.
  const ServerOptions& options() const { return options_; }
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }
  HttpResponse handle(const HttpRequest& request) const;
  void release_connection(const Connection* connection, bool counted);
  void count_eviction() { evicted_.fetch_add(1); }
  void log(const std::string& line);
  void log_error(std::string_view context, const std::string& peer, const error_code& ec);

 private:
  enum class State { idle, running, stopped };
  struct Entry {
    std::weak_ptr<Connection> connection;
    Executor executor;
  };

  void load_tls_context();
  void open_acceptor();
  Awaitable<void> accept_loop();
  void on_accept(Socket socket);
  void accept_queued();
  bool evict_one();
  template <class Stream, class... StreamArgs>
  void spawn_session(Socket socket, std::string peer, bool over_capacity,
                     StreamArgs&... stream_args);
  void for_each_connection(void (Connection::*action)());
  bool wait_for_connections(std::chrono::milliseconds timeout);
  void wake_signal_waiter();

  ServerOptions options_;
  Handler handler_;
  std::atomic<std::uint16_t> port_{0};
  std::atomic<bool> stopping_{false};
  // Accepted and not yet finished sessions (rejected 503 connections are not counted).
  std::atomic<std::size_t> open_{0};
  std::atomic<std::size_t> evicted_{0};  // connections evict_one chose that did close

  std::mutex lifecycle_mutex_;  // start/stop
  State state_ = State::idle;
  std::vector<std::thread> threads_;

  std::mutex registry_mutex_;
  std::condition_variable registry_cv_;  // notified when a connection ends
  std::unordered_map<const Connection*, Entry> registry_;

  std::mutex wake_mutex_;
  std::condition_variable wake_cv_;
  bool wake_ = false;  // run_until_signal() should return

  std::mutex log_mutex_;

  // Declared after everything the sessions touch: destroying the io_contexts destroys
  // sessions still queued in them, and they unregister themselves and use the TLS context.
  std::optional<ssl::context> ssl_context_;
  std::vector<std::unique_ptr<asio::io_context>> iocs_;    // one per thread
  std::vector<asio::executor_work_guard<Executor>> work_;  // keeps idle threads running
  std::size_t next_ioc_ = 0;                               // round robin, accept loop only
  std::optional<Acceptor> acceptor_;                       // on iocs_[0]
};

}  // namespace agentwork::mock::server_detail
