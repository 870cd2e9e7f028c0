// The `fuzz` step end to end over real sockets: the bundled fuzz scenario passes against the
// in-process mock and leaves no task open; against a mock with three narrow defects that the
// hand-written negative scenarios do not reach (a 500 for a number where a title belongs, a
// lower-case "confirmed" taken for a decision, an off-by-one question index that crashes), each is
// reported under its rule with the case that found it, while those hand-written scenarios pass.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>

#include "mock_server/mock_server.hpp"
#include "tests/harness/runner/runner_fixture.hpp"

namespace agentwork::harness {
namespace {

std::vector<Scenario> load(const std::string& relative) {
  const auto loaded = load_scenarios({std::string(AGENTWORK_SOURCE_DIR) + "/" + relative});
  EXPECT_TRUE(loaded.errors.empty()) << loaded.errors[0].to_string();
  return loaded.scenarios;
}

const FindingRecord* finding(const ScenarioResult& r, std::string_view rule,
                             std::string_view part) {
  for (const auto& f : r.findings) {
    if (f.rule_id == rule && f.detail.find(part) != std::string::npos) return &f;
  }
  return nullptr;
}

TEST(FuzzStep, TheBundledFuzzScenarioPassesAgainstTheMock) {
  mock::MockServer server(mock_config());
  server.start();
  Runner runner(config_for(server.base_url()));
  const auto result = runner.run(load("scenarios/conformance/16-fuzz.json"));
  ASSERT_EQ(result.scenarios.size(), 1u);
  const auto& s = result.scenarios[0];
  EXPECT_EQ(s.verdict, Verdict::passed) << describe(s);
  EXPECT_TRUE(s.findings.empty()) << describe(s);
  // Two fuzz steps: about 190 requests beyond the lifecycle's own.
  EXPECT_GT(s.requests, 150u);
  std::size_t fuzz_steps = 0;
  for (const auto& step : s.steps) {
    if (step.kind != "fuzz") continue;
    ++fuzz_steps;
    EXPECT_NE(step.note.find("answered as the contract says"), std::string::npos) << step.note;
  }
  EXPECT_EQ(fuzz_steps, 2u);
  EXPECT_EQ(open_tasks(server.app()), 0u);
}

// Three defects no hand-written negative request reaches.
void narrow_defects(const mock::HttpRequest& r, mock::HttpResponse& response) {
  const json body = json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return;
  if (r.method == "POST" && r.target == "/api/v1/tasks/" && body.contains("title") &&
      body["title"].is_number()) {
    response.status = 500;  // the title was used as a string
    response.content_type = "text/plain";
    response.body = "Internal Server Error";
  }
  if (r.target.ends_with("/solution-status") && body.value("status", json()) == "confirmed") {
    response.status = 200;  // taken for CONFIRMED
    response.body = R"({"status":"completed"})";
  }
  if (r.target.ends_with("/message") && body.contains("answers") && body["answers"].is_array() &&
      !body["answers"].empty() && body["answers"][0].is_object() &&
      body["answers"][0].value("question_index", json()) == 3) {
    response.status = 500;  // questions[3] of three
    response.content_type = "text/plain";
    response.body = "Internal Server Error";
  }
}

TEST(FuzzStep, FindsNarrowDefectsThatTheHandWrittenNegativeRequestsMiss) {
  {
    BrokenMock broken(narrow_defects);
    Runner runner(config_for(broken.base));
    const auto result = runner.run(load("scenarios/examples/negative-requests.json"));
    ASSERT_EQ(result.scenarios.size(), 1u);
    EXPECT_EQ(result.scenarios[0].verdict, Verdict::passed)
        << "the hand-written negative requests should not reach these defects: "
        << describe(result.scenarios[0]);
  }
  BrokenMock broken(narrow_defects);
  Runner runner(config_for(broken.base));
  const auto result = runner.run(load("scenarios/conformance/16-fuzz.json"));
  ASSERT_EQ(result.scenarios.size(), 1u);
  const auto& s = result.scenarios[0];
  EXPECT_EQ(s.verdict, Verdict::failed);
  const auto* title = finding(s, "M.create.invalid", "title: a number instead of a string");
  ASSERT_NE(title, nullptr) << describe(s);
  EXPECT_NE(title->detail.find("expected 422, got 500"), std::string::npos) << title->detail;
  EXPECT_NE(title->detail.find("seed 20261206"), std::string::npos) << title->detail;
  ASSERT_TRUE(title->evidence);
  EXPECT_EQ(title->evidence->status, 500);
  const auto* confirmed = finding(s, "M.solution.invalid", "status: \"confirmed\"");
  ASSERT_NE(confirmed, nullptr) << describe(s);
  EXPECT_NE(confirmed->detail.find("got 200"), std::string::npos) << confirmed->detail;
  const auto* index = finding(s, "M.message.invalid", "question_index: 3, out of range");
  ASSERT_NE(index, nullptr) << describe(s);
  EXPECT_NE(index->detail.find("got 500"), std::string::npos) << index->detail;
  // Nothing else: every other generated request was refused as the contract says (the two
  // 500s' plain-text bodies are findings of the error-body rule too).
  for (const auto& f : s.findings) {
    const bool text_500 = f.rule_id == "M.errors.detail" && f.evidence &&
                          f.evidence->status == 500;
    EXPECT_TRUE(&f == title || &f == confirmed || &f == index || text_500)
        << f.rule_id << ": " << f.detail;
  }
  EXPECT_EQ(open_tasks(broken.app), 0u);
}

TEST(FuzzStep, AMoveAfterOnlyRefusalsIsAFinding) {
  // A server that refuses every generated message yet moves the task: once it has seen ten
  // messages, its status answers say processing.
  auto messages = std::make_shared<std::atomic<int>>(0);
  BrokenMock broken([messages](const mock::HttpRequest& r, mock::HttpResponse& response) {
    if (r.target.ends_with("/message")) ++*messages;
    if (*messages >= 10 && is_status_poll(r)) {
      auto body = json::parse(response.body, nullptr, false);
      if (body.is_object() && body.value("status", "") == "awaiting_reply") {
        body["status"] = "processing";
        body.erase("question");
        response.body = body.dump();
      }
    }
  });
  Runner runner(config_for(broken.base));
  const auto result = runner.run({scenario(R"({
    "name": "moves", "agent": {"steps": [
      {"do": "ask", "questions": [{"type": "text", "question": "Why?"}]},
      {"do": "propose", "content": "Done"}]},
    "steps": [
      {"do": "create", "task": "t1", "title": "T", "description": "D"},
      {"do": "await", "status": "awaiting_reply"},
      {"do": "fuzz", "families": ["message_body"], "seed": 3}
    ]})")});
  const auto& s = result.scenarios[0];
  const auto* moved = finding(s, "M.message.invalid", "moved from awaiting_reply to processing");
  ASSERT_NE(moved, nullptr) << describe(s);
  EXPECT_NE(moved->detail.find("seed 3"), std::string::npos) << moved->detail;
  EXPECT_GE(messages->load(), 10);
}

const StepRecord* fuzz_step(const ScenarioResult& s) {
  for (const auto& step : s.steps) {
    if (step.kind == "fuzz") return &step;
  }
  return nullptr;
}

constexpr const char* kWaiting = R"({
    "name": "fuzz", "agent": {"steps": [{"do": "work", "seconds": 10},
      {"do": "ask", "questions": [{"type": "text", "question": "Why?"}]}]},
    "steps": [
      {"do": "create", "task": "t1", "title": "T", "description": "D"},
      {"do": "await", "status": "awaiting_reply"},
      {"do": "fuzz", FUZZ}
    ]})";

std::string with_fuzz(const std::string& fields) {
  std::string text = kWaiting;
  text.replace(text.find("FUZZ"), 4, fields);
  return text;
}

TEST(FuzzStep, A429IsTheServerPacingNotAWrongAnswer) {
  // A deployment that rate-limits registrations: every one gets 429 (after the client's retries).
  BrokenMock broken([](const mock::HttpRequest& r, mock::HttpResponse& response) {
    // (The scenario's own account, agentwork-<run>-main@example.com, gets through.)
    if (r.target == "/api/v1/auth/register" && r.body.find("agentwork-") == std::string::npos) {
      response.status = 429;
      response.body = R"({"detail":"Too many requests"})";
    }
  });
  Runner runner(config_for(broken.base));
  const auto result = runner.run(
      {scenario(with_fuzz(R"("families": ["register_body", "create_body"], "max_cases": 8)"))});
  const auto& s = result.scenarios[0];
  EXPECT_EQ(s.verdict, Verdict::passed) << describe(s);
  EXPECT_TRUE(s.findings.empty()) << describe(s);
  const auto* step = fuzz_step(s);
  ASSERT_NE(step, nullptr);
  // 8 cases, the two families taking turns: 4 registrations paced, 4 creates answered 422.
  EXPECT_NE(step->note.find("4 rate-limited (429, not judged)"), std::string::npos) << step->note;
  EXPECT_NE(step->note.find("4x422"), std::string::npos) << step->note;
  // The registrations come first: each 429 doubled the pause before the next request (50, 100,
  // 200, 400 ms), each 422 after them halved it (200, 100, 50): at least 1.1 s in all.
  EXPECT_GE(step->duration_ms, 1100.0) << step->note;
}

TEST(FuzzStep, ARateSpacesTheRequestsToADeploymentNotToTheMock) {
  mock::MockServer server(mock_config());
  server.start();
  const char* text = R"({"name": "rate", "steps": [
      {"do": "create", "task": "t1", "title": "T", "description": "D"},
      {"do": "fuzz", "families": ["method"], "rate": 50}]})";
  auto config = config_for(server.base_url());
  config.mock = false;  // as against a deployment
  const auto paced = Runner(config).run({scenario(text)}).scenarios[0];
  EXPECT_EQ(paced.verdict, Verdict::passed) << describe(paced);
  const auto* step = fuzz_step(paced);
  ASSERT_NE(step, nullptr);
  EXPECT_NE(step->note.find("12 generated requests"), std::string::npos) << step->note;
  EXPECT_GE(step->duration_ms, 11 * 20.0) << "12 requests at 50/s take at least 220 ms";

  config.mock = true;
  config.run_id = "unpaced";
  const auto unpaced = Runner(config).run({scenario(text)}).scenarios[0];
  ASSERT_NE(fuzz_step(unpaced), nullptr);
  EXPECT_LT(fuzz_step(unpaced)->duration_ms, step->duration_ms) << "the mock is not paced";
}

TEST(FuzzStep, ARequestThatKillsTheConnectionIsNamed) {
  // A server that drops the connection when the title is a number (as a crashing worker does).
  BrokenMock broken([](const mock::HttpRequest& r, mock::HttpResponse& response) {
    const json body = json::parse(r.body, nullptr, false);
    if (r.target == "/api/v1/tasks/" && body.is_object() && body.contains("title") &&
        body["title"].is_number()) {
      response.fault = mock::FaultAction::drop;
    }
  });
  Runner runner(config_for(broken.base));
  const auto result =
      runner.run({scenario(with_fuzz(R"("families": ["create_body"], "seed": 9)"))});
  const auto& s = result.scenarios[0];
  EXPECT_EQ(s.verdict, Verdict::error) << describe(s);
  EXPECT_TRUE(has_finding(s, "S.transport", Severity::failure)) << describe(s);
  const auto* named = finding(s, "M.create.invalid", "title: a number instead of a string");
  ASSERT_NE(named, nullptr) << describe(s);
  EXPECT_NE(named->detail.find("no answer"), std::string::npos) << named->detail;
  EXPECT_NE(named->detail.find("seed 9"), std::string::npos) << named->detail;
  EXPECT_EQ(open_tasks(broken.app), 0u);  // the cleanup still ran
}

// The seed in a fuzz step's note, e.g. "... (seed 123), ...".
std::string seed_of(const ScenarioResult& s) {
  const auto* step = fuzz_step(s);
  if (!step) return "no fuzz step";
  const auto at = step->note.find("(seed ");
  return at == std::string::npos ? step->note : step->note.substr(at, step->note.find(')', at) - at);
}

TEST(FuzzStep, TheRunsSeedRepeatsTheRequestsWhateverTheTiming) {
  mock::MockServer server(mock_config());
  server.start();
  int runs = 0;
  auto run = [&](std::uint64_t seed, double poll_interval) {
    auto config = config_for(server.base_url());
    config.run_id = "run" + std::to_string(++runs);  // a fresh account on the same mock
    config.seed = seed;
    config.poll_interval_seconds = poll_interval;  // more or fewer polls (and jitter draws) before
    Runner runner(config);
    return runner.run({scenario(with_fuzz(R"("families": ["task_id"])"))}).scenarios[0];
  };
  const auto a = run(5, 0.5), b = run(5, 5), c = run(6, 0.5);
  EXPECT_EQ(seed_of(a), seed_of(b)) << describe(b);
  EXPECT_NE(seed_of(a), seed_of(c));
  EXPECT_EQ(a.verdict, Verdict::passed) << describe(a);
}

}  // namespace
}  // namespace agentwork::harness
