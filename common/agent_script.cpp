#include "common/agent_script.hpp"

#include <array>
#include <cmath>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/json_reader.hpp"

namespace agentwork {
namespace {

using nlohmann::json;

// The script format's wording: no "; got" suffix, unknown fields listed in parentheses.
constexpr JsonStyle kScriptStyle{false, false, "unknown field (expected one of: ", ")"};

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw JsonError{path, what};
}

// Fails "expected <what>" unless `j` is an object, then at the first key not in `allowed`.
void check_keys(const json& obj, const std::string& path,
                std::initializer_list<std::string_view> allowed) {
  JsonReader(obj, path, kScriptStyle).object(allowed);
}

// null counts as absent here (unlike the scenario format).
std::string get_string(const json& obj, const std::string& path, const char* key, bool required,
                       const std::string& fallback = "") {
  const JsonReader r(obj, path, kScriptStyle);
  const json* v = r.find(key);
  if (v == nullptr || v->is_null()) {
    if (required) r.fail_at(key, "required string is missing");
    return fallback;
  }
  return JsonReader(*v, r.path_of(key), kScriptStyle).as_string(/*non_empty=*/false);
}

double get_seconds(const json& obj, const std::string& path, const char* key, double fallback,
                   bool required = false) {
  const JsonReader r(obj, path, kScriptStyle);
  const json* v = r.find(key);
  if (v == nullptr) {
    if (required) r.fail_at(key, "required number of seconds is missing");
    return fallback;
  }
  if (!v->is_number()) r.fail_at(key, "expected a number of seconds");
  if (!(NumberRange{"seconds", 0, 1e7, false}).contains(v->get<double>())) {
    r.fail_at(key, "expected seconds between 0 and 10000000");
  }
  return v->get<double>();
}

Question parse_question(const json& j, const std::string& path) {
  JsonReader(j, path, kScriptStyle).object({"type", "question", "options"}, "a question object");
  Question q;
  const auto type = get_string(j, path, "type", true);
  if (type == "text") {
    q.type = QuestionType::text;
  } else if (type == "single_select") {
    q.type = QuestionType::single_select;
  } else if (type == "multi_select") {
    q.type = QuestionType::multi_select;
  } else {
    fail(path + ".type",
         "expected \"text\", \"single_select\" or \"multi_select\", got \"" + type + "\"");
  }
  q.question = get_string(j, path, "question", true);
  auto it = j.find("options");
  if (q.type == QuestionType::text) {
    if (it != j.end() && !it->is_null())
      fail(path + ".options", "must be null for a text question");
    return q;
  }
  if (it == j.end() || !it->is_array())
    fail(path + ".options", "expected an array of 1 to 5 strings");
  if (it->empty() || it->size() > 5)
    fail(path + ".options", "a select question needs 1 to 5 options");
  for (std::size_t i = 0; i < it->size(); ++i) {
    if (!(*it)[i].is_string())
      fail(path + ".options[" + std::to_string(i) + "]", "expected a string");
    q.options.push_back((*it)[i].get<std::string>());
  }
  return q;
}

OnReject parse_on_reject(const json& j, const std::string& path) {
  JsonReader(j, path, kScriptStyle)
      .object({"revise", "seconds", "then"}, "an object {revise, seconds, then}");
  OnReject r;
  if (auto it = j.find("revise"); it != j.end()) {
    if (!it->is_number_integer() || it->get<long long>() < -1 || it->get<long long>() > 1000000) {
      fail(path + ".revise", "expected an integer from 0 to 1000000 (or -1: no limit)");
    }
    r.revise = static_cast<int>(it->get<long long>());
  }
  r.seconds = get_seconds(j, path, "seconds", r.seconds);
  const auto then = get_string(j, path, "then", false, "continue");
  if (then == "continue") {
    r.then = OnReject::Then::continue_script;
  } else if (then == "cancel") {
    r.then = OnReject::Then::cancel;
  } else if (then == "stall") {
    r.then = OnReject::Then::stall;
  } else {
    fail(path + ".then", "expected \"continue\", \"cancel\" or \"stall\", got \"" + then + "\"");
  }
  return r;
}

Step parse_step(const json& j, const std::string& path) {
  if (!j.is_object()) fail(path, "expected a step object with a \"do\" field");
  const auto kind = get_string(j, path, "do", true);
  Step s;
  if (kind == "work") {
    check_keys(j, path, {"do", "seconds", "note"});
    s.kind = Step::Kind::work;
    s.seconds = get_seconds(j, path, "seconds", 0, true);
    s.text = get_string(j, path, "note", false, "Working on the task...");
  } else if (kind == "ask") {
    check_keys(j, path, {"do", "questions"});
    s.kind = Step::Kind::ask;
    auto it = j.find("questions");
    if (it == j.end() || !it->is_array() || it->empty()) {
      fail(path + ".questions", "expected a non-empty array of questions");
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
      s.questions.push_back(
          parse_question((*it)[i], path + ".questions[" + std::to_string(i) + "]"));
    }
  } else if (kind == "message") {
    check_keys(j, path, {"do", "content"});
    s.kind = Step::Kind::message;
    s.text = get_string(j, path, "content", true);
  } else if (kind == "propose") {
    check_keys(j, path, {"do", "content", "result_text", "files", "on_reject"});
    s.kind = Step::Kind::propose;
    s.text = get_string(j, path, "content", false, "Here is my proposed solution.");
    s.result_text = get_string(j, path, "result_text", false, "The task is complete.");
    if (auto it = j.find("files"); it != j.end()) {
      if (!it->is_array()) fail(path + ".files", "expected an array of {name, content}");
      for (std::size_t i = 0; i < it->size(); ++i) {
        const auto fpath = path + ".files[" + std::to_string(i) + "]";
        const auto& f = (*it)[i];
        JsonReader(f, fpath, kScriptStyle).object({"name", "content"}, "an object {name, content}");
        FileSpec spec{get_string(f, fpath, "name", true), get_string(f, fpath, "content", false)};
        if (spec.name.empty()) fail(fpath + ".name", "must not be empty");
        s.files.push_back(std::move(spec));
      }
    }
    if (auto it = j.find("on_reject"); it != j.end())
      s.on_reject = parse_on_reject(*it, path + ".on_reject");
  } else if (kind == "stall") {
    check_keys(j, path, {"do"});
    s.kind = Step::Kind::stall;
  } else if (kind == "cancel") {
    check_keys(j, path, {"do", "reason"});
    s.kind = Step::Kind::cancel;
    s.text = get_string(j, path, "reason", false, "The platform gave up on this task.");
  } else {
    fail(path + ".do",
         "expected one of work, ask, message, propose, stall, cancel; got \"" + kind + "\"");
  }
  return s;
}

json question_json(const Question& q) {
  json o = {{"type", to_string(q.type)}, {"question", q.question}};
  o["options"] = q.type == QuestionType::text ? json(nullptr) : json(q.options);
  return o;
}

}  // namespace

const char* to_string(QuestionType t) {
  switch (t) {
    case QuestionType::text:
      return "text";
    case QuestionType::single_select:
      return "single_select";
    case QuestionType::multi_select:
      return "multi_select";
  }
  return "text";
}

std::optional<AgentScript> parse_agent_script(const json& j, std::string& error) {
  auto result = read_json([&] {
    JsonReader(j, "$", kScriptStyle)
        .object({"name", "steps"}, "an object {\"name\"?, \"steps\": [...]}");
    AgentScript script;
    script.name = get_string(j, "$", "name", false);
    auto it = j.find("steps");
    if (it == j.end() || !it->is_array()) fail("$.steps", "expected an array of steps");
    if (it->size() > kMaxScriptSteps) {
      fail("$.steps", "at most " + std::to_string(kMaxScriptSteps) + " steps");
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
      script.steps.push_back(parse_step((*it)[i], "$.steps[" + std::to_string(i) + "]"));
    }
    return script;
  });
  if (!result) {
    error = result.error().to_string();
    return std::nullopt;
  }
  return std::move(*result);
}

json to_json(const AgentScript& script) {
  json steps = json::array();
  for (const auto& s : script.steps) {
    json o;
    switch (s.kind) {
      case Step::Kind::work:
        o = {{"do", "work"}, {"seconds", s.seconds}, {"note", s.text}};
        break;
      case Step::Kind::ask: {
        o = {{"do", "ask"}, {"questions", json::array()}};
        for (const auto& q : s.questions) o["questions"].push_back(question_json(q));
        break;
      }
      case Step::Kind::message:
        o = {{"do", "message"}, {"content", s.text}};
        break;
      case Step::Kind::propose: {
        o = {{"do", "propose"},
             {"content", s.text},
             {"result_text", s.result_text},
             {"files", json::array()}};
        for (const auto& f : s.files)
          o["files"].push_back({{"name", f.name}, {"content", f.content}});
        static constexpr const char* kThen[] = {"continue", "cancel", "stall"};
        o["on_reject"] = {{"revise", s.on_reject.revise},
                          {"seconds", s.on_reject.seconds},
                          {"then", kThen[static_cast<int>(s.on_reject.then)]}};
        break;
      }
      case Step::Kind::stall:
        o = {{"do", "stall"}};
        break;
      case Step::Kind::cancel:
        o = {{"do", "cancel"}, {"reason", s.text}};
        break;
    }
    steps.push_back(std::move(o));
  }
  json out = {{"steps", std::move(steps)}};
  if (!script.name.empty()) out["name"] = script.name;
  return out;
}

std::string clarifying_questions_content(const std::vector<Question>& questions) {
  json content = {{"type", "clarifying_questions"}, {"questions", json::array()}};
  for (const auto& q : questions) content["questions"].push_back(question_json(q));
  return content.dump();
}

}  // namespace agentwork
