// A flat, allocation-light reading of one JSON text: the nodes of its values in document order,
// each pointing into the text instead of copying it. The fast path of the contract checks reads
// poll answers with it (harness/checks/contract_checks.hpp, status_answer_clean); nlohmann::json stays
// the reference reading of everything else.
//
// Strict where it matters: a text this accepts, nlohmann::json::parse accepts too and reads as the
// same value. It gives up (parse returns false) on what nlohmann would reject (bad syntax, invalid
// UTF-8, lone surrogates, control characters in strings, numbers overflowing a double) and also on
// what it would read differently or this reader does not handle exactly: a byte-order mark,
// duplicate or escaped object keys, integers over 18 digits, nesting deeper than kMaxDepth. A
// caller treats false as "read it the slow way", never as a verdict.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace agentwork::harness {

enum class JsonKind : std::uint8_t { null, boolean, number, string, array, object };

struct JsonNode {
  JsonKind kind = JsonKind::null;
  // boolean: its value; string: has escape sequences; number: an integer (no fraction, no
  // exponent), as nlohmann reads it.
  bool flag = false;
  std::uint32_t begin = 0;  // string: the first byte after the opening quote; number: its text
  std::uint32_t size = 0;   // bytes of that text
  std::uint32_t next = 0;   // the index of the node after this value and all its descendants
  std::uint32_t count = 0;  // array: elements; object: members (each a key node, then a value)
};

class JsonTape {
 public:
  static constexpr int kMaxDepth = 64;

  // Reads `text`; false when it is not a JSON text this reader handles (see above). The tape
  // points into `text`, which must outlive its use. Reuses the node storage of earlier calls.
  bool parse(std::string_view text);

  const JsonNode& node(std::size_t i) const { return nodes_[i]; }
  std::size_t size() const { return nodes_.size(); }
  std::string_view text() const { return text_; }

  // The raw text of a string node (escape sequences as written) or a number node.
  std::string_view raw(std::size_t i) const {
    return text_.substr(nodes_[i].begin, nodes_[i].size);
  }
  // A string node's value: its raw text when it has no escapes, else decoded into `scratch`.
  std::string_view string(std::size_t i, std::string& scratch) const;
  // Whether string node i holds exactly `value` (decoding escapes when it has any).
  bool string_equals(std::size_t i, std::string_view value, std::string& scratch) const;
  // Code points of a string node's value (what JSON Schema's minLength counts).
  std::size_t code_points(std::size_t i, std::string& scratch) const;
  // A number node's value as a double.
  double number(std::size_t i) const;

  // The value of member `key` of object node `object`, or npos. Keys are never escaped (parse
  // gives up on escaped keys) and never repeated.
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  std::size_t member(std::size_t object, std::string_view key) const;
  // The first child of an array or object node (for an object: its first key); step with
  // node(i).next, which skips the child's descendants.
  static std::size_t first_child(std::size_t i) { return i + 1; }

 private:
  bool value(int depth);
  bool string_node(bool is_key);
  bool number_node();
  bool literal(std::string_view word, JsonKind kind, bool flag);
  void skip_space();
  bool keys_distinct(std::size_t object) const;

  std::string_view text_;
  std::size_t pos_ = 0;
  std::vector<JsonNode> nodes_;
};

}  // namespace agentwork::harness
