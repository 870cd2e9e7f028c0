// The control API, fault injection, HTTPS, a concurrency race and malformed input, against
// the whole mock over real sockets.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "tests/mock_server/mock_fixture.hpp"

namespace agentwork::testing {
namespace {

using Clock = std::chrono::steady_clock;

class ControlTest : public MockFixture {};

TEST_F(ControlTest, LatencyFaultDelaysOnlyTheMatchingRoute) {
  auto key = register_user("lat@example.com");
  auto id = create_task(key);
  auto add = http().post("/_mock/faults", json{{"action", "latency"},
                                               {"method", "GET"},
                                               {"route", "/api/v1/tasks/{id}"},
                                               {"latency_ms", 300}});
  ASSERT_EQ(add.status, 201) << add.body;
  auto t0 = Clock::now();
  EXPECT_EQ(http().get("/api/v1/tasks/" + id, key).status, 200);
  EXPECT_GE(Clock::now() - t0, std::chrono::milliseconds(300));
  t0 = Clock::now();
  EXPECT_EQ(http().get("/api/v1/tasks/" + id + "/events", key).status, 200);
  EXPECT_LT(Clock::now() - t0, std::chrono::milliseconds(300));
}

TEST_F(ControlTest, StatusFaultsWithRetryAfterHonourCount) {
  auto key = register_user("st@example.com");
  ASSERT_EQ(http()
                .post("/_mock/faults", json::array({{{"action", "status"},
                                                     {"route", "/api/v1/tasks/"},
                                                     {"method", "POST"},
                                                     {"status", 429},
                                                     {"retry_after", 2},
                                                     {"count", 1}},
                                                    {{"action", "status"},
                                                     {"route", "/api/v1/tasks/"},
                                                     {"method", "GET"},
                                                     {"status", 503},
                                                     {"retry_after", 5}}}))
                .status,
            201);
  auto r = http().post("/api/v1/tasks/", json{{"title", "T"}, {"description", "D"}}, key);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers["retry-after"], "2");
  // count 1: the next create goes through and really creates a task.
  EXPECT_EQ(http().post("/api/v1/tasks/", json{{"title", "T"}, {"description", "D"}}, key).status,
            201);
  auto list = http().get("/api/v1/tasks/", key);
  EXPECT_EQ(list.status, 503);
  EXPECT_EQ(list.headers["retry-after"], "5");
  auto rules = http().get("/_mock/faults").json()["faults"];
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0]["hits"], 1);
  EXPECT_EQ(rules[0]["matched"], 2);
  // Deleting the rule restores the route.
  ASSERT_EQ(
      http().request("DELETE", "/_mock/faults/" + std::to_string(rules[1]["id"].get<int>())).status,
      200);
  EXPECT_EQ(http().get("/api/v1/tasks/", key).status, 200);
}

TEST_F(ControlTest, DropFaultClosesWithoutAnswerAndDoesNotHandleTheRequest) {
  auto key = register_user("drop@example.com");
  ASSERT_EQ(http()
                .post("/_mock/faults",
                      json{{"action", "drop"}, {"route", "/api/v1/tasks/"}, {"count", 1}})
                .status,
            201);
  auto r = http().post("/api/v1/tasks/", json{{"title", "T"}, {"description", "D"}}, key);
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.error.empty());
  EXPECT_TRUE(http().get("/api/v1/tasks/", key).json()["tasks"].empty());
}

TEST_F(ControlTest, TruncateFaultCutsTheBody) {
  auto key = register_user("trunc@example.com");
  auto id = create_task(key);
  ASSERT_EQ(http()
                .post("/_mock/faults",
                      json{{"action", "truncate"}, {"route", "/api/v1/tasks/{id}/events"}})
                .status,
            201);
  auto r = http().get("/api/v1/tasks/" + id + "/events", key);
  EXPECT_TRUE(!r.error.empty() || r.json().is_discarded()) << r.body;
  EXPECT_EQ(http().get("/api/v1/tasks/" + id, key).status, 200);  // other routes unaffected
}

TEST_F(ControlTest, ProbabilityZeroNeverFiresAndBadRulesAre422) {
  auto key = register_user("prob@example.com");
  http().post("/_mock/faults", json{{"action", "status"}, {"status", 500}, {"probability", 0.0}});
  for (int i = 0; i < 20; ++i) EXPECT_EQ(http().get("/api/v1/tasks/", key).status, 200);
  auto bad = http().post("/_mock/faults", json{{"action", "explode"}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.json()["detail"].get<std::string>().find("action"), std::string::npos);
  EXPECT_EQ(http().post("/_mock/faults", json{{"action", "status"}, {"probability", 2}}).status,
            422);
}

TEST_F(ControlTest, CallCountsByRouteAndStatus) {
  auto key = register_user("calls@example.com");
  auto id = create_task(key);
  http().get("/api/v1/tasks/" + id, key);
  http().get("/api/v1/tasks/" + id, key);
  http().get("/api/v1/tasks/" + id, "");
  auto calls = http().get("/_mock/calls").json()["calls"];
  auto status_calls = calls["GET /api/v1/tasks/{id}"];
  EXPECT_EQ(status_calls["total"], 3);
  EXPECT_EQ(status_calls["by_status"]["200"], 2);
  EXPECT_EQ(status_calls["by_status"]["401"], 1);
  EXPECT_EQ(calls["POST /api/v1/tasks/"]["by_status"]["201"], 1);
  ASSERT_EQ(http().request("DELETE", "/_mock/calls").status, 200);
  EXPECT_FALSE(http().get("/_mock/calls").json()["calls"].contains("GET /api/v1/tasks/{id}"));
}

TEST_F(ControlTest, ResetForgetsEverythingButSeededUsers) {
  auto config = default_config();
  config.users.push_back({"seeded@example.com", "pw", "Seeded", "Org"});
  start(config);
  auto key = register_user("gone@example.com");
  create_task(key);
  http().post("/_mock/faults", json{{"action", "status"}, {"route", "/api/v1/auth/register"}});
  ASSERT_EQ(http().post("/_mock/reset", json::object()).status, 200);
  EXPECT_EQ(http().get("/api/v1/tasks/", key).status, 401);  // keys are gone
  EXPECT_EQ(http().get("/_mock/tasks").json()["total"], 0);
  EXPECT_TRUE(http().get("/_mock/faults").json()["faults"].empty());
  EXPECT_EQ(register_user("gone@example.com").empty(), false);  // the email is free again
  EXPECT_EQ(
      http()
          .post("/api/v1/auth/api-key", json{{"email", "seeded@example.com"}, {"password", "pw"}})
          .status,
      201);
}

TEST_F(ControlTest, PopulateRunsTasksThroughTheRealLifecycle) {
  auto r = http().post("/_mock/populate",
                       json{{"count", 50}, {"outcome", "completed"}, {"return_ids", 5}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto j = r.json();
  ASSERT_EQ(j["task_ids"].size(), 5u);
  const auto key = j["api_key"].get<std::string>();
  const auto id = j["task_ids"][0].get<std::string>();
  EXPECT_EQ(status(key, id)["status"], "completed");
  EXPECT_EQ(http().get("/api/v1/tasks/" + id + "/result", key).status, 200);
  EXPECT_EQ(http().get("/api/v1/tasks/", key).json()["tasks"].size(), 50u);
  auto inside = http().get("/_mock/tasks/" + id).json();
  EXPECT_EQ(inside["status"], "completed");
  EXPECT_GE(inside["events"].size(), 7u);
  // The counts by status cover every organization; a cancel moves one task across.
  ASSERT_EQ(http().post("/api/v1/tasks/", json{{"title", "t"}, {"description", "d"}}, key).status,
            201);
  auto counts = http().get("/_mock/tasks").json();
  EXPECT_EQ(counts["total"], 51);
  EXPECT_EQ(counts["by_status"]["completed"], 50);
  const auto& by = counts["by_status"];
  EXPECT_EQ(by["processing"].get<int>() + by["awaiting_reply"].get<int>() +
                by["awaiting_solution_approval"].get<int>(),
            1);
  EXPECT_EQ(counts["by_status"]["cancelled"], 0);
}

// A CONFIRMED racing a cancel: exactly one wins, the other gets 409.
TEST_F(ControlTest, ConfirmRacingCancelExactlyOneWins) {
  mock::ServerOptions four_threads;
  four_threads.threads = 4;
  start(default_config(), four_threads);
  auto key = register_user("race@example.com");
  const json script = json::parse(R"({"steps":[{"do":"propose","content":"v"}]})");
  constexpr int kTasks = 40;
  std::vector<std::string> ids;
  for (int i = 0; i < kTasks; ++i) ids.push_back(create_task(key, script));
  std::vector<int> confirm_status(kTasks), cancel_status(kTasks);
  std::atomic<int> ready{0};
  auto racer = [&](bool confirm) {
    HttpClient client("127.0.0.1", port_);
    ready.fetch_add(1);
    while (ready.load() < 2) std::this_thread::yield();
    for (int i = 0; i < kTasks; ++i) {
      const auto base = "/api/v1/tasks/" + ids[i];
      if (confirm) {
        confirm_status[i] =
            client.post(base + "/solution-status", json{{"status", "CONFIRMED"}}, key).status;
      } else {
        cancel_status[i] = client.post(base + "/cancel", json::object(), key).status;
      }
    }
  };
  std::thread a(racer, true), b(racer, false);
  a.join();
  b.join();
  for (int i = 0; i < kTasks; ++i) {
    const bool confirmed = confirm_status[i] == 200;
    const bool cancelled = cancel_status[i] == 200;
    EXPECT_NE(confirmed, cancelled) << i << ": " << confirm_status[i] << " vs " << cancel_status[i];
    EXPECT_EQ(confirmed ? cancel_status[i] : confirm_status[i], 409);
    EXPECT_EQ(status(key, ids[i])["status"], confirmed ? "completed" : "cancelled");
  }
}

TEST_F(ControlTest, ManyClientsOnFourThreadsAllSucceed) {
  mock::ServerOptions four_threads;
  four_threads.threads = 4;
  start(default_config(), four_threads);
  auto key = register_user("many@example.com");
  auto id = create_task(key);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      HttpClient client("127.0.0.1", port_);
      for (int i = 0; i < 200; ++i) ok += client.get("/api/v1/tasks/" + id, key).status == 200;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1600);
}

// Thousands of tasks with their own scripts at once: each follows its own script.
TEST_F(ControlTest, ThousandsOfScriptedTasksRunAtOnce) {
  mock::ServerOptions four_threads;
  four_threads.threads = 4;
  start(default_config(), four_threads);
  constexpr int kThreads = 4;
  constexpr int kTasksPerThread = 500;
  std::vector<std::vector<std::pair<std::string, std::string>>> made(kThreads);  // id, key
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient client("127.0.0.1", port_);
      const auto key =
          client
              .post("/api/v1/auth/register",
                    json{{"email", "bulk" + std::to_string(t) + "@example.com"}, {"name", "Bulk"}})
              .json()
              .value("api_key", std::string());
      for (int i = 0; i < kTasksPerThread; ++i) {
        // Task i works i seconds, then asks a TO_CUSTOMER question naming itself.
        const json script = {{"steps",
                              {{{"do", "work"}, {"seconds", i}},
                               {{"do", "message"}, {"content", "task " + std::to_string(i)}}}}};
        auto r =
            client.post("/api/v1/tasks/",
                        json{{"title", "T"}, {"description", "D"}, {"mock_script", script}}, key);
        if (r.status == 201) made[t].emplace_back(r.json()["task_id"].get<std::string>(), key);
      }
    });
  }
  for (auto& t : threads) t.join();
  advance(kTasksPerThread / 2);  // tasks 0..250 have asked, the others still work
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(made[t].size(), static_cast<std::size_t>(kTasksPerThread)) << t;
    for (int i = 0; i < kTasksPerThread; i += 50) {
      const auto& [id, key] = made[t][i];
      auto s = status(key, id);
      if (i <= kTasksPerThread / 2) {
        ASSERT_EQ(s["status"], "awaiting_reply") << t << "/" << i;
        EXPECT_EQ(s["question"]["content"], "task " + std::to_string(i));
      } else {
        EXPECT_EQ(s["status"], "processing") << t << "/" << i;
      }
    }
  }
  EXPECT_EQ(http().get("/_mock/tasks").json()["total"], kThreads * kTasksPerThread);
}

TEST_F(ControlTest, MalformedInputGetsClearErrorsAndTheMockKeepsServing) {
  auto key = register_user("bad@example.com");
  auto garbage = raw_exchange(port_, "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_TRUE(garbage.starts_with("HTTP/1.1 400")) << garbage;
  auto big = http().request("POST", "/api/v1/tasks/", std::string(2 * 1024 * 1024, 'x'),
                            {{"Authorization", "Bearer " + key}});
  EXPECT_TRUE(big.status == 413 || !big.error.empty()) << big.status;
  EXPECT_EQ(http()
                .request("POST", "/api/v1/tasks/", "[1,2,3]", {{"Authorization", "Bearer " + key}})
                .status,
            422);
  EXPECT_EQ(http()
                .request("POST", "/api/v1/tasks/", "\xff\xfe", {{"Authorization", "Bearer " + key}})
                .status,
            422);
  EXPECT_EQ(http()
                .request("POST", "/api/v1/tasks/", "{\"title\":\"\\ud800\"}",
                         {{"Authorization", "Bearer " + key}})
                .status,
            422);
  EXPECT_EQ(http().get("/api/v1/tasks/" + std::string(5000, 'a'), key).status, 404);
  EXPECT_EQ(http().get("/api/v1/tasks/%00%ff", key).status, 404);
  EXPECT_EQ(http().get("/api/v1/tasks/", key).status, 200);
}

TEST_F(ControlTest, HttpsServesTheWholeLifecycle) {
  mock::ServerOptions tls;
  tls.tls_cert_file = test_data("test-cert.pem");
  tls.tls_key_file = test_data("test-key.pem");
  start(default_config(), tls);
  EXPECT_TRUE(mock_->base_url().starts_with("https://"));
  HttpClient https("localhost", port_, true, test_data("test-cert.pem"));
  auto reg = https.post("/api/v1/auth/register", json{{"email", "tls@example.com"}, {"name", "T"}});
  ASSERT_EQ(reg.status, 201) << reg.error;
  const auto key = reg.json()["api_key"].get<std::string>();
  auto created =
      https.post("/api/v1/tasks/",
                 json{{"title", "T"},
                      {"description", "D"},
                      {"mock_script", json::parse(R"({"steps":[{"do":"propose","content":"v",
                                     "files":[{"name":"a.txt","content":"A"}]}]})")}},
                 key);
  const auto id = created.json()["task_id"].get<std::string>();
  EXPECT_EQ(
      https.post("/api/v1/tasks/" + id + "/solution-status", json{{"status", "CONFIRMED"}}, key)
          .status,
      200);
  auto result = https.get("/api/v1/tasks/" + id + "/result", key).json();
  const auto url = result["files"][0]["download_url"].get<std::string>();
  ASSERT_TRUE(url.starts_with("https://localhost:")) << url;
  auto file = https.get(url.substr(url.find("/files/")));
  EXPECT_EQ(file.body, "A");
  // Plain HTTP to the TLS port fails cleanly.
  HttpClient plain("127.0.0.1", port_);
  EXPECT_NE(plain.get("/api/v1/tasks/", key).status, 200);
}

}  // namespace
}  // namespace agentwork::testing
