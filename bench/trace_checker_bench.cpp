// Micro-benchmarks of the lifecycle trace checker: the cost of one observe() step, which the
// runner pays on every poll of every task. Compare figures within one run; the machine is shared.
#include <benchmark/benchmark.h>

#include <array>
#include <string>

#include "harness/checks/trace_checker.hpp"

namespace {

using agentwork::harness::ClientAction;
using agentwork::harness::Observation;
using agentwork::harness::TaskState;
using agentwork::harness::TraceChecker;

// The common case: a task still processing, polled again and again.
void BM_ObserveUnchanged(benchmark::State& state) {
  TraceChecker checker;
  Observation o{TaskState::processing, 1'700'000'000'000'000, ""};
  for (auto _ : state) {
    checker.observe(o);
    benchmark::DoNotOptimize(checker.violations().data());
  }
  if (!checker.violations().empty()) state.SkipWithError("unexpected violation");
}
BENCHMARK(BM_ObserveUnchanged);

// A conforming cycle through both waiting states, each time with a new message_id:
// processing, awaiting_reply, (reply), awaiting_solution_approval, (REJECTED), processing, ...
// One iteration is one observe(), plus the action that follows it, if any; the observations are
// built beforehand so that only the checker is measured.
void BM_ObserveTransition(benchmark::State& state) {
  TraceChecker checker;
  std::array<Observation, 8> cycle = {{
      {TaskState::processing, 0, {}},
      {TaskState::awaiting_reply, 0, "7f1c2a90-1b7e-4c55-9d1e-5a2f0c3b8e01"},
      {TaskState::awaiting_solution_approval, 0, "0b9e4d11-6c2a-4f3b-8e7d-2c1a9f5e6d02"},
      {TaskState::processing, 0, {}},
      {TaskState::processing, 0, {}},
      {TaskState::awaiting_reply, 0, "3d5e7f90-2a4b-4c6d-8e0f-1a2b3c4d5e03"},
      {TaskState::awaiting_solution_approval, 0, "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c04"},
      {TaskState::processing, 0, {}},
  }};
  std::int64_t now = 1'700'000'000'000'000;
  std::size_t i = 0;
  for (auto _ : state) {
    Observation& o = cycle[i % cycle.size()];
    o.last_activity_us = ++now;
    checker.observe(o);
    if (o.state == TaskState::awaiting_reply) checker.act(ClientAction::reply, true);
    if (o.state == TaskState::awaiting_solution_approval) checker.act(ClientAction::reject, true);
    ++i;
  }
  if (!checker.violations().empty()) state.SkipWithError("unexpected violation");
}
BENCHMARK(BM_ObserveTransition);

}  // namespace

BENCHMARK_MAIN();
