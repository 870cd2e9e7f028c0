#include "mock_server/agent_script.hpp"

#include <array>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "mock_server/ids.hpp"

namespace agentwork::mock {
namespace {

using nlohmann::json;

// A parse failure: the JSON path and what was expected there.
struct ParseError {
  std::string message;
};

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw ParseError{path + ": " + what};
}

void check_keys(const json& obj, const std::string& path,
                std::initializer_list<const char*> allowed) {
  std::set<std::string> ok(allowed.begin(), allowed.end());
  for (const auto& [key, value] : obj.items()) {
    if (!ok.count(key)) {
      std::string list;
      for (const auto* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
      fail(path + "." + key, "unknown field (expected one of: " + list + ")");
    }
  }
}

std::string get_string(const json& obj, const std::string& path, const char* key, bool required,
                       const std::string& fallback = "") {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) fail(path + "." + key, "required string is missing");
    return fallback;
  }
  if (!it->is_string()) fail(path + "." + key, "expected a string");
  return it->get<std::string>();
}

double get_seconds(const json& obj, const std::string& path, const char* key, double fallback,
                   bool required = false) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) fail(path + "." + key, "required number of seconds is missing");
    return fallback;
  }
  if (!it->is_number()) fail(path + "." + key, "expected a number of seconds");
  const double v = it->get<double>();
  if (!std::isfinite(v) || v < 0 || v > 1e7) {
    fail(path + "." + key, "expected seconds between 0 and 10000000");
  }
  return v;
}

Question parse_question(const json& j, const std::string& path) {
  if (!j.is_object()) fail(path, "expected a question object");
  check_keys(j, path, {"type", "question", "options"});
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
  if (!j.is_object()) fail(path, "expected an object {revise, seconds, then}");
  check_keys(j, path, {"revise", "seconds", "then"});
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
        if (!f.is_object()) fail(fpath, "expected an object {name, content}");
        check_keys(f, fpath, {"name", "content"});
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
  try {
    if (!j.is_object()) fail("$", "expected an object {\"name\"?, \"steps\": [...]}");
    check_keys(j, "$", {"name", "steps"});
    AgentScript script;
    script.name = get_string(j, "$", "name", false);
    auto it = j.find("steps");
    if (it == j.end() || !it->is_array()) fail("$.steps", "expected an array of steps");
    if (it->size() > 10000) fail("$.steps", "at most 10000 steps");
    for (std::size_t i = 0; i < it->size(); ++i) {
      script.steps.push_back(parse_step((*it)[i], "$.steps[" + std::to_string(i) + "]"));
    }
    return script;
  } catch (const ParseError& e) {
    error = e.message;
    return std::nullopt;
  }
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

AgentScript default_agent_script(std::uint64_t seed) {
  Random r(seed);
  auto pick = [&](const auto& pool) { return pool[r.next() % pool.size()]; };
  // Picks `n` distinct entries of a pool, in pool order.
  auto pick_n = [&](const auto& pool, std::size_t n) {
    std::vector<std::string> out;
    std::vector<bool> taken(pool.size(), false);
    while (out.size() < n) {
      const auto i = r.next() % pool.size();
      if (!taken[i]) taken[i] = true, out.emplace_back(pool[i]);
    }
    return out;
  };
  static const std::array<const char*, 4> kTextQuestions = {
      "What is the primary use case?", "Who are the main users of this?",
      "Are there any constraints I should know about?", "What does success look like for you?"};
  static const std::array<const char*, 6> kFrameworks = {"React",   "Vue",   "Svelte",
                                                         "Angular", "Solid", "Plain HTML"};
  static const std::array<const char*, 6> kFeatures = {"Auth",     "Database", "File upload",
                                                       "Payments", "Search",   "Notifications"};
  static const std::array<const char*, 3> kSingleQuestions = {"Which framework do you prefer?",
                                                              "Which UI toolkit should I use?",
                                                              "What should the main stack be?"};
  static const std::array<const char*, 3> kMultiQuestions = {
      "Which features do you need?", "Which of these should be included?",
      "What should the first version cover?"};

  // A work or message step; the seconds are drawn by the caller, in a fixed order per seed.
  auto simple = [](Step::Kind kind, std::uint64_t seconds, std::string text) {
    Step step;
    step.kind = kind;
    step.seconds = static_cast<double>(seconds);
    step.text = std::move(text);
    return step;
  };

  AgentScript s;
  s.name = "default";
  s.steps.push_back(simple(Step::Kind::work, r.between(20, 90), "Analyzing requirements..."));

  Step ask;
  ask.kind = Step::Kind::ask;
  ask.questions.push_back({QuestionType::text, pick(kTextQuestions), {}});
  ask.questions.push_back(
      {QuestionType::single_select, pick(kSingleQuestions), pick_n(kFrameworks, r.between(2, 5))});
  ask.questions.push_back(
      {QuestionType::multi_select, pick(kMultiQuestions), pick_n(kFeatures, r.between(2, 5))});
  // Mix the order so clients cannot rely on it.
  for (std::size_t i = ask.questions.size() - 1; i > 0; --i) {
    std::swap(ask.questions[i], ask.questions[r.next() % (i + 1)]);
  }
  s.steps.push_back(ask);

  s.steps.push_back(simple(Step::Kind::work, r.between(30, 120), "Implementing the solution..."));

  if (r.between(0, 3) == 0) {
    s.steps.push_back(simple(Step::Kind::message, 0,
                             "I can also add automated tests for this. Should I include them?"));
    s.steps.push_back(
        simple(Step::Kind::work, r.between(10, 40), "Adding the finishing touches..."));
  }

  Step propose;
  propose.kind = Step::Kind::propose;
  propose.text = "I've built the solution with the components you asked for.";
  propose.result_text = "Here is the completed work. I created the requested files.";
  const auto n_files = r.between(1, 3);
  static const std::array<const char*, 4> kFiles = {"src/main.ts", "src/styles.css", "README.md",
                                                    "tests/main.test.ts"};
  for (const auto& name : pick_n(kFiles, n_files)) {
    propose.files.push_back({name, "// " + name + " generated by the mock agent (seed " +
                                       std::to_string(seed) + ")\n"});
  }
  propose.on_reject.revise = -1;
  propose.on_reject.seconds = static_cast<double>(r.between(20, 60));
  s.steps.push_back(propose);
  return s;
}

namespace {

// The fleet's wording. None of it says "cancel": a task whose script mentions no cancel is one
// the M.lifecycle.system_cancel breach may fake a cancel for (violations.cpp).
constexpr std::array<const char*, 6> kFleetTextQuestions = {
    "What is the primary use case?",
    "Who will use this day to day?",
    "Are there constraints I should know about (deadlines, budget, hosting)?",
    "What does success look like for you?",
    "Is there an existing system this has to work with?",
    "Anything you definitely do not want?"};
constexpr std::array<const char*, 4> kFleetSingleQuestions = {
    "Which stack should I use?", "Where will this run?",
    "How polished should the first version be?", "Which language do you prefer?"};
constexpr std::array<const char*, 4> kFleetMultiQuestions = {
    "Which features do you need?", "Which platforms must it support?",
    "What should the first version cover?", "Which integrations matter to you?"};
// One option pool per select question above, at least 5 entries each.
constexpr std::array<std::array<const char*, 6>, 4> kFleetSingleOptions = {{
    {"React", "Vue", "Svelte", "Django", "Rails", "Plain HTML"},
    {"AWS", "Google Cloud", "Azure", "On premises", "Vercel", "Not sure yet"},
    {"Prototype", "Internal tool", "Customer facing", "Production grade", "Demo", "Spike"},
    {"Python", "TypeScript", "Go", "Rust", "Java", "No preference"},
}};
constexpr std::array<std::array<const char*, 6>, 4> kFleetMultiOptions = {{
    {"Auth", "Database", "File upload", "Payments", "Search", "Notifications"},
    {"Web", "iOS", "Android", "Desktop", "CLI", "API only"},
    {"Sign-up", "Dashboard", "Reports", "Admin panel", "Exports", "Email alerts"},
    {"Slack", "GitHub", "Stripe", "Google Sheets", "Salesforce", "Zapier"},
}};
constexpr std::array<const char*, 3> kFleetMessages = {
    "I can also add automated tests for this. Should I include them?",
    "Do you have a style guide or an existing design I should follow?",
    "An open-source library already covers part of this. May I use it?"};
constexpr std::array<const char*, 6> kFleetFiles = {"src/main.py",        "src/app.ts",
                                                    "README.md",          "docs/design.md",
                                                    "tests/test_main.py", "config.yaml"};

// `n` distinct entries of a pool, in the order drawn.
template <std::size_t N>
std::vector<std::string> pick_distinct(Random& r, const std::array<const char*, N>& pool,
                                       std::size_t n) {
  std::vector<std::string> out;
  std::array<bool, N> taken{};
  while (out.size() < n && out.size() < N) {
    const auto i = r.next() % N;
    if (!taken[i]) taken[i] = true, out.emplace_back(pool[i]);
  }
  return out;
}

Step fleet_step(Step::Kind kind, std::uint64_t seconds, std::string text) {
  Step step;
  step.kind = kind;
  step.seconds = static_cast<double>(seconds);
  step.text = std::move(text);
  return step;
}

// Each question's type is uniformly random, so that a handful of tasks shows all three.
Question fleet_question(Random& r) {
  const auto type = r.between(0, 2);
  const auto which = r.next() % 4;
  if (type == 0) return {QuestionType::text, kFleetTextQuestions[r.next() % 6], {}};
  if (type == 1) {
    return {QuestionType::single_select, kFleetSingleQuestions[which],
            pick_distinct(r, kFleetSingleOptions[which], r.between(2, 5))};
  }
  return {QuestionType::multi_select, kFleetMultiQuestions[which],
          pick_distinct(r, kFleetMultiOptions[which], r.between(2, 5))};
}

Step fleet_ask(Random& r) {
  Step ask;
  ask.kind = Step::Kind::ask;
  const auto n = r.between(1, 3);
  for (std::uint64_t i = 0; i < n; ++i) ask.questions.push_back(fleet_question(r));
  return ask;
}

Step fleet_propose(Random& r, std::uint64_t seed) {
  Step propose;
  propose.kind = Step::Kind::propose;
  const bool no_files = r.between(0, 9) == 0;
  const auto n_files = no_files ? 0 : r.between(1, 3);
  propose.text = no_files ? "Here is my recommendation; no files were needed."
                          : "I've built a first version; the files are attached.";
  propose.result_text = no_files ? "The recommendation is in the proposal above."
                                 : "Here is the completed work with the files I created.";
  for (const auto& name : pick_distinct(r, kFleetFiles, n_files)) {
    propose.files.push_back(
        {name, "# " + name + " written by a fleet agent (seed " + std::to_string(seed) + ")\n"});
  }
  propose.on_reject.revise = -1;
  propose.on_reject.seconds = static_cast<double>(r.between(10, 40));
  return propose;
}

// A TO_CUSTOMER message, then the work the reply leads to.
void add_fleet_message(AgentScript& s, Random& r) {
  s.steps.push_back(fleet_step(Step::Kind::message, 0, kFleetMessages[r.next() % 3]));
  s.steps.push_back(
      fleet_step(Step::Kind::work, r.between(10, 30), "Taking your reply on board..."));
}

// Replaces the work step number `pick` (modulo their count) before the proposal with a stall.
void stall_a_work_step(AgentScript& s, std::uint64_t pick) {
  std::vector<std::size_t> work;
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    if (s.steps[i].kind == Step::Kind::propose) break;
    if (s.steps[i].kind == Step::Kind::work) work.push_back(i);
  }
  if (work.empty()) return;
  Step stall;
  stall.kind = Step::Kind::stall;
  s.steps[work[pick % work.size()]] = stall;
}

}  // namespace

AgentScript fleet_agent_script(std::uint64_t seed, double stall_rate) {
  Random r(seed);
  AgentScript s;
  s.name = "fleet";
  s.steps.push_back(fleet_step(Step::Kind::work, r.between(10, 40), "Analyzing requirements..."));
  const auto roll = r.between(0, 99);
  const int rounds = roll < 15 ? 0 : roll < 75 ? 1 : 2;
  const bool message = r.between(0, 99) < 35;
  const bool message_first = r.between(0, 1) == 0;
  if (message && message_first) add_fleet_message(s, r);
  for (int i = 0; i < rounds; ++i) {
    s.steps.push_back(fleet_ask(r));
    s.steps.push_back(
        fleet_step(Step::Kind::work, r.between(10, 30), "Working through your answers..."));
  }
  if (message && !message_first) add_fleet_message(s, r);
  s.steps.push_back(
      fleet_step(Step::Kind::work, r.between(10, 60), "Implementing the solution..."));
  s.steps.push_back(fleet_propose(r, seed));
  // Drawn at every rate, last: one seed gives the same agent at any rate but for the stall.
  const double stall_draw = r.uniform01();
  const auto stall_pick = r.next();
  if (stall_draw < stall_rate) stall_a_work_step(s, stall_pick);
  return s;
}

}  // namespace agentwork::mock
