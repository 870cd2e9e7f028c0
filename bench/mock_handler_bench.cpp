// Micro-benchmarks of the mock's request path without sockets: App::handle() for the status
// poll (the request load runs hammer), the event log, task creation and a structured reply.
// Compare figures within one run; the machine is shared and noisy.
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>

#include "mock_server/app.hpp"

namespace {

using agentwork::mock::App;
using agentwork::mock::HttpRequest;
using agentwork::mock::MockConfig;

struct Fixture {
  std::unique_ptr<App> app;
  std::string bearer;
  std::vector<std::string> task_ids;
};

// A mock holding `tasks` completed tasks (through /_mock/populate: the real state machine).
Fixture make_fixture(long long tasks, const char* outcome) {
  MockConfig config;
  config.control_api = true;
  Fixture f{std::make_unique<App>(config), {}, {}};
  HttpRequest req;
  req.method = "POST";
  req.target = "/_mock/populate";
  req.body = nlohmann::json{{"count", tasks}, {"outcome", outcome}, {"return_ids", tasks}}.dump();
  const auto resp = f.app->handle(req);
  const auto body = nlohmann::json::parse(resp.body);
  f.bearer = "Bearer " + body["api_key"].get<std::string>();
  for (const auto& id : body["task_ids"]) f.task_ids.push_back(id.get<std::string>());
  return f;
}

// GETs /api/v1/tasks/{id}{suffix} over the fixture's tasks in turn; every answer must be 200.
void get_each_task(benchmark::State& state, const Fixture& f, const std::string& suffix) {
  HttpRequest req;
  req.method = "GET";
  req.authorization = f.bearer;
  req.host = "127.0.0.1:8080";
  std::size_t i = 0;
  for (auto _ : state) {
    req.target = "/api/v1/tasks/" + f.task_ids[i++ % f.task_ids.size()] + suffix;
    auto resp = f.app->handle(req);
    benchmark::DoNotOptimize(resp.body.data());
    if (resp.status != 200) state.SkipWithError("the GET did not answer 200");
  }
  state.SetItemsProcessed(state.iterations());
}

// A completed task's status, with 1 to 1,000,000 tasks in the store.
void BM_StatusPoll(benchmark::State& state) {
  get_each_task(state, make_fixture(state.range(0), "completed"), "");
}
BENCHMARK(BM_StatusPoll)->Arg(1)->Arg(1000)->Arg(100000)->Arg(1000000);

// Populated "processing" tasks ask their question on first read: the body carries it.
void BM_StatusPollAwaitingReply(benchmark::State& state) {
  get_each_task(state, make_fixture(1000, "processing"), "");
}
BENCHMARK(BM_StatusPollAwaitingReply);

void BM_UnauthorizedPoll(benchmark::State& state) {
  auto f = make_fixture(1, "completed");
  HttpRequest req;
  req.method = "GET";
  req.authorization = "Bearer aw_live_not_a_key";
  req.target = "/api/v1/tasks/" + f.task_ids[0];
  for (auto _ : state) {
    auto resp = f.app->handle(req);
    benchmark::DoNotOptimize(resp.body.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_UnauthorizedPoll);

void BM_Events(benchmark::State& state) {
  get_each_task(state, make_fixture(1000, "completed"), "/events");
}
BENCHMARK(BM_Events);

void BM_CreateTask(benchmark::State& state) {
  auto f = make_fixture(1, "completed");
  HttpRequest req;
  req.method = "POST";
  req.target = "/api/v1/tasks/";
  req.authorization = f.bearer;
  req.body = R"({"title":"FizzBuzz in Rust","description":"Write FizzBuzz with tests."})";
  for (auto _ : state) {
    auto resp = f.app->handle(req);
    benchmark::DoNotOptimize(resp.body.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CreateTask);

void BM_StructuredReply(benchmark::State& state) {
  // Each reply needs a task awaiting it: batches of such tasks are made outside the timing.
  Fixture f;
  std::size_t next = 0;
  HttpRequest req;
  req.method = "POST";
  req.body = R"({"answers":[{"question_index":0,"selected":"React"}]})";
  for (auto _ : state) {
    if (next == f.task_ids.size()) {
      state.PauseTiming();
      f = make_fixture(10000, "processing");
      next = 0;
      state.ResumeTiming();
    }
    req.authorization = f.bearer;
    req.target = "/api/v1/tasks/" + f.task_ids[next++] + "/message";
    auto resp = f.app->handle(req);
    if (resp.status != 200) state.SkipWithError("structured reply did not answer 200");
    benchmark::DoNotOptimize(resp.body.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StructuredReply);

}  // namespace

BENCHMARK_MAIN();
