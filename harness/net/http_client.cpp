#include "harness/net/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <random>
#include <stdexcept>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "harness/net/http_errors.hpp"

namespace agentwork::harness {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using TcpStream = beast::basic_stream<tcp, Executor>;
using TlsStream = ssl::stream<TcpStream>;
using Resolver = asio::ip::basic_resolver<tcp, Executor>;
using Timer = asio::basic_waitable_timer<Clock, asio::wait_traits<Clock>, Executor>;

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable_t<Executor>{});

std::chrono::microseconds since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t);
}

bool is_idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS";
}

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

struct Connection {
  Origin origin;
  std::unique_ptr<TcpStream> plain;
  std::unique_ptr<TlsStream> tls;
  beast::flat_buffer buffer;

  TcpStream& transport() { return tls ? tls->next_layer() : *plain; }
  void close() {
    error_code ignored;
    transport().socket().close(ignored);
  }
};

// The outcome of one request on one connection.
struct Attempt {
  ErrorClass error = ErrorClass::none;
  std::string message;
  bool connection_reusable = false;
  http::response<http::string_body> response;
};

// Retry-After as seconds (the HTTP-date form is not used by the services we test).
std::optional<std::chrono::seconds> retry_after(const http::response<http::string_body>& res) {
  const auto it = res.find(http::field::retry_after);
  if (it == res.end()) return std::nullopt;
  const auto seconds = parse_retry_after(std::string_view(it->value().data(), it->value().size()));
  if (!seconds) return std::nullopt;
  return std::chrono::seconds(*seconds);
}

}  // namespace

std::string Origin::key() const {
  return std::string(tls ? "https://" : "http://") + host + ":" + std::to_string(port);
}

namespace {

// host[:port] or [v6][:port] into host and port (empty when none); the problem, or nullptr.
const char* split_authority(std::string_view authority, std::string& host, std::string_view& port) {
  if (!authority.starts_with("[")) {
    const auto colon = authority.rfind(':');
    host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    return nullptr;
  }
  const auto close = authority.find(']');
  if (close == std::string_view::npos) return "unterminated IPv6 address";
  host = std::string(authority.substr(1, close - 1));
  if (close + 1 < authority.size()) {
    if (authority[close + 1] != ':') return "expected ':' after the IPv6 address";
    port = authority.substr(close + 2);
  }
  return nullptr;
}

// A decimal port in 1..65535.
std::optional<std::uint16_t> parse_port(std::string_view port) {
  unsigned value = 0;
  for (char c : port) {
    if (c < '0' || c > '9' || value > 65535) return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::optional<ParsedUrl> parse_url(std::string_view url, std::string& error) {
  const auto fail = [&](const std::string& why) {
    error = "\"" + std::string(url) + "\": " + why;
    return std::nullopt;
  };
  ParsedUrl out;
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    out.origin.tls = true;
    rest = url.substr(8);
  } else {
    return fail("expected an http:// or https:// URL");
  }
  const auto path_at = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_at);
  out.target = path_at == std::string_view::npos ? "/" : std::string(rest.substr(path_at));
  if (out.target.front() == '?') out.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) {
    return fail("credentials in the URL are not supported");
  }
  std::string_view port;
  if (const char* problem = split_authority(authority, out.origin.host, port)) return fail(problem);
  if (out.origin.host.empty()) return fail("no host");
  if (port.empty()) {
    out.origin.port = out.origin.tls ? 443 : 80;
  } else if (const auto value = parse_port(port)) {
    out.origin.port = *value;
  } else {
    return fail("bad port \"" + std::string(port) + "\"");
  }
  return out;
}

std::string HttpExchange::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (beast::iequals(n, name)) return v;
  }
  return {};
}

struct HttpClient::Impl {
  Impl(Executor ex, HttpClientOptions o)
      : executor(ex),
        options(std::move(o)),
        ssl_context(ssl::context::tls_client),
        rng(std::random_device{}()) {
    error_code ec;
    ssl_context.set_default_verify_paths(ec);  // a missing system store only matters for https
    if (!options.ca_file.empty()) {
      ssl_context.load_verify_file(options.ca_file, ec);
      if (ec)
        throw std::runtime_error("cannot load CA file " + options.ca_file + ": " + ec.message());
    }
    ssl_context.set_verify_mode(options.insecure ? ssl::verify_none : ssl::verify_peer);
  }

  Awaitable<HttpExchange> send(HttpRequest request);
  Awaitable<Attempt> attempt(const ParsedUrl& url, const std::string& method,
                             const HttpRequest& request, const std::string& body,
                             Clock::time_point deadline, HttpExchange& out);
  Awaitable<std::unique_ptr<Connection>> connect(const Origin& origin, Clock::time_point deadline,
                                                 HttpExchange& out, Attempt& failure);
  template <class Stream>
  Awaitable<error_code> exchange(Stream& stream, Connection& c,
                                 const http::request<http::string_body>& req,
                                 http::response_parser<http::string_body>& parser,
                                 Clock::time_point deadline, ErrorClass& phase,
                                 Clock::time_point& sent);
  Awaitable<void> sleep(std::chrono::milliseconds d);

  // The steps of send() between attempts.
  enum class Redirect { none, follow, failed };
  void report_attempt(const std::string& method, const ParsedUrl& url, const Attempt& a,
                      Clock::time_point sent) const;
  std::chrono::milliseconds backoff(int tries) const;
  std::chrono::milliseconds jittered_backoff(int tries);
  static void take_response(Attempt& a, HttpExchange& out);
  Redirect follow_redirect(HttpExchange& out, ParsedUrl& url, std::string& method,
                           std::string& body) const;
  std::optional<std::chrono::milliseconds> status_retry_delay(const HttpExchange& out,
                                                              const Attempt& a, int tries,
                                                              bool can_retry,
                                                              Clock::time_point deadline) const;

  std::chrono::milliseconds remaining(Clock::time_point deadline,
                                      std::chrono::milliseconds cap) const {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return std::max(std::chrono::milliseconds(1), std::min(left, cap));
  }

  Executor executor;
  HttpClientOptions options;
  ssl::context ssl_context;
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle;  // by origin key
  std::uint64_t opened = 0;
  std::minstd_rand rng;
};

Awaitable<void> HttpClient::Impl::sleep(std::chrono::milliseconds d) {
  Timer timer(executor, d);
  co_await timer.async_wait(use_nothrow);
}

Awaitable<std::unique_ptr<Connection>> HttpClient::Impl::connect(const Origin& origin,
                                                                 Clock::time_point deadline,
                                                                 HttpExchange& out,
                                                                 Attempt& failure) {
  const auto started = Clock::now();
  auto conn = std::make_unique<Connection>();
  conn->origin = origin;
  Resolver resolver(executor);
  auto [rec, endpoints] =
      co_await resolver.async_resolve(origin.host, std::to_string(origin.port), use_nothrow);
  if (rec) {
    failure.error = ErrorClass::dns;
    failure.message = "dns: " + origin.host + ": " + rec.message();
    co_return nullptr;
  }
  auto stream = std::make_unique<TcpStream>(executor);
  stream->expires_after(remaining(deadline, options.connect_timeout));
  auto [cec, endpoint] = co_await stream->async_connect(endpoints, use_nothrow);
  if (cec) {
    failure.error = classify_failure(cec, ErrorClass::connect);
    failure.message =
        "connect: " + origin.host + ":" + std::to_string(origin.port) + ": " + cec.message();
    co_return nullptr;
  }
  ++opened;
  stream->socket().set_option(tcp::no_delay(true));
  if (origin.tls) {
    conn->tls = std::make_unique<TlsStream>(std::move(*stream), ssl_context);
    if (!is_ip_literal(origin.host)) {
      SSL_set_tlsext_host_name(conn->tls->native_handle(), origin.host.c_str());
    }
    if (!options.insecure) conn->tls->set_verify_callback(ssl::host_name_verification(origin.host));
    conn->tls->next_layer().expires_after(remaining(deadline, options.connect_timeout));
    auto [hec] = co_await conn->tls->async_handshake(ssl::stream_base::client, use_nothrow);
    if (hec) {
      failure.error = classify_failure(hec, ErrorClass::tls);
      failure.message = "tls: " + origin.host + ": " + hec.message();
      co_return nullptr;
    }
  } else {
    conn->plain = std::move(stream);
  }
  out.connect_time = since(started);
  co_return conn;
}

template <class Stream>
Awaitable<error_code> HttpClient::Impl::exchange(Stream& stream, Connection& c,
                                                 const http::request<http::string_body>& req,
                                                 http::response_parser<http::string_body>& parser,
                                                 Clock::time_point deadline, ErrorClass& phase,
                                                 Clock::time_point& sent) {
  c.transport().expires_after(remaining(deadline, options.read_timeout));
  phase = ErrorClass::write;
  auto [wec, written] = co_await http::async_write(stream, req, use_nothrow);
  if (wec) co_return wec;
  sent = Clock::now();
  phase = ErrorClass::read;
  auto [rec, read] = co_await http::async_read(stream, c.buffer, parser, use_nothrow);
  co_return rec;
}

Awaitable<Attempt> HttpClient::Impl::attempt(const ParsedUrl& url, const std::string& method,
                                             const HttpRequest& request, const std::string& body,
                                             Clock::time_point deadline, HttpExchange& out) {
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(url.target);
  req.version(11);
  const bool default_port = url.origin.port == (url.origin.tls ? 443 : 80);
  req.set(http::field::host,
          default_port ? url.origin.host : url.origin.host + ":" + std::to_string(url.origin.port));
  req.set(http::field::user_agent, options.user_agent);
  for (const auto& [name, value] : request.headers) req.insert(name, value);
  req.body() = body;
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")
    req.prepare_payload();

  Attempt result;
  auto& pool = idle[url.origin.key()];
  // A pooled connection first; if the server closed it meanwhile, once more on a new one.
  for (int fresh_try = 0; fresh_try < 2; ++fresh_try) {
    std::unique_ptr<Connection> conn;
    out.reused_connection = false;
    out.connect_time = std::chrono::microseconds(0);
    if (!pool.empty()) {
      conn = std::move(pool.back());
      pool.pop_back();
      out.reused_connection = true;
    } else {
      conn = co_await connect(url.origin, deadline, out, result);
      if (!conn) co_return result;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(options.max_response_bytes);
    ErrorClass phase = ErrorClass::write;
    auto sent = Clock::now();
    error_code ec;
    if (conn->tls) {
      ec = co_await exchange(*conn->tls, *conn, req, parser, deadline, phase, sent);
    } else {
      ec = co_await exchange(*conn->plain, *conn, req, parser, deadline, phase, sent);
    }
    if (ec) {
      conn->close();
      if (out.reused_connection && is_stale_connection(ec) && !parser.got_some()) continue;
      result.error = classify_failure(ec, phase);
      result.message =
          std::string(phase == ErrorClass::write ? "write: " : "read: ") + ec.message();
      co_return result;
    }
    out.ttfb = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent);
    result.response = parser.release();
    if (result.response.keep_alive() && pool.size() < options.max_idle_per_origin) {
      pool.push_back(std::move(conn));
    } else {
      conn->close();
    }
    co_return result;
  }
  co_return result;
}

void HttpClient::Impl::report_attempt(const std::string& method, const ParsedUrl& url,
                                      const Attempt& a, Clock::time_point sent) const {
  if (!options.after_attempt) return;
  const auto micros = [](Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  };
  const auto wait = a.error == ErrorClass::none ? retry_after(a.response) : std::nullopt;
  const int status = a.error == ErrorClass::none ? static_cast<int>(a.response.result_int()) : 0;
  options.after_attempt(method, url.target, status, a.error, micros(sent), micros(Clock::now()),
                        wait ? static_cast<int>(wait->count()) : -1);
}

std::chrono::milliseconds HttpClient::Impl::backoff(int tries) const {
  return std::min(options.backoff_max, options.backoff_base * (1 << std::min(tries - 1, 16)));
}

// Between half the backoff and all of it, so that clients failing together do not retry together.
std::chrono::milliseconds HttpClient::Impl::jittered_backoff(int tries) {
  const auto b = backoff(tries);
  return std::chrono::milliseconds(
      b.count() / 2 + static_cast<long>(rng() % static_cast<unsigned>(b.count() / 2 + 1)));
}

void HttpClient::Impl::take_response(Attempt& a, HttpExchange& out) {
  out.error = ErrorClass::none;
  out.error_message.clear();
  out.status = static_cast<int>(a.response.result_int());
  out.headers.clear();
  for (const auto& field : a.response) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = std::move(a.response.body());
}

// Redirects: 307/308 keep the method and body; 301/302/303 continue with GET.
HttpClient::Impl::Redirect HttpClient::Impl::follow_redirect(HttpExchange& out, ParsedUrl& url,
                                                             std::string& method,
                                                             std::string& body) const {
  const int s = out.status;
  const bool redirect = s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
  if (!redirect || out.header("Location").empty()) return Redirect::none;
  if (out.redirects >= options.max_redirects) {
    out.error = ErrorClass::redirects;
    out.error_message = "redirects: more than " + std::to_string(options.max_redirects);
    return Redirect::failed;
  }
  ++out.redirects;
  const auto location = out.header("Location");
  if (location.starts_with("/")) {
    url.target = location;
  } else {
    std::string problem;
    auto next = parse_url(location, problem);
    if (!next) {
      out.error = ErrorClass::redirects;
      out.error_message = "redirects: bad Location " + problem;
      return Redirect::failed;
    }
    url = *next;
  }
  out.url = url.origin.key() + url.target;
  if (s != 307 && s != 308 && method != "HEAD") {
    method = "GET";
    body.clear();
  }
  return Redirect::follow;
}

// How long to wait before retrying a 429 or 503 (Retry-After, else the backoff); nullopt when
// the answer stands: no retry left, a Retry-After too long to wait for, or past the deadline.
std::optional<std::chrono::milliseconds> HttpClient::Impl::status_retry_delay(
    const HttpExchange& out, const Attempt& a, int tries, bool can_retry,
    Clock::time_point deadline) const {
  const bool busy = out.status == 429 || out.status == 503;
  if (!busy || !(can_retry || (out.status == 429 && tries < options.max_attempts))) {
    return std::nullopt;
  }
  const auto wait = retry_after(a.response);
  if (wait && *wait > options.max_retry_after) return std::nullopt;  // not worth waiting for
  const auto delay = wait ? std::chrono::milliseconds(*wait) : backoff(tries);
  if (Clock::now() + delay >= deadline) return std::nullopt;
  return delay;
}

Awaitable<HttpExchange> HttpClient::Impl::send(HttpRequest request) {
  const auto started = Clock::now();
  const auto deadline = started + options.total_timeout;
  HttpExchange out;
  out.method = request.method;
  out.url = request.url;
  std::string problem;
  auto url = parse_url(request.url, problem);
  if (!url) {
    out.error = ErrorClass::bad_url;
    out.error_message = "url: " + problem;
    co_return out;
  }
  std::string method = request.method;
  std::string body = request.body;
  int tries = 0;  // attempts that count against max_attempts (redirects do not)
  for (;;) {
    ++out.attempts;
    ++tries;
    if (options.before_attempt) {
      auto admitted = options.before_attempt();
      if (!co_await std::move(admitted)) {
        out.error = ErrorClass::aborted;
        out.error_message = "not sent: the run is stopping";
        break;
      }
    }
    const auto sent = Clock::now();
    Attempt a = co_await attempt(*url, method, request, body, deadline, out);
    report_attempt(method, *url, a, sent);
    const bool can_retry = is_idempotent(method) && tries < options.max_attempts;
    if (a.error != ErrorClass::none) {
      out.error = a.error;
      out.error_message = a.message;
      const auto wait = jittered_backoff(tries);
      const bool transport = a.error != ErrorClass::too_large && a.error != ErrorClass::protocol;
      if (!transport || !can_retry || Clock::now() + wait >= deadline) break;
      out.retried.push_back({0, a.error, a.message, {}, since(sent)});
      co_await sleep(wait);
      continue;
    }
    take_response(a, out);
    const auto redirect = follow_redirect(out, *url, method, body);
    if (redirect == Redirect::failed) break;
    if (redirect == Redirect::follow) {
      --tries;
      continue;
    }
    const auto delay = status_retry_delay(out, a, tries, can_retry, deadline);
    if (!delay) break;
    out.retried.push_back({out.status,
                           ErrorClass::none,
                           {},
                           out.body.substr(0, std::min<std::size_t>(out.body.size(), 4096)),
                           since(sent)});
    co_await sleep(*delay);
  }
  out.total = since(started);
  co_return out;
}

HttpClient::HttpClient(Executor executor, HttpClientOptions options)
    : impl_(std::make_unique<Impl>(executor, std::move(options))) {}
HttpClient::~HttpClient() = default;

Awaitable<HttpExchange> HttpClient::send(HttpRequest request) {
  return impl_->send(std::move(request));
}

std::uint64_t HttpClient::connections_opened() const {
  return impl_->opened;
}

}  // namespace agentwork::harness
