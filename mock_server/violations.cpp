#include "mock_server/violations.hpp"

#include <algorithm>
#include <cctype>
#include <functional>

#include <nlohmann/json.hpp>

#include "common/agent_script.hpp"
#include "mock_server/app.hpp"
#include "mock_server/store.hpp"

namespace agentwork::mock {

namespace {

using nlohmann::json;

constexpr std::string_view kRules[] = {
    "G.lifecycle.edges",
    "G.lifecycle.terminal",
    "G.lifecycle.completion_needs_confirm",
    "M.lifecycle.system_cancel",
    "G.status.shape",
    "G.status.task_id",
    "G.status.enum",
    "G.status.last_activity_at.format",
    "G.status.last_activity_at.changes",
    "G.status.last_activity_at.monotonic",
    "M.status.last_activity_at.precision",
    "G.status.question.presence",
    "G.status.question.fields",
    "G.status.question.clarifying_content",
    "G.status.question.item",
    "G.status.question.options",
    "G.status.solution.presence",
    "G.status.solution.fields",
    "M.status.message_id.new",
    "G.register.created",
    "G.register.email_taken",
    "M.register.email_case",
    "M.register.invalid",
    "G.register.organization_optional",
    "G.keys.api_key_prefix",
    "G.keys.key_prefix",
    "M.keys.short_id",
    "M.ids.uuid",
    "G.api_key.exchange",
    "M.api_key.created",
    "M.api_key.bad_credentials",
    "G.auth.required",
    "M.auth.www_authenticate",
    "G.create.created",
    "M.create.invalid",
    "M.credits.exhausted",
    "G.list.tasks",
    "M.list.shape",
    "G.isolation.list",
    "G.isolation.not_found",
    "M.message.accepted",
    "G.message.content_alias",
    "G.message.answers_win",
    "G.message.plain_text",
    "G.message.reply_resumes",
    "M.message.wrong_state",
    "M.message.invalid",
    "M.solution.accepted",
    "G.solution.confirm",
    "G.solution.reject",
    "M.solution.wrong_state",
    "M.solution.invalid",
    "G.events.shape",
    "G.events.type",
    "M.events.append_only",
    "M.events.client_actions",
    "M.events.answers_shown",
    "G.cancel.cancels",
    "M.cancel.terminal",
    "G.result.shape",
    "M.result.download",
    "M.result.not_completed",
    "M.errors.detail",
    "M.http.unparseable",
    "M.http.method",
    "M.http.unknown_path",
    "M.http.tasks_slash",
    "G.stall.last_activity",
};

constexpr const char* kOtherUuid = "00000000-0000-4000-8000-00000000dead";

json parse(const std::string& text) {
  return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

// Applies `fn` to the JSON body (when it is JSON) and writes it back.
template <class Fn>
void edit(HttpResponse& r, Fn fn) {
  json j = parse(r.body);
  if (j.is_discarded()) return;
  fn(j);
  r.body = j.dump();
}

void restatus(HttpResponse& r, int to, std::string body = "{}") {
  r.status = to;
  r.body = std::move(body);
  r.headers.clear();
}

HttpResponse refusal(int status, const std::string& detail) {
  HttpResponse r;
  r.status = status;
  r.body = json{{"detail", detail}}.dump();
  return r;
}

// A string member, or "" when it is missing or not a string (bodies here may be anything).
std::string text(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool has_upper(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return std::isupper(c); });
}

// Whether a script may cancel its task itself: a `cancel` step, or a proposal that gives up
// after its revisions. Faking a system cancel breaches the rule only for scripts that cannot,
// such as the default and fleet agents. Read from the steps, not the wording: a question that
// happens to say "cancel" must not hide the breach.
bool may_cancel_itself(const AgentScript& script) {
  return std::any_of(script.steps.begin(), script.steps.end(), [](const Step& s) {
    return s.kind == Step::Kind::cancel ||
           (s.kind == Step::Kind::propose && s.on_reject.then == OnReject::Then::cancel);
  });
}

}  // namespace

std::span<const std::string_view> violatable_rules() {
  return kRules;
}

bool Violator::enable(std::string_view rule_id) {
  if (std::find(std::begin(kRules), std::end(kRules), rule_id) == std::end(kRules)) return false;
  on_.emplace(rule_id);
  return true;
}

void Violator::before(HttpRequest& request) const {
  // The key-prefix breach hands out aw_test_ keys: take them as the aw_live_ keys they are.
  if (on("G.keys.api_key_prefix") && request.authorization.starts_with("Bearer aw_test_")) {
    request.authorization.replace(7, 8, "aw_live_");
  }
}

std::optional<HttpResponse> Violator::refuse(const HttpRequest& req, Route route,
                                             const std::string& task_id, Store& store) const {
  if (on_.empty() || req.method != "POST") return std::nullopt;
  const json body = parse(req.body);
  const bool object = body.is_object();
  if (route == Route::register_user && on("G.register.organization_optional") && object &&
      body.contains("email") && body.contains("name") && !body.contains("organization_name")) {
    return refusal(422, "organization_name: required");
  }
  if (route == Route::api_key && on("G.api_key.exchange") && object) {
    return refusal(401, "Invalid credentials");
  }
  // Only a request the mock would otherwise carry out is refused: a missing key or another
  // organization's task still gets its 401 / 404.
  std::optional<Principal> who;
  if (req.authorization.starts_with("Bearer ")) {
    who = store.authenticate(std::string_view(req.authorization).substr(7));
  }
  auto task_of_caller = [&](const std::function<void(Task&)>& fn) {
    return who && store.with_task(*who, task_id, fn);
  };
  if (route == Route::message && object && !body.contains("answers")) {
    if (on("G.message.content_alias") && body.contains("content") && !body.contains("message") &&
        task_of_caller([](Task&) {})) {
      return refusal(422, "message: required");
    }
    if (on("G.message.plain_text") && body.contains("message")) {
      bool clarifying = false;
      store.with_any_task(task_id, [&](Task& t) {
        clarifying =
            t.status == Status::awaiting_reply && t.pending == Pending::clarifying_questions;
      });
      if (clarifying) return refusal(422, "answers: required for clarifying questions");
    }
  }
  if (route == Route::cancel && on("G.stall.last_activity")) {
    bool stalled = false;
    store.with_any_task(task_id,
                        [&](Task& t) { stalled = t.stalled && t.status == Status::processing; });
    if (stalled) return refusal(409, "Task is processing");
  }
  return std::nullopt;
}

void Violator::after(const HttpRequest& req, Route route, const std::string& task_id, Store& store,
                     HttpResponse& r) {
  if (on_.empty()) return;
  std::lock_guard lock(mutex_);
  const bool get = req.method == "GET", post = req.method == "POST";
  const json request_body = parse(req.body);
  const std::string path = req.target.substr(0, req.target.find('?'));

  // --- Errors and HTTP, whatever the route ---
  if (on("M.errors.detail") && r.status >= 400) {
    edit(r, [](json& j) {
      if (j.is_object() && j.contains("detail")) {
        j["message"] = j["detail"];
        j.erase("detail");
      }
    });
  }
  if (on("M.auth.www_authenticate") && r.status == 401) {
    std::erase_if(r.headers, [](const auto& h) { return h.first == "WWW-Authenticate"; });
  }
  if (on("G.auth.required") && r.status == 401 && req.authorization.empty() &&
      route != Route::api_key && route != Route::register_user) {
    restatus(r, 200, route == Route::tasks ? R"({"tasks":[]})" : "{}");
  }
  if (on("M.http.unparseable") && r.status == 422 && !req.body.empty() &&
      parse(req.body).is_discarded()) {
    restatus(r, 400, R"({"detail":"Bad Request"})");
  }
  if (on("M.http.method") && r.status == 405) restatus(r, 404, R"({"detail":"Not Found"})");
  if (on("M.http.unknown_path") && route == Route::unknown && r.status == 404) restatus(r, 200);
  if (on("M.http.tasks_slash") && path == "/api/v1/tasks" && r.status < 300) {
    restatus(r, 404, R"({"detail":"Not Found"})");
  }

  // --- Registration and keys ---
  if (route == Route::register_user && post) {
    const std::string email = text(request_body, "email");
    if (on("G.register.created") && r.status == 201) r.status = 200;
    if (on("G.register.email_taken") && r.status == 409 && !has_upper(email)) restatus(r, 201);
    if (on("M.register.email_case") && r.status == 409 && has_upper(email)) restatus(r, 201);
    if (on("M.register.invalid") && r.status == 422 && request_body.is_object()) {
      restatus(r, 201);
    }
    if (on("M.keys.short_id") && r.status == 201) {
      edit(r, [](json& j) { j["organization_short_id"] = "not-a-short-id"; });
    }
    if (on("M.ids.uuid") && r.status == 201) edit(r, [](json& j) { j["user_id"] = "user-1"; });
  }
  if (route == Route::api_key && post) {
    if (on("M.api_key.created") && r.status == 201) edit(r, [](json& j) { j.erase("key_name"); });
    if (on("M.api_key.bad_credentials") && r.status == 401) restatus(r, 201);
  }
  if ((route == Route::register_user || route == Route::api_key) && r.status == 201) {
    if (on("G.keys.api_key_prefix")) {
      edit(r, [](json& j) {
        for (const char* key : {"api_key", "key_prefix"}) {
          if (j.contains(key) && j[key].is_string()) {
            auto v = j[key].get<std::string>();
            if (v.starts_with("aw_live_")) v.replace(0, 8, "aw_test_");
            j[key] = v;
          }
        }
      });
    }
    if (on("G.keys.key_prefix")) edit(r, [](json& j) { j["key_prefix"] = "aw_live_00000000"; });
  }

  // --- Create, list, isolation ---
  if (route == Route::tasks && post) {
    if (r.status == 201) {
      const json created = parse(r.body);
      if (created.is_object() && created.contains("task_id")) {
        const auto id = created["task_id"].get<std::string>();
        tasks_[id].owner = req.authorization;
        created_.emplace_back(req.authorization, id);
      }
    }
    if (on("G.create.created") && r.status == 201) r.status = 200;
    if (on("M.create.invalid") && r.status == 422 && request_body.is_object()) {
      restatus(r, 201, R"({"status":"processing"})");
    }
    if (on("M.credits.exhausted") && r.status == 402)
      restatus(r, 201, R"({"status":"processing"})");
  }
  if (route == Route::tasks && get && r.status == 200) {
    if (on("G.list.tasks")) {
      edit(r, [](json& j) {
        if (j.contains("tasks") && !j["tasks"].empty()) j["tasks"].erase(0);
      });
    }
    if (on("G.isolation.list")) {
      edit(r, [&](json& j) {
        for (const auto& [owner, id] : created_) {
          if (owner == req.authorization) continue;
          j["tasks"].push_back({{"task_id", id},
                                {"title", "Another organization's task"},
                                {"status", "processing"},
                                {"created_at", "2026-01-01T00:00:00.000000Z"},
                                {"last_activity_at", "2026-01-01T00:00:00.000000Z"}});
        }
      });
    }
    if (on("M.list.shape")) edit(r, [](json& j) { j = j.value("tasks", json::array()); });
  }
  if (on("G.isolation.not_found") && r.status == 404 && !task_id.empty() &&
      route != Route::unknown && store.with_any_task(task_id, [](Task&) {})) {
    restatus(r, 200, json{{"task_id", task_id}, {"status", "processing"}}.dump());
  }

  // --- The status poll ---
  if (route == Route::task && get && r.status == 200) {
    auto& mem = tasks_[task_id];
    if (on("G.status.shape")) {
      r.body = "[]";
      return;
    }
    if (mem.frozen) {
      r.body = mem.last_status;
    } else {
      mem.last_status = r.body;
    }
    json j = parse(r.body);
    if (!j.is_object()) return;
    const std::string status = text(j, "status");
    // A faked state change moves last_activity_at too: only the breached rule should show.
    auto moved = [&j] {
      Micros t = 0;
      if (j["last_activity_at"].is_string() &&
          parse_timestamp(j["last_activity_at"].get<std::string>(), t)) {
        j["last_activity_at"] = format_timestamp(t + 1000);
      }
    };
    if (status == "awaiting_reply") ++mem.awaiting_reply_polls;
    if (status == "completed") ++mem.completed_polls;
    if (on("G.lifecycle.edges") && status == "awaiting_reply" && mem.awaiting_reply_polls >= 2) {
      j["status"] = "awaiting_solution_approval";
      j.erase("question");
      j["solution"] = {{"message_id", kOtherUuid}, {"content", "An unasked-for solution."}};
      moved();
    }
    if (on("G.lifecycle.terminal") && status == "completed" && mem.completed_polls >= 2) {
      j["status"] = "processing";
      moved();
    }
    if (on("G.lifecycle.completion_needs_confirm") && status == "awaiting_reply") {
      j["status"] = "completed";
      j.erase("question");
      moved();
    }
    if (on("M.lifecycle.system_cancel") && status == "processing") {
      bool scripted_without_cancel = false;
      store.with_any_task(task_id, [&](Task& t) {
        scripted_without_cancel = t.script && !may_cancel_itself(*t.script);
      });
      if (scripted_without_cancel) {
        j["status"] = "cancelled";
        moved();
      }
    }
    if (on("G.status.task_id")) j["task_id"] = kOtherUuid;
    if (on("G.status.enum")) {
      if (status == "processing") j["status"] = "in_progress";
      if (status == "awaiting_reply") j["status"] = "waiting";
    }
    if (on("G.status.last_activity_at.format")) j["last_activity_at"] = "yesterday";
    if (on("G.status.last_activity_at.changes")) {
      j["last_activity_at"] = "2026-01-01T00:00:00.000000Z";
    }
    if (on("G.status.last_activity_at.monotonic")) {
      j["last_activity_at"] =
          "2026-01-01T00:00:" + std::string(descending_second_ < 10 ? "0" : "") +
          std::to_string(descending_second_) + ".000000Z";
      descending_second_ = std::max(0, descending_second_ - 1);
    }
    if (on("M.status.last_activity_at.precision") && j["last_activity_at"].is_string()) {
      auto t = j["last_activity_at"].get<std::string>();
      j["last_activity_at"] = t.substr(0, 19) + "Z";
    }
    if (j.contains("question") && j["question"].is_object()) {
      auto& q = j["question"];
      if (on("G.status.question.fields")) q.erase("type");
      if (on("M.status.message_id.new")) q["message_id"] = kOtherUuid;
      const bool clarifying = text(q, "type") == "CLARIFYING_QUESTIONS";
      if (clarifying && on("G.status.question.clarifying_content")) q["content"] = "not json";
      if (clarifying && (on("G.status.question.item") || on("G.status.question.options"))) {
        json inner = parse(q.value("content", ""));
        if (inner.is_object() && inner.contains("questions") && !inner["questions"].empty()) {
          auto& first = inner["questions"][0];
          if (on("G.status.question.item")) first.erase("question");
          if (on("G.status.question.options")) {
            first["options"] = text(first, "type") == "text"
                                   ? json::array({"unexpected"})
                                   : json::array({"1", "2", "3", "4", "5", "6"});
          }
          q["content"] = inner.dump();
        }
      }
    }
    if (on("G.status.question.presence")) j.erase("question");
    if (j.contains("solution") && j["solution"].is_object()) {
      if (on("G.status.solution.presence")) j.erase("solution");
      if (on("G.status.solution.fields")) j["solution"].erase("content");
      if (on("M.status.message_id.new")) j["solution"]["message_id"] = kOtherUuid;
    }
    r.body = j.dump();
    return;
  }

  // --- Client actions ---
  auto freeze = [&](const char* rule) {
    // Only a task whose status was seen can keep showing it.
    if (on(rule) && r.status == 200 && !tasks_[task_id].last_status.empty()) {
      tasks_[task_id].frozen = true;
    }
  };
  if (route == Route::message && post) {
    freeze("G.message.reply_resumes");
    if (on("M.message.accepted") && r.status == 200) edit(r, [](json& j) { j.erase("status"); });
    if (on("M.message.wrong_state") && r.status == 409) restatus(r, 200);
    if (on("M.message.invalid") && r.status == 422 && request_body.is_object()) restatus(r, 200);
    if (on("G.message.answers_win") && r.status == 200 && request_body.is_object() &&
        request_body.contains("answers") && request_body.contains("message")) {
      answers_with_message_[task_id] = request_body["message"].dump();
    }
  }
  if (route == Route::solution_status && post) {
    const std::string decision = text(request_body, "status");
    if (decision == "CONFIRMED") freeze("G.solution.confirm");
    if (decision == "REJECTED") freeze("G.solution.reject");
    if (on("M.solution.accepted") && r.status == 200) edit(r, [](json& j) { j.erase("status"); });
    if (on("M.solution.wrong_state") && r.status == 409) restatus(r, 200);
    if (on("M.solution.invalid") && r.status == 422 && request_body.is_object()) {
      restatus(r, 200);
    }
  }
  if (route == Route::cancel && post) {
    freeze("G.cancel.cancels");
    if (on("M.cancel.terminal") && r.status == 409) restatus(r, 200);
  }

  // --- Events, result, files ---
  if (route == Route::events && get && r.status == 200) {
    edit(r, [&](json& j) {
      if (!j.contains("events") || !j["events"].is_array()) return;
      auto& events = j["events"];
      if (on("G.events.type") && !events.empty()) events[0]["type"] = "log";
      if (on("M.events.append_only") && events.size() >= 2) {
        std::reverse(events.begin(), events.end());
      }
      if (on("M.events.client_actions")) {
        json kept = json::array();
        for (auto& e : events) {
          if (text(e, "type") != "reply") kept.push_back(e);
        }
        events = kept;
      }
      for (auto& e : events) {
        if (text(e, "type") != "reply") continue;
        if (on("M.events.answers_shown")) e["content"] = "(answered)";
      }
      if (auto it = answers_with_message_.find(task_id); it != answers_with_message_.end()) {
        for (auto e = events.rbegin(); e != events.rend(); ++e) {
          if (text(*e, "type") != "reply") continue;
          (*e)["content"] = json::parse(it->second).get<std::string>();
          break;
        }
      }
      if (on("G.events.shape")) j.erase("events");
    });
  }
  if (route == Route::result && get) {
    if (on("G.result.shape") && r.status == 200) edit(r, [](json& j) { j.erase("files"); });
    if (on("M.result.not_completed") && r.status == 409) restatus(r, 200);
  }
  if (route == Route::file && get && on("M.result.download") && r.status == 200) {
    restatus(r, 404, R"({"detail":"Not Found"})");
  }
}

}  // namespace agentwork::mock
