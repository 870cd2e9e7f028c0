// One JSON text read by simdjson's DOM (Debian's libsimdjson-dev) for the fast path of the contract
// checks (contract_checks.hpp, status_answer_clean); nlohmann::json stays the reference reading of
// everything else. simdjson replaced a hand-written reader here: it reads the poll answers 2.2 to
// 2.8 times faster (bench/json_reader_bench.cpp at a133fc9 measured both).
//
// Held to nlohmann's reading: a text parse() accepts, nlohmann::json::parse accepts too and reads as
// the same value with the same number kinds (integer or not, which JSON Schema's "integer" tells
// apart; both read "-0" as an integer and "1.0" or "1e2" as not). simdjson itself rejects bad
// syntax, invalid UTF-8, lone surrogates, control characters in strings, numbers overflowing a
// double, integers over 64 bits and a leading byte-order mark (nlohmann reads the last two); on top
// of that parse() gives up on repeated object keys, which simdjson keeps and nlohmann reads as the
// last one. A caller treats false as "read it the slow way", never as a verdict.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <string_view>

namespace agentwork::harness {

class JsonReading {
 public:
  // Reads `text` (copied into the parser's padded buffer: the text need not outlive the reading);
  // false when it is not a JSON text read here (see above). Strings and the root returned stay
  // valid until the next parse. Reuses the parser's memory of earlier calls.
  bool parse(std::string_view text);

  simdjson::dom::element root() const { return root_; }

  // The code points of a string (what JSON Schema's minLength counts): its bytes that do not
  // continue a UTF-8 sequence. simdjson validated the UTF-8.
  static std::size_t code_points(std::string_view s);

 private:
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
};

}  // namespace agentwork::harness
