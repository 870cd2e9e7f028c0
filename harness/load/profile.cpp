#include "harness/load/profile.hpp"
#include "common/json_file.hpp"
#include "common/json_reader.hpp"

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

using agentwork::JsonError;
using agentwork::JsonReader;
using agentwork::NumberRange;

[[noreturn]] void fail(std::string path, std::string message) {
  throw JsonError{std::move(path), std::move(message)};
}

constexpr NumberRange kSeconds{"a number of seconds", 0, 1e7, true};
constexpr NumberRange kSecondsOrZero{"a number of seconds", 0, 1e7, false};
constexpr NumberRange kRate{"a number of tasks per second", 0, 1e6, true};
constexpr NumberRange kRateOrZero{"a number of tasks per second", 0, 1e6, false};
constexpr NumberRange kRequestRate{"a number of requests per second", 0, 1e9, true};
constexpr NumberRange kFraction{"a fraction", 0, 1, false};
constexpr NumberRange kOpenFraction{"a fraction", 0, 1, true};
constexpr NumberRange kClients{"an integer", 1, 1e7, false};
constexpr NumberRange kIterations{"an integer", 1, 1e9, false};
constexpr NumberRange kInFlight{"an integer", 1, 1e7, false};
constexpr NumberRange kWorkers{"an integer", 1, 256, false};
constexpr NumberRange kMaxTasks{"an integer", 1, 1e12, false};
constexpr NumberRange kMinRequests{"an integer", 1, 1e9, false};

// A flag's value: printed as typed (5, not the JSON 5.0).
double flag_number(double v, const char* flag, const NumberRange& r) {
  if (!r.contains(v)) fail(flag, "expected " + r.text() + "; got " + agentwork::number_text(v));
  return v;
}

// An integer flag, checked as the same field of the file would be.
std::int64_t flag_integer(std::int64_t v, const char* flag, const NumberRange& r) {
  return JsonReader(json(v), flag).as_integer(r);
}

// The object at `path`, its fields limited to `allowed`.
JsonReader object(const json& j, std::string path, std::initializer_list<std::string_view> allowed,
                  std::string_view what = "an object") {
  JsonReader r(j, std::move(path));
  r.object(allowed, what);
  return r;
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
  const JsonReader o = object(j, path, {"scenario", "policy", "poll", "title", "description"});
  const int kinds = o.has("scenario") + o.has("policy") + o.has("poll");
  if (kinds != 1) {
    fail(path, std::string("expected exactly one of \"policy\", \"poll\" or \"scenario\"; got ") +
                   (kinds == 0 ? "none" : std::to_string(kinds)));
  }
  if (!o.has("policy")) {
    for (auto key : {"title", "description"}) {
      if (o.has(key)) fail(o.path_of(key), "expected only with \"policy\"");
    }
  }
  if (o.has("scenario")) return ScenarioClient{*o.string("scenario")};
  if (o.has("poll")) {
    const std::string at = o.path_of("poll");
    const JsonReader poll = object(*o.find("poll"), at, {"task_id"});
    PollClient c;
    c.task_id = poll.string("task_id").value_or("");
    if (c.task_id.empty()) fail(poll.path_of("task_id"), "expected a non-empty task id");
    return c;
  }
  PolicyClient c;
  c.policy = parse_policy(*o.find("policy"), o.path_of("policy"));
  c.title = o.string("title").value_or(c.title);
  c.description = o.string("description").value_or(c.description);
  return c;
}

ClosedExecutor parse_closed(const json& j, const std::string& path) {
  const JsonReader o = object(j, path, {"clients", "iterations", "ramp_up_s"});
  ClosedExecutor e;
  e.clients = o.required("clients", kClients.text()).as_integer(kClients);
  e.iterations = o.integer("iterations", kIterations);
  e.ramp_up_s = o.number("ramp_up_s", kSecondsOrZero);
  return e;
}

OpenExecutor parse_open(const json& j, const std::string& path) {
  const JsonReader o = object(j, path, {"rate", "stages", "start_rate", "max_in_flight"});
  if (o.has("rate") == o.has("stages")) {
    fail(path, std::string("expected exactly one of \"rate\" or \"stages\"; got ") +
                   (o.has("rate") ? "both" : "neither"));
  }
  OpenExecutor e;
  e.rate = o.number("rate", kRate);
  if (const json* v = o.find("stages")) {
    const auto at = o.path_of("stages");
    const JsonReader stages(*v, at);
    stages.array("stages", /*non_empty=*/true);
    for (std::size_t i = 0; i < v->size(); ++i) {
      const JsonReader s =
          object((*v)[i], stages.path_of(i), {"duration_s", "target_rate"}, "a stage object");
      Stage stage;
      stage.duration_s = s.required("duration_s", kSeconds.text()).as_number(kSeconds);
      stage.target_rate = s.required("target_rate", kRateOrZero.text()).as_number(kRateOrZero);
      e.stages.push_back(stage);
    }
  } else if (o.has("start_rate")) {
    fail(o.path_of("start_rate"), "expected only with \"stages\", not with \"rate\"");
  }
  e.start_rate = o.number("start_rate", kRateOrZero).value_or(e.start_rate);
  e.max_in_flight = o.integer("max_in_flight", kInFlight).value_or(e.max_in_flight);
  return e;
}

Executor parse_executor(const json& j, const std::string& path) {
  const JsonReader o = object(j, path, {"closed", "open"});
  if (o.has("closed") == o.has("open")) {
    fail(path, std::string("expected exactly one of \"closed\" or \"open\"; got ") +
                   (o.has("closed") ? "both" : "neither"));
  }
  if (const json* v = o.find("closed")) return parse_closed(*v, o.path_of("closed"));
  return parse_open(*o.find("open"), o.path_of("open"));
}

CircuitBreaker parse_breaker(const json& j, const std::string& path) {
  const JsonReader o = object(j, path, {"error_rate", "window_s", "min_requests"});
  CircuitBreaker b;
  b.error_rate = o.number("error_rate", kOpenFraction).value_or(b.error_rate);
  b.window_s = o.number("window_s", kSeconds).value_or(b.window_s);
  b.min_requests = o.integer("min_requests", kMinRequests).value_or(b.min_requests);
  return b;
}

Threshold threshold_value(const json& v, const std::string& path) {
  if (!v.is_string()) JsonReader(v, path).fail_expected("a threshold string");
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
  const JsonReader o = object(j, "$",
                              {"name", "description", "client", "executor", "duration_s",
                               "warmup_s", "poll_interval_s", "jitter", "workers", "max_tasks",
                               "rate_cap", "circuit_breaker", "thresholds", "abort_on_fail"},
                              "a load profile object");
  LoadProfile p;
  p.file = file;
  if (!o.has("name")) fail("$.name", "missing; expected a non-empty string");
  p.name = *o.string("name");
  p.description = o.string("description", /*non_empty=*/false).value_or("");
  p.client = parse_client(o.required("client", "a client object").value(), o.path_of("client"));
  p.executor =
      parse_executor(o.required("executor", "an executor object").value(), o.path_of("executor"));
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
    p.circuit_breaker = parse_breaker(*v, o.path_of("circuit_breaker"));
  }
  if (const json* v = o.find("thresholds")) {
    const auto at = o.path_of("thresholds");
    const JsonReader thresholds(*v, at);
    thresholds.array("threshold strings");
    for (std::size_t i = 0; i < v->size(); ++i) {
      p.thresholds.push_back(threshold_value((*v)[i], thresholds.path_of(i)));
    }
  }
  p.abort_on_fail = o.boolean("abort_on_fail").value_or(false);
  return p;
}

void apply(LoadProfile& p, const ProfileOverrides& f) {
  if (f.clients) {
    auto* closed = std::get_if<ClosedExecutor>(&p.executor);
    if (!closed) fail("--clients", "expected a closed executor; the profile's is open");
    closed->clients = flag_integer(*f.clients, "--clients", kClients);
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
  if (f.workers) p.workers = static_cast<int>(flag_integer(*f.workers, "--workers", kWorkers));
  if (f.rate_cap) p.rate_cap = flag_number(*f.rate_cap, "--rate-cap", kRequestRate);
  if (f.max_tasks) p.max_tasks = flag_integer(*f.max_tasks, "--max-tasks", kMaxTasks);
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
  } catch (const JsonError& f) {
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
  } catch (const JsonError& f) {
    return ProfileError{"", f.path, f.message};
  }
  profile = std::move(changed);
  return std::nullopt;
}

std::string describe_executor(const LoadProfile& p) {
  if (const auto* closed = std::get_if<ClosedExecutor>(&p.executor)) {
    return "closed, " + std::to_string(closed->clients) + " clients";
  }
  const auto& open = std::get<OpenExecutor>(p.executor);
  if (open.rate) {
    std::ostringstream s;
    s << "open, " << *open.rate << " tasks/s";
    return s.str();
  }
  return "open, " + std::to_string(open.stages.size()) + " stages";
}

std::vector<std::string> override_flags(const ProfileOverrides& f) {
  std::vector<std::string> out;
  const auto number = [](double v) {
    std::ostringstream s;
    s.precision(17);
    s << v;
    return s.str();
  };
  if (f.clients) out.push_back("--clients=" + std::to_string(*f.clients));
  if (f.rate) out.push_back("--rate=" + number(*f.rate));
  if (f.duration_s) out.push_back("--duration=" + number(*f.duration_s));
  if (f.poll_interval_s) out.push_back("--poll-interval=" + number(*f.poll_interval_s));
  if (f.rate_cap) out.push_back("--rate-cap=" + number(*f.rate_cap));
  if (f.max_tasks) out.push_back("--max-tasks=" + std::to_string(*f.max_tasks));
  if (f.poll_task) out.push_back("--poll-task=" + *f.poll_task);
  for (const auto& t : f.thresholds) out.push_back("--threshold=" + t);
  if (f.abort_on_fail) out.push_back("--abort-on-fail");
  return out;
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
