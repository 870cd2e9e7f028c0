// Fuzz target: the harness's reading of a server's answer - the contract checks of every
// endpoint (the reference path), the load engine's fast path for status polls, and the rule a
// failure is charged to - on arbitrary bodies. Input: the endpoint (first byte), the status code
// (second byte, from a list of the ones that matter), response headers' Content-Type choice
// (third byte), then the body.
// Checks: nothing throws; every finding names a rule of the catalogue that check_response says
// it emits; the checks give the same findings whether they parse the body or are handed it
// parsed; the fast path says "clean" only where the reference finds nothing (the load engine
// trusts it instead of running the reference).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/api.hpp"
#include "common/json_depth.hpp"
#include "common/rules.hpp"
#include "harness/checks/contract_checks.hpp"
#include "tests/fuzz/mock_world.hpp"

namespace {

using agentwork::fuzz::fail;
namespace h = agentwork::harness;

constexpr std::array<int, 16> kStatuses{200, 201, 204, 202, 301, 307, 400, 401,
                                        402, 404, 409, 413, 422, 429, 500, 503};
constexpr std::string_view kTaskId = "770e8400-e29b-41d4-a716-446655440000";

std::string findings_text(const std::vector<h::Finding>& findings) {
  std::string out;
  for (const auto& f : findings) out += std::string(f.rule_id) + ": " + f.detail + "\n";
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const auto endpoint =
      static_cast<agentwork::Endpoint>(data[0] % agentwork::kEndpointCount);
  h::Exchange ex;
  ex.method = "GET";
  ex.path = "/api/v1/tasks/" + std::string(kTaskId);
  ex.status = kStatuses[data[1] % kStatuses.size()];
  switch (data[2] % 3) {
    case 0: ex.headers.emplace_back("Content-Type", "application/json"); break;
    case 1: ex.headers.emplace_back("content-type", "text/html; charset=utf-8"); break;
    default: break;
  }
  if (ex.status == 401 && data[2] % 2 == 0) ex.headers.emplace_back("WWW-Authenticate", "Bearer");
  ex.body.assign(reinterpret_cast<const char*>(data) + 3, size - 3);
  h::CheckContext ctx;
  ctx.task_id = std::string(kTaskId);
  if (data[2] & 0x10) ctx.expected_status_after = "processing";

  const auto findings = h::check_response(endpoint, ex, ctx);
  const auto emitted = h::contract_check_rule_ids();
  for (const auto& f : findings) {
    if (!agentwork::find_rule(f.rule_id)) fail("a finding of no rule", f.rule_id);
    bool listed = false;
    for (const auto id : emitted) listed = listed || id == f.rule_id;
    if (!listed) fail("a finding of a rule contract_check_rule_ids does not list", f.rule_id);
    if (f.detail.empty()) fail("a finding without a detail", f.rule_id);
  }
  // The load engine parses once and hands the body over; the findings must not change.
  const auto parsed = agentwork::parse_json_bounded(ex.body);
  const auto again = h::check_response(endpoint, ex, ctx, parsed);
  if (findings_text(again) != findings_text(findings)) {
    fail("check_response differs with the body parsed by the caller",
         findings_text(findings) + "--- vs ---\n" + findings_text(again));
  }
  if (endpoint == agentwork::Endpoint::task_status && ex.status == 200) {
    h::StatusFacts facts;
    if (h::status_answer_clean(ex.body, kTaskId, facts) && !findings.empty()) {
      fail("the fast path calls clean what the reference path finds wrong", findings_text(findings));
    }
  }
  const auto rule = h::success_rule(endpoint, ex.body);
  if (!rule.empty() && !agentwork::find_rule(rule)) fail("success_rule names no rule", rule);
  return 0;
}
