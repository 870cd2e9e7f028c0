// Breaches of the status poll (CONTRACT.md sections 1 and 2) and of the events (breaches.hpp).
#include <algorithm>

#include "common/agent_script.hpp"
#include "common/timestamp.hpp"
#include "mock_server/breaches.hpp"

namespace agentwork::mock::breach {
namespace {

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

json* clarifying_question(StatusPoll& p) {
  auto it = p.body.find("question");
  if (it == p.body.end() || !it->is_object()) return nullptr;
  return text(*it, "type") == "CLARIFYING_QUESTIONS" ? &*it : nullptr;
}

// Applies `fn` to the first of the clarifying questions inside the question's content.
template <class Fn>
void edit_first_question(StatusPoll& p, Fn fn) {
  json* q = clarifying_question(p);
  if (q == nullptr) return;
  json inner = parse(q->value("content", ""));
  if (!inner.is_object() || !inner.contains("questions") || inner["questions"].empty()) return;
  fn(inner["questions"][0]);
  (*q)["content"] = inner.dump();
}

}  // namespace

void StatusPoll::moved() {
  Micros t = 0;
  if (body["last_activity_at"].is_string() &&
      parse_timestamp(body["last_activity_at"].get<std::string>(), t)) {
    body["last_activity_at"] = format_timestamp(t + 1000);
  }
}

// --- The status poll ---

void status_shape(StatusPoll& p) {
  p.body = json::array();  // ends the poll's edits: they need an object
}

void lifecycle_edges(StatusPoll& p) {
  if (p.status != "awaiting_reply" || p.task.awaiting_reply_polls < 2) return;
  p.body["status"] = "awaiting_solution_approval";
  p.body.erase("question");
  p.body["solution"] = {{"message_id", kOtherUuid}, {"content", "An unasked-for solution."}};
  p.moved();
}

void lifecycle_terminal(StatusPoll& p) {
  if (p.status != "completed" || p.task.completed_polls < 2) return;
  p.body["status"] = "processing";
  p.moved();
}

void lifecycle_completion_needs_confirm(StatusPoll& p) {
  if (p.status != "awaiting_reply") return;
  p.body["status"] = "completed";
  p.body.erase("question");
  p.moved();
}

void lifecycle_system_cancel(StatusPoll& p) {
  if (p.status != "processing") return;
  bool scripted_without_cancel = false;
  p.store.with_any_task(p.task_id, [&](Task& t) {
    scripted_without_cancel = t.script && !may_cancel_itself(*t.script);
  });
  if (!scripted_without_cancel) return;
  p.body["status"] = "cancelled";
  p.moved();
}

void status_task_id(StatusPoll& p) {
  p.body["task_id"] = kOtherUuid;
}

void status_enum(StatusPoll& p) {
  if (p.status == "processing") p.body["status"] = "in_progress";
  if (p.status == "awaiting_reply") p.body["status"] = "waiting";
}

void last_activity_at_format(StatusPoll& p) {
  p.body["last_activity_at"] = "yesterday";
}

void last_activity_at_changes(StatusPoll& p) {
  p.body["last_activity_at"] = "2026-01-01T00:00:00.000000Z";
}

void last_activity_at_monotonic(StatusPoll& p) {
  int& second = p.memory.descending_second;
  p.body["last_activity_at"] = "2026-01-01T00:00:" + std::string(second < 10 ? "0" : "") +
                               std::to_string(second) + ".000000Z";
  second = std::max(0, second - 1);
}

void last_activity_at_precision(StatusPoll& p) {
  if (!p.body["last_activity_at"].is_string()) return;
  const auto t = p.body["last_activity_at"].get<std::string>();
  p.body["last_activity_at"] = t.substr(0, 19) + "Z";
}

void question_fields(StatusPoll& p) {
  if (p.body.contains("question") && p.body["question"].is_object()) {
    p.body["question"].erase("type");
  }
}

void question_clarifying_content(StatusPoll& p) {
  if (json* q = clarifying_question(p)) (*q)["content"] = "not json";
}

void question_item(StatusPoll& p) {
  edit_first_question(p, [](json& first) { first.erase("question"); });
}

void question_options(StatusPoll& p) {
  edit_first_question(p, [](json& first) {
    first["options"] = text(first, "type") == "text" ? json::array({"unexpected"})
                                                     : json::array({"1", "2", "3", "4", "5", "6"});
  });
}

void question_presence(StatusPoll& p) {
  p.body.erase("question");
}

void solution_presence(StatusPoll& p) {
  if (p.body.contains("solution") && p.body["solution"].is_object()) p.body.erase("solution");
}

void solution_fields(StatusPoll& p) {
  if (p.body.contains("solution") && p.body["solution"].is_object()) {
    p.body["solution"].erase("content");
  }
}

void message_id_new(StatusPoll& p) {
  for (const char* key : {"question", "solution"}) {
    if (p.body.contains(key) && p.body[key].is_object()) p.body[key]["message_id"] = kOtherUuid;
  }
}

// --- The events ---

void events_type(EventsAnswer& e) {
  if (!e.events.empty()) e.events[0]["type"] = "log";
}

void events_append_only(EventsAnswer& e) {
  if (e.events.size() >= 2) std::reverse(e.events.begin(), e.events.end());
}

void events_client_actions(EventsAnswer& e) {
  json kept = json::array();
  for (auto& event : e.events) {
    if (text(event, "type") != "reply") kept.push_back(event);
  }
  e.events = kept;
}

void events_answers_shown(EventsAnswer& e) {
  for (auto& event : e.events) {
    if (text(event, "type") == "reply") event["content"] = "(answered)";
  }
}

// The last reply's event shows the message sent with the answers (message_answers_win).
void show_message_not_answers(EventsAnswer& e) {
  const auto it = e.memory.answers_with_message.find(e.task_id);
  if (it == e.memory.answers_with_message.end()) return;
  for (auto event = e.events.rbegin(); event != e.events.rend(); ++event) {
    if (text(*event, "type") != "reply") continue;
    (*event)["content"] = json::parse(it->second).get<std::string>();
    break;
  }
}

void events_shape(EventsAnswer& e) {
  e.body.erase("events");
}

}  // namespace agentwork::mock::breach
