// The mock's breaches (violations.hpp), one small function per rule id, and what they see. The
// table that keys them by rule id is in violations.cpp: it is checked against the rule catalogue
// at compile time. Internal to the mock.
//
// Hooks, in the order a request meets them (a rule uses one or two):
//   on_request   before routing: edits the request
//   refuse       before the application acts: a refusal of a valid request, or nothing
//   on_response  after the application answered: edits the response
//   on_status    a 200 answer to GET /tasks/{id}, parsed: edits the body's JSON object
//   on_events    a 200 answer to GET /tasks/{id}/events with an events array: edits the body
// Within a hook, breaches run in table order, which is the order the edits must compose in when
// several rules are broken at once.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "mock_server/app.hpp"
#include "mock_server/http_types.hpp"
#include "mock_server/store.hpp"

namespace agentwork::mock::breach {

using nlohmann::json;

// What the breaches that span several requests remember (guarded by the Violator's mutex).
struct Memory {
  struct TaskMemory {
    std::string last_status;  // the last status body sent before a frozen action
    bool frozen = false;      // status polls keep answering last_status
    int awaiting_reply_polls = 0;
    int completed_polls = 0;
  };
  std::map<std::string, TaskMemory, std::less<>> tasks;
  std::vector<std::pair<std::string, std::string>> created;  // (Authorization, task id)
  // Tasks whose last reply sent a message with the answers: the JSON of that message.
  std::map<std::string, std::string, std::less<>> answers_with_message;
  int descending_second = 59;
};

// A valid request the application has not acted on yet.
struct Incoming {
  const HttpRequest& request;
  Route route;
  const std::string& task_id;
  Store& store;
  const json& body;  // the request body, parsed (discarded when not JSON)
};

// A request and the application's answer, being edited.
struct Exchange {
  const HttpRequest& request;
  Route route;
  const std::string& task_id;
  Store& store;
  HttpResponse& response;
  const json& request_body;  // parsed (discarded when not JSON)
  Memory& memory;

  bool post(Route r) const { return route == r && request.method == "POST"; }
  bool get(Route r) const { return route == r && request.method == "GET"; }
  int status() const { return response.status; }
};

// A 200 answer to GET /tasks/{id} whose body is a JSON object.
struct StatusPoll {
  json& body;
  const std::string status;  // as the application (or a frozen replay) answered
  Memory::TaskMemory& task;
  Memory& memory;
  Store& store;
  const std::string& task_id;

  // A faked state change moves last_activity_at too: only the breached rule should show.
  void moved();
};

// A 200 answer to GET /tasks/{id}/events whose "events" member is an array.
struct EventsAnswer {
  json& body;
  json& events;  // body["events"]
  Memory& memory;
  const std::string& task_id;
};

struct Breach {
  std::string_view rule;
  void (*on_request)(HttpRequest&) = nullptr;
  std::optional<HttpResponse> (*refuse)(const Incoming&) = nullptr;
  void (*on_response)(Exchange&) = nullptr;
  void (*on_status)(StatusPoll&) = nullptr;
  void (*on_events)(EventsAnswer&) = nullptr;
};

// --- Shared edits (violations.cpp) ---
inline constexpr const char* kOtherUuid = "00000000-0000-4000-8000-00000000dead";
json parse(const std::string& text);  // never throws: discarded when not JSON
// Applies `fn` to the JSON body (when it is JSON) and writes it back.
template <class Fn>
void edit(HttpResponse& r, Fn fn) {
  json j = parse(r.body);
  if (j.is_discarded()) return;
  fn(j);
  r.body = j.dump();
}
void restatus(HttpResponse& r, int to, std::string body = "{}");
HttpResponse refusal(int status, const std::string& detail);
// A string member, or "" when it is missing or not a string (bodies here may be anything).
std::string text(const json& j, const char* key);

// --- Errors, HTTP, accounts and keys (breaches_accounts.cpp) ---
void errors_detail(Exchange& x);
void auth_www_authenticate(Exchange& x);
void auth_required(Exchange& x);
void http_unparseable(Exchange& x);
void http_method(Exchange& x);
void http_unknown_path(Exchange& x);
void http_tasks_slash(Exchange& x);
void register_created(Exchange& x);
void register_email_taken(Exchange& x);
void register_email_case(Exchange& x);
void register_invalid(Exchange& x);
void keys_short_id(Exchange& x);
void ids_uuid(Exchange& x);
void api_key_created(Exchange& x);
void api_key_bad_credentials(Exchange& x);
void accept_test_keys(HttpRequest& request);
void keys_api_key_prefix(Exchange& x);
void keys_key_prefix(Exchange& x);
std::optional<HttpResponse> refuse_without_organization(const Incoming& in);
std::optional<HttpResponse> refuse_key_exchange(const Incoming& in);

// --- Tasks: create, list, isolation, client actions, result (breaches_tasks.cpp) ---
// Not a breach: records a created task in Memory::created, for isolation_list.
void remember_created(Exchange& x);
void create_created(Exchange& x);
void create_invalid(Exchange& x);
void credits_exhausted(Exchange& x);
void list_tasks(Exchange& x);
void isolation_list(Exchange& x);
void list_shape(Exchange& x);
void isolation_not_found(Exchange& x);
void message_reply_resumes(Exchange& x);
void message_accepted(Exchange& x);
void message_wrong_state(Exchange& x);
void message_invalid(Exchange& x);
void solution_confirm(Exchange& x);
void solution_reject(Exchange& x);
void solution_accepted(Exchange& x);
void solution_wrong_state(Exchange& x);
void solution_invalid(Exchange& x);
void cancel_cancels(Exchange& x);
void cancel_terminal(Exchange& x);
void result_shape(Exchange& x);
void result_not_completed(Exchange& x);
void result_download(Exchange& x);
std::optional<HttpResponse> refuse_content_alias(const Incoming& in);
std::optional<HttpResponse> refuse_plain_text(const Incoming& in);
std::optional<HttpResponse> refuse_stalled_cancel(const Incoming& in);
void message_answers_win(Exchange& x);

// --- The status poll and the events (breaches_status.cpp) ---
void status_shape(StatusPoll& p);
void lifecycle_edges(StatusPoll& p);
void lifecycle_terminal(StatusPoll& p);
void lifecycle_completion_needs_confirm(StatusPoll& p);
void lifecycle_system_cancel(StatusPoll& p);
void status_task_id(StatusPoll& p);
void status_enum(StatusPoll& p);
void last_activity_at_format(StatusPoll& p);
void last_activity_at_changes(StatusPoll& p);
void last_activity_at_monotonic(StatusPoll& p);
void last_activity_at_precision(StatusPoll& p);
void question_fields(StatusPoll& p);
void question_clarifying_content(StatusPoll& p);
void question_item(StatusPoll& p);
void question_options(StatusPoll& p);
void question_presence(StatusPoll& p);
void solution_presence(StatusPoll& p);
void solution_fields(StatusPoll& p);
void message_id_new(StatusPoll& p);
void events_type(EventsAnswer& e);
void events_append_only(EventsAnswer& e);
void events_client_actions(EventsAnswer& e);
void events_answers_shown(EventsAnswer& e);
void show_message_not_answers(EventsAnswer& e);
void events_shape(EventsAnswer& e);

}  // namespace agentwork::mock::breach
