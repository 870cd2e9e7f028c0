// The runner end to end over real sockets: the example scenarios against the in-process mock
// (HTTP and HTTPS), a mock whose answers a test corrupts (each corruption must surface as its
// rule's finding), servers that hang, reset, babble or fail, deadlines, stall policies and an
// interruption that must leave no created task non-terminal.
#include "harness/runner/runner.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <thread>

#include <nlohmann/json.hpp>

#include "mock_server/app.hpp"
#include "mock_server/mock_server.hpp"
#include "mock_server/server.hpp"
#include "tests/harness/runner/runner_fixture.hpp"
#include "tests/support/http_client.hpp"

namespace agentwork::harness {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

const char* const kHappyPath = R"({
  "name": "happy", "timeout_seconds": 600,
  "agent": {"steps": [{"do": "work", "seconds": 5}, {"do": "propose"}]},
  "steps": [
    {"do": "create", "title": "T", "description": "D"},
    {"do": "await", "status": "awaiting_solution_approval"},
    {"do": "approve"},
    {"do": "await", "status": "completed"},
    {"do": "result"}
  ]
})";

const char* const kLifecycle = R"({
  "name": "lifecycle", "timeout_seconds": 600,
  "agent": {"steps": [
    {"do": "work", "seconds": 5},
    {"do": "ask", "questions": [
      {"type": "text", "question": "Why?", "options": null},
      {"type": "single_select", "question": "Which?", "options": ["A", "B"]},
      {"type": "multi_select", "question": "What?", "options": ["X", "Y", "Z"]}]},
    {"do": "work", "seconds": 5},
    {"do": "propose", "files": [{"name": "a.txt", "content": "A"}], "on_reject": {"revise": 1}}
  ]},
  "steps": [
    {"do": "create", "task": "t1", "title": "T", "description": "D"},
    {"do": "await", "status": "awaiting_reply"},
    {"do": "expect", "question_type": "CLARIFYING_QUESTIONS", "questions": 3, "options": [null, 2, 3]},
    {"do": "reply", "answers": "auto"},
    {"do": "await", "status": "awaiting_solution_approval"},
    {"do": "reject", "reason": "More."},
    {"do": "await", "status": "awaiting_solution_approval"},
    {"do": "expect", "solution": true, "new_message_id": true},
    {"do": "approve"},
    {"do": "await", "status": "completed"},
    {"do": "result", "download": true, "files": 1},
    {"do": "events", "types": ["question", "reply", "solution_proposed", "solution_decision"]},
    {"do": "list", "contains": ["t1"]}
  ]
})";

// --- The example scenarios against the in-process mock -------------------------------------

TEST(Runner, ExampleScenariosPassAgainstTheMockAndLeaveNoTaskOpen) {
  mock::MockServer server(mock_config());
  server.start();
  const auto loaded = load_scenarios({std::string(AGENTWORK_SOURCE_DIR) + "/scenarios/examples"});
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors[0].to_string();
  ASSERT_GE(loaded.scenarios.size(), 5u);
  std::size_t reported = 0;
  Runner runner(config_for(server.base_url()));
  const RunResult result = runner.run(loaded.scenarios, [&](const ScenarioResult&) { ++reported; });
  EXPECT_EQ(reported, loaded.scenarios.size());
  ASSERT_EQ(result.scenarios.size(), loaded.scenarios.size());
  for (const auto& s : result.scenarios) {
    EXPECT_EQ(s.verdict, Verdict::passed) << s.name << ": " << describe(s);
    EXPECT_GT(s.requests, 0u) << s.name;
    EXPECT_EQ(s.steps.size(), loaded.scenarios[&s - &result.scenarios[0]].steps.size()) << s.name;
  }
  EXPECT_EQ(exit_code(result), 0);
  EXPECT_EQ(result.profile, "strict");
  EXPECT_EQ(open_tasks(server.app()), 0u);
  const auto totals = result.totals();
  EXPECT_EQ(totals.passed, loaded.scenarios.size());
  EXPECT_GT(totals.polls, 0u);
  EXPECT_GT(totals.tasks, 0u);
}

TEST(Runner, FullLifecycleOverHttpsWithTheCaFile) {
  mock::ServerOptions tls;
  tls.tls_cert_file = testing::test_data("test-cert.pem");
  tls.tls_key_file = testing::test_data("test-key.pem");
  mock::MockServer server(mock_config(), tls);
  const auto port = server.start();
  const std::string base = "https://localhost:" + std::to_string(port);
  {
    auto config = config_for(base);
    config.http.ca_file = testing::test_data("test-cert.pem");
    Runner runner(config);
    const auto result = runner.run({scenario(kLifecycle)});
    ASSERT_EQ(result.scenarios.size(), 1u);
    EXPECT_EQ(result.scenarios[0].verdict, Verdict::passed) << describe(result.scenarios[0]);
    EXPECT_EQ(result.scenarios[0].tasks_created, 1u);
  }
  {  // Without the CA the certificate is refused: a transport error naming TLS, not a crash.
    Runner runner(config_for(base));
    const auto result = runner.run({scenario(kLifecycle)});
    const auto& s = result.scenarios[0];
    EXPECT_EQ(s.verdict, Verdict::error) << describe(s);
    ASSERT_TRUE(has_finding(s, "S.transport", Severity::failure)) << describe(s);
    EXPECT_NE(s.reason.find("tls"), std::string::npos) << s.reason;
    EXPECT_EQ(exit_code(result), 1);
  }
}

// --- A mock whose answers the test corrupts ----------------------------------------------

struct Corruption {
  const char* name;
  BrokenMock::Edit edit;
  const char* rule;
  // The server lies about a task being terminal: no client can know it is still open.
  bool lies_about_terminal = false;
};

std::vector<Corruption> corruptions() {
  return {
      {"status_enum",
       edit_json(is_status_poll,
                 [](json& j) {
                   if (j["status"] == "awaiting_reply") j["status"] = "waiting";
                 }),
       "G.status.enum"},
      {"question_missing", edit_json(is_status_poll, [](json& j) { j.erase("question"); }),
       "G.status.question.presence"},
      {"bad_timestamp",
       edit_json(is_status_poll, [](json& j) { j["last_activity_at"] = "yesterday"; }),
       "G.status.last_activity_at.format"},
      {"wrong_task_id",
       edit_json(is_status_poll,
                 [](json& j) { j["task_id"] = "00000000-0000-4000-8000-000000000000"; }),
       "G.status.task_id"},
      // The agent's question is presented as a completed task: completed needs a CONFIRMED.
      {"completed_without_confirm",
       edit_json(is_status_poll,
                 [](json& j) {
                   if (j["status"] != "awaiting_reply") return;
                   j["status"] = "completed";
                   j.erase("question");
                 }),
       "G.lifecycle.completion_needs_confirm", true},
      {"create_200",
       [](const mock::HttpRequest& r, mock::HttpResponse& response) {
         if (r.method == "POST" && r.target == "/api/v1/tasks/") response.status = 200;
       },
       "G.create.created"},
      {"events_unknown_type",
       edit_json([](const mock::HttpRequest& r) { return r.target.ends_with("/events"); },
                 [](json& j) { j["events"][0]["type"] = "log"; }),
       "G.events.type"},
      {"result_without_files",
       edit_json([](const mock::HttpRequest& r) { return r.target.ends_with("/result"); },
                 [](json& j) { j.erase("files"); }),
       "G.result.shape"},
  };
}

TEST(Runner, EachCorruptedAnswerIsReportedUnderItsRule) {
  for (const auto& c : corruptions()) {
    BrokenMock broken(c.edit);
    Runner runner(config_for(broken.base));
    const auto result = runner.run({scenario(kLifecycle)});
    const auto& s = result.scenarios[0];
    EXPECT_TRUE(has_finding(s, c.rule, Severity::failure)) << c.name << ": " << describe(s);
    EXPECT_NE(s.verdict, Verdict::passed) << c.name;
    EXPECT_EQ(exit_code(result), 1) << c.name;
    // Every finding carries the evidence of the exchange, or is a trace finding on a task.
    for (const auto& f : s.findings) {
      if (f.rule_id == c.rule && f.evidence) {
        EXPECT_FALSE(f.evidence->method.empty()) << c.name;
        EXPECT_NE(f.evidence->status, 0) << c.name;
      }
    }
    if (!c.lies_about_terminal) {
      EXPECT_EQ(open_tasks(broken.app), 0u) << c.name << ": the cleanup cancels what is left";
    }
  }
}

TEST(Runner, MockChoicesAreObservationsUnderTheGuideProfile) {
  // The mock's reply body is {"task_id","status"}: [M]. Drop the status.
  auto edit = edit_json([](const mock::HttpRequest& r) { return r.target.ends_with("/message"); },
                        [](json& j) { j.erase("status"); });
  for (const bool strict : {true, false}) {
    BrokenMock broken(edit);
    auto config = config_for(broken.base);
    config.strict = strict;
    Runner runner(config);
    const auto result = runner.run({scenario(kLifecycle)});
    const auto& s = result.scenarios[0];
    const auto severity = strict ? Severity::failure : Severity::observation;
    EXPECT_TRUE(has_finding(s, "M.message.accepted", severity)) << strict << describe(s);
    EXPECT_EQ(s.verdict, strict ? Verdict::failed : Verdict::passed) << describe(s);
    EXPECT_EQ(result.profile, strict ? "strict" : "guide");
  }
}

TEST(Runner, ARequestStepThatGetsTheWrongStatusReportsItsRule) {
  // A server that lets another organization read the task.
  BrokenMock broken([](const mock::HttpRequest& r, mock::HttpResponse& response) {
    if (r.method == "GET" && response.status == 404 && r.target.starts_with("/api/v1/tasks/")) {
      response.status = 200;
    }
  });
  Runner runner(config_for(broken.base));
  const auto result = runner.run({scenario(R"({
    "name": "isolation", "agent": {"steps": [{"do": "stall"}]},
    "steps": [
      {"do": "register", "account": "other", "email": "o-{run}@example.com"},
      {"do": "use_account", "account": "main"},
      {"do": "create", "task": "t1", "title": "T", "description": "D"},
      {"do": "request", "method": "GET", "path": "/tasks/{t1}", "auth": "other",
       "expect_status": 404, "rule": "G.isolation.not_found"},
      {"do": "expect", "status": "processing"}
    ]})")});
  const auto& s = result.scenarios[0];
  ASSERT_TRUE(has_finding(s, "G.isolation.not_found", Severity::failure)) << describe(s);
  EXPECT_EQ(s.verdict, Verdict::failed);
  // A wrong answer to a negative request does not stop the scenario.
  EXPECT_EQ(s.steps.size(), 5u);
  EXPECT_EQ(s.tasks_cancelled, 1u);
}

// --- Expectations, deadlines, stalls --------------------------------------------------------

TEST(Runner, AFailedExpectationStopsTheScenarioAndCancelsItsTasks) {
  mock::MockServer server(mock_config());
  server.start();
  Runner runner(config_for(server.base_url()));
  const auto result = runner.run({scenario(R"({
    "name": "wrong expectation",
    "agent": {"steps": [{"do": "ask", "questions": [
      {"type": "text", "question": "Why?", "options": null}]}]},
    "steps": [
      {"do": "create", "title": "T", "description": "D"},
      {"do": "await", "status": "awaiting_reply"},
      {"do": "expect", "questions": 2, "question_types": ["multi_select"]},
      {"do": "cancel"}
    ]})")});
  const auto& s = result.scenarios[0];
  EXPECT_EQ(s.verdict, Verdict::failed);
  ASSERT_TRUE(has_finding(s, "S.expect", Severity::failure)) << describe(s);
  const auto& f = s.findings.back();
  EXPECT_NE(f.detail.find("1 questions, expected 2"), std::string::npos) << f.detail;
  EXPECT_NE(f.detail.find("question types [text], expected [multi_select]"), std::string::npos)
      << f.detail;
  EXPECT_EQ(f.step_index, 2u);
  EXPECT_EQ(s.steps.size(), 3u);  // the cancel step never ran
  EXPECT_EQ(s.tasks_cancelled, 1u);
  EXPECT_EQ(open_tasks(server.app()), 0u);
}

// Each task's timeline: created, each state the polls saw (once per change), the client's
// actions with whether they were accepted, in time order; a re-created task has its own.
TEST(Runner, TimelinesRecordStatesAndActions) {
  mock::MockServer server(mock_config());
  server.start();
  Runner runner(config_for(server.base_url()));
  const auto result = runner.run({scenario(R"({
    "name": "reject then approve",
    "agent": {"steps": [{"do": "work", "seconds": 1},
      {"do": "propose", "content": "v1", "on_reject": {"revise": 1, "seconds": 5}}]},
    "steps": [
      {"do": "create", "task": "job", "title": "T", "description": "D"},
      {"do": "await", "status": "awaiting_solution_approval"},
      {"do": "reject", "reason": "no"},
      {"do": "await", "status": "awaiting_solution_approval"},
      {"do": "approve"},
      {"do": "await", "status": "completed"}
    ]})")});
  const auto& s = result.scenarios[0];
  ASSERT_EQ(s.verdict, Verdict::passed) << describe(s);
  ASSERT_EQ(s.timelines.size(), 1u);
  const auto& tl = s.timelines[0];
  EXPECT_EQ(tl.task, "job");
  EXPECT_EQ(tl.polls, s.polls);
  std::vector<std::string> seen;
  double previous = -1;
  for (const auto& e : tl.events) {
    seen.push_back(e.kind + ":" + e.value);
    EXPECT_GE(e.at_ms, previous);
    EXPECT_TRUE(e.ok);
    previous = e.at_ms;
  }
  // A poll may or may not catch `processing` between the reject and the second proposal.
  std::vector<std::string> expected = {"created:",
                                       "state:processing",
                                       "state:awaiting_solution_approval",
                                       "action:reject"};
  std::size_t at = expected.size();
  ASSERT_GE(seen.size(), at + 3) << ::testing::PrintToString(seen);
  if (seen[at] == "state:processing") expected.push_back(seen[at++]);
  expected.insert(expected.end(),
                  {"state:awaiting_solution_approval", "action:approve", "state:completed"});
  EXPECT_EQ(seen, expected);
}

TEST(Runner, AwaitTimesOutAndTheDeadlineEndsAScenario) {
  mock::MockServer server(mock_config());
  server.start();
  Runner runner(config_for(server.base_url()));
  const auto result = runner.run({
      scenario(R"({"name": "await timeout", "agent": {"steps": [{"do": "stall"}]},
        "steps": [{"do": "create", "title": "T", "description": "D"},
                  {"do": "await", "status": "completed", "timeout_seconds": 20}]})"),
      scenario(R"({"name": "deadline", "timeout_seconds": 30, "agent": {"steps": [{"do": "stall"}]},
        "steps": [{"do": "create", "title": "T", "description": "D"},
                  {"do": "await", "status": "completed"}]})"),
  });
  const auto& step_timeout = result.scenarios[0];
  EXPECT_EQ(step_timeout.verdict, Verdict::failed) << describe(step_timeout);
  EXPECT_TRUE(has_finding(step_timeout, "S.await.timeout", Severity::failure));
  const auto& deadline = result.scenarios[1];
  EXPECT_EQ(deadline.verdict, Verdict::error) << describe(deadline);
  EXPECT_TRUE(has_finding(deadline, "S.deadline", Severity::failure));
  EXPECT_NE(deadline.reason.find("timed out"), std::string::npos) << deadline.reason;
  EXPECT_EQ(open_tasks(server.app()), 0u);
}

TEST(Runner, StallPolicyRecreatesOnceThenFailsOnTheVirtualClock) {
  mock::MockServer server(mock_config());
  server.start();
  Runner runner(config_for(server.base_url()));
  const auto result = runner.run({scenario(R"({
    "name": "stalls twice",
    "agent": {"steps": [{"do": "work", "seconds": 1}, {"do": "stall"}]},
    "policy": {"on_stall": {"after_seconds": 300, "action": "cancel_and_recreate", "max_recreate": 1}},
    "steps": [
      {"do": "create", "task": "job", "title": "T", "description": "D"},
      {"do": "await", "status": "processing"},
      {"do": "advance_clock", "seconds": 400},
      {"do": "run_policy"}
    ]})")});
  const auto& s = result.scenarios[0];
  // First stall: cancelled and re-created. The new task stalls too (same script), but the clock
  // is not moved again: the policy waits until the deadline... unless the stall is measured on
  // the wall clock, 300 agent seconds = 3 s at this scale. Either way it ends with S.stall.
  EXPECT_EQ(s.tasks_created, 2u) << describe(s);
  EXPECT_TRUE(has_finding(s, "S.stall", Severity::failure)) << describe(s);
  EXPECT_EQ(open_tasks(server.app()), 0u);
}

TEST(Runner, MockOnlyScenariosAreSkippedAgainstALiveTarget) {
  mock::MockServer server(mock_config());
  server.start();
  auto config = config_for(server.base_url());
  config.mock = false;  // as against a real deployment
  config.strict = false;
  Runner runner(config);
  const auto result = runner.run({scenario(R"({"name": "clock", "steps": [
      {"do": "create", "title": "T", "description": "D"}, {"do": "advance_clock", "seconds": 5}]})")});
  EXPECT_EQ(result.scenarios[0].verdict, Verdict::skipped);
  EXPECT_EQ(result.scenarios[0].requests, 0u);
  EXPECT_EQ(exit_code(result), 0);
  EXPECT_EQ(server.app().store().task_count(), 0u);
}

TEST(Runner, NoScriptReachesALiveTarget) {
  std::atomic<int> scripts{0};
  BrokenMock watched([&](const mock::HttpRequest& r, mock::HttpResponse&) {
    if (r.body.find("mock_script") != std::string::npos) ++scripts;
  });
  auto config = config_for(watched.base);
  config.mock = false;
  config.timeout_seconds = 0.5;  // the seeded agent may ask first: the await may not finish
  Runner runner(config);
  const auto result = runner.run({scenario(kHappyPath)});
  EXPECT_EQ(result.scenarios[0].tasks_created, 1u) << describe(result.scenarios[0]);
  EXPECT_EQ(scripts.load(), 0);
}

// --- Broken servers: reported, never a hang or a crash ---------------------------------------

// A listening socket on 127.0.0.1 that does something unhelpful with every connection.
class RawServer {
 public:
  enum class Mode { hang, reset, garbage };
  explicit RawServer(Mode mode) : mode_(mode) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 64), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    if (mode_ != Mode::hang) thread_ = std::thread([this] { serve(); });
  }
  ~RawServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    if (thread_.joinable()) thread_.join();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  void serve() {
    while (!stop_) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buffer[4096];
      timeval tv{0, 200000};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      (void)::recv(c, buffer, sizeof buffer, 0);
      if (mode_ == Mode::reset) {
        linger l{1, 0};  // close with RST
        ::setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      } else {
        const char garbage[] = "\x01\x02 not http at all \xff\r\n\r\n";
        (void)::send(c, garbage, sizeof garbage - 1, MSG_NOSIGNAL);
      }
      ::close(c);
    }
  }
  Mode mode_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

void expect_transport_error(const std::string& base, const char* what) {
  auto config = config_for(base);
  config.http.read_timeout = 300ms;
  config.http.total_timeout = 1s;
  const auto began = SteadyClock::now();
  Runner runner(config);
  const auto result = runner.run({scenario(kLifecycle), scenario(kHappyPath)});
  const auto took = SteadyClock::now() - began;
  ASSERT_EQ(result.scenarios.size(), 2u);
  for (const auto& s : result.scenarios) {
    EXPECT_EQ(s.verdict, Verdict::error) << what << ": " << describe(s);
    EXPECT_TRUE(has_finding(s, "S.transport", Severity::failure)) << what << describe(s);
    EXPECT_FALSE(s.reason.empty());
  }
  EXPECT_EQ(exit_code(result), 1) << what;
  EXPECT_LT(took, 20s) << what;
  // The probe of a target that cannot serve says why, at once.
  const auto probe = probe_target(base, config.http);
  EXPECT_FALSE(probe.reachable) << what;
  EXPECT_FALSE(probe.error.empty()) << what;
}

TEST(Runner, AHangingServerTimesOut) {
  RawServer server(RawServer::Mode::hang);
  expect_transport_error(server.base(), "hang");
}

TEST(Runner, AServerThatResetsConnectionsIsReported) {
  RawServer server(RawServer::Mode::reset);
  expect_transport_error(server.base(), "reset");
}

TEST(Runner, AServerThatAnswersGarbageIsReported) {
  RawServer server(RawServer::Mode::garbage);
  expect_transport_error(server.base(), "garbage");
}

TEST(Runner, AServerThatAnswers500IsAFailureNotACrash) {
  mock::Server server({}, [](const mock::HttpRequest&) {
    mock::HttpResponse r;
    r.status = 500;
    r.content_type = "text/html";
    r.body = "<h1>Internal Server Error</h1>";
    return r;
  });
  const std::string base = "http://127.0.0.1:" + std::to_string(server.start());
  auto config = config_for(base);
  config.mock = false;
  Runner runner(config);
  const auto result = runner.run({scenario(kLifecycle)});
  const auto& s = result.scenarios[0];
  EXPECT_EQ(s.verdict, Verdict::failed) << describe(s);
  ASSERT_TRUE(has_finding(s, "S.step.status", Severity::failure)) << describe(s);
  const auto& f = s.findings.back();
  ASSERT_TRUE(f.evidence.has_value());
  EXPECT_EQ(f.evidence->status, 500);
  EXPECT_NE(f.evidence->body_excerpt.find("Internal Server Error"), std::string::npos);
  EXPECT_EQ(exit_code(result), 1);
  const auto probe = probe_target(base, config.http);
  EXPECT_TRUE(probe.reachable);  // it answers HTTP: reachable, not the mock
  EXPECT_FALSE(probe.mock);
}

TEST(Runner, A503ThatARetryHidIsStillAFindingOfTheEndpointsRule) {
  auto mc = mock_config();
  mock::FaultRule fault;
  fault.method = "GET";
  fault.route = "/api/v1/tasks/{id}";
  fault.count = 2;  // the first two status polls; each is retried, then answered
  fault.status = 503;
  fault.retry_after = 0;
  mc.faults.push_back(fault);
  mock::MockServer server(mc);
  server.start();
  Runner runner(config_for(server.base_url()));
  const auto result = runner.run({scenario(kLifecycle)});
  const auto& s = result.scenarios[0];
  EXPECT_EQ(s.verdict, Verdict::failed) << describe(s);
  std::size_t hidden = 0;
  for (const auto& f : s.findings) {
    if (f.rule_id != "G.status.shape") continue;
    ++hidden;
    EXPECT_NE(f.detail.find("retried"), std::string::npos) << f.detail;
    ASSERT_TRUE(f.evidence.has_value());
    EXPECT_EQ(f.evidence->status, 503);
  }
  EXPECT_EQ(hidden, 2u) << describe(s);
  // The rest of the lifecycle ran: the retries kept the scenario alive.
  EXPECT_EQ(s.steps.size(), scenario(kLifecycle).steps.size());
  EXPECT_EQ(exit_code(result), 1);
}

TEST(Runner, TheResultCarriesPerEndpointLatencyAndTheThresholdsVerdict) {
  mock::MockServer server(mock_config());
  server.start();
  auto config = config_for(server.base_url());
  for (const char* text : {"latency{endpoint=status}.count > 0", "latency{endpoint=status}.p50 < 1us",
                           "errors.count == 0"}) {
    config.thresholds.push_back(std::get<load::Threshold>(load::parse_threshold(text)));
  }
  Runner runner(config);
  const auto result = runner.run({scenario(kLifecycle)});
  EXPECT_EQ(result.scenarios[0].verdict, Verdict::passed) << describe(result.scenarios[0]);
  std::map<std::string, EndpointLatency> latency;
  for (const auto& l : result.latency) latency[l.endpoint] = l;
  for (const char* e : {"register", "create", "status", "message", "solution", "result",
                        "download", "events", "list"}) {
    ASSERT_TRUE(latency.contains(e)) << e;
    EXPECT_GT(latency[e].count, 0u) << e;
    EXPECT_LE(latency[e].p50_ms, latency[e].p90_ms) << e;
    EXPECT_LE(latency[e].p99_ms, latency[e].max_ms) << e;
  }
  EXPECT_EQ(latency["status"].count, result.scenarios[0].polls);
  ASSERT_EQ(result.thresholds.size(), 3u);
  EXPECT_TRUE(result.thresholds[0].passed) << result.thresholds[0].line;
  EXPECT_FALSE(result.thresholds[1].passed) << result.thresholds[1].line;
  EXPECT_TRUE(result.thresholds[2].passed) << result.thresholds[2].line;
  EXPECT_EQ(result.thresholds[1].text, "latency{endpoint=status}.p50 < 1us");
  EXPECT_EQ(exit_code(result), kExitRunThresholdsFailed);
}

TEST(Runner, TheCoverStepSeesEveryInteractionAndLeavesNoTaskOpen) {
  mock::MockServer server(mock_config());
  server.start();
  const auto cover = scenario(R"({
    "name": "cover", "poll_interval_seconds": 5,
    "covers": ["G.stall.last_activity", "G.message.content_alias", "M.result.download"],
    "policy": {"on_stall": {"after_seconds": 300, "action": "cancel_and_recreate"}},
    "steps": [{"do": "cover", "max_tasks": 16, "parallel": 4}]
  })");
  Runner runner(config_for(server.base_url()));
  const auto result = runner.run({cover});
  const auto& s = result.scenarios[0];
  EXPECT_EQ(s.verdict, Verdict::passed) << describe(s);
  ASSERT_EQ(s.steps.size(), 1u);
  EXPECT_NE(s.steps[0].note.find("every wanted interaction seen"), std::string::npos)
      << s.steps[0].note;
  // The mock's default agents never stall: that rule, and only it, was not seen.
  ASSERT_EQ(s.not_seen.size(), 1u) << s.not_seen[0].rule_id;
  EXPECT_EQ(s.not_seen[0].rule_id, "G.stall.last_activity");
  EXPECT_EQ(open_tasks(server.app()), 0u);
  // Every role happened: a cancel in each waiting state and in processing, and completions.
  std::set<std::string> actions;
  for (const auto& tl : s.timelines) {
    std::string last_state;
    for (const auto& e : tl.events) {
      if (e.kind == "state") last_state = e.value;
      if (e.kind == "action" && e.ok) actions.insert(e.value + " in " + last_state);
    }
  }
  for (const char* a : {"cancel in processing", "cancel in awaiting_reply",
                        "cancel in awaiting_solution_approval", "approve in awaiting_solution_approval",
                        "reject in awaiting_solution_approval", "reply in awaiting_reply"}) {
    EXPECT_TRUE(actions.contains(a)) << a;
  }
}

// --- Interruption ------------------------------------------------------------------------------

TEST(Runner, InterruptCancelsEveryTaskItCreated) {
  mock::MockServer server(mock_config(1.0));  // real time: the agents work for minutes
  server.start();
  std::vector<Scenario> many;
  for (int i = 0; i < 6; ++i) {
    many.push_back(scenario(R"({"name": "long )" + std::to_string(i) + R"(",
      "agent": {"steps": [{"do": "work", "seconds": 600}, {"do": "propose"}]},
      "steps": [{"do": "create", "task": "a", "title": "T", "description": "D"},
                {"do": "create", "task": "b", "title": "T", "description": "D"},
                {"do": "await", "task": "a", "status": "completed"}]})"));
  }
  auto config = config_for(server.base_url(), 1.0);
  config.parallel = 3;
  Runner runner(config);
  std::thread stopper([&] {
    // Interrupt once the first scenarios have created their tasks.
    for (int i = 0; i < 500 && server.app().store().task_count() < 6; ++i) {
      std::this_thread::sleep_for(10ms);
    }
    runner.interrupt();
  });
  const auto began = SteadyClock::now();
  const auto result = runner.run(many);
  stopper.join();
  EXPECT_LT(SteadyClock::now() - began, 20s);
  EXPECT_TRUE(result.interrupted);
  EXPECT_EQ(exit_code(result), 130);
  std::size_t created = 0, cancelled = 0;
  for (const auto& s : result.scenarios) {
    EXPECT_EQ(s.verdict, Verdict::interrupted) << describe(s);
    created += s.tasks_created;
    cancelled += s.tasks_cancelled;
  }
  EXPECT_GE(created, 6u);
  EXPECT_EQ(cancelled, created);
  EXPECT_EQ(server.app().store().task_count(), created);
  EXPECT_EQ(open_tasks(server.app()), 0u);
}

// --- Determinism -------------------------------------------------------------------------------

// What the agents of a run asked: the first question of each of the first four tasks of every
// scenario, in creation order (later rounds depend on when the client cancelled, and which tasks
// the coverage-driven scenario starts after its first four depends on what it has seen).
std::vector<std::string> agent_behaviour(const RunResult& result, std::uint16_t port) {
  testing::HttpClient control("127.0.0.1", port);
  std::vector<std::string> out;
  for (const auto& s : result.scenarios) {
    for (std::size_t i = 0; i < s.timelines.size() && i < 4; ++i) {
      const auto inside = control.get("/_mock/tasks/" + s.timelines[i].task_id).json();
      std::string first = "(no question)";
      for (const auto& e : inside["events"]) {
        if (e["type"] == "question") {
          first = e["content"].get<std::string>();
          break;
        }
      }
      out.push_back(s.name + " #" + std::to_string(i + 1) + ": " + first);
    }
  }
  return out;
}

TEST(Runner, TheSameSeedGivesTheSameAgentsWhateverRunsBeside) {
  const auto loaded =
      load_scenarios({std::string(AGENTWORK_SOURCE_DIR) + "/scenarios/conformance"});
  ASSERT_TRUE(loaded.errors.empty());
  std::vector<Scenario> live;
  for (const auto& s : loaded.scenarios) {
    if (std::find(s.tags.begin(), s.tags.end(), "live") != s.tags.end()) live.push_back(s);
  }
  ASSERT_FALSE(live.empty());
  auto run_with = [&](std::uint64_t seed, std::size_t parallel) {
    auto config = mock_config();
    config.seed = seed;
    mock::MockServer server(config);
    server.start();
    auto runner_config = config_for(server.base_url());
    runner_config.seed = seed;
    runner_config.parallel = parallel;
    Runner runner(runner_config);
    const auto result = runner.run(live);
    for (const auto& s : result.scenarios) EXPECT_EQ(s.verdict, Verdict::passed) << describe(s);
    return agent_behaviour(result, server.port());
  };
  const auto first = run_with(3, 1);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(run_with(3, 4), first) << "same seed, other parallelism: the same conversations";
  bool differs = false;
  for (std::uint64_t seed : {4, 5, 6}) differs = differs || run_with(seed, 4) != first;
  EXPECT_TRUE(differs) << "other seeds should give other agents";
}

}  // namespace
}  // namespace agentwork::harness
