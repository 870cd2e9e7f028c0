#include "mock_server/faults.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "common/json_reader.hpp"
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

namespace {

// The fault rule format's wording: no "; got" suffix, unknown fields listed in parentheses.
constexpr JsonStyle kRuleStyle{false, false, "unknown field (expected ", ")"};

// A string member; null counts as absent. False when it is not a string.
bool read_string(const JsonReader& r, const char* key, std::string& out) {
  const json* v = r.find(key);
  if (v == nullptr || v->is_null()) return true;
  if (!v->is_string()) return false;
  out = v->get<std::string>();
  return true;
}

// An integer member in [lo, hi]; false when it is present and not one.
bool read_integer(const JsonReader& r, const char* key, long long lo, long long hi,
                  long long& out) {
  const json* v = r.find(key);
  if (v == nullptr) return true;
  if (!v->is_number_integer() || v->get<long long>() < lo || v->get<long long>() > hi) return false;
  out = v->get<long long>();
  return true;
}

FaultRule::Action read_action(const JsonReader& r) {
  std::string action;
  if (!read_string(r, "action", action) || action.empty()) {
    r.fail_at("action", "required: one of \"latency\", \"status\", \"drop\", \"truncate\"");
  }
  if (action == "latency") return FaultRule::Action::latency;
  if (action == "status" || action == "error") return FaultRule::Action::status;
  if (action == "drop") return FaultRule::Action::drop;
  if (action == "truncate") return FaultRule::Action::truncate;
  r.fail_at("action",
            "expected \"latency\", \"status\", \"drop\" or \"truncate\", got \"" + action + "\"");
}

FaultRule read_rule(const JsonReader& r) {
  r.object({"method", "route", "probability", "count", "skip", "action", "latency_ms", "status",
            "retry_after", "body"},
           "a fault rule object");
  FaultRule rule;
  rule.action = read_action(r);
  if (!read_string(r, "method", rule.method))
    r.fail_at("method", "expected a string such as \"GET\"");
  if (!read_string(r, "route", rule.route))
    r.fail_at("route", "expected a route such as \"/api/v1/tasks/{id}\"");
  if (!read_string(r, "body", rule.body)) r.fail_at("body", "expected a string");
  if (const json* p = r.find("probability")) {
    if (!p->is_number() || !(p->get<double>() >= 0 && p->get<double>() <= 1)) {
      r.fail_at("probability", "expected a number from 0 to 1");
    }
    rule.probability = p->get<double>();
  }
  if (!read_integer(r, "count", -1, 1'000'000'000, rule.count))
    r.fail_at("count", "expected an integer >= -1");
  if (!read_integer(r, "skip", 0, 1'000'000'000, rule.skip))
    r.fail_at("skip", "expected an integer >= 0");
  long long latency = 0;
  if (!read_integer(r, "latency_ms", 0, 600'000, latency))
    r.fail_at("latency_ms", "expected milliseconds from 0 to 600000");
  rule.latency = std::chrono::milliseconds(latency);
  long long status = rule.status;
  if (!read_integer(r, "status", 100, 599, status))
    r.fail_at("status", "expected an HTTP status 100-599");
  rule.status = static_cast<int>(status);
  long long retry_after = -1;
  if (!read_integer(r, "retry_after", 0, 86400, retry_after))
    r.fail_at("retry_after", "expected seconds from 0 to 86400");
  rule.retry_after = static_cast<int>(retry_after);
  if (rule.action == FaultRule::Action::latency && latency == 0)
    r.fail_at("latency_ms", "a latency rule needs latency_ms > 0");
  return rule;
}

}  // namespace

std::optional<FaultRule> parse_fault_rule(const json& j, const std::string& path,
                                          std::string& error) {
  auto rule = read_json([&] { return read_rule(JsonReader(j, path, kRuleStyle)); });
  if (!rule) {
    error = rule.error().to_string();
    return std::nullopt;
  }
  return std::move(*rule);
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
