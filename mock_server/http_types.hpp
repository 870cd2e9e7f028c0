// Plain request/response structs exchanged between the socket layer (server.cpp, the only
// Beast code of the mock) and the application (app.cpp). No Beast headers here, so the
// application and its unit tests compile fast and run without sockets.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace agentwork::mock {

struct HttpRequest {
  std::string method;         // "GET", "POST", ... as received
  std::string target;         // origin-form target, query string included
  std::string authorization;  // value of the Authorization header, empty when absent
  std::string content_type;   // value of the Content-Type header, empty when absent
  std::string host;           // value of the Host header, empty when absent
  std::string body;
  bool tls = false;  // true when the request came over HTTPS
};

// What the socket layer must do besides writing the response.
enum class FaultAction {
  none,      // write the response normally
  drop,      // close the connection without writing anything
  truncate,  // write the headers (with the full Content-Length) and half the body, then close
};

struct HttpResponse {
  int status = 200;
  // Static storage (a literal): every response names one of a few fixed types.
  std::string_view content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::string body;
  std::chrono::milliseconds delay{0};  // wait this long before responding (injected latency)
  FaultAction fault = FaultAction::none;
  bool close = false;  // close the connection after this response
};

using Handler = std::function<HttpResponse(const HttpRequest&)>;

}  // namespace agentwork::mock
