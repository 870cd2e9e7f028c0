// The contract checks on the hottest response: one status poll answered awaiting_reply with
// three clarifying questions (parse the body, validate it against the OpenAPI schema, parse and
// validate the questions inside question.content, run the code checks), by the reference path
// (check_response: nlohmann + valijson) and by the load engine's fast path.
#include <benchmark/benchmark.h>

#include <string>

#include <nlohmann/json.hpp>

#include "harness/checks/contract_checks.hpp"

namespace {

using agentwork::harness::check_response;
using agentwork::harness::CheckContext;
using agentwork::Endpoint;
using agentwork::harness::Exchange;

constexpr const char* kTaskId = "770e8400-e29b-41d4-a716-446655440000";

Exchange awaiting_reply() {
  Exchange ex;
  ex.method = "GET";
  ex.path = std::string("/api/v1/tasks/") + kTaskId;
  ex.status = 200;
  ex.headers = {{"Content-Type", "application/json"}};
  ex.body =
      std::string(R"({"task_id":")") + kTaskId +
      R"(","status":"awaiting_reply","last_activity_at":"2026-02-22T14:30:00.123456Z",)"
      R"("question":{"message_id":"880e8400-e29b-41d4-a716-446655440000","content":)"
      R"("{\"type\":\"clarifying_questions\",\"questions\":[)"
      R"({\"type\":\"text\",\"question\":\"What is the primary use case?\",\"options\":null},)"
      R"({\"type\":\"single_select\",\"question\":\"Which framework do you prefer?\",)"
      R"(\"options\":[\"React\",\"Vue\",\"Svelte\"]},)"
      R"({\"type\":\"multi_select\",\"question\":\"Which features do you need?\",)"
      R"(\"options\":[\"Auth\",\"Database\",\"File upload\",\"Payments\"]}]}",)"
      R"("type":"CLARIFYING_QUESTIONS"}})";
  return ex;
}

void BM_CheckStatusAwaitingReply(benchmark::State& state) {
  const Exchange ex = awaiting_reply();
  const CheckContext ctx{kTaskId, ""};
  if (!check_response(Endpoint::task_status, ex, ctx).empty()) {
    state.SkipWithError("the benchmark's response should be valid");
    return;
  }
  for (auto _ : state) {
    auto findings = check_response(Endpoint::task_status, ex, ctx);
    benchmark::DoNotOptimize(findings);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(ex.body.size()));
}
BENCHMARK(BM_CheckStatusAwaitingReply);

// For scale: the most common poll answer, and the JSON parse alone of the awaiting_reply body.
void BM_CheckStatusProcessing(benchmark::State& state) {
  Exchange ex = awaiting_reply();
  ex.body = std::string(R"({"task_id":")") + kTaskId +
            R"(","status":"processing","last_activity_at":"2026-02-22T14:30:00.123456Z"})";
  const CheckContext ctx{kTaskId, ""};
  for (auto _ : state) {
    auto findings = check_response(Endpoint::task_status, ex, ctx);
    benchmark::DoNotOptimize(findings);
  }
}
BENCHMARK(BM_CheckStatusProcessing);

// The load engine's fast path on the same two answers (harness::status_answer_clean: a flat JSON
// reading and the schema compiled from the OpenAPI document), the same verdict.
void BM_FastCleanAwaitingReply(benchmark::State& state) {
  const Exchange ex = awaiting_reply();
  agentwork::harness::StatusFacts facts;
  if (!agentwork::harness::status_answer_clean(ex.body, kTaskId, facts)) {
    state.SkipWithError("the fast path should find the benchmark's response clean");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(agentwork::harness::status_answer_clean(ex.body, kTaskId, facts));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FastCleanAwaitingReply);

void BM_FastCleanProcessing(benchmark::State& state) {
  const std::string body = std::string(R"({"task_id":")") + kTaskId +
                           R"(","status":"processing","last_activity_at":"2026-02-22T14:30:00.123456Z"})";
  agentwork::harness::StatusFacts facts;
  if (!agentwork::harness::status_answer_clean(body, kTaskId, facts)) {
    state.SkipWithError("the fast path should find the benchmark's response clean");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(agentwork::harness::status_answer_clean(body, kTaskId, facts));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FastCleanProcessing);

void BM_ParseOnlyAwaitingReply(benchmark::State& state) {
  const Exchange ex = awaiting_reply();
  for (auto _ : state) {
    auto body = nlohmann::json::parse(ex.body);
    auto content = nlohmann::json::parse(body["question"]["content"].get<std::string>());
    benchmark::DoNotOptimize(body);
    benchmark::DoNotOptimize(content);
  }
}
BENCHMARK(BM_ParseOnlyAwaitingReply);

}  // namespace

BENCHMARK_MAIN();
