#include "harness/load/transport.hpp"

#include <algorithm>
#include <cctype>
#include <deque>
#include <optional>
#include <stdexcept>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace agentwork::load {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using harness::ErrorClass;
using Clock = std::chrono::steady_clock;
using TcpStream = beast::basic_stream<tcp, IoExecutor>;
using TlsStream = ssl::stream<TcpStream>;
using Resolver = asio::ip::basic_resolver<tcp, IoExecutor>;
using Timer = asio::basic_waitable_timer<Clock, asio::wait_traits<Clock>, IoExecutor>;

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable_t<IoExecutor>{});

struct Connection {
  std::unique_ptr<TcpStream> plain;
  std::unique_ptr<TlsStream> tls;
  beast::flat_buffer buffer;
  std::string out;  // the request being written; its capacity is reused
  std::uint64_t requests = 0;
  bool connected = false;

  TcpStream& transport() { return tls ? tls->next_layer() : *plain; }
};

// A request waiting for a connection: granted by release(), or its timer runs out.
struct Waiter {
  explicit Waiter(IoExecutor ex) : timer(ex) {}
  Timer timer;
  bool granted = false;
  std::unique_ptr<Connection> conn;  // null when granted a slot to open a new connection
};

// A failure on a reused keep-alive connection before any response: the server closed it while
// idle; the request goes again on a new connection.
bool is_stale(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == http::error::partial_message;
}

ErrorClass classify(const error_code& ec, ErrorClass phase) {
  if (ec == beast::error::timeout) return ErrorClass::timeout;
  if (ec == http::error::body_limit || ec == http::error::buffer_overflow ||
      ec == http::error::header_limit) {
    return ErrorClass::too_large;
  }
  if (phase == ErrorClass::read &&
      ec.category() == http::make_error_code(http::error::bad_version).category() &&
      !is_stale(ec)) {
    return ErrorClass::protocol;
  }
  return phase;
}

int parse_retry_after(std::string_view value) {
  if (value.empty() || value.size() > 6 ||
      !std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return -1;
  }
  return std::stoi(std::string(value));
}

void fail(LoadResponse& r, ErrorClass phase, const error_code& ec, const char* what) {
  r.error = classify(ec, phase);
  r.error_message = std::string(what) + ": " + ec.message();
}

}  // namespace

std::int64_t steady_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch())
      .count();
}

struct Transport::Impl {
  Impl(asio::io_context& io, TransportOptions opts)
      : executor(io.get_executor()),
        options(std::move(opts)),
        ssl_context(ssl::context::tls_client) {
    error_code ec;
    ssl_context.set_default_verify_paths(ec);  // a missing system store only matters for https
    if (!options.ca_file.empty()) {
      ssl_context.load_verify_file(options.ca_file, ec);
      if (ec) throw std::runtime_error("--ca-file " + options.ca_file + ": " + ec.message());
    }
    ssl_context.set_verify_mode(options.insecure ? ssl::verify_none : ssl::verify_peer);
    const auto& o = options.origin;
    const bool default_port = o.port == (o.tls ? 443 : 80);
    const bool v6 = o.host.find(':') != std::string::npos;
    host_header =
        (v6 ? "[" + o.host + "]" : o.host) + (default_port ? "" : ":" + std::to_string(o.port));
  }

  IoExecutor executor;
  TransportOptions options;
  ssl::context ssl_context;
  std::string host_header;
  std::optional<Resolver::results_type> endpoints;  // resolved once, on the first connect
  std::vector<std::unique_ptr<Connection>> idle;
  std::deque<Waiter*> waiters;
  std::size_t open = 0;  // connections counted against the cap: in use, idle, or being opened
  std::uint64_t opened = 0;
  bool closed = false;

  // A connection (or the right to open one), or null with `out` failed.
  Awaitable<std::unique_ptr<Connection>> acquire(Clock::time_point deadline, LoadResponse& out);
  void release(std::unique_ptr<Connection> conn, bool reusable);
  Awaitable<bool> connect(Connection& conn, Clock::time_point deadline, LoadResponse& out);
  template <class Stream>
  Awaitable<bool> exchange(Stream& stream, Connection& conn, Clock::time_point deadline,
                           LoadResponse& out, bool& stale);
  void build(Connection& conn, const LoadRequest& req) const;
};

Awaitable<std::unique_ptr<Connection>> Transport::Impl::acquire(Clock::time_point deadline,
                                                                LoadResponse& out) {
  if (closed) {
    out.error = ErrorClass::aborted;
    out.error_message = "transport closed";
    co_return nullptr;
  }
  if (!idle.empty()) {
    auto conn = std::move(idle.back());  // the most recently used: warm caches, fresh socket
    idle.pop_back();
    co_return conn;
  }
  if (open < options.max_connections) {
    ++open;
    co_return std::make_unique<Connection>();
  }
  Waiter waiter(executor);
  waiter.timer.expires_at(deadline);
  waiters.push_back(&waiter);
  co_await waiter.timer.async_wait(use_nothrow);
  if (!waiter.granted) {
    std::erase(waiters, &waiter);
    out.error = closed ? ErrorClass::aborted : ErrorClass::timeout;
    out.error_message = closed ? "transport closed" : "waiting for a connection: timed out";
    co_return nullptr;
  }
  co_return waiter.conn ? std::move(waiter.conn) : std::make_unique<Connection>();
}

void Transport::Impl::release(std::unique_ptr<Connection> conn, bool reusable) {
  if (!reusable || closed) {
    conn.reset();  // the slot stays counted if a waiter takes it over
    if (waiters.empty()) {
      --open;
      return;
    }
  }
  if (!waiters.empty()) {
    Waiter* w = waiters.front();
    waiters.pop_front();
    w->granted = true;
    w->conn = std::move(conn);
    w->timer.cancel();
    return;
  }
  idle.push_back(std::move(conn));
}

Awaitable<bool> Transport::Impl::connect(Connection& conn, Clock::time_point deadline,
                                         LoadResponse& out) {
  const auto& o = options.origin;
  const auto connect_deadline = std::min(deadline, Clock::now() + options.connect_timeout);
  if (!endpoints) {
    Resolver resolver(executor);
    auto [ec, results] =
        co_await resolver.async_resolve(o.host, std::to_string(o.port), use_nothrow);
    if (ec) {
      fail(out, ErrorClass::dns, ec, "resolve");
      co_return false;
    }
    endpoints = std::move(results);
  }
  auto stream = std::make_unique<TcpStream>(executor);
  stream->expires_at(connect_deadline);
  auto [cec, endpoint] = co_await stream->async_connect(*endpoints, use_nothrow);
  if (cec) {
    fail(out, ErrorClass::connect, cec, "connect");
    co_return false;
  }
  stream->socket().set_option(tcp::no_delay(true));
  if (o.tls) {
    conn.tls = std::make_unique<TlsStream>(std::move(*stream), ssl_context);
    if (!SSL_set_tlsext_host_name(conn.tls->native_handle(), o.host.c_str())) {
      out.error = ErrorClass::tls;
      out.error_message = "tls: cannot set SNI";
      co_return false;
    }
    if (!options.insecure) conn.tls->set_verify_callback(ssl::host_name_verification(o.host));
    auto [hec] = co_await conn.tls->async_handshake(ssl::stream_base::client, use_nothrow);
    if (hec) {
      fail(out, ErrorClass::tls, hec, "tls handshake");
      co_return false;
    }
  } else {
    conn.plain = std::move(stream);
  }
  conn.connected = true;
  ++opened;
  co_return true;
}

void Transport::Impl::build(Connection& conn, const LoadRequest& req) const {
  std::string& s = conn.out;
  s.clear();
  s.append(req.method).append(" ").append(req.target).append(" HTTP/1.1\r\nHost: ");
  s.append(host_header).append("\r\nUser-Agent: ").append(options.user_agent);
  s.append("\r\nAccept: application/json\r\n");
  if (!req.bearer.empty()) s.append("Authorization: Bearer ").append(req.bearer).append("\r\n");
  if (!req.body.empty() || req.method == "POST") {
    s.append("Content-Type: application/json\r\nContent-Length: ");
    s.append(std::to_string(req.body.size())).append("\r\n");
  }
  s.append("\r\n").append(req.body);
}

template <class Stream>
Awaitable<bool> Transport::Impl::exchange(Stream& stream, Connection& conn,
                                          Clock::time_point deadline, LoadResponse& out,
                                          bool& stale) {
  const bool reused = conn.requests > 0;
  conn.transport().expires_at(deadline);
  auto [wec, written] = co_await asio::async_write(stream, asio::buffer(conn.out), use_nothrow);
  if (wec) {
    stale = reused && is_stale(wec);
    fail(out, ErrorClass::write, wec, "write");
    co_return false;
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(options.max_response_bytes);
  auto [rec, read] = co_await http::async_read(stream, conn.buffer, parser, use_nothrow);
  if (rec) {
    stale = reused && is_stale(rec) && read == 0;
    fail(out, ErrorClass::read, rec, "read");
    co_return false;
  }
  ++conn.requests;
  auto& res = parser.get();
  out.status = static_cast<int>(res.result_int());
  if (const auto it = res.find(http::field::retry_after); it != res.end()) {
    out.retry_after_s = parse_retry_after(it->value());
  }
  out.body = std::move(res.body());
  co_return res.keep_alive();
}

Transport::Transport(asio::io_context& io, TransportOptions options)
    : impl_(std::make_unique<Impl>(io, std::move(options))) {}
Transport::~Transport() = default;

Awaitable<LoadResponse> Transport::send(const LoadRequest& request) {
  Impl& d = *impl_;
  LoadResponse out;
  const auto deadline = Clock::now() + d.options.request_timeout;
  auto conn = co_await d.acquire(deadline, out);
  out.sent_us = steady_now_us();
  if (!conn) {
    out.done_us = out.sent_us;
    co_return out;
  }
  d.build(*conn, request);
  bool reusable = false;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!conn->connected) {
      const bool connected = co_await d.connect(*conn, deadline, out);
      if (!connected) break;
    }
    bool stale = false;
    out.error = ErrorClass::none;
    out.error_message.clear();
    if (conn->tls) {
      reusable = co_await d.exchange(*conn->tls, *conn, deadline, out, stale);
    } else {
      reusable = co_await d.exchange(*conn->plain, *conn, deadline, out, stale);
    }
    if (!stale || attempt == 1) break;
    // The server closed the idle connection: once more on a new one (same slot).
    std::string pending = std::move(conn->out);
    conn = std::make_unique<Connection>();
    conn->out = std::move(pending);
  }
  if (!out.ok()) reusable = false;
  out.done_us = steady_now_us();
  d.release(std::move(conn), reusable);
  co_return out;
}

void Transport::close() {
  Impl& d = *impl_;
  d.closed = true;
  d.open -= d.idle.size();
  d.idle.clear();
  for (Waiter* w : d.waiters) w->timer.cancel();  // not granted: they fail as closed
  d.waiters.clear();
}

std::uint64_t Transport::connections_opened() const {
  return impl_->opened;
}
std::size_t Transport::open_connections() const {
  return impl_->open;
}
std::size_t Transport::waiting() const {
  return impl_->waiters.size();
}

}  // namespace agentwork::load
