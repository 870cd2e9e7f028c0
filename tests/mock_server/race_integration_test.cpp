// Races over real sockets (issue 17): 1,000 approve-vs-cancel pairs and 1,000 message-vs-message
// pairs, each on its own task, the two requests of a pair released together from two
// connections against a mock with four threads. Exactly one of each pair wins (200), the other
// gets 409; the task's final state is the winner's, and its events log holds exactly the
// winner's event — none lost, none doubled.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/mock_server/mock_fixture.hpp"

namespace agentwork::testing {
namespace {

class RaceTest : public MockFixture {
 protected:
  void SetUp() override {
    mock::ServerOptions four_threads;
    four_threads.threads = 4;
    start(default_config(), four_threads);
  }

  // Creates `n` tasks running `script`, then moves the clock so that each reaches its first
  // waiting state.
  std::vector<std::string> tasks(const std::string& key, const json& script, int n) {
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) ids.push_back(create_task(key, script, "race " + std::to_string(i)));
    advance(1);
    return ids;
  }

  struct Outcome {
    int first = 0;   // status of the first request of the pair
    int second = 0;  // of the second
  };

  // For every task, `first(id)` and `second(id)` sent at once from two connections; `batch`
  // pairs at a time.
  template <class First, class Second>
  std::vector<Outcome> race(const std::vector<std::string>& ids, First first, Second second,
                            std::size_t batch = 50) {
    std::vector<Outcome> out(ids.size());
    for (std::size_t from = 0; from < ids.size(); from += batch) {
      const std::size_t to = std::min(ids.size(), from + batch);
      std::atomic<int> ready{0};
      std::atomic<bool> go{false};
      std::vector<std::thread> threads;
      for (std::size_t i = from; i < to; ++i) {
        for (int side = 0; side < 2; ++side) {
          threads.emplace_back([&, i, side] {
            HttpClient client("127.0.0.1", port_);
            client.get("/_mock/health");  // connected before the start
            ready.fetch_add(1);
            while (!go.load()) std::this_thread::yield();
            const int status = side == 0 ? first(client, ids[i]) : second(client, ids[i]);
            (side == 0 ? out[i].first : out[i].second) = status;
          });
        }
      }
      while (ready.load() < static_cast<int>(2 * (to - from))) std::this_thread::yield();
      go = true;
      for (auto& t : threads) t.join();
    }
    return out;
  }

  static int count_events(const json& events, std::string_view type) {
    int n = 0;
    for (const auto& e : events) n += e.value("type", "") == type ? 1 : 0;
    return n;
  }
};

TEST_F(RaceTest, ApproveAgainstCancelHasExactlyOneWinner) {
  const auto key = register_user("race-approve@example.com");
  const auto ids = tasks(key, json{{"steps", {{{"do", "propose"}}}}}, 1000);
  ASSERT_EQ(status(key, ids.front())["status"], "awaiting_solution_approval");
  const auto outcomes = race(
      ids,
      [&](HttpClient& c, const std::string& id) {
        return c.post("/api/v1/tasks/" + id + "/solution-status", json{{"status", "CONFIRMED"}}, key)
            .status;
      },
      [&](HttpClient& c, const std::string& id) {
        return c.post("/api/v1/tasks/" + id + "/cancel", json::object(), key).status;
      });
  int approved = 0, cancelled = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto [approve, cancel] = outcomes[i];
    ASSERT_TRUE((approve == 200 && cancel == 409) || (approve == 409 && cancel == 200))
        << ids[i] << ": approve " << approve << ", cancel " << cancel;
    const json s = status(key, ids[i]);
    const json ev = events(key, ids[i]);
    if (approve == 200) {
      ++approved;
      EXPECT_NE(s["status"], "cancelled") << ids[i];
      EXPECT_EQ(count_events(ev, "solution_decision"), 1) << ids[i] << ev.dump();
    } else {
      ++cancelled;
      EXPECT_EQ(s["status"], "cancelled") << ids[i];
      EXPECT_EQ(count_events(ev, "solution_decision"), 0) << ids[i] << ev.dump();
    }
  }
  std::printf("approve vs cancel: %d pairs, approve won %d, cancel won %d\n",
              static_cast<int>(ids.size()), approved, cancelled);
}

TEST_F(RaceTest, MessageAgainstMessageHasExactlyOneWinner) {
  const auto key = register_user("race-message@example.com");
  const json ask = {{"steps", {{{"do", "ask"}, {"questions", {{{"type", "text"}, {"question", "Why?"}}}}},
                              {{"do", "work"}, {"seconds", 1000}}}}};
  const auto ids = tasks(key, ask, 1000);
  ASSERT_EQ(status(key, ids.front())["status"], "awaiting_reply");
  const auto send = [&](const char* text) {
    return [&, text](HttpClient& c, const std::string& id) {
      return c.post("/api/v1/tasks/" + id + "/message", json{{"message", text}}, key).status;
    };
  };
  const auto outcomes = race(ids, send("first"), send("second"));
  int first = 0, second = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto [a, b] = outcomes[i];
    ASSERT_TRUE((a == 200 && b == 409) || (a == 409 && b == 200))
        << ids[i] << ": " << a << " and " << b;
    (a == 200 ? first : second) += 1;
    const json ev = events(key, ids[i]);
    ASSERT_EQ(count_events(ev, "reply"), 1) << ids[i] << ev.dump();
    for (const auto& e : ev) {
      if (e.value("type", "") == "reply") {
        EXPECT_EQ(e.value("content", ""), a == 200 ? "first" : "second") << ids[i];
      }
    }
    EXPECT_EQ(status(key, ids[i])["status"], "processing") << ids[i];
  }
  std::printf("message vs message: %d pairs, the first won %d, the second %d\n",
              static_cast<int>(ids.size()), first, second);
}

}  // namespace
}  // namespace agentwork::testing
