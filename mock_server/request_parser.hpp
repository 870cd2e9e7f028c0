// Internal to the mock's server, with no Asio and no coroutines, so that the fuzz target of the
// request path (tests/fuzz/http_request_fuzz.cpp) compiles it as the server does: Beast's request
// parser writing straight into an HttpRequest, the answer owed for a request that cannot be read,
// and the hand-formatted head of a response.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>

#include "mock_server/http_types.hpp"
#include "mock_server/json_util.hpp"
#include "mock_server/server.hpp"

namespace agentwork::mock::server_detail {

namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

inline constexpr std::string_view kServerName = "agentwork-mock";

inline HttpResponse internal_error() {
  HttpResponse response;
  response.status = 500;
  response.body = error_body("internal error");
  return response;
}

struct ErrorReply {
  int status;
  std::string detail;
};

// The response owed for a failed request read; nullopt when the peer is gone or timed out.
inline std::optional<ErrorReply> error_reply_for(const error_code& ec,
                                                 const ServerOptions& options) {
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

// Beast's request parser without its field container: it writes what the application reads
// (method, target, Authorization, Content-Type, Host, body) straight into an HttpRequest that
// the connection reuses, so a request whose strings fit the capacity of the previous one's
// costs no allocation. As with a field container, a repeated header counts by its first value.
class RequestParser final : public http::basic_parser<true> {
 public:
  // Clears `out` (keeping its capacity) for the next request.
  explicit RequestParser(HttpRequest& out) : out_(out) {
    out_.method.clear();
    out_.target.clear();
    out_.authorization.clear();
    out_.content_type.clear();
    out_.host.clear();
    out_.body.clear();
  }
  unsigned version() const { return version_; }
  bool head() const { return head_; }
  bool expects_continue() const { return expect_continue_; }

 private:
  void on_request_impl(http::verb verb, beast::string_view method, beast::string_view target,
                       int version, error_code&) override {
    out_.method.assign(method.data(), method.size());
    out_.target.assign(target.data(), target.size());
    version_ = static_cast<unsigned>(version);
    head_ = verb == http::verb::head;
  }
  void on_response_impl(int, beast::string_view, int, error_code& ec) override {
    ec = http::error::bad_method;  // never called for a request parser
  }
  void on_field_impl(http::field name, beast::string_view, beast::string_view value,
                     error_code&) override {
    switch (name) {
      case http::field::authorization: first(seen_authorization_, out_.authorization, value); break;
      case http::field::content_type: first(seen_content_type_, out_.content_type, value); break;
      case http::field::host: first(seen_host_, out_.host, value); break;
      case http::field::expect:
        if (!seen_expect_) expect_continue_ = beast::iequals(value, "100-continue");
        seen_expect_ = true;
        break;
      default: break;
    }
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    // The parser has checked the length against its body limit already.
    if (length) out_.body.reserve(static_cast<std::size_t>(*length));
  }
  std::size_t on_body_impl(beast::string_view s, error_code&) override {
    out_.body.append(s.data(), s.size());
    return s.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view s, error_code&) override {
    out_.body.append(s.data(), s.size());
    return s.size();
  }
  void on_finish_impl(error_code&) override {}

  static void first(bool& seen, std::string& to, beast::string_view value) {
    if (seen) return;
    seen = true;
    to.assign(value.data(), value.size());
  }

  HttpRequest& out_;
  unsigned version_ = 11;
  bool head_ = false;
  bool expect_continue_ = false;
  bool seen_authorization_ = false, seen_content_type_ = false, seen_host_ = false;
  bool seen_expect_ = false;
};

// Appends a header value with any CR/LF removed (no header injection from a handler).
inline void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out += ": ";
  for (const char c : value) {
    if (c != '\r' && c != '\n') out += c;
  }
  out += "\r\n";
}

// The status line and headers of a response, formatted by hand: the hot path of every poll.
// An out-of-range status becomes a 500 (the body is replaced too).
inline void format_head(std::string& head, HttpResponse& response, unsigned version,
                        bool keep_alive) {
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

}  // namespace agentwork::mock::server_detail
