// The fast path of the contract checks against the reference path:
// - CompiledSchemas gives valijson's verdict (harness/checks/schema_validator.hpp) on every component,
//   for seeded random instances of each schema and random corruptions of them;
// - status_answer_clean says "clean" exactly when check_response finds nothing, on realistic
//   status answers and random corruptions of them, and its facts are the answer's fields.
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/checks/compiled_schema.hpp"
#include "harness/checks/contract_checks.hpp"
#include "harness/checks/json_reading.hpp"
#include "harness/checks/openapi_document.hpp"
#include "harness/checks/schema_validator.hpp"

namespace agentwork::harness {
namespace {

using nlohmann::json;

const json& schemas() {
  static const json document = json::parse(openapi_document());
  return document["components"]["schemas"];
}

// Random JSON values: instances of a schema (valid or nearly), and arbitrary replacements.
class Generator {
 public:
  explicit Generator(unsigned seed) : rng_(seed) {}

  bool chance(int percent) { return static_cast<int>(rng_() % 100) < percent; }
  std::size_t below(std::size_t n) { return n == 0 ? 0 : rng_() % n; }

  // A member name: no character that needs an escape (the fast path leaves escaped keys to the
  // reference).
  std::string some_key() {
    static const std::string pool[] = {"", "x", "status", "question", "type", "options", "caf\xC3\xA9"};
    return pool[below(std::size(pool))];
  }

  std::string some_string() {
    static const std::string pool[] = {
        "",
        "x",
        "processing",
        "awaiting_reply",
        "CLARIFYING_QUESTIONS",
        "text",
        "single_select",
        "770e8400-e29b-41d4-a716-446655440000",
        "2026-02-22T14:30:00.123456Z",
        "caf\xC3\xA9",
        "a \"quoted\" line\n",
        "aw_live_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
    };
    return pool[below(std::size(pool))];
  }

  json any_value(int depth = 0) {
    switch (below(depth > 2 ? 6 : 8)) {
      case 0:
        return nullptr;
      case 1:
        return chance(50);
      case 2:
        return static_cast<int>(below(7)) - 2;
      case 3:
        return 1.5;
      case 4:
      case 5:
        return some_string();
      case 6: {
        json a = json::array();
        for (std::size_t i = below(4); i > 0; --i) a.push_back(any_value(depth + 1));
        return a;
      }
      default: {
        json o = json::object();
        for (std::size_t i = below(3); i > 0; --i) o[some_key()] = any_value(depth + 1);
        return o;
      }
    }
  }

  // An instance of `schema`; mostly valid (every branch of the schema is exercised).
  json instance(const json& schema, int depth = 0) {
    if (depth > 8) return nullptr;
    if (const auto ref = schema.find("$ref"); ref != schema.end()) {
      const auto name = ref->get<std::string>().substr(std::string("#/components/schemas/").size());
      return instance(schemas()[name], depth + 1);
    }
    const auto any = schema.find("anyOf");
    const bool alone = !schema.contains("type") && !schema.contains("properties");
    if (any != schema.end() && !any->empty() && alone)
      return instance((*any)[below(any->size())], depth + 1);
    if (const auto e = schema.find("enum"); e != schema.end() && !e->empty())
      return (*e)[below(e->size())];
    std::string type = schema.value("type", "");
    if (type == "object" || schema.contains("properties")) {
      json o = json::object();
      json required = schema.value("required", json::array());
      if (any != schema.end() && !any->empty()) {  // one alternative's required names too
        for (const auto& name : (*any)[below(any->size())].value("required", json::array()))
          required.push_back(name);
      }
      const json properties = schema.value("properties", json::object());
      for (const auto& [name, sub] : properties.items()) {
        const bool needed = std::find(required.begin(), required.end(), name) != required.end();
        if (needed || chance(70)) o[name] = instance(sub, depth + 1);
      }
      return o;
    }
    if (type == "array") {
      const std::size_t lo = schema.value("minItems", 0u);
      const std::size_t hi = schema.value("maxItems", lo + 4);
      json a = json::array();
      const std::size_t n = lo + below(hi - lo + 1);
      for (std::size_t i = 0; i < n; ++i)
        a.push_back(schema.contains("items") ? instance(schema["items"], depth + 1) : any_value());
      return a;
    }
    if (type == "integer") return static_cast<int>(below(9)) - 2;
    if (type == "number") return chance(50) ? json(0.5) : json(3);
    if (type == "boolean") return chance(50);
    if (type == "null") return nullptr;
    if (type == "string") {
      std::string s = some_string();
      if (const auto min = schema.find("minLength"); min != schema.end() && s.size() < *min)
        s = "long enough text";
      return s;
    }
    return any_value();
  }

  // `value` with one random change somewhere inside: a member removed or added, an array grown
  // or emptied, or a value replaced by an arbitrary one.
  void corrupt(json& value) {
    json* at = &value;
    while ((at->is_object() || at->is_array()) && !at->empty() && chance(60)) {
      auto it = at->begin();
      std::advance(it, static_cast<std::ptrdiff_t>(below(at->size())));
      at = &*it;
    }
    switch (below(4)) {
      case 0:
        if (at->is_object() && !at->empty()) {
          auto it = at->begin();
          std::advance(it, static_cast<std::ptrdiff_t>(below(at->size())));
          at->erase(it.key());
          return;
        }
        break;
      case 1:
        if (at->is_object()) {
          (*at)[some_key()] = any_value();
          return;
        }
        if (at->is_array()) {
          for (std::size_t i = 1 + below(5); i > 0; --i)
            at->push_back(at->empty() ? any_value() : (*at)[0]);
          return;
        }
        break;
      case 2:
        if (at->is_array()) {
          at->clear();
          return;
        }
        break;
      default:
        break;
    }
    *at = any_value();
  }

 private:
  std::mt19937 rng_;
};

TEST(CompiledSchemas, EveryComponentOfTheDocumentCompiles) {
  const auto& compiled = CompiledSchemas::embedded();
  for (const auto& [name, why] : compiled.not_compiled()) ADD_FAILURE() << name << ": " << why;
  for (const auto& [name, unused] : schemas().items())
    EXPECT_TRUE(compiled.find(name).has_value()) << name;
  EXPECT_FALSE(compiled.find("NoSuchComponent").has_value());
}

TEST(CompiledSchemas, AKeywordItDoesNotCompileLeavesTheComponentToValijson) {
  const CompiledSchemas compiled(R"({"components": {"schemas": {
      "Pattern": {"type": "string", "pattern": "^a"},
      "UsesPattern": {"type": "object", "properties": {"p": {"$ref": "#/components/schemas/Pattern"}}},
      "Closed": {"type": "object", "additionalProperties": false},
      "Plain": {"type": "integer", "minimum": 1, "format": "int64"}}}})");
  EXPECT_FALSE(compiled.find("Pattern").has_value());
  EXPECT_FALSE(compiled.find("UsesPattern").has_value());
  EXPECT_FALSE(compiled.find("Closed").has_value());
  ASSERT_TRUE(compiled.find("Plain").has_value());
  // In name order, each with the keyword that stopped it.
  ASSERT_EQ(compiled.not_compiled().size(), 3u);
  EXPECT_EQ(compiled.not_compiled()[0].first, "Closed");
  EXPECT_NE(compiled.not_compiled()[0].second.find("additionalProperties"), std::string::npos);
  EXPECT_EQ(compiled.not_compiled()[1].first, "Pattern");
  EXPECT_NE(compiled.not_compiled()[1].second.find("pattern"), std::string::npos);
  EXPECT_EQ(compiled.not_compiled()[2].second, "refers to Pattern, which did not compile");
  JsonReading reading;
  ASSERT_TRUE(reading.parse("2"));
  EXPECT_TRUE(compiled.valid(*compiled.find("Plain"), reading.root()));
  ASSERT_TRUE(reading.parse("0"));
  EXPECT_FALSE(compiled.valid(*compiled.find("Plain"), reading.root()));
  ASSERT_TRUE(reading.parse("2.5"));
  EXPECT_FALSE(compiled.valid(*compiled.find("Plain"), reading.root()));
  ASSERT_TRUE(reading.parse("2.0"));  // a number with a fraction is no integer to valijson
  EXPECT_FALSE(compiled.valid(*compiled.find("Plain"), reading.root()));
  EXPECT_THROW(CompiledSchemas("{}"), std::runtime_error);
  EXPECT_THROW(CompiledSchemas("not json"), std::runtime_error);
}

TEST(CompiledSchemas, GivesValijsonsVerdictOnRandomInstancesOfEveryComponent) {
  const auto& compiled = CompiledSchemas::embedded();
  Generator gen(7);
  JsonReading reading;
  for (const auto& [name, schema] : schemas().items()) {
    const auto id = compiled.find(name);
    ASSERT_TRUE(id) << name;
    int valid = 0, invalid = 0;
    for (int round = 0; round < 1500; ++round) {
      json value = gen.instance(schema);
      if (round % 2 == 1) gen.corrupt(value);
      const std::string text = value.dump();
      // A dump of a json value: one simdjson reads (no repeated keys, no negative zero).
      ASSERT_TRUE(reading.parse(text)) << text;
      const bool reference = validate_against(name, value).empty();
      ASSERT_EQ(compiled.valid(*id, reading.root()), reference)
          << name << " on " << text << " (valijson: " << (reference ? "valid" : "invalid") << ")";
      (reference ? valid : invalid) += 1;
    }
    // Both verdicts were tested for every component.
    EXPECT_GT(valid, 100) << name;
    EXPECT_GT(invalid, 100) << name;
  }
}

// --- status_answer_clean ----------------------------------------------------------------------

constexpr const char* kTask = "770e8400-e29b-41d4-a716-446655440000";

std::vector<json> realistic_answers() {
  const json base = {{"task_id", kTask}, {"last_activity_at", "2026-02-22T14:30:00.123456Z"}};
  const json questions = {
      {"type", "clarifying_questions"},
      {"questions",
       {{{"type", "text"}, {"question", "What is it for?"}, {"options", nullptr}},
        {{"type", "single_select"}, {"question", "Which one?"}, {"options", {"A", "B"}}},
        {{"type", "multi_select"}, {"question", "Caf\xC3\xA9s?"}, {"options", {"x", "y", "z"}}}}}};
  std::vector<json> out;
  for (const char* status : {"processing", "completed", "cancelled"}) {
    json a = base;
    a["status"] = status;
    out.push_back(a);
    a["question"] = nullptr;
    a["solution"] = nullptr;
    out.push_back(a);
  }
  json asked = base;
  asked["status"] = "awaiting_reply";
  asked["question"] = {{"message_id", "880e8400-e29b-41d4-a716-446655440000"},
                       {"type", "CLARIFYING_QUESTIONS"},
                       {"content", questions.dump()}};
  out.push_back(asked);
  asked["question"]["type"] = "TO_CUSTOMER";
  asked["question"]["content"] = "Which database?";
  out.push_back(asked);
  json proposed = base;
  proposed["status"] = "awaiting_solution_approval";
  proposed["solution"] = {{"message_id", "990e8400-e29b-41d4-a716-446655440000"},
                          {"content", "The plan."}};
  out.push_back(proposed);
  return out;
}

bool reference_clean(const std::string& body) {
  Exchange ex;
  ex.method = "GET";
  ex.path = std::string("/api/v1/tasks/") + kTask;
  ex.status = 200;
  ex.body = body;
  return check_response(Endpoint::task_status, ex, CheckContext{kTask, ""}).empty();
}

TEST(StatusAnswerClean, RealisticAnswersAreCleanWithTheirFacts) {
  for (const auto& answer : realistic_answers()) {
    const std::string body = answer.dump();
    ASSERT_TRUE(reference_clean(body)) << body;
    StatusFacts facts;
    ASSERT_TRUE(status_answer_clean(body, kTask, facts)) << body;
    const auto field = [&](const char* object, const char* key) -> std::string {
      const auto it = answer.find(object);
      return it != answer.end() && it->is_object() ? it->value(key, "") : "";
    };
    EXPECT_EQ(facts.status, answer["status"].get<std::string>());
    EXPECT_EQ(facts.last_activity_at, answer["last_activity_at"].get<std::string>());
    EXPECT_EQ(facts.question_message_id, field("question", "message_id"));
    EXPECT_EQ(facts.question_type, field("question", "type"));
    EXPECT_EQ(facts.solution_message_id, field("solution", "message_id"));
  }
}

TEST(StatusAnswerClean, TargetedBreaksAreNotClean) {
  const auto answers = realistic_answers();
  const json& processing = answers[0];
  const json& asked = answers[6];
  const std::vector<std::function<std::string()>> broken = {
      [&] { return processing.dump() + "x"; },
      [&] { return std::string("[]"); },
      [&] { json a = processing; a["task_id"] = "771e8400-e29b-41d4-a716-446655440000"; return a.dump(); },
      [&] { json a = processing; a["task_id"] = "770e8400-e29b-41d4-a716-44665544000g"; return a.dump(); },
      [&] { json a = processing; a["last_activity_at"] = "2026-02-22T14:30:00"; return a.dump(); },
      [&] { json a = processing; a["last_activity_at"] = "2026-02-30T14:30:00.123456Z"; return a.dump(); },
      [&] { json a = processing; a["status"] = "done"; return a.dump(); },
      [&] { json a = processing; a["question"] = asked["question"]; return a.dump(); },
      [&] { json a = asked; a["question"] = nullptr; return a.dump(); },
      [&] { json a = asked; a["question"]["message_id"] = "m1"; return a.dump(); },
      [&] { json a = asked; a["question"]["content"] = "{not json"; return a.dump(); },
      [&] {
        json a = asked;
        json q = json::parse(a["question"]["content"].get<std::string>());
        q["questions"][0]["options"] = {"A"};  // options on a text question
        a["question"]["content"] = q.dump();
        return a.dump();
      },
      [&] {
        json a = asked;
        json q = json::parse(a["question"]["content"].get<std::string>());
        q["questions"][1].erase("options");  // a select without options
        a["question"]["content"] = q.dump();
        return a.dump();
      },
      [&] { json a = answers[8]; a["solution"]["message_id"] = 5; return a.dump(); },
  };
  for (const auto& make : broken) {
    const std::string body = make();
    StatusFacts facts;
    EXPECT_FALSE(reference_clean(body)) << "not a break: " << body;
    EXPECT_FALSE(status_answer_clean(body, kTask, facts)) << body;
  }
}

TEST(StatusAnswerClean, AgreesWithCheckResponseOnRandomCorruptions) {
  Generator gen(29);
  const auto answers = realistic_answers();
  int clean = 0, total = 0;
  for (int round = 0; round < 6000; ++round) {
    json answer = answers[gen.below(answers.size())];
    // Half the time the corruption goes inside the clarifying questions' content.
    if (answer.contains("question") && answer["question"].is_object() &&
        answer["question"]["type"] == "CLARIFYING_QUESTIONS" && gen.chance(50)) {
      json q = json::parse(answer["question"]["content"].get<std::string>());
      gen.corrupt(q);
      answer["question"]["content"] = q.dump();
    } else if (round % 5 != 0) {
      gen.corrupt(answer);
    }
    const std::string body = answer.dump();
    StatusFacts facts;
    const bool fast = status_answer_clean(body, kTask, facts);
    const bool reference = reference_clean(body);
    // Never clean when the reference finds something; clean whenever it finds nothing (these
    // bodies have no escapes in the fields the fast path reads, so it never has to give up).
    ASSERT_EQ(fast, reference) << body;
    clean += fast ? 1 : 0;
    ++total;
  }
  EXPECT_GT(clean, total / 10);
  EXPECT_LT(clean, total * 9 / 10);
}

}  // namespace
}  // namespace agentwork::harness
