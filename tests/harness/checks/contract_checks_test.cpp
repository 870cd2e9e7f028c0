#include "harness/checks/contract_checks.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/checks/openapi_document.hpp"
#include "common/rules.hpp"

namespace agentwork::harness {
namespace {

using nlohmann::json;

constexpr const char* kTask = "770e8400-e29b-41d4-a716-446655440000";
constexpr const char* kOtherTask = "771e8400-e29b-41d4-a716-446655440000";
constexpr const char* kMessage = "880e8400-e29b-41d4-a716-446655440000";
constexpr const char* kOrg = "550e8400-e29b-41d4-a716-446655440000";
constexpr const char* kUser = "660e8400-e29b-41d4-a716-446655440000";

Exchange response(int status, std::string body,
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
  Exchange ex;
  ex.method = "GET";
  ex.path = "/api/v1/tasks/";
  ex.status = status;
  ex.headers = std::move(headers);
  ex.body = std::move(body);
  return ex;
}

CheckContext for_task(std::string expected_status_after = "") {
  return CheckContext{kTask, std::move(expected_status_after)};
}

// `base` changed by `edit`, as response text.
std::string edited(json base, const std::function<void(json&)>& edit) {
  edit(base);
  return base.dump();
}

// --- Valid bodies, as the mock sends them (mock_server/app.cpp) -----------------------------

json registered() {
  return {{"api_key", "aw_live_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"},
          {"key_prefix", "aw_live_aBcDeFgH"},
          {"organization_id", kOrg},
          {"organization_short_id", "xK3mP"},
          {"user_id", kUser}};
}

json api_key_issued() {
  return {{"api_key", "aw_live_ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210"},
          {"key_prefix", "aw_live_ZyXwVuTs"},
          {"key_name", "My Agent Key"},
          {"organization_id", kOrg},
          {"user_id", kUser}};
}

json clarifying_questions() {
  return {{"type", "clarifying_questions"},
          {"questions",
           {{{"type", "text"}, {"question", "What is the primary use case?"}, {"options", nullptr}},
            {{"type", "single_select"},
             {"question", "Which framework do you prefer?"},
             {"options", {"React", "Vue", "Svelte"}}},
            {{"type", "multi_select"},
             {"question", "Which features do you need?"},
             {"options", {"Auth", "Database", "File upload", "Payments"}}}}}};
}

json awaiting_reply(const json& questions = clarifying_questions()) {
  return {{"task_id", kTask},
          {"status", "awaiting_reply"},
          {"last_activity_at", "2026-02-22T14:30:00.123456Z"},
          {"question",
           {{"message_id", kMessage},
            {"content", questions.dump()},
            {"type", "CLARIFYING_QUESTIONS"}}}};
}

json awaiting_approval() {
  return {{"task_id", kTask},
          {"status", "awaiting_solution_approval"},
          {"last_activity_at", "2026-02-22T14:35:00.000001Z"},
          {"solution", {{"message_id", kMessage}, {"content", "I've built the landing page."}}}};
}

json processing() {
  return {{"task_id", kTask},
          {"status", "processing"},
          {"last_activity_at", "2026-02-22T14:30:00.000000Z"}};
}

json task_list() {
  return {{"tasks",
           {{{"task_id", kOtherTask},
             {"title", "Second"},
             {"status", "processing"},
             {"created_at", "2026-02-22T14:31:00.000000Z"},
             {"last_activity_at", "2026-02-22T14:31:00.000000Z"}},
            {{"task_id", kTask},
             {"title", "First"},
             {"status", "completed"},
             {"created_at", "2026-02-22T14:30:00.000000Z"},
             {"last_activity_at", "2026-02-22T14:40:00.000000Z"}}}}};
}

json events() {
  return {{"task_id", kTask},
          {"events",
           {{{"timestamp", "2026-02-22T14:30:01.000000Z"},
             {"type", "status"},
             {"content", "Analyzing requirements..."}},
            {{"timestamp", "2026-02-22T14:30:15.000000Z"},
             {"type", "question"},
             {"content", "What framework?"}},
            {{"timestamp", "2026-02-22T14:30:15.000000Z"}, {"type", "reply"}, {"content", "React"}},
            {{"timestamp", "2026-02-22T14:31:00.000001Z"},
             {"type", "solution_proposed"},
             {"content", "Done"}}}}};
}

json task_result() {
  return {{"task_id", kTask},
          {"status", "completed"},
          {"result_text", "Here is the completed landing page."},
          {"files",
           {{{"name", "src/LandingPage.tsx"},
             {"download_url",
              std::string("http://127.0.0.1:8080/files/") + kTask + "/tok/src/LandingPage.tsx"}}}}};
}

json task_ref(const char* status) {
  return {{"task_id", kTask}, {"status", status}};
}

std::string describe(const std::vector<Finding>& findings) {
  std::string out;
  for (const auto& f : findings) out += "\n  " + std::string(f.rule_id) + ": " + f.detail;
  return out;
}

bool has_rule(const std::vector<Finding>& findings, std::string_view rule) {
  for (const auto& f : findings)
    if (f.rule_id == rule) return true;
  return false;
}

// --- Valid responses give no finding --------------------------------------------------------

struct Case {
  const char* name;
  Endpoint endpoint;
  Exchange exchange;
  CheckContext context;
};

std::vector<Case> valid_cases() {
  const std::vector<std::pair<std::string, std::string>> bearer = {{"www-authenticate", "Bearer"}};
  return {
      {"register", Endpoint::register_user, response(201, registered().dump()), {}},
      {"api_key", Endpoint::api_key, response(201, api_key_issued().dump()), {}},
      {"create", Endpoint::create_task, response(201, task_ref("processing").dump()), {}},
      {"list", Endpoint::list_tasks, response(200, task_list().dump()), {}},
      {"list_empty", Endpoint::list_tasks, response(200, R"({"tasks":[]})"), {}},
      {"status_processing", Endpoint::task_status, response(200, processing().dump()), for_task()},
      {"status_clarifying", Endpoint::task_status, response(200, awaiting_reply().dump()),
       for_task()},
      {"status_to_customer", Endpoint::task_status,
       response(200, edited(awaiting_reply(),
                            [](json& j) {
                              j["question"]["type"] = "TO_CUSTOMER";
                              j["question"]["content"] = "Do you have a logo? {not json}";
                            })),
       for_task()},
      {"status_approval", Endpoint::task_status, response(200, awaiting_approval().dump()),
       for_task()},
      {"status_completed", Endpoint::task_status,
       response(200, edited(processing(), [](json& j) { j["status"] = "completed"; })), for_task()},
      {"status_null_question", Endpoint::task_status,
       response(200, edited(processing(),
                            [](json& j) {
                              j["question"] = nullptr;
                              j["solution"] = nullptr;
                            })),
       for_task()},
      {"message", Endpoint::message, response(200, task_ref("processing").dump()),
       for_task("processing")},
      {"solution_confirmed", Endpoint::solution_status, response(200, task_ref("completed").dump()),
       for_task("completed")},
      {"solution_rejected", Endpoint::solution_status, response(200, task_ref("processing").dump()),
       for_task("processing")},
      {"events", Endpoint::events, response(200, events().dump()), for_task()},
      {"events_guide_timestamps", Endpoint::events,
       response(200, edited(events(),
                            [](json& j) {
                              j["events"][0]["timestamp"] = "2026-02-22T14:30:01";
                              j["events"][1]["timestamp"] = "2026-02-22T16:30:15+02:00";
                              j["events"].erase(2);
                              j["events"].erase(2);
                            })),
       for_task()},
      {"cancel", Endpoint::cancel, response(200, task_ref("cancelled").dump()), for_task()},
      {"cancel_empty_body", Endpoint::cancel, response(200, ""), for_task()},
      {"result", Endpoint::result, response(200, task_result().dump()), for_task()},
      {"result_no_files", Endpoint::result,
       response(200, edited(task_result(), [](json& j) { j["files"] = json::array(); })),
       for_task()},
      {"file_download", Endpoint::file_download, response(200, "\x89PNG\r\n\x1a\n binary"), {}},
      {"not_found", Endpoint::task_status, response(404, R"({"detail":"Task not found"})"),
       for_task()},
      {"unauthorized", Endpoint::events, response(401, R"({"detail":"Invalid API key"})", bearer),
       for_task()},
      {"unauthorized_header_case",
       Endpoint::create_task,
       response(401, R"({"detail":"Not authenticated"})", {{"WWW-Authenticate", "bearer"}}),
       {}},
      {"bad_password_needs_no_bearer_header",
       Endpoint::api_key,
       response(401, R"({"detail":"Incorrect email or password"})"),
       {}},
      {"email_taken",
       Endpoint::register_user,
       response(409, R"({"detail":"A user with this email already exists"})"),
       {}},
      {"redirect_is_not_checked", Endpoint::list_tasks, response(307, ""), {}},
  };
}

TEST(ContractChecks, ValidResponsesGiveNoFinding) {
  for (const auto& c : valid_cases()) {
    const auto findings = check_response(c.endpoint, c.exchange, c.context);
    EXPECT_TRUE(findings.empty()) << c.name << ":" << describe(findings);
  }
}

// The guide's own forms fail only the mock's [M] rule, never a [G] one.
TEST(ContractChecks, GuideFormsFailOnlyTheMockRule) {
  const auto status = check_response(
      Endpoint::task_status,
      response(200, edited(processing(),
                           [](json& j) { j["last_activity_at"] = "2026-02-22T14:30:00"; })),
      for_task());
  ASSERT_EQ(status.size(), 1u) << describe(status);
  EXPECT_EQ(status[0].rule_id, "M.status.last_activity_at.precision");

  const auto list = check_response(Endpoint::list_tasks, response(200, task_list()["tasks"].dump()),
                                   CheckContext{});
  ASSERT_EQ(list.size(), 1u) << describe(list);
  EXPECT_EQ(list[0].rule_id, "M.list.shape");
}

// --- Each check can fail --------------------------------------------------------------------

struct Violation {
  const char* name;
  Endpoint endpoint;
  Exchange exchange;
  CheckContext context;
  std::string_view rule;  // the finding it must produce
};

std::vector<Violation> violations() {
  auto status_with = [](json base, const std::function<void(json&)>& edit) {
    return response(200, edited(std::move(base), edit));
  };
  auto clarifying_with = [](const std::function<void(json&)>& edit) {
    json q = clarifying_questions();
    edit(q);
    return response(200, awaiting_reply(q).dump());
  };
  return {
      // POST /auth/register
      {"register_missing_user_id",
       Endpoint::register_user,
       response(201, edited(registered(), [](json& j) { j.erase("user_id"); })),
       {},
       "G.register.created"},
      {"register_200",
       Endpoint::register_user,
       response(200, registered().dump()),
       {},
       "G.register.created"},
      {"register_not_json",
       Endpoint::register_user,
       response(201, "<html>ok</html>"),
       {},
       "G.register.created"},
      {"register_key_prefix_wrong",
       Endpoint::register_user,
       response(201, edited(registered(), [](json& j) { j["key_prefix"] = "aw_live_XXXXXXXX"; })),
       {},
       "G.keys.key_prefix"},
      {"register_api_key_not_aw_live",
       Endpoint::register_user,
       response(201, edited(registered(),
                            [](json& j) {
                              j["api_key"] = "sk_live_aBcDeFgHiJkLmNoPqRsT";
                              j["key_prefix"] = "sk_live_aBcDeFgH";
                            })),
       {},
       "G.keys.api_key_prefix"},
      {"register_short_id_4_chars",
       Endpoint::register_user,
       response(201, edited(registered(), [](json& j) { j["organization_short_id"] = "xK3m"; })),
       {},
       "M.keys.short_id"},
      {"register_short_id_punctuation",
       Endpoint::register_user,
       response(201, edited(registered(), [](json& j) { j["organization_short_id"] = "xK-mP"; })),
       {},
       "M.keys.short_id"},
      {"register_user_id_not_uuid",
       Endpoint::register_user,
       response(201, edited(registered(), [](json& j) { j["user_id"] = "42"; })),
       {},
       "M.ids.uuid"},
      // POST /auth/api-key
      {"api_key_missing_key",
       Endpoint::api_key,
       response(201, edited(api_key_issued(), [](json& j) { j.erase("api_key"); })),
       {},
       "G.api_key.exchange"},
      {"api_key_empty_body", Endpoint::api_key, response(201, ""), {}, "G.api_key.exchange"},
      {"api_key_missing_key_name",
       Endpoint::api_key,
       response(201, edited(api_key_issued(), [](json& j) { j.erase("key_name"); })),
       {},
       "M.api_key.created"},
      {"api_key_200",
       Endpoint::api_key,
       response(200, api_key_issued().dump()),
       {},
       "M.api_key.created"},
      {"api_key_key_prefix_wrong",
       Endpoint::api_key,
       response(201, edited(api_key_issued(), [](json& j) { j["key_prefix"] = "aw_live_"; })),
       {},
       "G.keys.key_prefix"},
      {"api_key_org_not_uuid",
       Endpoint::api_key,
       response(201, edited(api_key_issued(), [](json& j) { j["organization_id"] = "org_1"; })),
       {},
       "M.ids.uuid"},
      // POST /tasks/
      {"create_status_queued",
       Endpoint::create_task,
       response(201, task_ref("queued").dump()),
       {},
       "G.create.created"},
      {"create_200",
       Endpoint::create_task,
       response(200, task_ref("processing").dump()),
       {},
       "G.create.created"},
      {"create_task_id_not_uuid",
       Endpoint::create_task,
       response(201, R"({"task_id":"task-1","status":"processing"})"),
       {},
       "M.ids.uuid"},
      // GET /tasks/
      {"list_missing_tasks",
       Endpoint::list_tasks,
       response(200, R"({"items":[]})"),
       {},
       "G.list.tasks"},
      {"list_bad_status",
       Endpoint::list_tasks,
       response(200, edited(task_list(), [](json& j) { j["tasks"][1]["status"] = "done"; })),
       {},
       "G.list.tasks"},
      {"list_not_json", Endpoint::list_tasks, response(200, "tasks: none"), {}, "G.list.tasks"},
      {"list_bare_array",
       Endpoint::list_tasks,
       response(200, task_list()["tasks"].dump()),
       {},
       "M.list.shape"},
      {"list_missing_title",
       Endpoint::list_tasks,
       response(200, edited(task_list(), [](json& j) { j["tasks"][0].erase("title"); })),
       {},
       "M.list.shape"},
      {"list_oldest_first",
       Endpoint::list_tasks,
       response(200, edited(task_list(),
                            [](json& j) {
                              j["tasks"] = json::array({j["tasks"][1], j["tasks"][0]});
                            })),
       {},
       "M.list.shape"},
      {"list_task_id_not_uuid",
       Endpoint::list_tasks,
       response(200, edited(task_list(), [](json& j) { j["tasks"][0]["task_id"] = "7"; })),
       {},
       "M.ids.uuid"},
      // GET /tasks/{id}
      {"status_html", Endpoint::task_status, response(200, "<html>busy</html>"), for_task(),
       "G.status.shape"},
      {"status_array", Endpoint::task_status, response(200, "[]"), for_task(), "G.status.shape"},
      {"status_other_task_id", Endpoint::task_status,
       status_with(processing(), [](json& j) { j["task_id"] = kOtherTask; }), for_task(),
       "G.status.task_id"},
      {"status_missing_task_id", Endpoint::task_status,
       status_with(processing(), [](json& j) { j.erase("task_id"); }), for_task(),
       "G.status.task_id"},
      {"status_enum", Endpoint::task_status,
       status_with(processing(), [](json& j) { j["status"] = "done"; }), for_task(),
       "G.status.enum"},
      {"status_missing", Endpoint::task_status,
       status_with(processing(), [](json& j) { j.erase("status"); }), for_task(), "G.status.enum"},
      {"last_activity_at_not_iso", Endpoint::task_status,
       status_with(processing(), [](json& j) { j["last_activity_at"] = "22/02/2026 14:30"; }),
       for_task(), "G.status.last_activity_at.format"},
      {"last_activity_at_bad_month", Endpoint::task_status,
       status_with(processing(),
                   [](json& j) { j["last_activity_at"] = "2026-13-22T14:30:00.000000Z"; }),
       for_task(), "G.status.last_activity_at.format"},
      {"last_activity_at_missing", Endpoint::task_status,
       status_with(processing(), [](json& j) { j.erase("last_activity_at"); }), for_task(),
       "G.status.last_activity_at.format"},
      {"last_activity_at_millis", Endpoint::task_status,
       status_with(processing(),
                   [](json& j) { j["last_activity_at"] = "2026-02-22T14:30:00.123Z"; }),
       for_task(), "M.status.last_activity_at.precision"},
      {"last_activity_at_offset", Endpoint::task_status,
       status_with(processing(),
                   [](json& j) { j["last_activity_at"] = "2026-02-22T14:30:00.123456+00:00"; }),
       for_task(), "M.status.last_activity_at.precision"},
      {"awaiting_reply_without_question", Endpoint::task_status,
       status_with(processing(), [](json& j) { j["status"] = "awaiting_reply"; }), for_task(),
       "G.status.question.presence"},
      {"processing_with_question", Endpoint::task_status,
       status_with(awaiting_reply(), [](json& j) { j["status"] = "processing"; }), for_task(),
       "G.status.question.presence"},
      {"question_type_unknown", Endpoint::task_status,
       status_with(awaiting_reply(), [](json& j) { j["question"]["type"] = "QUESTION"; }),
       for_task(), "G.status.question.fields"},
      {"question_missing_message_id", Endpoint::task_status,
       status_with(awaiting_reply(), [](json& j) { j["question"].erase("message_id"); }),
       for_task(), "G.status.question.fields"},
      {"question_a_string", Endpoint::task_status,
       status_with(awaiting_reply(), [](json& j) { j["question"] = "What colour?"; }), for_task(),
       "G.status.question.fields"},
      {"question_message_id_not_uuid", Endpoint::task_status,
       status_with(awaiting_reply(), [](json& j) { j["question"]["message_id"] = "m1"; }),
       for_task(), "M.ids.uuid"},
      {"clarifying_plain_text", Endpoint::task_status,
       status_with(awaiting_reply(),
                   [](json& j) { j["question"]["content"] = "What color scheme would you like?"; }),
       for_task(), "G.status.question.clarifying_content"},
      {"clarifying_not_a_string", Endpoint::task_status,
       status_with(awaiting_reply(),
                   [](json& j) { j["question"]["content"] = clarifying_questions(); }),
       for_task(), "G.status.question.fields"},
      {"clarifying_wrong_type", Endpoint::task_status,
       clarifying_with([](json& q) { q["type"] = "questions"; }), for_task(),
       "G.status.question.clarifying_content"},
      {"clarifying_missing_questions", Endpoint::task_status,
       clarifying_with([](json& q) { q.erase("questions"); }), for_task(),
       "G.status.question.clarifying_content"},
      {"clarifying_bare_array", Endpoint::task_status,
       clarifying_with([](json& q) { q = q["questions"]; }), for_task(),
       "G.status.question.clarifying_content"},
      {"item_type_dropdown", Endpoint::task_status,
       clarifying_with([](json& q) { q["questions"][1]["type"] = "dropdown"; }), for_task(),
       "G.status.question.item"},
      {"item_missing_question", Endpoint::task_status,
       clarifying_with([](json& q) { q["questions"][0].erase("question"); }), for_task(),
       "G.status.question.item"},
      {"item_not_an_object", Endpoint::task_status,
       clarifying_with([](json& q) { q["questions"][0] = "What?"; }), for_task(),
       "G.status.question.item"},
      {"options_for_text", Endpoint::task_status,
       clarifying_with([](json& q) { q["questions"][0]["options"] = {"a"}; }), for_task(),
       "G.status.question.options"},
      {"options_null_for_select", Endpoint::task_status,
       clarifying_with([](json& q) { q["questions"][1]["options"] = nullptr; }), for_task(),
       "G.status.question.options"},
      {"options_missing_for_multi", Endpoint::task_status,
       clarifying_with([](json& q) { q["questions"][2].erase("options"); }), for_task(),
       "G.status.question.options"},
      {"options_six", Endpoint::task_status, clarifying_with([](json& q) {
         q["questions"][2]["options"] = {"a", "b", "c", "d", "e", "f"};
       }),
       for_task(), "G.status.question.options"},
      {"options_empty", Endpoint::task_status,
       clarifying_with([](json& q) { q["questions"][1]["options"] = json::array(); }), for_task(),
       "G.status.question.options"},
      {"options_not_strings", Endpoint::task_status, clarifying_with([](json& q) {
         q["questions"][1]["options"] = {1, 2};
       }),
       for_task(), "G.status.question.options"},
      {"approval_without_solution", Endpoint::task_status,
       status_with(awaiting_approval(), [](json& j) { j.erase("solution"); }), for_task(),
       "G.status.solution.presence"},
      {"completed_with_solution", Endpoint::task_status,
       status_with(awaiting_approval(), [](json& j) { j["status"] = "completed"; }), for_task(),
       "G.status.solution.presence"},
      {"solution_missing_content", Endpoint::task_status,
       status_with(awaiting_approval(), [](json& j) { j["solution"].erase("content"); }),
       for_task(), "G.status.solution.fields"},
      // POST /tasks/{id}/message
      {"message_wrong_status", Endpoint::message, response(200, task_ref("awaiting_reply").dump()),
       for_task("processing"), "M.message.accepted"},
      {"message_not_json", Endpoint::message, response(200, "OK"), for_task(),
       "M.message.accepted"},
      {"message_other_task", Endpoint::message,
       response(200, edited(task_ref("processing"), [](json& j) { j["task_id"] = kOtherTask; })),
       for_task(), "M.message.accepted"},
      {"message_204", Endpoint::message, response(204, ""), for_task(), "M.message.accepted"},
      // POST /tasks/{id}/solution-status
      {"solution_not_what_was_decided", Endpoint::solution_status,
       response(200, task_ref("completed").dump()), for_task("processing"), "M.solution.accepted"},
      {"solution_missing_task_id", Endpoint::solution_status,
       response(200, R"({"status":"completed"})"), for_task(), "M.solution.accepted"},
      {"solution_status_enum", Endpoint::solution_status,
       response(200, task_ref("CONFIRMED").dump()), for_task(), "M.solution.accepted"},
      // GET /tasks/{id}/events
      {"events_missing", Endpoint::events,
       response(200, edited(events(), [](json& j) { j.erase("events"); })), for_task(),
       "G.events.shape"},
      {"events_missing_content", Endpoint::events,
       response(200, edited(events(), [](json& j) { j["events"][1].erase("content"); })),
       for_task(), "G.events.shape"},
      {"events_bad_timestamp", Endpoint::events,
       response(200, edited(events(), [](json& j) { j["events"][0]["timestamp"] = "yesterday"; })),
       for_task(), "G.events.shape"},
      {"events_other_task", Endpoint::events,
       response(200, edited(events(), [](json& j) { j["task_id"] = kOtherTask; })), for_task(),
       "G.events.shape"},
      {"events_type_unknown", Endpoint::events,
       response(200, edited(events(), [](json& j) { j["events"][2]["type"] = "log"; })), for_task(),
       "G.events.type"},
      {"events_going_back", Endpoint::events,
       response(200, edited(events(),
                            [](json& j) {
                              j["events"][3]["timestamp"] = "2026-02-22T14:29:59.999999Z";
                            })),
       for_task(), "M.events.append_only"},
      // POST /tasks/{id}/cancel
      {"cancel_still_processing", Endpoint::cancel, response(200, task_ref("processing").dump()),
       for_task(), "G.cancel.cancels"},
      {"cancel_202", Endpoint::cancel, response(202, ""), for_task(), "G.cancel.cancels"},
      {"cancel_not_json", Endpoint::cancel, response(200, "cancelled"), for_task(),
       "G.cancel.cancels"},
      // GET /tasks/{id}/result
      {"result_file_without_url", Endpoint::result,
       response(200, edited(task_result(), [](json& j) { j["files"][0].erase("download_url"); })),
       for_task(), "G.result.shape"},
      {"result_not_completed", Endpoint::result,
       response(200, edited(task_result(), [](json& j) { j["status"] = "processing"; })),
       for_task(), "G.result.shape"},
      {"result_files_missing", Endpoint::result,
       response(200, edited(task_result(), [](json& j) { j.erase("files"); })), for_task(),
       "G.result.shape"},
      {"result_other_task", Endpoint::result,
       response(200, edited(task_result(), [](json& j) { j["task_id"] = kOtherTask; })), for_task(),
       "G.result.shape"},
      // The files
      {"download_404",
       Endpoint::file_download,
       response(404, R"({"detail":"File not found"})"),
       {},
       "M.result.download"},
      {"download_206", Endpoint::file_download, response(206, "part"), {}, "M.result.download"},
      // Errors
      {"error_plain_text", Endpoint::task_status, response(404, "Not Found"), for_task(),
       "M.errors.detail"},
      {"error_empty_500", Endpoint::create_task, response(500, ""), {}, "M.errors.detail"},
      {"error_fastapi_list_detail",
       Endpoint::create_task,
       response(422, R"({"detail":[{"loc":["body","title"],"msg":"field required"}]})"),
       {},
       "M.errors.detail"},
      {"error_message_key", Endpoint::message, response(409, R"({"message":"wrong state"})"),
       for_task(), "M.errors.detail"},
      {"unauthorized_without_header", Endpoint::task_status,
       response(401, R"({"detail":"Invalid API key"})"), for_task(), "M.auth.www_authenticate"},
      {"unauthorized_basic",
       Endpoint::list_tasks,
       response(401, R"({"detail":"Invalid API key"})", {{"WWW-Authenticate", "Basic"}}),
       {},
       "M.auth.www_authenticate"},
  };
}

TEST(ContractChecks, EachViolationGivesItsRule) {
  for (const auto& v : violations()) {
    const auto findings = check_response(v.endpoint, v.exchange, v.context);
    EXPECT_TRUE(has_rule(findings, v.rule))
        << v.name << ": expected " << v.rule << ", got:" << describe(findings);
  }
}

TEST(ContractChecks, EveryRuleTheChecksEmitCanFail) {
  std::set<std::string_view> covered;
  for (const auto& v : violations()) covered.insert(v.rule);
  for (const auto id : contract_check_rule_ids()) EXPECT_TRUE(covered.contains(id)) << id;
}

TEST(ContractChecks, EveryRuleIdIsInTheCatalogue) {
  const auto emitted = contract_check_rule_ids();
  const std::set<std::string_view> listed(emitted.begin(), emitted.end());
  for (const auto id : emitted) EXPECT_TRUE(find_rule(id).has_value()) << id;
  // Every finding of every case names a listed (hence catalogued) rule.
  for (const auto& v : violations()) {
    for (const auto& f : check_response(v.endpoint, v.exchange, v.context))
      EXPECT_TRUE(listed.contains(f.rule_id)) << v.name << ": " << f.rule_id;
  }
}

// --- Details: the JSON path, what was expected and what was seen ---------------------------

TEST(ContractChecks, DetailNamesThePathAndTheValueSeen) {
  const auto findings = check_response(
      Endpoint::events,
      response(200, edited(events(), [](json& j) { j["events"][2]["type"] = "log"; })), for_task());
  ASSERT_EQ(findings.size(), 1u) << describe(findings);
  EXPECT_EQ(findings[0].rule_id, "G.events.type");
  EXPECT_NE(findings[0].detail.find("$.events[2].type"), std::string::npos) << findings[0].detail;
  EXPECT_NE(findings[0].detail.find("\"log\""), std::string::npos) << findings[0].detail;
}

TEST(ContractChecks, MissingPropertyIsNamedInThePath) {
  const auto findings = check_response(
      Endpoint::task_status,
      response(200, edited(awaiting_reply(), [](json& j) { j["question"].erase("type"); })),
      for_task());
  ASSERT_EQ(findings.size(), 1u) << describe(findings);
  EXPECT_EQ(findings[0].rule_id, "G.status.question.fields");
  EXPECT_NE(findings[0].detail.find("$.question.type: required, missing"), std::string::npos)
      << findings[0].detail;
}

TEST(ContractChecks, ClarifyingDetailPointsInsideTheContent) {
  json q = clarifying_questions();
  q["questions"][1]["options"] = {"a", "b", "c", "d", "e", "f"};
  const auto findings =
      check_response(Endpoint::task_status, response(200, awaiting_reply(q).dump()), for_task());
  ASSERT_EQ(findings.size(), 1u) << describe(findings);
  EXPECT_NE(findings[0].detail.find("$.question.content (parsed) $.questions[1].options"),
            std::string::npos)
      << findings[0].detail;
}

TEST(ContractChecks, TheApiKeyIsNotCopiedIntoTheDetail) {
  const auto findings = check_response(Endpoint::register_user,
                                       response(201, edited(registered(),
                                                            [](json& j) {
                                                              j["api_key"] =
                                                                  "sk_live_SECRETSECRETSECRET";
                                                              j["key_prefix"] = "sk_live_SECRETSE";
                                                            })),
                                       {});
  ASSERT_EQ(findings.size(), 1u) << describe(findings);
  EXPECT_EQ(findings[0].rule_id, "G.keys.api_key_prefix");
  EXPECT_EQ(findings[0].detail.find("SECRETSECRET"), std::string::npos) << findings[0].detail;
}

TEST(ContractChecks, ExpectedStatusIsQuotedInTheDetail) {
  const auto findings =
      check_response(Endpoint::solution_status, response(200, task_ref("completed").dump()),
                     for_task("processing"));
  ASSERT_EQ(findings.size(), 1u) << describe(findings);
  EXPECT_EQ(findings[0].detail, "$.status: expected \"processing\", seen \"completed\"");
}

// One finding per rule broken, however many schema errors lead to it.
TEST(ContractChecks, SchemaErrorsOfOneRuleAreCollapsed) {
  const auto findings = check_response(Endpoint::register_user, response(201, "{}"), {});
  ASSERT_EQ(findings.size(), 1u) << describe(findings);
  EXPECT_EQ(findings[0].rule_id, "G.register.created");
  EXPECT_NE(findings[0].detail.find("(and 4 more)"), std::string::npos) << findings[0].detail;
}

// --- Robustness: any body, any endpoint, any status: findings, never a crash ---------------

TEST(ContractChecks, HostileBodiesNeverCrash) {
  const std::string deep = std::string(2000, '[') + std::string(2000, ']');
  const std::vector<std::string> bodies = {
      "",
      "null",
      "123",
      "\"text\"",
      "\xff\xfe\xfd",
      "{\"task_id\":",
      deep,
      "[{}]",
      "{}",
      R"({"task_id":1,"status":[],"question":{"type":"CLARIFYING_QUESTIONS","content":"[1,"}})",
      R"({"status":"awaiting_reply","question":{"type":"CLARIFYING_QUESTIONS","content":"{\"questions\":[null,{\"type\":\"text\",\"options\":7}]}"}})",
      R"({"tasks":[null,1,{"created_at":5}],"events":[null,{"timestamp":9}]})",
      R"({"api_key":7,"key_prefix":null,"organization_short_id":[]})",
      // Non-empty containers where a schema has a "format" (valijson threw on these).
      R"({"task_id":{"a":1},"organization_id":[1],"user_id":{"b":[]},"status":"processing",)"
      R"("question":{"message_id":[2],"content":"x","type":"TO_CUSTOMER"},)"
      R"("solution":{"message_id":{"c":3},"content":"y"}})"};
  for (int e = 0; e <= static_cast<int>(Endpoint::file_download); ++e) {
    for (const int status : {200, 201, 401, 404, 500}) {
      for (const auto& body : bodies) {
        const auto findings = check_response(static_cast<Endpoint>(e), response(status, body),
                                             for_task("processing"));
        for (const auto& f : findings) EXPECT_TRUE(find_rule(f.rule_id).has_value()) << f.rule_id;
      }
    }
  }
}

TEST(ContractChecks, AContainerWhereAUuidBelongsIsAWrongTypeFinding) {
  const auto findings = check_response(
      Endpoint::task_status,
      response(200, R"({"task_id":{"a":1},"status":"processing","last_activity_at":)"
                    R"("2026-02-22T14:30:00.123456Z"})"),
      for_task());
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].rule_id, "G.status.task_id");
  EXPECT_EQ(findings[0].detail, "$.task_id: wrong type, seen {\"a\":1}");
}

// --- The OpenAPI document -------------------------------------------------------------------

TEST(OpenApiDocument, IsOpenApi31WithEveryEndpoint) {
  const json doc = json::parse(openapi_document());
  EXPECT_TRUE(doc.at("openapi").get<std::string>().starts_with("3.1.")) << doc.at("openapi");
  const auto& paths = doc.at("paths");
  const std::pair<const char*, const char*> endpoints[] = {
      {"/auth/register", "post"},
      {"/auth/api-key", "post"},
      {"/tasks/", "post"},
      {"/tasks/", "get"},
      {"/tasks/{task_id}", "get"},
      {"/tasks/{task_id}/message", "post"},
      {"/tasks/{task_id}/solution-status", "post"},
      {"/tasks/{task_id}/events", "get"},
      {"/tasks/{task_id}/cancel", "post"},
      {"/tasks/{task_id}/result", "get"}};
  for (const auto& [path, method] : endpoints) {
    ASSERT_TRUE(paths.contains(path)) << path;
    EXPECT_TRUE(paths.at(path).contains(method)) << method << " " << path;
  }
  EXPECT_EQ(doc.at("components").at("securitySchemes").at("bearerAuth").at("scheme"), "bearer");
}

TEST(OpenApiDocument, EveryRefResolvesAndEveryErrorIsTheErrorSchema) {
  const json doc = json::parse(openapi_document());
  const auto& schemas = doc.at("components").at("schemas");
  for (const char* name :
       {"RegisterResponse", "ApiKeyResponse", "TaskCreated", "TaskStatus", "Question", "Solution",
        "TaskList", "MessageRequest", "SolutionDecision", "Events", "Event", "TaskResult", "File",
        "Error", "ClarifyingQuestions"}) {
    EXPECT_TRUE(schemas.contains(name)) << name;
  }
  std::function<void(const json&)> visit = [&](const json& node) {
    if (node.is_object()) {
      if (const auto ref = node.find("$ref"); ref != node.end()) {
        const auto target = ref->get<std::string>();
        ASSERT_TRUE(target.starts_with("#/")) << target;
        EXPECT_TRUE(doc.contains(json::json_pointer(target.substr(1)))) << target;
      }
      for (const auto& [key, child] : node.items()) visit(child);
    } else if (node.is_array()) {
      for (const auto& child : node) visit(child);
    }
  };
  visit(doc);
  for (const auto& [path, item] : doc.at("paths").items()) {
    for (const auto& [method, operation] : item.items()) {
      if (method == "parameters") continue;
      for (const auto& [code, resp] : operation.at("responses").items()) {
        if (code[0] != '4') continue;
        EXPECT_EQ(resp.at("content").at("application/json").at("schema").at("$ref"),
                  "#/components/schemas/Error")
            << method << " " << path << " " << code;
      }
    }
  }
}

TEST(ContractChecks, AServerErrorBreaksTheRuleOfWhatTheEndpointAnswersWhenItWorks) {
  EXPECT_EQ(success_rule(Endpoint::task_status, ""), "G.status.shape");
  EXPECT_EQ(success_rule(Endpoint::create_task, R"({"title":"T"})"), "G.create.created");
  EXPECT_EQ(success_rule(Endpoint::register_user, "{}"), "G.register.created");
  EXPECT_EQ(success_rule(Endpoint::api_key, "{}"), "G.api_key.exchange");
  EXPECT_EQ(success_rule(Endpoint::message, R"({"message":"hi"})"), "G.message.plain_text");
  EXPECT_EQ(success_rule(Endpoint::message, R"({"content":"hi"})"), "G.message.content_alias");
  EXPECT_EQ(success_rule(Endpoint::message, R"({"message":"hi","answers":[]})"),
            "G.message.reply_resumes");
  EXPECT_EQ(success_rule(Endpoint::solution_status, R"({"status":"REJECTED"})"),
            "G.solution.reject");
  EXPECT_EQ(success_rule(Endpoint::solution_status, R"({"status":"CONFIRMED"})"),
            "G.solution.confirm");
  EXPECT_EQ(success_rule(Endpoint::solution_status, "not json"), "G.solution.confirm");
  EXPECT_EQ(success_rule(Endpoint::cancel, ""), "G.cancel.cancels");
  EXPECT_EQ(success_rule(Endpoint::file_download, ""), "M.result.download");
  for (std::size_t i = 0; i < kEndpointCount; ++i) {
    EXPECT_TRUE(find_rule(success_rule(static_cast<Endpoint>(i), "")).has_value());
  }
}

}  // namespace
}  // namespace agentwork::harness
