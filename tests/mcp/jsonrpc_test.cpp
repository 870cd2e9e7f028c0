#include "mcp/jsonrpc.hpp"

#include <gtest/gtest.h>

namespace agentwork::mcp_server {
namespace {

TEST(JsonRpc, ClassifiesRequestsNotificationsResponsesAndInvalidMessages) {
  EXPECT_EQ(classify(R"({"jsonrpc":"2.0","id":"a","method":"m"})").kind, Message::Kind::request);
  EXPECT_EQ(classify(R"({"jsonrpc":"2.0","method":"m"})").kind, Message::Kind::notification);
  EXPECT_EQ(classify(R"({"jsonrpc":"2.0","id":1,"result":{}})").kind, Message::Kind::response);
  const auto no_method = classify(R"({"jsonrpc":"2.0","id":1})");
  EXPECT_EQ(no_method.kind, Message::Kind::invalid);
  EXPECT_EQ(no_method.error_code, invalid_request);
  EXPECT_EQ(no_method.id, 1);
  EXPECT_EQ(classify(R"({"jsonrpc":"2.0","id":1,"method":3})").error_code, invalid_request);
  EXPECT_EQ(classify(R"({"jsonrpc":"2.0","id":1,"method":"m","params":3})").error_code,
            invalid_params);
  EXPECT_EQ(classify("").error_code, parse_error);
}

// A line nested tens of thousands deep is a parse error, not a crash when its params are copied.
TEST(JsonRpc, ALineNestedTooDeepIsAParseError) {
  const std::string deep = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"x":)" +
                           std::string(60000, '[') + std::string(60000, ']') + "}}";
  const auto m = classify(deep);
  EXPECT_EQ(m.kind, Message::Kind::invalid);
  EXPECT_EQ(m.error_code, parse_error);
  EXPECT_EQ(m.error, "the line nests JSON deeper than 128 levels");
  const std::string fine = R"({"jsonrpc":"2.0","id":1,"method":"m","params":{"x":)" +
                           std::string(100, '[') + std::string(100, ']') + "}}";
  EXPECT_EQ(classify(fine).kind, Message::Kind::request);
}

TEST(JsonRpc, LinesHaveNoNewlineInsideAndSurviveInvalidUtf8) {
  const auto line = to_line(result_message(1, {{"text", "two\nlines \xff"}}));
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_TRUE(json::parse(line)["result"]["text"].is_string());
  EXPECT_EQ(json::parse(to_line(error_message(nullptr, parse_error, "P")))["error"]["code"],
            -32700);
}

}  // namespace
}  // namespace agentwork::mcp_server
