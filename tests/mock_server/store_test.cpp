// The store: accounts, keys, organization isolation, credits, reset, named scripts, and the
// atomicity of task transitions under concurrent requests.
#include "mock_server/store.hpp"

#include <atomic>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mock_server/agents.hpp"
#include "mock_server/ids.hpp"

namespace agentwork::mock {
namespace {

using nlohmann::json;

constexpr Micros kSecond = kMicrosPerSecond;
constexpr Micros kDay = 86400 * kSecond;

ScriptPtr script_of(const std::string& text) {
  std::string error;
  auto parsed = parse_agent_script(json::parse(text), error);
  EXPECT_TRUE(parsed) << error;
  return std::make_shared<const AgentScript>(parsed ? *parsed : AgentScript{});
}

bool alnum(const std::string& s) {
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return true;
}

class StoreTest : public testing::Test {
 protected:
  StoreTest() { clock_.freeze(); }

  Principal registered(Store& store, const std::string& email) {
    IssuedKey key;
    EXPECT_EQ(store.register_user(email, "Name", "", key), AccountError::none);
    auto who = store.authenticate(key.api_key);
    EXPECT_TRUE(who);
    return who.value_or(Principal{});
  }

  std::string create(Store& store, const Principal& who, const std::string& title,
                     ScriptPtr script = nullptr) {
    std::string id;
    EXPECT_EQ(store.create_task(who, title, "description", std::move(script), id),
              Store::CreateError::none);
    return id;
  }

  Status status_of(Store& store, const Principal& who, const std::string& id) {
    Status s = Status::processing;
    EXPECT_TRUE(store.with_task(who, id, [&](Task& t) { s = t.status; }));
    return s;
  }

  Clock clock_;
};

TEST(LowerAscii, LowersOnlyAsciiLetters) {
  EXPECT_EQ(lower_ascii("MiXeD@Example.COM"), "mixed@example.com");
  EXPECT_EQ(lower_ascii("123-_+"), "123-_+");
  EXPECT_EQ(lower_ascii(""), "");
}

TEST_F(StoreTest, RegisterIssuesAKeyAndIds) {
  Store store(clock_, {});
  IssuedKey key;
  ASSERT_EQ(store.register_user("ada@example.com", "Ada", "Engines", key), AccountError::none);
  EXPECT_TRUE(key.api_key.starts_with("aw_live_")) << key.api_key;
  EXPECT_EQ(key.api_key.size(), 48u);
  EXPECT_TRUE(alnum(key.api_key.substr(8)));
  EXPECT_EQ(key.key_prefix, key.api_key.substr(0, 16));
  EXPECT_EQ(key.key_name, "default");
  EXPECT_TRUE(is_uuid(key.organization_id)) << key.organization_id;
  EXPECT_TRUE(is_uuid(key.user_id)) << key.user_id;
  EXPECT_NE(key.organization_id, key.user_id);
  EXPECT_EQ(key.organization_short_id.size(), 5u);
  EXPECT_TRUE(alnum(key.organization_short_id));

  auto who = store.authenticate(key.api_key);
  ASSERT_TRUE(who);
  EXPECT_EQ(store.organization_id(who->org), key.organization_id);
  EXPECT_EQ(store.organization_id(999), "");
}

TEST_F(StoreTest, EmailIsTakenWhateverItsCase) {
  Store store(clock_, {});
  IssuedKey first, second;
  ASSERT_EQ(store.register_user("Ada@Example.com", "Ada", "", first), AccountError::none);
  EXPECT_EQ(store.register_user("ada@example.com", "Ada", "", second), AccountError::email_taken);
  EXPECT_EQ(store.register_user("ADA@EXAMPLE.COM", "Other", "", second), AccountError::email_taken);
  EXPECT_EQ(second.api_key, "");
  EXPECT_EQ(store.register_user("bob@example.com", "Bob", "", second), AccountError::none);
}

TEST_F(StoreTest, EachRegistrationHasItsOwnOrganizationAndKey) {
  Store store(clock_, {});
  IssuedKey a, b;
  ASSERT_EQ(store.register_user("a@example.com", "A", "", a), AccountError::none);
  ASSERT_EQ(store.register_user("b@example.com", "B", "", b), AccountError::none);
  EXPECT_NE(a.api_key, b.api_key);
  EXPECT_NE(a.organization_id, b.organization_id);
  EXPECT_NE(a.user_id, b.user_id);
  EXPECT_NE(store.authenticate(a.api_key)->org, store.authenticate(b.api_key)->org);
}

TEST_F(StoreTest, AuthenticateRefusesUnknownKeys) {
  Store store(clock_, {});
  IssuedKey key;
  ASSERT_EQ(store.register_user("a@example.com", "A", "", key), AccountError::none);
  EXPECT_FALSE(store.authenticate(""));
  EXPECT_FALSE(store.authenticate("aw_live_nope"));
  EXPECT_FALSE(store.authenticate(key.api_key + "x"));
  EXPECT_FALSE(store.authenticate(key.key_prefix));
}

TEST_F(StoreTest, PasswordExchange) {
  Store store(clock_, {});
  store.add_password_user({"Pat@Example.com", "s3cret", "Pat", "Pat Inc"});
  IssuedKey first, second, none;
  ASSERT_EQ(store.exchange_password("pat@example.com", "s3cret", "ci", first), AccountError::none);
  EXPECT_EQ(first.key_name, "ci");
  EXPECT_TRUE(first.api_key.starts_with("aw_live_"));
  EXPECT_EQ(first.key_prefix, first.api_key.substr(0, 16));
  ASSERT_EQ(store.exchange_password("PAT@EXAMPLE.COM", "s3cret", "", second), AccountError::none);
  EXPECT_EQ(second.key_name, "API key");
  // Two keys of the same user and organization.
  EXPECT_NE(first.api_key, second.api_key);
  EXPECT_EQ(first.user_id, second.user_id);
  EXPECT_EQ(first.organization_id, second.organization_id);
  EXPECT_EQ(store.authenticate(first.api_key)->org, store.authenticate(second.api_key)->org);

  EXPECT_EQ(store.exchange_password("pat@example.com", "S3CRET", "", none),
            AccountError::bad_credentials);
  EXPECT_EQ(store.exchange_password("pat@example.com", "", "", none),
            AccountError::bad_credentials);
  EXPECT_EQ(store.exchange_password("nobody@example.com", "s3cret", "", none),
            AccountError::bad_credentials);
  EXPECT_EQ(none.api_key, "");
}

TEST_F(StoreTest, RegisteredUsersHaveNoPasswordUntilOneIsAdded) {
  Store store(clock_, {});
  IssuedKey reg, key;
  ASSERT_EQ(store.register_user("r@example.com", "R", "", reg), AccountError::none);
  EXPECT_EQ(store.exchange_password("r@example.com", "", "", key), AccountError::bad_credentials);
  store.add_password_user({"R@example.com", "pw", "", ""});
  ASSERT_EQ(store.exchange_password("r@example.com", "pw", "", key), AccountError::none);
  EXPECT_EQ(key.user_id, reg.user_id);
  EXPECT_EQ(key.organization_id, reg.organization_id);
  // Adding again changes the password.
  store.add_password_user({"r@example.com", "new", "", ""});
  EXPECT_EQ(store.exchange_password("r@example.com", "pw", "", key), AccountError::bad_credentials);
  EXPECT_EQ(store.exchange_password("r@example.com", "new", "", key), AccountError::none);
}

TEST_F(StoreTest, PasswordUsersFromTheOptionsAreSeeded) {
  StoreOptions options;
  options.password_users = {{"seed@example.com", "pw", "", ""}};
  Store store(clock_, options);
  IssuedKey key;
  EXPECT_EQ(store.exchange_password("seed@example.com", "pw", "k", key), AccountError::none);
  // A seeded email is taken for registration.
  EXPECT_EQ(store.register_user("SEED@example.com", "S", "", key), AccountError::email_taken);
}

TEST_F(StoreTest, TasksAreIsolatedByOrganization) {
  Store store(clock_, {});
  const auto a = registered(store, "a@example.com");
  const auto b = registered(store, "b@example.com");
  const auto id = create(store, a, "A's task", script_of(R"({"steps":[]})"));
  EXPECT_TRUE(is_uuid(id));

  int calls = 0;
  EXPECT_TRUE(store.with_task(a, id, [&](Task& t) {
    ++calls;
    EXPECT_EQ(t.id, id);
    EXPECT_EQ(t.title, "A's task");
    EXPECT_EQ(t.description, "description");
  }));
  EXPECT_FALSE(store.with_task(b, id, [&](Task&) { ++calls; }));
  EXPECT_FALSE(store.with_task(a, "no-such-task", [&](Task&) { ++calls; }));
  EXPECT_EQ(calls, 1);
  // Without the owner check (control API, downloads) any task is found.
  EXPECT_TRUE(store.with_any_task(id, [&](Task&) { ++calls; }));
  EXPECT_FALSE(store.with_any_task("no-such-task", [&](Task&) { ++calls; }));
  EXPECT_EQ(calls, 2);

  EXPECT_EQ(store.list_tasks(b).size(), 0u);
  ASSERT_EQ(store.list_tasks(a).size(), 1u);
}

TEST_F(StoreTest, ListTasksNewestFirstWithSummaries) {
  Store store(clock_, {});
  const auto a = registered(store, "a@example.com");
  const auto b = registered(store, "b@example.com");
  const Micros t0 = clock_.now();
  const auto first = create(store, a, "first", script_of(R"({"steps":[]})"));
  clock_.advance(kSecond);
  const auto other = create(store, b, "other", script_of(R"({"steps":[]})"));
  clock_.advance(kSecond);
  const auto second = create(store, a, "second", script_of(R"({"steps":[]})"));
  clock_.advance(kSecond);
  const auto third =
      create(store, a, "third", script_of(R"({"steps":[{"do":"message","content":"Q"}]})"));
  clock_.advance(kSecond);

  const auto list = store.list_tasks(a);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].task_id, third);
  EXPECT_EQ(list[1].task_id, second);
  EXPECT_EQ(list[2].task_id, first);
  EXPECT_EQ(list[0].title, "third");
  EXPECT_EQ(list[2].title, "first");
  EXPECT_EQ(list[2].created_at, t0);
  EXPECT_EQ(list[1].created_at, t0 + 2 * kSecond);
  // Listing advances the agents: the third task's question is there, due when it was created
  // and stamped 1 us after "Task created".
  EXPECT_EQ(list[0].status, Status::awaiting_reply);
  EXPECT_EQ(list[0].created_at, t0 + 3 * kSecond);
  EXPECT_EQ(list[0].last_activity_at, t0 + 3 * kSecond + 1);
  EXPECT_EQ(list[1].status, Status::processing);
  EXPECT_EQ(list[1].last_activity_at, t0 + 2 * kSecond);  // no steps: only "Task created"

  const auto others = store.list_tasks(b);
  ASSERT_EQ(others.size(), 1u);
  EXPECT_EQ(others[0].task_id, other);
  EXPECT_EQ(store.task_count(), 4u);
}

TEST_F(StoreTest, WithTaskAdvancesTheAgentToNow) {
  Store store(clock_, {});
  const auto a = registered(store, "a@example.com");
  const auto id = create(store, a, "t",
                         script_of(R"({"steps":[{"do":"work","seconds":10},{"do":"propose"}]})"));
  EXPECT_EQ(status_of(store, a, id), Status::processing);
  clock_.advance(10 * kSecond - 1);
  EXPECT_EQ(status_of(store, a, id), Status::processing);
  clock_.advance(1);
  EXPECT_EQ(status_of(store, a, id), Status::awaiting_solution_approval);
}

TEST_F(StoreTest, TimeScaleComesFromTheClock) {
  Clock fast(0.1);
  fast.freeze();
  Store store(fast, {});
  EXPECT_DOUBLE_EQ(store.time_scale(), 0.1);
  EXPECT_EQ(&store.clock(), &fast);
  IssuedKey key;
  ASSERT_EQ(store.register_user("a@example.com", "A", "", key), AccountError::none);
  const auto who = *store.authenticate(key.api_key);
  std::string id;
  ASSERT_EQ(store.create_task(
                who, "t", "d",
                script_of(R"({"steps":[{"do":"work","seconds":10},{"do":"propose"}]})"), id),
            Store::CreateError::none);
  fast.advance(kSecond);
  Status s = Status::processing;
  store.with_task(who, id, [&](Task& t) { s = t.status; });
  EXPECT_EQ(s, Status::awaiting_solution_approval);
}

TEST_F(StoreTest, DefaultAgentIsSeededAndDeterministic) {
  auto script_json = [&](std::uint64_t seed, const std::string& title) {
    StoreOptions options;
    options.seed = seed;
    Store store(clock_, options);
    const auto who = registered(store, "a@example.com");
    const auto id = create(store, who, title);
    json out;
    store.with_task(who, id, [&](Task& t) {
      EXPECT_NE(t.script, nullptr);
      if (t.script) out = to_json(*t.script);
    });
    return out;
  };
  const auto one = script_json(7, "Build a website");
  EXPECT_EQ(one["name"], "default");
  EXPECT_EQ(one, script_json(7, "Build a website"));
  EXPECT_NE(one, script_json(8, "Build a website"));
  EXPECT_NE(one, script_json(7, "Another title"));
}

TEST_F(StoreTest, FleetAgentIsSeededExactlyAsTheDefaultAgent) {
  // One seed derivation for both: the mock's seed, the task's ordinal and its title.
  for (const auto agent : {SeededAgent::default_agent, SeededAgent::fleet}) {
    StoreOptions options;
    options.seed = 7;
    options.seeded_agent = agent;
    options.stall_rate = 0.5;
    Store store(clock_, options);
    const auto who = registered(store, "a@example.com");
    create(store, who, "First");
    const auto id = create(store, who, "Build a website");  // ordinal 1
    const auto seed = mix_seed(7, mix_seed(1, hash_text("Build a website")));
    const auto expected =
        agent == SeededAgent::fleet ? fleet_agent_script(seed, 0.5) : default_agent_script(seed);
    store.with_task(who, id, [&](Task& t) {
      ASSERT_NE(t.script, nullptr);
      EXPECT_EQ(to_json(*t.script), to_json(expected));
    });
  }
}

TEST_F(StoreTest, GivenScriptIsUsed) {
  Store store(clock_, {});
  const auto who = registered(store, "a@example.com");
  const auto script = script_of(R"({"name":"mine","steps":[{"do":"stall"}]})");
  const auto id = create(store, who, "t", script);
  store.with_task(who, id, [&](Task& t) { EXPECT_EQ(t.script, script); });
}

TEST_F(StoreTest, CreditsOffByDefault) {
  Store store(clock_, {});
  const auto who = registered(store, "a@example.com");
  for (int i = 0; i < 30; ++i) create(store, who, "t" + std::to_string(i));
  EXPECT_EQ(store.task_count(), 30u);
}

TEST_F(StoreTest, CreditsRunOutAndResetTheNextDay) {
  StoreOptions options;
  options.credits = {true, 30, 10};
  Store store(clock_, options);
  const auto a = registered(store, "a@example.com");
  const auto b = registered(store, "b@example.com");
  for (int i = 0; i < 3; ++i) create(store, a, "t");
  std::string id = "unchanged";
  EXPECT_EQ(store.create_task(a, "t", "d", nullptr, id), Store::CreateError::out_of_credits);
  EXPECT_EQ(id, "unchanged");
  EXPECT_EQ(store.task_count(), 3u);
  EXPECT_EQ(store.list_tasks(a).size(), 3u);
  // Another organization has its own credits.
  create(store, b, "t");
  // A new (clock) day brings new credits.
  clock_.advance(kDay);
  for (int i = 0; i < 3; ++i) create(store, a, "t");
  EXPECT_EQ(store.create_task(a, "t", "d", nullptr, id), Store::CreateError::out_of_credits);
}

TEST_F(StoreTest, CreditsCostMoreThanADayIsAlwaysRefused) {
  StoreOptions options;
  options.credits = {true, 5, 10};
  Store store(clock_, options);
  const auto a = registered(store, "a@example.com");
  std::string id;
  EXPECT_EQ(store.create_task(a, "t", "d", nullptr, id), Store::CreateError::out_of_credits);
}

TEST_F(StoreTest, NamedScripts) {
  StoreOptions options;
  options.scripts["configured"] = script_of(R"({"steps":[{"do":"stall"}]})");
  Store store(clock_, options);
  EXPECT_NE(store.find_script("configured"), nullptr);
  EXPECT_EQ(store.find_script("missing"), nullptr);
  const auto mine = script_of(R"({"steps":[{"do":"propose"}]})");
  store.put_script("mine", mine);
  EXPECT_EQ(store.find_script("mine"), mine);
  EXPECT_EQ(store.scripts().size(), 2u);
  EXPECT_TRUE(store.delete_script("mine"));
  EXPECT_FALSE(store.delete_script("mine"));
  EXPECT_EQ(store.find_script("mine"), nullptr);
}

TEST_F(StoreTest, ResetForgetsEverythingAndReseeds) {
  StoreOptions options;
  options.password_users = {{"seed@example.com", "pw", "", ""}};
  options.scripts["configured"] = script_of(R"({"steps":[{"do":"stall"}]})");
  Store store(clock_, options);
  const auto who = registered(store, "a@example.com");
  IssuedKey old_key;
  ASSERT_EQ(store.register_user("b@example.com", "B", "", old_key), AccountError::none);
  create(store, who, "t");
  store.put_script("mine", script_of(R"({"steps":[]})"));
  store.delete_script("configured");
  store.add_password_user({"extra@example.com", "pw", "", ""});

  store.reset();

  EXPECT_EQ(store.task_count(), 0u);
  EXPECT_FALSE(store.authenticate(old_key.api_key));
  EXPECT_EQ(store.find_script("mine"), nullptr);
  EXPECT_NE(store.find_script("configured"), nullptr);
  IssuedKey key;
  EXPECT_EQ(store.exchange_password("seed@example.com", "pw", "", key), AccountError::none);
  EXPECT_EQ(store.exchange_password("extra@example.com", "pw", "", key),
            AccountError::bad_credentials);
  // The emails are free again.
  EXPECT_EQ(store.register_user("b@example.com", "B", "", key), AccountError::none);
  const auto again = *store.authenticate(key.api_key);
  EXPECT_EQ(store.list_tasks(again).size(), 0u);
}

// A CONFIRMED racing a cancel on the same task: exactly one of them wins, every time.
TEST_F(StoreTest, ConfirmRacingCancelExactlyOneWins) {
  Store store(clock_, {});
  const auto who = registered(store, "a@example.com");
  const auto script = script_of(R"({"steps":[{"do":"propose","files":[{"name":"f"}]}]})");
  constexpr int kTasks = 300;
  std::vector<std::string> ids;
  for (int i = 0; i < kTasks; ++i) ids.push_back(create(store, who, "t", script));
  for (const auto& id : ids)
    ASSERT_EQ(status_of(store, who, id), Status::awaiting_solution_approval);

  // Two threads confirm and two cancel every task, in opposite orders.
  std::vector<std::atomic<int>> confirmed(kTasks), cancelled(kTasks);
  std::latch start(4);
  auto worker = [&](bool confirm, bool reverse) {
    start.arrive_and_wait();
    for (int n = 0; n < kTasks; ++n) {
      const int i = reverse ? kTasks - 1 - n : n;
      store.with_task(who, ids[i], [&](Task& t) {
        const Micros now = store.clock().now();
        const auto result = confirm ? decide(t, true, "", now, 1.0) : cancel(t, now);
        if (result.error == ActionError::none) ++(confirm ? confirmed : cancelled)[i];
      });
    }
  };
  std::vector<std::thread> threads;
  threads.emplace_back(worker, true, false);
  threads.emplace_back(worker, false, true);
  threads.emplace_back(worker, true, true);
  threads.emplace_back(worker, false, false);
  for (auto& t : threads) t.join();

  for (int i = 0; i < kTasks; ++i) {
    SCOPED_TRACE("task " + std::to_string(i));
    EXPECT_EQ(confirmed[i] + cancelled[i], 1);
    store.with_task(who, ids[i], [&](Task& t) {
      EXPECT_EQ(t.status, confirmed[i] == 1 ? Status::completed : Status::cancelled);
      // The loser left no trace: one decision or one cancellation, never both.
      int decisions = 0, cancels = 0;
      for (const auto& e : t.events) {
        decisions += e.type == EventType::solution_decision;
        cancels += e.content == "Task cancelled by the client";
      }
      EXPECT_EQ(decisions + cancels, 1);
      EXPECT_EQ(t.files.size(), confirmed[i] == 1 ? 1u : 0u);
    });
  }
}

// Concurrent registrations and task creations keep every account and task.
TEST_F(StoreTest, ConcurrentCreationLosesNothing) {
  Store store(clock_, {});
  constexpr int kThreads = 4, kPerThread = 100;
  std::vector<Principal> owners(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    owners[i] = registered(store, "user" + std::to_string(i) + "@example.com");
  }
  const auto script = script_of(R"({"steps":[]})");
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      for (int n = 0; n < kPerThread; ++n) {
        std::string id;
        store.create_task(owners[i], "t", "d", script, id);
        IssuedKey key;
        store.register_user("x" + std::to_string(i) + "-" + std::to_string(n) + "@example.com", "X",
                            "", key);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(store.task_count(), static_cast<std::size_t>(kThreads * kPerThread));
  for (const auto& who : owners) EXPECT_EQ(store.list_tasks(who).size(), 100u);
}

// Creates racing in one organization: the list is newest first by created_at too (the time is
// read under the lock that orders the list; read before it, 103 of 20,000 adjacent pairs were
// out of order by up to 1 ms).
TEST_F(StoreTest, ConcurrentCreatesListNewestFirstByCreatedAt) {
  Clock running;  // not frozen: every create reads a new time
  Store store(running, {});
  const auto who = registered(store, "race@example.com");
  const auto script = script_of(R"({"steps":[{"do":"stall"}]})");
  constexpr int kThreads = 4, kPerThread = 5000;
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      for (int n = 0; n < kPerThread; ++n) {
        std::string id;
        store.create_task(who, "t", "d", script, id);
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto list = store.list_tasks(who);
  ASSERT_EQ(list.size(), static_cast<std::size_t>(kThreads * kPerThread));
  int out_of_order = 0;
  for (std::size_t i = 1; i < list.size(); ++i) {
    if (list[i - 1].created_at < list[i].created_at) ++out_of_order;
  }
  EXPECT_EQ(out_of_order, 0);
}

}  // namespace
}  // namespace agentwork::mock
