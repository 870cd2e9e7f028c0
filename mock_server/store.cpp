#include "mock_server/store.hpp"

#include <algorithm>
#include <stdexcept>

#include "mock_server/agents.hpp"
#include "mock_server/ids.hpp"

namespace agentwork::mock {

std::size_t task_footprint(const Task& task) {
  std::size_t bytes = sizeof(Task) + task.id.size() + task.title.size() + task.description.size() +
                      task.message_id.size() + task.message_content.size() + task.event_bytes +
                      task.result_text.size();
  if (task.script) bytes += task.script_bytes;
  for (const auto& file : task.files) {
    bytes += sizeof(StoredFile) + file.name.size() + file.token.size() + file.content.size();
  }
  return bytes;
}

void Store::recharge(Task& task) {
  const std::size_t now = task_footprint(task);
  if (now == task.charged) return;
  if (now > task.charged) {
    bytes_.fetch_add(now - task.charged, std::memory_order_relaxed);
  } else {
    bytes_.fetch_sub(task.charged - now, std::memory_order_relaxed);
  }
  task.charged = now;
}

bool valid_script_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Store::Store(Clock& clock, StoreOptions options) : clock_(clock), options_(std::move(options)) {
  std::unique_lock lock(accounts_mutex_);
  seed_locked();
}

void Store::seed_locked() {
  {
    std::lock_guard scripts_lock(scripts_mutex_);
    scripts_ = options_.scripts;
  }
  for (const auto& u : options_.password_users) {
    const auto email = lower_ascii(u.email);
    if (auto it = users_by_email_.find(email); it != users_by_email_.end()) {
      users_[it->second].password = u.password;
    } else {
      create_user_locked(u.email, u.name, u.organization_name, u.password);
    }
  }
}

std::uint32_t Store::create_user_locked(const std::string& email, const std::string& name,
                                        const std::string& organization_name,
                                        const std::string& password) {
  Org org;
  org.id = new_uuid();
  org.short_id = new_short_id();
  org.name = organization_name.empty() ? "Organization " + org.short_id : organization_name;
  orgs_.push_back(std::move(org));
  User user;
  user.id = new_uuid();
  user.email = email;
  user.name = name.empty() ? email.substr(0, email.find('@')) : name;
  user.org = static_cast<std::uint32_t>(orgs_.size() - 1);
  user.password = password;
  users_.push_back(std::move(user));
  const auto index = static_cast<std::uint32_t>(users_.size() - 1);
  users_by_email_[lower_ascii(email)] = index;
  return index;
}

IssuedKey Store::issue_key_locked(std::uint32_t user, const std::string& key_name) {
  IssuedKey key;
  do {
    key.api_key = new_api_key();
  } while (keys_.count(key.api_key));
  key.key_prefix = key.api_key.substr(0, 16);
  key.key_name = key_name;
  const auto& u = users_[user];
  key.organization_id = orgs_[u.org].id;
  key.organization_short_id = orgs_[u.org].short_id;
  key.user_id = u.id;
  keys_.emplace(key.api_key, KeyInfo{user, u.org});
  return key;
}

AccountError Store::register_user(const std::string& email, const std::string& name,
                                  const std::string& organization_name, IssuedKey& out) {
  std::unique_lock lock(accounts_mutex_);
  if (users_by_email_.count(lower_ascii(email))) return AccountError::email_taken;
  const auto user = create_user_locked(email, name, organization_name, "");
  out = issue_key_locked(user, "default");
  return AccountError::none;
}

void Store::add_password_user(const PasswordUser& user) {
  std::unique_lock lock(accounts_mutex_);
  const auto email = lower_ascii(user.email);
  if (auto it = users_by_email_.find(email); it != users_by_email_.end()) {
    users_[it->second].password = user.password;
    return;
  }
  create_user_locked(user.email, user.name, user.organization_name, user.password);
}

AccountError Store::exchange_password(const std::string& email, const std::string& password,
                                      const std::string& key_name, IssuedKey& out) {
  std::unique_lock lock(accounts_mutex_);
  auto it = users_by_email_.find(lower_ascii(email));
  if (it == users_by_email_.end()) return AccountError::bad_credentials;
  const auto& user = users_[it->second];
  if (user.password.empty() || user.password != password) return AccountError::bad_credentials;
  out = issue_key_locked(it->second, key_name.empty() ? "API key" : key_name);
  return AccountError::none;
}

std::optional<Principal> Store::authenticate(std::string_view api_key) const {
  std::shared_lock lock(accounts_mutex_);
  auto it = keys_.find(api_key);
  if (it == keys_.end()) return std::nullopt;
  return Principal{it->second.user, it->second.org};
}

std::string Store::organization_id(std::uint32_t org) const {
  std::shared_lock lock(accounts_mutex_);
  return org < orgs_.size() ? orgs_[org].id : std::string();
}

// The one place a seeded agent's seed is derived: the mock's seed, the task's place in its
// organization and its title, so that a run's tasks differ and a rerun repeats them.
ScriptPtr Store::seeded_script(const Task& task) const {
  const auto seed = mix_seed(options_.seed, mix_seed(task.ordinal, hash_text(task.title)));
  if (options_.seeded_agent == SeededAgent::fleet) {
    return std::make_shared<const AgentScript>(fleet_agent_script(seed, options_.stall_rate));
  }
  return std::make_shared<const AgentScript>(default_agent_script(seed));
}

Store::CreateError Store::create_task(const Principal& who, std::string title,
                                      std::string description, ScriptPtr script,
                                      std::string& task_id, std::size_t request_bytes,
                                      bool limited) {
  std::unique_lock lock(accounts_mutex_);
  // Read under the lock that orders the organization's tasks, so that created_at follows that
  // order (newest first in GET /tasks/ by both), however creates race.
  const Micros now = clock_.now();
  if (who.org >= orgs_.size()) return CreateError::unknown_organization;  // reset meanwhile
  Org& org = orgs_[who.org];
  if (limited && org.task_keys.size() >= options_.limits.max_tasks_per_org) {
    return CreateError::organization_full;
  }
  if (limited && !has_room(sizeof(Task) + title.size() + description.size() + request_bytes)) {
    return CreateError::store_full;
  }
  if (options_.credits.enabled) {
    const std::int64_t day = now / (86400 * kMicrosPerSecond);
    if (org.credit_day != day) {
      org.credit_day = day;
      org.credits_used = 0;
    }
    if (org.credits_used + options_.credits.task_cost > options_.credits.per_day) {
      return CreateError::out_of_credits;
    }
    org.credits_used += options_.credits.task_cost;
  }
  Task task;
  task.id = new_uuid();
  task.org = who.org;
  task.ordinal = org.next_ordinal++;
  task.title = std::move(title);
  task.description = std::move(description);
  if (!script) script = seeded_script(task);
  task.script_bytes = request_bytes;
  start_task(task, std::move(script), now);
  task.charged = task_footprint(task);
  bytes_.fetch_add(task.charged, std::memory_order_relaxed);
  task_id = task.id;
  const auto key = task_key(task_id);  // always: new_uuid's form
  if (!key) throw std::logic_error("create_task: new_uuid gave a non-canonical id " + task_id);
  org.task_keys.push_back(*key);
  Shard& shard = shard_for(*key);
  std::lock_guard shard_lock(shard.mutex);
  shard.tasks.insert(*key, std::move(task));
  return CreateError::none;
}

bool Store::with_task(const Principal& who, std::string_view task_id,
                      const std::function<void(Task&)>& fn) {
  return visit_task(task_id, who.org, fn);
}

bool Store::with_any_task(std::string_view task_id, const std::function<void(Task&)>& fn) {
  return visit_task(task_id, std::nullopt, fn);
}

bool Store::visit_task(std::string_view task_id, std::optional<std::uint32_t> org,
                       const std::function<void(Task&)>& fn) {
  const auto key = task_key(task_id);
  if (!key) return false;  // not an id the mock gives out
  Shard& shard = shard_for(*key);
  const Micros now = clock_.now();
  std::lock_guard lock(shard.mutex);
  Task* task = shard.tasks.find(*key);
  if (task == nullptr || (org && task->org != *org)) return false;
  advance(*task, now, time_scale());
  fn(*task);
  recharge(*task);
  return true;
}

void Store::for_each_task_newest_first(const Principal& who,
                                       const std::function<void(const Task&)>& fn) {
  std::vector<TaskKey> keys;
  {
    std::shared_lock lock(accounts_mutex_);
    if (who.org >= orgs_.size()) return;  // reset meanwhile
    keys = orgs_[who.org].task_keys;
  }
  const Micros now = clock_.now();
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) {
    Shard& shard = shard_for(*it);
    std::lock_guard lock(shard.mutex);
    Task* task = shard.tasks.find(*it);
    if (task == nullptr || task->org != who.org) continue;  // reset meanwhile
    advance(*task, now, time_scale());
    recharge(*task);
    fn(*task);
  }
}

std::vector<TaskSummary> Store::list_tasks(const Principal& who) {
  std::vector<TaskSummary> out;
  for_each_task_newest_first(who, [&](const Task& t) {
    out.push_back({t.id, t.title, t.status, t.created_at, t.last_activity_at});
  });
  return out;
}

std::size_t Store::task_count() const {
  std::size_t n = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    n += shard.tasks.size();
  }
  return n;
}

std::array<std::size_t, kStatusCount> Store::count_by_status() {
  std::array<std::size_t, kStatusCount> counts{};
  const Micros now = clock_.now();
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    shard.tasks.for_each([&](Task& task) {
      advance(task, now, time_scale());
      recharge(task);
      ++counts[static_cast<std::size_t>(task.status)];
    });
  }
  return counts;
}

void Store::put_script(const std::string& name, ScriptPtr script) {
  std::lock_guard lock(scripts_mutex_);
  scripts_[name] = std::move(script);
}

ScriptPtr Store::find_script(const std::string& name) const {
  std::lock_guard lock(scripts_mutex_);
  auto it = scripts_.find(name);
  return it == scripts_.end() ? nullptr : it->second;
}

bool Store::delete_script(const std::string& name) {
  std::lock_guard lock(scripts_mutex_);
  return scripts_.erase(name) > 0;
}

std::map<std::string, ScriptPtr> Store::scripts() const {
  std::lock_guard lock(scripts_mutex_);
  return scripts_;
}

void Store::reset() {
  std::unique_lock lock(accounts_mutex_);
  for (auto& shard : shards_) {
    std::lock_guard shard_lock(shard.mutex);
    shard.tasks.clear();
  }
  bytes_.store(0, std::memory_order_relaxed);
  users_.clear();
  orgs_.clear();
  users_by_email_.clear();
  keys_.clear();
  seed_locked();
}

}  // namespace agentwork::mock
