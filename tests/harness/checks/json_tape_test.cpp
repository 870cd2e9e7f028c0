// JsonTape: the exact nodes of a document, and, against nlohmann::json (the reference reading),
// "whatever the tape accepts, nlohmann accepts and reads as the same value", on hand-picked edge
// cases and on seeded random corruptions of real answers.
#include "harness/checks/json_tape.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include <nlohmann/json.hpp>

namespace agentwork::harness {
namespace {

using nlohmann::json;

// The value of tape node i, as nlohmann::json (numbers through nlohmann's own reading).
json to_json(const JsonTape& tape, std::size_t i) {
  const JsonNode& n = tape.node(i);
  std::string scratch;
  switch (n.kind) {
    case JsonKind::null:
      return nullptr;
    case JsonKind::boolean:
      return n.flag;
    case JsonKind::number:
      return json::parse(tape.raw(i));
    case JsonKind::string:
      return std::string(tape.string(i, scratch));
    case JsonKind::array: {
      json out = json::array();
      for (std::size_t c = JsonTape::first_child(i), k = 0; k < n.count; ++k) {
        out.push_back(to_json(tape, c));
        c = tape.node(c).next;
      }
      return out;
    }
    case JsonKind::object: {
      json out = json::object();
      for (std::size_t c = JsonTape::first_child(i), k = 0; k < n.count; ++k) {
        out[std::string(tape.raw(c))] = to_json(tape, c + 1);
        c = tape.node(c + 1).next;
      }
      return out;
    }
  }
  return nullptr;
}

// The tape's promise for one text: accepted means nlohmann accepts it and reads the same value.
void expect_agrees(const std::string& text) {
  JsonTape tape;
  if (!tape.parse(text)) return;
  const json reference = json::parse(text, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(reference.is_discarded()) << "the tape accepted what nlohmann rejects: " << text;
  EXPECT_EQ(to_json(tape, 0), reference) << text;
  EXPECT_EQ(tape.node(0).next, tape.size()) << text;
}

TEST(JsonTape, NodesOfADocument) {
  const std::string text = R"( {"a": [1, -2.5e3, "x\"y"], "b": {}, "c": true, "d": null} )";
  JsonTape tape;
  ASSERT_TRUE(tape.parse(text));
  // object, key a, array, 1, -2.5e3, "x\"y", key b, {}, key c, true, key d, null
  ASSERT_EQ(tape.size(), 12u);
  EXPECT_EQ(tape.node(0).kind, JsonKind::object);
  EXPECT_EQ(tape.node(0).count, 4u);
  EXPECT_EQ(tape.node(0).next, 12u);
  EXPECT_EQ(tape.raw(1), "a");
  EXPECT_EQ(tape.node(2).kind, JsonKind::array);
  EXPECT_EQ(tape.node(2).count, 3u);
  EXPECT_EQ(tape.node(2).next, 6u);
  EXPECT_TRUE(tape.node(3).flag);  // an integer
  EXPECT_FALSE(tape.node(4).flag);
  EXPECT_EQ(tape.raw(4), "-2.5e3");
  EXPECT_DOUBLE_EQ(tape.number(4), -2500.0);
  EXPECT_TRUE(tape.node(5).flag);  // escaped
  EXPECT_EQ(tape.raw(5), R"(x\"y)");
  std::string scratch;
  EXPECT_EQ(tape.string(5, scratch), "x\"y");
  EXPECT_TRUE(tape.string_equals(5, "x\"y", scratch));
  EXPECT_EQ(tape.node(7).kind, JsonKind::object);
  EXPECT_EQ(tape.node(7).count, 0u);
  EXPECT_EQ(tape.node(9).kind, JsonKind::boolean);
  EXPECT_TRUE(tape.node(9).flag);
  EXPECT_EQ(tape.node(11).kind, JsonKind::null);
  EXPECT_EQ(tape.member(0, "b"), 7u);
  EXPECT_EQ(tape.member(0, "d"), 11u);
  EXPECT_EQ(tape.member(0, "z"), JsonTape::npos);
}

TEST(JsonTape, DecodesEscapesAndCountsCodePoints) {
  JsonTape tape;
  ASSERT_TRUE(tape.parse(R"(["\u00e9\ud83d\ude00\n\t\/\\", "caf\u00e9", "é😀"])"));
  std::string scratch;
  EXPECT_EQ(tape.string(1, scratch), "\xC3\xA9\xF0\x9F\x98\x80\n\t/\\");
  EXPECT_EQ(tape.code_points(2, scratch), 4u);  // c a f é
  EXPECT_EQ(tape.code_points(3, scratch), 2u);  // é 😀, raw UTF-8
}

TEST(JsonTape, RejectsWhatNlohmannRejects) {
  for (const std::string bad : {
           "", " ", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "1.", ".5", "-",
           "1e", "1e+", "+1", "tru", "nul", "[1] x", "\"abc", "\"a\x01\"", "\"\\x\"",
           "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "1e999", "-1e400",
           "\"\xC0\x80\"", "\"\xED\xA0\x80\"", "\"\xF4\x90\x80\x80\"", "\"\xE2\x82\"", "\"\x80\"",
           "[1 2]", "{\"a\":1 \"b\":2}", "NaN", "Infinity",
       }) {
    JsonTape tape;
    EXPECT_FALSE(tape.parse(bad)) << bad;
    EXPECT_TRUE(json::parse(bad, nullptr, false).is_discarded()) << "not a reject case: " << bad;
  }
}

TEST(JsonTape, GivesUpOnWhatItDoesNotReadExactly) {
  // nlohmann reads each of these (last duplicate wins, BOM skipped, big integers as unsigned or
  // double, an escaped key decoded); the tape leaves them to it.
  const std::string deep = std::string(JsonTape::kMaxDepth + 1, '[') + "1" +
                           std::string(JsonTape::kMaxDepth + 1, ']');
  for (const std::string& odd : {
           std::string(R"({"a":1,"a":2})"), std::string("\xEF\xBB\xBF{}"),
           std::string("12345678901234567890"), std::string(R"({"\u0061":1})"),
           std::string("1e-400"), deep,
       }) {
    JsonTape tape;
    EXPECT_FALSE(tape.parse(odd)) << odd;
    EXPECT_FALSE(json::parse(odd, nullptr, false).is_discarded()) << "nlohmann reads " << odd;
  }
  JsonTape tape;
  const std::string ok_depth = std::string(JsonTape::kMaxDepth, '[') + "1" +
                               std::string(JsonTape::kMaxDepth, ']');
  EXPECT_TRUE(tape.parse(ok_depth));
  // 17 distinct keys: the sorted comparison; a repeat among them is still found.
  std::string many = "{";
  for (int i = 0; i < 17; ++i) many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":0";
  EXPECT_TRUE(tape.parse(many + "}"));
  EXPECT_FALSE(tape.parse(many + ",\"k3\":1}"));
}

TEST(JsonTape, AcceptsAndReadsEdgeCasesAsNlohmannDoes) {
  for (const std::string good : {
           "0", "-0", "-0.0", "1E+2", "1e-2", "123456789012345678", "-123456789012345678",
           "0.1e1", "true", "false", "null", "\"\"", "[]", "{}", " [ ] ", "\"\\u0000\"",
           "\"\x7F\"", "\"\xF4\x8F\xBF\xBF\"", "\"\xEF\xBF\xBF\"", "{\"\":1}",
           "[[[]],{\"a\":[{}]}]", "1e308", "2.2250738585072014e-308",
       }) {
    JsonTape tape;
    EXPECT_TRUE(tape.parse(good)) << good;
    expect_agrees(good);
  }
}

TEST(JsonTape, RandomCorruptionsOfRealAnswersAgreeWithNlohmann) {
  const std::string answers[] = {
      R"({"task_id":"770e8400-e29b-41d4-a716-446655440000","status":"processing","last_activity_at":"2026-02-22T14:30:00.123456Z"})",
      R"({"task_id":"770e8400-e29b-41d4-a716-446655440000","status":"awaiting_reply","last_activity_at":"2026-02-22T14:30:00.123456Z","question":{"message_id":"880e8400-e29b-41d4-a716-446655440000","content":"{\"type\":\"clarifying_questions\",\"questions\":[{\"type\":\"single_select\",\"question\":\"Caf\u00e9?\",\"options\":[\"A\",\"B\"]}]}","type":"CLARIFYING_QUESTIONS"},"solution":null})",
      R"({"tasks":[{"task_id":"a","status":"completed","created_at":"2026-02-22T14:30:00Z","n":-1.5e-3}]})",
  };
  constexpr char kBytes[] = "{}[],:\"\\/0123456789.-+eEtrufalsn \t\r\n\x01\x80\xC3\xA9\xED\xF4";
  std::mt19937 rng(20261129);
  int accepted = 0, total = 0;
  for (const auto& answer : answers) {
    for (int round = 0; round < 4000; ++round) {
      std::string text = answer;
      const int edits = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < edits && !text.empty(); ++e) {
        const std::size_t at = rng() % text.size();
        const char byte = kBytes[rng() % (sizeof kBytes - 1)];
        switch (rng() % 3) {
          case 0:
            text[at] = byte;
            break;
          case 1:
            text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), byte);
            break;
          default:
            text.erase(at, 1 + rng() % 3);
        }
      }
      JsonTape tape;
      accepted += tape.parse(text) ? 1 : 0;
      ++total;
      expect_agrees(text);
      if (HasFailure()) return;
    }
  }
  // Both outcomes occur: the corpus exercises acceptance as well as rejection.
  EXPECT_GT(accepted, total / 20);
  EXPECT_LT(accepted, total);
}

}  // namespace
}  // namespace agentwork::harness
