// The fast path of the status check (contract_checks.hpp: status_answer_clean): a flat JSON
// reading and the compiled schemas, for the answers that break nothing.
#include <string>

#include "harness/checks/compiled_schema.hpp"
#include "harness/checks/contract_checks.hpp"
#include "harness/checks/json_tape.hpp"
#include "harness/checks/value_formats.hpp"

namespace agentwork::harness {
namespace {

// --- The fast path of check_task_status ---------------------------------------------------

// A string member of a tape object without escapes (the fields read here never need them), or
// nullopt when absent; `ok` turns false when present but not such a string.
std::optional<std::string_view> plain_string(const JsonTape& tape, std::size_t object,
                                             std::string_view key, bool& ok) {
  const std::size_t i = tape.member(object, key);
  if (i == JsonTape::npos) return std::nullopt;
  const JsonNode& n = tape.node(i);
  if (n.kind != JsonKind::string || n.flag) {
    ok = false;
    return std::nullopt;
  }
  return tape.raw(i);
}

// Present and not null.
bool present(const JsonTape& tape, std::size_t object, std::string_view key) {
  const std::size_t i = tape.member(object, key);
  return i != JsonTape::npos && tape.node(i).kind != JsonKind::null;
}

// Whether `text` reads as a JSON object valid against the compiled component `schema` (false
// also when the schema did not compile: the caller takes the reference path).
bool valid_object(std::string_view text, const std::optional<std::size_t>& schema, JsonTape& tape,
                  std::string& scratch) {
  return schema && tape.parse(text) && tape.node(0).kind == JsonKind::object &&
         CompiledSchemas::embedded().valid(*schema, tape, 0, scratch);
}

// check_clarifying_content's verdict on a content string, true when it finds nothing.
bool clarifying_content_clean(std::string_view content) {
  thread_local JsonTape tape;
  thread_local std::string scratch;
  static const auto schema = CompiledSchemas::embedded().find("ClarifyingQuestions");
  if (!valid_object(content, schema, tape, scratch)) return false;
  const std::size_t questions = tape.member(0, "questions");  // an array: the schema says so
  const JsonNode& list = tape.node(questions);
  for (std::size_t i = JsonTape::first_child(questions), k = 0; k < list.count; ++k) {
    const std::size_t type = tape.member(i, "type");  // an enum string: the schema says so
    const bool has_options = present(tape, i, "options");
    if (tape.string_equals(type, "text", scratch) ? has_options : !has_options) return false;
    i = tape.node(i).next;
  }
  return true;
}

}  // namespace

bool status_answer_clean(std::string_view body, std::string_view task_id, StatusFacts& facts) {
  thread_local JsonTape tape;
  thread_local std::string scratch;
  static const auto schema = CompiledSchemas::embedded().find("TaskStatus");
  if (!valid_object(body, schema, tape, scratch)) return false;
  // The schema made task_id, status and last_activity_at strings, and question and solution
  // objects or null.
  bool ok = true;
  const auto id = plain_string(tape, 0, "task_id", ok);
  const auto status = plain_string(tape, 0, "status", ok);
  const auto activity = plain_string(tape, 0, "last_activity_at", ok);
  if (!ok || !is_uuid(*id) || (!task_id.empty() && *id != task_id) ||
      !has_mock_precision(*activity) || !iso8601_micros(*activity)) {
    return false;
  }
  facts = StatusFacts{*status, *activity, {}, {}, {}};
  const bool awaiting_reply = *status == "awaiting_reply";
  const bool awaiting_approval = *status == "awaiting_solution_approval";
  if (present(tape, 0, "question") != awaiting_reply) return false;
  if (present(tape, 0, "solution") != awaiting_approval) return false;
  if (awaiting_reply) {
    const std::size_t q = tape.member(0, "question");
    const auto message_id = plain_string(tape, q, "message_id", ok);
    const auto type = plain_string(tape, q, "type", ok);
    if (!ok || !is_uuid(*message_id)) return false;
    facts.question_message_id = *message_id;
    facts.question_type = *type;
    if (*type == "CLARIFYING_QUESTIONS") {
      thread_local std::string content;
      content.assign(tape.string(tape.member(q, "content"), scratch));
      if (!clarifying_content_clean(content)) return false;
    }
  }
  if (awaiting_approval) {
    const auto message_id = plain_string(tape, tape.member(0, "solution"), "message_id", ok);
    if (!ok || !is_uuid(*message_id)) return false;
    facts.solution_message_id = *message_id;
  }
  return true;
}

}  // namespace agentwork::harness
