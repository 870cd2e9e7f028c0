// The endpoints of spec/CONTRACT.md as a route table: per route the methods it answers and
// whether it needs a key, and one small handler per route and method (routes.cpp). App::dispatch
// checks the method and the key, then calls the handler. No sockets.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mock_server/app.hpp"
#include "mock_server/http_types.hpp"
#include "mock_server/store.hpp"

namespace agentwork::mock {

// What a handler gets: the request, the parts of the path, the application's state.
struct Call {
  const HttpRequest& request;
  const std::string& task_id;  // empty on routes without one
  const std::string& path;     // without the query
  Store& store;
  Clock& clock;
  const MockConfig& config;
  Principal who;  // the caller, on routes that need a key
};

using RouteHandler = HttpResponse (*)(const Call&);

struct RouteSpec {
  Route route;
  const char* allow;  // the Allow header of its 405
  bool needs_key;     // 401 without a valid Bearer key (checked after the method)
  RouteHandler get = nullptr;
  RouteHandler post = nullptr;
};

// nullptr for the routes App answers itself (control, unknown).
const RouteSpec* find_route(Route route);

HttpResponse json_response(int status, std::string body);
HttpResponse error(int status, std::string_view detail);  // {"detail": ...}
HttpResponse unauthorized(std::string_view detail);       // 401 with WWW-Authenticate: Bearer
HttpResponse method_not_allowed(const char* allow);

}  // namespace agentwork::mock
