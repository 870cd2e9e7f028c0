// The API's vocabulary: endpoint names and the endpoint of a request, event types, error classes.
#include "common/api.hpp"

#include <string>

#include <gtest/gtest.h>

namespace agentwork {
namespace {

TEST(Api, EndpointNamesRoundTrip) {
  for (std::size_t i = 0; i < kEndpointCount; ++i) {
    const auto e = static_cast<Endpoint>(i);
    EXPECT_EQ(endpoint_from_name(to_string(e)), e);
  }
  EXPECT_EQ(to_string(Endpoint::register_user), "register");
  EXPECT_EQ(to_string(Endpoint::task_status), "status");
  EXPECT_EQ(to_string(Endpoint::file_download), "download");
  EXPECT_EQ(endpoint_from_name("nope"), std::nullopt);
  EXPECT_EQ(endpoint_from_name(""), std::nullopt);
}

TEST(Api, RequestsAreNamedByTheirEndpoint) {
  const std::string id = "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b";
  EXPECT_EQ(endpoint_of("GET", "/api/v1/tasks/" + id), Endpoint::task_status);
  EXPECT_EQ(endpoint_of("GET", "/tasks/" + id + "?x=1"), Endpoint::task_status);
  EXPECT_EQ(endpoint_of("POST", "/tasks/"), Endpoint::create_task);
  EXPECT_EQ(endpoint_of("POST", "/api/v1/tasks/"), Endpoint::create_task);
  EXPECT_EQ(endpoint_of("GET", "/tasks"), Endpoint::list_tasks);
  EXPECT_EQ(endpoint_of("GET", "/api/v1/tasks?limit=5"), Endpoint::list_tasks);
  EXPECT_EQ(endpoint_of("POST", "/api/v1/tasks/abc/message"), Endpoint::message);
  EXPECT_EQ(endpoint_of("POST", "/tasks/" + id + "/solution-status"), Endpoint::solution_status);
  EXPECT_EQ(endpoint_of("POST", "/api/v1/tasks/abc/cancel"), Endpoint::cancel);
  EXPECT_EQ(endpoint_of("GET", "/tasks/" + id + "/result"), Endpoint::result);
  EXPECT_EQ(endpoint_of("GET", "/api/v1/tasks/abc/events"), Endpoint::events);
  EXPECT_EQ(endpoint_of("POST", "/api/v1/auth/register"), Endpoint::register_user);
  EXPECT_EQ(endpoint_of("POST", "/auth/api-key"), Endpoint::api_key);
  // Wrong methods, unknown and malformed paths, the mock's control API: other.
  EXPECT_EQ(endpoint_of("GET", "/tasks/" + id + "/cancel"), Endpoint::other);
  EXPECT_EQ(endpoint_of("DELETE", "/tasks/"), Endpoint::other);
  EXPECT_EQ(endpoint_of("DELETE", "/api/v1/tasks/abc"), Endpoint::other);
  EXPECT_EQ(endpoint_of("GET", "/tasks//events"), Endpoint::other);
  EXPECT_EQ(endpoint_of("GET", "/api/v1/tasks//cancel"), Endpoint::other);
  EXPECT_EQ(endpoint_of("GET", "/api/v1/tasks/abc/files/x"), Endpoint::other);
  EXPECT_EQ(endpoint_of("GET", "/no-such-thing"), Endpoint::other);
  EXPECT_EQ(endpoint_of("GET", "/_mock/clock"), Endpoint::other);
}

TEST(Api, WireNames) {
  EXPECT_STREQ(to_string(EventType::solution_decision), "solution_decision");
  EXPECT_STREQ(to_string(ErrorClass::none), "none");
  EXPECT_STREQ(to_string(ErrorClass::too_large), "too_large");
  EXPECT_STREQ(to_string(ErrorClass::aborted), "aborted");
}

}  // namespace
}  // namespace agentwork
