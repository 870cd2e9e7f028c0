// Fault rules: parsing every field and error, and which requests a rule set hits and how.
#include "mock_server/faults.hpp"

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace agentwork::mock {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr const char* kTask = "/api/v1/tasks/{id}";
constexpr const char* kTasks = "/api/v1/tasks/";

FaultRule rule_of(const std::string& text) {
  std::string error;
  auto rule = parse_fault_rule(json::parse(text), "$", error);
  EXPECT_TRUE(rule) << error;
  return rule.value_or(FaultRule{});
}

TEST(ParseFaultRule, EveryField) {
  const auto r = rule_of(R"({"method":"GET","route":"/api/v1/tasks/{id}","probability":0.25,
      "count":3,"skip":2,"action":"status","status":503,"retry_after":7,"body":"busy"})");
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.route, kTask);
  EXPECT_DOUBLE_EQ(r.probability, 0.25);
  EXPECT_EQ(r.count, 3);
  EXPECT_EQ(r.skip, 2);
  EXPECT_EQ(r.action, FaultRule::Action::status);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.retry_after, 7);
  EXPECT_EQ(r.body, "busy");
  EXPECT_EQ(r.matched, 0);
  EXPECT_EQ(r.hits, 0);
}

TEST(ParseFaultRule, Defaults) {
  const auto r = rule_of(R"({"action":"drop"})");
  EXPECT_EQ(r.action, FaultRule::Action::drop);
  EXPECT_EQ(r.method, "");
  EXPECT_EQ(r.route, "");
  EXPECT_DOUBLE_EQ(r.probability, 1.0);
  EXPECT_EQ(r.count, -1);
  EXPECT_EQ(r.skip, 0);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.retry_after, -1);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.latency, milliseconds(0));
}

TEST(ParseFaultRule, Actions) {
  EXPECT_EQ(rule_of(R"({"action":"status"})").action, FaultRule::Action::status);
  EXPECT_EQ(rule_of(R"({"action":"error"})").action, FaultRule::Action::status);
  EXPECT_EQ(rule_of(R"({"action":"drop"})").action, FaultRule::Action::drop);
  EXPECT_EQ(rule_of(R"({"action":"truncate"})").action, FaultRule::Action::truncate);
  const auto latency = rule_of(R"({"action":"latency","latency_ms":250})");
  EXPECT_EQ(latency.action, FaultRule::Action::latency);
  EXPECT_EQ(latency.latency, milliseconds(250));
}

TEST(ParseFaultRule, NullStringsMeanAny) {
  const auto r = rule_of(R"({"action":"drop","method":null,"route":null,"body":null})");
  EXPECT_EQ(r.method, "");
  EXPECT_EQ(r.route, "");
  EXPECT_EQ(r.body, "");
}

TEST(ParseFaultRule, BoundaryValuesAreAccepted) {
  const auto r = rule_of(R"({"action":"status","probability":0,"count":-1,"skip":0,
      "status":599,"retry_after":86400})");
  EXPECT_DOUBLE_EQ(r.probability, 0);
  EXPECT_EQ(r.status, 599);
  EXPECT_EQ(r.retry_after, 86400);
  EXPECT_EQ(rule_of(R"({"action":"status","status":100,"count":0,"probability":1})").status, 100);
  EXPECT_EQ(rule_of(R"({"action":"latency","latency_ms":600000})").latency, milliseconds(600000));
}

struct RuleError {
  const char* rule;
  const char* error;
};

// A one-line name for test listings and failure messages (the default prints raw bytes).
void PrintTo(const RuleError& c, std::ostream* os) {
  *os << c.error;
}

class ParseFaultRuleError : public testing::TestWithParam<RuleError> {};

TEST_P(ParseFaultRuleError, NamesThePath) {
  std::string error;
  EXPECT_FALSE(parse_fault_rule(json::parse(GetParam().rule), "$", error)) << GetParam().rule;
  EXPECT_EQ(error, GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    AllErrors, ParseFaultRuleError,
    testing::Values(
        RuleError{R"([])", "$: expected a fault rule object"},
        RuleError{R"("drop")", "$: expected a fault rule object"},
        RuleError{R"({"action":"drop","when":"always"})",
                  "$.when: unknown field (expected method, route, probability, count, skip, "
                  "action, latency_ms, status, retry_after, body)"},
        RuleError{R"({})", R"($.action: required: one of "latency", "status", "drop", "truncate")"},
        RuleError{R"({"action":""})",
                  R"($.action: required: one of "latency", "status", "drop", "truncate")"},
        RuleError{R"({"action":5})",
                  R"($.action: required: one of "latency", "status", "drop", "truncate")"},
        RuleError{R"({"action":"explode"})",
                  R"($.action: expected "latency", "status", "drop" or "truncate", got "explode")"},
        RuleError{R"({"action":"drop","method":1})",
                  R"($.method: expected a string such as "GET")"},
        RuleError{R"({"action":"drop","route":[]})",
                  R"($.route: expected a route such as "/api/v1/tasks/{id}")"},
        RuleError{R"({"action":"status","body":{}})", "$.body: expected a string"},
        RuleError{R"({"action":"drop","probability":1.5})",
                  "$.probability: expected a number from 0 to 1"},
        RuleError{R"({"action":"drop","probability":-0.1})",
                  "$.probability: expected a number from 0 to 1"},
        RuleError{R"({"action":"drop","probability":"half"})",
                  "$.probability: expected a number from 0 to 1"},
        RuleError{R"({"action":"drop","count":-2})", "$.count: expected an integer >= -1"},
        RuleError{R"({"action":"drop","count":1.5})", "$.count: expected an integer >= -1"},
        RuleError{R"({"action":"drop","skip":-1})", "$.skip: expected an integer >= 0"},
        RuleError{R"({"action":"drop","skip":"1"})", "$.skip: expected an integer >= 0"},
        RuleError{R"({"action":"latency","latency_ms":600001})",
                  "$.latency_ms: expected milliseconds from 0 to 600000"},
        RuleError{R"({"action":"latency","latency_ms":-5})",
                  "$.latency_ms: expected milliseconds from 0 to 600000"},
        RuleError{R"({"action":"latency"})", "$.latency_ms: a latency rule needs latency_ms > 0"},
        RuleError{R"({"action":"latency","latency_ms":0})",
                  "$.latency_ms: a latency rule needs latency_ms > 0"},
        RuleError{R"({"action":"status","status":99})",
                  "$.status: expected an HTTP status 100-599"},
        RuleError{R"({"action":"status","status":600})",
                  "$.status: expected an HTTP status 100-599"},
        RuleError{R"({"action":"status","status":"503"})",
                  "$.status: expected an HTTP status 100-599"},
        RuleError{R"({"action":"status","retry_after":-1})",
                  "$.retry_after: expected seconds from 0 to 86400"},
        RuleError{R"({"action":"status","retry_after":86401})",
                  "$.retry_after: expected seconds from 0 to 86400"}));

TEST(ParseFaultRule, ErrorUsesTheGivenPath) {
  std::string error;
  EXPECT_FALSE(parse_fault_rule(json::parse(R"({"action":"nap"})"), "$[3]", error));
  EXPECT_EQ(error, R"($[3].action: expected "latency", "status", "drop" or "truncate", got "nap")");
}

TEST(FaultRuleToJson, ShowsTheFieldsOfItsAction) {
  auto status = rule_of(R"({"action":"status","status":429,"retry_after":3,"body":"x",
                            "method":"POST","route":"/api/v1/tasks/","count":2,"skip":1})");
  status.id = 4;
  status.matched = 5;
  status.hits = 2;
  EXPECT_EQ(to_json(status), json::parse(R"({"id":4,"action":"status","method":"POST",
      "route":"/api/v1/tasks/","probability":1.0,"count":2,"skip":1,"matched":5,"hits":2,
      "status":429,"retry_after":3,"body":"x"})"));

  auto latency = rule_of(R"({"action":"latency","latency_ms":40})");
  EXPECT_EQ(to_json(latency), json::parse(R"({"id":0,"action":"latency","method":null,
      "route":null,"probability":1.0,"count":-1,"skip":0,"matched":0,"hits":0,
      "latency_ms":40})"));

  EXPECT_EQ(to_json(rule_of(R"({"action":"status"})")),
            json::parse(R"({"id":0,"action":"status","method":null,"route":null,
      "probability":1.0,"count":-1,"skip":0,"matched":0,"hits":0,"status":500})"));
  EXPECT_EQ(to_json(rule_of(R"({"action":"truncate"})"))["action"], "truncate");
  EXPECT_EQ(to_json(rule_of(R"({"action":"drop"})"))["action"], "drop");
}

TEST(FaultSet, EmptySetDecidesNothing) {
  FaultSet faults(1);
  EXPECT_TRUE(faults.empty());
  const auto d = faults.decide("GET", kTask);
  EXPECT_EQ(d.latency, milliseconds(0));
  EXPECT_FALSE(d.respond);
  EXPECT_EQ(d.transport, FaultAction::none);
}

TEST(FaultSet, AddRemoveClear) {
  FaultSet faults(1);
  const int a = faults.add(rule_of(R"({"action":"drop"})"));
  const int b = faults.add(rule_of(R"({"action":"truncate"})"));
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 2);
  EXPECT_FALSE(faults.empty());
  ASSERT_EQ(faults.rules().size(), 2u);
  EXPECT_EQ(faults.rules()[0].id, 1);
  EXPECT_EQ(faults.rules()[1].id, 2);

  EXPECT_TRUE(faults.remove(a));
  EXPECT_FALSE(faults.remove(a));
  EXPECT_FALSE(faults.remove(99));
  ASSERT_EQ(faults.rules().size(), 1u);
  EXPECT_EQ(faults.rules()[0].id, b);
  EXPECT_EQ(faults.decide("GET", kTask).transport, FaultAction::truncate);

  EXPECT_TRUE(faults.remove(b));
  EXPECT_TRUE(faults.empty());
  EXPECT_EQ(faults.decide("GET", kTask).transport, FaultAction::none);

  // Ids keep increasing; clear() empties the set.
  EXPECT_EQ(faults.add(rule_of(R"({"action":"drop"})")), 3);
  faults.clear();
  EXPECT_TRUE(faults.empty());
  EXPECT_TRUE(faults.rules().empty());
  EXPECT_EQ(faults.decide("GET", kTask).transport, FaultAction::none);
}

TEST(FaultSet, AddResetsCounters) {
  FaultSet faults(1);
  auto rule = rule_of(R"({"action":"drop"})");
  rule.matched = 10;
  rule.hits = 10;
  rule.id = 77;
  const int id = faults.add(rule);
  EXPECT_EQ(id, 1);
  EXPECT_EQ(faults.rules()[0].matched, 0);
  EXPECT_EQ(faults.rules()[0].hits, 0);
}

TEST(FaultSet, MethodAndRouteFilters) {
  FaultSet faults(1);
  faults.add(rule_of(R"({"action":"drop","method":"POST","route":"/api/v1/tasks/"})"));
  EXPECT_EQ(faults.decide("GET", kTasks).transport, FaultAction::none);
  EXPECT_EQ(faults.decide("POST", kTask).transport, FaultAction::none);
  EXPECT_EQ(faults.rules()[0].matched, 0);
  EXPECT_EQ(faults.decide("POST", kTasks).transport, FaultAction::drop);
  EXPECT_EQ(faults.rules()[0].matched, 1);
  EXPECT_EQ(faults.rules()[0].hits, 1);
}

TEST(FaultSet, NoFilterMatchesEverything) {
  FaultSet faults(1);
  faults.add(rule_of(R"({"action":"truncate"})"));
  EXPECT_EQ(faults.decide("GET", kTask).transport, FaultAction::truncate);
  EXPECT_EQ(faults.decide("POST", kTasks).transport, FaultAction::truncate);
  EXPECT_EQ(faults.decide("DELETE", "/api/v1/auth/register").transport, FaultAction::truncate);
  EXPECT_EQ(faults.rules()[0].hits, 3);
}

TEST(FaultSet, ProbabilityZeroNeverFiresOneAlwaysFires) {
  FaultSet never(1), always(1);
  never.add(rule_of(R"({"action":"drop","probability":0})"));
  always.add(rule_of(R"({"action":"drop","probability":1})"));
  for (int i = 0; i < 500; ++i) {
    EXPECT_EQ(never.decide("GET", kTask).transport, FaultAction::none);
    EXPECT_EQ(always.decide("GET", kTask).transport, FaultAction::drop);
  }
  EXPECT_EQ(never.rules()[0].matched, 500);
  EXPECT_EQ(never.rules()[0].hits, 0);
  EXPECT_EQ(always.rules()[0].hits, 500);
}

TEST(FaultSet, ProbabilityIsSeededAndRoughlyRight) {
  auto pattern = [](std::uint64_t seed) {
    FaultSet faults(seed);
    faults.add(rule_of(R"({"action":"drop","probability":0.3})"));
    std::string out;
    for (int i = 0; i < 2000; ++i) {
      out += faults.decide("GET", kTask).transport == FaultAction::drop ? '1' : '0';
    }
    return out;
  };
  const auto a = pattern(5);
  EXPECT_EQ(a, pattern(5));
  EXPECT_NE(a, pattern(6));
  const auto hits = std::count(a.begin(), a.end(), '1');
  EXPECT_GT(hits, 450);  // 600 expected; 4+ standard deviations either way
  EXPECT_LT(hits, 750);
}

TEST(FaultSet, CountLimitsHits) {
  FaultSet faults(1);
  faults.add(rule_of(R"({"action":"status","status":503,"count":2})"));
  EXPECT_TRUE(faults.decide("GET", kTask).respond);
  EXPECT_TRUE(faults.decide("GET", kTask).respond);
  EXPECT_FALSE(faults.decide("GET", kTask).respond);
  EXPECT_FALSE(faults.decide("GET", kTask).respond);
  EXPECT_EQ(faults.rules()[0].matched, 4);
  EXPECT_EQ(faults.rules()[0].hits, 2);
}

TEST(FaultSet, CountZeroNeverFires) {
  FaultSet faults(1);
  faults.add(rule_of(R"({"action":"drop","count":0})"));
  EXPECT_EQ(faults.decide("GET", kTask).transport, FaultAction::none);
  EXPECT_EQ(faults.rules()[0].hits, 0);
}

TEST(FaultSet, SkipLetsTheFirstRequestsThrough) {
  FaultSet faults(1);
  faults.add(rule_of(R"({"action":"drop","skip":2,"count":1})"));
  EXPECT_EQ(faults.decide("GET", kTask).transport, FaultAction::none);
  EXPECT_EQ(faults.decide("GET", kTask).transport, FaultAction::none);
  EXPECT_EQ(faults.decide("GET", kTask).transport, FaultAction::drop);
  EXPECT_EQ(faults.decide("GET", kTask).transport, FaultAction::none);
  EXPECT_EQ(faults.rules()[0].matched, 4);
  EXPECT_EQ(faults.rules()[0].hits, 1);
}

TEST(FaultSet, LatenciesAddUpAndGoWithTheAnswer) {
  FaultSet faults(1);
  faults.add(rule_of(R"({"action":"latency","latency_ms":100})"));
  faults.add(rule_of(R"({"action":"latency","latency_ms":50,"method":"GET"})"));
  auto d = faults.decide("GET", kTask);
  EXPECT_EQ(d.latency, milliseconds(150));
  EXPECT_FALSE(d.respond);
  EXPECT_EQ(d.transport, FaultAction::none);
  d = faults.decide("POST", kTask);
  EXPECT_EQ(d.latency, milliseconds(100));

  faults.add(rule_of(R"({"action":"status","status":503,"count":1})"));
  d = faults.decide("GET", kTask);
  EXPECT_EQ(d.latency, milliseconds(150));
  ASSERT_TRUE(d.respond);
  EXPECT_EQ(d.respond->status, 503);
}

TEST(FaultSet, FirstAnsweringRuleEndsTheSearch) {
  FaultSet faults(1);
  faults.add(rule_of(R"({"action":"status","status":429})"));
  faults.add(rule_of(R"({"action":"latency","latency_ms":10})"));
  faults.add(rule_of(R"({"action":"drop"})"));
  const auto d = faults.decide("GET", kTask);
  ASSERT_TRUE(d.respond);
  EXPECT_EQ(d.respond->status, 429);
  EXPECT_EQ(d.latency, milliseconds(0));
  EXPECT_EQ(d.transport, FaultAction::none);
  const auto rules = faults.rules();
  EXPECT_EQ(rules[1].matched, 0);
  EXPECT_EQ(rules[2].matched, 0);
}

TEST(FaultSet, StatusAnswerWithRetryAfter) {
  FaultSet faults(1);
  faults.add(rule_of(R"({"action":"status","status":429,"retry_after":3})"));
  const auto d = faults.decide("POST", kTasks);
  ASSERT_TRUE(d.respond);
  EXPECT_EQ(d.respond->status, 429);
  EXPECT_EQ(d.respond->content_type, "application/json");
  EXPECT_EQ(json::parse(d.respond->body), json::parse(R"({"detail":"injected fault"})"));
  ASSERT_EQ(d.respond->headers.size(), 1u);
  EXPECT_EQ(d.respond->headers[0].first, "Retry-After");
  EXPECT_EQ(d.respond->headers[0].second, "3");
  EXPECT_EQ(d.transport, FaultAction::none);
}

TEST(FaultSet, StatusAnswerWithoutRetryAfterAndWithABody) {
  FaultSet faults(1);
  faults.add(rule_of(R"({"action":"status","status":503,"body":"{\"detail\":\"busy\"}"})"));
  const auto d = faults.decide("GET", kTask);
  ASSERT_TRUE(d.respond);
  EXPECT_EQ(d.respond->status, 503);
  EXPECT_EQ(d.respond->body, R"({"detail":"busy"})");
  EXPECT_TRUE(d.respond->headers.empty());
}

TEST(FaultSet, DropAndTruncate) {
  FaultSet drop(1), truncate(1);
  drop.add(rule_of(R"({"action":"drop"})"));
  truncate.add(rule_of(R"({"action":"truncate"})"));
  const auto d = drop.decide("GET", kTask);
  EXPECT_EQ(d.transport, FaultAction::drop);
  EXPECT_FALSE(d.respond);
  const auto t = truncate.decide("GET", kTask);
  EXPECT_EQ(t.transport, FaultAction::truncate);
  EXPECT_FALSE(t.respond);
}

}  // namespace
}  // namespace agentwork::mock
