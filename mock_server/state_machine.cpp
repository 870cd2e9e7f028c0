#include "mock_server/state_machine.hpp"

#include <algorithm>

#include "mock_server/ids.hpp"

namespace agentwork::mock {
namespace {

using nlohmann::json;

Micros scaled(double seconds, double time_scale) {
  if (!(seconds > 0)) return 0;
  const double us = seconds * time_scale * static_cast<double>(kMicrosPerSecond);
  return us >= 4e18 ? Micros{4'000'000'000'000'000'000} : static_cast<Micros>(us + 0.5);
}

Micros later(Micros at, Micros delta) {
  return delta >= kNever - at ? kNever : at + delta;
}

// Every event is activity: last_activity_at follows it. Events are at least 1 us apart, so
// last_activity_at moves on every transition even when steps take no time.
void append_event(Task& task, Micros at, EventType type, std::string content) {
  if (!task.events.empty()) at = std::max(at, task.events.back().timestamp + 1);
  task.event_bytes += sizeof(Event) + content.size();
  task.events.push_back({at, type, std::move(content)});
  task.last_activity_at = std::max(task.last_activity_at, at);
}

// A terminal task keeps only what its endpoints still show.
void release_agent(Task& task) {
  task.script.reset();
  task.pending = Pending::none;
  task.message_id.clear();
  task.message_id.shrink_to_fit();
  task.message_content.clear();
  task.message_content.shrink_to_fit();
  task.wake_at = kNever;
  task.events.shrink_to_fit();
}

void system_cancel(Task& task, Micros at, const std::string& reason) {
  task.status = Status::cancelled;
  append_event(task, at, EventType::status, "Cancelled by the system: " + reason);
  release_agent(task);
}

void await_client(Task& task, Micros at, Status status, Pending pending, std::string content) {
  task.status = status;
  task.pending = pending;
  task.message_id = new_uuid();
  task.message_content = std::move(content);
  task.wake_at = kNever;
  (void)at;
}

void propose(Task& task, const Step& step, Micros at) {
  std::string content = step.text;
  if (task.revisions > 0) content += " (revision " + std::to_string(task.revisions) + ")";
  await_client(task, at, Status::awaiting_solution_approval, Pending::solution, content);
  append_event(task, at, EventType::solution_proposed, std::move(content));
}

// Executes the step at task.pc, due at `at`.
void run_step(Task& task, Micros at, double time_scale) {
  const auto& steps = task.script->steps;
  if (task.pc >= steps.size()) {  // out of steps: nothing more happens
    task.wake_at = kNever;
    return;
  }
  const std::uint32_t index = task.pc++;
  const Step& step = steps[index];
  switch (step.kind) {
    case Step::Kind::work:
      append_event(task, at, EventType::status, step.text);
      task.wake_at = later(at, scaled(step.seconds, time_scale));
      return;
    case Step::Kind::ask: {
      auto content = clarifying_questions_content(step.questions);
      task.waiting_step = index;
      await_client(task, at, Status::awaiting_reply, Pending::clarifying_questions, content);
      append_event(task, at, EventType::question, std::move(content));
      return;
    }
    case Step::Kind::message:
      task.waiting_step = index;
      await_client(task, at, Status::awaiting_reply, Pending::to_customer, step.text);
      append_event(task, at, EventType::message_to_customer, step.text);
      return;
    case Step::Kind::propose:
      task.waiting_step = index;
      task.revisions = 0;
      propose(task, step, at);
      return;
    case Step::Kind::stall:
      task.stalled = true;
      task.wake_at = kNever;
      return;
    case Step::Kind::cancel:
      system_cancel(task, at, step.text);
      return;
  }
}

std::string describe(const json& j) {
  if (j.is_string()) return "a string";
  if (j.is_array()) return "a list";
  if (j.is_null()) return "null";
  if (j.is_object()) return "an object";
  if (j.is_boolean()) return "a boolean";
  return "a number";
}

// 422 checks that need the question: index in range, `selected` of the right shape.
std::string check_answers(const json& answers, const std::vector<Question>& questions) {
  for (std::size_t i = 0; i < answers.size(); ++i) {
    const auto& a = answers[i];
    const auto path = "answers[" + std::to_string(i) + "]";
    const auto index = a["question_index"].get<long long>();
    if (index < 0 || static_cast<std::size_t>(index) >= questions.size()) {
      return path + ".question_index: " + std::to_string(index) +
             " is out of range (the question has " + std::to_string(questions.size()) +
             " question" + (questions.size() == 1 ? "" : "s") + ")";
    }
    const auto& q = questions[static_cast<std::size_t>(index)];
    const auto& selected = a["selected"];
    if (q.type == QuestionType::multi_select) {
      if (!selected.is_array()) {
        return path + ".selected: expected a list of strings for a multi_select question, got " +
               describe(selected);
      }
    } else if (!selected.is_string()) {
      return path + ".selected: expected a string for a " + std::string(to_string(q.type)) +
             " question, got " + describe(selected);
    }
  }
  return {};
}

}  // namespace

const char* to_string(Status s) {
  switch (s) {
    case Status::processing:
      return "processing";
    case Status::awaiting_reply:
      return "awaiting_reply";
    case Status::awaiting_solution_approval:
      return "awaiting_solution_approval";
    case Status::completed:
      return "completed";
    case Status::cancelled:
      return "cancelled";
  }
  return "processing";
}

void start_task(Task& task, ScriptPtr script, Micros now) {
  task.created_at = now;
  task.last_activity_at = now;
  task.status = Status::processing;
  task.script = std::move(script);
  task.pc = 0;
  task.wake_at = now;
  append_event(task, now, EventType::status, "Task created");
}

void advance(Task& task, Micros now, double time_scale) {
  // Bounded: a script of zero-second steps still ends (each step runs once per wake).
  for (int guard = 0; guard < 100000; ++guard) {
    if (is_terminal(task.status) || task.wake_at > now || !task.script) return;
    const Micros at = task.wake_at;
    if (task.revising) {
      task.revising = false;
      propose(task, task.script->steps[task.waiting_step], at);
    } else {
      run_step(task, at, time_scale);
    }
  }
}

std::optional<Reply> parse_reply_body(const json& body, std::string& detail) {
  if (!body.is_object()) {
    detail = "body: expected a JSON object with \"message\", \"content\" or \"answers\"";
    return std::nullopt;
  }
  Reply out;
  for (const char* key : {"message", "content"}) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) continue;
    if (!it->is_string()) {
      detail = std::string(key) + ": expected a string, got " + describe(*it);
      return std::nullopt;
    }
    // `message` and `content` are interchangeable: the first non-empty one is the reply.
    if (!out.text || out.text->empty()) out.text = it->get<std::string>();
  }
  if (auto it = body.find("answers"); it != body.end() && !it->is_null()) {
    if (!it->is_array() || it->empty()) {
      detail = "answers: expected a non-empty list of {question_index, selected}";
      return std::nullopt;
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
      const auto& a = (*it)[i];
      const auto path = "answers[" + std::to_string(i) + "]";
      if (!a.is_object()) {
        detail = path + ": expected an object {question_index, selected}";
        return std::nullopt;
      }
      auto qi = a.find("question_index");
      if (qi == a.end() || !qi->is_number_integer()) {
        detail = path + ".question_index: expected an integer";
        return std::nullopt;
      }
      auto sel = a.find("selected");
      if (sel == a.end() || !(sel->is_string() || sel->is_array())) {
        detail = path + ".selected: expected a string or a list of strings";
        return std::nullopt;
      }
      if (sel->is_array()) {
        for (const auto& v : *sel) {
          if (!v.is_string()) {
            detail = path + ".selected: every selected option must be a string";
            return std::nullopt;
          }
        }
      }
    }
    out.answers = *it;
  }
  if (!out.text && !out.answers) {
    detail = "body: one of \"message\", \"content\" or \"answers\" is required";
    return std::nullopt;
  }
  if (!out.answers && out.text->empty()) {
    detail = "message: must not be empty";
    return std::nullopt;
  }
  return out;
}

ActionResult reply(Task& task, const Reply& r, Micros now, double time_scale) {
  advance(task, now, time_scale);
  if (task.status != Status::awaiting_reply) {
    return {ActionError::wrong_state,
            std::string("task is ") + to_string(task.status) + ", not awaiting_reply"};
  }
  std::string content;
  if (r.answers) {
    static const std::vector<Question> kNone;
    const auto& questions = task.pending == Pending::clarifying_questions
                                ? task.script->steps[task.waiting_step].questions
                                : kNone;
    if (auto problem = check_answers(*r.answers, questions); !problem.empty()) {
      return {ActionError::invalid, problem};
    }
    content = r.answers->dump();
  } else {
    content = *r.text;
  }
  append_event(task, now, EventType::reply, std::move(content));
  task.status = Status::processing;
  task.pending = Pending::none;
  task.message_content.clear();
  task.wake_at = now;  // the agent takes the next step now
  advance(task, now, time_scale);
  return {};
}

ActionResult decide(Task& task, bool confirmed, const std::string& reason, Micros now,
                    double time_scale) {
  advance(task, now, time_scale);
  if (task.status != Status::awaiting_solution_approval) {
    return {ActionError::wrong_state,
            std::string("task is ") + to_string(task.status) + ", not awaiting_solution_approval"};
  }
  const Step& step = task.script->steps[task.waiting_step];
  if (confirmed) {
    append_event(task, now, EventType::solution_decision, "CONFIRMED");
    task.status = Status::completed;
    task.result_text = step.result_text;
    for (const auto& f : step.files) task.files.push_back({f.name, new_token(24), f.content});
    append_event(task, now, EventType::status, "Task completed");
    release_agent(task);
    return {};
  }
  append_event(task, now, EventType::solution_decision,
               reason.empty() ? std::string("REJECTED") : "REJECTED: " + reason);
  task.status = Status::processing;
  task.pending = Pending::none;
  task.message_content.clear();
  const auto& on_reject = step.on_reject;
  if (on_reject.revise < 0 || task.revisions < static_cast<std::uint32_t>(on_reject.revise)) {
    ++task.revisions;
    task.revising = true;
    append_event(
        task, now, EventType::status,
        reason.empty() ? std::string("Revising the solution") : "Revising the solution: " + reason);
    task.wake_at = later(now, scaled(on_reject.seconds, time_scale));
  } else if (on_reject.then == OnReject::Then::cancel) {
    system_cancel(task, now, "no further revisions");
    return {};
  } else if (on_reject.then == OnReject::Then::stall) {
    task.stalled = true;
    task.wake_at = kNever;
  } else {
    task.wake_at = now;
  }
  advance(task, now, time_scale);
  return {};
}

ActionResult cancel(Task& task, Micros now) {
  if (is_terminal(task.status)) {
    return {ActionError::wrong_state, std::string("task is already ") + to_string(task.status)};
  }
  task.status = Status::cancelled;
  append_event(task, now, EventType::status, "Task cancelled by the client");
  release_agent(task);
  return {};
}

}  // namespace agentwork::mock
