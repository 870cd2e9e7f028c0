// JsonReading (simdjson held to nlohmann's reading): against nlohmann::json, the reference,
// "whatever the reading accepts, nlohmann accepts and reads as the same value, with the same number
// kinds", on hand-picked edge cases and on seeded random corruptions of real answers.
#include "harness/checks/json_reading.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include <nlohmann/json.hpp>

namespace agentwork::harness {
namespace {

using nlohmann::json;

// The value of an element as nlohmann::json; false in `kinds_agree` when a number's kind (integer,
// unsigned, with a fraction) differs from the reference's.
json to_json(simdjson::dom::element e, const json& reference, bool& kinds_agree) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::NULL_VALUE:
      return nullptr;
    case element_type::BOOL:
      return e.get_bool().value_unsafe();
    case element_type::INT64:
      kinds_agree &= reference.is_number_integer();
      return e.get_int64().value_unsafe();
    case element_type::UINT64:
      kinds_agree &= reference.is_number_integer();
      return e.get_uint64().value_unsafe();
    case element_type::DOUBLE:
      kinds_agree &= reference.is_number_float();
      return e.get_double().value_unsafe();
    case element_type::STRING:
      return std::string(e.get_string().value_unsafe());
    case element_type::ARRAY: {
      json out = json::array();
      std::size_t k = 0;
      const simdjson::dom::array array = e.get_array().value_unsafe();
      for (const simdjson::dom::element child : array) {
        const json& ref = reference.is_array() && k < reference.size() ? reference[k] : json();
        out.push_back(to_json(child, ref, kinds_agree));
        ++k;
      }
      return out;
    }
    case element_type::OBJECT: {
      json out = json::object();
      const simdjson::dom::object object = e.get_object().value_unsafe();
      for (const simdjson::dom::key_value_pair field : object) {
        const std::string key(field.key);
        const json& ref = reference.is_object() && reference.contains(key) ? reference[key] : json();
        out[key] = to_json(field.value, ref, kinds_agree);
      }
      return out;
    }
  }
  return nullptr;
}

// The reading's promise for one text: accepted means nlohmann accepts it and reads the same value.
void expect_agrees(const std::string& text) {
  JsonReading reading;
  if (!reading.parse(text)) return;
  const json reference = json::parse(text, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(reference.is_discarded()) << "the reading accepted what nlohmann rejects: " << text;
  bool kinds_agree = true;
  EXPECT_EQ(to_json(reading.root(), reference, kinds_agree), reference) << text;
  EXPECT_TRUE(kinds_agree) << "a number read as another kind than nlohmann's: " << text;
}

TEST(JsonReading, ReadsADocumentAndOutlivesItsText) {
  JsonReading reading;
  {
    const std::string text = R"( {"a": [1, -2.5e3, "x\"y"], "b": {}, "c": true, "d": null} )";
    ASSERT_TRUE(reading.parse(text));
  }  // the reading holds its own copy
  const auto root = reading.root().get_object().value_unsafe();
  EXPECT_EQ(root.size(), 4u);
  const auto a = root.at_key("a").get_array().value_unsafe();
  EXPECT_EQ(a.size(), 3u);
  EXPECT_EQ(a.at(0).value_unsafe().type(), simdjson::dom::element_type::INT64);
  EXPECT_EQ(a.at(1).value_unsafe().type(), simdjson::dom::element_type::DOUBLE);
  EXPECT_DOUBLE_EQ(a.at(1).get_double().value_unsafe(), -2500.0);
  EXPECT_EQ(a.at(2).get_string().value_unsafe(), "x\"y");
  EXPECT_TRUE(root.at_key("c").get_bool().value_unsafe());
  EXPECT_TRUE(root.at_key("d").is_null());
  EXPECT_EQ(root.at_key("z").error(), simdjson::NO_SUCH_FIELD);
}

TEST(JsonReading, DecodesEscapesAndCountsCodePoints) {
  JsonReading reading;
  ASSERT_TRUE(reading.parse(R"(["\u00e9\ud83d\ude00\n\t\/\\", "caf\u00e9", "é😀"])"));
  const auto list = reading.root().get_array().value_unsafe();
  EXPECT_EQ(list.at(0).get_string().value_unsafe(), "\xC3\xA9\xF0\x9F\x98\x80\n\t/\\");
  EXPECT_EQ(JsonReading::code_points(list.at(1).get_string().value_unsafe()), 4u);  // c a f é
  EXPECT_EQ(JsonReading::code_points(list.at(2).get_string().value_unsafe()), 2u);  // é 😀
}

TEST(JsonReading, RejectsWhatNlohmannRejects) {
  for (const std::string bad : {
           "", " ", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "1.", ".5", "-",
           "1e", "1e+", "+1", "tru", "nul", "[1] x", "\"abc", "\"a\x01\"", "\"\\x\"",
           "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "1e999", "-1e400",
           "\"\xC0\x80\"", "\"\xED\xA0\x80\"", "\"\xF4\x90\x80\x80\"", "\"\xE2\x82\"", "\"\x80\"",
           "[1 2]", "{\"a\":1 \"b\":2}", "NaN", "Infinity",
       }) {
    JsonReading reading;
    EXPECT_FALSE(reading.parse(bad)) << bad;
    EXPECT_TRUE(json::parse(bad, nullptr, false).is_discarded()) << "not a reject case: " << bad;
  }
}

TEST(JsonReading, GivesUpOnWhatNlohmannReadsDifferently) {
  // nlohmann reads each of these: the last of repeated keys wins, a byte-order mark is skipped,
  // integers over 64 bits become doubles. The reading leaves them to it.
  for (const std::string odd : {
           R"({"a":1,"a":2})", R"({"a":{"b":1,"b":1}})", R"([{"x":0},{"y":1,"y":1}])",
           "\xEF\xBB\xBF{}", "123456789012345678901234567890",
       }) {
    JsonReading reading;
    EXPECT_FALSE(reading.parse(odd)) << odd;
    EXPECT_FALSE(json::parse(odd, nullptr, false).is_discarded()) << "nlohmann reads " << odd;
  }
  // 17 distinct keys: the sorted comparison; a repeat among them is still found.
  JsonReading reading;
  std::string many = "{";
  for (int i = 0; i < 17; ++i) many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":0";
  EXPECT_TRUE(reading.parse(many + "}"));
  EXPECT_FALSE(reading.parse(many + ",\"k3\":1}"));
  // Deep nesting that nlohmann reads (simdjson's limit is 1024 levels).
  const std::string deep = std::string(500, '[') + "1" + std::string(500, ']');
  EXPECT_TRUE(reading.parse(deep));
}

TEST(JsonReading, AcceptsAndReadsEdgeCasesAsNlohmannDoes) {
  for (const std::string good : {
           "0", "0.0", "-0", "-0.0", "[1,-0e5]", "1e-400", "1E+2", "1e-2", "123456789012345678",
           "-123456789012345678",
           "18446744073709551615", "-9223372036854775808", "0.1e1", "true", "false", "null",
           "\"\"", "[]", "{}", " [ ] ", "\"\\u0000\"", "\"\x7F\"", "\"\xF4\x8F\xBF\xBF\"",
           "\"\xEF\xBF\xBF\"", "{\"\":1}", "[[[]],{\"a\":[{}]}]", "1e308",
           "2.2250738585072014e-308", R"({"\u0061":1,"b":2})", R"({"a":1,"\u0062":2})",
       }) {
    JsonReading reading;
    EXPECT_TRUE(reading.parse(good)) << good;
    expect_agrees(good);
  }
  // An escaped key is decoded: it repeats a plain one.
  JsonReading reading;
  EXPECT_FALSE(reading.parse(R"({"a":1,"\u0061":2})"));
}

TEST(JsonReading, RandomCorruptionsOfRealAnswersAgreeWithNlohmann) {
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
      JsonReading reading;
      accepted += reading.parse(text) ? 1 : 0;
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
