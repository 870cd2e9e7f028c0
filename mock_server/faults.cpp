#include "mock_server/faults.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "mock_server/json_util.hpp"

namespace agentwork::mock {
namespace {

using nlohmann::json;

const char* action_name(FaultRule::Action a) {
  switch (a) {
    case FaultRule::Action::latency:
      return "latency";
    case FaultRule::Action::status:
      return "status";
    case FaultRule::Action::drop:
      return "drop";
    case FaultRule::Action::truncate:
      return "truncate";
  }
  return "status";
}

}  // namespace

std::optional<FaultRule> parse_fault_rule(const json& j, const std::string& path,
                                          std::string& error) {
  auto bad = [&](const std::string& where, const std::string& what) {
    error = path + where + ": " + what;
    return std::nullopt;
  };
  if (!j.is_object()) return bad("", "expected a fault rule object");
  static const char* kKeys[] = {"method", "route",      "probability", "count",       "skip",
                                "action", "latency_ms", "status",      "retry_after", "body"};
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (const char* k : kKeys) known = known || key == k;
    if (!known) {
      return bad("." + key,
                 "unknown field (expected method, route, probability, count, skip, action, "
                 "latency_ms, status, retry_after, body)");
    }
  }
  FaultRule r;
  auto str = [&](const char* key, std::string& out) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return true;
    if (!it->is_string()) return false;
    out = it->get<std::string>();
    return true;
  };
  std::string action;
  if (!str("action", action) || action.empty()) {
    return bad(".action", "required: one of \"latency\", \"status\", \"drop\", \"truncate\"");
  }
  if (action == "latency") {
    r.action = FaultRule::Action::latency;
  } else if (action == "status" || action == "error") {
    r.action = FaultRule::Action::status;
  } else if (action == "drop") {
    r.action = FaultRule::Action::drop;
  } else if (action == "truncate") {
    r.action = FaultRule::Action::truncate;
  } else {
    return bad(".action", "expected \"latency\", \"status\", \"drop\" or \"truncate\", got \"" +
                              action + "\"");
  }
  if (!str("method", r.method)) return bad(".method", "expected a string such as \"GET\"");
  if (!str("route", r.route))
    return bad(".route", "expected a route such as \"/api/v1/tasks/{id}\"");
  if (!str("body", r.body)) return bad(".body", "expected a string");
  if (auto it = j.find("probability"); it != j.end()) {
    if (!it->is_number() || !(it->get<double>() >= 0 && it->get<double>() <= 1)) {
      return bad(".probability", "expected a number from 0 to 1");
    }
    r.probability = it->get<double>();
  }
  auto integer = [&](const char* key, long long lo, long long hi, long long& out) {
    auto it = j.find(key);
    if (it == j.end()) return true;
    if (!it->is_number_integer() || it->get<long long>() < lo || it->get<long long>() > hi)
      return false;
    out = it->get<long long>();
    return true;
  };
  if (!integer("count", -1, 1'000'000'000, r.count))
    return bad(".count", "expected an integer >= -1");
  if (!integer("skip", 0, 1'000'000'000, r.skip)) return bad(".skip", "expected an integer >= 0");
  long long latency = 0;
  if (!integer("latency_ms", 0, 600'000, latency)) {
    return bad(".latency_ms", "expected milliseconds from 0 to 600000");
  }
  r.latency = std::chrono::milliseconds(latency);
  long long status = r.status;
  if (!integer("status", 100, 599, status))
    return bad(".status", "expected an HTTP status 100-599");
  r.status = static_cast<int>(status);
  long long retry_after = -1;
  if (!integer("retry_after", 0, 86400, retry_after)) {
    return bad(".retry_after", "expected seconds from 0 to 86400");
  }
  r.retry_after = static_cast<int>(retry_after);
  if (r.action == FaultRule::Action::latency && latency == 0) {
    return bad(".latency_ms", "a latency rule needs latency_ms > 0");
  }
  return r;
}

json to_json(const FaultRule& r) {
  json o = {{"id", r.id},
            {"action", action_name(r.action)},
            {"method", r.method.empty() ? json(nullptr) : json(r.method)},
            {"route", r.route.empty() ? json(nullptr) : json(r.route)},
            {"probability", r.probability},
            {"count", r.count},
            {"skip", r.skip},
            {"matched", r.matched},
            {"hits", r.hits}};
  if (r.action == FaultRule::Action::latency) o["latency_ms"] = r.latency.count();
  if (r.action == FaultRule::Action::status) {
    o["status"] = r.status;
    if (r.retry_after >= 0) o["retry_after"] = r.retry_after;
    if (!r.body.empty()) o["body"] = r.body;
  }
  return o;
}

FaultSet::FaultSet(std::uint64_t seed) : random_(mix_seed(seed, 0xfa17)) {}

int FaultSet::add(FaultRule rule) {
  std::lock_guard lock(mutex_);
  rule.id = next_id_++;
  rule.matched = rule.hits = 0;
  rules_.push_back(std::move(rule));
  empty_.store(false, std::memory_order_relaxed);
  return rules_.back().id;
}

bool FaultSet::remove(int id) {
  std::lock_guard lock(mutex_);
  const auto before = rules_.size();
  std::erase_if(rules_, [&](const FaultRule& r) { return r.id == id; });
  empty_.store(rules_.empty(), std::memory_order_relaxed);
  return rules_.size() != before;
}

void FaultSet::clear() {
  std::lock_guard lock(mutex_);
  rules_.clear();
  empty_.store(true, std::memory_order_relaxed);
}

std::vector<FaultRule> FaultSet::rules() const {
  std::lock_guard lock(mutex_);
  return rules_;
}

FaultDecision FaultSet::decide(std::string_view method, std::string_view route) {
  FaultDecision d;
  if (empty()) return d;
  std::lock_guard lock(mutex_);
  for (auto& r : rules_) {
    if (!r.method.empty() && r.method != method) continue;
    if (!r.route.empty() && r.route != route) continue;
    ++r.matched;
    if (r.matched <= r.skip) continue;
    if (r.count >= 0 && r.hits >= r.count) continue;
    if (r.probability < 1.0 && random_.uniform01() >= r.probability) continue;
    ++r.hits;
    switch (r.action) {
      case FaultRule::Action::latency:
        d.latency += r.latency;
        continue;
      case FaultRule::Action::status: {
        HttpResponse resp;
        resp.status = r.status;
        resp.body = r.body.empty() ? error_body("injected fault") : r.body;
        if (r.retry_after >= 0)
          resp.headers.emplace_back("Retry-After", std::to_string(r.retry_after));
        d.respond = std::move(resp);
        return d;
      }
      case FaultRule::Action::drop:
        d.transport = FaultAction::drop;
        return d;
      case FaultRule::Action::truncate:
        d.transport = FaultAction::truncate;
        return d;
    }
  }
  return d;
}

}  // namespace agentwork::mock
