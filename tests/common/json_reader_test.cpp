#include "common/json_reader.hpp"

#include <gtest/gtest.h>

namespace agentwork {
namespace {

using nlohmann::json;

// The error of a read that is expected to fail, as "<path>: <message>".
template <typename Read>
std::string error_of(Read read) {
  auto result = read_json(read);
  EXPECT_FALSE(result.ok());
  return result.ok() ? std::string("(no error)") : result.error().to_string();
}

TEST(JsonReader, PathsOfFieldsAndElements) {
  const json j = json::parse(R"({"steps": [{"do": "poll"}, {"status": "done"}]})");
  const JsonReader r(j);
  EXPECT_EQ(r.required("steps", "steps")[1].path(), "$.steps[1]");
  EXPECT_EQ(r.required("steps", "steps")[1].required("status", "a state").path(),
            "$.steps[1].status");
}

TEST(JsonReader, EnumFromNameTable) {
  const json j = json::parse(R"({"status": "done", "kind": "b"})");
  static constexpr std::array<std::string_view, 2> kStates = {"processing", "completed"};
  static constexpr std::array<std::string_view, 2> kKinds = {"a", "b"};
  EXPECT_EQ(error_of([&] { return JsonReader(j).enumeration<int>("status", kStates); }),
            "$.status: expected one of processing, completed; got \"done\"");
  auto kind = read_json([&] { return JsonReader(j).enumeration<int>("kind", kKinds); });
  ASSERT_TRUE(kind.ok());
  EXPECT_EQ(*kind, std::optional<int>(1));
  EXPECT_EQ(
      error_of([&] { return JsonReader(j, "$", kTerseStyle).enumeration<int>("status", kStates); }),
      "$.status: expected one of processing, completed, got \"done\"");
}

TEST(JsonReader, UnknownFieldsInEachStyle) {
  const json j = json::parse(R"({"a": 1, "zz": 2})");
  EXPECT_EQ(error_of([&] {
              return JsonReader(j).object({"a", "b"}).size();
            }),
            "$.zz: unknown field; expected one of a, b");
  const JsonStyle parens{false, false, "unknown field (expected one of: ", ")"};
  EXPECT_EQ(error_of([&] {
              return JsonReader(j, "$", parens).object({"a", "b"}).size();
            }),
            "$.zz: unknown field (expected one of: a, b)");
  EXPECT_EQ(error_of([&] { return JsonReader(json(3), "$.x").object({}).size(); }),
            "$.x: expected an object; got 3");
}

TEST(JsonReader, MissingAndWrongTypes) {
  const json j = json::parse(R"({"name": "", "flag": 1, "list": {}})");
  const JsonReader r(j);
  EXPECT_EQ(error_of([&] { return r.required("steps", "a non-empty array of steps").size(); }),
            "$.steps: missing; expected a non-empty array of steps");
  EXPECT_EQ(error_of([&] { return JsonReader(j, "$", kTerseStyle).required("x", "y").size(); }),
            "$.x: missing");
  EXPECT_EQ(error_of([&] { return r.string("name"); }),
            "$.name: expected a non-empty string; got \"\"");
  EXPECT_EQ(*read_json([&] { return r.string("name", false); }), std::optional<std::string>(""));
  EXPECT_EQ(error_of([&] { return r.boolean("flag"); }), "$.flag: expected true or false; got 1");
  EXPECT_EQ(error_of([&] { return r.required("list", "x").array("strings", true); }),
            "$.list: expected a non-empty array of strings; got {}");
  EXPECT_FALSE(*read_json([&] { return r.string("absent").has_value(); }));
}

TEST(JsonReader, NumbersInRange) {
  const json j = json::parse(R"({"s": 0, "n": 7, "big": 1e300, "f": 2.5})");
  const JsonReader r(j);
  constexpr NumberRange kSeconds{"a number of seconds", 0, 1e7, true};
  EXPECT_EQ(error_of([&] { return r.number("s", kSeconds); }),
            "$.s: expected a number of seconds above 0 to 10000000; got 0");
  EXPECT_EQ(error_of([&] { return r.number("big", kSeconds); }),
            "$.big: expected a number of seconds above 0 to 10000000; got 1e+300");
  EXPECT_EQ(*read_json([&] { return r.number("f", kSeconds); }), std::optional<double>(2.5));
  EXPECT_EQ(error_of([&] { return r.integer("n", 0, 5); }),
            "$.n: expected an integer from 0 to 5; got 7");
  EXPECT_EQ(error_of([&] { return r.integer("f", 0, 5); }),
            "$.f: expected an integer from 0 to 5; got 2.5");
  EXPECT_EQ(*read_json([&] { return r.integer("n", 0, 10); }), std::optional<std::int64_t>(7));
  EXPECT_EQ((NumberRange{"a fraction", 0, 1, false}).text(), "a fraction from 0 to 1");
}

TEST(JsonReader, GotIsCutToReadableLength) {
  const json j = std::string(100, 'x');
  const std::string got = JsonReader(j).got();
  EXPECT_EQ(got.size(), std::string("; got ").size() + 60);
  EXPECT_EQ(got.substr(got.size() - 3), "...");
}

TEST(JsonReader, ErrorWithoutPathIsTheMessage) {
  EXPECT_EQ((JsonError{"", "cannot read the file"}).to_string(), "cannot read the file");
  EXPECT_EQ((JsonError{"$.a", "bad"}).to_string(), "$.a: bad");
}

}  // namespace
}  // namespace agentwork
