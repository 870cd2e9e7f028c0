// Synchronous on the outside, Beast coroutines on the inside: each call runs one coroutine to
// completion on the client's own io_context, with the whole exchange under one deadline.
#include "tests/support/http_client.hpp"

#include <array>
#include <cctype>
#include <exception>
#include <optional>
#include <string_view>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace agentwork::testing {
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
using BeastRequest = http::request<http::string_body>;

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::uint32_t kResponseHeaderLimit = 1024 * 1024;

// Runs one coroutine to completion on this thread; exceptions from it are rethrown.
template <class T>
T run_to_completion(asio::io_context& ioc, asio::awaitable<T> work) {
  T result{};
  std::exception_ptr failure;
  asio::co_spawn(ioc, std::move(work), [&](std::exception_ptr error, T value) {
    failure = error;
    result = std::move(value);
  });
  ioc.restart();
  ioc.run();
  if (failure) std::rethrow_exception(failure);
  return result;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

void copy_response(const http::response<http::string_body>& res, Reply& reply) {
  reply.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    auto& value = reply.headers[lower(field.name_string())];
    if (!value.empty()) value += ", ";
    value += std::string(field.value());
  }
  reply.body = res.body();
}

Reply transport_failure(std::string error) {
  Reply reply;
  reply.error = std::move(error);
  return reply;
}

struct Outcome {
  Reply reply;
  bool keep_alive = false;
};

template <class Stream>
asio::awaitable<Outcome> send_and_receive(Stream& stream, beast::flat_buffer& buffer,
                                          const BeastRequest& req) {
  Outcome outcome;
  auto [write_ec, written] = co_await http::async_write(stream, req, use_nothrow);
  // Even when the write failed, the server may have answered early (413 before the body).
  http::response_parser<http::string_body> parser;
  parser.header_limit(kResponseHeaderLimit);
  parser.body_limit(boost::none);
  if (req.method() == http::verb::head) parser.skip(true);
  auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, use_nothrow);
  if (parser.is_header_done()) copy_response(parser.get(), outcome.reply);
  if (read_ec) {
    outcome.reply.error = write_ec ? "write: " + write_ec.message() : "read: " + read_ec.message();
    co_return outcome;
  }
  outcome.keep_alive = parser.get().keep_alive();
  co_return outcome;
}

asio::awaitable<std::string> exchange_raw(std::uint16_t port, std::string bytes,
                                          Clock::time_point deadline) {
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  stream.expires_at(deadline);
  const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), port);
  auto [connect_ec] = co_await stream.async_connect(endpoint, use_nothrow);
  if (connect_ec) co_return std::string{};
  if (!bytes.empty()) co_await asio::async_write(stream, asio::buffer(bytes), use_nothrow);
  std::string received;
  std::array<char, 4096> chunk{};
  for (;;) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(chunk), use_nothrow);
    received.append(chunk.data(), n);
    if (ec) break;
  }
  co_return received;
}

}  // namespace

nlohmann::json Reply::json() const {
  return nlohmann::json::parse(body, nullptr, false);
}

struct HttpClient::Impl {
  Impl(std::string host, std::uint16_t port, bool tls, const std::string& ca_file);

  asio::awaitable<Reply> exchange(BeastRequest req, Clock::time_point deadline);
  // Returns the error text, empty on success.
  asio::awaitable<std::string> connect(Clock::time_point deadline);
  bool connection_usable();
  void disconnect();
  beast::tcp_stream* transport();

  std::string host_;
  std::uint16_t port_;
  bool tls_;
  bool verify_ = false;
  std::string setup_error_;  // a bad CA file: reported by every request
  asio::io_context ioc_;
  ssl::context ssl_context_{ssl::context::tls_client};
  std::optional<PlainStream> plain_;
  std::optional<TlsStream> secure_;
  beast::flat_buffer buffer_;
  int connects_ = 0;
};

HttpClient::Impl::Impl(std::string host, std::uint16_t port, bool tls, const std::string& ca_file)
    : host_(std::move(host)), port_(port), tls_(tls) {
  if (!tls_ || ca_file.empty()) return;
  error_code ec;
  ssl_context_.load_verify_file(ca_file, ec);
  if (ec) setup_error_ = "tls: cannot load CA file " + ca_file + ": " + ec.message();
  verify_ = true;
}

beast::tcp_stream* HttpClient::Impl::transport() {
  if (secure_) return &beast::get_lowest_layer(*secure_);
  if (plain_) return &*plain_;
  return nullptr;
}

// False when there is no connection or the server closed it (or sent something unasked).
bool HttpClient::Impl::connection_usable() {
  auto* stream = transport();
  if (stream == nullptr || !stream->socket().is_open() || buffer_.size() > 0) return false;
  auto& socket = stream->socket();
  error_code ec;
  socket.non_blocking(true, ec);
  char probe = 0;
  const auto n = socket.receive(asio::buffer(&probe, 1), tcp::socket::message_peek, ec);
  error_code ignored;
  socket.non_blocking(false, ignored);
  return n == 0 && ec == asio::error::would_block;
}

void HttpClient::Impl::disconnect() {
  if (auto* stream = transport()) stream->close();
  secure_.reset();
  plain_.reset();
  buffer_.clear();
}

asio::awaitable<std::string> HttpClient::Impl::connect(Clock::time_point deadline) {
  tcp::resolver resolver(ioc_);
  auto [resolve_ec, endpoints] =
      co_await resolver.async_resolve(host_, std::to_string(port_), use_nothrow);
  if (resolve_ec) co_return "resolve: " + resolve_ec.message();
  if (tls_) {
    secure_.emplace(ioc_, ssl_context_);
    if (!is_ip_literal(host_)) SSL_set_tlsext_host_name(secure_->native_handle(), host_.c_str());
    if (verify_) {
      secure_->set_verify_mode(ssl::verify_peer);
      secure_->set_verify_callback(ssl::host_name_verification(host_));
    }
  } else {
    plain_.emplace(ioc_);
  }
  // Absolute: one deadline for connect, handshake, write and read alike.
  transport()->expires_at(deadline);
  auto [connect_ec, endpoint] = co_await transport()->async_connect(endpoints, use_nothrow);
  if (connect_ec) co_return "connect: " + connect_ec.message();
  ++connects_;
  if (tls_) {
    auto [handshake_ec] = co_await secure_->async_handshake(ssl::stream_base::client, use_nothrow);
    if (handshake_ec) co_return "handshake: " + handshake_ec.message();
  }
  co_return std::string{};
}

asio::awaitable<Reply> HttpClient::Impl::exchange(BeastRequest req, Clock::time_point deadline) {
  if (!setup_error_.empty()) co_return transport_failure(setup_error_);
  if (!connection_usable()) {
    disconnect();
    std::string error = co_await connect(deadline);
    if (!error.empty()) {
      disconnect();
      co_return transport_failure(std::move(error));
    }
  }
  transport()->expires_at(deadline);
  Outcome outcome;
  if (secure_) {
    outcome = co_await send_and_receive(*secure_, buffer_, req);
  } else {
    outcome = co_await send_and_receive(*plain_, buffer_, req);
  }
  if (!outcome.reply.error.empty() || !outcome.keep_alive) disconnect();
  co_return std::move(outcome.reply);
}

HttpClient::HttpClient(std::string host, std::uint16_t port, bool tls, std::string ca_file)
    : impl_(std::make_unique<Impl>(std::move(host), port, tls, ca_file)) {}

HttpClient::~HttpClient() {
  impl_->disconnect();
}

Reply HttpClient::request(const std::string& method, const std::string& target,
                          const std::string& body,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          std::chrono::milliseconds timeout) {
  try {
    BeastRequest req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(http::field::host, impl_->host_ + ":" + std::to_string(impl_->port_));
    req.set(http::field::user_agent, "agentwork-test-client");
    for (const auto& [name, value] : headers) req.set(name, value);  // may replace Host
    req.body() = body;
    req.prepare_payload();
    return run_to_completion(impl_->ioc_, impl_->exchange(std::move(req), Clock::now() + timeout));
  } catch (const std::exception& e) {
    impl_->disconnect();
    return transport_failure(std::string("request: ") + e.what());
  }
}

Reply HttpClient::get(const std::string& target, const std::string& bearer) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!bearer.empty()) headers.emplace_back("Authorization", "Bearer " + bearer);
  return request("GET", target, "", headers);
}

Reply HttpClient::post(const std::string& target, const nlohmann::json& body,
                       const std::string& bearer) {
  std::vector<std::pair<std::string, std::string>> headers{{"Content-Type", "application/json"}};
  if (!bearer.empty()) headers.emplace_back("Authorization", "Bearer " + bearer);
  return request("POST", target, body.dump(), headers);
}

Reply HttpClient::put(const std::string& target, const nlohmann::json& body,
                      const std::string& bearer) {
  std::vector<std::pair<std::string, std::string>> headers{{"Content-Type", "application/json"}};
  if (!bearer.empty()) headers.emplace_back("Authorization", "Bearer " + bearer);
  return request("PUT", target, body.dump(), headers);
}

Reply HttpClient::del(const std::string& target, const std::string& bearer) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!bearer.empty()) headers.emplace_back("Authorization", "Bearer " + bearer);
  return request("DELETE", target, "", headers);
}

int HttpClient::connects() const {
  return impl_->connects_;
}

std::string raw_exchange(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds timeout) {
  asio::io_context ioc;
  return run_to_completion(ioc, exchange_raw(port, bytes, Clock::now() + timeout));
}

std::string test_data(const std::string& name) {
  return std::string(AGENTWORK_TEST_DATA_DIR) + "/" + name;
}

}  // namespace agentwork::testing
