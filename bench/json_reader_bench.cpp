// The judgement issue 15 asks for: the hand-written flat reader of the checks' fast path
// (harness/checks/json_tape.hpp) against simdjson 3.0 (Debian's libsimdjson-dev), on the texts the
// fast path reads on every poll answer: a `processing` status body, an `awaiting_reply` body with
// three structured questions, and the questions' own JSON text (question.content).
//
// Each reader is measured two ways:
//  - Parse: the text to a complete, validated reading (the tape; simdjson's DOM). simdjson's
//    On Demand API validates only what is visited, so it appears only under Walk.
//  - Walk: parse, then visit every value and read every string and number, which is what the
//    compiled schema does to a clean answer (every member is checked, none skipped).
// simdjson gets its best case: input already padded (SIMDJSON_PADDING bytes after the text) and
// one parser reused across iterations, as the tape reuses its node storage. Both readers reject
// invalid UTF-8 and bad syntax; only the tape also gives up on duplicate keys, which simdjson
// accepts (a simdjson path would need that check added on top).
#include <benchmark/benchmark.h>

#include <simdjson.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "harness/checks/json_tape.hpp"

namespace {

using agentwork::harness::JsonKind;
using agentwork::harness::JsonTape;

constexpr const char* kProcessing =
    R"({"task_id":"770e8400-e29b-41d4-a716-446655440000","status":"processing",)"
    R"("last_activity_at":"2026-02-22T14:30:00.123456Z"})";

constexpr const char* kAwaitingReply =
    R"({"task_id":"770e8400-e29b-41d4-a716-446655440000","status":"awaiting_reply",)"
    R"("last_activity_at":"2026-02-22T14:30:00.123456Z",)"
    R"("question":{"message_id":"880e8400-e29b-41d4-a716-446655440000","content":)"
    R"("{\"type\":\"clarifying_questions\",\"questions\":[)"
    R"({\"type\":\"text\",\"question\":\"What is the primary use case?\",\"options\":null},)"
    R"({\"type\":\"single_select\",\"question\":\"Which framework do you prefer?\",)"
    R"(\"options\":[\"React\",\"Vue\",\"Svelte\"]},)"
    R"({\"type\":\"multi_select\",\"question\":\"Which features do you need?\",)"
    R"(\"options\":[\"Auth\",\"Database\",\"File upload\",\"Payments\"]}]}",)"
    R"("type":"CLARIFYING_QUESTIONS"}})";

constexpr const char* kContent =
    R"({"type":"clarifying_questions","questions":[)"
    R"({"type":"text","question":"What is the primary use case?","options":null},)"
    R"({"type":"single_select","question":"Which framework do you prefer?",)"
    R"("options":["React","Vue","Svelte"]},)"
    R"({"type":"multi_select","question":"Which features do you need?",)"
    R"("options":["Auth","Database","File upload","Payments"]}]})";

const char* text_of(std::int64_t which) {
  switch (which) {
    case 0: return kProcessing;
    case 1: return kAwaitingReply;
    default: return kContent;
  }
}

void label(benchmark::State& state) {
  static const char* const names[] = {"processing", "awaiting_reply", "content"};
  state.SetLabel(names[state.range(0)]);
}

// --- The tape ------------------------------------------------------------------------------

// Reads every value the tape holds; returns the bytes of strings read plus the count of numbers,
// so that nothing can be optimised away.
std::size_t walk_tape(const JsonTape& tape, std::string& scratch) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < tape.size(); ++i) {
    const auto& n = tape.node(i);
    if (n.kind == JsonKind::string) seen += tape.string(i, scratch).size();
    if (n.kind == JsonKind::number) seen += tape.number(i) > 0 ? 1 : 0;
    if (n.kind == JsonKind::boolean) seen += n.flag ? 1 : 0;
  }
  return seen;
}

void BM_TapeParse(benchmark::State& state) {
  const std::string text = text_of(state.range(0));
  JsonTape tape;
  if (!tape.parse(text)) return state.SkipWithError("the tape should read the text");
  for (auto _ : state) benchmark::DoNotOptimize(tape.parse(text));
  label(state);
}
BENCHMARK(BM_TapeParse)->DenseRange(0, 2);

void BM_TapeWalk(benchmark::State& state) {
  const std::string text = text_of(state.range(0));
  JsonTape tape;
  std::string scratch;
  for (auto _ : state) {
    if (!tape.parse(text)) return state.SkipWithError("the tape should read the text");
    benchmark::DoNotOptimize(walk_tape(tape, scratch));
  }
  label(state);
}
BENCHMARK(BM_TapeWalk)->DenseRange(0, 2);

// --- simdjson's DOM ------------------------------------------------------------------------

std::size_t walk_dom(simdjson::dom::element e) {
  std::size_t seen = 0;
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY: {
      const simdjson::dom::array array = e.get_array().value_unsafe();
      for (simdjson::dom::element child : array) seen += walk_dom(child);
      break;
    }
    case simdjson::dom::element_type::OBJECT: {
      const simdjson::dom::object object = e.get_object().value_unsafe();
      for (simdjson::dom::key_value_pair field : object) {
        seen += field.key.size();
        seen += walk_dom(field.value);
      }
      break;
    }
    case simdjson::dom::element_type::STRING:
      seen += e.get_string().value_unsafe().size();
      break;
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      seen += e.get_double().value_unsafe() > 0 ? 1 : 0;
      break;
    case simdjson::dom::element_type::BOOL:
      seen += e.get_bool().value_unsafe() ? 1 : 0;
      break;
    case simdjson::dom::element_type::NULL_VALUE:
      break;
  }
  return seen;
}

void BM_SimdjsonDomParse(benchmark::State& state) {
  const simdjson::padded_string text(std::string_view(text_of(state.range(0))));
  simdjson::dom::parser parser;
  if (parser.parse(text).error()) return state.SkipWithError("simdjson should read the text");
  for (auto _ : state) benchmark::DoNotOptimize(parser.parse(text).error());
  label(state);
}
BENCHMARK(BM_SimdjsonDomParse)->DenseRange(0, 2);

void BM_SimdjsonDomWalk(benchmark::State& state) {
  const simdjson::padded_string text(std::string_view(text_of(state.range(0))));
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element root;
    if (parser.parse(text).get(root)) return state.SkipWithError("simdjson should read the text");
    benchmark::DoNotOptimize(walk_dom(root));
  }
  label(state);
}
BENCHMARK(BM_SimdjsonDomWalk)->DenseRange(0, 2);

// --- simdjson's On Demand ------------------------------------------------------------------

// Visits every value once, in document order (On Demand is forward-only); false on an error.
bool walk_ondemand(simdjson::ondemand::value v, std::size_t& seen) {
  simdjson::ondemand::json_type type;
  if (v.type().get(type)) return false;
  switch (type) {
    case simdjson::ondemand::json_type::array: {
      simdjson::ondemand::array a;
      if (v.get_array().get(a)) return false;
      for (auto child : a) {
        simdjson::ondemand::value cv;
        if (child.get(cv) || !walk_ondemand(cv, seen)) return false;
      }
      return true;
    }
    case simdjson::ondemand::json_type::object: {
      simdjson::ondemand::object o;
      if (v.get_object().get(o)) return false;
      for (auto field : o) {
        std::string_view key;
        if (field.unescaped_key().get(key)) return false;
        seen += key.size();
        if (!walk_ondemand(field.value(), seen)) return false;
      }
      return true;
    }
    case simdjson::ondemand::json_type::string: {
      std::string_view s;
      if (v.get_string().get(s)) return false;
      seen += s.size();
      return true;
    }
    case simdjson::ondemand::json_type::number: {
      double d = 0;
      if (v.get_double().get(d)) return false;
      seen += d > 0 ? 1 : 0;
      return true;
    }
    case simdjson::ondemand::json_type::boolean: {
      bool b = false;
      if (v.get_bool().get(b)) return false;
      seen += b ? 1 : 0;
      return true;
    }
    case simdjson::ondemand::json_type::null:
      return v.is_null();
  }
  return false;
}

void BM_SimdjsonOnDemandWalk(benchmark::State& state) {
  const simdjson::padded_string text(std::string_view(text_of(state.range(0))));
  simdjson::ondemand::parser parser;
  for (auto _ : state) {
    simdjson::ondemand::document doc;
    simdjson::ondemand::value root;
    std::size_t seen = 0;
    if (parser.iterate(text).get(doc) || doc.get_value().get(root) || !walk_ondemand(root, seen))
      return state.SkipWithError("simdjson On Demand should read the text");
    benchmark::DoNotOptimize(seen);
  }
  label(state);
}
BENCHMARK(BM_SimdjsonOnDemandWalk)->DenseRange(0, 2);

}  // namespace

BENCHMARK_MAIN();
