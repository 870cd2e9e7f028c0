#include "harness/load/transport.hpp"

#include <algorithm>
#include <cctype>
#include <list>
#include <optional>
#include <stdexcept>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "harness/net/http_errors.hpp"

namespace agentwork::load {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using harness::classify_failure;
using harness::is_stale_connection;
using Clock = std::chrono::steady_clock;
using Socket = asio::basic_stream_socket<tcp, IoExecutor>;
using TlsStream = ssl::stream<Socket>;
using Resolver = asio::ip::basic_resolver<tcp, IoExecutor>;
using Timer = asio::basic_waitable_timer<Clock, asio::wait_traits<Clock>, IoExecutor>;

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable_t<IoExecutor>{});
constexpr std::int64_t kNever = INT64_MAX;

// A response parser that keeps only what load mode reads (status, body, Retry-After,
// WWW-Authenticate, keep-alive): Beast's parser without a field container, so a response costs
// no allocation beyond its body.
class ResponseParser final : public http::basic_parser<false> {
 public:
  explicit ResponseParser(std::size_t body_limit) : limit_(body_limit) {
    this->body_limit(body_limit);
  }
  int status = 0;
  int retry_after_s = -1;
  std::string www_authenticate;
  std::string* body = nullptr;  // where the body goes (cleared at the header)

 private:
  void on_request_impl(http::verb, beast::string_view, beast::string_view, int,
                       error_code&) override {}
  void on_response_impl(int code, beast::string_view, int, error_code&) override { status = code; }
  void on_field_impl(http::field name, beast::string_view, beast::string_view value,
                     error_code&) override {
    if (name == http::field::retry_after) {
      retry_after_s = harness::parse_retry_after(std::string_view(value.data(), value.size()))
                          .value_or(-1);
    } else if (name == http::field::www_authenticate) {
      www_authenticate.assign(value.data(), value.size());
    }
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    body->clear();
    if (length) body->reserve(static_cast<std::size_t>(*length));
  }
  std::size_t on_body_impl(beast::string_view s, error_code& ec) override { return append(s, ec); }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view s, error_code& ec) override {
    return append(s, ec);
  }
  void on_finish_impl(error_code&) override {}

  std::size_t append(beast::string_view s, error_code& ec) {
    if (body->size() + s.size() > limit_) {
      ec = http::error::body_limit;
      return 0;
    }
    body->append(s.data(), s.size());
    return s.size();
  }
  std::size_t limit_;
};

// One keep-alive connection. Its deadline is watched by the transport's sweeper (one timer for
// all connections instead of one per read and write): past it, the socket is closed and the
// pending operation fails; `timed_out` says why.
struct Connection {
  explicit Connection(IoExecutor ex) : socket(ex) {}
  Socket socket;
  std::unique_ptr<TlsStream> tls;  // over `socket` (moved in) for https
  beast::flat_buffer buffer;
  std::string out;  // the request being written; its capacity is reused
  std::uint64_t requests = 0;
  bool connected = false;
  std::int64_t deadline_us = kNever;
  bool timed_out = false;
  std::size_t busy_slot = 0;

  Socket& lowest() { return tls ? tls->next_layer() : socket; }
};

// A request waiting for a connection: granted by release(), or its timer runs out.
struct Waiter {
  explicit Waiter(IoExecutor ex) : timer(ex) {}
  Timer timer;
  bool granted = false;
  std::unique_ptr<Connection> conn;  // null when granted a slot to open a new connection
  std::list<Waiter*>::iterator in_queue;  // its place in Impl::waiters, for an O(1) removal
};

void fail(LoadResponse& r, ErrorClass phase, const error_code& ec, const char* what,
          bool timed_out) {
  r.error = timed_out ? ErrorClass::timeout : classify_failure(ec, phase);
  r.error_message = std::string(what) + ": " + (timed_out ? "timed out" : ec.message());
}

}  // namespace

std::int64_t steady_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch())
      .count();
}

class TlsContext {
 public:
  ssl::context context{ssl::context::tls_client};
};

std::shared_ptr<TlsContext> make_tls_context(const TransportOptions& options) {
  if (!options.origin.tls) return nullptr;
  auto tls = std::make_shared<TlsContext>();
  error_code ec;
  tls->context.set_default_verify_paths(ec);  // a missing system store: verification fails later
  if (!options.ca_file.empty()) {
    tls->context.load_verify_file(options.ca_file, ec);
    if (ec) throw std::runtime_error("--ca-file " + options.ca_file + ": " + ec.message());
  }
  tls->context.set_verify_mode(options.insecure ? ssl::verify_none : ssl::verify_peer);
  return tls;
}

struct Transport::Impl {
  Impl(asio::io_context& io, TransportOptions opts)
      : executor(io.get_executor()), options(std::move(opts)), sweep_timer(executor) {
    if (!options.tls) options.tls = make_tls_context(options);
    const auto& o = options.origin;
    const bool default_port = o.port == (o.tls ? 443 : 80);
    const bool v6 = o.host.find(':') != std::string::npos;
    host_header =
        (v6 ? "[" + o.host + "]" : o.host) + (default_port ? "" : ":" + std::to_string(o.port));
  }

  IoExecutor executor;
  TransportOptions options;  // options.tls is set for an https origin
  std::string host_header;
  std::optional<Resolver::results_type> endpoints;  // resolved once, on the first connect
  std::vector<std::unique_ptr<Connection>> idle;
  // FIFO. A list: a waiter that times out leaves from the middle in O(1) (hundreds of
  // thousands may wait while a million clients ramp up against a slow server).
  std::list<Waiter*> waiters;
  std::size_t open = 0;  // connections counted against the cap: in use, idle, or being opened
  std::uint64_t opened = 0;
  bool closed = false;
  std::vector<Connection*> busy;  // with a deadline: connecting or exchanging
  Timer sweep_timer;
  bool sweeping = false;

  // A connection (or the right to open one), or null with `out` failed.
  Awaitable<std::unique_ptr<Connection>> acquire(Clock::time_point deadline, LoadResponse& out);
  void release(std::unique_ptr<Connection> conn, bool reusable);
  Awaitable<bool> connect(Connection& conn, LoadResponse& out);
  template <class Stream>
  Awaitable<bool> exchange(Stream& stream, Connection& conn, LoadResponse& out, bool& stale);
  void build(Connection& conn, const LoadRequest& req) const;

  // Deadlines: a connection is watched from arm() to disarm().
  void arm(Connection& conn, std::int64_t deadline_us);
  void disarm(Connection& conn);
  Awaitable<void> sweep();
};

void Transport::Impl::arm(Connection& conn, std::int64_t deadline_us) {
  conn.deadline_us = deadline_us;
  conn.timed_out = false;
  conn.busy_slot = busy.size();
  busy.push_back(&conn);
  if (!sweeping) {
    sweeping = true;
    asio::co_spawn(executor, sweep(), asio::detached);
  }
}

void Transport::Impl::disarm(Connection& conn) {
  if (conn.deadline_us == kNever) return;
  conn.deadline_us = kNever;
  busy[conn.busy_slot] = busy.back();
  busy[conn.busy_slot]->busy_slot = conn.busy_slot;
  busy.pop_back();
}

// Runs while connections are busy; every 50 ms closes those past their deadline.
Awaitable<void> Transport::Impl::sweep() {
  while (!busy.empty()) {
    sweep_timer.expires_after(std::chrono::milliseconds(50));
    co_await sweep_timer.async_wait(use_nothrow);
    const auto now = steady_now_us();
    for (Connection* c : busy) {
      if (c->deadline_us <= now && !c->timed_out) {
        c->timed_out = true;
        error_code ignored;
        c->lowest().close(ignored);
      }
    }
  }
  sweeping = false;
}

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
    co_return std::make_unique<Connection>(executor);
  }
  Waiter waiter(executor);
  waiter.timer.expires_at(deadline);
  waiters.push_back(&waiter);
  waiter.in_queue = std::prev(waiters.end());
  co_await waiter.timer.async_wait(use_nothrow);
  if (!waiter.granted) {
    if (!closed) waiters.erase(waiter.in_queue);  // close() emptied the queue already
    out.error = closed ? ErrorClass::aborted : ErrorClass::timeout;
    out.error_message = closed ? "transport closed" : "waiting for a connection: timed out";
    co_return nullptr;
  }
  co_return waiter.conn ? std::move(waiter.conn) : std::make_unique<Connection>(executor);
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

Awaitable<bool> Transport::Impl::connect(Connection& conn, LoadResponse& out) {
  const auto& o = options.origin;
  if (!endpoints) {
    Resolver resolver(executor);
    auto [ec, results] =
        co_await resolver.async_resolve(o.host, std::to_string(o.port), use_nothrow);
    if (ec) {
      fail(out, ErrorClass::dns, ec, "resolve", false);
      co_return false;
    }
    endpoints = std::move(results);
  }
  auto [cec, endpoint] = co_await asio::async_connect(conn.socket, *endpoints, use_nothrow);
  if (cec) {
    fail(out, ErrorClass::connect, cec, "connect", conn.timed_out);
    co_return false;
  }
  error_code ignored;
  conn.socket.set_option(tcp::no_delay(true), ignored);
  if (o.tls) {
    conn.tls = std::make_unique<TlsStream>(std::move(conn.socket), options.tls->context);
    if (!SSL_set_tlsext_host_name(conn.tls->native_handle(), o.host.c_str())) {
      out.error = ErrorClass::tls;
      out.error_message = "tls: cannot set SNI";
      co_return false;
    }
    if (!options.insecure) conn.tls->set_verify_callback(ssl::host_name_verification(o.host));
    auto [hec] = co_await conn.tls->async_handshake(ssl::stream_base::client, use_nothrow);
    if (hec) {
      fail(out, ErrorClass::tls, hec, "tls handshake", conn.timed_out);
      co_return false;
    }
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
Awaitable<bool> Transport::Impl::exchange(Stream& stream, Connection& conn, LoadResponse& out,
                                          bool& stale) {
  const bool reused = conn.requests > 0;
  auto [wec, written] = co_await asio::async_write(stream, asio::buffer(conn.out), use_nothrow);
  if (wec) {
    stale = reused && !conn.timed_out && is_stale_connection(wec);
    fail(out, ErrorClass::write, wec, "write", conn.timed_out);
    co_return false;
  }
  ResponseParser parser(options.max_response_bytes);
  parser.body = &out.body;
  auto [rec, read] = co_await http::async_read(stream, conn.buffer, parser, use_nothrow);
  if (rec) {
    stale = reused && !conn.timed_out && is_stale_connection(rec) && read == 0;
    fail(out, ErrorClass::read, rec, "read", conn.timed_out);
    co_return false;
  }
  ++conn.requests;
  out.status = parser.status;
  out.retry_after_s = parser.retry_after_s;
  out.www_authenticate = std::move(parser.www_authenticate);
  co_return parser.keep_alive();
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
  const auto deadline_us =
      out.sent_us +
      std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now()).count();
  bool reusable = false;
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool stale = false;
    if (!conn->connected) {
      // The connect has its own, shorter deadline within the request's.
      const auto connect_us =
          std::chrono::duration_cast<std::chrono::microseconds>(d.options.connect_timeout).count();
      d.arm(*conn, std::min(deadline_us, steady_now_us() + connect_us));
      const bool connected = co_await d.connect(*conn, out);
      d.disarm(*conn);
      if (!connected) break;
    }
    out.error = ErrorClass::none;
    out.error_message.clear();
    d.arm(*conn, deadline_us);
    if (conn->tls) {
      reusable = co_await d.exchange(*conn->tls, *conn, out, stale);
    } else {
      reusable = co_await d.exchange(conn->socket, *conn, out, stale);
    }
    d.disarm(*conn);
    if (!stale || attempt == 1) break;
    // The server closed the idle connection: once more on a new one (same slot).
    std::string pending = std::move(conn->out);
    conn = std::make_unique<Connection>(d.executor);
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
  for (Connection* c : d.busy) {  // in flight: fail now
    error_code ignored;
    c->lowest().close(ignored);
  }
  d.sweep_timer.cancel();
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
