// The mock's App against hostile input (issue 17's probe), through App::handle(): JSON nested
// too deep wherever it sits, Host headers that are not host[:port], HEAD and absolute-form
// request targets.
#include <string>
#include <string_view>
#include <vector>

#include "mock_server/json_util.hpp"
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

// Whatever bytes a client puts where the mock echoes them (a URL, a name), its answer is JSON:
// bytes that are not UTF-8 become U+FFFD, one each; well-formed UTF-8 is kept.
TEST(AppendJsonString, KeepsUtf8AndReplacesEveryOtherByte) {
  const auto quoted = [](std::string_view text) {
    std::string out;
    append_json_string(out, text);
    EXPECT_TRUE(json::accept(out)) << out;
    return out;
  };
  EXPECT_EQ(quoted("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  EXPECT_EQ(quoted("a\xff"), "\"a\\ufffd\"");
  EXPECT_EQ(quoted("\xc0\xaf"), "\"\\ufffd\\ufffd\"");          // overlong '/'
  EXPECT_EQ(quoted("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // a surrogate
  EXPECT_EQ(quoted("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // > U+10FFFF
  EXPECT_EQ(quoted("\xe2\x82"), "\"\\ufffd\\ufffd\"");  // cut short
  EXPECT_EQ(quoted("\x01\"\\"), "\"\\u0001\\\"\\\\\"");
}

TEST_F(AppTest, AScriptNameThatIsNotASafeWordIsRefusedBeforeAnythingIsStored) {
  const auto bad = call("PUT", "/_mock/scripts/caf%C3%A9\xff", kProposeScript);
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_NE(detail_of(bad).find("script name: expected 1 to 128 of"), std::string::npos);
  const auto raw = call("PUT", "/_mock/scripts/a\xff" "b", kProposeScript);
  EXPECT_EQ(raw.status, 422) << raw.body;
  const auto listed = get("/_mock/scripts");
  EXPECT_TRUE(json::accept(listed.body)) << listed.body;
  EXPECT_EQ(body_of(listed)["scripts"].size(), 0u) << listed.body;
  // A 404 that names the unknown script is JSON too.
  const auto missing = get("/_mock/scripts/a\xff" "b");
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(json::accept(missing.body)) << missing.body;
  EXPECT_EQ(call("PUT", "/_mock/scripts/ok-name_1.v2", kProposeScript).status, 201);
}

TEST_F(AppTest, AnOrganizationBeyondItsTaskLimitGets429AndOthersDoNot) {
  auto c = config();
  c.limits.max_tasks_per_org = 3;
  restart(c);
  const auto key = register_user("full@example.com");
  for (int i = 0; i < 3; ++i) create_task(key);
  const auto refused = post("/api/v1/tasks/", {{"title", "t"}, {"description", "d"}}, key);
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_NE(detail_of(refused).find("holds 3 tasks, the mock's limit (agentwork-mock "
                                    "--max-tasks-per-org)"),
            std::string::npos)
      << refused.body;
  EXPECT_EQ(body_of(get("/api/v1/tasks/", key))["tasks"].size(), 3u);
  const auto other = register_user("other@example.com");
  create_task(other);  // 201: the limit is per organization
  // The operator's bulk load is not limited.
  const auto populated = call("POST", "/_mock/populate", R"({"count":5})");
  EXPECT_EQ(populated.status, 201) << populated.body;
}

// The byte budget: a create or a reply that would pass it gets 429; polls still answer.
TEST_F(AppTest, TheStoreByteBudgetRefusesCreatesAndRepliesBeyondIt) {
  auto c = config();
  c.limits.max_bytes = 64 * 1024;
  restart(c);
  const auto key = register_user("budget@example.com");
  const auto asking = create_task(key, kAskScript);
  const std::string big(8 * 1024, 'x');
  int created = 0;
  HttpResponse last;
  for (int i = 0; i < 100; ++i) {
    last = post("/api/v1/tasks/", {{"title", "t"}, {"description", big}}, key);
    if (last.status != 201) break;
    ++created;
  }
  EXPECT_EQ(last.status, 429) << last.body;
  EXPECT_NE(detail_of(last).find("MiB (agentwork-mock --max-store-mb"), std::string::npos);
  EXPECT_GE(created, 3);
  EXPECT_LT(created, 8);  // each holds at least its 8 KiB description
  EXPECT_LE(app_->store().stored_bytes(), c.limits.max_bytes);
  const std::string bigger(c.limits.max_bytes, 'y');
  const auto reply = post("/api/v1/tasks/" + asking + "/message", {{"message", bigger}}, key);
  EXPECT_EQ(reply.status, 429) << reply.body;
  EXPECT_EQ(status(key, asking)["status"], "awaiting_reply");
  // Reset empties the budget.
  EXPECT_EQ(call("POST", "/_mock/reset", "").status, 200);
  EXPECT_EQ(app_->store().stored_bytes(), 0u);
}

// The budget follows what tasks hold: events add to it, a terminal task's script leaves it.
TEST_F(AppTest, TheStoreBudgetFollowsEventsAndReleasedScripts) {
  const auto key = register_user("follow@example.com");
  const auto before = app_->store().stored_bytes();
  const auto id = create_task(key, kAskScript);
  const auto created = app_->store().stored_bytes();
  EXPECT_GT(created, before);
  const std::string answer(10'000, 'y');
  ASSERT_EQ(post("/api/v1/tasks/" + id + "/message", {{"message", answer}}, key).status, 200);
  status(key, id);
  const auto replied = app_->store().stored_bytes();
  EXPECT_GE(replied, created + answer.size());
  ASSERT_EQ(call("POST", "/api/v1/tasks/" + id + "/cancel", "", key).status, 200);
  EXPECT_LT(app_->store().stored_bytes(), replied);  // the script's share is released
}

}  // namespace
}  // namespace agentwork::mock
