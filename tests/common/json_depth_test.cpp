// The nesting bound of outside JSON: counted on the text, strings and comments skipped, against
// nlohmann's own reading of the depth of what it parsed (the reference).
#include "common/json_depth.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>

namespace agentwork {
namespace {

// The depth of a parsed value: arrays and objects, as the text nests them.
std::size_t depth_of(const nlohmann::json& j) {
  if (!j.is_structured()) return 0;
  std::size_t deepest = 0;
  for (const auto& child : j) deepest = std::max(deepest, depth_of(child));
  return deepest + 1;
}

TEST(JsonDepth, CountsArraysAndObjectsNotStringsOrComments) {
  EXPECT_FALSE(json_too_deep("[[1]]", 2));
  EXPECT_TRUE(json_too_deep("[[[1]]]", 2));
  EXPECT_FALSE(json_too_deep(R"({"a": {"b": 1}, "c": [2]})", 2));
  EXPECT_TRUE(json_too_deep(R"({"a": {"b": [1]}})", 2));
  // Brackets in strings, escaped quotes included, do not count.
  EXPECT_FALSE(json_too_deep(R"(["[[[[", "\"[[[[", {"k[[": "]]]"}])", 2));
  EXPECT_TRUE(json_too_deep(R"(["\\", [[1]]])", 2));  // the string ends after an escaped backslash
  // Comments count only when read as comments.
  EXPECT_FALSE(json_too_deep("// [[[[\n[1] /* {{{{ */", 1, /*comments=*/true));
  EXPECT_TRUE(json_too_deep("// [[[[\n[1] /* {{{{ */", 1, /*comments=*/false));
  // Closing more than opened, or text that is not JSON, counts no deeper.
  EXPECT_FALSE(json_too_deep("]]]][", 1));
  EXPECT_FALSE(json_too_deep("", 0));
}

TEST(JsonDepth, AgreesWithTheDepthOfWhatNlohmannParsed) {
  std::mt19937 rng(5);
  for (int round = 0; round < 400; ++round) {
    // A random value with strings holding brackets and escapes.
    std::function<nlohmann::json(int)> make = [&](int budget) -> nlohmann::json {
      const int kind = static_cast<int>(rng() % 4);
      if (budget == 0 || kind == 0) return std::string(rng() % 3, "[]{}\"\\"[rng() % 6]);
      nlohmann::json v = kind == 1 ? nlohmann::json::array() : nlohmann::json::object();
      for (unsigned i = 0, n = rng() % 3 + 1; i < n; ++i) {
        if (v.is_array()) {
          v.push_back(make(budget - 1));
        } else {
          v["k" + std::to_string(i) + "[{"] = make(budget - 1);
        }
      }
      return v;
    };
    const nlohmann::json value = make(static_cast<int>(rng() % 9));
    const std::string text = value.dump();
    const std::size_t depth = depth_of(value);
    EXPECT_FALSE(json_too_deep(text, depth)) << text;
    if (depth > 0) {
      EXPECT_TRUE(json_too_deep(text, depth - 1)) << text;
    }
  }
}

TEST(JsonDepth, ParseBoundedRefusesOnlyTooDeep) {
  bool deep = false;
  EXPECT_EQ(parse_json_bounded(R"({"a": [1, 2]})", &deep), nlohmann::json::parse(R"({"a": [1, 2]})"));
  EXPECT_FALSE(deep);
  const std::string nested = std::string(60000, '[') + std::string(60000, ']');
  EXPECT_TRUE(parse_json_bounded(nested, &deep).is_discarded());
  EXPECT_TRUE(deep);
  EXPECT_TRUE(parse_json_bounded("{", &deep).is_discarded());
  EXPECT_FALSE(deep);
  const std::string at_limit = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_FALSE(parse_json_bounded(at_limit).is_discarded());
}

}  // namespace
}  // namespace agentwork
