#include "harness/load/profile.hpp"
#include "common/json_file.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

namespace agentwork::load {
namespace {

using nlohmann::json;

// A validation failure: the JSON path (or flag) and what was expected there.
struct Failure {
  std::string path;
  std::string message;
};

[[noreturn]] void fail(std::string path, std::string message) {
  throw Failure{std::move(path), std::move(message)};
}

// "; got <value>", the value as JSON, cut to a readable length (as the scenario loader does).
std::string got(const json& value) {
  std::string text = value.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return "; got " + text;
}

// 1000000 rather than 1e+06: limits are printed as a person would write them.
std::string number_text(double v) {
  std::ostringstream out;
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    out << static_cast<long long>(v);
  } else {
    out << v;
  }
  return out.str();
}

// The accepted range of a number and how an error names it.
struct Range {
  const char* what;  // "a number of seconds"
  double lo;
  double hi;
  bool lo_open;  // above lo rather than from lo
  bool contains(double v) const {
    return std::isfinite(v) && (lo_open ? v > lo : v >= lo) && v <= hi;
  }
  std::string text() const {
    return std::string(what) + (lo_open ? " above " : " from ") + number_text(lo) + " to " +
           number_text(hi);
  }
};

constexpr Range kSeconds{"a number of seconds", 0, 1e7, true};
constexpr Range kSecondsOrZero{"a number of seconds", 0, 1e7, false};
constexpr Range kRate{"a number of tasks per second", 0, 1e6, true};
constexpr Range kRateOrZero{"a number of tasks per second", 0, 1e6, false};
constexpr Range kRequestRate{"a number of requests per second", 0, 1e9, true};
constexpr Range kFraction{"a fraction", 0, 1, false};
constexpr Range kOpenFraction{"a fraction", 0, 1, true};
constexpr Range kClients{"an integer", 1, 1e7, false};
constexpr Range kIterations{"an integer", 1, 1e9, false};
constexpr Range kInFlight{"an integer", 1, 1e7, false};
constexpr Range kWorkers{"an integer", 1, 256, false};
constexpr Range kMaxTasks{"an integer", 1, 1e12, false};
constexpr Range kMinRequests{"an integer", 1, 1e9, false};

double number_value(const json& v, const std::string& path, const Range& r) {
  if (!v.is_number() || !r.contains(v.get<double>())) fail(path, "expected " + r.text() + got(v));
  return v.get<double>();
}

// A flag's value: printed as typed (5, not the JSON 5.0).
double flag_number(double v, const char* flag, const Range& r) {
  if (!r.contains(v)) fail(flag, "expected " + r.text() + "; got " + number_text(v));
  return v;
}

std::int64_t integer_value(const json& v, const std::string& path, const Range& r) {
  const bool ok = v.is_number_integer() && v.get<double>() >= r.lo && v.get<double>() <= r.hi;
  if (!ok) fail(path, "expected " + r.text() + got(v));
  return v.get<std::int64_t>();
}

// One JSON object being read: rejects unknown fields up front, then typed getters that fail
// with the field's path. Absent fields give nullopt; null is not absent (it is a wrong type).
class Object {
 public:
  Object(const json& j, std::string path, std::vector<std::string_view> allowed,
         const char* what = "an object")
      : j_(j), path_(std::move(path)) {
    if (!j.is_object()) fail(path_, std::string("expected ") + what + got(j));
    for (const auto& [key, value] : j.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string list;
        for (auto name : allowed) list += (list.empty() ? "" : ", ") + std::string(name);
        fail(at(key), "unknown field; expected one of " + list);
      }
    }
  }

  const std::string& path() const { return path_; }
  std::string at(std::string_view key) const { return path_ + "." + std::string(key); }
  const json* find(std::string_view key) const {
    auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }
  bool has(std::string_view key) const { return find(key) != nullptr; }

  std::optional<std::string> string(std::string_view key, bool allow_empty = false) const {
    const json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_string() || (!allow_empty && v->get<std::string>().empty())) {
      fail(at(key), std::string(allow_empty ? "expected a string" : "expected a non-empty string") +
                        got(*v));
    }
    return v->get<std::string>();
  }
  std::optional<bool> boolean(std::string_view key) const {
    const json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) fail(at(key), "expected true or false" + got(*v));
    return v->get<bool>();
  }
  std::optional<double> number(std::string_view key, const Range& r) const {
    const json* v = find(key);
    if (!v) return std::nullopt;
    return number_value(*v, at(key), r);
  }
  std::optional<std::int64_t> integer(std::string_view key, const Range& r) const {
    const json* v = find(key);
    if (!v) return std::nullopt;
    return integer_value(*v, at(key), r);
  }
  const json& required(std::string_view key, const std::string& expected) const {
    const json* v = find(key);
    if (!v) fail(at(key), "missing; expected " + expected);
    return *v;
  }

 private:
  const json& j_;
  std::string path_;
};

std::string index_path(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// The policy is read by the scenario loader itself, so that a policy means the same in both
// files: wrapped as the `policy` of a one-step scenario, its error paths moved under `path`.
harness::Policy parse_policy(const json& j, const std::string& path) {
  const json wrapper = {{"name", "load-profile-policy"},
                        {"policy", j},
                        {"steps", json::array({{{"do", "sleep"}, {"seconds", 0}}})}};
  auto parsed = harness::parse_scenario(wrapper, "");
  if (auto* error = std::get_if<harness::LoadError>(&parsed)) {
    std::string at = error->path;
    if (at.rfind("$.policy", 0) == 0) at = path + at.substr(8);
    fail(at, error->message);
  }
  return *std::get<harness::Scenario>(parsed).policy;
}

ClientSpec parse_client(const json& j, const std::string& path) {
  const Object o(j, path, {"scenario", "policy", "poll", "title", "description"});
  const int kinds = o.has("scenario") + o.has("policy") + o.has("poll");
  if (kinds != 1) {
    fail(path, std::string("expected exactly one of \"policy\", \"poll\" or \"scenario\"; got ") +
                   (kinds == 0 ? "none" : std::to_string(kinds)));
  }
  if (!o.has("policy")) {
    for (auto key : {"title", "description"}) {
      if (o.has(key)) fail(o.at(key), "expected only with \"policy\"");
    }
  }
  if (o.has("scenario")) return ScenarioClient{*o.string("scenario")};
  if (o.has("poll")) {
    const std::string at = o.at("poll");
    const Object poll(*o.find("poll"), at, {"task_id"});
    PollClient c;
    c.task_id = poll.string("task_id").value_or("");
    if (c.task_id.empty()) fail(poll.at("task_id"), "expected a non-empty task id");
    return c;
  }
  PolicyClient c;
  c.policy = parse_policy(*o.find("policy"), o.at("policy"));
  c.title = o.string("title").value_or(c.title);
  c.description = o.string("description").value_or(c.description);
  return c;
}

ClosedExecutor parse_closed(const json& j, const std::string& path) {
  const Object o(j, path, {"clients", "iterations", "ramp_up_s"});
  ClosedExecutor e;
  e.clients = integer_value(o.required("clients", kClients.text()), o.at("clients"), kClients);
  e.iterations = o.integer("iterations", kIterations);
  e.ramp_up_s = o.number("ramp_up_s", kSecondsOrZero);
  return e;
}

OpenExecutor parse_open(const json& j, const std::string& path) {
  const Object o(j, path, {"rate", "stages", "start_rate", "max_in_flight"});
  if (o.has("rate") == o.has("stages")) {
    fail(path, std::string("expected exactly one of \"rate\" or \"stages\"; got ") +
                   (o.has("rate") ? "both" : "neither"));
  }
  OpenExecutor e;
  e.rate = o.number("rate", kRate);
  if (const json* v = o.find("stages")) {
    const auto at = o.at("stages");
    if (!v->is_array() || v->empty()) fail(at, "expected a non-empty array of stages" + got(*v));
    for (std::size_t i = 0; i < v->size(); ++i) {
      const Object s((*v)[i], index_path(at, i), {"duration_s", "target_rate"}, "a stage object");
      Stage stage;
      stage.duration_s =
          number_value(s.required("duration_s", kSeconds.text()), s.at("duration_s"), kSeconds);
      stage.target_rate = number_value(s.required("target_rate", kRateOrZero.text()),
                                       s.at("target_rate"), kRateOrZero);
      e.stages.push_back(stage);
    }
  } else if (o.has("start_rate")) {
    fail(o.at("start_rate"), "expected only with \"stages\", not with \"rate\"");
  }
  e.start_rate = o.number("start_rate", kRateOrZero).value_or(e.start_rate);
  e.max_in_flight = o.integer("max_in_flight", kInFlight).value_or(e.max_in_flight);
  return e;
}

Executor parse_executor(const json& j, const std::string& path) {
  const Object o(j, path, {"closed", "open"});
  if (o.has("closed") == o.has("open")) {
    fail(path, std::string("expected exactly one of \"closed\" or \"open\"; got ") +
                   (o.has("closed") ? "both" : "neither"));
  }
  if (const json* v = o.find("closed")) return parse_closed(*v, o.at("closed"));
  return parse_open(*o.find("open"), o.at("open"));
}

CircuitBreaker parse_breaker(const json& j, const std::string& path) {
  const Object o(j, path, {"error_rate", "window_s", "min_requests"});
  CircuitBreaker b;
  b.error_rate = o.number("error_rate", kOpenFraction).value_or(b.error_rate);
  b.window_s = o.number("window_s", kSeconds).value_or(b.window_s);
  b.min_requests = o.integer("min_requests", kMinRequests).value_or(b.min_requests);
  return b;
}

Threshold threshold_value(const json& v, const std::string& path) {
  if (!v.is_string()) fail(path, "expected a threshold string" + got(v));
  auto parsed = parse_threshold(v.get<std::string>());
  if (auto* error = std::get_if<ParseError>(&parsed)) fail(path, error->message());
  return std::get<Threshold>(parsed);
}

double stages_duration(const Executor& executor) {
  double total = 0;
  if (const auto* open = std::get_if<OpenExecutor>(&executor)) {
    for (const auto& stage : open->stages) total += stage.duration_s;
  }
  return total;
}

LoadProfile parse(const json& j, const std::string& file) {
  const Object o(j, "$",
                 {"name", "description", "client", "executor", "duration_s", "warmup_s",
                  "poll_interval_s", "jitter", "workers", "max_tasks", "rate_cap",
                  "circuit_breaker", "thresholds", "abort_on_fail"},
                 "a load profile object");
  LoadProfile p;
  p.file = file;
  if (!o.has("name")) fail("$.name", "missing; expected a non-empty string");
  p.name = *o.string("name");
  p.description = o.string("description", /*allow_empty=*/true).value_or("");
  p.client = parse_client(o.required("client", "a client object"), o.at("client"));
  p.executor = parse_executor(o.required("executor", "an executor object"), o.at("executor"));
  // A ramp without its own duration runs for the sum of its stages.
  const double ramp = stages_duration(p.executor);
  p.duration_s = o.number("duration_s", kSeconds).value_or(ramp > 0 ? ramp : p.duration_s);
  p.warmup_s = o.number("warmup_s", kSecondsOrZero).value_or(p.warmup_s);
  p.poll_interval_s = o.number("poll_interval_s", kSecondsOrZero).value_or(p.poll_interval_s);
  p.jitter = o.number("jitter", kFraction).value_or(p.jitter);
  if (auto n = o.integer("workers", kWorkers)) p.workers = static_cast<int>(*n);
  p.max_tasks = o.integer("max_tasks", kMaxTasks);
  p.rate_cap = o.number("rate_cap", kRequestRate);
  if (const json* v = o.find("circuit_breaker")) {
    p.circuit_breaker = parse_breaker(*v, o.at("circuit_breaker"));
  }
  if (const json* v = o.find("thresholds")) {
    const auto at = o.at("thresholds");
    if (!v->is_array()) fail(at, "expected an array of threshold strings" + got(*v));
    for (std::size_t i = 0; i < v->size(); ++i) {
      p.thresholds.push_back(threshold_value((*v)[i], index_path(at, i)));
    }
  }
  p.abort_on_fail = o.boolean("abort_on_fail").value_or(false);
  return p;
}

void apply(LoadProfile& p, const ProfileOverrides& f) {
  if (f.clients) {
    auto* closed = std::get_if<ClosedExecutor>(&p.executor);
    if (!closed) fail("--clients", "expected a closed executor; the profile's is open");
    closed->clients = integer_value(json(*f.clients), "--clients", kClients);
  }
  if (f.rate) {
    auto* open = std::get_if<OpenExecutor>(&p.executor);
    if (!open) fail("--rate", "expected an open executor; the profile's is closed");
    open->rate = flag_number(*f.rate, "--rate", kRate);
    open->stages.clear();  // a constant rate replaces the ramp
    open->start_rate = 0;
  }
  if (f.duration_s) p.duration_s = flag_number(*f.duration_s, "--duration", kSeconds);
  if (f.poll_interval_s) {
    p.poll_interval_s = flag_number(*f.poll_interval_s, "--poll-interval", kSecondsOrZero);
  }
  if (f.workers)
    p.workers = static_cast<int>(integer_value(json(*f.workers), "--workers", kWorkers));
  if (f.rate_cap) p.rate_cap = flag_number(*f.rate_cap, "--rate-cap", kRequestRate);
  if (f.max_tasks) p.max_tasks = integer_value(json(*f.max_tasks), "--max-tasks", kMaxTasks);
  for (const auto& text : f.thresholds)
    p.thresholds.push_back(threshold_value(text, "--threshold"));
  if (f.abort_on_fail) p.abort_on_fail = true;
  if (f.poll_task) {
    if (f.poll_task->empty()) fail("--poll-task", "expected a non-empty task id");
    p.client = PollClient{*f.poll_task};
  }
}

}  // namespace

int default_workers() {
  const unsigned n = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(n, 1u, 64u));
}

std::string ProfileError::to_string() const {
  std::string out;
  for (const auto* part : {&file, &path, &message}) {
    if (part->empty()) continue;
    if (!out.empty()) out += ": ";
    out += *part;
  }
  return out;
}

std::variant<LoadProfile, ProfileError> parse_profile(const nlohmann::json& j,
                                                      const std::string& file) {
  try {
    return parse(j, file);
  } catch (const Failure& f) {
    return ProfileError{file, f.path, f.message};
  }
}

std::variant<LoadProfile, ProfileError> load_profile_file(const std::string& path) {
  std::string error;
  const auto j = agentwork::read_json_file(path, error);
  if (!j) return ProfileError{path, "", error};
  return parse_profile(*j, path);
}

std::optional<ProfileError> apply_overrides(LoadProfile& profile,
                                            const ProfileOverrides& overrides) {
  LoadProfile changed = profile;
  try {
    apply(changed, overrides);
  } catch (const Failure& f) {
    return ProfileError{"", f.path, f.message};
  }
  profile = std::move(changed);
  return std::nullopt;
}

std::optional<std::string> safety_error(const LoadProfile& profile, std::string_view target_host) {
  std::string host(target_host);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (host == "127.0.0.1" || host == "::1" || host == "localhost") return std::nullopt;
  if (profile.rate_cap) return std::nullopt;
  return "the target " + std::string(target_host) +
         " is not loopback (127.0.0.1, ::1, localhost): a load run against it needs a rate cap "
         "(\"rate_cap\" in the profile or --rate-cap)";
}

}  // namespace agentwork::load
