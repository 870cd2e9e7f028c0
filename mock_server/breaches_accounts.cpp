// Breaches of the error, HTTP, registration and key rules (breaches.hpp).
#include <algorithm>
#include <cctype>

#include "mock_server/breaches.hpp"

namespace agentwork::mock::breach {
namespace {

bool has_upper(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return std::isupper(c); });
}

// A 201 from registration or the key exchange: the answers that carry a key.
bool issued_key(const Exchange& x) {
  return (x.route == Route::register_user || x.route == Route::api_key) && x.status() == 201;
}

}  // namespace

// --- Errors and HTTP, whatever the route ---

void errors_detail(Exchange& x) {
  if (x.status() < 400) return;
  edit(x.response, [](json& j) {
    if (j.is_object() && j.contains("detail")) {
      j["message"] = j["detail"];
      j.erase("detail");
    }
  });
}

void auth_www_authenticate(Exchange& x) {
  if (x.status() != 401) return;
  std::erase_if(x.response.headers, [](const auto& h) { return h.first == "WWW-Authenticate"; });
}

void auth_required(Exchange& x) {
  if (x.status() == 401 && x.request.authorization.empty() && x.route != Route::api_key &&
      x.route != Route::register_user) {
    restatus(x.response, 200, x.route == Route::tasks ? R"({"tasks":[]})" : "{}");
  }
}

void http_unparseable(Exchange& x) {
  if (x.status() == 422 && !x.request.body.empty() && x.request_body.is_discarded()) {
    restatus(x.response, 400, R"({"detail":"Bad Request"})");
  }
}

void http_method(Exchange& x) {
  if (x.status() == 405) restatus(x.response, 404, R"({"detail":"Not Found"})");
}

void http_unknown_path(Exchange& x) {
  if (x.route == Route::unknown && x.status() == 404) restatus(x.response, 200);
}

void http_tasks_slash(Exchange& x) {
  const std::string_view target = x.request.target;
  if (target.substr(0, target.find('?')) == "/api/v1/tasks" && x.status() < 300) {
    restatus(x.response, 404, R"({"detail":"Not Found"})");
  }
}

// --- Registration and keys ---

void register_created(Exchange& x) {
  if (x.post(Route::register_user) && x.status() == 201) x.response.status = 200;
}

void register_email_taken(Exchange& x) {
  if (x.post(Route::register_user) && x.status() == 409 &&
      !has_upper(text(x.request_body, "email"))) {
    restatus(x.response, 201);
  }
}

void register_email_case(Exchange& x) {
  if (x.post(Route::register_user) && x.status() == 409 &&
      has_upper(text(x.request_body, "email"))) {
    restatus(x.response, 201);
  }
}

void register_invalid(Exchange& x) {
  if (x.post(Route::register_user) && x.status() == 422 && x.request_body.is_object()) {
    restatus(x.response, 201);
  }
}

void keys_short_id(Exchange& x) {
  if (!x.post(Route::register_user) || x.status() != 201) return;
  edit(x.response, [](json& j) { j["organization_short_id"] = "not-a-short-id"; });
}

void ids_uuid(Exchange& x) {
  if (!x.post(Route::register_user) || x.status() != 201) return;
  edit(x.response, [](json& j) { j["user_id"] = "user-1"; });
}

void api_key_created(Exchange& x) {
  if (!x.post(Route::api_key) || x.status() != 201) return;
  edit(x.response, [](json& j) { j.erase("key_name"); });
}

void api_key_bad_credentials(Exchange& x) {
  if (x.post(Route::api_key) && x.status() == 401) restatus(x.response, 201);
}

// The key-prefix breach hands out aw_test_ keys: take them as the aw_live_ keys they are.
void accept_test_keys(HttpRequest& request) {
  if (request.authorization.starts_with("Bearer aw_test_")) {
    request.authorization.replace(7, 8, "aw_live_");
  }
}

void keys_api_key_prefix(Exchange& x) {
  if (!issued_key(x)) return;
  edit(x.response, [](json& j) {
    for (const char* key : {"api_key", "key_prefix"}) {
      if (j.contains(key) && j[key].is_string()) {
        auto v = j[key].get<std::string>();
        if (v.starts_with("aw_live_")) v.replace(0, 8, "aw_test_");
        j[key] = v;
      }
    }
  });
}

void keys_key_prefix(Exchange& x) {
  if (issued_key(x)) edit(x.response, [](json& j) { j["key_prefix"] = "aw_live_00000000"; });
}

std::optional<HttpResponse> refuse_without_organization(const Incoming& in) {
  const json& b = in.body;
  if (in.route == Route::register_user && b.is_object() && b.contains("email") &&
      b.contains("name") && !b.contains("organization_name")) {
    return refusal(422, "organization_name: required");
  }
  return std::nullopt;
}

std::optional<HttpResponse> refuse_key_exchange(const Incoming& in) {
  if (in.route == Route::api_key && in.body.is_object()) {
    return refusal(401, "Invalid credentials");
  }
  return std::nullopt;
}

}  // namespace agentwork::mock::breach
