// Load profiles: a profile with every field, the defaults, every kind of error with its exact path
// and message, flag overrides, the loopback safety rule, and the example profiles in the tree.
#include "harness/load/profile.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace agentwork::load {
namespace {

using nlohmann::json;

// The smallest valid profile; error cases merge-patch it (null removes a field).
json minimal() {
  return {{"name", "p"},
          {"client", {{"policy", json::object()}}},
          {"executor", {{"closed", {{"clients", 1}}}}}};
}

LoadProfile parse_ok(const json& j) {
  auto parsed = parse_profile(j, "p.json");
  if (auto* error = std::get_if<ProfileError>(&parsed)) {
    ADD_FAILURE() << error->to_string();
    return {};
  }
  return std::get<LoadProfile>(parsed);
}

ProfileError parse_error(const json& patch) {
  json j = minimal();
  j.merge_patch(patch);
  auto parsed = parse_profile(j, "p.json");
  if (auto* error = std::get_if<ProfileError>(&parsed)) return *error;
  ADD_FAILURE() << patch.dump() << ": parsed";
  return {};
}

TEST(LoadProfile, EveryField) {
  const LoadProfile p = parse_ok(json::parse(R"({
    "name": "full", "description": "every field",
    "client": {"policy": {"on_solution": {"reject_times": 2, "then": "cancel"}, "max_rounds": 4},
               "title": "T", "description": "D"},
    "executor": {"closed": {"clients": 1000, "iterations": 3}},
    "duration_s": 90.5, "warmup_s": 5, "poll_interval_s": 2.5, "jitter": 0.25, "workers": 8,
    "max_tasks": 5000, "rate_cap": 20000,
    "circuit_breaker": {"error_rate": 0.3, "window_s": 20, "min_requests": 50},
    "thresholds": ["latency{endpoint=status}.p99 < 200ms", "errors.rate < 1%"],
    "abort_on_fail": true
  })"));
  EXPECT_EQ(p.file, "p.json");
  EXPECT_EQ(p.name, "full");
  EXPECT_EQ(p.description, "every field");
  const auto& client = std::get<PolicyClient>(p.client);
  EXPECT_EQ(client.title, "T");
  EXPECT_EQ(client.description, "D");
  EXPECT_EQ(client.policy.on_solution.reject_times, 2);
  EXPECT_EQ(client.policy.on_solution.then, harness::Policy::OnSolution::Then::cancel);
  EXPECT_EQ(client.policy.max_rounds, 4);
  const auto& closed = std::get<ClosedExecutor>(p.executor);
  EXPECT_EQ(closed.clients, 1000);
  EXPECT_EQ(closed.iterations, 3);
  EXPECT_EQ(p.duration_s, 90.5);
  EXPECT_EQ(p.warmup_s, 5);
  EXPECT_EQ(p.poll_interval_s, 2.5);
  EXPECT_EQ(p.jitter, 0.25);
  EXPECT_EQ(p.workers, 8);
  EXPECT_EQ(p.max_tasks, 5000);
  EXPECT_EQ(p.rate_cap, 20000.0);
  EXPECT_EQ(p.circuit_breaker.error_rate, 0.3);
  EXPECT_EQ(p.circuit_breaker.window_s, 20);
  EXPECT_EQ(p.circuit_breaker.min_requests, 50);
  ASSERT_EQ(p.thresholds.size(), 2u);
  EXPECT_EQ(p.thresholds[0].text, "latency{endpoint=status}.p99 < 200ms");
  EXPECT_EQ(p.thresholds[0].limit, 200000.0);
  EXPECT_EQ(p.thresholds[1].limit, 0.01);
  EXPECT_TRUE(p.abort_on_fail);
}

TEST(LoadProfile, Defaults) {
  const LoadProfile p = parse_ok(minimal());
  const auto& client = std::get<PolicyClient>(p.client);
  EXPECT_EQ(client.title, PolicyClient{}.title);
  EXPECT_EQ(client.policy.max_rounds, harness::Policy{}.max_rounds);
  EXPECT_EQ(std::get<ClosedExecutor>(p.executor).iterations, std::nullopt);
  EXPECT_EQ(p.description, "");
  EXPECT_EQ(p.duration_s, 60);
  EXPECT_EQ(p.warmup_s, 0);
  EXPECT_EQ(p.poll_interval_s, 5);
  EXPECT_EQ(p.jitter, 0.1);
  EXPECT_EQ(p.workers, default_workers());
  EXPECT_GE(p.workers, 1);
  EXPECT_LE(p.workers, 64);
  EXPECT_EQ(p.max_tasks, std::nullopt);
  EXPECT_EQ(p.rate_cap, std::nullopt);
  EXPECT_EQ(p.circuit_breaker.error_rate, 0.5);
  EXPECT_EQ(p.circuit_breaker.window_s, 10);
  EXPECT_EQ(p.circuit_breaker.min_requests, 100);
  EXPECT_TRUE(p.thresholds.empty());
  EXPECT_FALSE(p.abort_on_fail);
}

TEST(LoadProfile, ScenarioClientAndConstantOpenRate) {
  json j = minimal();
  j["client"] = {{"scenario", "scenarios/examples/happy-path.json"}};
  j["executor"] = {{"open", {{"rate", 2.5}, {"max_in_flight", 7}}}};
  const LoadProfile p = parse_ok(j);
  EXPECT_EQ(std::get<ScenarioClient>(p.client).path, "scenarios/examples/happy-path.json");
  const auto& open = std::get<OpenExecutor>(p.executor);
  EXPECT_EQ(open.rate, 2.5);
  EXPECT_TRUE(open.stages.empty());
  EXPECT_EQ(open.max_in_flight, 7);
  EXPECT_EQ(p.duration_s, 60);
}

TEST(LoadProfile, StagesGiveTheDurationUnlessItIsSet) {
  json j = minimal();
  j["executor"] = json::parse(R"({"open": {"start_rate": 1, "stages": [
      {"duration_s": 30, "target_rate": 10}, {"duration_s": 15.5, "target_rate": 0}]}})");
  LoadProfile p = parse_ok(j);
  const auto& open = std::get<OpenExecutor>(p.executor);
  EXPECT_EQ(open.rate, std::nullopt);
  EXPECT_EQ(open.start_rate, 1);
  EXPECT_EQ(open.stages, (std::vector<Stage>{{30, 10}, {15.5, 0}}));
  EXPECT_EQ(open.max_in_flight, 10000);
  EXPECT_EQ(p.duration_s, 45.5);
  j["duration_s"] = 20;
  EXPECT_EQ(parse_ok(j).duration_s, 20);
}

TEST(LoadProfile, PollClient) {
  json j = minimal();
  j["client"] = {{"poll", {{"task_id", "task-42"}}}};
  const LoadProfile p = parse_ok(j);
  ASSERT_TRUE(std::holds_alternative<PollClient>(p.client));
  EXPECT_EQ(std::get<PollClient>(p.client).task_id, "task-42");
}

TEST(LoadProfile, ClosedRampUp) {
  EXPECT_EQ(std::get<ClosedExecutor>(parse_ok(minimal()).executor).ramp_up_s, std::nullopt);
  for (const double seconds : {0.0, 2.5, 1e7}) {
    json j = minimal();
    j["executor"]["closed"]["ramp_up_s"] = seconds;
    EXPECT_EQ(std::get<ClosedExecutor>(parse_ok(j).executor).ramp_up_s, seconds);
  }
}

TEST(LoadProfile, PollIntervalZeroIsBackToBack) {
  json j = minimal();
  j["poll_interval_s"] = 0;
  EXPECT_EQ(parse_ok(j).poll_interval_s, 0);
}

struct ErrorCase {
  const char* patch;  // merged into minimal()
  const char* path;
  const char* message;
};

TEST(LoadProfile, ErrorsNameThePathAndWhatWasExpected) {
  const std::vector<ErrorCase> cases = {
      {R"({"foo": 1})", "$.foo",
       "unknown field; expected one of name, description, client, executor, duration_s, "
       "warmup_s, poll_interval_s, jitter, workers, max_tasks, rate_cap, circuit_breaker, "
       "thresholds, abort_on_fail"},
      {R"({"name": null})", "$.name", "missing; expected a non-empty string"},
      {R"({"name": 3})", "$.name", "expected a non-empty string; got 3"},
      {R"({"name": ""})", "$.name", "expected a non-empty string; got \"\""},
      {R"({"description": 3})", "$.description", "expected a string; got 3"},
      // client
      {R"({"client": null})", "$.client", "missing; expected a client object"},
      {R"({"client": "policy"})", "$.client", "expected an object; got \"policy\""},
      {R"({"client": {"policy": null}})", "$.client",
       "expected exactly one of \"policy\", \"poll\" or \"scenario\"; got none"},
      {R"({"client": {"scenario": "x.json"}})", "$.client",
       "expected exactly one of \"policy\", \"poll\" or \"scenario\"; got 2"},
      {R"({"client": {"policy": null, "scenario": "x.json", "title": "t"}})", "$.client.title",
       "expected only with \"policy\""},
      {R"({"client": {"policy": null, "scenario": ""}})", "$.client.scenario",
       "expected a non-empty string; got \"\""},
      {R"({"client": {"policy": {"on_solution": {"then": "maybe"}}}})",
       "$.client.policy.on_solution.then", "expected one of approve, cancel; got \"maybe\""},
      {R"({"client": {"policy": {"x": 1}}})", "$.client.policy.x",
       "unknown field; expected one of on_question, on_solution, on_stall, max_rounds"},
      {R"({"client": {"policy": 3}})", "$.client.policy", "expected an object; got 3"},
      {R"({"client": {"agent": "x"}})", "$.client.agent",
       "unknown field; expected one of scenario, policy, poll, title, description"},
      // a poll client
      {R"({"client": {"policy": null, "poll": {"task_id": ""}}})", "$.client.poll.task_id",
       "expected a non-empty string; got \"\""},
      {R"({"client": {"policy": null, "poll": {}}})", "$.client.poll.task_id",
       "expected a non-empty task id"},
      {R"({"client": {"policy": null, "poll": {"task_id": 7}}})", "$.client.poll.task_id",
       "expected a non-empty string; got 7"},
      {R"({"client": {"policy": null, "poll": {"task_id": "t", "interval": 1}}})",
       "$.client.poll.interval", "unknown field; expected one of task_id"},
      {R"({"client": {"policy": null, "poll": "t"}})", "$.client.poll",
       "expected an object; got \"t\""},
      {R"({"client": {"poll": {"task_id": "t"}}})", "$.client",
       "expected exactly one of \"policy\", \"poll\" or \"scenario\"; got 2"},
      {R"({"client": {"poll": {"task_id": "t"}, "scenario": "x.json"}})", "$.client",
       "expected exactly one of \"policy\", \"poll\" or \"scenario\"; got 3"},
      {R"({"client": {"policy": null, "poll": {"task_id": "t"}, "title": "t"}})", "$.client.title",
       "expected only with \"policy\""},
      {R"({"client": {"policy": null, "poll": {"task_id": "t"}, "description": "d"}})",
       "$.client.description", "expected only with \"policy\""},
      // executor
      {R"({"executor": null})", "$.executor", "missing; expected an executor object"},
      {R"({"executor": {"open": {"rate": 1}}})", "$.executor",
       "expected exactly one of \"closed\" or \"open\"; got both"},
      {R"({"executor": {"closed": null}})", "$.executor",
       "expected exactly one of \"closed\" or \"open\"; got neither"},
      {R"({"executor": {"closed": {"clients": 0}}})", "$.executor.closed.clients",
       "expected an integer from 1 to 10000000; got 0"},
      {R"({"executor": {"closed": {"clients": 1.5}}})", "$.executor.closed.clients",
       "expected an integer from 1 to 10000000; got 1.5"},
      {R"({"executor": {"closed": {"clients": null}}})", "$.executor.closed.clients",
       "missing; expected an integer from 1 to 10000000"},
      {R"({"executor": {"closed": {"iterations": 0}}})", "$.executor.closed.iterations",
       "expected an integer from 1 to 1000000000; got 0"},
      {R"({"executor": {"closed": {"rate": 1}}})", "$.executor.closed.rate",
       "unknown field; expected one of clients, iterations, ramp_up_s"},
      {R"({"executor": {"closed": {"ramp_up_s": -1}}})", "$.executor.closed.ramp_up_s",
       "expected a number of seconds from 0 to 10000000; got -1"},
      {R"({"executor": {"closed": {"ramp_up_s": "5s"}}})", "$.executor.closed.ramp_up_s",
       "expected a number of seconds from 0 to 10000000; got \"5s\""},
      {R"({"executor": {"closed": null, "open": {"rate": 0}}})", "$.executor.open.rate",
       "expected a number of tasks per second above 0 to 1000000; got 0"},
      {R"({"executor": {"closed": null, "open": {"rate": 1, "stages": []}}})", "$.executor.open",
       "expected exactly one of \"rate\" or \"stages\"; got both"},
      {R"({"executor": {"closed": null, "open": {}}})", "$.executor.open",
       "expected exactly one of \"rate\" or \"stages\"; got neither"},
      {R"({"executor": {"closed": null, "open": {"stages": []}}})", "$.executor.open.stages",
       "expected a non-empty array of stages; got []"},
      {R"({"executor": {"closed": null, "open": {"stages": [
          {"duration_s": 1, "target_rate": 1}, {"duration_s": -5, "target_rate": 1}]}}})",
       "$.executor.open.stages[1].duration_s",
       "expected a number of seconds above 0 to 10000000; got -5"},
      {R"({"executor": {"closed": null, "open": {"stages": [{"duration_s": 1}]}}})",
       "$.executor.open.stages[0].target_rate",
       "missing; expected a number of tasks per second from 0 to 1000000"},
      {R"({"executor": {"closed": null, "open": {"stages": [{"duration_s": 1,
          "target_rate": -1}]}}})",
       "$.executor.open.stages[0].target_rate",
       "expected a number of tasks per second from 0 to 1000000; got -1"},
      {R"({"executor": {"closed": null, "open": {"stages": [{"duration_s": 1,
          "target_rate": 1, "rate": 2}]}}})",
       "$.executor.open.stages[0].rate", "unknown field; expected one of duration_s, target_rate"},
      {R"({"executor": {"closed": null, "open": {"stages": [1]}}})", "$.executor.open.stages[0]",
       "expected a stage object; got 1"},
      {R"({"executor": {"closed": null, "open": {"rate": 1, "start_rate": 1}}})",
       "$.executor.open.start_rate", "expected only with \"stages\", not with \"rate\""},
      {R"({"executor": {"closed": null, "open": {"rate": 1, "max_in_flight": 0}}})",
       "$.executor.open.max_in_flight", "expected an integer from 1 to 10000000; got 0"},
      // timing
      {R"({"duration_s": -1})", "$.duration_s",
       "expected a number of seconds above 0 to 10000000; got -1"},
      {R"({"duration_s": "60"})", "$.duration_s",
       "expected a number of seconds above 0 to 10000000; got \"60\""},
      {R"({"warmup_s": -1})", "$.warmup_s",
       "expected a number of seconds from 0 to 10000000; got -1"},
      {R"({"poll_interval_s": -1})", "$.poll_interval_s",
       "expected a number of seconds from 0 to 10000000; got -1"},
      {R"({"jitter": 1.5})", "$.jitter", "expected a fraction from 0 to 1; got 1.5"},
      {R"({"jitter": -0.1})", "$.jitter", "expected a fraction from 0 to 1; got -0.1"},
      // limits
      {R"({"workers": 0})", "$.workers", "expected an integer from 1 to 256; got 0"},
      {R"({"workers": 257})", "$.workers", "expected an integer from 1 to 256; got 257"},
      {R"({"max_tasks": 0})", "$.max_tasks", "expected an integer from 1 to 1000000000000; got 0"},
      {R"({"rate_cap": 0})", "$.rate_cap",
       "expected a number of requests per second above 0 to 1000000000; got 0"},
      {R"({"circuit_breaker": {"error_rate": 0}})", "$.circuit_breaker.error_rate",
       "expected a fraction above 0 to 1; got 0"},
      {R"({"circuit_breaker": {"window_s": 0}})", "$.circuit_breaker.window_s",
       "expected a number of seconds above 0 to 10000000; got 0"},
      {R"({"circuit_breaker": {"min_requests": 0}})", "$.circuit_breaker.min_requests",
       "expected an integer from 1 to 1000000000; got 0"},
      {R"({"circuit_breaker": {"enabled": false}})", "$.circuit_breaker.enabled",
       "unknown field; expected one of error_rate, window_s, min_requests"},
      // thresholds
      {R"({"thresholds": "errors.rate < 1%"})", "$.thresholds",
       "expected an array of threshold strings; got \"errors.rate < 1%\""},
      {R"({"thresholds": ["errors.rate < 1%", 5]})", "$.thresholds[1]",
       "expected a threshold string; got 5"},
      {R"({"thresholds": ["errors.rate < 1%", "latency.p99 200ms"]})", "$.thresholds[1]",
       "latency.p99 200ms: column 13: expected an operator (<, <=, >, >=, ==, !=)"},
      {R"({"abort_on_fail": "yes"})", "$.abort_on_fail", "expected true or false; got \"yes\""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.patch);
    const ProfileError e = parse_error(json::parse(c.patch));
    EXPECT_EQ(e.file, "p.json");
    EXPECT_EQ(e.path, c.path);
    EXPECT_EQ(e.message, c.message);
  }
}

TEST(LoadProfile, TopLevelMustBeAnObject) {
  auto parsed = parse_profile(json::array(), "p.json");
  ASSERT_TRUE(std::holds_alternative<ProfileError>(parsed));
  EXPECT_EQ(std::get<ProfileError>(parsed).to_string(),
            "p.json: $: expected a load profile object; got []");
}

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path.string();
}

TEST(LoadProfileFile, CommentsAllowed) {
  const auto path = write_temp("agentwork-profile-ok.json", "// a comment\n" + minimal().dump());
  auto loaded = load_profile_file(path);
  ASSERT_TRUE(std::holds_alternative<LoadProfile>(loaded));
  EXPECT_EQ(std::get<LoadProfile>(loaded).file, path);
}

TEST(LoadProfileFile, MissingFileAndBadJson) {
  auto missing = load_profile_file("/nonexistent/profile.json");
  ASSERT_TRUE(std::holds_alternative<ProfileError>(missing));
  EXPECT_EQ(std::get<ProfileError>(missing).to_string(),
            "/nonexistent/profile.json: cannot read the file");
  const auto path = write_temp("agentwork-profile-bad.json", "{\"name\": ,}");
  auto bad = load_profile_file(path);
  ASSERT_TRUE(std::holds_alternative<ProfileError>(bad));
  const auto& e = std::get<ProfileError>(bad);
  EXPECT_EQ(e.path, "");
  EXPECT_EQ(e.message.rfind("not valid JSON: parse error at line 1, column 10", 0), 0u)
      << e.message;
}

LoadProfile open_profile() {
  json j = minimal();
  j["executor"] = json::parse(R"({"open": {"start_rate": 1, "stages": [
      {"duration_s": 30, "target_rate": 10}]}})");
  return parse_ok(j);
}

TEST(ProfileOverrides, SetTheirFieldsAndAddThresholds) {
  LoadProfile p = parse_ok(minimal());
  ProfileOverrides f;
  f.clients = 50;
  f.duration_s = 12;
  f.poll_interval_s = 0.5;
  f.workers = 3;
  f.rate_cap = 100;
  f.max_tasks = 9;
  f.thresholds = {"errors.rate < 2%"};
  f.abort_on_fail = true;
  EXPECT_EQ(apply_overrides(p, f), std::nullopt);
  EXPECT_EQ(std::get<ClosedExecutor>(p.executor).clients, 50);
  EXPECT_EQ(p.duration_s, 12);
  EXPECT_EQ(p.poll_interval_s, 0.5);
  EXPECT_EQ(p.workers, 3);
  EXPECT_EQ(p.rate_cap, 100.0);
  EXPECT_EQ(p.max_tasks, 9);
  ASSERT_EQ(p.thresholds.size(), 1u);
  EXPECT_EQ(p.thresholds[0].limit, 0.02);
  EXPECT_TRUE(p.abort_on_fail);
  // Nothing set: nothing changes; abort_on_fail is never cleared by a flag.
  EXPECT_EQ(apply_overrides(p, {}), std::nullopt);
  EXPECT_EQ(std::get<ClosedExecutor>(p.executor).clients, 50);
  EXPECT_TRUE(p.abort_on_fail);
}

TEST(ProfileOverrides, RateReplacesTheRamp) {
  LoadProfile p = open_profile();
  ProfileOverrides f;
  f.rate = 4;
  EXPECT_EQ(apply_overrides(p, f), std::nullopt);
  const auto& open = std::get<OpenExecutor>(p.executor);
  EXPECT_EQ(open.rate, 4.0);
  EXPECT_TRUE(open.stages.empty());
  EXPECT_EQ(open.start_rate, 0);
}

TEST(ProfileOverrides, PollTaskReplacesTheClient) {
  for (const bool scenario : {false, true}) {
    json j = minimal();
    if (scenario) j["client"] = {{"scenario", "x.json"}};
    LoadProfile p = parse_ok(j);
    ProfileOverrides f;
    f.poll_task = "task-7";
    EXPECT_EQ(apply_overrides(p, f), std::nullopt);
    ASSERT_TRUE(std::holds_alternative<PollClient>(p.client)) << scenario;
    EXPECT_EQ(std::get<PollClient>(p.client).task_id, "task-7");
  }
}

TEST(ProfileOverrides, PollIntervalZeroIsAccepted) {
  LoadProfile p = parse_ok(minimal());
  ProfileOverrides f;
  f.poll_interval_s = 0;
  EXPECT_EQ(apply_overrides(p, f), std::nullopt);
  EXPECT_EQ(p.poll_interval_s, 0);
}

struct OverrideCase {
  ProfileOverrides overrides;
  bool open = false;  // apply to open_profile() rather than the closed minimal()
  const char* path;
  const char* message;
};

TEST(ProfileOverrides, ErrorsNameTheFlagAndLeaveTheProfileAlone) {
  const auto with = [](auto field, auto value) {
    ProfileOverrides f;
    f.*field = value;
    return f;
  };
  const std::vector<OverrideCase> cases = {
      {with(&ProfileOverrides::clients, 0), false, "--clients",
       "expected an integer from 1 to 10000000; got 0"},
      {with(&ProfileOverrides::clients, 5), true, "--clients",
       "expected a closed executor; the profile's is open"},
      {with(&ProfileOverrides::rate, 0.0), true, "--rate",
       "expected a number of tasks per second above 0 to 1000000; got 0"},
      {with(&ProfileOverrides::rate, 5.0), false, "--rate",
       "expected an open executor; the profile's is closed"},
      {with(&ProfileOverrides::duration_s, -1.0), false, "--duration",
       "expected a number of seconds above 0 to 10000000; got -1"},
      {with(&ProfileOverrides::poll_interval_s, -0.5), false, "--poll-interval",
       "expected a number of seconds from 0 to 10000000; got -0.5"},
      {with(&ProfileOverrides::workers, 0), false, "--workers",
       "expected an integer from 1 to 256; got 0"},
      {with(&ProfileOverrides::rate_cap, -3.0), false, "--rate-cap",
       "expected a number of requests per second above 0 to 1000000000; got -3"},
      {with(&ProfileOverrides::max_tasks, 0), false, "--max-tasks",
       "expected an integer from 1 to 1000000000000; got 0"},
      {with(&ProfileOverrides::poll_task, std::string()), false, "--poll-task",
       "expected a non-empty task id"},
      {with(&ProfileOverrides::thresholds, std::vector<std::string>{"errors.rate < fast"}), false,
       "--threshold", "errors.rate < fast: column 15: expected a number"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.path);
    LoadProfile p = c.open ? open_profile() : parse_ok(minimal());
    ProfileOverrides f = c.overrides;
    f.duration_s = f.duration_s.value_or(33);  // applied before most failures: must not stick
    if (c.path == std::string("--duration")) f.duration_s = c.overrides.duration_s;
    const auto error = apply_overrides(p, f);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->file, "");
    EXPECT_EQ(error->path, c.path);
    EXPECT_EQ(error->message, c.message);
    EXPECT_EQ(error->to_string(), std::string(c.path) + ": " + c.message);
    EXPECT_EQ(p.duration_s, c.open ? 30 : 60);
    EXPECT_TRUE(std::holds_alternative<PolicyClient>(p.client));
  }
}

TEST(SafetyError, LoopbackNeedsNoRateCap) {
  const LoadProfile p = parse_ok(minimal());
  for (const char* host : {"127.0.0.1", "::1", "[::1]", "localhost", "LocalHost"}) {
    EXPECT_EQ(safety_error(p, host), std::nullopt) << host;
  }
}

TEST(SafetyError, OtherTargetsNeedARateCap) {
  LoadProfile p = parse_ok(minimal());
  for (const char* host : {"staging.example.com", "10.0.0.5", "127.0.0.2", "localhost.evil"}) {
    const auto error = safety_error(p, host);
    ASSERT_TRUE(error.has_value()) << host;
    EXPECT_EQ(*error, "the target " + std::string(host) +
                          " is not loopback (127.0.0.1, ::1, localhost): a load run against it "
                          "needs a rate cap (\"rate_cap\" in the profile or --rate-cap)");
  }
  p.rate_cap = 100;
  EXPECT_EQ(safety_error(p, "staging.example.com"), std::nullopt);
}

TEST(ExampleProfiles, SteadyPolling) {
  auto loaded = load_profile_file(AGENTWORK_SOURCE_DIR "/scenarios/load/steady-polling.json");
  if (auto* e = std::get_if<ProfileError>(&loaded)) FAIL() << e->to_string();
  const auto& p = std::get<LoadProfile>(loaded);
  EXPECT_EQ(p.name, "steady-polling");
  EXPECT_TRUE(std::holds_alternative<PolicyClient>(p.client));
  EXPECT_EQ(std::get<ClosedExecutor>(p.executor).clients, 1000);
  EXPECT_EQ(p.duration_s, 60);
  EXPECT_EQ(p.poll_interval_s, 5);
  EXPECT_EQ(p.rate_cap, 20000.0);
  ASSERT_EQ(p.thresholds.size(), 2u);
  EXPECT_EQ(p.thresholds[0].ref.statistic.kind, StatKind::percentile);
  EXPECT_EQ(p.thresholds[1].ref.metric, "errors");
  EXPECT_EQ(safety_error(p, "staging.example.com"), std::nullopt);
}

TEST(ExampleProfiles, RampOpenAndItsScenario) {
  auto loaded = load_profile_file(AGENTWORK_SOURCE_DIR "/scenarios/load/ramp-open.json");
  if (auto* e = std::get_if<ProfileError>(&loaded)) FAIL() << e->to_string();
  const auto& p = std::get<LoadProfile>(loaded);
  const auto& open = std::get<OpenExecutor>(p.executor);
  EXPECT_EQ(open.stages.size(), 3u);
  EXPECT_EQ(open.start_rate, 1);
  EXPECT_EQ(p.duration_s, 480);
  EXPECT_TRUE(p.abort_on_fail);
  const auto& client = std::get<ScenarioClient>(p.client);
  auto scenario = harness::load_scenario_file(AGENTWORK_SOURCE_DIR "/" + client.path);
  if (auto* e = std::get_if<harness::LoadError>(&scenario)) FAIL() << e->to_string();
}

}  // namespace
}  // namespace agentwork::load
