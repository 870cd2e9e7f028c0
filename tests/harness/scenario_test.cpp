#include "harness/scenario.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace agentwork::harness {
namespace {

using nlohmann::json;

TEST(Scenario, Minimal) {
  auto r =
      parse_scenario(json::parse(R"({"name":"x","steps":[{"do":"sleep","seconds":1}]})"), "x.json");
  ASSERT_TRUE(std::holds_alternative<Scenario>(r));
}

}  // namespace
}  // namespace agentwork::harness
