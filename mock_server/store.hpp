// Everything the mock remembers: organizations, users, API keys, tasks and named agent
// scripts, in memory and safe under concurrent requests. Accounts sit behind one
// reader/writer lock (read on every request, written on registration); tasks are spread over
// shards, each with its own mutex, and every change to a task happens under its shard's lock,
// so each transition is atomic (a CONFIRMED racing a cancel: exactly one wins).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/agent_script.hpp"
#include "mock_server/clock.hpp"
#include "mock_server/state_machine.hpp"
#include "mock_server/task.hpp"
#include "mock_server/task_table.hpp"

namespace agentwork::mock {

// Hash and equality that let string-keyed maps be searched with a string_view (no allocation).
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename T>
using StringMap = std::unordered_map<std::string, T, StringHash, std::equal_to<>>;

struct CreditOptions {
  bool enabled = false;  // off by default so that load runs are not throttled
  int per_day = 100;     // credits each organization gets per (clock) day
  int task_cost = 10;    // credits one task creation costs
};

// What the store holds at most (docs: README, "The mock's limits"). Creating a task beyond a
// limit, or replying once the byte budget is spent, is a 429 naming the limit; the control API's
// /_mock/populate (an operator's bulk load) is not limited.
struct StoreLimits {
  // Tasks one organization may hold: its GET /tasks/ lists them all (about 190 bytes each).
  std::size_t max_tasks_per_org = 100'000;
  // Estimated bytes of everything tasks hold (texts, scripts, events, files), all organizations.
  std::size_t max_bytes = std::size_t{2048} << 20;
};

struct PasswordUser {
  std::string email;
  std::string password;
  std::string name;               // default: the part of the email before '@'
  std::string organization_name;  // default: generated
};

// The seeded agent of a task created without a script: the mock's default agent, or a fleet
// agent as a real deployment runs (fleet_agent_script; the deployment-like mode).
enum class SeededAgent : std::uint8_t { default_agent, fleet };

struct StoreOptions {
  std::uint64_t seed = 1;  // seeds the seeded agent of every task
  CreditOptions credits;
  std::vector<PasswordUser> password_users;  // seeded at start and after every reset
  std::map<std::string, ScriptPtr> scripts;  // named scripts, likewise
  SeededAgent seeded_agent = SeededAgent::default_agent;
  double stall_rate = 0.0;  // fleet agents: the probability that one stalls for good
  StoreLimits limits;
};

struct Principal {
  std::uint32_t user = 0;
  std::uint32_t org = 0;
};

struct IssuedKey {
  std::string api_key;
  std::string key_prefix;
  std::string key_name;
  std::string organization_id;
  std::string organization_short_id;
  std::string user_id;
};

enum class AccountError { none, email_taken, bad_credentials };

struct TaskSummary {
  std::string task_id;
  std::string title;
  Status status;
  Micros created_at;
  Micros last_activity_at;
};

class Store {
 public:
  Store(Clock& clock, StoreOptions options);

  Clock& clock() const { return clock_; }
  double time_scale() const { return clock_.time_scale(); }

  // --- accounts ---
  // Creates a user, its organization and a first key. Email match is case-insensitive.
  AccountError register_user(const std::string& email, const std::string& name,
                             const std::string& organization_name, IssuedKey& out);
  // Creates (or updates the password of) an account that can exchange its password for keys.
  void add_password_user(const PasswordUser& user);
  AccountError exchange_password(const std::string& email, const std::string& password,
                                 const std::string& key_name, IssuedKey& out);
  std::optional<Principal> authenticate(std::string_view api_key) const;
  std::string organization_id(std::uint32_t org) const;

  // --- tasks ---
  enum class CreateError {
    none,
    out_of_credits,
    unknown_organization,
    organization_full,  // StoreLimits::max_tasks_per_org
    store_full,         // StoreLimits::max_bytes
  };
  // `script` null: the seeded agent (StoreOptions::seeded_agent). `request_bytes`: the size of
  // the request, charged as the script's share of memory. `limited` false: the StoreLimits do
  // not apply (/_mock/populate).
  CreateError create_task(const Principal& who, std::string title, std::string description,
                          ScriptPtr script, std::string& task_id, std::size_t request_bytes = 0,
                          bool limited = true);

  // Runs `fn(task)` under the task's lock after advancing its agent to now. Returns false when
  // there is no such task or it belongs to another organization (both are a 404).
  bool with_task(const Principal& who, std::string_view task_id,
                 const std::function<void(Task&)>& fn);
  // The same without an owner check, for the control API and file downloads.
  bool with_any_task(std::string_view task_id, const std::function<void(Task&)>& fn);

  // All tasks of the organization, newest first, advanced to now.
  std::vector<TaskSummary> list_tasks(const Principal& who);
  // The same without copies: `fn(task)` for each, under its shard's lock (one at a time).
  void for_each_task_newest_first(const Principal& who, const std::function<void(const Task&)>& fn);

  std::size_t task_count() const;
  // The estimated bytes tasks hold (StoreLimits::max_bytes), and whether `more` still fit.
  std::size_t stored_bytes() const { return bytes_.load(std::memory_order_relaxed); }
  bool has_room(std::size_t more) const { return stored_bytes() + more <= options_.limits.max_bytes; }
  const StoreLimits& limits() const { return options_.limits; }
  // Tasks of every organization per status (indexed by Status), each advanced to now: what a
  // run's cleanup is checked against ("no task left non-terminal").
  std::array<std::size_t, kStatusCount> count_by_status();

  // --- named agent scripts (control API) ---
  void put_script(const std::string& name, ScriptPtr script);
  ScriptPtr find_script(const std::string& name) const;
  bool delete_script(const std::string& name);
  std::map<std::string, ScriptPtr> scripts() const;

  // Forgets every account, task and script, then seeds the password users again.
  void reset();

 private:
  struct User {
    std::string id;
    std::string email;
    std::string name;
    std::uint32_t org;
    std::string password;  // empty: no password login
  };
  struct Org {
    std::string id;
    std::string short_id;
    std::string name;
    std::uint32_t next_ordinal = 0;
    std::int64_t credit_day = -1;
    int credits_used = 0;
    std::vector<TaskKey> task_keys;  // creation order
  };
  struct KeyInfo {
    std::uint32_t user;
    std::uint32_t org;
  };
  struct Shard {
    mutable std::mutex mutex;
    TaskTable tasks;
  };
  static constexpr std::size_t kShards = 64;

  Shard& shard_for(const TaskKey& key) { return shards_[key.lo % kShards]; }
  // with_task (org given: the task must belong to it) and with_any_task.
  bool visit_task(std::string_view task_id, std::optional<std::uint32_t> org,
                  const std::function<void(Task&)>& fn);
  std::uint32_t create_user_locked(const std::string& email, const std::string& name,
                                   const std::string& organization_name,
                                   const std::string& password);
  IssuedKey issue_key_locked(std::uint32_t user, const std::string& key_name);
  ScriptPtr seeded_script(const Task& task) const;
  // Brings the budget up to date with what the task holds now (after any change to it).
  void recharge(Task& task);
  void seed_locked();

  Clock& clock_;
  StoreOptions options_;

  mutable std::shared_mutex accounts_mutex_;
  std::vector<User> users_;
  std::vector<Org> orgs_;
  StringMap<std::uint32_t> users_by_email_;  // lower-case email
  StringMap<KeyInfo> keys_;

  std::array<Shard, kShards> shards_;
  std::atomic<std::size_t> bytes_{0};  // sum of every task's `charged`

  mutable std::mutex scripts_mutex_;
  std::map<std::string, ScriptPtr> scripts_;
};

std::string lower_ascii(std::string_view text);

// A name a script can be stored under (PUT /_mock/scripts/NAME, --named-script NAME=FILE): 1 to
// 128 of A-Z a-z 0-9 . _ - (it is a path segment, and JSON and logs show it as is).
bool valid_script_name(std::string_view name);
inline constexpr const char* kScriptNameRule = "expected 1 to 128 of A-Z a-z 0-9 . _ -";

// The bytes a task holds, estimated (Task::charged): its record, texts, events, files and, while
// its agent runs, its script's share. O(files), not O(events).
std::size_t task_footprint(const Task& task);

}  // namespace agentwork::mock
