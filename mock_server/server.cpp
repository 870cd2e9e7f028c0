// The mock's HTTP/1.1 (and HTTPS) server on Boost.Beast: one io_context run by N threads, one
// coroutine per connection on its own strand. Every socket operation has a deadline; parse
// errors become 400/413/431 responses; stop() drains in-flight requests and closes idle ones.
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
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace agentwork::mock {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Completion token: co_await yields (error_code, ...) instead of throwing.
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

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
constexpr std::size_t kFirstReadBytes = 4096;

template <class Stream>
constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

// How a connection ends after serving (or failing to serve) a request.
enum class Ending {
  keep_alive,  // wait for the next request
  close,       // graceful: TLS close_notify, FIN, drain the peer's leftovers
  abort,       // close the socket now (peer gone, timeout, injected fault)
};

std::string json_detail(std::string_view detail) {
  std::string out = "{\"detail\":\"";
  for (const char c : detail) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      std::array<char, 8> escaped{};
      std::snprintf(escaped.data(), escaped.size(), "\\u%04x", static_cast<unsigned>(c));
      out += escaped.data();
    } else {
      out += c;
    }
  }
  out += "\"}";
  return out;
}

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
  http::status status;
  std::string detail;
};

// The response owed for a failed request read; nullopt when the peer is gone or timed out.
std::optional<ErrorReply> error_reply_for(const error_code& ec, const ServerOptions& options) {
  if (ec == http::error::header_limit) {
    return ErrorReply{
        http::status::request_header_fields_too_large,
        "request header too large (limit " + std::to_string(options.max_header_bytes) + " bytes)"};
  }
  if (ec == http::error::body_limit) {
    return ErrorReply{
        http::status::payload_too_large,
        "request body too large (limit " + std::to_string(options.max_body_bytes) + " bytes)"};
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return std::nullopt;
  if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
    return ErrorReply{http::status::bad_request, "malformed HTTP request: " + ec.message()};
  }
  return std::nullopt;
}

using BeastRequest = http::request<http::string_body>;
using BeastResponse = http::response<http::string_body>;

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
  response.body = json_detail("internal error");
  return response;
}

// Throws (std::exception) on what Beast rejects: a status out of range, a body on a 204, ...
BeastResponse build_response(HttpResponse&& response, unsigned version, bool keep_alive) {
  if (response.status < 100 || response.status > 999) {
    throw std::invalid_argument("status out of range");
  }
  BeastResponse res;
  res.version(version);
  res.result(static_cast<unsigned>(response.status));
  res.set(http::field::server, kServerName);
  if (!response.content_type.empty()) res.set(http::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) res.insert(name, value);
  res.body() = std::move(response.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

BeastResponse build_safe_response(HttpResponse&& response, unsigned version, bool keep_alive) {
  try {
    return build_response(std::move(response), version, keep_alive);
  } catch (const std::exception&) {
    return build_response(internal_error(), version, keep_alive);
  }
}

BeastResponse build_error_response(const ErrorReply& reply) {
  HttpResponse response;
  response.status = static_cast<int>(reply.status);
  response.body = json_detail(reply.detail);
  return build_response(std::move(response), 11, false);
}

template <class Stream>
asio::awaitable<error_code> handshake(Stream& stream, std::chrono::milliseconds timeout) {
  if constexpr (kIsTls<Stream>) {
    beast::get_lowest_layer(stream).expires_after(timeout);
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, use_nothrow);
    co_return ec;
  } else {
    co_return error_code{};
  }
}

// TLS close_notify, then FIN, then drain what the peer still sends (bounded), then close.
template <class Stream>
asio::awaitable<void> close_gracefully(Stream& stream) {
  auto& transport = beast::get_lowest_layer(stream);
  if constexpr (kIsTls<Stream>) {
    transport.expires_after(kTlsShutdownTimeout);
    co_await stream.async_shutdown(use_nothrow);
  }
  error_code ec;
  transport.socket().shutdown(tcp::socket::shutdown_send, ec);
  transport.expires_after(kLingerTimeout);
  std::array<char, 4096> discard{};
  while (!ec) {
    std::tie(ec, std::ignore) =
        co_await transport.async_read_some(asio::buffer(discard), use_nothrow);
  }
  transport.close();
}

// Over-capacity connection: a minimal 503, then close. Not counted as an open connection.
template <class Stream>
asio::awaitable<void> reject(Stream stream, std::size_t max_connections,
                             std::chrono::milliseconds handshake_timeout) {
  const error_code handshake_ec = co_await handshake(stream, handshake_timeout);
  if (handshake_ec) co_return;
  const auto res = build_error_response(
      {http::status::service_unavailable,
       "too many connections (limit " + std::to_string(max_connections) + ")"});
  beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
  auto [ec, bytes] = co_await http::async_write(stream, res, use_nothrow);
  if (!ec) co_await close_gracefully(stream);
}

// What stop() may do to a connection; always invoked on the connection's strand.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual void close_if_idle() = 0;
  virtual void force_close() = 0;
};

class ServerCore {
 public:
  ServerCore(ServerOptions options, Handler handler)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        ioc_(std::max(1, options_.threads)),
        acceptor_(asio::make_strand(ioc_)) {
    options_.threads = std::max(1, options_.threads);
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
  bool stopping() const { return stopping_.load(); }
  HttpResponse handle(const HttpRequest& request) const;
  void release_connection(const Connection* connection);
  void log(const std::string& line);
  void log_error(std::string_view context, const std::string& peer, const error_code& ec);

 private:
  enum class State { idle, running, stopped };
  struct Entry {
    std::weak_ptr<Connection> connection;
    asio::any_io_executor strand;
  };

  void load_tls_context();
  void open_acceptor();
  asio::awaitable<void> accept_loop();
  void on_accept(tcp::socket socket);
  template <class Stream, class... StreamArgs>
  void spawn_session(tcp::socket socket, std::string peer, StreamArgs&... stream_args);
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

  // Declared after everything the sessions touch: destroying the io_context destroys
  // sessions still queued in it, and they unregister themselves and use the TLS context.
  std::optional<ssl::context> ssl_context_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;  // used only on its own strand once started
};

// One connection: its stream, buffer and timers, served by one coroutine on its strand.
template <class Stream>
class Session final : public Connection {
 public:
  template <class... StreamArgs>
  Session(ServerCore& core, std::string peer, StreamArgs&&... stream_args)
      : core_(core),
        peer_(std::move(peer)),
        stream_(std::forward<StreamArgs>(stream_args)...),
        delay_timer_(stream_.get_executor()) {}
  ~Session() override { core_.release_connection(this); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  static asio::awaitable<void> run(std::shared_ptr<Session> self) { co_await self->serve(); }

  void close_if_idle() override {
    if (idle_) close_transport();
  }
  void force_close() override {
    delay_timer_.cancel();
    close_transport();
  }

 private:
  asio::awaitable<void> serve();
  asio::awaitable<bool> wait_for_request();
  asio::awaitable<error_code> read_request(http::request_parser<http::string_body>& parser);
  asio::awaitable<Ending> serve_request();
  asio::awaitable<Ending> on_read_error(const error_code& ec, Clock::time_point started);
  asio::awaitable<bool> wait(std::chrono::milliseconds delay);
  asio::awaitable<error_code> write(const BeastResponse& res, bool head);
  asio::awaitable<error_code> write_truncated(const BeastResponse& res);
  void log_request(std::string_view method, std::string_view target, unsigned status,
                   std::size_t bytes, Clock::time_point started, std::string_view note);
  void close_transport() {
    closed_ = true;
    beast::get_lowest_layer(stream_).close();
  }

  ServerCore& core_;
  const std::string peer_;
  Stream stream_;
  beast::flat_buffer buffer_;
  asio::steady_timer delay_timer_;
  bool idle_ = true;     // no request in progress: stop() may close the connection at once
  bool closed_ = false;  // the transport was closed from outside (stop)
};

template <class Stream>
asio::awaitable<void> Session<Stream>::serve() {
  const auto& options = core_.options();
  const error_code handshake_ec = co_await handshake(stream_, options.request_timeout);
  if (handshake_ec) {
    if (!is_normal_close(handshake_ec)) core_.log_error("handshake", peer_, handshake_ec);
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
  if (ending != Ending::abort && !closed_) co_await close_gracefully(stream_);
  close_transport();
}

// Waits up to idle_timeout for the first byte of the next request.
template <class Stream>
asio::awaitable<bool> Session<Stream>::wait_for_request() {
  if (buffer_.size() > 0) {  // a pipelined request is already here
    idle_ = false;
    co_return true;
  }
  beast::get_lowest_layer(stream_).expires_after(core_.options().idle_timeout);
  auto [ec, bytes] =
      co_await stream_.async_read_some(buffer_.prepare(kFirstReadBytes), use_nothrow);
  idle_ = false;
  if (ec) {
    if (!is_normal_close(ec) && ec != beast::error::timeout) core_.log_error("read", peer_, ec);
    co_return false;
  }
  buffer_.commit(bytes);
  co_return true;
}

// Reads one request within request_timeout, answering "Expect: 100-continue" in between.
template <class Stream>
asio::awaitable<error_code> Session<Stream>::read_request(
    http::request_parser<http::string_body>& parser) {
  beast::get_lowest_layer(stream_).expires_after(core_.options().request_timeout);
  auto [ec, bytes] = co_await http::async_read_header(stream_, buffer_, parser, use_nothrow);
  if (ec || parser.is_done()) co_return ec;
  if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
    http::response<http::empty_body> go_on{http::status::continue_, parser.get().version()};
    std::tie(ec, bytes) = co_await http::async_write(stream_, go_on, use_nothrow);
    if (ec) co_return ec;
  }
  std::tie(ec, bytes) = co_await http::async_read(stream_, buffer_, parser, use_nothrow);
  co_return ec;
}

template <class Stream>
asio::awaitable<Ending> Session<Stream>::serve_request() {
  const auto started = Clock::now();
  const auto& options = core_.options();
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(options.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  parser.body_limit(options.max_body_bytes);
  const error_code read_ec = co_await read_request(parser);
  if (read_ec) co_return co_await on_read_error(read_ec, started);

  const unsigned version = parser.get().version();
  const bool head = parser.get().method() == http::verb::head;
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
  const auto res = build_safe_response(std::move(response), version, keep_alive);
  error_code ec;
  if (truncate) {
    ec = co_await write_truncated(res);
  } else {
    ec = co_await write(res, head);
  }
  log_request(request.method, request.target, res.result_int(), res.body().size(), started,
              truncate ? " truncate" : "");
  if (ec) {
    if (!is_normal_close(ec)) core_.log_error("write", peer_, ec);
    co_return Ending::abort;
  }
  if (truncate) co_return Ending::abort;
  co_return keep_alive ? Ending::keep_alive : Ending::close;
}

template <class Stream>
asio::awaitable<Ending> Session<Stream>::on_read_error(const error_code& ec,
                                                       Clock::time_point started) {
  const auto reply = error_reply_for(ec, core_.options());
  if (!reply) {
    if (!is_normal_close(ec) && ec != http::error::partial_message) {
      core_.log_error("read", peer_, ec);
    }
    co_return Ending::abort;
  }
  const auto res = build_error_response(*reply);
  const auto write_ec = co_await write(res, false);
  log_request("-", "-", res.result_int(), res.body().size(), started, " " + ec.message());
  co_return write_ec ? Ending::abort : Ending::close;
}

// Injected latency: a timer, so the thread serves other connections meanwhile.
template <class Stream>
asio::awaitable<bool> Session<Stream>::wait(std::chrono::milliseconds delay) {
  if (closed_) co_return false;
  delay_timer_.expires_after(delay);
  auto [ec] = co_await delay_timer_.async_wait(use_nothrow);
  co_return !ec && !closed_;
}

template <class Stream>
asio::awaitable<error_code> Session<Stream>::write(const BeastResponse& res, bool head) {
  beast::get_lowest_layer(stream_).expires_after(kWriteTimeout);
  if (head) {  // Content-Length of the body a GET would get, but no body
    http::response_serializer<http::string_body> serializer{res};
    auto [ec, bytes] = co_await http::async_write_header(stream_, serializer, use_nothrow);
    co_return ec;
  }
  auto [ec, bytes] = co_await http::async_write(stream_, res, use_nothrow);
  co_return ec;
}

// Headers announcing the full body, then only its first half.
template <class Stream>
asio::awaitable<error_code> Session<Stream>::write_truncated(const BeastResponse& res) {
  beast::get_lowest_layer(stream_).expires_after(kWriteTimeout);
  http::response_serializer<http::string_body> serializer{res};
  auto [ec, bytes] = co_await http::async_write_header(stream_, serializer, use_nothrow);
  if (ec) co_return ec;
  const auto& body = res.body();
  std::tie(ec, bytes) =
      co_await asio::async_write(stream_, asio::buffer(body.data(), body.size() / 2), use_nothrow);
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
  asio::co_spawn(acceptor_.get_executor(), accept_loop(), [](const std::exception_ptr&) {});
  for (int i = 0; i < options_.threads; ++i) {
    threads_.emplace_back([this] {
      for (;;) {
        try {
          ioc_.run();
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
  tcp::resolver resolver(ioc_);
  error_code ec;
  const auto endpoints =
      resolver.resolve(options_.bind_address, std::to_string(options_.port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec) throw std::runtime_error("cannot listen on " + where + ": " + ec.message());
  ec = asio::error::host_not_found;
  for (const auto& entry : endpoints) {
    error_code ignored;
    acceptor_.close(ignored);
    const auto endpoint = entry.endpoint();
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) {
      port_ = acceptor_.local_endpoint().port();
      return;
    }
  }
  acceptor_.close(ec);
  throw std::runtime_error("cannot listen on " + where + ": " + ec.message());
}

asio::awaitable<void> ServerCore::accept_loop() {
  for (;;) {
    tcp::socket socket(asio::make_strand(ioc_));
    auto [ec] = co_await acceptor_.async_accept(socket, use_nothrow);
    if (stopping_ || !acceptor_.is_open()) co_return;
    if (ec) {  // EMFILE, ENOBUFS, ...: the listener itself is fine, try again shortly
      log_error("accept", options_.bind_address, ec);
      asio::steady_timer backoff(acceptor_.get_executor(), kAcceptBackoff);
      co_await backoff.async_wait(use_nothrow);
      continue;
    }
    on_accept(std::move(socket));
  }
}

void ServerCore::on_accept(tcp::socket socket) {
  error_code ec;
  std::string peer = endpoint_text(socket.remote_endpoint(ec));
  if (open_.fetch_add(1) >= options_.max_connections) {
    open_.fetch_sub(1);
    const auto strand = socket.get_executor();
    if (ssl_context_) {
      asio::co_spawn(strand,
                     reject(TlsStream(std::move(socket), *ssl_context_), options_.max_connections,
                            options_.request_timeout),
                     [](const std::exception_ptr&) {});
    } else {
      asio::co_spawn(strand,
                     reject(PlainStream(std::move(socket)), options_.max_connections,
                            options_.request_timeout),
                     [](const std::exception_ptr&) {});
    }
    return;
  }
  if (ssl_context_) {
    spawn_session<TlsStream>(std::move(socket), std::move(peer), *ssl_context_);
  } else {
    spawn_session<PlainStream>(std::move(socket), std::move(peer));
  }
}

template <class Stream, class... StreamArgs>
void ServerCore::spawn_session(tcp::socket socket, std::string peer, StreamArgs&... stream_args) {
  const auto strand = socket.get_executor();
  auto session =
      std::make_shared<Session<Stream>>(*this, std::move(peer), std::move(socket), stream_args...);
  {
    std::lock_guard lock(registry_mutex_);
    registry_.emplace(session.get(), Entry{session, strand});
  }
  asio::co_spawn(strand, Session<Stream>::run(std::move(session)),
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

void ServerCore::release_connection(const Connection* connection) {
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

// Posts the action to each connection's strand; connections that ended meanwhile are skipped.
void ServerCore::for_each_connection(void (Connection::*action)()) {
  std::vector<Entry> entries;
  {
    std::lock_guard lock(registry_mutex_);
    for (const auto& [key, entry] : registry_) entries.push_back(entry);
  }
  for (auto& entry : entries) {
    asio::post(entry.strand, [connection = std::move(entry.connection), action] {
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
  asio::post(acceptor_.get_executor(), [this] {
    error_code ignored;
    acceptor_.close(ignored);
  });
  for_each_connection(&Connection::close_if_idle);
  if (!wait_for_connections(options_.shutdown_grace)) {
    for_each_connection(&Connection::force_close);
    wait_for_connections(kForceCloseWait);
  }
  ioc_.stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  // The posted close may not have run before ioc_.stop(); the port must be free on return.
  error_code ignored;
  acceptor_.close(ignored);
  state_ = State::stopped;
}

void ServerCore::run_until_signal() {
  {
    std::lock_guard lifecycle(lifecycle_mutex_);
    if (state_ != State::running) return;
  }
  asio::signal_set signals(ioc_, SIGINT, SIGTERM);
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
