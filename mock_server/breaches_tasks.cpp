// Breaches of the task rules outside the status poll: create, list, isolation, the client's
// actions and the result (breaches.hpp).
#include "mock_server/breaches.hpp"

namespace agentwork::mock::breach {
namespace {

// Status polls of the task keep answering the status seen before this action, as if the action
// changed nothing. Only a task whose status was seen can keep showing it.
void freeze(Exchange& x) {
  auto& task = x.memory.tasks[x.task_id];
  if (x.status() == 200 && !task.last_status.empty()) task.frozen = true;
}

// A valid request refused (422/409 or 401) becomes a success with `body`.
void accept(Exchange& x, Route route, int refused, std::string body = "{}") {
  if (x.post(route) && x.status() == refused && (refused != 422 || x.request_body.is_object())) {
    restatus(x.response, 200, std::move(body));
  }
}

void drop_status(Exchange& x, Route route) {
  if (x.post(route) && x.status() == 200) edit(x.response, [](json& j) { j.erase("status"); });
}

}  // namespace

// --- Create, list, isolation ---

void remember_created(Exchange& x) {
  if (!x.post(Route::tasks) || x.status() != 201) return;
  const json created = parse(x.response.body);
  if (created.is_object() && created.contains("task_id")) {
    x.memory.created.emplace_back(x.request.authorization, created["task_id"].get<std::string>());
  }
}

void create_created(Exchange& x) {
  if (x.post(Route::tasks) && x.status() == 201) x.response.status = 200;
}

void create_invalid(Exchange& x) {
  if (x.post(Route::tasks) && x.status() == 422 && x.request_body.is_object()) {
    restatus(x.response, 201, R"({"status":"processing"})");
  }
}

void credits_exhausted(Exchange& x) {
  if (x.post(Route::tasks) && x.status() == 402) {
    restatus(x.response, 201, R"({"status":"processing"})");
  }
}

void list_tasks(Exchange& x) {
  if (!x.get(Route::tasks) || x.status() != 200) return;
  edit(x.response, [](json& j) {
    if (j.contains("tasks") && !j["tasks"].empty()) j["tasks"].erase(0);
  });
}

// Lists the tasks other callers created (Memory::created) too.
void isolation_list(Exchange& x) {
  if (!x.get(Route::tasks) || x.status() != 200) return;
  edit(x.response, [&x](json& j) {
    for (const auto& [owner, id] : x.memory.created) {
      if (owner == x.request.authorization) continue;
      j["tasks"].push_back({{"task_id", id},
                            {"title", "Another organization's task"},
                            {"status", "processing"},
                            {"created_at", "2026-01-01T00:00:00.000000Z"},
                            {"last_activity_at", "2026-01-01T00:00:00.000000Z"}});
    }
  });
}

void list_shape(Exchange& x) {
  if (!x.get(Route::tasks) || x.status() != 200) return;
  edit(x.response, [](json& j) { j = j.value("tasks", json::array()); });
}

void isolation_not_found(Exchange& x) {
  if (x.status() == 404 && !x.task_id.empty() && x.route != Route::unknown &&
      x.store.with_any_task(x.task_id, [](Task&) {})) {
    restatus(x.response, 200, json{{"task_id", x.task_id}, {"status", "processing"}}.dump());
  }
}

// --- Client actions ---

void message_reply_resumes(Exchange& x) {
  if (x.post(Route::message)) freeze(x);
}

void message_accepted(Exchange& x) {
  drop_status(x, Route::message);
}

void message_wrong_state(Exchange& x) {
  accept(x, Route::message, 409);
}

void message_invalid(Exchange& x) {
  accept(x, Route::message, 422);
}

// Remembers the message sent with the answers; the events then show it (on_events).
void message_answers_win(Exchange& x) {
  const json& b = x.request_body;
  if (x.post(Route::message) && x.status() == 200 && b.is_object() && b.contains("answers") &&
      b.contains("message")) {
    x.memory.answers_with_message[x.task_id] = b["message"].dump();
  }
}

void solution_confirm(Exchange& x) {
  if (x.post(Route::solution_status) && text(x.request_body, "status") == "CONFIRMED") freeze(x);
}

void solution_reject(Exchange& x) {
  if (x.post(Route::solution_status) && text(x.request_body, "status") == "REJECTED") freeze(x);
}

void solution_accepted(Exchange& x) {
  drop_status(x, Route::solution_status);
}

void solution_wrong_state(Exchange& x) {
  accept(x, Route::solution_status, 409);
}

void solution_invalid(Exchange& x) {
  accept(x, Route::solution_status, 422);
}

void cancel_cancels(Exchange& x) {
  if (x.post(Route::cancel)) freeze(x);
}

void cancel_terminal(Exchange& x) {
  accept(x, Route::cancel, 409);
}

// --- Result and files ---

void result_shape(Exchange& x) {
  if (x.get(Route::result) && x.status() == 200) {
    edit(x.response, [](json& j) { j.erase("files"); });
  }
}

void result_not_completed(Exchange& x) {
  if (x.get(Route::result) && x.status() == 409) restatus(x.response, 200);
}

void result_download(Exchange& x) {
  if (x.get(Route::file) && x.status() == 200) {
    restatus(x.response, 404, R"({"detail":"Not Found"})");
  }
}

// --- Refusals ---

// Only a request the mock would otherwise carry out is refused: a missing key or another
// organization's task still gets its 401 / 404.
std::optional<HttpResponse> refuse_content_alias(const Incoming& in) {
  const json& b = in.body;
  if (in.route != Route::message || !b.is_object() || b.contains("answers") ||
      !b.contains("content") || b.contains("message")) {
    return std::nullopt;
  }
  if (!in.request.authorization.starts_with("Bearer ")) return std::nullopt;
  const auto who = in.store.authenticate(std::string_view(in.request.authorization).substr(7));
  if (!who || !in.store.with_task(*who, in.task_id, [](Task&) {})) return std::nullopt;
  return refusal(422, "message: required");
}

std::optional<HttpResponse> refuse_plain_text(const Incoming& in) {
  const json& b = in.body;
  if (in.route != Route::message || !b.is_object() || b.contains("answers") ||
      !b.contains("message")) {
    return std::nullopt;
  }
  bool clarifying = false;
  in.store.with_any_task(in.task_id, [&](Task& t) {
    clarifying = t.status == Status::awaiting_reply && t.pending == Pending::clarifying_questions;
  });
  if (!clarifying) return std::nullopt;
  return refusal(422, "answers: required for clarifying questions");
}

std::optional<HttpResponse> refuse_stalled_cancel(const Incoming& in) {
  if (in.route != Route::cancel) return std::nullopt;
  bool stalled = false;
  in.store.with_any_task(in.task_id,
                         [&](Task& t) { stalled = t.stalled && t.status == Status::processing; });
  if (!stalled) return std::nullopt;
  return refusal(409, "Task is processing");
}

}  // namespace agentwork::mock::breach
