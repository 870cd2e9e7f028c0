// The fast path of the status check (contract_checks.hpp: status_answer_clean): simdjson's reading
// and the compiled schemas, for the answers that break nothing.
#include <optional>
#include <string>
#include <string_view>

#include "harness/checks/compiled_schema.hpp"
#include "harness/checks/contract_checks.hpp"
#include "harness/checks/json_reading.hpp"
#include "harness/checks/value_formats.hpp"

namespace agentwork::harness {
namespace {

// --- The fast path of check_task_status ---------------------------------------------------

using simdjson::dom::element;
using simdjson::dom::object;

// A string member of an object, or nullopt when absent; `ok` turns false when present but not a
// string.
std::optional<std::string_view> string_member(object o, std::string_view key, bool& ok) {
  element e;
  if (o.at_key(key).get(e) != simdjson::SUCCESS) return std::nullopt;
  std::string_view text;
  if (e.get_string().get(text) != simdjson::SUCCESS) {
    ok = false;
    return std::nullopt;
  }
  return text;
}

// Present and not null.
bool present(object o, std::string_view key) {
  element e;
  return o.at_key(key).get(e) == simdjson::SUCCESS && !e.is_null();
}

// The object `text` reads as when it is one valid against the compiled component `schema`
// (nullopt also when the schema did not compile: the caller takes the reference path).
std::optional<object> valid_object(std::string_view text, const std::optional<std::size_t>& schema,
                                   JsonReading& reading) {
  object o;
  if (!schema || !reading.parse(text) || reading.root().get_object().get(o) != simdjson::SUCCESS ||
      !CompiledSchemas::embedded().valid(*schema, reading.root())) {
    return std::nullopt;
  }
  return o;
}

// check_clarifying_content's verdict on a content string, true when it finds nothing.
bool clarifying_content_clean(std::string_view content) {
  thread_local JsonReading reading;
  static const auto schema = CompiledSchemas::embedded().find("ClarifyingQuestions");
  const auto root = valid_object(content, schema, reading);
  if (!root) return false;
  // The schema made questions an array of objects, each with an enum string type.
  const simdjson::dom::array questions = root->at_key("questions").get_array().value_unsafe();
  for (const element question : questions) {
    const object q = question.get_object().value_unsafe();
    const bool text = q.at_key("type").get_string().value_unsafe() == "text";
    if (text == present(q, "options")) return false;
  }
  return true;
}

}  // namespace

bool status_answer_clean(std::string_view body, std::string_view task_id, StatusFacts& facts) {
  thread_local JsonReading reading;
  static const auto schema = CompiledSchemas::embedded().find("TaskStatus");
  const auto root = valid_object(body, schema, reading);
  if (!root) return false;
  // The schema made task_id, status and last_activity_at strings, and question and solution
  // objects or null.
  bool ok = true;
  const auto id = string_member(*root, "task_id", ok);
  const auto status = string_member(*root, "status", ok);
  const auto activity = string_member(*root, "last_activity_at", ok);
  if (!ok || !id || !status || !activity || !is_uuid(*id) || (!task_id.empty() && *id != task_id) ||
      !has_mock_precision(*activity) || !iso8601_micros(*activity)) {
    return false;
  }
  facts = StatusFacts{*status, *activity, {}, {}, {}};
  const bool awaiting_reply = *status == "awaiting_reply";
  const bool awaiting_approval = *status == "awaiting_solution_approval";
  if (present(*root, "question") != awaiting_reply) return false;
  if (present(*root, "solution") != awaiting_approval) return false;
  if (awaiting_reply) {
    const object q = root->at_key("question").get_object().value_unsafe();
    const auto message_id = string_member(q, "message_id", ok);
    const auto type = string_member(q, "type", ok);
    if (!ok || !message_id || !type || !is_uuid(*message_id)) return false;
    facts.question_message_id = *message_id;
    facts.question_type = *type;
    if (*type == "CLARIFYING_QUESTIONS") {
      const auto content = string_member(q, "content", ok);
      if (!ok || !content || !clarifying_content_clean(*content)) return false;
    }
  }
  if (awaiting_approval) {
    const object solution = root->at_key("solution").get_object().value_unsafe();
    const auto message_id = string_member(solution, "message_id", ok);
    if (!ok || !message_id || !is_uuid(*message_id)) return false;
    facts.solution_message_id = *message_id;
  }
  return true;
}

}  // namespace agentwork::harness
