// Fuzz target: bytes from a client, as the mock's server reads them - Beast's parser with the
// server's limits (mock_server/request_parser.hpp), then the App, then the head the server
// formats - request after request while the connection would stay open. Tokens @K @T @M @P in
// the input stand for the account's key and three waiting tasks (mock_world.hpp).
// Checks: nothing throws; every answer passes check_answer; a response head has no bare LF and
// no header line without a colon (no header injection from a Host or a fault body).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>

#include "mock_server/request_parser.hpp"
#include "tests/fuzz/mock_world.hpp"

namespace {

using agentwork::mock::HttpRequest;
using agentwork::mock::HttpResponse;
using agentwork::mock::ServerOptions;
namespace sd = agentwork::mock::server_detail;

void check_head(const std::string& head) {
  std::size_t line_start = 0;
  bool status_line = true;
  while (line_start < head.size()) {
    const auto end = head.find("\r\n", line_start);
    if (end == std::string::npos) agentwork::fuzz::fail("head not ended by CRLF", head);
    const std::string_view line(head.data() + line_start, end - line_start);
    if (line.find('\n') != std::string_view::npos || line.find('\r') != std::string_view::npos) {
      agentwork::fuzz::fail("bare CR or LF in a response head", head);
    }
    if (!status_line && !line.empty() && line.find(": ") == std::string_view::npos) {
      agentwork::fuzz::fail("header line without a colon", head);
    }
    status_line = false;
    line_start = end + 2;
  }
}

HttpResponse error_response(const sd::ErrorReply& reply) {
  HttpResponse response;
  response.status = reply.status;
  response.body = agentwork::mock::error_body(reply.detail);
  return response;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto world = agentwork::fuzz::make_world();
  const std::string input =
      world.substitute(std::string_view(reinterpret_cast<const char*>(data), size));
  ServerOptions limits;  // the server's defaults: 16 KiB heads, 1 MiB bodies
  limits.max_body_bytes = 64 * 1024;  // smaller, so that the fuzzer reaches the limit
  std::string_view rest = input;
  HttpRequest request;
  std::string head;
  for (int served = 0; served < 32 && !rest.empty(); ++served) {
    sd::RequestParser parser(request);
    parser.eager(true);
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    sd::error_code ec;
    const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    rest.remove_prefix(used);
    // Cut off by the end of the input (the client closed): the server answers nothing.
    if (ec == sd::http::error::need_more) break;
    if (ec) {
      if (const auto reply = sd::error_reply_for(ec, limits)) {
        HttpResponse response = error_response(*reply);
        sd::format_head(head, response, 11, false);
        check_head(head);
      }
      break;  // the server closes after an unreadable request
    }
    if (!parser.is_done()) break;
    HttpResponse response = world.app->handle(request);
    agentwork::fuzz::check_answer(world, response);
    const bool keep_alive = parser.keep_alive() && !response.close;
    sd::format_head(head, response, parser.version(), keep_alive);
    check_head(head);
    if (!keep_alive) break;
  }
  return 0;
}
