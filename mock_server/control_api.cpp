// The control API under /_mock/: reset, named agent scripts, the virtual clock, fault rules,
// password users, call counts, a view of any task, and bulk population for benchmarks.
#include <chrono>
#include <cmath>

#include <nlohmann/json.hpp>

#include "common/json_depth.hpp"
#include "mock_server/app.hpp"
#include "mock_server/ids.hpp"
#include "mock_server/json_util.hpp"
#include "mock_server/state_machine.hpp"

namespace agentwork::mock {
namespace {

using nlohmann::json;

HttpResponse reply_json(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump();
  return r;
}

HttpResponse fail(int status, std::string_view detail) {
  HttpResponse r;
  r.status = status;
  r.body = error_body(detail);
  return r;
}

HttpResponse not_allowed(const char* allow) {
  auto r = fail(405, "Method Not Allowed");
  r.headers.emplace_back("Allow", allow);
  return r;
}

bool parse_json(const HttpRequest& req, json& out, HttpResponse& failure) {
  bool too_deep = false;
  out = parse_json_bounded(req.body.empty() ? std::string_view("{}") : std::string_view(req.body),
                           &too_deep);
  if (too_deep) {
    failure = fail(422, "body: JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                            " levels");
    return false;
  }
  if (out.is_discarded()) {
    failure = fail(422, "body: not valid JSON");
    return false;
  }
  return true;
}

json clock_json(const Clock& clock) {
  const auto now = clock.now();
  return {{"now", format_timestamp(now)},
          {"now_us", now},
          {"frozen", clock.frozen()},
          {"time_scale", clock.time_scale()}};
}

json task_json(const Task& t, const std::string& org_id) {
  json events = json::array();
  for (const auto& e : t.events) {
    events.push_back({{"timestamp", format_timestamp(e.timestamp)},
                      {"type", to_string(e.type)},
                      {"content", e.content}});
  }
  json o = {{"task_id", t.id},
            {"organization_id", org_id},
            {"title", t.title},
            {"status", to_string(t.status)},
            {"created_at", format_timestamp(t.created_at)},
            {"last_activity_at", format_timestamp(t.last_activity_at)},
            {"script_step", t.pc},
            {"revisions", t.revisions},
            {"stalled", t.stalled},
            {"next_agent_action_at",
             t.wake_at == kNever ? json(nullptr) : json(format_timestamp(t.wake_at))},
            {"events", std::move(events)}};
  if (t.script) o["script"] = to_json(*t.script);
  return o;
}

HttpResponse handle_clock(App& app, const HttpRequest& req) {
  auto& clock = app.clock();
  if (req.method == "GET") return reply_json(200, clock_json(clock));
  if (req.method != "POST") return not_allowed("GET, POST");
  json body;
  HttpResponse failure;
  if (!parse_json(req, body, failure)) return failure;
  const auto action = body.value("action", std::string());
  if (action == "freeze") {
    clock.freeze();
  } else if (action == "resume") {
    clock.resume();
  } else if (action == "advance") {
    auto it = body.find("seconds");
    if (it == body.end() || !it->is_number() || !(it->get<double>() >= 0) ||
        it->get<double>() > 1e9) {
      return fail(422, "seconds: expected a number of seconds from 0 to 1e9");
    }
    // Rounded, not truncated: 1.001 s is 1001000 us, not 1000999.
    clock.advance(static_cast<Micros>(std::llround(it->get<double>() * kMicrosPerSecond)));
  } else if (action == "set") {
    Micros at = 0;
    auto it = body.find("to");
    if (it == body.end() || !it->is_string() || !parse_timestamp(it->get<std::string>(), at)) {
      return fail(422, "to: expected an ISO-8601 timestamp");
    }
    if (!clock.set(at)) return fail(409, "to: the clock never goes backwards");
  } else {
    return fail(422, "action: expected \"freeze\", \"resume\", \"advance\" or \"set\"");
  }
  return reply_json(200, clock_json(clock));
}

HttpResponse handle_scripts(App& app, const HttpRequest& req, std::string_view name) {
  auto& store = app.store();
  if (name.empty()) {
    if (req.method != "GET") return not_allowed("GET");
    json out = json::object();
    for (const auto& [n, script] : store.scripts()) out[n] = to_json(*script);
    return reply_json(200, {{"scripts", out}});
  }
  const std::string key(name);
  if (req.method == "GET") {
    auto script = store.find_script(key);
    if (!script) return fail(404, "no script named \"" + key + "\"");
    return reply_json(200, to_json(*script));
  }
  if (req.method == "DELETE") {
    if (!store.delete_script(key)) return fail(404, "no script named \"" + key + "\"");
    return reply_json(200, {{"deleted", key}});
  }
  if (req.method != "PUT" && req.method != "POST") return not_allowed("GET, PUT, DELETE");
  // Checked before anything is stored: a name that cannot be written back as JSON was stored
  // once, and then its 201 failed.
  if (!valid_script_name(key)) return fail(422, std::string("script name: ") + kScriptNameRule);
  json body;
  HttpResponse failure;
  if (!parse_json(req, body, failure)) return failure;
  std::string problem;
  auto script = parse_agent_script(body, problem);
  if (!script) return fail(422, problem);
  script->name = key;
  const bool existed = store.find_script(key) != nullptr;
  store.put_script(key, std::make_shared<const AgentScript>(std::move(*script)));
  return reply_json(existed ? 200 : 201, {{"name", key}});
}

HttpResponse handle_faults(App& app, const HttpRequest& req, std::string_view id) {
  auto& faults = app.faults();
  if (!id.empty()) {
    if (req.method != "DELETE") return not_allowed("DELETE");
    int n = 0;
    for (char c : id) {
      if (c < '0' || c > '9' || n > 100000000) return fail(404, "no such fault rule");
      n = n * 10 + (c - '0');
    }
    if (!faults.remove(n)) return fail(404, "no such fault rule");
    return reply_json(200, {{"deleted", n}});
  }
  if (req.method == "GET") {
    json out = json::array();
    for (const auto& r : faults.rules()) out.push_back(to_json(r));
    return reply_json(200, {{"faults", out}});
  }
  if (req.method == "DELETE") {
    faults.clear();
    return reply_json(200, {{"faults", json::array()}});
  }
  if (req.method != "POST") return not_allowed("GET, POST, DELETE");
  json body;
  HttpResponse failure;
  if (!parse_json(req, body, failure)) return failure;
  const json rules = body.is_array() ? body : json::array({body});
  std::vector<FaultRule> parsed;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    std::string problem;
    auto rule =
        parse_fault_rule(rules[i], body.is_array() ? "$[" + std::to_string(i) + "]" : "$", problem);
    if (!rule) return fail(422, problem);
    parsed.push_back(std::move(*rule));
  }
  json ids = json::array();
  for (auto& r : parsed) ids.push_back(faults.add(std::move(r)));
  return reply_json(201, {{"ids", ids}});
}

HttpResponse handle_users(App& app, const HttpRequest& req) {
  if (req.method != "POST") return not_allowed("POST");
  json body;
  HttpResponse failure;
  if (!parse_json(req, body, failure)) return failure;
  PasswordUser user;
  for (auto [key, out, required] :
       {std::tuple{"email", &user.email, true}, std::tuple{"password", &user.password, true},
        std::tuple{"name", &user.name, false},
        std::tuple{"organization_name", &user.organization_name, false}}) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) {
      if (required) return fail(422, std::string(key) + ": field required");
      continue;
    }
    if (!it->is_string() || (required && it->get<std::string>().empty())) {
      return fail(422, std::string(key) + ": expected a non-empty string");
    }
    *out = it->get<std::string>();
  }
  app.store().add_password_user(user);
  return reply_json(201, {{"email", user.email}});
}

// Runs `count` tasks of a fresh organization through the real state machine to `outcome`, so
// that a benchmark can measure a mock that holds many finished tasks.
HttpResponse handle_populate(App& app, const HttpRequest& req) {
  if (req.method != "POST") return not_allowed("POST");
  json body;
  HttpResponse failure;
  if (!parse_json(req, body, failure)) return failure;
  const auto count = body.value("count", 1000LL);
  const auto outcome = body.value("outcome", std::string("completed"));
  const auto return_ids = body.value("return_ids", 100LL);
  if (count < 1 || count > 5'000'000) return fail(422, "count: expected 1 to 5000000");
  if (outcome != "completed" && outcome != "cancelled" && outcome != "processing") {
    return fail(422, "outcome: expected \"completed\", \"cancelled\" or \"processing\"");
  }
  auto& store = app.store();
  IssuedKey key;
  // Unique even when the clock is frozen: a taken email would leave no key to use.
  const auto email = "populate-" + new_uuid() + "@mock.invalid";
  store.register_user(email, "Populate", "", key);
  const auto who = store.authenticate(key.api_key);
  auto script = std::make_shared<AgentScript>();
  std::string problem;
  auto parsed = parse_agent_script(json::parse(R"({"name":"populate","steps":[
        {"do":"work","seconds":0,"note":"Analyzing requirements..."},
        {"do":"ask","questions":[{"type":"single_select","question":"Which framework?",
                                  "options":["React","Vue","Svelte"]}]},
        {"do":"work","seconds":0,"note":"Implementing the solution..."},
        {"do":"propose","content":"Here is the solution.","result_text":"Done.",
         "files":[{"name":"src/main.ts","content":"export {};\n"}]}]})"),
                                   problem);
  const ScriptPtr shared = std::make_shared<const AgentScript>(std::move(*parsed));
  const auto started = std::chrono::steady_clock::now();
  json ids = json::array();
  for (long long i = 0; i < count; ++i) {
    std::string id;
    store.create_task(*who, "Task " + std::to_string(i), "Populated by /_mock/populate", shared,
                      id, 0, /*limited=*/false);
    if (outcome != "processing") {
      store.with_task(*who, id, [&](Task& t) {
        const auto now = app.clock().now();
        if (outcome == "cancelled") {
          cancel(t, now);
          return;
        }
        Reply answer;
        answer.answers = json::array({{{"question_index", 0}, {"selected", "React"}}});
        reply(t, answer, now, app.clock().time_scale());
        decide(t, true, "", now, app.clock().time_scale());
      });
    }
    if (static_cast<long long>(ids.size()) < return_ids) ids.push_back(id);
  }
  const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started);
  return reply_json(201, {{"api_key", key.api_key},
                          {"count", count},
                          {"outcome", outcome},
                          {"task_ids", ids},
                          {"seconds", elapsed.count()}});
}

HttpResponse handle_tasks(App& app, const HttpRequest& req, std::string_view id) {
  if (req.method != "GET") return not_allowed("GET");
  if (id.empty()) {
    const auto counts = app.store().count_by_status();
    json by_status = json::object();
    std::size_t total = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      by_status[to_string(static_cast<Status>(i))] = counts[i];
      total += counts[i];
    }
    return reply_json(200, {{"total", total}, {"by_status", by_status}});
  }
  json out;
  std::uint32_t org = 0;
  // The organization id is looked up once the task's lock is released: taking the accounts
  // lock under a shard lock inverts the store's lock order (create_task) and can deadlock.
  if (!app.store().with_any_task(id, [&](Task& t) {
        out = task_json(t, "");
        org = t.org;
      })) {
    return fail(404, "Task not found");
  }
  out["organization_id"] = app.store().organization_id(org);
  return reply_json(200, out);
}

HttpResponse route_control(App& app, const HttpRequest& req, const std::string& path) {
  std::string_view p = path;
  p.remove_prefix(std::min<std::size_t>(p.size(), 7));  // "/_mock/"
  auto take = [&](std::string_view prefix, std::string_view& rest) {
    if (p == prefix) {
      rest = {};
      return true;
    }
    if (p.size() > prefix.size() && p.starts_with(prefix) && p[prefix.size()] == '/') {
      rest = p.substr(prefix.size() + 1);
      return true;
    }
    return false;
  };
  std::string_view rest;
  if (p == "health") {
    return reply_json(200, {{"status", "ok"}, {"tasks", app.store().task_count()}});
  }
  if (p == "reset") {
    if (req.method != "POST") return not_allowed("POST");
    app.store().reset();
    app.faults().clear();
    app.reset_calls();
    return reply_json(200, {{"reset", true}});
  }
  if (p == "clock") return handle_clock(app, req);
  if (take("scripts", rest)) return handle_scripts(app, req, rest);
  if (take("faults", rest)) return handle_faults(app, req, rest);
  if (p == "users") return handle_users(app, req);
  if (p == "calls") {
    if (req.method == "DELETE") {
      app.reset_calls();
      return reply_json(200, json::object());
    }
    if (req.method != "GET") return not_allowed("GET, DELETE");
    return reply_json(200, {{"calls", app.calls_json()}});
  }
  if (p == "populate") return handle_populate(app, req);
  if (take("tasks", rest)) return handle_tasks(app, req, rest);
  return fail(404,
              "Not Found (control API: health, reset, clock, scripts, faults, users, calls, "
              "populate, tasks)");
}

}  // namespace

HttpResponse handle_control(App& app, const HttpRequest& req, const std::string& path) {
  try {
    return route_control(app, req, path);
  } catch (const nlohmann::json::type_error& e) {
    // A body field of the wrong type ({"count": "5"}, or an array where an object belongs).
    return fail(422, std::string("body: ") + e.what());
  }
}

}  // namespace agentwork::mock
