// The JSON reading of the checks' fast path (harness/checks/json_reading.hpp: simdjson's DOM held to
// nlohmann's reading) on the texts the fast path reads on every poll answer: a `processing` status
// body, an `awaiting_reply` body with three structured questions, and the questions' own JSON text
// (question.content), next to simdjson alone (DOM and On Demand) and nlohmann (the reference).
//
// This benchmark made the judgement issue 15 asked for. At a133fc9 it also measured the
// hand-written flat reader the fast path had until then (json_tape): simdjson read the same texts
// 2.2 to 2.8 times faster (processing parse 163 vs 67 ns, awaiting_reply parse and walk 1255 vs
// 538 ns, questions 809 vs 292 ns), so the fast path moved to simdjson and json_tape was deleted.
//
// Each reader is measured two ways:
//  - Parse: the text to a complete, validated reading (simdjson's DOM; JsonReading adds its walk
//    for repeated keys). On Demand validates only what is visited, so it
//    appears only under Walk.
//  - Walk: parse, then visit every value and read every string and number, which is what the
//    compiled schema does to a clean answer (every member is checked, none skipped).
// simdjson alone gets its best case: input already padded (SIMDJSON_PADDING bytes after the text).
// JsonReading takes an unpadded view, as the fast path does, and copies it into the parser's buffer.
// Parsers are reused across iterations throughout.
#include <benchmark/benchmark.h>

#include <simdjson.h>

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "harness/checks/json_reading.hpp"

namespace {

using agentwork::harness::JsonReading;

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

// --- JsonReading: what the fast path pays ----------------------------------------------------

void BM_JsonReadingParse(benchmark::State& state) {
  const std::string text = text_of(state.range(0));
  JsonReading reading;
  if (!reading.parse(text)) return state.SkipWithError("JsonReading should read the text");
  for (auto _ : state) benchmark::DoNotOptimize(reading.parse(text));
  label(state);
}
BENCHMARK(BM_JsonReadingParse)->DenseRange(0, 2);

void BM_JsonReadingWalk(benchmark::State& state) {
  const std::string text = text_of(state.range(0));
  JsonReading reading;
  for (auto _ : state) {
    if (!reading.parse(text)) return state.SkipWithError("JsonReading should read the text");
    benchmark::DoNotOptimize(walk_dom(reading.root()));
  }
  label(state);
}
BENCHMARK(BM_JsonReadingWalk)->DenseRange(0, 2);

// --- nlohmann::json, the reference reading -----------------------------------------------------

void BM_NlohmannParse(benchmark::State& state) {
  const std::string text = text_of(state.range(0));
  for (auto _ : state) {
    auto value = nlohmann::json::parse(text);
    benchmark::DoNotOptimize(value);
  }
  label(state);
}
BENCHMARK(BM_NlohmannParse)->DenseRange(0, 2);

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
