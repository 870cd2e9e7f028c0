// The mock's HTTP/1.1 (and HTTPS) server on Boost.Beast and C++20 coroutines. One io_context
// per thread, each run by its own thread; the acceptor hands connections out in turn, so a
// connection lives on one thread and needs no strand (the wrk/nginx model). One coroutine per
// connection reads, parses (Beast's parser, fed by hand), calls the handler and writes a
// response whose head it formats itself. Deadlines are a value per connection watched by one
// timer that wakes only when a deadline may have passed, not re-armed per operation. Parse
// errors become 400/413/431 responses; stop() drains in-flight requests and closes idle ones.
#include "mock_server/server.hpp"

#include "mock_server/json_util.hpp"

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

namespace agentwork::mock {
namespace {

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
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable_t<Executor>{});

constexpr std::string_view kServerName = "agentwork-mock";
// A slow reader may hold a connection this long for one response.
constexpr std::chrono::seconds kWriteTimeout{30};
// After an error response, unread request bytes are drained this long so that closing the
// socket does not reset the connection and destroy the response before the peer reads it.
constexpr std::chrono::milliseconds kLingerTimeout{500};
constexpr std::chrono::seconds kTlsShutdownTimeout{1};
// Accept failures such as EMFILE: wait this long before accepting again.
constexpr std::chrono::milliseconds kAcceptBackoff{50};
// stop(): after force-closing what outlived shutdown_grace, wait at most this long for it.
constexpr std::chrono::seconds kForceCloseWait{2};
constexpr std::size_t kReadChunk = 4096;

template <class Stream>
constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

Socket& lowest_layer(PlainStream& s) {
  return s;
}
Socket& lowest_layer(TlsStream& s) {
  return s.next_layer();
}

// How a connection ends after serving (or failing to serve) a request.
enum class Ending {
  keep_alive,  // wait for the next request
  close,       // graceful: TLS close_notify, FIN, drain the peer's leftovers
  abort,       // close the socket now (peer gone, timeout, injected fault)
};

std::string endpoint_text(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

// Closing, timeouts and stop() end connections all the time: not worth a log line.
bool is_normal_close(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::operation_aborted || ec == ssl::error::stream_truncated;
}

struct ErrorReply {
  int status;
  std::string detail;
};

// The response owed for a failed request read; nullopt when the peer is gone or timed out.
std::optional<ErrorReply> error_reply_for(const error_code& ec, const ServerOptions& options) {
  if (ec == http::error::header_limit) {
    return ErrorReply{431, "request header too large (limit " +
                               std::to_string(options.max_header_bytes) + " bytes)"};
  }
  if (ec == http::error::body_limit) {
    return ErrorReply{
        413, "request body too large (limit " + std::to_string(options.max_body_bytes) + " bytes)"};
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return std::nullopt;
  if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
    return ErrorReply{400, "malformed HTTP request: " + ec.message()};
  }
  return std::nullopt;
}

using BeastRequest = http::request<http::string_body>;
using Parser = http::request_parser<http::string_body>;

HttpRequest to_http_request(BeastRequest&& message, bool tls) {
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  request.authorization = std::string(message[http::field::authorization]);
  request.content_type = std::string(message[http::field::content_type]);
  request.host = std::string(message[http::field::host]);
  request.body = std::move(message.body());
  request.tls = tls;
  return request;
}

HttpResponse internal_error() {
  HttpResponse response;
  response.status = 500;
  response.body = error_body("internal error");
  return response;
}

// Appends a header value with any CR/LF removed (no header injection from a handler).
void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out += ": ";
  for (const char c : value) {
    if (c != '\r' && c != '\n') out += c;
  }
  out += "\r\n";
}

// The status line and headers of a response, formatted by hand: the hot path of every poll.
// An out-of-range status becomes a 500 (the body is replaced too).
void format_head(std::string& head, HttpResponse& response, unsigned version, bool keep_alive) {
  if (response.status < 100 || response.status > 999) response = internal_error();
  head.clear();
  head += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  head += std::to_string(response.status);
  head += ' ';
  head += std::string_view(http::obsolete_reason(static_cast<http::status>(response.status)));
  head += "\r\nServer: ";
  head += kServerName;
  head += "\r\n";
  if (!response.content_type.empty()) append_header(head, "Content-Type", response.content_type);
  head += "Content-Length: ";
  head += std::to_string(response.body.size());
  head += "\r\n";
  for (const auto& [name, value] : response.headers) append_header(head, name, value);
  if (!keep_alive) {
    head += "Connection: close\r\n";
  } else if (version == 10) {
    head += "Connection: keep-alive\r\n";
  }
  head += "\r\n";
}

// What stop() may do to a connection; always invoked on the connection's own thread.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual void close_if_idle() = 0;
  virtual void force_close() = 0;
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

  // Used by the sessions.
  const ServerOptions& options() const { return options_; }
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }
  HttpResponse handle(const HttpRequest& request) const;
  void release_connection(const Connection* connection, bool counted);
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

// One connection: its stream, buffer, deadline and timers, served by one coroutine on the
// thread of its io_context.
template <class Stream>
class Session final : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... StreamArgs>
  Session(ServerCore& core, std::string peer, bool over_capacity, StreamArgs&&... stream_args)
      : core_(core),
        peer_(std::move(peer)),
        over_capacity_(over_capacity),
        stream_(std::forward<StreamArgs>(stream_args)...),
        watchdog_(lowest_layer(stream_).get_executor()),
        delay_timer_(lowest_layer(stream_).get_executor()) {}
  ~Session() override { core_.release_connection(this, !over_capacity_); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  static Awaitable<void> run(std::shared_ptr<Session> self) {
    self->deadline_ = Clock::now() + self->core_.options().request_timeout;
    asio::co_spawn(self->watchdog_.get_executor(), watch(self), asio::detached);
    co_await self->serve();
    self->finished_ = true;
    self->watchdog_.cancel();
  }

  void close_if_idle() override {
    if (idle_) close_transport();
  }
  void force_close() override {
    delay_timer_.cancel();
    close_transport();
  }

 private:
  // Closes the connection once its deadline has passed. It sleeps until the deadline that
  // was set when it went to sleep and re-arms for a later one; set_deadline() wakes it early
  // only when a deadline moves closer.
  static Awaitable<void> watch(std::shared_ptr<Session> self) {
    while (!self->finished_) {
      self->armed_ = self->deadline_;
      self->watchdog_.expires_at(self->armed_);
      auto [ec] = co_await self->watchdog_.async_wait(use_nothrow);
      if (self->finished_) break;
      if (!ec && Clock::now() >= self->deadline_) {
        self->timed_out_ = true;
        self->close_transport();
        break;
      }
    }
  }
  void set_deadline(std::chrono::milliseconds timeout) {
    deadline_ = Clock::now() + timeout;
    if (deadline_ < armed_) watchdog_.cancel();
  }

  Awaitable<void> serve();
  Awaitable<error_code> handshake();
  Awaitable<void> close_gracefully();
  Awaitable<bool> wait_for_request();
  Awaitable<error_code> read_request(Parser& parser);
  Awaitable<Ending> serve_request();
  Awaitable<Ending> on_read_error(const error_code& ec, Clock::time_point started);
  Awaitable<bool> wait(std::chrono::milliseconds delay);
  Awaitable<error_code> write(HttpResponse& response, unsigned version, bool keep_alive,
                              bool head_only, bool truncate);
  void log_request(std::string_view method, std::string_view target, unsigned status,
                   std::size_t bytes, Clock::time_point started, std::string_view note);
  void close_transport() {
    closed_ = true;
    error_code ignored;
    lowest_layer(stream_).close(ignored);
  }

  ServerCore& core_;
  const std::string peer_;
  const bool over_capacity_;  // answer 503 and close
  Stream stream_;
  beast::flat_buffer buffer_;
  std::string head_;  // response head, reused
  Timer watchdog_;
  Timer delay_timer_;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point armed_ = Clock::time_point::max();
  bool idle_ = true;        // no request in progress: stop() may close the connection at once
  bool closed_ = false;     // the transport was closed (stop, deadline, fault)
  bool timed_out_ = false;  // closed because a deadline passed
  bool finished_ = false;   // serve() returned
};

template <class Stream>
Awaitable<error_code> Session<Stream>::handshake() {
  if constexpr (kIsTls<Stream>) {
    set_deadline(core_.options().request_timeout);
    auto [ec] = co_await stream_.async_handshake(ssl::stream_base::server, use_nothrow);
    co_return ec;
  } else {
    co_return error_code{};
  }
}

// TLS close_notify, then FIN, then drain what the peer still sends (bounded), then close.
template <class Stream>
Awaitable<void> Session<Stream>::close_gracefully() {
  auto& socket = lowest_layer(stream_);
  if constexpr (kIsTls<Stream>) {
    set_deadline(kTlsShutdownTimeout);
    co_await stream_.async_shutdown(use_nothrow);
  }
  error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
  set_deadline(kLingerTimeout);
  std::array<char, 4096> discard{};
  while (!ec && !closed_) {
    std::tie(ec, std::ignore) = co_await socket.async_read_some(asio::buffer(discard), use_nothrow);
  }
  close_transport();
}

template <class Stream>
Awaitable<void> Session<Stream>::serve() {
  const error_code handshake_ec = co_await handshake();
  if (handshake_ec) {
    if (!is_normal_close(handshake_ec)) core_.log_error("handshake", peer_, handshake_ec);
    close_transport();
    co_return;
  }
  if (over_capacity_) {
    HttpResponse busy;
    busy.status = 503;
    busy.body = error_body("too many connections (limit " +
                           std::to_string(core_.options().max_connections) + ")");
    const error_code ec = co_await write(busy, 11, false, false, false);
    if (!ec) co_await close_gracefully();
    close_transport();
    co_return;
  }
  Ending ending = Ending::keep_alive;
  while (ending == Ending::keep_alive && !core_.stopping() && !closed_) {
    const bool arrived = co_await wait_for_request();
    if (!arrived) {
      ending = Ending::abort;
      break;
    }
    ending = co_await serve_request();
    idle_ = true;
  }
  if (ending != Ending::abort && !closed_) co_await close_gracefully();
  close_transport();
}

// Waits up to idle_timeout for the first byte of the next request.
template <class Stream>
Awaitable<bool> Session<Stream>::wait_for_request() {
  if (buffer_.size() > 0) {  // a pipelined request is already here
    idle_ = false;
    co_return true;
  }
  set_deadline(core_.options().idle_timeout);
  auto [ec, bytes] = co_await stream_.async_read_some(buffer_.prepare(kReadChunk), use_nothrow);
  idle_ = false;
  if (ec) {
    if (!is_normal_close(ec)) core_.log_error("read", peer_, ec);
    co_return false;
  }
  buffer_.commit(bytes);
  co_return true;
}

// Feeds the parser from the buffer, reading more within request_timeout, until one request
// is complete; answers "Expect: 100-continue" once its head is in.
template <class Stream>
Awaitable<error_code> Session<Stream>::read_request(Parser& parser) {
  set_deadline(core_.options().request_timeout);
  bool continue_sent = false;
  for (;;) {
    if (buffer_.size() > 0) {
      error_code ec;
      const std::size_t used = parser.put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec && ec != http::error::need_more) co_return ec;
      if (parser.is_done()) co_return error_code{};
      if (used > 0 && buffer_.size() > 0) continue;  // more of the message is already here
    }
    if (parser.is_header_done() && !continue_sent &&
        beast::iequals(parser.get()[http::field::expect], "100-continue")) {
      continue_sent = true;
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      auto [wec, wbytes] =
          co_await asio::async_write(stream_, asio::buffer(kContinue), use_nothrow);
      if (wec) co_return wec;
    }
    auto [ec, bytes] = co_await stream_.async_read_some(buffer_.prepare(kReadChunk), use_nothrow);
    if (ec == asio::error::eof || ec == ssl::error::stream_truncated) {
      co_return parser.got_some() ? http::error::partial_message : http::error::end_of_stream;
    }
    if (ec) co_return ec;
    buffer_.commit(bytes);
  }
}

template <class Stream>
Awaitable<Ending> Session<Stream>::serve_request() {
  const auto started = Clock::now();
  const auto& options = core_.options();
  Parser parser;
  parser.eager(true);
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(options.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  parser.body_limit(options.max_body_bytes);
  const error_code read_ec = co_await read_request(parser);
  if (read_ec) co_return co_await on_read_error(read_ec, started);

  const unsigned version = parser.get().version();
  const bool head_only = parser.get().method() == http::verb::head;
  const bool client_keep_alive = parser.get().keep_alive();
  const HttpRequest request = to_http_request(parser.release(), kIsTls<Stream>);
  HttpResponse response = core_.handle(request);
  if (response.delay.count() > 0) {
    const bool waited = co_await wait(response.delay);
    if (!waited) co_return Ending::abort;
  }

  if (response.fault == FaultAction::drop) {
    log_request(request.method, request.target, static_cast<unsigned>(response.status), 0, started,
                " drop");
    close_transport();
    co_return Ending::abort;
  }
  const bool truncate = response.fault == FaultAction::truncate;
  const bool keep_alive = client_keep_alive && !response.close && !truncate && !core_.stopping();
  const error_code ec = co_await write(response, version, keep_alive, head_only, truncate);
  log_request(request.method, request.target, static_cast<unsigned>(response.status),
              response.body.size(), started, truncate ? " truncate" : "");
  if (ec) {
    if (!is_normal_close(ec)) core_.log_error("write", peer_, ec);
    co_return Ending::abort;
  }
  if (truncate) co_return Ending::abort;
  co_return keep_alive ? Ending::keep_alive : Ending::close;
}

template <class Stream>
Awaitable<Ending> Session<Stream>::on_read_error(const error_code& ec, Clock::time_point started) {
  if (closed_) co_return Ending::abort;  // deadline passed or stop() closed it
  const auto reply = error_reply_for(ec, core_.options());
  if (!reply) {
    if (!is_normal_close(ec) && ec != http::error::partial_message) {
      core_.log_error("read", peer_, ec);
    }
    co_return Ending::abort;
  }
  HttpResponse response;
  response.status = reply->status;
  response.body = error_body(reply->detail);
  const auto write_ec = co_await write(response, 11, false, false, false);
  log_request("-", "-", static_cast<unsigned>(response.status), response.body.size(), started,
              " " + ec.message());
  co_return write_ec ? Ending::abort : Ending::close;
}

// Injected latency: a timer, so the thread serves other connections meanwhile.
template <class Stream>
Awaitable<bool> Session<Stream>::wait(std::chrono::milliseconds delay) {
  if (closed_) co_return false;
  delay_timer_.expires_after(delay);
  auto [ec] = co_await delay_timer_.async_wait(use_nothrow);
  co_return !ec && !closed_;
}

// Head and body in one gather write. HEAD: the head only (Content-Length of the body a GET
// would get). Truncate: the head announcing the full body, then only its first half.
template <class Stream>
Awaitable<error_code> Session<Stream>::write(HttpResponse& response, unsigned version,
                                             bool keep_alive, bool head_only, bool truncate) {
  format_head(head_, response, version, keep_alive);
  std::size_t body_bytes = response.body.size();
  if (head_only) body_bytes = 0;
  if (truncate) body_bytes /= 2;
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_),
                                                  asio::buffer(response.body.data(), body_bytes)};
  set_deadline(kWriteTimeout);
  auto [ec, bytes] = co_await asio::async_write(stream_, buffers, use_nothrow);
  co_return ec;
}

template <class Stream>
void Session<Stream>::log_request(std::string_view method, std::string_view target, unsigned status,
                                  std::size_t bytes, Clock::time_point started,
                                  std::string_view note) {
  if (!core_.options().log_requests) return;
  const std::chrono::duration<double, std::milli> elapsed = Clock::now() - started;
  std::array<char, 64> figures{};
  std::snprintf(figures.data(), figures.size(), " %u %zuB %.2fms", status, bytes, elapsed.count());
  core_.log(peer_ + " " + std::string(method) + " " + std::string(target) + figures.data() +
            std::string(note));
}

std::uint16_t ServerCore::start() {
  std::lock_guard lifecycle(lifecycle_mutex_);
  if (state_ != State::idle) throw std::logic_error("agentwork::mock::Server: started twice");
  if (tls()) {
    load_tls_context();
  } else if (!options_.tls_cert_file.empty() || !options_.tls_key_file.empty()) {
    throw std::runtime_error("TLS needs both tls_cert_file and tls_key_file");
  }
  open_acceptor();
  asio::co_spawn(acceptor_->get_executor(), accept_loop(), [](const std::exception_ptr&) {});
  for (auto& ioc : iocs_) {
    work_.push_back(asio::make_work_guard(*ioc));
    threads_.emplace_back([this, &ioc = *ioc] {
      for (;;) {
        try {
          ioc.run();
          return;
        } catch (const std::exception& e) {
          if (options_.log_requests) log(std::string("server thread: ") + e.what());
        }
      }
    });
  }
  state_ = State::running;
  return port_.load();
}

void ServerCore::load_tls_context() {
  auto& context = ssl_context_.emplace(ssl::context::tls_server);
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::single_dh_use);
  error_code ec;
  context.use_certificate_chain_file(options_.tls_cert_file, ec);
  if (ec) {
    throw std::runtime_error("cannot load TLS certificate chain " + options_.tls_cert_file + ": " +
                             ec.message());
  }
  context.use_private_key_file(options_.tls_key_file, ssl::context::pem, ec);
  if (ec) {
    throw std::runtime_error("cannot load TLS private key " + options_.tls_key_file + ": " +
                             ec.message());
  }
}

void ServerCore::open_acceptor() {
  const std::string where = options_.bind_address + ":" + std::to_string(options_.port);
  tcp::resolver resolver(*iocs_[0]);
  error_code ec;
  const auto endpoints =
      resolver.resolve(options_.bind_address, std::to_string(options_.port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec) throw std::runtime_error("cannot listen on " + where + ": " + ec.message());
  ec = asio::error::host_not_found;
  for (const auto& entry : endpoints) {
    error_code ignored;
    acceptor_->close(ignored);
    const auto endpoint = entry.endpoint();
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) {
      port_ = acceptor_->local_endpoint().port();
      return;
    }
  }
  acceptor_->close(ec);
  throw std::runtime_error("cannot listen on " + where + ": " + ec.message());
}

Awaitable<void> ServerCore::accept_loop() {
  for (;;) {
    // Connections go to the threads in turn; each lives on its thread's io_context.
    Socket socket(iocs_[next_ioc_]->get_executor());
    next_ioc_ = (next_ioc_ + 1) % iocs_.size();
    auto [ec] = co_await acceptor_->async_accept(socket, use_nothrow);
    if (stopping_ || !acceptor_->is_open()) co_return;
    if (ec) {  // EMFILE, ENOBUFS, ...: the listener itself is fine, try again shortly
      log_error("accept", options_.bind_address, ec);
      Timer backoff(acceptor_->get_executor(), kAcceptBackoff);
      co_await backoff.async_wait(use_nothrow);
      continue;
    }
    on_accept(std::move(socket));
  }
}

void ServerCore::on_accept(Socket socket) {
  error_code ec;
  std::string peer = endpoint_text(socket.remote_endpoint(ec));
  socket.set_option(tcp::no_delay(true), ec);
  bool over_capacity = false;
  if (open_.fetch_add(1) >= options_.max_connections) {
    open_.fetch_sub(1);
    over_capacity = true;
  }
  if (ssl_context_) {
    spawn_session<TlsStream>(std::move(socket), std::move(peer), over_capacity, *ssl_context_);
  } else {
    spawn_session<PlainStream>(std::move(socket), std::move(peer), over_capacity);
  }
}

template <class Stream, class... StreamArgs>
void ServerCore::spawn_session(Socket socket, std::string peer, bool over_capacity,
                               StreamArgs&... stream_args) {
  const Executor executor = socket.get_executor();
  auto session = std::make_shared<Session<Stream>>(*this, std::move(peer), over_capacity,
                                                   std::move(socket), stream_args...);
  if (!over_capacity) {
    std::lock_guard lock(registry_mutex_);
    registry_.emplace(session.get(), Entry{session, executor});
  }
  asio::co_spawn(executor, Session<Stream>::run(std::move(session)),
                 [this](const std::exception_ptr& error) {
                   if (!error || !options_.log_requests) return;
                   try {
                     std::rethrow_exception(error);
                   } catch (const std::exception& e) {
                     log(std::string("session: ") + e.what());
                   }
                 });
}

HttpResponse ServerCore::handle(const HttpRequest& request) const {
  try {
    return handler_(request);
  } catch (...) {
    return internal_error();
  }
}

void ServerCore::release_connection(const Connection* connection, bool counted) {
  if (!counted) return;
  {
    std::lock_guard lock(registry_mutex_);
    registry_.erase(connection);
    open_.fetch_sub(1);
  }
  registry_cv_.notify_all();
}

void ServerCore::log(const std::string& line) {
  std::lock_guard lock(log_mutex_);
  if (options_.log_sink) {
    options_.log_sink(line);
  } else {
    std::cerr << line << '\n';
  }
}

void ServerCore::log_error(std::string_view context, const std::string& peer,
                           const error_code& ec) {
  if (options_.log_requests) log(peer + " " + std::string(context) + ": " + ec.message());
}

// Posts the action to each connection's thread; connections that ended meanwhile are skipped.
void ServerCore::for_each_connection(void (Connection::*action)()) {
  std::vector<Entry> entries;
  {
    std::lock_guard lock(registry_mutex_);
    for (const auto& [key, entry] : registry_) entries.push_back(entry);
  }
  for (auto& entry : entries) {
    asio::post(entry.executor, [connection = std::move(entry.connection), action] {
      if (const auto alive = connection.lock()) ((*alive).*action)();
    });
  }
}

bool ServerCore::wait_for_connections(std::chrono::milliseconds timeout) {
  std::unique_lock lock(registry_mutex_);
  return registry_cv_.wait_for(lock, timeout, [this] { return open_.load() == 0; });
}

void ServerCore::wake_signal_waiter() {
  {
    std::lock_guard lock(wake_mutex_);
    wake_ = true;
  }
  wake_cv_.notify_all();
}

void ServerCore::stop() {
  std::lock_guard lifecycle(lifecycle_mutex_);
  if (state_ != State::running) return;
  for (const auto& thread : threads_) {
    if (thread.get_id() == std::this_thread::get_id()) {
      std::cerr << "agentwork::mock::Server::stop() called from a worker thread\n";
      std::abort();
    }
  }
  stopping_ = true;
  wake_signal_waiter();
  asio::post(acceptor_->get_executor(), [this] {
    error_code ignored;
    acceptor_->close(ignored);
  });
  for_each_connection(&Connection::close_if_idle);
  if (!wait_for_connections(options_.shutdown_grace)) {
    for_each_connection(&Connection::force_close);
    wait_for_connections(kForceCloseWait);
  }
  work_.clear();
  for (auto& ioc : iocs_) ioc->stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  // The posted close may not have run before ioc_.stop(); the port must be free on return.
  error_code ignored;
  acceptor_->close(ignored);
  state_ = State::stopped;
}

void ServerCore::run_until_signal() {
  {
    std::lock_guard lifecycle(lifecycle_mutex_);
    if (state_ != State::running) return;
  }
  asio::signal_set signals(*iocs_[0], SIGINT, SIGTERM);
  signals.async_wait([this](const error_code& ec, int) {
    if (!ec) wake_signal_waiter();
  });
  {
    std::unique_lock lock(wake_mutex_);
    wake_cv_.wait(lock, [this] { return wake_; });
  }
  stop();
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions options, Handler handler) : core(std::move(options), std::move(handler)) {}
  ServerCore core;
};

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() = default;  // ~ServerCore stops

std::uint16_t Server::start() {
  return impl_->core.start();
}
void Server::stop() {
  impl_->core.stop();
}
void Server::run_until_signal() {
  impl_->core.run_until_signal();
}
std::uint16_t Server::port() const {
  return impl_->core.port();
}
bool Server::tls() const {
  return impl_->core.tls();
}
std::size_t Server::open_connections() const {
  return impl_->core.open_connections();
}

}  // namespace agentwork::mock
