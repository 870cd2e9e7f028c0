#include "mcp/session.hpp"

#include <gtest/gtest.h>

#include "tests/mcp/fake_backend.hpp"

namespace agentwork::mcp_server {
namespace {

using testing::call_line;
using testing::FakeBackend;
using testing::initialize_line;
using testing::request_line;

class Session : public ::testing::Test {
 protected:
  explicit Session(std::string key = "aw_live_configuredkey0000000000") {
    SessionOptions o;
    o.api_key = std::move(key);
    session_ = std::make_unique<McpSession>(backend_, std::move(o));
  }
  // The one answer to a line, parsed.
  json one(const std::string& line) {
    const auto out = session_->handle_line(line);
    EXPECT_EQ(out.size(), 1u) << line;
    return out.empty() ? json() : json::parse(out.front());
  }
  void init() { ASSERT_TRUE(one(initialize_line()).contains("result")); }
  static int code(const json& r) { return r["error"]["code"].get<int>(); }
  static std::string text(const json& r) { return r["result"]["content"][0]["text"]; }

  FakeBackend backend_;
  std::unique_ptr<McpSession> session_;
};

class SessionWithoutKey : public Session {
 protected:
  SessionWithoutKey() : Session("") {}
};

TEST_F(Session, GarbageIsAParseErrorWithIdNull) {
  const auto r = one("{not json");
  EXPECT_EQ(code(r), -32700);
  EXPECT_TRUE(r["id"].is_null());
  EXPECT_EQ(r["jsonrpc"], "2.0");
}

TEST_F(Session, EmptyAndBlankLinesAreSkippedWithoutAnAnswer) {
  EXPECT_TRUE(session_->handle_line("").empty());
  EXPECT_TRUE(session_->handle_line("  \t\r").empty());
}

TEST_F(Session, AnOversizedLineIsAnInvalidRequestNamingItsLine) {
  const auto out = session_->oversized_line(4096, 7);
  ASSERT_EQ(out.size(), 1u);
  const auto r = json::parse(out.front());
  EXPECT_EQ(code(r), -32600);
  EXPECT_TRUE(r["id"].is_null());
  EXPECT_NE(r["error"]["message"].get<std::string>().find("line 7 is longer than 4096 bytes"),
            std::string::npos);
}

TEST_F(Session, ABatchArrayIsAnInvalidRequest) {
  init();
  const auto r = one("[" + request_line(1, "ping") + "]");
  EXPECT_EQ(code(r), -32600);
  EXPECT_TRUE(r["id"].is_null());
  EXPECT_NE(r["error"]["message"].get<std::string>().find("batch"), std::string::npos);
}

TEST_F(Session, ANumberOrAStringAtTopLevelIsAnInvalidRequest) {
  EXPECT_EQ(code(one("42")), -32600);
  EXPECT_EQ(code(one("\"initialize\"")), -32600);
  EXPECT_EQ(code(one("null")), -32600);
}

TEST_F(Session, MissingJsonrpcIsAnInvalidRequestEchoingTheId) {
  const auto r = one(R"({"id":5,"method":"ping"})");
  EXPECT_EQ(code(r), -32600);
  EXPECT_EQ(r["id"], 5);
  EXPECT_EQ(code(one(R"({"jsonrpc":"1.0","id":"a","method":"ping"})")), -32600);
}

TEST_F(Session, AnIdThatIsNullOrAFractionIsAnInvalidRequestWithIdNull) {
  for (const char* line : {R"({"jsonrpc":"2.0","id":null,"method":"ping"})",
                           R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})",
                           R"({"jsonrpc":"2.0","id":{},"method":"ping"})"}) {
    const auto r = one(line);
    EXPECT_EQ(code(r), -32600) << line;
    EXPECT_TRUE(r["id"].is_null()) << line;
  }
}

TEST_F(Session, UnknownMethodIsMethodNotFound) {
  init();
  const auto r = one(request_line(3, "resources/list"));
  EXPECT_EQ(code(r), -32601);
  EXPECT_EQ(r["id"], 3);
}

TEST_F(Session, NotificationsAndResponsesAreNeverAnswered) {
  EXPECT_TRUE(session_->handle_line(R"({"jsonrpc":"2.0","method":"no/such"})").empty());
  EXPECT_TRUE(session_
                  ->handle_line(R"({"jsonrpc":"2.0","method":"notifications/cancelled",)"
                                R"("params":{"requestId":1}})")
                  .empty());
  EXPECT_TRUE(session_->handle_line(R"({"jsonrpc":"2.0","method":"x","params":[1]})").empty());
  EXPECT_TRUE(session_->handle_line(R"({"jsonrpc":"2.0","id":9,"result":{}})").empty());
  EXPECT_TRUE(session_->handle_line(R"({"jsonrpc":"2.0","id":9,"error":{"code":1}})").empty());
}

TEST_F(Session, RequestsBeforeInitializeAreRefusedButPingIsServed) {
  const auto r = one(request_line(1, "tools/list"));
  EXPECT_EQ(code(r), -32600);
  EXPECT_NE(r["error"]["message"].get<std::string>().find("initialize"), std::string::npos);
  EXPECT_EQ(one(request_line(2, "ping"))["result"], json::object());
  EXPECT_TRUE(backend_.requests.empty());
}

TEST_F(Session, InitializeAnswersASupportedVersionWithToolsAndServerInfo) {
  const auto r = one(initialize_line(0, "2025-06-18"));
  EXPECT_EQ(r["id"], 0);
  EXPECT_EQ(r["result"]["protocolVersion"], "2025-06-18");
  EXPECT_EQ(r["result"]["capabilities"]["tools"]["listChanged"], false);
  EXPECT_EQ(r["result"]["serverInfo"]["name"], "agentwork-mcp");
  EXPECT_TRUE(r["result"]["serverInfo"]["version"].is_string());
  EXPECT_TRUE(session_->initialized());
  EXPECT_TRUE(
      session_->handle_line(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").empty());
  EXPECT_EQ(code(one(initialize_line(1))), -32600);  // once per session
}

TEST_F(Session, AnUnsupportedVersionIsAnsweredWithTheLatestSupported) {
  EXPECT_EQ(one(initialize_line(0, "2024-11-05"))["result"]["protocolVersion"], "2025-11-25");
}

TEST_F(Session, AVersionThatIsNoRevisionGetsTheUnsupportedVersionError) {
  for (const char* asked : {"1.0.0", "latest", "2025-11-2x", ""}) {
    const auto r = one(initialize_line(0, asked));
    EXPECT_EQ(code(r), -32602) << asked;
    EXPECT_EQ(r["error"]["message"], "Unsupported protocol version") << asked;
    EXPECT_EQ(r["error"]["data"]["requested"], asked);
    EXPECT_EQ(r["error"]["data"]["supported"], json::array({"2025-11-25", "2025-06-18"}));
    EXPECT_FALSE(session_->initialized()) << asked;
  }
  EXPECT_EQ(one(initialize_line(1, "2025-06-18"))["result"]["protocolVersion"], "2025-06-18");
}

TEST_F(Session, InitializeWithoutAVersionIsInvalidParams) {
  EXPECT_EQ(code(one(request_line(0, "initialize", json::object()))), -32602);
  EXPECT_FALSE(session_->initialized());
}

TEST_F(Session, ToolsListHasTheEightTools) {
  init();
  const auto r = one(request_line(1, "tools/list"));
  ASSERT_EQ(r["result"]["tools"].size(), 8u);
  for (const auto& t : r["result"]["tools"]) {
    EXPECT_EQ(t["inputSchema"]["type"], "object") << t["name"];
    EXPECT_EQ(t["inputSchema"]["additionalProperties"], false) << t["name"];
  }
}

TEST_F(Session, UnknownToolAndBadParamsShapesAreInvalidParams) {
  init();
  const auto unknown = one(call_line(1, "agentwork_fly", json::object()));
  EXPECT_EQ(code(unknown), -32602);
  EXPECT_NE(unknown["error"]["message"].get<std::string>().find("agentwork_fly"),
            std::string::npos);
  EXPECT_EQ(code(one(request_line(2, "tools/call", json::object()))), -32602);
  EXPECT_EQ(code(one(request_line(3, "tools/call", {{"name", 7}}))), -32602);
  EXPECT_EQ(code(one(request_line(4, "tools/call",
                                  {{"name", "agentwork_get_task_status"}, {"arguments", "t-1"}}))),
            -32602);
  EXPECT_EQ(code(one(R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":[1]})")), -32602);
  EXPECT_TRUE(backend_.requests.empty());
}

TEST_F(Session, AWrongArgumentTypeIsAToolErrorNamingTheArgument) {
  init();
  const auto r =
      one(call_line(1, "agentwork_approve_solution", {{"task_id", "t-1"}, {"approved", "yes"}}));
  EXPECT_EQ(r["result"]["isError"], true);
  EXPECT_NE(text(r).find("\"approved\" must be a boolean, got string"), std::string::npos);
  EXPECT_TRUE(backend_.requests.empty());
}

TEST_F(Session, AMissingRequiredArgumentIsAToolErrorNamingIt) {
  init();
  const auto r = one(call_line(1, "agentwork_send_message", {{"task_id", "t-1"}}));
  EXPECT_EQ(r["result"]["isError"], true);
  EXPECT_NE(text(r).find("missing required argument \"message\""), std::string::npos);
}

TEST_F(Session, AnUnknownArgumentAndAnUnsafeTaskIdAreToolErrors) {
  init();
  const auto extra = one(call_line(1, "agentwork_get_task_status", {{"task_id", "t"}, {"x", 1}}));
  EXPECT_NE(text(extra).find("unknown argument \"x\""), std::string::npos);
  const auto unsafe = one(call_line(2, "agentwork_get_task_status", {{"task_id", "../auth"}}));
  EXPECT_EQ(unsafe["result"]["isError"], true);
  EXPECT_NE(text(unsafe).find("task_id"), std::string::npos);
  EXPECT_TRUE(backend_.requests.empty());
}

TEST_F(Session, ARestErrorIsAToolErrorWithStatusAndDetail) {
  init();
  backend_.answer(404, {{"detail", "Task not found"}});
  const auto r = one(call_line(1, "agentwork_get_task_status", {{"task_id", "nope"}}));
  EXPECT_EQ(r["result"]["isError"], true);
  EXPECT_EQ(text(r), "HTTP 404 from GET /api/v1/tasks/nope: Task not found");
  EXPECT_FALSE(r["result"].contains("structuredContent"));
}

TEST_F(Session, ATransportFailureIsAToolError) {
  init();
  backend_.outcomes.push_back({0, "", true, "connect: Connection refused"});
  const auto r = one(call_line(1, "agentwork_get_task_events", {{"task_id", "t-1"}}));
  EXPECT_EQ(r["result"]["isError"], true);
  EXPECT_NE(text(r).find("connect: Connection refused"), std::string::npos);
}

TEST_F(Session, ASuccessIsTheApisJsonAsTextAndStructuredContent) {
  init();
  backend_.answer(200, {{"task_id", "t-1"}, {"status", "awaiting_reply"}});
  const auto r = one(call_line(1, "agentwork_get_task_status", {{"task_id", "t-1"}}));
  EXPECT_FALSE(r["result"].contains("isError"));
  EXPECT_EQ(json::parse(text(r)), r["result"]["structuredContent"]);
  EXPECT_EQ(r["result"]["structuredContent"]["status"], "awaiting_reply");
  ASSERT_EQ(backend_.requests.size(), 1u);
  EXPECT_EQ(backend_.requests[0].key, "aw_live_configuredkey0000000000");
}

TEST_F(SessionWithoutKey, EveryToolButRegisterNeedsAKey) {
  init();
  const auto r = one(call_line(1, "agentwork_create_task", {{"title", "t"}, {"description", "d"}}));
  EXPECT_EQ(r["result"]["isError"], true);
  EXPECT_NE(text(r).find("AGENTWORK_API_KEY"), std::string::npos);
  EXPECT_TRUE(backend_.requests.empty());
}

TEST_F(SessionWithoutKey, ASuccessfulRegisterGivesTheSessionItsKey) {
  init();
  backend_.answer(201, {{"api_key", "aw_live_newkey"}, {"key_prefix", "aw_live_newkey"}});
  const auto r = one(call_line(1, "agentwork_register", {{"email", "a@b.c"}, {"name", "A"}}));
  EXPECT_FALSE(r["result"].contains("isError"));
  EXPECT_EQ(session_->api_key(), "aw_live_newkey");
  EXPECT_TRUE(backend_.requests[0].key.empty());  // registration sends no key
  one(call_line(2, "agentwork_get_task_status", {{"task_id", "t-1"}}));
  EXPECT_EQ(backend_.requests[1].key, "aw_live_newkey");
}

TEST_F(Session, RegisterDoesNotReplaceAConfiguredKey) {
  init();
  backend_.answer(201, {{"api_key", "aw_live_other"}});
  one(call_line(1, "agentwork_register", {{"email", "a@b.c"}, {"name", "A"}}));
  EXPECT_EQ(session_->api_key(), "aw_live_configuredkey0000000000");
}

TEST_F(SessionWithoutKey, AFailedRegisterLeavesTheSessionWithoutAKey) {
  init();
  backend_.answer(409, {{"detail", "Email already registered"}});
  const auto r = one(call_line(1, "agentwork_register", {{"email", "a@b.c"}, {"name", "A"}}));
  EXPECT_EQ(r["result"]["isError"], true);
  EXPECT_NE(text(r).find("409"), std::string::npos);
  EXPECT_TRUE(session_->api_key().empty());
}

}  // namespace
}  // namespace agentwork::mcp_server
