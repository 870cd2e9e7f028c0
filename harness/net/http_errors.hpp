// How the harness names a Beast/Asio transport failure: shared by its two HTTP clients
// (harness/net/http_client.cpp for scenarios, harness/load/transport.cpp for load mode). Includes
// Beast: for Beast translation units only.
#pragma once

#include <optional>
#include <string_view>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include "harness/net/http_client.hpp"  // ErrorClass

namespace agentwork::harness {

// Retry-After in its delay-seconds form: up to 9 digits, nothing else (the HTTP-date form is not
// used by the services we test); nullopt otherwise.
inline std::optional<int> parse_retry_after(std::string_view value) {
  if (value.empty() || value.size() > 9) return std::nullopt;
  int seconds = 0;
  for (const char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    seconds = seconds * 10 + (c - '0');
  }
  return seconds;
}

// A failure on a reused keep-alive connection before any response: the server closed it while
// idle; the request may go again on a new connection.
inline bool is_stale_connection(const boost::system::error_code& ec) {
  namespace http = boost::beast::http;
  return ec == http::error::end_of_stream || ec == boost::asio::error::eof ||
         ec == boost::asio::error::connection_reset || ec == boost::asio::error::broken_pipe ||
         ec == http::error::partial_message;
}

// The class of a failure in `phase` (connect, tls, write, read): a timeout, a response over a
// limit, or a read that is not HTTP/1.x, else the phase itself.
inline ErrorClass classify_failure(const boost::system::error_code& ec, ErrorClass phase) {
  namespace http = boost::beast::http;
  if (ec == boost::beast::error::timeout) return ErrorClass::timeout;
  if (ec == http::error::body_limit || ec == http::error::buffer_overflow ||
      ec == http::error::header_limit) {
    return ErrorClass::too_large;
  }
  if (phase == ErrorClass::read &&
      ec.category() == http::make_error_code(http::error::bad_version).category() &&
      !is_stale_connection(ec)) {
    return ErrorClass::protocol;
  }
  return phase;
}

}  // namespace agentwork::harness
