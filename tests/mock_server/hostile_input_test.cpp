// The mock's App against hostile input (issue 17's probe), through App::handle(): JSON nested
// too deep wherever it sits, Host headers that are not host[:port], HEAD and absolute-form
// request targets.
#include <string>
#include <vector>

#include "tests/mock_server/app_fixture.hpp"

namespace agentwork::mock {
namespace {

using namespace app_testing;

// Issue 17's probe: an extra field nested 60,000 arrays deep in answers[0] (a 120 KB body, under
// --max-body) ended the process with SIGSEGV, as did the same in POST /_mock/faults; the top level
// was refused. Every body is now refused past 128 levels, wherever the nesting sits, before
// anything copies or walks it; 128 levels are still read.
TEST_F(AppTest, BodiesNestedTooDeepAreRefusedWhereverTheNestingSits) {
  const auto key = register_user("deep@example.com");
  const auto id = create_task(key, kFullScript);
  const auto nested = [](std::size_t depth) {
    return std::string(depth, '[') + "1" + std::string(depth, ']');
  };
  const std::string deep = R"({"answers": [{"question_index": 0, "answer": "x", "extra": )" +
                           nested(60000) + "}]}";
  auto r = call("POST", "/api/v1/tasks/" + id + "/message", deep, key);
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(detail_of(r), "body: JSON nested deeper than 128 levels");
  r = call("POST", "/_mock/faults", R"({"route": "/api/v1/tasks/{id}", "x": )" + nested(60000) + "}");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(detail_of(r), "body: JSON nested deeper than 128 levels");
  r = call("POST", "/api/v1/tasks/", R"({"title": "T", "description": "D", "x": )" +
                                         nested(200) + "}", key);
  EXPECT_EQ(r.status, 422) << r.body;
  // Brackets inside strings do not count; 127 levels inside the body's object are read (and
  // this one is then judged on its fields as before: the extra field is ignored).
  r = post("/api/v1/tasks/", {{"title", std::string(500, '[')}, {"description", "D"}}, key);
  EXPECT_EQ(r.status, 201) << r.body;
  r = call("POST", "/api/v1/tasks/",
           R"({"title": "T", "description": "D", "x": )" + nested(127) + "}", key);
  EXPECT_EQ(r.status, 201) << r.body;
  // And the mock goes on answering.
  EXPECT_EQ(get("/api/v1/tasks/" + id, key).status, 200);
}

// Issue 17's probe: a Host header with invalid UTF-8 got 500, and `Host: a"b` was copied into
// every download_url. A Host that is not host[:port] now gets 400 on every route; valid names,
// IPv4 and IPv6 literals with or without a port still work and reach the download_url as sent.
TEST_F(AppTest, AHostHeaderThatIsNotHostAndPortIs400) {
  const auto key = register_user("host@example.com");
  const auto with_host = [&](const std::string& host, const std::string& target) {
    HttpRequest req;
    req.method = "GET";
    req.target = target;
    req.host = host;
    req.authorization = "Bearer " + key;
    return app_->handle(req);
  };
  for (const std::string& bad : std::vector<std::string>{"a\"b", "caf\xc3\xa9.test", "latin\xe9", "a b", "a\\b",
                                "host:80x", "host:123456", ":8080", "[::1", "[zz]:1", "a<b>",
                                std::string("nul\0x", 5)}) {
    const auto r = with_host(bad, "/api/v1/tasks/");
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
    EXPECT_NE(r.body.find("invalid Host header"), std::string::npos) << r.body;
  }
  for (const std::string& good : std::vector<std::string>{"mock.test:8080", "127.0.0.1", "[::1]:9000", "my-host_1.local",
                                 "xn--caf-dma.test"}) {
    EXPECT_EQ(with_host(good, "/api/v1/tasks/").status, 200) << good;
  }
  // The download_url carries the Host as sent.
  const auto id = completed_task(key);
  const auto result = with_host("[::1]:9000", "/api/v1/tasks/" + id + "/result");
  ASSERT_EQ(result.status, 200) << result.body;
  const auto files = body_of(result)["files"];
  ASSERT_FALSE(files.empty()) << result.body;
  EXPECT_EQ(files[0]["download_url"].get<std::string>().rfind("http://[::1]:9000/", 0), 0u)
      << result.body;
}

// Issue 17's probe: HEAD got 405 and an absolute-form request target 404. HEAD now answers as
// GET does (the server leaves the body out), and "http://host/path" routes as "/path" with the
// target's authority as the host (RFC 9112 section 3.2.2).
TEST_F(AppTest, HeadAnswersAsGetAndAbsoluteFormTargetsRoute) {
  const auto key = register_user("forms@example.com");
  const auto id = create_task(key, kFullScript);
  const auto get_status = get("/api/v1/tasks/" + id, key);
  const auto head_status = call("HEAD", "/api/v1/tasks/" + id, "", key);
  EXPECT_EQ(head_status.status, 200);
  EXPECT_EQ(head_status.body, get_status.body);  // the server writes its length, not the body
  EXPECT_EQ(call("HEAD", "/api/v1/tasks/nope", "", key).status, 404);
  EXPECT_EQ(call("HEAD", "/api/v1/tasks/" + id + "/cancel", "", key).status, 405);

  EXPECT_EQ(call("GET", "http://mock.test:8080/api/v1/tasks/" + id, "", key).body,
            get_status.body);
  EXPECT_EQ(call("GET", "HTTPS://mock.test/api/v1/tasks/?limit=5", "", key).status, 200);
  EXPECT_EQ(call("GET", "http://mock.test", "", key).status, 404);  // "/": no route
  // The target's authority is the host: checked as a Host header is.
  const auto bad = call("GET", "http://a\"b/api/v1/tasks/", "", key);
  EXPECT_EQ(bad.status, 400) << bad.body;
}

}  // namespace
}  // namespace agentwork::mock
